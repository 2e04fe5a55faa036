// FailoverPolicy in virtual time: a harness carries out the actions (the
// default route, conntrack flushes, the hold-down timer) and records them.
#include <doctest/doctest.h>

#include "fb/core/failover_policy.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::core::FailoverPolicy;
using fb::core::PolicySettings;
using fb::core::PolicyUplink;
namespace ev = fb::core::policy_event;
namespace act = fb::core::policy_action;
using State = FailoverPolicy::State;

namespace {

constexpr std::size_t kWired = 0, kCell = 1, kThird = 2;

struct Harness {
  explicit Harness(PolicySettings settings,
                   std::vector<PolicyUplink> uplinks = {{"wired", 10, false}, {"cellular", 20, true}})
      : policy(std::move(uplinks), settings) {}
  void feed(const fb::core::PolicyEvent& e) {
    for (const auto& a : policy.handle(e, time.now())) apply(a);
  }
  void apply(const fb::core::PolicyAction& a) {
    if (auto* s = std::get_if<act::SetDefault>(&a)) {
      route = s->index;
      routes.push_back(s->index);
    } else if (auto* f = std::get_if<act::FlushConntrack>(&a)) {
      flushed.push_back(f->index);
    } else if (auto* t = std::get_if<act::ArmTimer>(&a)) {
      timer.arm(t->deadline, [this] { feed(ev::TimerFired{}); });
    } else if (std::holds_alternative<act::CancelTimer>(a)) {
      timer.cancel();
    } else if (std::holds_alternative<act::Report>(a)) {
      ++reports;
    }
  }
  void set(std::size_t i, bool usable, const char* reason = nullptr) {
    feed(ev::UplinkChanged{i, usable, reason ? reason : (usable ? "PROBES_OK" : "PROBES_FAILED")});
  }

  fb::test::LogCapture log;
  fb::VirtualTime time;
  fb::OneShot timer{time};
  FailoverPolicy policy;
  std::optional<std::size_t> route;
  std::vector<std::size_t> routes, flushed;
  int reports = 0;
};

PolicySettings router(fb::Duration hold = 30s, bool flush = true) {
  return PolicySettings{false, hold, flush};
}

}  // namespace

TEST_CASE("router mode: priority order; the first usable uplink is taken at once") {
  Harness h(router());
  CHECK(h.policy.state() == State::none);
  h.set(kCell, true);
  CHECK(h.route == kCell);  // nothing was active: no hold
  CHECK(h.policy.state() == State::best);
  h.set(kWired, true);
  CHECK(h.route == kWired);  // wired ranks first and never failed: nothing to be sticky about
  CHECK(h.policy.status().last_switch->reason == "PREFERRED_UP");
  CHECK(h.policy.status().failovers == 0);
  CHECK(h.flushed.empty());  // cellular was alive: its flows are left alone
}

TEST_CASE("a failback to an uplink that failed waits out the hold") {
  Harness h(router());
  h.set(kWired, true);
  h.set(kCell, true);
  h.set(kWired, false);
  REQUIRE(h.route == kCell);
  h.set(kWired, true);
  CHECK(h.route == kCell);
  CHECK(h.policy.state() == State::holding);
  h.time.advance(29s);
  CHECK(h.route == kCell);
  h.time.advance(1s);
  CHECK(h.route == kWired);
  CHECK(h.policy.state() == State::best);
  CHECK(h.policy.status().last_switch->reason == "FAILBACK");
}

TEST_CASE("carrier loss of the active uplink switches at once and flushes its conntrack entries") {
  Harness h(router());
  h.set(kWired, true);
  h.set(kCell, true);
  REQUIRE(h.route == kWired);
  h.time.advance(5s);
  h.set(kWired, false, "CARRIER_LOST");
  CHECK(h.route == kCell);
  CHECK(h.flushed == std::vector<std::size_t>{kWired});
  const auto& s = h.policy.status();
  REQUIRE(s.last_failover);
  CHECK(s.last_failover->from == "wired");
  CHECK(s.last_failover->to == "cellular");
  CHECK(s.last_failover->reason == "CARRIER_LOST");
  CHECK_FALSE(s.last_failover->duration);
  CHECK(s.failovers == 1);
}

