// failberryd's own DDNS wiring against the fake DDNS server (lambda-v3 over
// HTTPS with a per-run test CA), in namespaces:
//   pi:     fbA 10.0.1.2 = uplink wired (the default route), fbB 10.0.2.2 =
//           uplink cellular (kind ppp: [ddns] uplink by default; its own
//           table for sockets bound to it, as netcfg sets up per uplink)
//   server: fbAs 10.0.1.1, fbBs 10.0.2.1, the fake server on 198.51.100.10
// The server publishes the source address it sees, so every request must
// come from 10.0.2.x. Requests are counted at the server. Root, else 77.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "../health/http_client.hpp"
#include "daemon_process.hpp"
#include "ddns_topology.hpp"
#include "fake_server.hpp"
#include "netns.hpp"
#include "notify_listener.hpp"
#include "ns_must.hpp"

using namespace std::chrono_literals;
using fb::test::build_topology;
using fb::test::FakeDdnsServer;
using fb::test::Json;
using fb::test::kSecret;
using fb::test::must;
using fb::test::NetNamespace;
namespace asio = boost::asio;

namespace {

const fb::test::RootRequired root_required("the failberryd DDNS test");

constexpr const char* kWrongSecret = "not-what-the-lambda-has";

// Runs `io` (the fake server's events) until `done()` or `timeout`, checking
// `done` at least every 50 ms (it may ask the daemon, which is not on `io`).
bool poll_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    fb::test::run_for(io, 50ms);
  }
  return true;
}

struct Daemon {
  const NetNamespace& pi;
  fb::test::TempDir& dir;
  std::string socket = dir / "control.sock";
  unsigned short port = 9000;  // inside "pi" only
  fb::test::DaemonProcess daemon{dir / "f.ini", socket, dir / "err", dir.path(),
                                 [this](const std::vector<std::string>& argv) { return pi.wrap(argv); }};

  Daemon(const NetNamespace& ns, fb::test::TempDir& d, const std::string& url) : pi(ns), dir(d) {
    fb::test::write_file(dir / "f.ini", "[general]\nstate_dir = " + dir.path() + "\ncontrol_socket = " + socket +
                                            "\n[modem]\napn = internet\n"
                                            "[uplink.wired]\ninterface = fbA\ngateway = 10.0.1.1\npriority = 20\n"
                                            "[uplink.cellular]\ninterface = fbB\nkind = ppp\npriority = 10\n"
                                            "[health]\nlisten = 127.0.0.1\nport = 9000\n"
                                            "[ddns]\nprovider = lambda-v3\nurl = " +
                                            url + "\nhostname = www.example.com\nsecret_file = " + dir / "ddns.secret" +
                                            "\nca_file = " + fb::test::test_pki().ca() + "\n");
  }
  void start() { daemon.start(); }
  void stop() { CHECK(daemon.stop() == 0); }
  fb::test::RunResult ctl(std::vector<std::string> args) { return daemon.ctl(std::move(args)); }
  Json status() {
    auto r = ctl({"status", "--json"});
    Json j = Json::parse(r.output, nullptr, false);
    return j.is_object() ? j : Json::object();
  }
  Json ddns() { return status().value("ddns", Json::object()); }
  std::string log() { return fb::test::read_file(dir / "err"); }
};

// The two namespaces (topology above) and the fake server inside "srv",
// listening.
struct Wiring {
  NetNamespace pi{"ddns-wiring-pi"};
  NetNamespace srv{"ddns-wiring-srv"};
  bool built = (build_topology(pi, srv), true);
  fb::test::TempDir dir;
  asio::io_context io;
  FakeDdnsServer server{io, fb::test::server_options(srv)};
  Wiring() {
    REQUIRE(poll_until(
        io, [&] { return server.port() != 0; }, 20s));
  }
};

std::size_t sets_from(const FakeDdnsServer& s, const std::string& source, std::size_t since = 0) {
  std::size_t n = 0;
  for (std::size_t k = since; k < s.requests().size(); ++k)
    if (s.requests()[k].value("mode", "") == "set" && s.requests()[k].value("source", "") == source) ++n;
  return n;
}
std::size_t count_since(const FakeDdnsServer& s, std::size_t since, const std::string& mode) {
  std::size_t n = 0;
  for (std::size_t k = since; k < s.requests().size(); ++k) n += s.requests()[k].value("mode", "") == mode;
  return n;
}

}  // namespace

