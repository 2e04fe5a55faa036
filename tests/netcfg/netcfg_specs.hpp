// Address and slot literals, and the FirewallSpecs shared by the golden tests and the adapter tests that feed the
// same specs to the real nft.
#pragma once

#include "fb/net/firewall.hpp"
#include "fb/net/ownership.hpp"

namespace fb::net::test {

inline Prefix prefix(const char* text) {
  return *Prefix::parse(text);
}
// Literals in tests: a bad one throws (bad_optional_access), never UB.
inline IpAddress ip(const char* text) {
  return IpAddress::parse(text).value();
}
inline UplinkSlot slot(int i) {
  return UplinkSlot::at(i).value();
}

inline FirewallSpec backup_gateway_spec() {
  FirewallSpec s;
  s.uplinks = {{"wired", "eth0", false, UplinkSlot::at(0)->mark()},
               {"cellular", "ppp0", true, UplinkSlot::at(1)->mark()}};
  s.lan_interface = "eth0";
  s.metered_allow = {prefix("198.51.100.16/28"), prefix("2001:db8:1::/64"), prefix("198.51.100.7")};
  s.health_port = 9000;
  s.masquerade = true;
  return s;
}

inline FirewallSpec router_spec() {
  FirewallSpec s;
  s.uplinks = {{"wired", "eth1", false, UplinkSlot::at(0)->mark()},
               {"cellular", "ppp0", true, UplinkSlot::at(1)->mark()}};
  s.lan_interface = "eth0";
  s.health_port = 9000;
  s.masquerade = true;
  return s;
}

// Router mode with the cellular uplink's interface not found yet
// (`interface = auto`); late_bound_spec() is the same once it is wwan0.
inline FirewallSpec unbound_spec() {
  FirewallSpec s = router_spec();
  s.uplinks[1].interface = "";
  return s;
}
inline FirewallSpec late_bound_spec() {
  FirewallSpec s = router_spec();
  s.uplinks[1].interface = "wwan0";
  return s;
}

// Router mode, NAT66 asked for ([nat] masquerade_ipv6) and the cellular
// uplink with ipv6 = true: IPv6 is masqueraded out of it, not out of wired.
inline FirewallSpec nat66_spec() {
  FirewallSpec s = router_spec();
  s.uplinks[1].masquerade6 = true;
  return s;
}

// Router mode with the cellular uplink's data budget used up: its action
// allow-list (only metered_allow sources forwarded out of it, although it is
// not metered), or stop (nothing forwarded out of it).
inline FirewallSpec budget_allow_list_spec() {
  FirewallSpec s = router_spec();
  s.uplinks[1].metered = false;
  s.uplinks[1].budget = BudgetLimit::allow_list;
  s.metered_allow = {prefix("192.168.50.2")};
  return s;
}
inline FirewallSpec budget_stop_spec() {
  FirewallSpec s = backup_gateway_spec();
  s.uplinks[1].budget = BudgetLimit::stop;
  return s;
}

inline FirewallSpec minimal_spec() {
  FirewallSpec s;
  s.uplinks = {{"only", "wan0", false, UplinkSlot::at(0)->mark()}};
  s.masquerade = false;
  return s;
}

}  // namespace fb::net::test
