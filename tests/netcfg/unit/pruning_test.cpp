// fb::net::wanted_entries() and leftovers(): which owned routes and rules a
// service that took over the kernel state (or put its own back) removes.
// Pure; each case names what is in the kernel, what is wanted and what goes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fb/net/pruning.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using namespace fb::net::test;
using fb::IpAddress;
using fb::Prefix;

namespace {

Route main_default(const char* gateway, const char* device) {
  auto r = main_default_route({ip(gateway), device});
  REQUIRE(r.ok());
  return *r;
}
Route table_default(int i, const char* gateway, const char* device) {
  auto r = uplink_default_route(slot(i), {ip(gateway), device});
  REQUIRE(r.ok());
  return *r;
}
Route fallback(int i, const char* gateway, const char* device) {
  Route r = main_default(gateway, device);
  r.metric = slot(i).fallback_metric();
  return r;
}
Rule source(int i, const char* address) {
  auto r = source_rule(slot(i), ip(address));
  REQUIRE(r.ok());
  return *r;
}
// As NetlinkSystem reads entries back: ifindex filled in, no
// suppress_prefixlength.
Route read_back(Route r, int ifindex = 7) {
  r.ifindex = ifindex;
  return r;
}
Rule read_back(Rule r) {
  r.suppress_prefixlength.reset();
  return r;
}
template <typename T>
T foreign(T entry, std::uint8_t protocol = 4) {  // RTPROT_STATIC
  entry.protocol = protocol;
  return entry;
}

}  // namespace

