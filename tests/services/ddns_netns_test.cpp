// The DDNS update leaves through the configured uplink, also when the default
// route points elsewhere, and follows a netlink address change. Two uplinks
// (veth pairs A and B) in a "pi" namespace towards a "server" namespace where
// the fake DDNS server listens on 198.51.100.10 (TEST-NET-2, only inside the
// namespaces). Default route via A; [ddns] uplink = B. The daemon's
// DdnsService, AddressBook and KernelView run in-process inside "pi", with the
// daemon's timers: the address events are the kernel's. Root (else exit 77).
#include <doctest/doctest.h>

#include <algorithm>
#include <exception>
#include <thread>

#include "ddns_topology.hpp"
#include "fake_server.hpp"
#include "fb/core/address_book.hpp"
#include "fb/core/asio_timers.hpp"
#include "fb/core/ddns_sender.hpp"
#include "fb/core/ddns_service.hpp"
#include "fb/ddns/client.hpp"
#include "fb/net/kernel_view.hpp"
#include "netns.hpp"
#include "ns_must.hpp"
#include "service_rig.hpp"

using namespace std::chrono_literals;
using fb::ddns::DdnsClient;
using fb::ddns::Outcome;
using fb::ddns::Provider;
using fb::ddns::Reply;
using fb::test::build_topology;
using fb::test::FakeDdnsServer;
using fb::test::must;
using fb::test::NetNamespace;
using fb::test::TempDir;
namespace asio = boost::asio;

