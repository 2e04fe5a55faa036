// IP addresses and prefixes: the one pair of address value types every module
// uses (config, cores, netcfg, health, ddns).
//
// Contract: plain values, no I/O, no exceptions. IpAddress::parse() accepts
// IPv4 and IPv6 text in inet_pton forms; Prefix::parse() also wants "/len"
// within the family's range and no host bits set. A default-constructed
// IpAddress has family 0 (no address): text() is empty and it is contained in
// no prefix. Equality and ordering look at family and bytes only.
#pragma once

#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fb {

struct IpAddress {
  int family = 0;  // AF_INET or AF_INET6; 0 for none
  std::array<std::uint8_t, 16> bytes{};

  static std::optional<IpAddress> parse(std::string_view text);
  // From raw network-order bytes (4 or 16 of them).
  static IpAddress from_bytes(int family, const std::uint8_t* bytes);
  static IpAddress any(int family);  // 0.0.0.0 or ::
  std::size_t size() const { return family == AF_INET6 ? 16 : 4; }
  // The canonical form (inet_ntop); "" for family 0, "?" for an unknown family.
  std::string text() const;
  bool operator==(const IpAddress& other) const = default;
  auto operator<=>(const IpAddress& other) const = default;
};

struct Prefix {
  IpAddress address;
  int length = 0;

  // "192.0.2.0/24", "2001:db8::/32"; a bare address is a host prefix.
  static std::optional<Prefix> parse(std::string_view text);
  static Prefix host(const IpAddress& address);
  static Prefix default_route(int family);  // 0.0.0.0/0 or ::/0
  int family() const { return address.family; }
  int max_length() const { return family() == AF_INET6 ? 128 : 32; }
  bool is_host() const { return length == max_length(); }
  bool is_default() const { return length == 0; }
  bool contains(const IpAddress& a) const;
  // "192.0.2.0/24"; "default" is left to the command renderers.
  std::string text() const;
  bool operator==(const Prefix& other) const = default;
  auto operator<=>(const Prefix& other) const = default;
};

}  // namespace fb