TEST_CASE_FIXTURE(Wiring,
                  "failberryd publishes through the [ddns] uplink, follows its address, and stops on a wrong secret") {
  fb::test::write_ddns_secret(dir);
  Daemon d(pi, dir, server.url("/v3/"));

  // 1. First publish at start, from the cellular uplink's address although
  //    the default route points at the wired one.
  d.start();
  REQUIRE(poll_until(
      io, [&] { return d.ddns().value("state", "") == "in_sync"; }, 30s));
  CHECK(sets_from(server, "10.0.2.2") == 1);
  CHECK(server.count([](const Json& r) { return r.value("source", "") != "10.0.2.2"; }) == 0);
  Json dd = d.ddns();
  CHECK(dd["provider"] == "lambda-v3");
  CHECK(dd["hostname"] == "www.example.com");
  CHECK(dd["uplink"] == "cellular");  // the ppp uplink, by default
  CHECK(dd["interface"] == "fbB");
  CHECK(dd["published"]["address"] == "10.0.2.2");
  CHECK(dd["published"]["at"].is_number_integer());
  CHECK(dd["last_result"]["request"] == "set");
  CHECK(dd["last_result"]["outcome"] == "published");
  CHECK(dd["code"].is_null());
  CHECK(dd["next_attempt_in_seconds"].get<long>() > 0);  // the periodic verify
  CHECK_FALSE(dd.contains("families"));                  // one family: the top level alone
  CHECK(fb::test::read_file(dir / "ddns.json").find("\"10.0.2.2\"") != std::string::npos);
  {
    auto text = d.ctl({"status"});
    CHECK(text.output.find("DDNS: lambda-v3 www.example.com via cellular (fbB): in_sync") != std::string::npos);
    CHECK(text.output.find("  published 10.0.2.2 at ") != std::string::npos);
    NetNamespace::Enter inside(pi);
    auto metrics = fb::test::http_get("127.0.0.1", d.port, "/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("failberry_ddns_in_sync{hostname=\"www.example.com\"} 1\n") != std::string::npos);
    CHECK(metrics->body.find("failberry_ddns_requests_total{hostname=\"www.example.com\",request=\"set\","
                             "outcome=\"published\"} 1\n") != std::string::npos);
  }

  // 2. The carrier hands out a new address: the update follows, from it.
  std::vector<double> latency_ms;
  for (int i = 0; i < 3; ++i) {
    std::string old_ip = "10.0.2." + std::to_string(2 + i);
    std::string new_ip = "10.0.2." + std::to_string(3 + i);
    must(pi, {"ip", "addr", "add", new_ip + "/24", "dev", "fbB"});
    // The server stamps t_received with CLOCK_MONOTONIC, like steady_clock.
    double before = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    must(pi, {"ip", "addr", "del", old_ip + "/24", "dev", "fbB"});  // the secondary is promoted: a new primary
    std::size_t from = server.requests().size();
    REQUIRE_MESSAGE(poll_until(
                        io, [&] { return sets_from(server, new_ip, from) == 1; }, 20s),
                    "no set from " << new_ip);
    for (std::size_t k = from; k < server.requests().size(); ++k)
      if (server.requests()[k]["mode"] == "set")
        latency_ms.push_back((server.requests()[k]["t_received"].get<double>() - before) * 1000.0);
    REQUIRE(poll_until(
        io, [&] { return d.ddns()["published"]["address"] == new_ip && d.ddns()["state"] == "in_sync"; }, 20s));
  }
  std::sort(latency_ms.begin(), latency_ms.end());
  MESSAGE("address removed -> set received (failberryd, netns, HTTPS get + set): median "
          << latency_ms[latency_ms.size() / 2] << " ms, max " << latency_ms.back() << " ms over " << latency_ms.size());
  CHECK(server.count([](const Json& r) { return r.value("source", "").rfind("10.0.1.", 0) == 0; }) == 0);

  // 3. ddns-update: exactly one get and one set, though nothing changed.
  {
    std::size_t from = server.requests().size();
    auto r = d.ctl({"ddns-update"});
    CHECK(r.code == 0);
    CHECK(r.output == "updating www.example.com: a get, then a set (see failberryctl status)\n");
    REQUIRE(poll_until(
        io, [&] { return count_since(server, from, "set") == 1; }, 20s));
    fb::test::run_for(io, 2s);  // nothing else follows
    CHECK(server.requests().size() - from == 2);
    CHECK(count_since(server, from, "get") == 1);
    CHECK(sets_from(server, "10.0.2.5", from) == 1);
    CHECK(d.log().find("control: ddns-update: updating www.example.com") != std::string::npos);
  }

  // 4. A restart with the state file: one get to check, no set.
  d.stop();
  {
    std::size_t from = server.requests().size();
    d.start();
    REQUIRE(poll_until(
        io, [&] { return d.ddns().value("state", "") == "in_sync"; }, 30s));
    fb::test::run_for(io, 1s);
    CHECK(count_since(server, from, "get") == 1);
    CHECK(count_since(server, from, "set") == 0);
    CHECK(d.ddns()["published"]["address"] == "10.0.2.5");
  }

  // 5. The uplink loses its address (ppp down): nothing is sent, ddns-update
  //    is refused; the address coming back is published at once.
  {
    std::size_t from = server.requests().size();
    must(pi, {"ip", "addr", "del", "10.0.2.5/24", "dev", "fbB"});
    REQUIRE(poll_until(
        io, [&] { return d.ddns().value("state", "") == "waiting_for_address"; }, 20s));
    auto r = d.ctl({"ddns-update"});
    CHECK(r.code == 1);
    CHECK(r.output == "failberryctl: DDNS_NO_ADDRESS: uplink cellular (fbB) has no address to publish\n");
    fb::test::run_for(io, 2s);
    CHECK(server.requests().size() == from);
    must(pi, {"ip", "addr", "add", "10.0.2.6/24", "dev", "fbB"});
    REQUIRE(poll_until(
        io, [&] { return sets_from(server, "10.0.2.6", from) == 1; }, 20s));
    REQUIRE(poll_until(
        io, [&] { return d.ddns().value("state", "") == "in_sync"; }, 20s));
  }
  d.stop();

  // 6. A wrong secret: DDNS_AUTH_FAILED, then silence — not for an address
  //    change, not for ddns-update — until the secret is fixed and reloaded.
  std::filesystem::remove(dir / "ddns.json");  // so a set is needed
  fb::test::write_file(dir / "ddns.secret", std::string(kWrongSecret) + "\n", 0600);
  {
    std::size_t from = server.requests().size();
    d.start();
    REQUIRE(poll_until(
        io, [&] { return d.ddns().value("state", "") == "auth_failed"; }, 30s));
    Json a = d.ddns();
    CHECK(a["code"] == "DDNS_AUTH_FAILED");
    CHECK(a["next_attempt_in_seconds"].is_null());
    CHECK(a["last_result"]["outcome"] == "auth_failed");
    std::size_t after_failure = server.requests().size();
    CHECK(after_failure - from == 2);  // the get, the refused set
    must(pi, {"ip", "addr", "add", "10.0.2.9/24", "dev", "fbB"});
    must(pi, {"ip", "addr", "del", "10.0.2.6/24", "dev", "fbB"});
    auto r = d.ctl({"ddns-update"});
    CHECK(r.code == 1);
    CHECK(r.output.find("failberryctl: DDNS_AUTH_FAILED: ") == 0);
    fb::test::run_for(io, 3s);
    CHECK(server.requests().size() == after_failure);
    auto text = d.ctl({"status"});
    CHECK(text.output.find("  error: DDNS_AUTH_FAILED\n") != std::string::npos);
    std::string all = text.output + d.ctl({"status", "--json"}).output + d.log();
    CHECK(all.find(kWrongSecret) == std::string::npos);  // never logged, never shown
    CHECK(all.find(kSecret) == std::string::npos);

    // Fixed and reloaded: published again, from the new address.
    fb::test::write_ddns_secret(dir);
    d.daemon.process().signal(SIGHUP);
    CHECK(d.daemon.notify().wait_for("RELOADING=1", 10s));
    REQUIRE(poll_until(
        io, [&] { return d.ddns().value("state", "") == "in_sync"; }, 30s));
    CHECK(sets_from(server, "10.0.2.9", after_failure) == 1);
    CHECK(d.ddns()["code"].is_null());
  }
  d.stop();
  CHECK(d.log().find(kSecret) == std::string::npos);
}

