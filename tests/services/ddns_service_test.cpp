// The daemon's DdnsService, built as Daemon::restart_ddns() builds it: the
// config from INI text, the AddressBook on a KernelView of this host's
// namespace (the [ddns] uplink is "lo", its address 127.0.0.1), and the real
// sender (make_ddns_sender: DdnsClient over libcurl) against
// fake_ddns_server.py on loopback HTTPS. Only the clock is the test's:
// fb::VirtualTime, so the scheduler's waits (the verify interval, the
// backoff with the policy's real 10 s/60 s/30 min values) pass in an
// instant, while every request is real and counted at the server. No root.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <memory>

#include "event_capture.hpp"
#include "fake_server.hpp"
#include "fb/core/address_book.hpp"
#include "fb/core/ddns_sender.hpp"
#include "fb/core/ddns_service.hpp"
#include "fb/ddns/state_file.hpp"
#include "fb/net/kernel_view.hpp"
#include "log_capture.hpp"
#include "service_rig.hpp"

using namespace std::chrono_literals;
using fb::core::DdnsSender;
using fb::core::DdnsService;
using fb::test::FakeDdnsServer;
using fb::test::TempDir;
namespace asio = boost::asio;

namespace {

// What the daemon holds around a DdnsService: the one KernelView, the
// AddressBook on it, a clock.
struct Rig {
  asio::io_context io;
  TempDir dir;
  FakeDdnsServer server{io};
  fb::net::KernelView view{io};
  fb::core::AddressBook book{view};
  fb::VirtualTime time;
  bool following = false;

  Rig() { fb::test::write_ddns_secret(dir); }

  // A config with one uplink, "wired" on lo, published by `provider`.
  fb::core::Config config(const std::string& provider = "lambda-v3", const std::string& path = "/v3/") {
    return fb::test::parse_ini("[general]\nstate_dir = " + dir.path() +
                               "\n[uplink.wired]\ninterface = lo\ngateway = 127.0.0.1\npriority = 10\n"
                               "[ddns]\nprovider = " +
                               provider + "\nurl = " + server.url(path) +
                               "\nhostname = www.example.com\nuplink = wired\ninterval = 10m\nsecret_file = " +
                               (dir / "ddns.secret") + "\nca_file = " + fb::test::test_pki().ca() + "\n");
  }

  // As Daemon::apply() and Daemon::run(): the book gets the uplinks, then the view and the book start.
  std::unique_ptr<DdnsService> service(const fb::core::Config& c, std::unique_ptr<DdnsSender> sender = nullptr) {
    book.set_uplinks(c.uplinks);
    if (!following) {
      REQUIRE(view.start().ok());
      book.start();
      following = true;
    }
    if (!sender) sender = fb::core::make_ddns_sender(io);
    return std::make_unique<DdnsService>(io, time, book, c, std::move(sender));
  }

  // No request of `s` in flight any more (bounded: each request has its own deadline).
  bool settled(const DdnsService& s) {
    return fb::test::run_until(
        io,
        [&] {
          std::string st = s.report().state;
          return st != "querying" && st != "updating";
        },
        20s);
  }
  // Moves the clock on in 1 s steps, letting each request it starts finish.
  void advance(const DdnsService& s, fb::Duration total) {
    for (fb::Duration t{0}; t < total; t += 1s) {
      time.advance(1s);
      REQUIRE(settled(s));
    }
  }
  bool state_is(const DdnsService& s, const std::string& state, std::chrono::milliseconds limit = 20s) {
    return fb::test::run_until(
        io, [&] { return s.report().state == state; }, limit);
  }
};

// The real sender with a shorter request deadline than [ddns] gives (30 s):
// the requests, the client and libcurl are the real ones.
class ShortDeadline final : public DdnsSender {
 public:
  ShortDeadline(asio::io_context& io, std::chrono::milliseconds total)
      : real_(fb::core::make_ddns_sender(io)), total_(total) {}
  std::unique_ptr<fb::core::DdnsRequests> open(const fb::ddns::ClientSettings& settings) override {
    fb::ddns::ClientSettings s = settings;
    s.total_timeout = total_;
    return real_->open(s);
  }
  std::optional<fb::core::DdnsWithheld> withheld(const std::string& hostname,
                                                 const std::string& uplink) const override {
    return real_->withheld(hostname, uplink);
  }

