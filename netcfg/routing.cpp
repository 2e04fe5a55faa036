#include "fb/net/routing.hpp"

#include <cstdio>

namespace fb::net {

namespace {

Error invalid(std::string what) {
  return {NetError::invalid_spec, std::move(what)};
}

bool known_family(int family) {
  return family == AF_INET || family == AF_INET6;
}

std::string hex32(std::uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", value);
  return buf;
}

std::string family_word(int family) {
  return family == AF_INET6 ? "IPv6" : "IPv4";
}

// A prefix as parse() would have made it.
bool well_formed(const Prefix& p) {
  return known_family(p.family()) && Prefix::parse(p.text()) == p;
}

bool table_allowed(std::uint32_t table) {
  return table == kMainTable || is_uplink_table(table);
}

Result<Route> default_route(std::uint32_t table, std::uint32_t metric, const NextHop& next_hop) {
  int family = next_hop.gateway ? next_hop.gateway->family : next_hop.family;
  if (!known_family(family)) return invalid("route: unknown address family " + std::to_string(family));
  Route r;
  r.destination = Prefix::default_route(family);
  r.table = table;
  r.gateway = next_hop.gateway;
  r.device = next_hop.device;
  r.metric = metric;
  if (Status s = validate(r); !s.ok()) return s.error();
  return r;
}

}  // namespace

Result<Route> main_default_route(const NextHop& next_hop) {
  return default_route(kMainTable, kMainDefaultMetric, next_hop);
}

Result<Route> uplink_default_route(UplinkSlot slot, const NextHop& next_hop) {
  return default_route(slot.table(), 0, next_hop);
}

Route fallback_route(UplinkSlot slot, Route route) {
  route.table = kMainTable;
  route.metric = slot.fallback_metric();
  return route;
}

Rule main_routes_rule(int family) {
  Rule r;
  r.family = family;
  r.priority = kMainRoutesRulePriority;
  r.table = kMainTable;
  r.suppress_prefixlength = 0;
  return r;
}

Rule mark_rule(UplinkSlot slot, int family) {
  Rule r;
  r.family = family;
  r.priority = slot.mark_rule_priority();
  r.table = slot.table();
  r.fwmark = slot.mark();
  return r;
}

Result<Rule> source_rule(UplinkSlot slot, const IpAddress& address) {
  Rule r;
  r.family = address.family;
  r.priority = slot.source_rule_priority();
  r.table = slot.table();
  r.from = Prefix::host(address);
  if (Status s = validate(r); !s.ok()) return s.error();
  return r;
}

Status validate(const Route& route) {
  if (!well_formed(route.destination))
    return invalid("route: destination " + route.destination.text() + " is not a network prefix");
  if (route.gateway) {
    if (route.gateway->family != route.family())
      return invalid("route: gateway " + route.gateway->text() + " is " + family_word(route.gateway->family) +
                     " but the destination is " + family_word(route.family()));
    if (*route.gateway == IpAddress::any(route.family()))
      return invalid("route: gateway " + route.gateway->text() + " is unspecified");
  }
  if (!route.gateway && route.device.empty()) return invalid("route: needs a gateway, a device or both");
  if (!route.device.empty() && !is_valid_interface_name(route.device))
    return invalid("route: device \"" + route.device + "\" is not a valid interface name");
  if (!table_allowed(route.table))
    return invalid("route: table " + std::to_string(route.table) + " is neither main (254) nor an uplink table (" +
                   std::to_string(kFirstUplinkTable) + "-" + std::to_string(kFirstUplinkTable + kMaxUplinks - 1) + ")");
  if (route.protocol != kRouteProtocol)
    return invalid("route: protocol " + std::to_string(route.protocol) + " is not failberry's (" +
                   std::to_string(kRouteProtocol) + ")");
  return {};
}

Status validate(const Rule& rule) {
  if (!known_family(rule.family)) return invalid("rule: unknown address family " + std::to_string(rule.family));
  if (!is_failberry_rule_priority(rule.priority))
    return invalid("rule: priority " + std::to_string(rule.priority) + " is outside failberry's (" +
                   std::to_string(kMainRoutesRulePriority) + ", " + std::to_string(kFirstMarkRulePriority) + "+slot, " +
                   std::to_string(kFirstSourceRulePriority) + "+slot)");
  if (!table_allowed(rule.table))
    return invalid("rule: table " + std::to_string(rule.table) + " is neither main nor an uplink table");
  // A rule without a selector would capture every packet on the host.
  if (!rule.from && !rule.fwmark && !rule.suppress_prefixlength)
    return invalid("rule: needs a selector (from, fwmark or suppress_prefixlength)");
  if (rule.from && (!well_formed(*rule.from) || rule.from->family() != rule.family))
    return invalid("rule: from " + rule.from->text() + " is not a " + family_word(rule.family) + " prefix");
  if (rule.from && rule.from->is_default()) return invalid("rule: from " + rule.from->text() + " matches everything");
  if (rule.from && rule.from->address == IpAddress::any(rule.family))
    return invalid("rule: from " + rule.from->text() + " is the unspecified address");
  if (rule.fwmark && !is_uplink_mark(*rule.fwmark))
    return invalid("rule: fwmark " + hex32(*rule.fwmark) + " is not an uplink mark (" + hex32(kFirstUplinkMark) +
                   "+slot)");
  if (rule.suppress_prefixlength &&
      (*rule.suppress_prefixlength < 0 || *rule.suppress_prefixlength > (rule.family == AF_INET6 ? 128 : 32)))
    return invalid("rule: suppress_prefixlength " + std::to_string(*rule.suppress_prefixlength) + " out of range");
  if (rule.protocol != kRouteProtocol)
    return invalid("rule: protocol " + std::to_string(rule.protocol) + " is not failberry's");
  return {};
}

}  // namespace fb::net