TEST_CASE("wanted_entries: the rules and routes a service wants for its uplinks") {
  SUBCASE("no uplink: only the main-routes rule") {
    RoutingEntries w = wanted_entries({});
    CHECK(w.rules == std::vector<Rule>{main_routes_rule(AF_INET)});
    CHECK(w.routes.empty());
  }
  SUBCASE("an uplink whose table route is installed: its main default, its table's and its fallback in main") {
    RoutingEntries w = wanted_entries({{slot(1), main_default("192.0.2.1", "eth1"), true, {ip("192.0.2.2")}}});
    CHECK(w.rules == std::vector<Rule>{main_routes_rule(AF_INET), mark_rule(slot(1), AF_INET), source(1, "192.0.2.2")});
    REQUIRE(w.routes.size() == 3);
    CHECK(w.routes[0] == main_default("192.0.2.1", "eth1"));
    CHECK(w.routes[1] == table_default(1, "192.0.2.1", "eth1"));
    CHECK(w.routes[2] == fallback(1, "192.0.2.1", "eth1"));
    CHECK(w.routes[2].metric == kMainDefaultMetric + 2);
  }
  SUBCASE("without its table route: only the main default (one carried over by a reload)") {
    RoutingEntries w = wanted_entries({{slot(0), main_default("192.0.2.1", "eth0"), false, {}}});
    CHECK(w.routes == std::vector<Route>{main_default("192.0.2.1", "eth0")});
  }
  SUBCASE("settings that make no route: rules only, the table route flag does not invent one") {
    RoutingEntries w = wanted_entries({{slot(2), std::nullopt, true, {ip("198.51.100.2")}}});
    CHECK(w.routes.empty());
    CHECK(w.rules ==
          std::vector<Rule>{main_routes_rule(AF_INET), mark_rule(slot(2), AF_INET), source(2, "198.51.100.2")});
  }
  SUBCASE("both families: an IPv6 uplink's routes and source rule are IPv6, its mark rule IPv4") {
    RoutingEntries w =
        wanted_entries({{slot(0), main_default("192.0.2.1", "eth0"), false, {ip("192.0.2.2")}},
                        {slot(1), main_default("2001:db8::1", "eth1"), true, {ip("2001:db8::2"), ip("2001:db8::3")}}});
    CHECK(w.rules == std::vector<Rule>{main_routes_rule(AF_INET), mark_rule(slot(0), AF_INET), source(0, "192.0.2.2"),
                                       mark_rule(slot(1), AF_INET), source(1, "2001:db8::2"),
                                       source(1, "2001:db8::3")});
    REQUIRE(w.routes.size() == 4);
    for (std::size_t i = 1; i < 4; ++i) CHECK(w.routes[i].family() == AF_INET6);
    CHECK(w.routes[2] == table_default(1, "2001:db8::1", "eth1"));
    CHECK(w.routes[3] == fallback(1, "2001:db8::1", "eth1"));
  }
  SUBCASE(
      "dual-stack uplinks (ipv6): the IPv6 main-routes and mark rules, each ready one's IPv6 table default and "
      "fallback, the IPv6 main default of the one that carries it") {
    UplinkRouting wired{slot(0), main_default("192.0.2.1", "eth0"), true, {ip("192.0.2.2"), ip("2001:db8:a::2")}};
    wired.ipv6 = true;
    wired.table_default6 = table_default(0, "fe80::1", "eth0");
    wired.main_default6 = main_default("fe80::1", "eth0");
    UplinkRouting cell{slot(1), main_default("10.64.0.1", "wwan0"), true, {ip("10.64.0.2"), ip("2001:db8:c::2")}};
    cell.ipv6 = true;
    cell.table_default6 = table_default(1, "fe80::c", "wwan0");  // ready, not carrying the IPv6 default
    UplinkRouting v4only{slot(2), std::nullopt, false, {}};
    RoutingEntries w = wanted_entries({wired, cell, v4only});
    CHECK(w.rules == std::vector<Rule>{main_routes_rule(AF_INET), main_routes_rule(AF_INET6),
                                       mark_rule(slot(0), AF_INET), mark_rule(slot(0), AF_INET6),
                                       source(0, "192.0.2.2"), source(0, "2001:db8:a::2"), mark_rule(slot(1), AF_INET),
                                       mark_rule(slot(1), AF_INET6), source(1, "10.64.0.2"), source(1, "2001:db8:c::2"),
                                       mark_rule(slot(2), AF_INET)});
    std::vector<Route> v6(w.routes.begin() + 6, w.routes.end());
    CHECK(v6 == std::vector<Route>{main_default("fe80::1", "eth0"), table_default(0, "fe80::1", "eth0"),
                                   fallback(0, "fe80::1", "eth0"), table_default(1, "fe80::c", "wwan0"),
                                   fallback(1, "fe80::c", "wwan0")});
    // Its IPv6 gone (no router): its table's IPv6 default and fallback are stale, its rules stay.
    cell.table_default6.reset();
    RoutingEntries stale = leftovers(w, wanted_entries({wired, cell, v4only}));
    CHECK(stale.routes == std::vector<Route>{table_default(1, "fe80::c", "wwan0"), fallback(1, "fe80::c", "wwan0")});
    CHECK(stale.rules.empty());
  }
}

