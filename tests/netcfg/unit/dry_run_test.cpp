// The dry-run System: each call logs its ip/nft/sysctl/conntrack equivalent
// and changes nothing but its in-memory model, which answers read_owned() and
// cleanup_stale() with the kernel's semantics. Pure.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fb/log.hpp"
#include "fb/net/dry_run_system.hpp"
#include "log_capture.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using namespace fb::net::test;
using fb::IpAddress;
using fb::Prefix;

namespace {

const std::string P = "netcfg[dry-run]: ";

}  // namespace

TEST_CASE("routes: each call logs the ip route line, and replace keeps one route per slot") {
  fb::test::LogCapture log{fb::Level::info};
  DryRunSystem sys;
  REQUIRE(sys.replace_route(*main_default_route({ip("192.0.2.1"), "eth0"})).ok());
  CHECK(log.take() ==
        std::vector<std::string>{P + "ip -4 route replace default via 192.0.2.1 dev eth0 proto 251 metric 10"});
  REQUIRE(sys.replace_route(*main_default_route({std::nullopt, "ppp0"})).ok());
  CHECK(log.take() == std::vector<std::string>{P + "ip -4 route replace default dev ppp0 proto 251 metric 10"});
  REQUIRE(sys.replace_route(*uplink_default_route(slot(1), {ip("2001:db8::1"), "wwan0"})).ok());
  CHECK(log.take() ==
        std::vector<std::string>{P + "ip -6 route replace default via 2001:db8::1 dev wwan0 table 64257 proto 251"});

  auto owned = sys.read_owned();
  REQUIRE(owned.ok());
  REQUIRE(owned->routes.size() == 2);  // the second main default replaced the first
  CHECK(owned->routes[0].device == "ppp0");
  CHECK_FALSE(owned->routes[0].gateway);

  REQUIRE(sys.remove_route(*uplink_default_route(slot(1), {ip("2001:db8::1"), "wwan0"})).ok());
  CHECK(log.take() ==
        std::vector<std::string>{P + "ip -6 route del default via 2001:db8::1 dev wwan0 table 64257 proto 251"});
  CHECK(sys.read_owned()->routes.size() == 1);
}

TEST_CASE("rules: each call logs the ip rule line, and adding twice keeps one") {
  fb::test::LogCapture log{fb::Level::info};
  DryRunSystem sys;
  REQUIRE(sys.add_rule(main_routes_rule(AF_INET)).ok());
  REQUIRE(sys.add_rule(mark_rule(slot(1), AF_INET)).ok());
  REQUIRE(sys.add_rule(*source_rule(slot(0), ip("2001:db8::2"))).ok());
  REQUIRE(sys.add_rule(mark_rule(slot(1), AF_INET)).ok());
  CHECK(log.take() == std::vector<std::string>{
                          P + "ip -4 rule add priority 3100 lookup main suppress_prefixlength 0 protocol 251",
                          P + "ip -4 rule add priority 3201 fwmark 0xfb000002 lookup 64257 protocol 251",
                          P + "ip -6 rule add priority 3300 from 2001:db8::2 lookup 64256 protocol 251",
                          P + "ip -4 rule add priority 3201 fwmark 0xfb000002 lookup 64257 protocol 251",
                      });
  CHECK(sys.read_owned()->rules.size() == 3);
  REQUIRE(sys.remove_rule(mark_rule(slot(1), AF_INET)).ok());
  CHECK(log.take() ==
        std::vector<std::string>{P + "ip -4 rule del priority 3201 fwmark 0xfb000002 lookup 64257 protocol 251"});
  CHECK(sys.read_owned()->rules.size() == 2);
}

