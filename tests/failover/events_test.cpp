// core_events: the real FailoverPolicy and UplinkTracker in virtual time,
// their reports turned into events the way NetworkService does.
#include <doctest/doctest.h>

#include <vector>

#include "fb/core/core_events.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::Event;
using fb::EventKind;
using namespace fb::core;

namespace {

struct PolicyHarness {
  PolicyHarness() : policy({{"wired", 10, false}, {"cellular", 20, true}}, PolicySettings{false, 30s, true}) {}
  void feed(const PolicyEvent& e) {
    PolicyStatus before = policy.status();
    for (const PolicyAction& a : policy.handle(e, time.now())) {
      if (auto* t = std::get_if<policy_action::ArmTimer>(&a)) {
        timer.arm(t->deadline, [this] { feed(policy_event::TimerFired{}); });
      } else if (auto* r = std::get_if<policy_action::Report>(&a)) {
        if (auto ev = switch_event(before, r->status, time.now())) events.push_back(*ev);
      }
    }
  }
  void set(std::size_t i, bool usable, const char* reason) { feed(policy_event::UplinkChanged{i, usable, reason}); }

  fb::test::LogCapture log;
  fb::VirtualTime time;
  fb::OneShot timer{time};
  FailoverPolicy policy;
  std::vector<Event> events;
};

}  // namespace

TEST_CASE("the first choice is a switch; a failing active uplink a failover; the return a failback") {
  PolicyHarness h;
  h.set(0, true, "PROBES_OK");
  REQUIRE(h.events.size() == 1);
  CHECK(h.events[0].kind == EventKind::route_switch);
  CHECK(h.events[0].from == "");
  CHECK(h.events[0].to == "wired");
  CHECK_FALSE(h.events[0].duration);
  CHECK(h.events[0].message == "default route via wired (PROBES_OK)");

  h.set(1, true, "PROBES_OK");  // a worse uplink up: the route stays
  CHECK(h.events.size() == 1);

  h.time.advance(90s);
  h.set(0, false, "CARRIER_LOST");
  REQUIRE(h.events.size() == 2);
  const Event& failover = h.events[1];
  CHECK(failover.kind == EventKind::failover);
  CHECK(failover.uplink == "cellular");
  CHECK(failover.from == "wired");
  CHECK(failover.to == "cellular");
  CHECK(failover.reason == "CARRIER_LOST");
  CHECK(failover.duration == fb::Duration(90s));  // how long wired carried the default
  CHECK(failover.message == "failover: default route wired -> cellular (CARRIER_LOST)");

  h.time.advance(10s);
  h.set(0, true, "PROBES_OK");  // back, but the hold (30 s) must pass first
  CHECK(h.events.size() == 2);
  h.time.advance(30s);
  REQUIRE(h.events.size() == 3);
  const Event& failback = h.events[2];
  CHECK(failback.kind == EventKind::failback);
  CHECK(failback.from == "cellular");
  CHECK(failback.to == "wired");
  CHECK(failback.reason == "FAILBACK");
  CHECK(failback.duration == fb::Duration(40s));
  CHECK(failback.message == "failback: default route cellular -> wired after 40.0 s on the backup");
}

TEST_CASE("an operator's override is a switch, not a failover") {
  PolicyHarness h;
  h.set(0, true, "PROBES_OK");
  h.set(1, true, "PROBES_OK");
  h.time.advance(5s);
  h.feed(policy_event::Override{std::size_t{1}});
  REQUIRE(h.events.size() == 2);
  CHECK(h.events[1].kind == EventKind::route_switch);
  CHECK(h.events[1].reason == "MANUAL");
  CHECK(h.events[1].from == "wired");
  CHECK(h.events[1].duration == fb::Duration(5s));
}

TEST_CASE("a tracker's changes: up, down with the reason and how long it was up; none for no change") {
  fb::test::LogCapture log;
  fb::VirtualTime time;
  UplinkTracker tracker("uplink[wired]", TrackerPolicy{});  // no targets: readiness alone
  std::vector<Event> events;
  auto feed = [&](const TrackerEvent& e) {
    TrackerStatus before = tracker.status();
    for (const TrackerAction& a : tracker.handle(e, time.now()))
      if (auto* r = std::get_if<tracker_action::Report>(&a))
        if (auto ev = uplink_event("wired", before, r->status, time.now())) events.push_back(*ev);
  };
  feed(tracker_event::Link{true});
  CHECK(events.empty());  // no address yet: still unknown
  feed(tracker_event::Address{true});
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::uplink_up);
  CHECK(events[0].from == "unknown");
  CHECK(events[0].to == "up");
  time.advance(12s);
  feed(tracker_event::Link{false});
  REQUIRE(events.size() == 2);
  CHECK(events[1].kind == EventKind::uplink_down);
  CHECK(events[1].uplink == "wired");
  CHECK(events[1].reason == "CARRIER_LOST");
  CHECK(events[1].duration == fb::Duration(12s));
  CHECK(events[1].message == "uplink wired is down (CARRIER_LOST), was up");

  TrackerStatus same = tracker.status();
  CHECK_FALSE(uplink_event("wired", same, same, time.now()));
  TrackerStatus degraded = same;
  degraded.state = fb::health::UplinkState::degraded;
  degraded.reason = "PROBES_FAILED";
  auto ev = uplink_event("wired", same, degraded, time.now());
  REQUIRE(ev);
  CHECK(ev->kind == EventKind::uplink_degraded);
}
