// flush_conntrack() against a real tracked TCP flow between two namespaces:
// the dead uplink's flow is gone, the other uplink's stays. The witness is a
// libnl-nf conntrack dump of the test's own (lab.cpp). Root.
#include <doctest/doctest.h>

#include "lab.hpp"

using namespace fb::net;
using fb::IpAddress;
using fb::Prefix;
using namespace fb::net::test;

TEST_CASE("flushing an uplink's address deletes its tracked flows and only those") {
  NetNamespace pi, isp;
  veth(pi, "fbw0", "192.0.2.2/30", isp, "fbi0", "192.0.2.1/30");
  veth(pi, "fbw1", "198.51.100.2/30", isp, "fbi1", "198.51.100.1/30");
  // No mid-stream pickup: a late ACK must not re-create a flushed entry and
  // hide whether the flush worked.
  must(pi, {"sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=0"});
  auto sys = open_system(pi);
  FirewallSpec firewall;  // its ct expressions switch connection tracking on in pi
  firewall.uplinks = {{"a", "fbw0", false, UplinkSlot::at(0)->mark()}, {"b", "fbw1", false, UplinkSlot::at(1)->mark()}};
  REQUIRE(sys->apply_firewall(firewall).ok());

  Fd listen_a = tcp_listen(isp, "192.0.2.1", 7001), listen_b = tcp_listen(isp, "198.51.100.1", 7002);
  Fd client_a = tcp_connect(pi, "192.0.2.2", 0, "192.0.2.1", 7001);
  Fd client_b = tcp_connect(pi, "198.51.100.2", 0, "198.51.100.1", 7002);
  REQUIRE(connected(client_a, 5s));
  REQUIRE(connected(client_b, 5s));
  Fd server_a = accept_one(listen_a, 5s), server_b = accept_one(listen_b, 5s);
  REQUIRE(exchange(client_a, server_a, "over a"));
  REQUIRE(exchange(client_b, server_b, "over b"));

  auto flows = conntrack_flows(pi);
  REQUIRE(flows_involving(flows, "192.0.2.2") == 1);
  REQUIRE(flows_involving(flows, "198.51.100.2") == 1);

  auto deleted = sys->flush_conntrack(*IpAddress::parse("192.0.2.2"));
  REQUIRE_MESSAGE(deleted.ok(), describe(deleted));
  CHECK(*deleted == 1);
  flows = conntrack_flows(pi);
  CHECK(flows_involving(flows, "192.0.2.2") == 0);
  CHECK(flows_involving(flows, "198.51.100.2") == 1);

  auto none = sys->flush_conntrack(*IpAddress::parse("192.0.2.2"));
  REQUIRE(none.ok());
  CHECK(*none == 0);
}
