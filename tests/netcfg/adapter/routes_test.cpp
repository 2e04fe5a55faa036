// NetlinkSystem's routes, rules and sysctls against the real kernel in a
// throwaway namespace, read back through libnl (read_owned) and through
// `ip -j` as an independent witness. Root.
#include <doctest/doctest.h>
#include <net/if.h>

#include "fb/net/routing.hpp"
#include "fb/net/sysctl.hpp"
#include "lab.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using fb::IpAddress;
using fb::Prefix;
using namespace fb::net::test;

namespace {

// Default routes of the main table as ip(8) lists them.
std::vector<nlohmann::json> main_defaults(const NetNamespace& ns) {
  std::vector<nlohmann::json> out;
  for (const auto& r : json_of(ns, {"ip", "-j", "route", "show", "default"})) out.push_back(r);
  return out;
}

nlohmann::json rule_at(const NetNamespace& ns, int priority) {
  nlohmann::json found;
  int matches = 0;
  for (const auto& r : json_of(ns, {"ip", "-j", "rule", "show"}))
    if (r.value("priority", -1) == priority && r.value("protocol", "") == "251") {
      found = r;
      ++matches;
    }
  CHECK_MESSAGE(matches <= 1, "priority " << priority << " holds " << matches << " failberry rules");
  return found;
}

std::string route_get(const NetNamespace& ns, std::vector<std::string> args) {
  std::vector<std::string> argv{"ip", "-j", "route", "get"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto j = json_of(ns, argv);
  REQUIRE(j.size() == 1);
  return j[0].value("dev", "") + " via " + j[0].value("gateway", "-");
}

}  // namespace

TEST_CASE("the main default route is replaced in place, read back, and never clobbers a foreign default") {
  TwoUplinks lab;
  must(lab.ns,
       {"ip", "route", "add", "default", "via", "198.51.100.1", "dev", "fbw1", "metric", "500", "proto", "static"});
  auto sys = open_system(lab.ns);

  REQUIRE(sys->replace_route(*main_default_route({ip("192.0.2.1"), "fbw0"})).ok());
  auto owned = sys->read_owned();
  REQUIRE(owned.ok());
  REQUIRE(owned->routes.size() == 1);
  const Route& r = owned->routes[0];
  CHECK(r.table == kMainTable);
  CHECK(r.gateway == ip("192.0.2.1"));
  CHECK(r.device == "fbw0");
  CHECK(r.metric == kMainDefaultMetric);
  CHECK(r.protocol == kRouteProtocol);
  CHECK(r.destination.is_default());

  auto defaults = main_defaults(lab.ns);
  REQUIRE(defaults.size() == 2);
  CHECK(defaults[0]["gateway"] == "192.0.2.1");
  CHECK(defaults[0]["protocol"] == "251");
  CHECK(defaults[0]["metric"] == 10);
  CHECK(defaults[1]["protocol"] == "static");
  CHECK(route_get(lab.ns, {"203.0.113.50"}) == "fbw0 via 192.0.2.1");  // ours wins on metric

  // Replace: still one failberry default, now through the other uplink.
  REQUIRE(sys->replace_route(*main_default_route({ip("198.51.100.1"), "fbw1"})).ok());
  defaults = main_defaults(lab.ns);
  REQUIRE(defaults.size() == 2);
  CHECK(defaults[0]["gateway"] == "198.51.100.1");
  CHECK(defaults[0]["metric"] == 10);
  CHECK(defaults[1]["metric"] == 500);
  CHECK(sys->read_owned()->routes.size() == 1);

  REQUIRE(sys->remove_route(*main_default_route({ip("198.51.100.1"), "fbw1"})).ok());
  CHECK(sys->read_owned()->routes.empty());
  defaults = main_defaults(lab.ns);
  REQUIRE(defaults.size() == 1);
  CHECK(defaults[0]["protocol"] == "static");
  // Removing what is gone is not an error (idempotent stop).
  CHECK(sys->remove_route(*main_default_route({ip("198.51.100.1"), "fbw1"})).ok());
}

TEST_CASE("uplink tables hold a default via the gateway, or on-link for a point-to-point uplink") {
  TwoUplinks lab;
  auto sys = open_system(lab.ns);
  REQUIRE(sys->replace_route(*uplink_default_route(slot(0), {ip("192.0.2.1"), "fbw0"})).ok());
  REQUIRE(sys->replace_route(*uplink_default_route(slot(1), {std::nullopt, "fbw1", AF_INET})).ok());

  auto t0 = json_of(lab.ns, {"ip", "-j", "route", "show", "table", "64256"});
  REQUIRE(t0.size() == 1);
  CHECK(t0[0]["dst"] == "default");
  CHECK(t0[0]["gateway"] == "192.0.2.1");
  CHECK(t0[0]["dev"] == "fbw0");
  CHECK(t0[0]["protocol"] == "251");
  auto t1 = json_of(lab.ns, {"ip", "-j", "route", "show", "table", "64257"});
  REQUIRE(t1.size() == 1);
  CHECK_FALSE(t1[0].contains("gateway"));
  CHECK(t1[0]["dev"] == "fbw1");
  CHECK(t1[0]["scope"] == "link");

  auto owned = sys->read_owned();
  REQUIRE(owned.ok());
  REQUIRE(owned->routes.size() == 2);
  for (const Route& r : owned->routes) {
    CHECK(is_uplink_table(r.table));
    CHECK(r.ifindex > 0);
  }
}

TEST_CASE("policy rules: added once, read back, and steering by source, by mark, and main for local subnets") {
  TwoUplinks lab;
  auto sys = open_system(lab.ns);
  REQUIRE(sys->replace_route(*main_default_route({ip("192.0.2.1"), "fbw0"})).ok());
  REQUIRE(sys->replace_route(*uplink_default_route(slot(0), {ip("192.0.2.1"), "fbw0"})).ok());
  REQUIRE(sys->replace_route(*uplink_default_route(slot(1), {ip("198.51.100.1"), "fbw1"})).ok());
  std::vector<Rule> rules{main_routes_rule(AF_INET), mark_rule(slot(0), AF_INET), mark_rule(slot(1), AF_INET),
                          *source_rule(slot(0), ip("192.0.2.2")), *source_rule(slot(1), ip("198.51.100.2"))};
  for (const Rule& r : rules) REQUIRE(sys->add_rule(r).ok());
  for (const Rule& r : rules) REQUIRE(sys->add_rule(r).ok());  // again: no duplicates

  auto owned = sys->read_owned();
  REQUIRE(owned.ok());
  CHECK(owned->rules.size() == rules.size());
  for (const Rule& want : rules) {
    Rule comparable = want;
    comparable.suppress_prefixlength.reset();  // libnl 3.7 cannot read it back (see netlink_system.hpp)
    CHECK_MESSAGE(std::count(owned->rules.begin(), owned->rules.end(), comparable) == 1, want.priority);
  }

  auto main_rule = rule_at(lab.ns, 3100);
  CHECK(main_rule["table"] == "main");
  CHECK(main_rule["suppress_prefixlen"] == 0);
  auto marked = rule_at(lab.ns, 3201);
  CHECK(marked["fwmark"] == "0xfb000002");
  CHECK(marked["table"] == "64257");
  auto source = rule_at(lab.ns, 3300);
  CHECK(source["src"] == "192.0.2.2");
  CHECK(source["table"] == "64256");

  // What the rules do to a route lookup: the main default goes out fbw0, but
  // the source address and the mark of uplink b pick b's table, while a
  // connected subnet still wins over any uplink table's default.
  CHECK(route_get(lab.ns, {"203.0.113.50"}) == "fbw0 via 192.0.2.1");
  CHECK(route_get(lab.ns, {"203.0.113.50", "from", "198.51.100.2"}) == "fbw1 via 198.51.100.1");
  CHECK(route_get(lab.ns, {"203.0.113.50", "mark", "0xfb000002"}) == "fbw1 via 198.51.100.1");
  CHECK(route_get(lab.ns, {"192.0.2.1", "mark", "0xfb000002"}) == "fbw0 via -");

  for (const Rule& r : rules) REQUIRE(sys->remove_rule(r).ok());
  CHECK(sys->read_owned()->rules.empty());
  CHECK(rule_at(lab.ns, 3201).is_null());
  CHECK(sys->remove_rule(rules[1]).ok());  // already gone: fine
}

TEST_CASE("IPv6 routes and rules go through the same calls") {
  NetNamespace ns;
  veth(ns, "fbw0", "", ns, "fbp0", "");
  must(ns, {"ip", "-6", "addr", "add", "2001:db8:ff::2/64", "dev", "fbw0", "nodad"});
  auto sys = open_system(ns);
  REQUIRE(sys->replace_route(*uplink_default_route(slot(0), {ip("2001:db8:ff::1"), "fbw0"})).ok());
  REQUIRE(sys->add_rule(mark_rule(slot(0), AF_INET6)).ok());
  REQUIRE(sys->add_rule(*source_rule(slot(0), ip("2001:db8:ff::2"))).ok());
  auto routes = json_of(ns, {"ip", "-6", "-j", "route", "show", "table", "64256"});
  REQUIRE(routes.size() == 1);
  CHECK(routes[0]["gateway"] == "2001:db8:ff::1");
  auto owned = sys->read_owned();
  REQUIRE(owned.ok());
  CHECK(owned->routes.size() == 1);
  CHECK(owned->rules.size() == 2);
  CHECK(owned->routes[0].family() == AF_INET6);
}

TEST_CASE("kernel refusals come back as stable codes carrying the kernel's words") {
  TwoUplinks lab;
  auto sys = open_system(lab.ns);

  Status unreachable = sys->replace_route(*main_default_route({ip("203.0.113.1"), "fbw0"}));
  CHECK(unreachable.code() == NetError::route_add_failed);
  MESSAGE(describe(unreachable));
  CHECK(unreachable.error().detail.rfind("ip -4 route replace default via 203.0.113.1 dev fbw0", 0) == 0);
  CHECK(unreachable.error().detail.find("unreachable") != std::string::npos);

  Status no_device = sys->replace_route(*main_default_route({ip("192.0.2.1"), "fbw9"}));
  CHECK(no_device.code() == NetError::interface_not_found);
  MESSAGE(describe(no_device));
  CHECK(no_device.error().detail.find("fbw9") != std::string::npos);

  Status no_sysctl = sys->set_sysctl(*rp_filter("fbw9", RpFilter::loose));
  CHECK(no_sysctl.code() == NetError::sysctl_write_failed);
  CHECK(no_sysctl.error().detail.find("No such file or directory") != std::string::npos);

  CHECK(sys->read_owned()->routes.empty());  // nothing half-applied
}

TEST_CASE("sysctls are written in the System's namespace, whichever namespace the caller is in") {
  TwoUplinks lab;
  must(lab.ns, {"sysctl", "-qw", "net.ipv4.conf.fbw0.rp_filter=1"});
  auto sys = open_system(lab.ns);
  // This thread is back in the host namespace, where fbw0 does not exist: a
  // write that went to the caller's namespace would fail with ENOENT.
  REQUIRE(if_nametoindex("fbw0") == 0);
  REQUIRE(sys->set_sysctl(*rp_filter("fbw0", RpFilter::loose)).ok());
  REQUIRE(sys->set_sysctl(ip_forward(AF_INET, true)).ok());
  CHECK(must(lab.ns, {"cat", "/proc/sys/net/ipv4/conf/fbw0/rp_filter"}) == "2\n");
  CHECK(must(lab.ns, {"cat", "/proc/sys/net/ipv4/ip_forward"}) == "1\n");
}
