// core_events: the real FailoverPolicy and UplinkTracker in virtual time,
// their reports turned into events the way NetworkService does; the modem's,
// the ladder's and DDNS's reports mapped the same way.
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

TEST_CASE("modem: a state change and a new error code are events; the same code again is not") {
  fb::ModemStatus before;
  before.state = "registered";
  fb::ModemStatus after = before;
  CHECK(modem_events("cellular", before, after).empty());
  after.state = "online";
  auto events = modem_events("cellular", before, after);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::modem_state);
  CHECK(events[0].uplink == "cellular");
  CHECK(events[0].from == "registered");
  CHECK(events[0].to == "online");
  CHECK(events[0].message == "modem registered -> online");

  fb::ModemStatus failed = after;
  failed.state = "failed";
  failed.code = "AT_TIMEOUT";
  failed.detail = "no answer to AT+CREG?";
  events = modem_events("cellular", after, failed);
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == EventKind::modem_state);
  CHECK(events[0].reason == "AT_TIMEOUT");
  CHECK(events[1].kind == EventKind::modem_error);
  CHECK(events[1].reason == "AT_TIMEOUT");
  CHECK(events[1].message == "modem: AT_TIMEOUT: no answer to AT+CREG?");
  fb::ModemStatus again = failed;
  again.detail = "still no answer";
  CHECK(modem_events("cellular", failed, again).empty());
}

TEST_CASE("recovery: each rung taken is an event; the reboot rung is reboot_scheduled") {
  Event redial = rung_event("cellular", ladder_action::Do{Rung::redial, "LINK_DOWN", false});
  CHECK(redial.kind == EventKind::recovery_rung);
  CHECK(redial.to == "redial");
  CHECK(redial.reason == "LINK_DOWN");
  CHECK(redial.message == "recovery: redial: LINK_DOWN");
  Event reboot = rung_event("cellular", ladder_action::Do{Rung::reboot, "USB_GONE", true});
  CHECK(reboot.kind == EventKind::reboot_scheduled);
  CHECK(reboot.message == "rebooting the host (asked by the operator): USB_GONE");
}

TEST_CASE("ddns: a persisted address is published; a growing failure count is a failure") {
  Event published = ddns_published("cellular", "home.example.com", *fb::IpAddress::parse("203.0.113.7"));
  CHECK(published.kind == EventKind::ddns_published);
  CHECK(published.address == "203.0.113.7");
  CHECK(published.message == "home.example.com now points at 203.0.113.7");
  DdnsStatus before;
  DdnsStatus after;
  after.state = "backoff";
  after.code = "DDNS_HTTP_ERROR";
  after.detail = "502 from the server";
  CHECK_FALSE(ddns_failure("cellular", "home.example.com", before, before));
  after.failures = 1;
  auto failed = ddns_failure("cellular", "home.example.com", before, after);
  REQUIRE(failed);
  CHECK(failed->kind == EventKind::ddns_failed);
  CHECK(failed->reason == "DDNS_HTTP_ERROR");
  CHECK(failed->message == "DDNS update of home.example.com failed (1 in a row): 502 from the server");
}

TEST_CASE("tracker: the quality verdict turning bad and good again are events, with the measurement") {
  fb::test::LogCapture log;
  TrackerPolicy p;
  p.targets = 1;
  p.up_count = 1;
  p.probe_interval = 1s;
  p.quality.window = 2;
  p.quality.fail_latency = 1000ms;
  p.quality.recover_latency = 500ms;
  UplinkTracker tracker("uplink[wired]", p);
  fb::VirtualTime time;
  std::vector<Event> events;
  auto feed = [&](const TrackerEvent& e) {
    TrackerStatus before = tracker.status();
    for (const TrackerAction& a : tracker.handle(e, time.now()))
      if (auto* r = std::get_if<tracker_action::Report>(&a))
        if (auto ev = quality_event("wired", before, r->status, time.now())) events.push_back(*ev);
  };
  auto round = [&](std::chrono::microseconds rtt) {
    feed(tracker_event::RoundDone{1, {rtt}});
    time.advance(1s);
    feed(tracker_event::TimerFired{});
  };
  feed(tracker_event::Link{true});
  feed(tracker_event::Address{true});
  round(1500ms);
  CHECK(events.empty());  // the window is not full yet
  round(1500ms);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::quality_degraded);
  CHECK(events[0].uplink == "wired");
  CHECK(events[0].from == "good");
  CHECK(events[0].to == "bad");
  CHECK(events[0].reason == "HIGH_LATENCY");
  CHECK(events[0].message == "uplink wired link quality bad (HIGH_LATENCY): median RTT 1500 ms, loss 0% over 2 rounds");
  round(700ms);  // median 1100 ms: still bad
  round(700ms);  // 700 ms: between the thresholds, still bad
  CHECK(events.size() == 1);
  round(100ms);  // median of 700 and 100 ms: 400 ms, below 500
  REQUIRE(events.size() == 2);
  CHECK(events[1].kind == EventKind::quality_recovered);
  CHECK(events[1].reason == "QUALITY_OK");
  CHECK(events[1].duration == fb::Duration(3s));  // bad from the second round to the fifth
  round(100ms);
  CHECK(events.size() == 2);
  CHECK(fb::event_level(EventKind::quality_degraded) == fb::Level::warning);
  CHECK(fb::event_name(EventKind::quality_recovered) == "quality_recovered");
}
