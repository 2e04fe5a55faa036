// Routes and policy rules as values, and the builders that make valid ones.
//
// Contract: pure. The builders return a Result: a value that passed validate(),
// or INVALID_SPEC naming the broken rule. System implementations call
// validate() again before touching the kernel, so a hand-assembled value that
// skipped the builders cannot reach it either. Values read back from the
// kernel use the same types (with ifindex and the owner's protocol filled in).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fb/net/address.hpp"
#include "fb/net/ownership.hpp"
#include "fb/net/status.hpp"

namespace fb::net {

struct Route {
  Prefix destination = Prefix::default_route(AF_INET);  // its family is the route's
  std::uint32_t table = kMainTable;
  std::optional<IpAddress> gateway;  // none: on-link through `device` (a ppp link)
  std::string device;                // empty: the kernel picks it from the gateway
  std::uint32_t metric = 0;
  std::uint8_t protocol = kRouteProtocol;
  int ifindex = 0;  // read-back only

  int family() const { return destination.family(); }
  bool operator==(const Route& other) const = default;
};

struct Rule {
  int family = AF_INET;
  std::uint32_t priority = 0;
  std::uint32_t table = 0;
  std::optional<Prefix> from;                // selector: source address
  std::optional<std::uint32_t> fwmark;       // selector: packet mark (exact, mask 0xffffffff)
  std::optional<int> suppress_prefixlength;  // libnl 3.7 cannot read it back; see NetlinkSystem
  std::uint8_t protocol = kRouteProtocol;

  bool operator==(const Rule& other) const = default;
};

// Where a default route leads: a gateway, a device, or both.
struct NextHop {
  std::optional<IpAddress> gateway;
  std::string device;
  int family = AF_INET;  // used when there is no gateway to take it from
};

// The main table's default route, failberryd's own (metric kMainDefaultMetric).
Result<Route> main_default_route(const NextHop& next_hop);
// The default route of an uplink's own table.
Result<Route> uplink_default_route(UplinkSlot slot, const NextHop& next_hop);
// The same way out in main, at the slot's fallback metric (below failberryd's
// main default): for sockets bound to the uplink's device, which are routed
// before any source rule can match. `route` is any route through the uplink
// (its table's default, or its main default); only table and metric change.
Route fallback_route(UplinkSlot slot, Route route);

// "lookup main suppress_prefixlength 0": main for everything but its default.
Rule main_routes_rule(int family);
// Packets carrying the slot's mark (replies restored from the connmark) use its table.
Rule mark_rule(UplinkSlot slot, int family);
// Packets from the uplink's address use its table.
Result<Rule> source_rule(UplinkSlot slot, const IpAddress& address);

Status validate(const Route& route);
Status validate(const Rule& rule);

}  // namespace fb::net
