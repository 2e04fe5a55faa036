// The Prober against the real kernel: ICMP (ping and raw sockets), DNS and
// HTTP probes bound to one of two uplink-like veths (probe_lab.hpp), with
// servers of our own in the peer namespace as the far end and nft counters
// there as the witness of the byte counts. Root (else exit 77).
#include <dirent.h>
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "fb/health/probe.hpp"
#include "fb/log.hpp"
#include "io_wait.hpp"
#include "probe_lab.hpp"

using namespace std::chrono_literals;
using fb::health::ProbeKind;
using fb::health::Prober;
using fb::health::ProbeRequest;
using fb::health::ProbeResult;
using fb::test::kTarget4;
using fb::test::kTarget6;
using fb::test::NetNamespace;
using fb::test::ProbeLab;
using fb::test::ProbePeer;
namespace asio = boost::asio;

namespace {

const fb::test::RootRequired root_required("the probe tests");

using fb::test::run_for;
using fb::test::run_until;

ProbeRequest request(ProbeKind kind, const std::string& interface, const char* target,
                     std::chrono::milliseconds timeout = 2s, unsigned short port = 0) {
  ProbeRequest r;
  r.kind = kind;
  r.interface = interface;
  r.target = *fb::IpAddress::parse(target);
  r.timeout = timeout;
  r.port = port;
  return r;
}

std::string code_of(const ProbeResult& r) {
  return r.error.substr(0, r.error.find(':'));
}

// Runs one probe to completion (bounded) and returns its result.
ProbeResult probe(asio::io_context& io, Prober& prober, const ProbeRequest& r) {
  std::optional<ProbeResult> got;
  int calls = 0;
  prober.start(r, [&](const ProbeResult& result) {
    ++calls;
    got = result;
  });
  REQUIRE(run_until(
      io, [&] { return got.has_value(); }, r.timeout + 5s));
  CHECK(calls == 1);
  INFO(fb::health::to_string(r.kind) << " " << r.target.text() << " via " << r.interface << ": "
                                     << (got->ok ? "ok" : got->error));
  return *got;
}

std::size_t open_fds() {
  std::size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the DIR's own
}

// The lab, the peer's servers and this thread inside pi, for one test case.
struct Fixture {
  ProbeLab lab;
  ProbePeer peer4{lab.peer_a,
                  kTarget4,
                  {"dns:53:answer", "dns:5301:nxdomain", "dns:5302:wrongid", "dns:5303:garbage", "dns:5304:truncated",
                   "dns:5305:wrongid_then_answer", "dns:5306:silent", "http:80:ok", "http:8081:error",
                   "http:8082:redirect", "http:8083:big", "http:8084:garbage", "http:8085:silent"}};
  ProbePeer peer6{lab.peer_a, kTarget6, {"dns:53:answer", "http:80:ok"}};
  asio::io_context io;
  std::optional<NetNamespace::Enter> inside;
  Fixture() { inside.emplace(lab.pi); }
};

}  // namespace

TEST_CASE("a probe bound to uplink A reaches the target while the main default route points at B") {
  Fixture f;
  for (bool ping_sockets : {true, false}) {
    CAPTURE(ping_sockets);
    f.lab.allow_ping_sockets(ping_sockets);
    std::vector<std::string> log;
    fb::logging::set_capture([&](fb::Level, std::string_view line) { log.emplace_back(line); });
    {
      Prober prober(f.io);
      for (const char* target : {kTarget4, kTarget6}) {
        for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
          if (!ping_sockets && kind != ProbeKind::icmp) continue;  // only ICMP has two ways
          ProbeResult a = probe(f.io, prober, request(kind, "fbA", target));
          CHECK(a.ok);
          CHECK(a.error.empty());
          CHECK(a.rtt > 0us);
          CHECK(a.bytes_sent > 0);
          CHECK(a.bytes_received > 0);
          // B's peer knows no such target and forwards nothing: silence.
          ProbeResult b = probe(f.io, prober, request(kind, "fbB", target, 300ms));
          CHECK_FALSE(b.ok);
          CHECK(code_of(b) == "PROBE_TIMEOUT");
          CHECK(b.bytes_sent > 0);
          CHECK(b.bytes_received == 0);
        }
      }
    }
    fb::logging::set_capture(nullptr);
    std::string want = ping_sockets ? "echo via unprivileged ping sockets" : "echo via raw sockets";
    std::size_t said = 0;
    for (const auto& line : log)
      if (line.find(want) != std::string::npos) ++said;
    CHECK(said == 2);  // IPv4 and IPv6, each said once
  }
}