 private:
  std::unique_ptr<DdnsSender> real_;
  std::chrono::milliseconds total_;
};

// How many attempts a backoff that starts at `initial`, doubles and stops at
// `cap`, each delay jittered into (delay / 2, delay], can make within
// `window`, when each attempt also costs up to `extra` beyond its delay.
std::size_t attempts_within(fb::Duration window, fb::Duration initial, fb::Duration cap, double share,
                            fb::Duration extra) {
  std::size_t n = 0;
  double spent = 0;
  fb::Duration base = initial;
  for (;;) {
    spent += static_cast<double>(base.count()) * share + static_cast<double>(extra.count());
    if (spent > static_cast<double>(window.count())) return n;
    ++n;
    base = std::min(base * 2, cap);
  }
}

}  // namespace

TEST_CASE("first publish, then a restart with the same address sends a get and no set; the verify repeats it") {
  fb::test::EventCapture events;
  Rig rig;
  fb::core::Config c = rig.config();
  {
    auto svc = rig.service(c);
    REQUIRE(rig.state_is(*svc, "in_sync"));
    auto r = svc->report();
    CHECK(r.published == "127.0.0.1");  // the source the server saw through uplink "wired" (lo)
    CHECK(r.interface == "lo");
    CHECK(r.last_request == "set");
    CHECK(r.last_outcome == "published");
  }
  auto stored = fb::ddns::StateFile(rig.dir / "ddns.json", fb::ddns::Provider::lambda_v3, "www.example.com").load();
  REQUIRE(stored);
  CHECK(stored->text() == "127.0.0.1");

  auto again = rig.service(c);
  REQUIRE(rig.state_is(*again, "in_sync"));
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.server.requests().size() == 3; }, 10s));
  CHECK(rig.server.count_mode("get") == 2);
  CHECK(rig.server.count_mode("set") == 1);  // the restart did not publish again
  CHECK(again->report().next_attempt_in_seconds == 600);

  // The verify interval ([ddns] interval) later: one get, the same address, still no set.
  rig.advance(*again, 10min);
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.server.requests().size() == 4; }, 10s));
  CHECK(rig.server.count_mode("get") == 3);
  CHECK(rig.server.count_mode("set") == 1);
  CHECK(rig.server.stats()["max_in_flight"] == 1);
  // One ddns_published: the first run's set; the restart found the record as it was.
  auto published = events.of(fb::EventKind::ddns_published);
  REQUIRE(published.size() == 1);
  CHECK(published[0].address == "127.0.0.1");
  CHECK(published[0].uplink == "wired");
  CHECK(events.of(fb::EventKind::ddns_failed).empty());
}

TEST_CASE("a wrong secret stops all requests with DDNS_AUTH_FAILED until the config is reloaded") {
  fb::test::EventCapture events;
  Rig rig;
  rig.server.fault("wrong_secret");
  fb::core::Config c = rig.config();
  auto svc = rig.service(c);
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return svc->report().code == "DDNS_AUTH_FAILED"; }, 20s));
  rig.advance(*svc, 2h);
  fb::core::ControlAnswer a = svc->update_requested();
  CHECK_FALSE(a.ok);
  CHECK(a.code == "DDNS_AUTH_FAILED");
  rig.advance(*svc, 5s);
  CHECK(rig.server.stats()["requests"] == 2);  // one get, one set; nothing after
  CHECK(svc->report().state == "auth_failed");
  auto failed = events.of(fb::EventKind::ddns_failed);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].reason == "DDNS_AUTH_FAILED");

  rig.server.clear();
  CHECK(svc->reload(c));  // same provider, hostname and uplink: the running service takes it
  REQUIRE(rig.state_is(*svc, "in_sync"));
  CHECK(svc->report().code.empty());
  CHECK(svc->report().published == "127.0.0.1");
}

TEST_CASE("a locked record is not retried before the verify interval") {
  Rig rig;
  rig.server.fault("locked");
  auto svc = rig.service(rig.config("lambda-v2", "/v2"));
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return svc->report().code == "DDNS_LOCKED"; }, 20s));
  rig.advance(*svc, 9min);
  CHECK(rig.server.stats()["requests"] == 2);
  CHECK(svc->report().state == "refused");
  rig.advance(*svc, 2min);  // past the 10 min interval: looked at again, once
  CHECK(rig.server.count_mode("get") == 2);
  CHECK(rig.server.count_mode("set") == 2);
}

