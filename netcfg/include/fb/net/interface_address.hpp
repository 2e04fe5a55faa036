// An interface's own address as a value: what System::replace_address() puts
// on a network interface (the address a modem or a DHCP server handed out,
// with the length of its on-link prefix) and what DryRunSystem keeps.
//
// Contract: pure. validate() refuses, with INVALID_SPEC naming the broken
// rule, an interface name that is_valid_interface_name() refuses, an address
// that is neither IPv4 nor IPv6, the unspecified address, a multicast
// address, the IPv4 limited broadcast, and a prefix length outside
// 1..32 (IPv4) or 1..128 (IPv6). Host bits are the point: 10.0.2.15/24 is
// the address 10.0.2.15 on the link 10.0.2.0/24.
#pragma once

#include <string>

#include "fb/net/address.hpp"
#include "fb/net/status.hpp"

namespace fb::net {

struct InterfaceAddress {
  std::string device;  // "usb0"
  IpAddress address;   // 10.0.2.15
  int prefix_length = 0;

  int family() const { return address.family; }
  // "10.0.2.15/24", host bits kept.
  std::string text() const;
  bool operator==(const InterfaceAddress&) const = default;
};

Status validate(const InterfaceAddress& address);

// Whether the kernel holds `a` and `b` as one address, so that a replace of
// one updates the other in place (a delete wants an exact match): IPv4 by interface, address and prefix
// length (10.0.2.15/24 and 10.0.2.15/16 are two addresses), IPv6 by interface
// and address only (a replace keeps the prefix length the kernel already has).
bool same_kernel_address(const InterfaceAddress& a, const InterfaceAddress& b);

}  // namespace fb::net