TEST_CASE("an IPv6 link-local gateway is probed on the uplink's own link") {
  ProbeLab lab;
  ProbePeer peer(lab.peer_a, std::string(fb::test::kGatewayLinkLocal) + "%fbAp", {"dns:53:answer", "http:80:ok"});
  asio::io_context io;
  NetNamespace::Enter inside(lab.pi);
  for (bool ping_sockets : {true, false}) {
    lab.allow_ping_sockets(ping_sockets);
    CAPTURE(ping_sockets);
    Prober prober(io);
    for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
      if (!ping_sockets && kind != ProbeKind::icmp) continue;
      // The same fe80 address means a different host on each link: the scope is the uplink.
      CHECK(probe(io, prober, request(kind, "fbA", fb::test::kGatewayLinkLocal)).ok);
      CHECK_FALSE(probe(io, prober, request(kind, "fbB", fb::test::kGatewayLinkLocal, 1s)).ok);
    }
  }
}

TEST_CASE("byte counts match what the peer's nft counters saw at the IP layer") {
  Fixture f;
  for (bool ping_sockets : {true, false}) {
    f.lab.allow_ping_sockets(ping_sockets);
    Prober prober(f.io);
    for (const char* target : {kTarget4, kTarget6}) {
      for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
        CAPTURE(ping_sockets);
        std::string what = std::string(fb::health::to_string(kind)) + " to " + target;
        CAPTURE(what);
        f.lab.reset_counts();
        ProbeResult r = probe(f.io, prober, request(kind, "fbA", target));
        REQUIRE(r.ok);
        auto seen = f.lab.counts();
        CAPTURE(r.bytes_sent);
        CAPTURE(r.bytes_received);
        CAPTURE(seen.bytes_in);
        CAPTURE(seen.bytes_out);
        if (kind == ProbeKind::http) {
          // TCP: payload counted exactly, headers and the closing segments estimated.
          CHECK(r.bytes_sent >= seen.bytes_in * 85 / 100);
          CHECK(r.bytes_sent <= seen.bytes_in * 115 / 100);
          CHECK(r.bytes_received >= seen.bytes_out * 85 / 100);
          CHECK(r.bytes_received <= seen.bytes_out * 115 / 100);
        } else {
          CHECK(r.bytes_sent == seen.bytes_in);
          CHECK(r.bytes_received == seen.bytes_out);
        }
      }
    }
  }
}

TEST_CASE("silent transit loss: every kind times out when peerA drops pi's traffic") {
  Fixture f;
  f.lab.drop_at_a(true);
  Prober prober(f.io);
  for (bool ping_sockets : {true, false}) {
    f.lab.allow_ping_sockets(ping_sockets);
    for (const char* target : {kTarget4, kTarget6}) {
      for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
        ProbeResult r = probe(f.io, prober, request(kind, "fbA", target, 400ms));
        CHECK_FALSE(r.ok);
        CHECK(code_of(r) == "PROBE_TIMEOUT");
        CHECK(r.bytes_sent > 0);
        CHECK(r.bytes_received == 0);
      }
    }
  }
  f.lab.drop_at_a(false);
  CHECK(probe(f.io, prober, request(ProbeKind::icmp, "fbA", kTarget4)).ok);
}

TEST_CASE("unreachable: the far router says so, the gateway is gone, a closed port, no interface") {
  Fixture f;
  Prober prober(f.io);
  f.lab.b_rejects();
  for (bool ping_sockets : {true, false}) {
    f.lab.allow_ping_sockets(ping_sockets);
    CAPTURE(ping_sockets);
    for (const char* target : {kTarget4, kTarget6}) {
      for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
        std::string what = std::string(fb::health::to_string(kind)) + " to " + target;
        CAPTURE(what);
        ProbeResult rejected = probe(f.io, prober, request(kind, "fbB", target, 3s));
        CHECK(code_of(rejected) == "PROBE_UNREACHABLE");
        if (kind != ProbeKind::http) CHECK(rejected.bytes_received > 0);  // the ICMP error came over the wire
        std::string router = target == kTarget4 ? "10.0.2.1" : "fd00:2::1";
        if (kind != ProbeKind::http) CHECK(rejected.error.find("(from " + router + ")") != std::string::npos);
        // C's gateway never answers ARP/ND: the kernel itself declares the host unreachable. It
        // says so on lo, which only some socket kinds bound to fbC hear (ping sockets do, UDP
        // and TCP do not): those probes end by their deadline instead. Either way, no success
        // and nothing received.
        ProbeResult gone = probe(f.io, prober, request(kind, "fbC", target, 1500ms));
        CHECK_FALSE(gone.ok);
        CHECK((code_of(gone) == "PROBE_UNREACHABLE" || code_of(gone) == "PROBE_TIMEOUT"));
        if (kind == ProbeKind::icmp && ping_sockets) CHECK(code_of(gone) == "PROBE_UNREACHABLE");
        CHECK(gone.bytes_received == 0);
        ProbeResult no_interface = probe(f.io, prober, request(kind, "fbNone", target, 3s));
        CHECK(code_of(no_interface) == "PROBE_BIND_FAILED");
        CHECK(no_interface.bytes_sent == 0);
      }
    }
  }
  // A closed port on a live host: ICMP port unreachable (DNS), RST (HTTP).
  for (const char* target : {kTarget4, kTarget6}) {
    CHECK(code_of(probe(f.io, prober, request(ProbeKind::dns, "fbA", target, 3s, 5399))) == "PROBE_UNREACHABLE");
    CHECK(code_of(probe(f.io, prober, request(ProbeKind::http, "fbA", target, 3s, 8099))) == "PROBE_UNREACHABLE");
  }
}

