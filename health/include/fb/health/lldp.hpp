// The LLDP neighbours of the Pi's interfaces (the switch and port its LAN or
// wired uplink is plugged into), as an existing LLDP agent sees them: lldpd,
// asked with `lldpcli -f json0 show neighbors details` (firmware/lldp_reader).
// failberry sends and receives no LLDP itself.
//
// Contract: parse_lldpcli_json0() is pure and never throws: any text that is
// not lldpcli's json0 form (every value an array of objects) gives an error
// saying what was wrong, never a crash or a made-up neighbour. Every string
// taken from the agent is cleaned (fb::clean_text) and bounded: the
// neighbour's own TLVs are anyone's bytes on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/result.hpp"

namespace fb::health {

struct LldpNeighbor {
  std::string interface;         // ours: "eth0"
  std::string system_name;       // the switch: "sw-floor2"
  std::string chassis_id;        // "mac 00:11:22:33:44:55"
  std::string port_id;           // "ifname Gi0/7"
  std::string port_description;  // "uplink to office"
  std::vector<int> vlans;        // VLAN ids the neighbour announces on the port (802.1 TLVs)
  std::optional<int> pvid;       // the port's native VLAN, when announced
  std::string management_ip;
  std::string age;  // lldpd's "0 day, 00:01:02"
};

struct LldpReport {
  bool agent = false;  // an LLDP agent answered
  std::string error;   // why not, or why its answer was not used ("" when fine)
  std::vector<LldpNeighbor> neighbors;
  std::optional<std::int64_t> read_age_seconds;  // since the last answer; none: never
};

enum class LldpParseError : std::uint8_t { bad_json, bad_shape };
std::string_view code_name(LldpParseError e);  // "LLDP_BAD_JSON", "LLDP_BAD_SHAPE"

Result<std::vector<LldpNeighbor>, LldpParseError> parse_lldpcli_json0(std::string_view text);

}  // namespace fb::health