TEST_CASE_FIXTURE(Wiring,
                  "a secret file the client refuses: DDNS_SECRET_REFUSED in /status, no request; fixed by a reload") {
  fb::test::write_file(dir / "ddns.secret", "two\nlines\n", 0600);  // mode right, content not a secret
  Daemon d(pi, dir, server.url("/v3/"));
  d.start();
  Json dd = d.ddns();
  CHECK(dd["state"] == "setup_failed");
  CHECK(dd["code"] == "DDNS_SECRET_REFUSED");
  auto r = d.ctl({"ddns-update"});
  CHECK(r.code == 1);
  CHECK(r.output.find("failberryctl: DDNS_SECRET_REFUSED: cannot update www.example.com: secret_file ") == 0);
  fb::test::run_for(io, 1s);
  CHECK(server.requests().empty());

  fb::test::write_ddns_secret(dir);
  d.daemon.process().signal(SIGHUP);
  REQUIRE(poll_until(
      io, [&] { return d.ddns().value("state", "") == "in_sync"; }, 30s));
  CHECK(sets_from(server, "10.0.2.2") == 1);
  d.stop();
}

TEST_CASE_FIXTURE(Wiring,
                  "families = both: the A and the AAAA record through the fake Route53, each with its own state") {
  // fbB's IPv6: a deprecated address first (its prefix is leaving), then the
  // stable one the AAAA record must hold; its link-local one is the kernel's.
  must(pi, {"ip", "-6", "addr", "add", "2001:db8:2::9/64", "dev", "fbB", "nodad", "preferred_lft", "0"});
  must(pi, {"ip", "-6", "addr", "add", "2001:db8:2::2/64", "dev", "fbB", "nodad"});
  fb::test::write_secret(dir, "aws.credentials",
                         std::string("aws_access_key_id = ") + fb::test::kAwsKeyId +
                             "\naws_secret_access_key = " + fb::test::kAwsSecret + "\n");
  Daemon d(pi, dir, "");
  std::string ini = fb::test::read_file(dir / "f.ini");
  ini.replace(ini.find("[ddns]"), std::string::npos,
              "[ddns]\nprovider = route53\nurl = " + server.url("") +
                  "\nzone_id = Z0123456789ABCDEFGHIJ\nhostname = www.example.com\nfamilies = both\n"
                  "credentials_file = " +
                  dir / "aws.credentials" + "\nca_file = " + fb::test::test_pki().ca() + "\n");
  fb::test::write_file(dir / "f.ini", ini);
  auto upserts = [&](const std::string& text) {
    return server.count([&](const Json& r) { return r.value("message", "") == text; });
  };
  auto family_state = [&](const char* family) {
    Json f = d.ddns().value("families", Json::object()).value(family, Json::object());
    return f.value("state", "");
  };

  // The cellular uplink's IPv4 (10.0.2.2 on a ppp uplink) is the carrier's
  // NAT: the A record is withheld while the AAAA record, a global address,
  // is published — each record with its own state.
  auto settled = [&] { return family_state("ipv4") == "behind_nat" && family_state("ipv6") == "in_sync"; };
  d.start();
  REQUIRE_MESSAGE(poll_until(io, settled, 30s), d.ddns().dump() << "\n" << d.log());
  CHECK(upserts("UPSERT www.example.com. AAAA 2001:db8:2::2 ttl=60") == 1);
  CHECK(server.count([](const Json& r) { return r.value("message", "").find(" A ") != std::string::npos; }) == 0);
  CHECK(server.count([](const Json& r) { return r.value("message", "").find("2001:db8:2::9") != std::string::npos; }) ==
        0);
  Json dd = d.ddns();
  CHECK(dd["family"] == "ipv4");  // the top level stays the A record's
  CHECK(dd["code"] == "DDNS_BEHIND_NAT");
  CHECK(dd["families"]["ipv4"]["code"] == "DDNS_BEHIND_NAT");
  CHECK(dd["families"]["ipv6"]["record"] == "AAAA");
  CHECK(dd["families"]["ipv6"]["code"].is_null());
  CHECK(dd["families"]["ipv6"]["published"]["address"] == "2001:db8:2::2");
  CHECK(dd["families"]["ipv4"]["published"]["address"].is_null());
  std::string state = fb::test::read_file(dir / "ddns.json");
  CHECK(state.find("\"ipv6\":{\"address\":\"2001:db8:2::2\",\"at\":") != std::string::npos);
  CHECK(state.find("\"ipv4\"") == std::string::npos);
  std::string text = d.ctl({"status"}).output;
  CHECK(text.find("DDNS: route53 www.example.com A via cellular (fbB): behind_nat\n") != std::string::npos);
  CHECK(text.find("DDNS: route53 www.example.com AAAA via cellular (fbB): in_sync\n  published 2001:db8:2::2 at ") !=
        std::string::npos);
  {
    NetNamespace::Enter inside(pi);
    auto metrics = fb::test::http_get("127.0.0.1", d.port, "/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("failberry_ddns_in_sync{hostname=\"www.example.com\"} 0\n") != std::string::npos);
    CHECK(metrics->body.find("failberry_ddns_in_sync{hostname=\"www.example.com\",record=\"AAAA\"} 1\n") !=
          std::string::npos);
    CHECK(metrics->body.find("failberry_ddns_error{hostname=\"www.example.com\",code=\"DDNS_BEHIND_NAT\"} 1\n") !=
          std::string::npos);
  }

  // A new stable address arrives and the old one is deprecated: the AAAA
  // record follows.
  must(pi, {"ip", "-6", "addr", "add", "2001:db8:2::3/64", "dev", "fbB", "nodad"});
  must(pi, {"ip", "-6", "addr", "change", "2001:db8:2::2/64", "dev", "fbB", "preferred_lft", "0"});
  REQUIRE(poll_until(
      io, [&] { return upserts("UPSERT www.example.com. AAAA 2001:db8:2::3 ttl=60") == 1; }, 30s));
  REQUIRE(poll_until(
      io,
      [&] { return d.ddns()["families"]["ipv6"]["published"].value("address", "") == "2001:db8:2::3" && settled(); },
      30s));
  CHECK(server.count_mode("set") == 2);

  // The operator's update asks both records, each answer named; only the AAAA is written.
  auto r = d.ctl({"ddns-update"});
  CHECK(r.code == 0);
  CHECK(r.output.find("A: updating www.example.com") != std::string::npos);
  CHECK(r.output.find("AAAA: updating www.example.com") != std::string::npos);
  REQUIRE(poll_until(
      io, [&] { return server.count_mode("set") == 3 && settled(); }, 30s));
  CHECK(upserts("UPSERT www.example.com. AAAA 2001:db8:2::3 ttl=60") == 2);

  // A restart reads the AAAA entry back: gets only, no set.
  d.stop();
  std::size_t before = server.requests().size();
  d.start();
  REQUIRE(poll_until(io, settled, 30s));
  REQUIRE(poll_until(
      io, [&] { return count_since(server, before, "get") == 2; }, 30s));
  CHECK(count_since(server, before, "set") == 0);
  d.stop();
}