TEST_CASE("sticky failback: the hold restarts when the preferred uplink fails during it; duration recorded") {
  Harness h(router(30s));
  h.set(kWired, true);
  h.set(kCell, true);
  h.set(kWired, false);
  REQUIRE(h.route == kCell);
  h.time.advance(10s);
  h.set(kWired, true);
  h.time.advance(20s);
  h.set(kWired, false);  // flaps during the hold
  CHECK(h.policy.state() == State::best);
  CHECK(h.time.pending() == 0);
  h.set(kWired, true);
  h.time.advance(29s);
  CHECK(h.route == kCell);
  h.time.advance(1s);
  CHECK(h.route == kWired);
  REQUIRE(h.policy.status().last_failover->duration);
  CHECK(*h.policy.status().last_failover->duration == 60s);
  CHECK(h.routes == std::vector<std::size_t>{kWired, kCell, kWired});
}

TEST_CASE("failback_hold 0 fails back at once; flush_conntrack off flushes nothing") {
  Harness h(router(0s, false));
  h.set(kWired, true);
  h.set(kCell, true);
  h.set(kWired, false);
  h.set(kWired, true);
  CHECK(h.routes == std::vector<std::size_t>{kWired, kCell, kWired});
  CHECK(h.flushed.empty());
}

TEST_CASE("backup-gateway mode prefers the cellular uplink whatever the priorities say") {
  Harness h(PolicySettings{true, 30s, true});
  CHECK(h.policy.ranking() == std::vector<std::size_t>{kCell, kWired});
  h.set(kWired, true);
  CHECK(h.route == kWired);
  h.set(kCell, true);  // dialled in after the wired link was up
  CHECK(h.route == kCell);
  h.set(kCell, false, "CARRIER_LOST");
  CHECK(h.route == kWired);
  h.set(kCell, true);  // back after a failure: sticky
  CHECK(h.route == kWired);
  h.time.advance(30s);
  CHECK(h.route == kCell);
}

TEST_CASE("no usable uplink: the route stays where it was; the first one back is taken at once") {
  Harness h(router());
  h.set(kWired, true);
  h.set(kCell, true);
  h.set(kCell, false);
  h.set(kWired, false);
  CHECK(h.policy.state() == State::none);
  CHECK(h.route == kWired);
  h.set(kCell, true);
  CHECK(h.route == kCell);
  CHECK(h.policy.status().failovers == 1);
}

TEST_CASE("three uplinks: failover goes to the next best usable one") {
  Harness h(router(), {{"wired", 10, false}, {"cellular", 30, true}, {"wired2", 20, false}});
  h.set(kWired, true);
  h.set(kCell, true);
  h.set(kThird, true);
  h.set(kWired, false);
  CHECK(h.route == kThird);
}

TEST_CASE("manual override pins an uplink at once; auto returns at once") {
  Harness h(router());
  h.set(kWired, true);
  h.set(kCell, true);
  h.feed(ev::Override{kCell});
  CHECK(h.route == kCell);
  CHECK(h.policy.status().pinned == kCell);
  CHECK(h.policy.status().last_switch->reason == "MANUAL");
  CHECK(h.flushed.empty());
  // The pinned uplink fails: traffic still moves; it comes back: after the hold.
  h.set(kCell, false);
  CHECK(h.route == kWired);
  h.set(kCell, true);
  CHECK(h.policy.state() == State::holding);
  h.time.advance(30s);
  CHECK(h.route == kCell);
  h.feed(ev::Override{std::nullopt});
  CHECK(h.route == kWired);
  CHECK(h.policy.status().last_switch->reason == "AUTO");
  CHECK_FALSE(h.policy.status().pinned);
}

