// Interface names and address-family helpers for fb::net. Addresses and
// prefixes are fb::IpAddress and fb::Prefix (fb/net_types.hpp in
// the top-level common/, the leaf every module links).
//
// Contract: no I/O. IPv4 and IPv6 throughout.
#pragma once

#include <string_view>

#include "fb/net_types.hpp"

namespace fb::net {

// The family flag of an ip(8) command line: "-4" or "-6".
std::string_view ip_family_flag(int family);

// Linux accepts almost any byte in an interface name; we accept the subset that
// needs no quoting in `ip`, `nft` or /proc/sys paths: 1-15 of [A-Za-z0-9_.@+-],
// not "." or "..".
bool is_valid_interface_name(std::string_view name);

}  // namespace fb::net
