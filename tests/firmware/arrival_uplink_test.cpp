// /health answers for the uplink a request arrived on. failberryd (dry-run)
// runs in a "pi" namespace with two uplink interfaces, wired (fbW 10.0.1.2)
// and cellular (fbC 10.0.2.2), each a veth to a "net" namespace where the
// checkers are (10.0.1.1, 10.0.2.1). The daemon learns the addresses from
// its own dump and netlink events; nothing is told to it. Root, else 77.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "../health/http_client.hpp"
#include "daemon_process.hpp"
#include "netns.hpp"
#include "notify_listener.hpp"
#include "ns_must.hpp"
#include "process.hpp"

using namespace std::chrono_literals;
using fb::test::must;
using fb::test::NetNamespace;

namespace {

const fb::test::RootRequired root_required("the arrival uplink test");

// A Route53 health checker's request, as PROTOCOLS.md §2 describes it.
std::optional<fb::test::HttpReply> route53_check(const std::string& address, const std::string& target = "/health") {
  fb::test::HttpConnection c(address, 9000);
  if (!c.connected()) return std::nullopt;
  if (!c.send("GET " + target +
              " HTTP/1.1\r\nHost: home.dyn.example.com:9000\r\n"
              "User-Agent: Amazon-Route53-Health-Check-Service (ref 2c3e3b5e-0c3f-4c52-a9a3-5a0f7a3c1d10; "
              "report http://amzn.to/1vsZADi)\r\nAccept-Encoding: identity,gzip,deflate\r\nConnection: close\r\n\r\n"))
    return std::nullopt;
  return c.read_reply();
}

// Asks until `ok(reply)` or 10 s pass (the daemon follows netlink on its own time).
std::optional<fb::test::HttpReply> ask_until(const std::string& address,
                                             const std::function<bool(const fb::test::HttpReply&)>& ok,
                                             const std::string& target = "/health") {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::optional<fb::test::HttpReply> last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = route53_check(address, target);
    if (last && ok(*last)) return last;
    std::this_thread::sleep_for(20ms);
  }
  return last;
}

}  // namespace

