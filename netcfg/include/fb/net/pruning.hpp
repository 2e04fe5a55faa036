// Which of failberryd's own routes and rules a running service keeps, and
// which it removes: the decision behind NetworkService's prune after a
// takeover (a reload, make-before-break) or a reassert, when the kernel holds
// both what the service put there and what a previous one left.
//
// Contract: pure. Ownership is the protocol (ownership.hpp): an entry without
// kRouteProtocol is never to be removed, whatever its table or priority.
// Results keep the order of the entries they were chosen from.
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "fb/net/address.hpp"
#include "fb/net/ownership.hpp"
#include "fb/net/routing.hpp"

namespace fb::net {

struct RoutingEntries {
  std::vector<Route> routes;
  std::vector<Rule> rules;
};

// What one uplink has in place, as the service that tracks it knows it.
struct UplinkRouting {
  UplinkSlot slot;
  // Its main default route (main_default_route()); none when its settings
  // make none.
  std::optional<Route> main_default;
  // Its own table's default and its fallback in main are installed.
  bool table_route = false;
  // The addresses it has a source rule for (either family).
  std::set<IpAddress> source_addresses;
  // IPv6 ([uplink] ipv6): its IPv6 mark rule, and the main-routes rule of
  // IPv6 with it.
  bool ipv6 = false;
  // Its own table's IPv6 default, when installed (and then its fallback in
  // main as for IPv4).
  std::optional<Route> table_default6{};
  // The IPv6 main default, while it leads out of this uplink.
  std::optional<Route> main_default6{};
};

// Everything a service with these uplinks (in slot order) wants in the
// kernel: the main-routes rule, each uplink's mark rule and source rules
// (IPv4 except a source rule's own family), each uplink's main default (also
// one carried over by a reload), and while its table route is installed that
// route and its fallback in main (metric UplinkSlot::fallback_metric()). The
// same for IPv6 where an uplink has it: the IPv6 main-routes rule once any
// uplink has ipv6, its IPv6 mark rule, its table's IPv6 default with its
// fallback, and the IPv6 main default of the one that carries it.
RoutingEntries wanted_entries(const std::vector<UplinkRouting>& uplinks);

// The entries of `present` (the kernel's, as read back) that are owned and
// match nothing in `wanted`. A rule matches on what the kernel keys it by:
// family, priority, table, source and mark (suppress_prefixlength is not read
// back). A route matches on table, destination, metric and gateway, and on
// the device when the kernel named one: a route through an uplink whose
// settings were dropped or changed goes.
RoutingEntries leftovers(const RoutingEntries& present, const RoutingEntries& wanted);

}  // namespace fb::net
