// The DDNS update leaves through the configured uplink, also when the default
// route points elsewhere, and follows a netlink address change. Two uplinks
// (veth pairs A and B) in a "pi" namespace towards a "server" namespace where
// the fake DDNS server listens on 198.51.100.10 (TEST-NET-2, only inside the
// namespaces). Default route via A; [ddns] uplink = B. Root (else exit 77).
#include <doctest/doctest.h>

#include <algorithm>

#include "address_watch.hpp"
#include "ddns_runner.hpp"
#include "fake_server.hpp"
#include "fb/ddns/client.hpp"
#include "netns.hpp"
#include "ns_must.hpp"

using namespace std::chrono_literals;
using fb::ddns::ClientSettings;
using fb::ddns::DdnsClient;
using fb::ddns::Outcome;
using fb::ddns::Provider;
using fb::ddns::Reply;
using fb::test::FakeDdnsServer;
using fb::test::must;
using fb::test::NetNamespace;
using fb::test::TempDir;
namespace asio = boost::asio;
using State = fb::core::DdnsScheduler::State;

namespace {

struct RootCheck {
  RootCheck() { fb::test::require_root("the DDNS namespace test"); }
} root_check;

constexpr const char* kServerIp = "198.51.100.10";

// pi: fbA 10.0.1.2 (default route), fbB 10.0.2.2 (its own table, used by
// sockets bound to fbB). server: fbAs 10.0.1.1, fbBs 10.0.2.1, lo 198.51.100.10.
void build_topology(const NetNamespace& pi, const NetNamespace& srv) {
  must(pi, {"ip", "link", "add", "fbA", "type", "veth", "peer", "name", "fbAs", "netns", srv.name()});
  must(pi, {"ip", "link", "add", "fbB", "type", "veth", "peer", "name", "fbBs", "netns", srv.name()});
  for (const auto* ns : {&pi, &srv})
    must(*ns, {"sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"});
  must(pi, {"sysctl", "-qw", "net.ipv4.conf.fbA.rp_filter=0", "net.ipv4.conf.fbB.rp_filter=0",
            "net.ipv4.conf.fbB.promote_secondaries=1"});
  must(srv, {"sysctl", "-qw", "net.ipv4.conf.fbAs.rp_filter=0", "net.ipv4.conf.fbBs.rp_filter=0"});
  must(pi, {"ip", "addr", "add", "10.0.1.2/24", "dev", "fbA"});
  must(pi, {"ip", "addr", "add", "10.0.2.2/24", "dev", "fbB"});
  must(srv, {"ip", "addr", "add", "10.0.1.1/24", "dev", "fbAs"});
  must(srv, {"ip", "addr", "add", "10.0.2.1/24", "dev", "fbBs"});
  must(srv, {"ip", "addr", "add", std::string(kServerIp) + "/32", "dev", "lo"});
  for (const char* l : {"fbA", "fbB"}) must(pi, {"ip", "link", "set", l, "up"});
  for (const char* l : {"fbAs", "fbBs"}) must(srv, {"ip", "link", "set", l, "up"});
  must(pi, {"ip", "route", "add", "default", "via", "10.0.1.1", "dev", "fbA"});
  // Uplink B's own table, as netcfg sets up per uplink: a device route (like a
  // ppp peer route, it survives address changes), reached by sockets bound to
  // fbB (SO_BINDTODEVICE: oif) or sourced from its subnet.
  must(pi, {"ip", "route", "add", "default", "dev", "fbB", "table", "102"});
  must(pi, {"ip", "rule", "add", "oif", "fbB", "lookup", "102", "pref", "1000"});
  must(pi, {"ip", "rule", "add", "from", "10.0.2.0/24", "lookup", "102", "pref", "1001"});
}

ClientSettings settings(const FakeDdnsServer& server, const TempDir& dir, const std::string& interface) {
  ClientSettings s;
  s.provider = Provider::lambda_v3;
  s.url = server.url("/v3/");
  s.hostname = "www.example.com";
  s.secret_file = dir / "ddns.secret";
  fb::test::write_file(s.secret_file, "SuP3R_5eCR3T\n", 0600);
  s.ca_file = fb::test::test_pki().ca();
  s.interface = interface;
  s.connect_timeout = 3s;
  s.total_timeout = 5s;
  return s;
}

std::string seen_by_server(asio::io_context& io, const FakeDdnsServer& server, const TempDir& dir,
                           const std::string& interface) {
  DdnsClient client(io, settings(server, dir, interface));
  std::optional<Reply> got;
  client.get([&](const Reply& r) { got = r; });
  REQUIRE(fb::test::wait_until(
      io, [&] { return got.has_value(); }, 20s));
  INFO(got->detail);
  REQUIRE(got->outcome == Outcome::observed);
  return got->address->text();
}

}  // namespace

