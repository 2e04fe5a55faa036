// Kernel parameters failberryd sets, as values.
//
// Contract: pure. A Sysctl is a path of components under /proc/sys and a
// value; components are kept apart because interface names may contain dots
// (sysctl(8) writes "eth0.100" as "eth0/100"). Sysctls are not owned state:
// cleanup does not revert them (the value before a crash is unknown).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fb/net/status.hpp"

namespace fb::net {

struct Sysctl {
  std::vector<std::string> path;  // {"net", "ipv4", "conf", "eth0", "rp_filter"}
  std::string value;

  std::string key() const;        // "net.ipv4.conf.eth0.rp_filter", sysctl(8)'s spelling
  std::string proc_path() const;  // "/proc/sys/net/ipv4/conf/eth0/rp_filter"
  bool operator==(const Sysctl& other) const = default;
};

// Reverse-path filtering (rp-filter.rst): a reply-routed uplink needs loose
// mode, because strict mode checks the source against the main table's default
// route, which points at the other uplink.
enum class RpFilter { off = 0, strict = 1, loose = 2 };

Sysctl ip_forward(int family, bool on);  // net.ipv4.ip_forward / net.ipv6.conf.all.forwarding
// The per-interface ones below refuse an invalid name and conf/all or
// conf/default, which reach interfaces failberry does not own.
Result<Sysctl> rp_filter(std::string_view interface, RpFilter mode);
// net.ipv4.conf.IF.promote_secondaries=1: when an interface's primary IPv4
// address goes, the next one in its subnet becomes primary instead of going
// with it (a new lease in the same subnet, put on before the old one is
// removed, survives the removal).
Result<Sysctl> promote_secondaries(std::string_view interface);
// net.ipv6.conf.IF.accept_ra=2: take router advertisements (the default
// router, SLAAC addresses) on an uplink although forwarding is on; with 1 the
// kernel ignores them on a router, and enabling forwarding drops the default
// routers learned on every interface whose accept_ra is not 2.
Result<Sysctl> accept_ra(std::string_view interface);
Status validate(const Sysctl& sysctl);

}  // namespace fb::net