TEST_CASE("an out-of-range index is a logged caller bug, not a crash") {
  Harness h(router());
  h.set(7, true);
  h.feed(ev::Override{7});
  CHECK_FALSE(h.route);
  bool logged = false;
  for (const auto& l : h.log.lines) logged |= l.find("BUG") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("a stale hold timer is ignored") {
  Harness h(router());
  h.set(kWired, true);
  h.feed(ev::TimerFired{});
  CHECK(h.route == kWired);
  CHECK(h.policy.undefined_transitions() == 0);
}

// ---- link quality: a healthy uplink before a degraded one ----

namespace {

void quality(Harness& h, std::size_t i, bool degraded, const char* reason = "HIGH_LATENCY") {
  h.feed(ev::UplinkChanged{i, true, degraded ? reason : "PROBES_OK", degraded});
}

}  // namespace

TEST_CASE("quality: the route follows health first, then rank (table)") {
  // Each row: what the two uplinks are (u: usable and healthy, d: usable but
  // degraded, x: not usable), reached from both healthy on wired; where the
  // route is then.
  struct Row {
    const char* wired;
    const char* cell;
    std::size_t route;
    bool failover;  // the change counted as a failover
  };
  // clang-format off
  const Row rows[] = {
      {"u", "u", kWired, false},
      {"d", "u", kCell,  true},   // a healthy uplink before a degraded one of higher priority
      {"d", "d", kWired, false},  // both degraded: rank decides
      {"d", "x", kWired, false},  // degraded, but nothing better: it stays
      {"u", "d", kWired, false},
      {"x", "d", kCell,  true},   // a degraded uplink carries traffic when nothing better is up
  };
  // clang-format on
  for (const Row& row : rows) {
    std::string what = std::string("wired ") + row.wired + ", cellular " + row.cell;
    CAPTURE(what);
    Harness h(router());
    h.set(kWired, true);
    h.set(kCell, true);
    REQUIRE(h.route == kWired);
    auto apply = [&](std::size_t i, const char* s) {
      if (*s == 'x')
        h.set(i, false);
      else
        quality(h, i, *s == 'd');
    };
    apply(kCell, row.cell);
    apply(kWired, row.wired);
    CHECK(h.route == row.route);
    CHECK(h.policy.status().failovers == (row.failover ? 1u : 0u));
  }
}

TEST_CASE("quality: degraded wired moves traffic at once without a flush; back only after the hold") {
  Harness h(router(30s));
  h.set(kWired, true);
  h.set(kCell, true);
  quality(h, kWired, true, "HIGH_LOSS");
  CHECK(h.route == kCell);
  CHECK(h.policy.status().last_failover->reason == "HIGH_LOSS");
  CHECK(h.flushed.empty());  // its flows still pass
  quality(h, kWired, false);
  CHECK(h.route == kCell);  // the same hysteresis as a failback
  CHECK(h.policy.state() == State::holding);
  h.time.advance(20s);
  quality(h, kWired, true);  // bad again during the hold: the hold is abandoned
  CHECK(h.policy.state() == State::best);
  h.time.advance(30s);
  CHECK(h.route == kCell);
  quality(h, kWired, false);
  h.time.advance(29s);
  CHECK(h.route == kCell);
  h.time.advance(1s);
  CHECK(h.route == kWired);
  CHECK(h.policy.status().last_switch->reason == "FAILBACK");
  CHECK(h.policy.status().last_failover->duration == fb::Duration(80s));
}

TEST_CASE("quality: a degraded standby does not take traffic when the active fails, if a healthy one can") {
  Harness h(router(), {{"wired", 10, false}, {"cellular", 20, true}, {"third", 30, false}});
  h.set(kWired, true);
  h.set(kCell, true);
  h.set(kThird, true);
  quality(h, kCell, true);
  h.set(kWired, false);
  CHECK(h.route == kThird);
  CHECK(h.flushed == std::vector<std::size_t>{kWired});  // the dead one's flows are flushed as before
}

TEST_CASE("quality: an operator's pin wins over a degraded verdict") {
  Harness h(router());
  h.set(kWired, true);
  h.set(kCell, true);
  h.feed(ev::Override{kWired});
  quality(h, kWired, true);
  CHECK(h.route == kWired);
  h.feed(ev::Override{std::nullopt});
  CHECK(h.route == kCell);
}