TEST_CASE("dry-run: no DDNS request at all, and it says so") {
  NetNamespace pi("ddns-wiring-dry");
  fb::test::TempDir dir;
  fb::test::write_ddns_secret(dir);
  asio::io_context io;
  FakeDdnsServer server(io);  // on the host's loopback: reachable only if something leaked
  REQUIRE(poll_until(
      io, [&] { return server.port() != 0; }, 20s));
  must(pi, {"ip", "link", "add", "fbA", "type", "veth", "peer", "name", "fbB"});
  Daemon d(pi, dir, server.url("/v3/"));
  std::string ini = fb::test::read_file(dir / "f.ini");
  ini.replace(ini.find("[general]\n"), 10, "[general]\ndry_run = true\n");
  fb::test::write_file(dir / "f.ini", ini);
  d.start();
  Json dd = d.ddns();
  CHECK(dd["state"] == "dry_run");
  CHECK(dd["code"].is_null());
  auto r = d.ctl({"ddns-update"});
  CHECK(r.code == 1);
  CHECK(r.output ==
        "failberryctl: DDNS_DRY_RUN: dry-run: failberryd sends no DDNS request and does not publish "
        "www.example.com\n");
  fb::test::run_for(io, 1s);
  CHECK(server.requests().empty());
  d.stop();
  CHECK(d.log().find("ddns: dry-run: no DDNS request is sent and www.example.com is not published") !=
        std::string::npos);
}
