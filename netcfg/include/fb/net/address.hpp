// Addresses, prefixes and interface names as fb::net's value types.
//
// Contract: plain values, no I/O; parse() accepts only canonical-enough text
// (inet_pton forms, "/len" within the family's range, no host bits set in a
// prefix) and returns nothing otherwise. IPv4 and IPv6 throughout.
// (fb::core has its own IpAddress for the config; netcfg must not depend on
// firmware/, so firmware converts at the composition root.)
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fb::net {

struct IpAddress {
  int family = AF_INET;  // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};

  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress any(int family);  // 0.0.0.0 or ::
  std::size_t size() const { return family == AF_INET6 ? 16 : 4; }
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
  // "192.0.2.0/24"; "default" is left to the command renderers.
  std::string text() const;
  bool operator==(const Prefix& other) const = default;
  auto operator<=>(const Prefix& other) const = default;
};

// The family flag of an ip(8) command line: "-4" or "-6".
std::string_view ip_family_flag(int family);

// Linux accepts almost any byte in an interface name; we accept the subset that
// needs no quoting in `ip`, `nft` or /proc/sys paths: 1-15 of [A-Za-z0-9_.@+-],
// not "." or "..".
bool is_valid_interface_name(std::string_view name);

}  // namespace fb::net
