// Carrier-grade NAT on an uplink: whether the internet can reach the Pi at
// the uplink's address, and whether a DNS record for it can work.
//
// Contract: pure functions of their inputs (no I/O, no clock, no log).
//
// Rules:
//  - an address in 100.64.0.0/10 (RFC 6598, the range set aside for carrier
//    NAT) is behind carrier-grade NAT on any uplink;
//  - an RFC 1918 address (10/8, 172.16/12, 192.168/16) is behind carrier-grade
//    NAT on a modem uplink (kind = ppp or cellular); on an Ethernet uplink it is
//    a router's LAN, where port forwarding may work, so it is not reported;
//  - when the DDNS server reports back the address it saw (a Lambda get) and
//    that address is the uplink's own, nothing translates in between (a
//    private APN, a lab): not behind NAT; when it differs, it confirms the NAT
//    and is named in the sentence;
//  - no address, or an IPv6 one: nothing to report.
// publish_decision() is what DdnsScheduler asks before each set: behind
// carrier-grade NAT a record points at the carrier, not at this Pi, so it is
// withheld (DDNS_BEHIND_NAT) unless [ddns] publish_behind_nat = yes.
#pragma once

#include <optional>
#include <string>

#include "fb/net_types.hpp"

namespace fb::core {

struct NatFinding {
  bool behind = false;            // behind carrier-grade NAT
  IpAddress address;              // the uplink's address (when behind)
  std::string range;              // "100.64.0.0/10" or the RFC 1918 range it is in
  std::optional<IpAddress> seen;  // what the DDNS server saw, when it differs
};

// `modem_link`: the uplink is kind = ppp or cellular. `seen`: the address the
// DDNS server saw from this uplink, if it reported one.
NatFinding detect_nat(const std::optional<IpAddress>& address, bool modem_link,
                      const std::optional<IpAddress>& seen = std::nullopt);

// The finding in words for /status, failberryctl status and the log; "" when
// not behind NAT. `heartbeat`: [health] heartbeat = cloudwatch is on.
// "uplink cell is behind carrier-grade NAT (100.72.1.9): Route53 health
//  checks cannot reach it; use [health] heartbeat = cloudwatch"
std::string nat_sentence(const std::string& uplink, const NatFinding& finding, bool heartbeat);

struct PublishDecision {
  bool publish = true;
  std::string code;    // "" or DDNS_BEHIND_NAT
  std::string detail;  // why not (or why anyway); "" when there is nothing to say
};
PublishDecision publish_decision(const std::string& uplink, const NatFinding& finding, bool publish_behind_nat);

inline constexpr const char* kBehindNatCode = "DDNS_BEHIND_NAT";

}  // namespace fb::core