TEST_CASE("HTTP: any HTTP response is an answer; redirects not followed; bodies bounded; non-HTTP refused") {
  Fixture f;
  Prober prober(f.io);
  auto http = [&](unsigned short port, std::chrono::milliseconds timeout = 3s) {
    return probe(f.io, prober, request(ProbeKind::http, "fbA", kTarget4, timeout, port));
  };
  CHECK(http(80).ok);
  CHECK(http(8081).ok);  // 500: the server answered
  CHECK(http(8082).ok);  // 301 to 192.0.2.1: not followed (nothing there could answer)
  ProbeResult big = http(8083);
  CHECK(big.ok);
  CHECK(big.bytes_received < 1024 * 1024);  // 4 MiB offered; we stop early
  ProbeResult garbage = http(8084);
  CHECK(code_of(garbage) == "PROBE_BAD_REPLY");
  ProbeResult silent = http(8085, 500ms);
  CHECK(code_of(silent) == "PROBE_TIMEOUT");
  CHECK(silent.bytes_received > 0);  // the handshake and our request's ACK came back
  std::size_t redirects = 0;
  for (const auto& line : f.peer4.lines())
    if (line == "http 8082 redirect") ++redirects;
  CHECK(redirects == 1);
}

TEST_CASE("DNS: a well-formed reply with our id is an answer, whatever its rcode; the rest is not") {
  Fixture f;
  Prober prober(f.io);
  auto dns = [&](unsigned short port, std::chrono::milliseconds timeout = 2s) {
    return probe(f.io, prober, request(ProbeKind::dns, "fbA", kTarget4, timeout, port));
  };
  CHECK(dns(53).ok);
  CHECK(dns(5301).ok);  // NXDOMAIN: the resolver answered
  ProbeResult wrong = dns(5302, 500ms);
  CHECK(code_of(wrong) == "PROBE_BAD_REPLY");
  CHECK(wrong.error.find("another query") != std::string::npos);
  CHECK(code_of(dns(5303, 500ms)) == "PROBE_BAD_REPLY");
  ProbeResult truncated = dns(5304, 500ms);
  CHECK(code_of(truncated) == "PROBE_BAD_REPLY");
  CHECK(truncated.error.find("malformed") != std::string::npos);
  ProbeResult late = dns(5305);  // a stray reply first, ours right after
  CHECK(late.ok);
  CHECK(code_of(dns(5306, 500ms)) == "PROBE_TIMEOUT");
}