TEST_CASE("leftovers: foreign entries are never touched, stale owned ones go, wanted ones stay") {
  const RoutingEntries wanted =
      wanted_entries({{slot(0), main_default("192.0.2.1", "eth0"), true, {ip("192.0.2.2")}},
                      {slot(1), main_default("2001:db8::1", "eth1"), true, {ip("2001:db8::2")}}});

  struct Case {
    const char* name;
    RoutingEntries present;
    RoutingEntries removed;
  };
  const std::vector<Case> cases = {
      {"nothing in the kernel: nothing to remove", {}, {}},
      {"everything wanted, as read back (ifindex, no suppress_prefixlength): all stays",
       {{read_back(main_default("192.0.2.1", "eth0")), read_back(table_default(0, "192.0.2.1", "eth0")),
         read_back(fallback(0, "192.0.2.1", "eth0")), read_back(table_default(1, "2001:db8::1", "eth1")),
         read_back(fallback(1, "2001:db8::1", "eth1"))},
        {read_back(main_routes_rule(AF_INET)), mark_rule(slot(0), AF_INET), source(0, "192.0.2.2"),
         mark_rule(slot(1), AF_INET), source(1, "2001:db8::2")}},
       {}},
      {"a route read back without its device still matches by gateway",
       {{[] {
          Route r = read_back(table_default(0, "192.0.2.1", "eth0"));
          r.device.clear();
          return r;
        }()},
        {}},
       {}},
      {"foreign routes and rules, even in failberry's tables and priorities, stay",
       {{foreign(main_default("203.0.113.1", "eth9")), foreign(table_default(3, "203.0.113.1", "eth9"), 186),
         foreign(fallback(5, "203.0.113.1", "eth9"))},
        {foreign(mark_rule(slot(7), AF_INET)), foreign(source(0, "203.0.113.9")),
         foreign(mark_rule(slot(0), AF_INET6))}},
       {}},
      {"an uplink the new settings dropped: its mark and source rules, table route and fallback go",
       {{table_default(2, "198.51.100.1", "eth2"), fallback(2, "198.51.100.1", "eth2")},
        {mark_rule(slot(2), AF_INET), source(2, "198.51.100.2")}},
       {{table_default(2, "198.51.100.1", "eth2"), fallback(2, "198.51.100.1", "eth2")},
        {mark_rule(slot(2), AF_INET), source(2, "198.51.100.2")}}},
      {"a changed gateway or device: the old routes go, the new stay",
       {{main_default("192.0.2.1", "eth0"), main_default("192.0.2.254", "eth0"), table_default(0, "192.0.2.1", "eth5"),
         fallback(0, "192.0.2.1", "eth0")},
        {}},
       {{main_default("192.0.2.254", "eth0"), table_default(0, "192.0.2.1", "eth5")}, {}}},
      {"the same route at another metric or in another table goes",
       {{fallback(1, "192.0.2.1", "eth0"), table_default(1, "192.0.2.1", "eth0")}, {}},
       {{fallback(1, "192.0.2.1", "eth0"), table_default(1, "192.0.2.1", "eth0")}, {}}},
      {"an address that lost its source rule: that rule goes, the others stay",
       {{}, {source(0, "192.0.2.2"), source(0, "192.0.2.3"), source(1, "2001:db8::2"), source(1, "2001:db8::3")}},
       {{}, {source(0, "192.0.2.3"), source(1, "2001:db8::3")}}},
      {"both families: a rule or route is kept only in the family it is wanted in",
       {{main_default("2001:db8::1", "eth1"), table_default(1, "192.0.2.1", "eth1")},
        {mark_rule(slot(0), AF_INET6), main_routes_rule(AF_INET6), mark_rule(slot(1), AF_INET),
         source(0, "2001:db8::2"), source(1, "2001:db8::2")}},
       {{table_default(1, "192.0.2.1", "eth1")},
        {mark_rule(slot(0), AF_INET6), main_routes_rule(AF_INET6), source(0, "2001:db8::2")}}},
      {"owned and foreign mixed: only the stale owned ones, in the kernel's order",
       {{foreign(main_default("203.0.113.1", "eth9")), table_default(4, "192.0.2.1", "eth0"),
         main_default("192.0.2.1", "eth0"), fallback(4, "192.0.2.1", "eth0")},
        {foreign(source(4, "192.0.2.9")), mark_rule(slot(4), AF_INET), mark_rule(slot(0), AF_INET)}},
       {{table_default(4, "192.0.2.1", "eth0"), fallback(4, "192.0.2.1", "eth0")}, {mark_rule(slot(4), AF_INET)}}},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    RoutingEntries removed = leftovers(c.present, wanted);
    CHECK(removed.routes == c.removed.routes);
    CHECK(removed.rules == c.removed.rules);
  }
}

TEST_CASE("leftovers: with nothing wanted every owned entry goes and no foreign one") {
  RoutingEntries present{{main_default("192.0.2.1", "eth0"), foreign(main_default("192.0.2.1", "eth0"))},
                         {main_routes_rule(AF_INET), foreign(main_routes_rule(AF_INET))}};
  RoutingEntries removed = leftovers(present, {});
  CHECK(removed.routes == std::vector<Route>{main_default("192.0.2.1", "eth0")});
  CHECK(removed.rules == std::vector<Rule>{main_routes_rule(AF_INET)});
}
