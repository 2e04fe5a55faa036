// The lease the runner test's udhcpd hands out on usb0 (runner_test.cpp),
// which the unit tests' bound line copies (udhcpc_test.cpp): 192.0.2.0/24,
// router and server 192.0.2.1, DNS 192.0.2.1 and 198.51.100.53, 600 s.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "fb/dhcp/udhcpc.hpp"

namespace fb::test {

inline IpAddress lab_ip(const char* text) {
  return IpAddress::parse(text).value();
}

// Checks that `lease` is that lease, for `address`.
inline void check_lab_lease(const dhcp::Lease& lease, const char* address) {
  CHECK(lease.interface == "usb0");
  CHECK(lease.address == lab_ip(address));
  CHECK(lease.subnet == Prefix::parse("192.0.2.0/24").value());
  CHECK(lease.routers == std::vector<IpAddress>{lab_ip("192.0.2.1")});
  CHECK(lease.dns == std::vector<IpAddress>{lab_ip("192.0.2.1"), lab_ip("198.51.100.53")});
  CHECK(lease.server == lab_ip("192.0.2.1"));
  CHECK(lease.lease_time == std::chrono::seconds(600));
}

}  // namespace fb::test