TEST_CASE("done: never inside start(), exactly once, never after cancel() or the Prober's end") {
  Fixture f;
  int calls = 0;
  bool in_start = false;
  {
    Prober prober(f.io);
    // Immediate failures and quick successes alike come later, from the loop.
    for (const char* interface : {"fbNone", "", "fbA"}) {
      for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
        int before = calls;
        in_start = true;
        prober.start(request(kind, interface, kTarget4), [&](const ProbeResult&) {
          CHECK_FALSE(in_start);
          ++calls;
        });
        in_start = false;
        CHECK(calls == before);
        REQUIRE(run_until(
            f.io, [&] { return calls == before + 1; }, 5s));
      }
    }
    run_for(f.io, 300ms);
    CHECK(calls == 9);

    // Cancelled: answered targets, silent targets and already-failed starts alike.
    calls = 0;
    for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
      prober.cancel(prober.start(request(kind, "fbA", kTarget4, 200ms), [&](const ProbeResult&) { ++calls; }));
      prober.cancel(prober.start(request(kind, "fbB", kTarget4, 200ms), [&](const ProbeResult&) { ++calls; }));
      prober.cancel(prober.start(request(kind, "fbNone", kTarget4, 200ms), [&](const ProbeResult&) { ++calls; }));
    }
    prober.cancel(12345);  // unknown: nothing
    run_for(f.io, 600ms);
    CHECK(calls == 0);

    // A done that cancels the others still pending.
    std::vector<Prober::ProbeId> pending;
    int first = 0;
    auto first_id = prober.start(request(ProbeKind::icmp, "fbA", kTarget4), [&](const ProbeResult&) {
      ++first;
      for (auto id : pending) prober.cancel(id);
    });
    for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http})
      pending.push_back(prober.start(request(kind, "fbB", kTarget4, 300ms), [&](const ProbeResult&) { ++calls; }));
    (void)first_id;
    run_for(f.io, 800ms);
    CHECK(first == 1);
    CHECK(calls == 0);

    // Left running when the Prober goes.
    for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
      prober.start(request(kind, "fbA", kTarget4), [&](const ProbeResult&) { ++calls; });
      prober.start(request(kind, "fbNone", kTarget4), [&](const ProbeResult&) { ++calls; });
    }
  }
  run_for(f.io, 600ms);
  CHECK(calls == 0);

  // A done that destroys the Prober while others are in flight (HTTP completions share one batch).
  auto prober = std::make_unique<Prober>(f.io);
  int after = 0;
  for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http})
    prober->start(request(kind, "fbB", kTarget4, 300ms), [&](const ProbeResult&) { ++after; });
  prober->start(request(ProbeKind::http, "fbA", kTarget4), [&](const ProbeResult&) {
    ++calls;
    prober.reset();
  });
  prober->start(request(ProbeKind::http, "fbA", kTarget4), [&](const ProbeResult&) {
    ++calls;
    prober.reset();
  });
  run_for(f.io, 800ms);
  CHECK(calls == 1);
  CHECK(after == 0);
  CHECK_FALSE(prober);
}

TEST_CASE("requests the Prober cannot run are results with a stable code, never exceptions") {
  Fixture f;
  Prober prober(f.io);
  ProbeRequest no_target = request(ProbeKind::icmp, "fbA", kTarget4);
  no_target.target = fb::IpAddress{};
  CHECK(code_of(probe(f.io, prober, no_target)) == "PROBE_FAILED");
  CHECK(code_of(probe(f.io, prober, request(ProbeKind::dns, "fbA", kTarget4, 0ms))) == "PROBE_FAILED");
  CHECK(code_of(probe(f.io, prober, request(ProbeKind::http, "", kTarget4))) == "PROBE_BIND_FAILED");
  ProbeResult long_name = probe(f.io, prober, request(ProbeKind::icmp, "an-interface-name-too-long", kTarget4));
  CHECK(code_of(long_name) == "PROBE_BIND_FAILED");
  CHECK(long_name.error.find("too long") != std::string::npos);
}

TEST_CASE("hundreds of probes leave no descriptor behind") {
  Fixture f;
  f.lab.allow_ping_sockets(true);
  int done = 0, ok = 0, started = 0;
  auto batch = [&](Prober& prober, int rounds) {
    for (int i = 0; i < rounds; ++i) {
      for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::dns, ProbeKind::http}) {
        // Answered, silent (timeout), cancelled, bind failures: every ending.
        auto on_done = [&](const ProbeResult& r) {
          ++done;
          if (r.ok) ++ok;
        };
        prober.start(request(kind, "fbA", i % 2 ? kTarget4 : kTarget6), on_done);
        prober.start(request(kind, "fbB", kTarget4, 50ms), on_done);
        prober.cancel(prober.start(request(kind, "fbA", kTarget4), on_done));
        prober.start(request(kind, "fbNone", kTarget4), on_done);
        started += 3;
      }
      f.lab.allow_ping_sockets(i % 4 < 2);  // ping and raw sockets both
      REQUIRE(run_until(
          f.io, [&] { return done == started; }, 10s));
    }
  };
  {
    Prober first(f.io);  // the io_context's own descriptors (epoll, eventfd, timerfd) open on first use
    batch(first, 1);
  }
  std::size_t base = open_fds();
  {
    Prober prober(f.io);
    batch(prober, 4);  // warm: curl's multi has its descriptors now
    std::size_t warm = open_fds();
    done = ok = started = 0;
    batch(prober, 100);
    CHECK(done == started);
    CHECK(ok == 3 * 100);  // each round, each kind: the one probe bound to A
    CHECK(open_fds() == warm);
  }
  CHECK(open_fds() == base);
}
