// IP addresses and prefixes shared by every module (config, netcfg, health).
//
// Contract: plain values; parse_address() accepts IPv4 and IPv6 text and
// keeps the canonical form; no I/O, no exceptions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fb {

struct IpAddress {
  int family = 0;  // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};
  std::string text;  // canonical form (inet_ntop)
  bool operator==(const IpAddress& o) const { return family == o.family && bytes == o.bytes; }
};

struct Cidr {
  IpAddress address;
  int prefix = 0;
  bool contains(const IpAddress& a) const;
  std::string text() const { return address.text + "/" + std::to_string(prefix); }
};

std::optional<IpAddress> parse_address(std::string_view text);
// From raw network-order bytes (4 or 16 of them).
IpAddress make_address(int family, const std::uint8_t* bytes);

}  // namespace fb
