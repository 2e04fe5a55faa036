// The namespaces the DDNS tests run in: a Pi with two uplinks towards a
// server namespace that holds the fake DDNS API on its loopback. doctest only.
#pragma once

#include <string>

#include "fake_server.hpp"
#include "netns.hpp"
#include "ns_must.hpp"

namespace fb::test {

inline constexpr const char* kServerIp = "198.51.100.10";

// pi: fbA 10.0.1.2 (default route), fbB 10.0.2.2 (its own table, used by
// sockets bound to fbB). server: fbAs 10.0.1.1, fbBs 10.0.2.1, lo 198.51.100.10.
inline void build_topology(const NetNamespace& pi, const NetNamespace& srv) {
  veth_pair(pi, "fbA", srv, "fbAs", "10.0.1");
  veth_pair(pi, "fbB", srv, "fbBs", "10.0.2");
  for (const auto* ns : {&pi, &srv})
    must(*ns, {"sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"});
  must(pi, {"sysctl", "-qw", "net.ipv4.conf.fbA.rp_filter=0", "net.ipv4.conf.fbB.rp_filter=0",
            "net.ipv4.conf.fbB.promote_secondaries=1"});
  must(srv, {"sysctl", "-qw", "net.ipv4.conf.fbAs.rp_filter=0", "net.ipv4.conf.fbBs.rp_filter=0"});
  must(srv, {"ip", "addr", "add", std::string(kServerIp) + "/32", "dev", "lo"});
  must(pi, {"ip", "route", "add", "default", "via", "10.0.1.1", "dev", "fbA"});
  // Uplink B's own table, as netcfg sets up per uplink: a device route (like a
  // ppp peer route, it survives address changes), reached by sockets bound to
  // fbB (SO_BINDTODEVICE: oif) or sourced from its subnet.
  must(pi, {"ip", "route", "add", "default", "dev", "fbB", "table", "102"});
  must(pi, {"ip", "rule", "add", "oif", "fbB", "lookup", "102", "pref", "1000"});
  must(pi, {"ip", "rule", "add", "from", "10.0.2.0/24", "lookup", "102", "pref", "1001"});
}

// The fake DDNS server inside `srv` on kServerIp (its certificate names it).
inline FakeServerOptions server_options(const NetNamespace& srv) {
  FakeServerOptions o;
  o.listen = kServerIp;
  o.ips = {"127.0.0.1", "::1", kServerIp};  // one test PKI per binary: every address its servers use
  o.wrap = {"ip", "netns", "exec", srv.name()};
  return o;
}

}  // namespace fb::test
