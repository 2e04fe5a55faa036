// UplinkTracker in virtual time: a harness plays the adapter (carries out the
// actions, arms the one timer on VirtualTime, answers each probe round the
// way the test says) and records every reported state.
#include <doctest/doctest.h>

#include <deque>
#include <random>

#include "fb/core/uplink_tracker.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::core::TrackerPolicy;
using fb::core::UplinkHealth;
using fb::core::UplinkTracker;
namespace ev = fb::core::tracker_event;
namespace act = fb::core::tracker_action;

namespace {

struct Harness {
  explicit Harness(TrackerPolicy policy) : tracker("uplink[wired]", policy) {}
  void feed(const fb::core::TrackerEvent& e) {
    for (const auto& a : tracker.handle(e, time.now())) apply(a);
  }
  void apply(const fb::core::TrackerAction& a) {
    if (std::holds_alternative<act::StartRound>(a)) {
      REQUIRE_MESSAGE(!in_flight, "a second round while one is in flight");
      in_flight = true;
      ++rounds_started;
      round_starts.push_back(time.now());
      // The answer comes back after a short while, like real probes.
      int answered = answers.empty() ? default_answer : answers.front();
      if (!answers.empty()) answers.pop_front();
      round_timer = time.arm_after(answer_delay, [this, answered] {
        round_timer = 0;
        in_flight = false;
        feed(ev::RoundDone{answered});
      });
    } else if (std::holds_alternative<act::CancelRound>(a)) {
      REQUIRE(in_flight);
      in_flight = false;
      time.cancel(round_timer);
      round_timer = 0;
      ++rounds_cancelled;
    } else if (auto* t = std::get_if<act::ArmTimer>(&a)) {
      timer.arm(t->deadline, [this] { feed(ev::TimerFired{}); });
    } else if (std::holds_alternative<act::CancelTimer>(a)) {
      timer.cancel();
    } else if (auto* r = std::get_if<act::Report>(&a)) {
      reports.push_back(r->status.state);
      reasons.push_back(r->status.reason);
    }
  }
  void ready() {
    feed(ev::Link{true});
    feed(ev::Address{true});
  }
  bool log_has(const std::string& needle) const { return log.said(needle); }

  fb::test::LogCapture log{fb::Level::debug};
  fb::VirtualTime time;
  fb::OneShot timer{time};
  UplinkTracker tracker;
  std::deque<int> answers;  // per round, then default_answer
  int default_answer = 2;
  fb::Duration answer_delay = 40ms;
  bool in_flight = false;
  int rounds_started = 0, rounds_cancelled = 0;
  std::vector<fb::TimePoint> round_starts;
  std::vector<UplinkHealth> reports;
  std::vector<std::string> reasons;
  fb::TimerId round_timer = 0;
};

TrackerPolicy probed(int targets = 2, int up = 3, int down = 3, int reliability = 1) {
  TrackerPolicy p;
  p.targets = targets;
  p.probe_interval = 1s;
  p.up_count = up;
  p.down_count = down;
  p.reliability = reliability;
  return p;
}

}  // namespace

TEST_CASE("without probe targets the uplink follows carrier and address") {
  Harness h(TrackerPolicy{});
  CHECK(h.tracker.state() == UplinkHealth::unknown);
  h.feed(ev::Link{true});
  CHECK(h.tracker.state() == UplinkHealth::unknown);  // the address is not known yet
  h.feed(ev::Address{true});
  CHECK(h.tracker.state() == UplinkHealth::up);
  CHECK(h.tracker.status().reason == "LINK_READY");
  CHECK(h.rounds_started == 0);
  h.feed(ev::Address{false});
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.tracker.status().reason == "NO_ADDRESS");
  h.feed(ev::Address{true});
  h.feed(ev::Link{false});
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.tracker.status().reason == "CARRIER_LOST");
  CHECK(h.tracker.status().carrier_lost);
  CHECK(h.reports == std::vector{UplinkHealth::up, UplinkHealth::down, UplinkHealth::up, UplinkHealth::down});
  CHECK(h.log_has("uplink[wired]: up --no_carrier--> down [CARRIER_LOST]"));
}