namespace {

const fb::test::RootRequired root_required("the DDNS namespace test");

std::string seen_by_server(asio::io_context& io, const FakeDdnsServer& server, const TempDir& dir,
                           const std::string& interface) {
  DdnsClient client(io, fb::test::client_settings(server, dir, Provider::lambda_v3, interface));
  std::optional<Reply> got;
  client.get([&](const Reply& r) { got = r; });
  REQUIRE(fb::test::run_until(
      io, [&] { return got.has_value(); }, 20s));
  INFO(got->detail);
  REQUIRE(got->outcome == Outcome::observed);
  return got->address->text();
}

// The server's control port listens on the loopback of its namespace: ask
// from a thread that enters it (this one stays in "pi").
fb::test::Json control_in(const NetNamespace& ns, FakeDdnsServer& server, const std::string& what) {
  fb::test::Json out;
  std::exception_ptr failed;
  std::thread asker([&] {
    try {
      NetNamespace::Enter there(ns);
      out = server.control(what);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  asker.join();
  if (failed) std::rethrow_exception(failed);
  return out;
}

}  // namespace

TEST_CASE("the update leaves through the configured uplink, and a netlink address change republishes") {
  NetNamespace pi;
  NetNamespace srv;
  build_topology(pi, srv);
  TempDir dir;
  asio::io_context io;
  FakeDdnsServer server(io, fb::test::server_options(srv));

  NetNamespace::Enter inside(pi);  // this thread's sockets (curl's, netlink's) now live in "pi"

  // Which source the server sees: routing alone picks A; binding picks the uplink.
  CHECK(seen_by_server(io, server, dir, "") == "10.0.1.2");
  CHECK(seen_by_server(io, server, dir, "fbA") == "10.0.1.2");
  CHECK(seen_by_server(io, server, dir, "fbB") == "10.0.2.2");

  // The daemon's wiring with [ddns] uplink = B: the view and the book follow
  // this namespace's kernel (the thread is inside "pi"), the service publishes.
  fb::test::write_ddns_secret(dir);
  fb::core::Config config = fb::test::parse_ini(
      "[general]\nstate_dir = " + dir.path() +
      "\n[uplink.a]\ninterface = fbA\ngateway = 10.0.1.1\npriority = 20\n"
      "[uplink.b]\ninterface = fbB\ngateway = 10.0.2.1\npriority = 10\n"
      "[ddns]\nprovider = lambda-v3\nurl = " +
      server.url("/v3/") + "\nhostname = www.example.com\nuplink = b\nsecret_file = " + (dir / "ddns.secret") +
      "\nca_file = " + fb::test::test_pki().ca() + "\n");
  fb::core::AsioTimerService timers(io);
  fb::net::KernelView view(io);
  fb::core::AddressBook book(view);
  book.set_uplinks(config.uplinks);
  REQUIRE(view.start().ok());
  REQUIRE(book.start());
  std::chrono::steady_clock::time_point changed_at{};
  auto watch = book.listen([&](const std::string& uplink, const std::optional<fb::IpAddress>& primary) {
    if (uplink == "b" && primary) changed_at = std::chrono::steady_clock::now();
  });
  fb::core::DdnsService service(io, timers, book, config, fb::core::make_ddns_sender(io));
  auto in_sync = [&] { return service.report().state == "in_sync"; };
  REQUIRE(fb::test::run_until(io, in_sync, 20s));
  CHECK(service.report().published == "10.0.2.2");

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
    bool ok = fb::test::run_until(
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
    REQUIRE(fb::test::run_until(io, in_sync, 20s));
    CHECK(service.report().published == new_ip);
  }
  std::sort(ms.begin(), ms.end());
  MESSAGE("netlink address event -> set at the server (namespaces, HTTPS, get + set): median "
          << ms[ms.size() / 2] << " ms, max " << ms.back() << " ms over " << ms.size());

  book.unlisten(watch);

  // Every request of the service came from uplink B, none through the default route.
  std::size_t from_a = server.count([](const fb::test::Json& r) { return r["source"] == "10.0.1.2"; });
  CHECK(from_a == 2);  // the two routing/binding probes above, nothing else
  CHECK(server.count_mode("set") == 11);
  CHECK(control_in(srv, server, "/stats")["max_in_flight"] == 1);

  // The server publishes the source it sees, not the uplink's own address:
  // behind a carrier's NAT the two differ, and the set carries the former.
  control_in(srv, server, "/pretend?source=203.0.113.9");
  must(pi, {"ip", "addr", "add", "10.0.2.40/24", "dev", "fbB"});
  must(pi, {"ip", "addr", "del", "10.0.2.12/24", "dev", "fbB"});
  REQUIRE(fb::test::run_until(
      io, [&] { return service.report().published == "203.0.113.9"; }, 20s));
  REQUIRE(fb::test::run_until(io, in_sync, 20s));
  CHECK(server.count_mode("set") == 12);
}

TEST_CASE("lambda-v2 AAAA: the get and the set leave from the address being published, not the kernel's choice") {
  // One namespace, two global addresses on its loopback beside ::1, the fake
  // Lambda on ::1: the kernel's own source for ::1 is ::1, so a request
  // bound to the interface alone would be seen (and published) as ::1.
  NetNamespace ns;
  must(ns, {"ip", "link", "set", "lo", "up"});
  must(ns, {"ip", "-6", "addr", "add", "2001:db8:9::1/128", "dev", "lo"});
  must(ns, {"ip", "-6", "addr", "add", "2001:db8:9::2/128", "dev", "lo"});
  TempDir dir;
  asio::io_context io;
  fb::test::FakeServerOptions o = fb::test::server_options(ns);  // its certificate's addresses
  o.listen = "::1";
  FakeDdnsServer server(io, o);
  NetNamespace::Enter inside(ns);
  DdnsClient client(io,
                    fb::test::client_settings(server, dir, Provider::lambda_v2, "lo", 0600, fb::ddns::Family::ipv6));
  auto run = [&](auto start) {
    std::optional<Reply> got;
    start([&](const Reply& r) { got = r; });
    REQUIRE(fb::test::run_until(
        io, [&] { return got.has_value(); }, 20s));
    INFO(got->detail);
    return *got;
  };
  const fb::IpAddress published = *fb::IpAddress::parse("2001:db8:9::2");

  Reply unbound = run([&](auto done) { client.get(done); });
  REQUIRE(unbound.outcome == Outcome::observed);
  CHECK(unbound.address->text() == "::1");  // the kernel's choice
  Reply seen = run([&](auto done) { client.get(done, published); });
  REQUIRE(seen.outcome == Outcome::observed);
  CHECK(seen.address == published);
  Reply set = run([&](auto done) { client.set(published, done); });
  CHECK(set.outcome == Outcome::published);
  CHECK(server.stats()["records_aaaa"]["www.example.com"] == "2001:db8:9::2");
  REQUIRE(fb::test::run_until(
      io, [&] { return server.requests().size() == 3; }, 10s));
  CHECK(server.requests()[0]["source"] == "::1");
  CHECK(server.requests()[1]["source"] == "2001:db8:9::2");
  CHECK(server.requests()[2]["source"] == "2001:db8:9::2");
}

TEST_CASE("lambda-v2 AAAA: a request from the uplink's address stays on its device; no way out there is a failure") {
  // The uplink up0 has 2001:db8:9::3 and no route to the Lambda (on ::1, lo):
  // bound to the address alone, the request would leave by lo and the
  // Lambda would publish it; kept on up0 it fails, and nothing is published.
  NetNamespace ns;
  must(ns, {"ip", "link", "set", "lo", "up"});
  must(ns, {"ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0p"});  // its far end leads nowhere
  must(ns, {"ip", "link", "set", "up0", "up"});
  must(ns, {"ip", "link", "set", "up0p", "up"});
  must(ns, {"ip", "-6", "addr", "add", "2001:db8:9::3/128", "dev", "up0", "nodad"});
  TempDir dir;
  asio::io_context io;
  fb::test::FakeServerOptions o = fb::test::server_options(ns);
  o.listen = "::1";
  FakeDdnsServer server(io, o);
  NetNamespace::Enter inside(ns);
  DdnsClient client(io,
                    fb::test::client_settings(server, dir, Provider::lambda_v2, "up0", 0600, fb::ddns::Family::ipv6));
  const fb::IpAddress address = *fb::IpAddress::parse("2001:db8:9::3");
  std::optional<Reply> got;
  client.set(address, [&](const Reply& r) { got = r; });
  REQUIRE(fb::test::run_until(
      io, [&] { return got.has_value(); }, 20s));
  INFO(got->detail);
  CHECK(got->outcome != Outcome::published);
  CHECK(server.requests().empty());
  CHECK_FALSE(server.stats()["records_aaaa"].contains("www.example.com"));
}
