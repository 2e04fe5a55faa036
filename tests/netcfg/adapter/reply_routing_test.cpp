// The multi-homing bug failberry exists to avoid, in a lab of namespaces: a
// "pi" with uplink A (fbw0, to namespace ispa) and uplink B (fbw1, to ispb),
// its default route via B. A client at 203.0.113.10 behind ISP A connects to
// the pi's A address. ISP B counts, with an nft rule of its own, every packet
// addressed to that client. Root.
#include <doctest/doctest.h>

#include "fb/net/firewall.hpp"
#include "fb/net/routing.hpp"
#include "fb/net/sysctl.hpp"
#include "lab.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using fb::IpAddress;
using fb::Prefix;
using namespace fb::net::test;

namespace {
long long seen_by_isp_b(const NetNamespace& ispb, const char* which) {
  return nft_counter(ispb, "ip", "witness", "prerouting", which);
}
}  // namespace

TEST_CASE("a connection arriving on uplink A is answered out of A, although the default route is B") {
  NetNamespace pi, ispa, ispb;
  for (const NetNamespace* ns : {&pi, &ispa, &ispb}) {
    must(*ns, {"sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"});
    must(*ns, {"sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"});
  }
  veth(pi, "fbw0", "192.0.2.2/30", ispa, "fbi0", "192.0.2.1/30");
  veth(pi, "fbw1", "198.51.100.2/30", ispb, "fbi1", "198.51.100.1/30");
  must(ispa, {"ip", "addr", "add", "203.0.113.10/32", "dev", "lo"});
  // A strict host: without loose rp_filter on the uplinks, packets arriving
  // on the non-default uplink would be dropped before anything else matters.
  must(pi, {"sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1"});
  must(ispb, {"nft", "add", "table", "ip", "witness"});
  must(ispb, {"nft", "add", "chain", "ip", "witness", "prerouting",
              "{ type filter hook prerouting priority 0; policy accept; }"});
  for (const char* which : {"control", "failberry"})
    must(ispb,
         {"nft", "add", "rule", "ip", "witness", "prerouting", "ip", "daddr", "203.0.113.10", "tcp", "dport",
          std::string(which) == "control" ? "40001" : "40002", "counter", "comment", std::string("\"") + which + "\""});

  auto sys = open_system(pi);
  REQUIRE(sys->replace_route(*main_default_route({ip("198.51.100.1"), "fbw1"})).ok());
  REQUIRE(sys->set_sysctl(*rp_filter("fbw0", RpFilter::loose)).ok());
  REQUIRE(sys->set_sysctl(*rp_filter("fbw1", RpFilter::loose)).ok());

  SUBCASE("control: with the default route alone, the answers leave by B and the connection never completes") {
    Fd listener = tcp_listen(pi, "0.0.0.0", 9000);
    Fd client = tcp_connect(ispa, "203.0.113.10", 40001, "192.0.2.2", 9000);
    CHECK(eventually([&] { return seen_by_isp_b(ispb, "control") > 0; }));
    CHECK_FALSE(connected(client, std::chrono::milliseconds(0)));
    MESSAGE("ISP B saw " << seen_by_isp_b(ispb, "control") << " answers meant for ISP A's client");
  }

  SUBCASE("failberry: connmark + fwmark rule + uplink table send the answers back out of A") {
    UplinkSlot a = *UplinkSlot::at(0), b = *UplinkSlot::at(1);
    FirewallSpec firewall;
    firewall.uplinks = {{"a", "fbw0", false, a.mark()}, {"b", "fbw1", false, b.mark()}};
    firewall.health_port = 9000;
    REQUIRE(sys->apply_firewall(firewall).ok());
    REQUIRE(sys->replace_route(*uplink_default_route(a, {ip("192.0.2.1"), "fbw0"})).ok());
    REQUIRE(sys->replace_route(*uplink_default_route(b, {ip("198.51.100.1"), "fbw1"})).ok());
    // Deliberately no source-address rules: this proves the connmark path alone.
    for (const Rule& r : {main_routes_rule(AF_INET), mark_rule(a, AF_INET), mark_rule(b, AF_INET)})
      REQUIRE(sys->add_rule(r).ok());

    Fd listener = tcp_listen(pi, "0.0.0.0", 9000);
    Fd client = tcp_connect(ispa, "203.0.113.10", 40002, "192.0.2.2", 9000);
    REQUIRE(connected(client, 5s));
    Fd server = accept_one(listener, 5s);
    REQUIRE(server.get() >= 0);
    CHECK(exchange(client, server, "GET /health HTTP/1.0\r\n\r\n"));
    CHECK(exchange(server, client, "HTTP/1.0 200 OK\r\n\r\n"));
    CHECK(seen_by_isp_b(ispb, "failberry") == 0);
    long long rerouted = nft_counter(pi, "inet", "failberry", "output", "reply routing: local");
    CHECK(rerouted >= 2);  // at least the SYN-ACK and the response (ACKs may ride along)
    CHECK(nft_counter(pi, "inet", "failberry", "input", "health port via uplink a") >= 3);
    MESSAGE("answers re-routed by mark: " << rerouted << ", seen by ISP B: " << seen_by_isp_b(ispb, "failberry"));
  }
}