TEST_CASE("sysctls and conntrack flushes log their command lines") {
  fb::test::LogCapture log{fb::Level::info};
  DryRunSystem sys;
  REQUIRE(sys.set_sysctl(ip_forward(AF_INET, true)).ok());
  REQUIRE(sys.set_sysctl(*rp_filter("ppp0", RpFilter::loose)).ok());
  auto flushed = sys.flush_conntrack(ip("203.0.113.9"));
  REQUIRE(flushed.ok());
  CHECK(*flushed == 0);
  REQUIRE(sys.flush_conntrack(ip("2001:db8::9")).ok());
  CHECK(log.take() == std::vector<std::string>{
                          P + "sysctl -w net.ipv4.ip_forward=1",
                          P + "sysctl -w net.ipv4.conf.ppp0.rp_filter=2",
                          P + "conntrack -D --orig-src 203.0.113.9",
                          P + "conntrack -D --orig-dst 203.0.113.9",
                          P + "conntrack -D --reply-src 203.0.113.9",
                          P + "conntrack -D --reply-dst 203.0.113.9",
                          P + "conntrack -D -f ipv6 --orig-src 2001:db8::9",
                          P + "conntrack -D -f ipv6 --orig-dst 2001:db8::9",
                          P + "conntrack -D -f ipv6 --reply-src 2001:db8::9",
                          P + "conntrack -D -f ipv6 --reply-dst 2001:db8::9",
                      });
  CHECK(sys.flush_conntrack(ip("0.0.0.0")).code() == NetError::invalid_spec);
}

TEST_CASE("the firewall is logged as the one nft batch that would replace it") {
  fb::test::LogCapture log{fb::Level::info};
  DryRunSystem sys;
  FirewallSpec spec = fb::net::test::router_spec();
  REQUIRE(sys.apply_firewall(spec).ok());
  std::vector<std::string> lines = log.take();
  REQUIRE(lines.size() > 6);
  CHECK(lines[0] == P + "nft -f - <<'EOF'");
  CHECK(lines[1] == P + "table inet failberry");
  CHECK(lines[2] == P + "delete table inet failberry");
  CHECK(lines[3] == P + "table inet failberry {");
  CHECK(lines.back() == P + "EOF");
  std::string joined;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) joined += lines[i].substr(P.size()) + "\n";
  CHECK(joined == replace_transaction(render_ruleset(spec)));
  CHECK(sys.read_owned()->firewall);

  REQUIRE(sys.remove_firewall().ok());
  CHECK(log.take() == std::vector<std::string>{P + "nft 'table inet failberry; delete table inet failberry'"});
  CHECK_FALSE(sys.read_owned()->firewall);
}

TEST_CASE("cleanup logs the flush of everything owned and reports what the model held") {
  fb::test::LogCapture log{fb::Level::info};
  DryRunSystem sys;
  REQUIRE(sys.replace_route(*main_default_route({ip("192.0.2.1"), ""})).ok());
  REQUIRE(sys.add_rule(main_routes_rule(AF_INET)).ok());
  REQUIRE(sys.add_rule(mark_rule(slot(0), AF_INET)).ok());
  REQUIRE(sys.apply_firewall(fb::net::test::minimal_spec()).ok());
  log.take();
  auto report = sys.cleanup_stale();
  REQUIRE(report.ok());
  CHECK(report->routes == 1);
  CHECK(report->rules == 2);
  CHECK(report->firewall);
  CHECK(report->failures.empty());
  CHECK(log.take() == std::vector<std::string>{
                          P + "ip -4 route flush table all proto 251",
                          P + "ip -6 route flush table all proto 251",
                          P + "ip -4 rule flush protocol 251",
                          P + "ip -6 rule flush protocol 251",
                          P + "nft 'table inet failberry; delete table inet failberry'",
                      });
  auto after = sys.read_owned();
  CHECK(after->routes.empty());
  CHECK(after->rules.empty());
  CHECK_FALSE(after->firewall);
}

