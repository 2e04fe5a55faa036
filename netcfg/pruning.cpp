#include "fb/net/pruning.hpp"

#include <algorithm>
#include <tuple>

namespace fb::net {

namespace {

auto rule_key(const Rule& r) {
  return std::tuple(r.family, r.priority, r.table, r.from, r.fwmark);
}

// `present` as read back: its device may be empty, its ifindex is filled in.
bool same_route(const Route& wanted, const Route& present) {
  return wanted.table == present.table && wanted.destination == present.destination &&
         wanted.metric == present.metric && wanted.gateway == present.gateway &&
         (present.device.empty() || wanted.device == present.device);
}

}  // namespace

RoutingEntries wanted_entries(const std::vector<UplinkRouting>& uplinks) {
  RoutingEntries wanted;
  wanted.rules.push_back(main_routes_rule(AF_INET));
  if (std::any_of(uplinks.begin(), uplinks.end(), [](const UplinkRouting& u) { return u.ipv6; }))
    wanted.rules.push_back(main_routes_rule(AF_INET6));
  for (const UplinkRouting& u : uplinks) {
    wanted.rules.push_back(mark_rule(u.slot, AF_INET));
    if (u.ipv6) wanted.rules.push_back(mark_rule(u.slot, AF_INET6));
    for (const IpAddress& a : u.source_addresses)
      if (auto rule = source_rule(u.slot, a); rule.ok()) wanted.rules.push_back(*rule);
  }
  for (const UplinkRouting& u : uplinks) {
    if (!u.main_default) continue;
    wanted.routes.push_back(*u.main_default);
    if (!u.table_route) continue;
    Route table = *u.main_default;
    table.table = u.slot.table();
    table.metric = 0;
    wanted.routes.push_back(table);
    wanted.routes.push_back(fallback_route(u.slot, *u.main_default));
  }
  for (const UplinkRouting& u : uplinks) {
    if (u.main_default6) wanted.routes.push_back(*u.main_default6);
    if (u.table_default6) {
      wanted.routes.push_back(*u.table_default6);
      wanted.routes.push_back(fallback_route(u.slot, *u.table_default6));
    }
  }
  return wanted;
}

RoutingEntries leftovers(const RoutingEntries& present, const RoutingEntries& wanted) {
  RoutingEntries stale;
  for (const Rule& r : present.rules) {
    if (r.protocol != kRouteProtocol) continue;
    bool kept = std::any_of(wanted.rules.begin(), wanted.rules.end(),
                            [&](const Rule& w) { return rule_key(w) == rule_key(r); });
    if (!kept) stale.rules.push_back(r);
  }
  for (const Route& r : present.routes) {
    if (r.protocol != kRouteProtocol) continue;
    bool kept =
        std::any_of(wanted.routes.begin(), wanted.routes.end(), [&](const Route& w) { return same_route(w, r); });
    if (!kept) stale.routes.push_back(r);
  }
  return stale;
}

}  // namespace fb::net