TEST_CASE("the update leaves through the configured uplink, and a netlink address change republishes") {
  NetNamespace pi;
  NetNamespace srv;
  build_topology(pi, srv);
  TempDir dir;
  asio::io_context io;
  fb::test::FakeServerOptions o;
  o.listen = kServerIp;
  o.ips = {"127.0.0.1", kServerIp};
  o.wrap = {"ip", "netns", "exec", srv.name()};
  FakeDdnsServer server(io, o);

  NetNamespace::Enter inside(pi);  // this thread's sockets (curl's, netlink's) now live in "pi"

  // Which source the server sees: routing alone picks A; binding picks the uplink.
  CHECK(seen_by_server(io, server, dir, "") == "10.0.1.2");
  CHECK(seen_by_server(io, server, dir, "fbA") == "10.0.1.2");
  CHECK(seen_by_server(io, server, dir, "fbB") == "10.0.2.2");

  // The scheduler + client with [ddns] uplink = B, fed by netlink.
  fb::core::DdnsPolicy policy;
  policy.retry_initial = 200ms;
  policy.retry_max = 2s;
  fb::test::DdnsRunner runner(io, settings(server, dir, "fbB"), policy, dir / "ddns.json", [] { return 0.5; });
  std::chrono::steady_clock::time_point changed_at{};
  fb::test::AddressWatch watch(io, "fbB", [&](bool added, const fb::IpAddress& address) {
    if (added) {
      changed_at = std::chrono::steady_clock::now();
      runner.address_changed(address);
    } else {
      runner.address_lost();
    }
  });
  runner.start(*fb::IpAddress::parse("10.0.2.2"));
  REQUIRE(fb::test::wait_until(
      io, [&] { return runner.state() == State::in_sync; }, 20s));
  CHECK(runner.status().published->text() == "10.0.2.2");

  std::vector<double> ms;
  for (int i = 0; i < 10; ++i) {
    std::string old_ip = "10.0.2." + std::to_string(2 + i);
    std::string new_ip = "10.0.2." + std::to_string(3 + i);
    std::size_t before = server.requests().size();
    // Like the carrier's new lease: the new address arrives, the old one goes
    // (promote_secondaries: the kernel promotes the new one and says so).
    must(pi, {"ip", "addr", "add", new_ip + "/24", "dev", "fbB"});
    must(pi, {"ip", "addr", "del", old_ip + "/24", "dev", "fbB"});
    const fb::test::Json* set = nullptr;
    bool ok = fb::test::wait_until(
        io,
        [&] {
          for (std::size_t k = before; k < server.requests().size(); ++k)
            if (server.requests()[k]["mode"] == "set" && server.requests()[k]["source"] == new_ip) {
              set = &server.requests()[k];
              return true;
            }
          return false;
        },
        20s);
    REQUIRE_MESSAGE(ok, "no set from " << new_ip);
    double t_event = std::chrono::duration<double>(changed_at.time_since_epoch()).count();
    ms.push_back(((*set)["t_received"].get<double>() - t_event) * 1000.0);
    REQUIRE(fb::test::wait_until(
        io, [&] { return runner.state() == State::in_sync; }, 20s));
    CHECK(runner.status().published->text() == new_ip);
  }
  std::sort(ms.begin(), ms.end());
  MESSAGE("netlink address event -> set at the server (namespaces, HTTPS, get + set): median "
          << ms[ms.size() / 2] << " ms, max " << ms.back() << " ms over " << ms.size());

  // Every request of the runner came from uplink B, none through the default route.
  std::size_t from_a = server.count([](const fb::test::Json& r) { return r["source"] == "10.0.1.2"; });
  CHECK(from_a == 2);  // the two routing/binding probes above, nothing else
  CHECK(server.count_mode("set") == 11);
}