TEST_CASE("with targets: up only after up_count good rounds, one round per interval") {
  Harness h(probed());
  h.ready();
  CHECK(h.rounds_started == 1);  // the first round goes out at once
  CHECK(h.tracker.state() == UplinkHealth::unknown);
  h.time.advance(1100ms);
  CHECK(h.tracker.state() == UplinkHealth::unknown);
  h.time.advance(1000ms);
  CHECK(h.tracker.state() == UplinkHealth::up);
  CHECK(h.tracker.status().reason == "PROBES_OK");
  REQUIRE(h.round_starts.size() >= 3);
  CHECK(h.round_starts[1] - h.round_starts[0] == 1s);
  CHECK(h.round_starts[2] - h.round_starts[1] == 1s);
}

TEST_CASE("reliability: a round succeeds only when enough targets answer") {
  Harness h(probed(3, 1, 2, 2));
  h.default_answer = 1;  // one of three answers, two are needed
  h.ready();
  h.time.advance(1500ms);
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.tracker.status().reason == "PROBES_FAILED");
  h.default_answer = 2;
  h.time.advance(1000ms);
  CHECK(h.tracker.state() == UplinkHealth::up);
}

TEST_CASE("hysteresis: one lost round degrades, down_count in a row takes it down, up_count brings it back") {
  Harness h(probed(2, 2, 3));
  h.answers = {2, 2, 0, 2, 0, 0, 0, 2, 2};
  h.ready();
  h.time.advance(1100ms);
  CHECK(h.tracker.state() == UplinkHealth::up);
  h.time.advance(1000ms);  // round 3 lost
  CHECK(h.tracker.state() == UplinkHealth::degraded);
  CHECK(h.tracker.status().reason == "PROBE_LOSS");
  h.time.advance(1000ms);  // round 4 fine
  CHECK(h.tracker.state() == UplinkHealth::up);
  h.time.advance(2000ms);  // rounds 5, 6 lost
  CHECK(h.tracker.state() == UplinkHealth::degraded);
  h.time.advance(1000ms);  // round 7 lost: three in a row
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.tracker.status().reason == "PROBES_FAILED");
  CHECK_FALSE(h.tracker.status().carrier_lost);
  h.time.advance(1000ms);  // round 8 fine: one of two
  CHECK(h.tracker.state() == UplinkHealth::down);
  h.time.advance(1000ms);
  CHECK(h.tracker.state() == UplinkHealth::up);
  CHECK(h.tracker.status().rounds == 9);
  CHECK(h.tracker.status().rounds_failed == 4);
}

TEST_CASE("carrier loss takes the uplink down at once and stops probing until the link is back") {
  Harness h(probed(2, 1, 3));
  h.ready();
  h.time.advance(500ms);
  REQUIRE(h.tracker.state() == UplinkHealth::up);
  h.time.advance(520ms);  // a round is in flight now
  REQUIRE(h.in_flight);
  h.feed(ev::Link{false});
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.tracker.status().reason == "CARRIER_LOST");
  CHECK(h.rounds_cancelled == 1);
  int started = h.rounds_started;
  h.time.advance(10s);
  CHECK(h.rounds_started == started);  // nothing is probed over a dead link
  CHECK(h.time.pending() == 0);
  h.feed(ev::Link{true});
  CHECK(h.rounds_started == started + 1);
  CHECK(h.tracker.state() == UplinkHealth::down);  // the probes decide now
  h.time.advance(100ms);
  CHECK(h.tracker.state() == UplinkHealth::up);
}

TEST_CASE("repeated netlink events change nothing") {
  Harness h(probed());
  h.ready();
  h.ready();
  h.feed(ev::Link{true});
  CHECK(h.rounds_started == 1);
  CHECK(h.reports.empty());
}

TEST_CASE("random loss of 30% per target with two targets does not flap an up uplink (down_count 3)") {
  Harness h(probed(2, 3, 3));
  std::mt19937 rng(12345);
  std::bernoulli_distribution lost(0.3);
  for (int i = 0; i < 3; ++i) h.answers.push_back(2);
  for (int i = 0; i < 200; ++i) h.answers.push_back((lost(rng) ? 0 : 1) + (lost(rng) ? 0 : 1));
  h.ready();
  h.time.advance(203s);
  CHECK(h.tracker.status().rounds >= 200);
  CHECK(h.tracker.status().rounds_failed > 0);  // the loss did reach the tracker
  for (auto s : h.reports) CHECK(s != UplinkHealth::down);
}

TEST_CASE("a round answer after the link went away is ignored") {
  Harness h(probed());
  h.ready();
  h.feed(ev::Address{false});
  for (const auto& a : h.tracker.handle(ev::RoundDone{2}, h.time.now())) h.apply(a);
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.tracker.status().rounds == 0);
  CHECK(h.log_has("stale round"));
}
