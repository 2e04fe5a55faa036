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
      int answered6 = answers6.empty() ? default_answer6 : answers6.front();
      if (!answers6.empty()) answers6.pop_front();
      round_timer = time.arm_after(answer_delay, [this, answered, answered6] {
        round_timer = 0;
        in_flight = false;
        int all = answered + answered6;
        feed(ev::RoundDone{all, std::vector<std::chrono::microseconds>(all, probe_rtt), answered6});
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
      verdicts.push_back(r->status.quality_bad);
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
  std::deque<int> answers;  // per round, then default_answer (IPv4 targets, or all when none are IPv6)
  int default_answer = 2;
  std::deque<int> answers6;  // IPv6 targets answered, per round, then default_answer6
  int default_answer6 = 0;
  fb::Duration answer_delay = 40ms;
  std::chrono::microseconds probe_rtt = 20ms;  // of every answered probe
  bool in_flight = false;
  int rounds_started = 0, rounds_cancelled = 0;
  std::vector<fb::TimePoint> round_starts;
  std::vector<UplinkHealth> reports;
  std::vector<std::string> reasons;
  std::vector<bool> verdicts;  // quality_bad of each report
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

TEST_CASE("probe_interval_idle: a new interval holds from the next round on, the armed one keeps its time") {
  Harness h(probed(2, 1, 3));
  h.ready();
  h.time.advance(500ms);  // round 1 answered, round 2 armed for 1 s
  h.tracker.set_probe_interval(10s);
  CHECK(h.tracker.probe_interval() == 10s);
  h.time.advance(30s);
  REQUIRE(h.round_starts.size() == 4);  // at 0, 1 s (already armed), 11 s, 21 s
  CHECK(h.round_starts[1] - h.round_starts[0] == 1s);
  CHECK(h.round_starts[2] - h.round_starts[1] == 10s);
  CHECK(h.round_starts[3] - h.round_starts[2] == 10s);
  h.tracker.set_probe_interval(1s);  // it carries the default route again
  h.time.advance(12s);
  CHECK(h.round_starts[5] - h.round_starts[4] == 1s);
  CHECK(h.tracker.state() == UplinkHealth::up);
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

TEST_CASE("require: a round succeeds when every required family has reliability answers (or all its targets)") {
  struct Row {
    bool v4, v6;      // required families
    int t4, t6;       // targets of each family
    int reliability;  // per family
    int a4, a6;       // answered in the round
    UplinkHealth expect;
  };
  const UplinkHealth up = UplinkHealth::up, down = UplinkHealth::down;
  // clang-format off
  const Row rows[] = {
      // v4     v6     t4 t6 rel  a4 a6  state after one round
      {true,  false, 2, 2, 1,   1, 0,  up},    // ipv4: IPv6 silence does not matter
      {true,  false, 2, 2, 1,   0, 2,  down},  // ipv4: IPv6 answers do not stand in for IPv4
      {false, true,  2, 2, 1,   0, 1,  up},    // ipv6 alone
      {false, true,  2, 2, 1,   2, 0,  down},
      {true,  true,  1, 1, 1,   1, 1,  up},    // both
      {true,  true,  1, 1, 1,   1, 0,  down},  // IPv6 broken: the uplink fails
      {true,  true,  1, 1, 1,   0, 1,  down},  // IPv4 broken
      {true,  true,  3, 2, 2,   2, 2,  up},    // reliability counts each family
      {true,  true,  3, 2, 2,   3, 1,  down},  // 4 answers, but only one IPv6
      {true,  true,  3, 1, 2,   2, 1,  up},    // a family with fewer targets needs all of them
      {false, true,  2, 0, 1,   2, 0,  down},  // a required family without targets never succeeds
      {false, false, 2, 2, 1,   2, 2,  down},  // nothing required: fail closed
  };
  // clang-format on
  for (const Row& r : rows) {
    CAPTURE(r.v4);
    CAPTURE(r.v6);
    CAPTURE(r.t4);
    CAPTURE(r.t6);
    CAPTURE(r.reliability);
    CAPTURE(r.a4);
    CAPTURE(r.a6);
    TrackerPolicy p = probed(r.t4 + r.t6, 1, 1, r.reliability);
    p.targets_ipv6 = r.t6;
    p.require_ipv4 = r.v4;
    p.require_ipv6 = r.v6;
    Harness h(p);
    h.default_answer = r.a4;
    h.default_answer6 = r.a6;
    h.ready();
    h.time.advance(500ms);
    CHECK(h.tracker.status().rounds == 1);
    CHECK(h.tracker.state() == r.expect);
  }
}

TEST_CASE("require both: IPv6 lost alone takes the uplink down after down_count rounds, and back after up_count") {
  TrackerPolicy p = probed(2, 2, 3, 1);
  p.targets_ipv6 = 1;
  p.require_ipv4 = p.require_ipv6 = true;
  Harness h(p);
  h.default_answer = 1;
  h.default_answer6 = 1;
  h.ready();
  h.time.advance(1500ms);  // rounds at 0 s and 1 s
  REQUIRE(h.tracker.state() == UplinkHealth::up);
  h.default_answer6 = 0;  // IPv4 still answers
  h.time.advance(1000ms);
  CHECK(h.tracker.state() == UplinkHealth::degraded);
  h.time.advance(2000ms);
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.tracker.status().reason == "PROBES_FAILED");
  h.default_answer6 = 1;
  h.time.advance(1000ms);
  CHECK(h.tracker.state() == UplinkHealth::down);  // one good round of up_count 2
  h.time.advance(1000ms);
  CHECK(h.tracker.state() == UplinkHealth::up);
  CHECK(h.reports ==
        std::vector<UplinkHealth>{UplinkHealth::up, UplinkHealth::degraded, UplinkHealth::down, UplinkHealth::up});
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
  for (const auto& a : h.tracker.handle(ev::RoundDone{2, {}}, h.time.now())) h.apply(a);
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.tracker.status().rounds == 0);
  CHECK(h.log_has("stale round"));
}

// ---- link quality: the window, the thresholds and their hysteresis ----

namespace {

TrackerPolicy with_quality(int window = 4) {
  TrackerPolicy p = probed(2, 1, 3);
  p.quality.window = window;
  p.quality.fail_latency = 1000ms;
  p.quality.recover_latency = 500ms;
  p.quality.fail_loss = 40;
  p.quality.recover_loss = 10;
  return p;
}

}  // namespace

TEST_CASE("the window gives the median RTT and the loss of its last rounds") {
  TrackerPolicy p = probed(2, 1, 3);
  p.quality.window = 3;  // no thresholds: measured and shown, never judged
  Harness h(p);
  h.answers = {2, 1, 2, 0, 2};
  h.ready();
  h.time.advance(500ms);  // round 1: 2 of 2
  CHECK(h.tracker.status().window_rounds == 1);
  CHECK(h.tracker.status().loss_percent == doctest::Approx(0.0));
  CHECK(h.tracker.status().rtt == std::chrono::microseconds(20ms));
  h.probe_rtt = 60ms;
  h.time.advance(1000ms);  // round 2: 1 of 2 at 60 ms
  CHECK(h.tracker.status().loss_percent == doctest::Approx(25.0));
  CHECK(h.tracker.status().rtt == std::chrono::microseconds(20ms));  // 20, 20, 60
  h.time.advance(1000ms);                                            // round 3: 2 of 2 at 60 ms
  CHECK(h.tracker.status().rtt == std::chrono::microseconds(60ms));  // 20, 20, 60, 60, 60
  h.time.advance(2000ms);  // rounds 4 (0 of 2), 5 (2 of 2): the window holds rounds 3-5
  CHECK(h.tracker.status().window_rounds == 3);
  CHECK(h.tracker.status().loss_percent == doctest::Approx(100.0 * 2 / 6));
  CHECK(h.tracker.status().rtt == std::chrono::microseconds(60ms));
  CHECK_FALSE(h.tracker.status().quality_bad);
  for (bool v : h.verdicts) CHECK_FALSE(v);
}

TEST_CASE("quality: fail above the fail thresholds, recover only below the recover ones") {
  struct Row {
    const char* what;
    std::chrono::microseconds rtt;
    int answered;  // of 2 per round
    bool bad;      // the verdict after a full window of such rounds, coming from `from_bad`
    bool from_bad;
    const char* reason;
  };
  // clang-format off
  const Row rows[] = {
      {"good stays good",                    20ms,   2, false, false, ""},
      {"latency between the thresholds",    700ms,   2, false, false, ""},
      {"latency above fail",               1200ms,   2, true,  false, "HIGH_LATENCY"},
      {"latency at fail is not above",     1000ms,   2, false, false, ""},
      {"loss 50% is above 40%",              20ms,   1, true,  false, "HIGH_LOSS"},
      {"bad: latency between stays bad",    700ms,   2, true,  true,  "HIGH_LATENCY"},
      {"bad: latency below recover",        400ms,   2, false, true,  ""},
      {"bad: latency at recover is good",   500ms,   2, false, true,  ""},
      {"bad: loss 50% stays bad",            20ms,   1, true,  true,  "HIGH_LOSS"},
      {"bad: good again",                    20ms,   2, false, true,  ""},
  };
  // clang-format on
  for (const Row& row : rows) {
    std::string what = row.what;
    CAPTURE(what);
    Harness h(with_quality(4));
    if (row.from_bad) {  // a full window of 2 s RTT first: bad
      h.probe_rtt = 2000ms;
      h.ready();
      h.time.advance(3500ms);
      REQUIRE(h.tracker.status().quality_bad);
      REQUIRE(h.tracker.state() == UplinkHealth::degraded);
      h.time.advance(500ms);
    }
    h.probe_rtt = row.rtt;
    h.default_answer = row.answered;
    if (!row.from_bad) h.ready();
    h.time.advance(3500ms);  // four rounds: the window holds only them
    CHECK(h.tracker.status().window_rounds == 4);
    CHECK(h.tracker.status().quality_bad == row.bad);
    CHECK(h.tracker.status().quality_reason == row.reason);
    CHECK(h.tracker.state() == (row.bad ? UplinkHealth::degraded : UplinkHealth::up));
  }
}

TEST_CASE("quality: a recover threshold of 0 (set, or half of a fail threshold of 1) is reached by no loss") {
  struct Row {
    const char* what;
    std::optional<int> recover_loss;
  };
  for (const Row row : {Row{"recover_loss = 0", 0}, Row{"unset: half of 1", std::nullopt}}) {
    std::string what = row.what;
    CAPTURE(what);
    TrackerPolicy p = probed(2, 1, 3);
    p.quality.window = 2;
    p.quality.fail_loss = 1;
    p.quality.recover_loss = row.recover_loss;
    Harness h(p);
    h.default_answer = 1;  // 50% lost: bad
    h.ready();
    h.time.advance(1500ms);
    REQUIRE(h.tracker.status().quality_bad);
    h.default_answer = 2;  // nothing lost: good again over a full window
    h.time.advance(2000ms);
    CHECK(h.tracker.status().loss_percent == doctest::Approx(0.0));
    CHECK_FALSE(h.tracker.status().quality_bad);
    CHECK(h.tracker.state() == UplinkHealth::up);
  }
}

TEST_CASE("quality: nothing is judged before the window is full") {
  Harness h(with_quality(5));
  h.probe_rtt = 3000ms;
  h.ready();
  h.time.advance(3500ms);  // four rounds
  CHECK(h.tracker.state() == UplinkHealth::up);
  CHECK_FALSE(h.tracker.status().quality_bad);
  h.time.advance(1000ms);  // the fifth
  CHECK(h.tracker.state() == UplinkHealth::degraded);
  CHECK(h.tracker.status().reason == "HIGH_LATENCY");
  CHECK(h.log_has("quality bad [HIGH_LATENCY]: median RTT 3000.0 ms, loss 0% over 5 rounds"));
}

TEST_CASE("quality: a degraded uplink still goes down after down_count lost rounds, and comes back degraded") {
  Harness h(with_quality(3));
  h.probe_rtt = 1500ms;
  h.ready();
  h.time.advance(2500ms);
  REQUIRE(h.tracker.state() == UplinkHealth::degraded);
  h.default_answer = 0;
  h.time.advance(3000ms);
  CHECK(h.tracker.state() == UplinkHealth::down);
  h.feed(ev::Link{false});
  CHECK(h.tracker.status().window_rounds == 0);  // the window starts again with the link
  h.default_answer = 2;
  h.probe_rtt = 20ms;
  h.feed(ev::Link{true});
  h.time.advance(500ms);
  // Back, but the verdict stays until a full window judges it.
  CHECK(h.tracker.state() == UplinkHealth::degraded);
  CHECK(h.tracker.status().quality_bad);
  h.time.advance(2000ms);
  CHECK(h.tracker.state() == UplinkHealth::up);
  CHECK_FALSE(h.tracker.status().quality_bad);
}

TEST_CASE("quality: a verdict change is reported even when the state stays") {
  Harness h(with_quality(2));
  h.probe_rtt = 1500ms;
  h.answers = {2, 2, 0};  // rounds 1-2 slow (bad), round 3 lost (degraded by PROBE_LOSS anyway)
  h.ready();
  h.time.advance(1500ms);
  REQUIRE(h.tracker.status().quality_bad);
  std::size_t reports = h.reports.size();
  h.probe_rtt = 20ms;
  h.time.advance(3000ms);  // lost round, then good ones: the verdict turns good
  CHECK_FALSE(h.tracker.status().quality_bad);
  CHECK(h.reports.size() > reports);
  CHECK(h.verdicts.back() == false);
}

TEST_CASE("quality: quality_since is when the verdict flipped, not when a bad verdict's reason moved") {
  Harness h(with_quality(2));
  h.probe_rtt = 1500ms;
  h.ready();
  h.time.advance(1500ms);
  REQUIRE(h.tracker.status().quality_reason == "HIGH_LATENCY");
  REQUIRE(h.tracker.status().quality_since);
  fb::TimePoint bad_since = *h.tracker.status().quality_since;
  h.probe_rtt = 20ms;
  h.default_answer = 1;  // now fast but half lost: still bad, for another reason
  h.time.advance(2000ms);
  REQUIRE(h.tracker.status().quality_reason == "HIGH_LOSS");
  CHECK(*h.tracker.status().quality_since == bad_since);
  h.default_answer = 2;
  h.time.advance(2000ms);
  REQUIRE_FALSE(h.tracker.status().quality_bad);
  CHECK(*h.tracker.status().quality_since > bad_since);
}

TEST_CASE("steady loss of 30% against a 40% threshold over a window of 20 rounds: never bad, never down") {
  TrackerPolicy p = with_quality(20);
  p.targets = 3;
  p.down_count = 3;
  Harness h(p);
  // Exactly 3 of every 10 probes lost, in order (what the lab's nft counter does).
  int probe = 0;
  for (int i = 0; i < 300; ++i) {
    int answered = 0;
    for (int t = 0; t < 3; ++t) answered += (probe++ % 10) < 3 ? 0 : 1;
    h.answers.push_back(answered);
  }
  h.ready();
  h.time.advance(300s);
  CHECK(h.tracker.status().rounds >= 299);
  CHECK(h.tracker.status().rounds_failed > 0);  // some rounds lost every probe
  CHECK(h.tracker.status().loss_percent == doctest::Approx(30.0).epsilon(0.05));
  CHECK_FALSE(h.tracker.status().quality_bad);
  for (bool v : h.verdicts) CHECK_FALSE(v);
  for (auto s : h.reports) CHECK(s != UplinkHealth::down);
}

// ---- silent failure: traffic out, nothing in ----

namespace {

TrackerPolicy silent_watch() {
  TrackerPolicy p = probed(1, 1, 3);
  p.probe_interval = 10s;
  p.silence = 1s;
  return p;
}

}  // namespace

TEST_CASE("silence: packets out and none in for `silence` start a burst at once; a passing round ends it") {
  Harness h(silent_watch());
  h.ready();
  h.time.advance(100ms);
  REQUIRE(h.tracker.state() == UplinkHealth::up);
  int started = h.rounds_started;
  std::uint64_t tx = 100, rx = 80;
  h.feed(ev::Traffic{tx, rx});
  for (int i = 1; i <= 3; ++i) {  // 750 ms of traffic out, nothing in: not yet
    h.time.advance(250ms);
    tx += 3;
    h.feed(ev::Traffic{tx, rx});
  }
  CHECK(h.rounds_started == started);
  h.time.advance(250ms);
  tx += 3;
  h.feed(ev::Traffic{tx, rx});  // 1 s
  CHECK(h.rounds_started == started + 1);
  CHECK(h.tracker.bursting());
  CHECK(h.tracker.status().bursts == 1);
  CHECK(h.log_has("sent 12 packets and received nothing for 1000 ms: probing now"));
  h.time.advance(100ms);  // the round passes: the burst is over, the next round in probe_interval
  CHECK_FALSE(h.tracker.bursting());
  CHECK(h.tracker.state() == UplinkHealth::up);
  h.time.advance(5s);
  CHECK(h.rounds_started == started + 1);
}

TEST_CASE("silence: a dead path under traffic is down after down_count back-to-back rounds, not intervals") {
  Harness h(silent_watch());
  h.ready();
  h.time.advance(100ms);
  REQUIRE(h.tracker.state() == UplinkHealth::up);
  h.default_answer = 0;
  h.answer_delay = 300ms;  // the probe timeout
  std::uint64_t tx = 0, rx = 50;
  fb::TimePoint cut = h.time.now();
  while (h.tracker.state() != UplinkHealth::down && h.time.now() - cut < 20s) {
    h.time.advance(250ms);
    tx += 2;
    h.feed(ev::Traffic{tx, rx});
  }
  CHECK(h.tracker.state() == UplinkHealth::down);
  CHECK(h.time.now() - cut <= 2250ms);  // 1 s of silence + 3 rounds of 300 ms (+ ticks), not 3 × 10 s
  CHECK_FALSE(h.tracker.bursting());
}

TEST_CASE("silence: what does not start a burst") {
  struct Row {
    const char* what;
    std::uint64_t tx_step, rx_step;
    bool with_silence;
  };
  // clang-format off
  const Row rows[] = {
      {"idle: nothing out",                 0, 0, true},
      {"answered traffic",                  3, 2, true},
      {"one packet out, then quiet",        0, 0, true},  // see below: one packet first
      {"off: silence = 0",                  3, 0, false},
  };
  // clang-format on
  for (const Row& row : rows) {
    std::string what = row.what;
    CAPTURE(what);
    TrackerPolicy p = silent_watch();
    if (!row.with_silence) p.silence = fb::Duration(0);
    Harness h(p);
    h.ready();
    h.time.advance(100ms);
    int started = h.rounds_started;
    std::uint64_t tx = 10, rx = 10;
    h.feed(ev::Traffic{tx, rx});
    h.feed(ev::Traffic{++tx, rx});  // the lone packet
    for (int i = 0; i < 16; ++i) {  // 4 s
      h.time.advance(250ms);
      tx += row.tx_step;
      rx += row.rx_step;
      h.feed(ev::Traffic{tx, rx});
    }
    CHECK(h.rounds_started == started);
    CHECK(h.tracker.status().bursts == 0);
  }
}

TEST_CASE("silence: an uplink that comes back starts a new baseline, even when no counters came while it was down") {
  Harness h(silent_watch());
  h.ready();
  h.time.advance(100ms);
  REQUIRE(h.tracker.state() == UplinkHealth::up);
  h.feed(ev::Traffic{10, 10});  // the baseline while up
  h.feed(ev::Link{false});
  REQUIRE(h.tracker.state() == UplinkHealth::down);
  h.time.advance(5s);  // down: the service feeds no counters
  h.feed(ev::Link{true});
  h.time.advance(3s);
  REQUIRE(h.tracker.state() == UplinkHealth::up);
  int started = h.rounds_started;
  h.feed(ev::Traffic{60, 10});  // 50 more out than the old baseline, none in: not silence, a new baseline
  CHECK(h.tracker.status().bursts == 0);
  CHECK(h.rounds_started == started);
}

TEST_CASE("silence: counters of an uplink that is not up are only noted") {
  Harness h(silent_watch());
  h.default_answer = 0;
  h.ready();
  h.time.advance(100ms);
  REQUIRE(h.tracker.state() == UplinkHealth::unknown);
  int started = h.rounds_started;
  for (std::uint64_t i = 0; i < 16; ++i) {
    h.time.advance(250ms);
    h.feed(ev::Traffic{i * 5, 0});
  }
  CHECK(h.tracker.status().bursts == 0);
  CHECK(h.rounds_started == started);  // the interval (10 s) has not come yet
}

TEST_CASE("family_ok: each family's verdict as a round counts it; ipv6 = false is one pool") {
  struct Row {
    int targets, targets6, reliability;
    bool require4, require6, ipv6;
    int answered4, answered6;
    bool ok;
  };
  const Row rows[] = {
      // ipv6 = false: one pool of 3 targets (any family), reliability 2
      {3, 0, 2, true, false, false, 1, 1, true},
      {3, 0, 2, true, false, true, 1, 1, true},  // the IPv6 row shows the pool's verdict
      {3, 0, 2, true, false, false, 1, 0, false},
      // dual stack, 2 IPv4 + 1 IPv6 targets, reliability 2: IPv6 needs its one target
      {3, 1, 2, true, true, false, 2, 0, true},
      {3, 1, 2, true, true, false, 1, 1, false},
      {3, 1, 2, true, true, true, 0, 1, true},
      {3, 1, 2, true, true, true, 2, 0, false},
      // a required IPv6 family without targets fails
      {2, 0, 1, true, true, true, 2, 0, false},
  };
  for (const Row& r : rows) {
    TrackerPolicy p;
    p.targets = r.targets;
    p.targets_ipv6 = r.targets6;
    p.reliability = r.reliability;
    p.require_ipv4 = r.require4;
    p.require_ipv6 = r.require6;
    CAPTURE(r.targets6);
    CAPTURE(r.ipv6);
    CAPTURE(r.answered4);
    CAPTURE(r.answered6);
    CHECK(fb::core::family_ok(p, r.ipv6, r.answered4, r.answered6) == r.ok);
  }
}