TEST_CASE("links and addresses: each call logs its ip line, and the model keeps them as the kernel would") {
  fb::test::LogCapture log{fb::Level::info};
  DryRunSystem sys;
  REQUIRE(sys.set_link_up("usb0").ok());
  REQUIRE(sys.replace_address("usb0", ip("10.0.2.15"), 24).ok());
  REQUIRE(sys.replace_address("usb0", ip("10.0.2.15"), 24).ok());  // idempotent
  REQUIRE(sys.replace_address("usb0", ip("10.0.2.15"), 16).ok());  // IPv4: another prefix, another address
  REQUIRE(sys.set_link_up("wwan0").ok());
  REQUIRE(sys.set_link_up("usb0").ok());
  REQUIRE(sys.replace_address("wwan0", ip("2001:db8:1::5"), 64).ok());
  REQUIRE(sys.replace_address("wwan0", ip("2001:db8:1::5"), 48).ok());  // IPv6: the same address, kept as it was
  CHECK(log.take() == std::vector<std::string>{
                          P + "ip link set usb0 up",
                          P + "ip address replace 10.0.2.15/24 dev usb0",
                          P + "ip address replace 10.0.2.15/24 dev usb0",
                          P + "ip address replace 10.0.2.15/16 dev usb0",
                          P + "ip link set wwan0 up",
                          P + "ip link set usb0 up",
                          P + "ip address replace 2001:db8:1::5/64 dev wwan0",
                          P + "ip address replace 2001:db8:1::5/48 dev wwan0",
                      });
  CHECK(sys.links_up() == std::vector<std::string>{"usb0", "wwan0"});
  CHECK(sys.addresses() == std::vector<InterfaceAddress>{{"usb0", ip("10.0.2.15"), 24},
                                                         {"usb0", ip("10.0.2.15"), 16},
                                                         {"wwan0", ip("2001:db8:1::5"), 64}});

  // Removal wants the exact address and prefix; an absent one is no error.
  REQUIRE(sys.remove_address("usb0", ip("10.0.2.15"), 16).ok());
  REQUIRE(sys.remove_address("wwan0", ip("2001:db8:1::5"), 48).ok());
  REQUIRE(sys.remove_address("usb0", ip("10.0.2.99"), 24).ok());
  CHECK(log.take() == std::vector<std::string>{
                          P + "ip address del 10.0.2.15/16 dev usb0",
                          P + "ip address del 2001:db8:1::5/48 dev wwan0",
                          P + "ip address del 10.0.2.99/24 dev usb0",
                      });
  CHECK(sys.addresses() ==
        std::vector<InterfaceAddress>{{"usb0", ip("10.0.2.15"), 24}, {"wwan0", ip("2001:db8:1::5"), 64}});

  // Addresses are no owned state: cleanup leaves them, as it does in the kernel.
  REQUIRE(sys.cleanup_stale().ok());
  CHECK(sys.addresses().size() == 2);
}

TEST_CASE("a bad interface name or address is refused with INVALID_SPEC before anything is logged") {
  fb::test::LogCapture log{fb::Level::info};
  DryRunSystem sys;
  CHECK(sys.set_link_up("usb 0").code() == NetError::invalid_spec);
  CHECK(sys.set_link_up("").code() == NetError::invalid_spec);
  CHECK(sys.replace_address("usb0", ip("10.0.2.15"), 0).code() == NetError::invalid_spec);
  CHECK(sys.replace_address("usb0", ip("224.0.0.1"), 24).code() == NetError::invalid_spec);
  CHECK(sys.replace_address("usb0/x", ip("10.0.2.15"), 24).code() == NetError::invalid_spec);
  CHECK(sys.remove_address("usb0", IpAddress{}, 24).code() == NetError::invalid_spec);
  CHECK(log.take().empty());
  CHECK(sys.links_up().empty());
  CHECK(sys.addresses().empty());
}

TEST_CASE("invalid values are refused with INVALID_SPEC before anything is logged") {
  fb::test::LogCapture log{fb::Level::info};
  DryRunSystem sys;
  Route foreign = *main_default_route({ip("192.0.2.1"), ""});
  foreign.table = 100;
  CHECK(sys.replace_route(foreign).code() == NetError::invalid_spec);
  Rule catch_all = mark_rule(slot(0), AF_INET);
  catch_all.fwmark.reset();
  CHECK(sys.add_rule(catch_all).code() == NetError::invalid_spec);
  CHECK(sys.set_sysctl(Sysctl{{"kernel", "panic"}, "1"}).code() == NetError::invalid_spec);
  CHECK(sys.apply_firewall(FirewallSpec{}).code() == NetError::invalid_spec);
  CHECK(log.take().empty());
  CHECK(sys.read_owned()->routes.empty());
}