TEST_CASE("throttling, 5xx and timeouts back off; requests counted over an hour; healed by itself") {
  struct Row {
    const char* fault;
    const char* code;
    fb::Duration initial;  // the policy's first delay for this kind of failure
  };
  const fb::Duration cap = 30min;  // DdnsPolicy::retry_max
  for (Row row : {Row{"throttle", "DDNS_THROTTLED", 60s}, Row{"error5xx", "DDNS_SERVER_ERROR", 10s},
                  Row{"timeout", "DDNS_TIMEOUT", 10s}}) {
    CAPTURE(std::string(row.fault));
    Rig rig;
    rig.server.fault(row.fault, "set");
    auto svc = rig.service(rig.config(), std::make_unique<ShortDeadline>(rig.io, 300ms));
    REQUIRE(fb::test::run_until(
        rig.io, [&] { return svc->report().code == row.code; }, 20s));
    REQUIRE(rig.settled(*svc));
    std::size_t sets_before = rig.server.count_mode("set");
    constexpr auto kWindow = 1h;
    rig.advance(*svc, kWindow);
    std::size_t sets = rig.server.count_mode("set") - sets_before;
    MESSAGE(std::string(row.fault) << ": " << sets << " retries in an hour");
    // The clock moves in 1 s steps and a request is answered at the end of
    // its step: each attempt costs its jittered delay plus up to 1 s.
    CHECK(sets >= attempts_within(kWindow, row.initial, cap, 1.0, 1s));
    CHECK(sets <= attempts_within(kWindow, row.initial, cap, 0.5, 0s));
    CHECK(sets <= 12);  // no storm: without the backoff, one attempt per second
    CHECK(rig.server.count_mode("get") >= rig.server.count_mode("set"));  // each attempt: a get, then a set
    auto r = svc->report();
    CHECK(r.state == "backoff");
    CHECK(r.failures == sets + 1);
    // One request at a time (a timed-out one the client has given up on may
    // still be counted by the server while the next one arrives).
    if (std::string(row.fault) != "timeout") CHECK(rig.server.stats()["max_in_flight"] == 1);
    // And it heals by itself once the server does.
    rig.server.clear();
    rig.advance(*svc, cap + 1s);
    CHECK(svc->report().state == "in_sync");
  }
}

TEST_CASE("with the dry-run sender nothing is sent or scheduled, and /status and ddns-update say so") {
  Rig rig;
  fb::test::LogCapture log;
  auto svc = rig.service(rig.config(), fb::core::make_dry_run_ddns_sender(rig.io));
  rig.advance(*svc, 1h);
  fb::test::run_until(
      rig.io, [] { return false; }, 200ms);
  CHECK(rig.server.requests().empty());
  CHECK(svc->report().state == "dry_run");
  CHECK(svc->update_requested().code == "DDNS_DRY_RUN");
  CHECK(rig.time.pending() == 0);
  CHECK(log.said("dry-run: no DDNS request is sent and www.example.com is not published"));
}

TEST_CASE("after a restart the published time is the family's own from the state file, not the file's mtime") {
  Rig rig;
  fb::core::Config c = rig.config();
  // As failberryd leaves it with families = both: the AAAA published later
  // than the A, so the file's mtime is the AAAA's time.
  fb::test::write_file(
      rig.dir / "ddns.json",
      "{\"address\":\"127.0.0.1\",\"families\":{\"ipv4\":{\"address\":\"127.0.0.1\",\"at\":1763600000},"
      "\"ipv6\":{\"address\":\"2001:db8:2::2\",\"at\":1763700000}},"
      "\"hostname\":\"www.example.com\",\"provider\":\"lambda-v3\"}\n");
  struct timespec mtime[2] = {{1763700000, 0}, {1763700000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (rig.dir / "ddns.json").c_str(), mtime, 0) == 0);
  auto svc = rig.service(c);
  REQUIRE(rig.state_is(*svc, "in_sync"));
  CHECK(rig.server.count_mode("set") == 0);  // the record was as stored: nothing published now
  auto r = svc->report();
  CHECK(r.published == "127.0.0.1");
  CHECK(r.published_at == 1763600000);
}