TEST_CASE("a check reaching the wired address and one reaching the cellular address get their own uplink") {
  NetNamespace pi("ddns-wiring-pi");
  NetNamespace net("ddns-wiring-net");
  fb::test::veth_pair(pi, "fbW", net, "fbWs", "10.0.1");
  fb::test::veth_pair(pi, "fbC", net, "fbCs", "10.0.2");

  fb::test::TempDir dir;
  std::string socket = dir / "control.sock";
  fb::test::write_file(dir / "f.ini", "[general]\ndry_run = true\ncontrol_socket = " + socket +
                                          "\n[modem]\napn = internet\n"
                                          "[uplink.wired]\ninterface = fbW\ngateway = 10.0.1.1\npriority = 20\n"
                                          "[uplink.cellular]\ninterface = fbC\nkind = ppp\npriority = 10\n"
                                          "[health]\nlisten = 0.0.0.0\nport = 9000\n");
  fb::test::DaemonProcess daemon(dir / "f.ini", socket, dir / "err", dir.path(),
                                 [&](const std::vector<std::string>& argv) { return pi.wrap(argv); });
  daemon.start();
  auto ctl = [&](std::vector<std::string> args) { return daemon.ctl(std::move(args)); };

  {
    NetNamespace::Enter checker(net);
    auto wired = route53_check("10.0.1.2");
    auto cellular = route53_check("10.0.2.2");
    REQUIRE(wired);
    REQUIRE(cellular);
    // Both uplinks have carrier and an address (no probe targets): both are up, each answers for itself.
    CHECK(wired->status == 200);
    CHECK(wired->body == "failberry OK uplink=wired state=up\n");
    CHECK(cellular->status == 200);
    CHECK(cellular->body == "failberry OK uplink=cellular state=up\n");
    CHECK(wired->headers["cache-control"] == "no-store");
  }

  {
    // /status and /metrics are not served on an uplink: the checker's 10.0.2.1 is what a carrier's
    // other subscribers look like (10.0.0.0/8), and once that range was in the default allow-list.
    NetNamespace::Enter checker(net);
    for (const char* at : {"10.0.1.2", "10.0.2.2"})
      for (const char* path : {"/status", "/metrics"}) {
        CAPTURE(at);
        CAPTURE(path);
        auto r = route53_check(at, path);
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(r->body.find("serve_status") != std::string::npos);
      }
  }

  // Drain the wired uplink: only the check arriving on the wired side changes.
  REQUIRE(ctl({"drain", "wired"}).code == 0);
  {
    NetNamespace::Enter checker(net);
    CHECK(route53_check("10.0.1.2")->body == "failberry FAIL uplink=wired state=up drained\n");
    CHECK(route53_check("10.0.2.2")->body == "failberry OK uplink=cellular state=up\n");
  }
  REQUIRE(ctl({"undrain", "wired"}).code == 0);
  REQUIRE(ctl({"drain", "cellular"}).code == 0);
  {
    NetNamespace::Enter checker(net);
    CHECK(route53_check("10.0.1.2")->body == "failberry OK uplink=wired state=up\n");
    CHECK(route53_check("10.0.2.2")->body == "failberry FAIL uplink=cellular state=up drained\n");
  }

  // An address the cellular interface gets after the start (a new lease) is
  // learned from netlink; one that leaves it no longer counts as cellular.
  must(pi, {"ip", "addr", "add", "10.0.2.3/24", "dev", "fbC"});
  {
    NetNamespace::Enter checker(net);
    auto fresh = ask_until("10.0.2.3",
                           [](const fb::test::HttpReply& r) { return r.body.find("cellular") != std::string::npos; });
    REQUIRE(fresh);
    CHECK(fresh->body == "failberry FAIL uplink=cellular state=up drained\n");
  }
  // Moved to the wired interface: same address, now the wired uplink's.
  must(pi, {"ip", "addr", "del", "10.0.2.3/24", "dev", "fbC"});
  must(pi, {"ip", "addr", "add", "10.0.2.3/32", "dev", "fbW"});
  {
    NetNamespace::Enter checker(net);
    auto moved =
        ask_until("10.0.2.3", [](const fb::test::HttpReply& r) { return r.body.find("wired") != std::string::npos; });
    REQUIRE(moved);
    CHECK(moved->body == "failberry OK uplink=wired state=up\n");
  }
  {
    // Each uplink's own traffic counters: the checks above crossed both interfaces.
    NetNamespace::Enter inside(pi);
    auto status = fb::test::http_get("127.0.0.1", 9000, "/status");
    REQUIRE(status);
    auto j = nlohmann::json::parse(status->body);
    for (int i : {0, 1}) {
      CAPTURE(i);
      CHECK(j["uplinks"][i]["bytes"]["rx"].get<std::uint64_t>() > 0);
      CHECK(j["uplinks"][i]["bytes"]["tx"].get<std::uint64_t>() > 0);
    }
  }
  {
    // Loopback belongs to no uplink: /health cannot tell, and says so.
    NetNamespace::Enter inside(pi);
    auto local = route53_check("127.0.0.1");
    REQUIRE(local);
    CHECK(local->status == 503);
    CHECK(local->body.find("failberry FAIL uplink=unknown") == 0);
  }
  // The user names the wired uplink (and its checker's range): a reload serves /status there, only there.
  fb::test::write_file(dir / "f.ini", "[general]\ndry_run = true\ncontrol_socket = " + socket +
                                          "\n[modem]\napn = internet\n"
                                          "[uplink.wired]\ninterface = fbW\ngateway = 10.0.1.1\npriority = 20\n"
                                          "serve_status = true\n"
                                          "[uplink.cellular]\ninterface = fbC\nkind = ppp\npriority = 10\n"
                                          "[health]\nlisten = 0.0.0.0\nport = 9000\nstatus_allow = 10.0.0.0/8\n");
  daemon.process().signal(SIGHUP);
  {
    NetNamespace::Enter checker(net);
    auto wired = ask_until(
        "10.0.1.2", [](const fb::test::HttpReply& r) { return r.status == 200; }, "/status");
    REQUIRE(wired);
    CHECK(wired->status == 200);
    auto cellular = route53_check("10.0.2.2", "/status");
    REQUIRE(cellular);
    CHECK(cellular->status == 403);
  }
  CHECK(daemon.stop() == 0);
  std::string log = fb::test::read_file(dir / "err");
  CHECK(log.find("addresses: uplink[wired] primary IPv4 10.0.1.2") != std::string::npos);
  CHECK(log.find("addresses: uplink[cellular] primary IPv4 10.0.2.2") != std::string::npos);
}
