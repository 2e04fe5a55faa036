// How an uplink's reachability is probed and what state it is in: the words
// the health module shares with the config ([uplink.*] probe) and with the
// uplink tracker (firmware/cores), so that there is one enum of each.
//
// Contract: plain enums and their names, no I/O (fb_health_handler).
#pragma once

namespace fb::health {

enum class ProbeKind { icmp, http, dns };
const char* to_string(ProbeKind kind);

// Up and Degraded carry traffic; Unknown and Down do not.
enum class UplinkState { unknown, up, degraded, down };
const char* to_string(UplinkState s);

}  // namespace fb::health
