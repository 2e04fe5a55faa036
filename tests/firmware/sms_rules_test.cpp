// SmsRules (firmware/cores/sms_rules.cpp) in virtual time: each table row is
// a second on the clock and what happens then (an event, the modem's state,
// the outcome of the send in flight); the harness then asks next() and the
// row says which text, if any, must go out at that moment.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fb/core/sms_rules.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::Event;
using fb::EventKind;
using fb::core::ModemMachine;
using fb::core::SmsRules;
using fb::core::SmsSettings;
using State = ModemMachine::State;

namespace {

// 2026-12-06 14:02:00 UTC: the table's second 0 on the wall clock.
constexpr std::int64_t kWallStart = 1'796'565'720;

struct Row {
  int at;            // seconds since the start
  std::string what;  // failover | failback | uplink_up | modem STATE | held | sent | failed | tick
  std::string sent;  // "NUMBER: TEXT" that next() hands out now, "" for none
};

struct Harness {
  explicit Harness(SmsSettings s) : rules(std::move(s)) {}
  fb::TimePoint now() const { return start + std::chrono::seconds(at); }
  Event event(EventKind kind) const {
    Event e;
    e.kind = kind;
    e.time = std::chrono::system_clock::time_point(std::chrono::seconds(kWallStart + at));
    e.from = kind == EventKind::failover ? "wired" : "cellular";
    e.to = kind == EventKind::failover ? "cellular" : "wired";
    e.uplink = kind == EventKind::uplink_up ? "cellular" : e.to;
    e.reason = "CARRIER_LOST";
    return e;
  }
  void run(const std::vector<Row>& rows) {
    for (const Row& row : rows) {
      CAPTURE(row.at);
      CAPTURE(row.what);
      REQUIRE(row.at >= at);
      at = row.at;
      if (row.what == "failover")
        rules.event(event(EventKind::failover));
      else if (row.what == "failback")
        rules.event(event(EventKind::failback));
      else if (row.what == "uplink_up")
        rules.event(event(EventKind::uplink_up));
      else if (row.what == "sent")
        rules.sent(now());
      else if (row.what == "failed")
        rules.failed("AT_CMS_ERROR: +CMS ERROR: 500 (unknown error)", now());
      else if (row.what == "held")
        rules.modem(State::online, true);
      else if (row.what.rfind("modem ", 0) == 0)
        rules.modem(state(row.what.substr(6)), false);
      else
        REQUIRE(row.what == "tick");
      auto send = rules.next(now());
      CHECK((send ? send->number + ": " + send->text : std::string()) == row.sent);
    }
  }
  static State state(const std::string& name) {
    for (State s : {State::absent, State::probing, State::searching, State::registered, State::dialing, State::online,
                    State::resetting, State::recovering})
      if (name == to_string(s)) return s;
    FAIL("unknown state " << name);
    return State::absent;
  }
  SmsRules rules;
  fb::TimePoint start{std::chrono::hours(1000)};
  int at = 0;
};

SmsSettings settings(std::vector<std::string> to = {"+15550100"}) {
  SmsSettings s;
  s.to = std::move(to);
  s.events = {EventKind::failover, EventKind::failback};
  s.min_interval = 30s;
  s.daily_limit = 10;
  s.host = "pi";
  return s;
}

}  // namespace

TEST_CASE("the first text goes at once; a failback within the interval is coalesced, not lost") {
  Harness h(settings());
  h.run({
      {0, "modem online", ""},
      {0, "failover", "+15550100: failberry pi (UTC): wired down 14:02, now cellular"},
      {0, "tick", ""},  // in flight: one at a time
      {4, "sent", ""},
      {5, "failback", ""},  // 5 s after the first text: waits out the interval
      {29, "tick", ""},     // still inside it
      {30, "tick", "+15550100: failberry pi (UTC): wired back 14:02"},
      {33, "sent", ""},
      {40, "failover", ""},  // the next interval runs from 30
      {50, "failback", ""},
      {60, "tick", "+15550100: failberry pi (UTC): wired down 14:02, now cellular; wired back 14:02"},
      {62, "sent", ""},
  });
  CHECK(h.rules.report(h.now()).sent == 3);
  CHECK(h.rules.report(h.now()).queued == 0);
  CHECK(h.rules.report(h.now()).waiting_reason.empty());
}

TEST_CASE("kinds not chosen send nothing; wall minutes follow the events") {
  Harness h(settings());
  h.run({
      {0, "modem registered", ""},
      {0, "uplink_up", ""},
      {125, "failover", "+15550100: failberry pi (UTC): wired down 14:04, now cellular"},
  });
  CHECK_FALSE(h.rules.event(h.event(EventKind::uplink_up)));
}

TEST_CASE("never while the modem dials, resets or recovers, nor while pppd holds the only AT port") {
  Harness h(settings());
  h.run({
      {0, "modem dialing", ""},
      {0, "failover", ""},
      {1, "modem resetting", ""},
      {2, "modem recovering", ""},
      {3, "modem searching", ""},
      {4, "held", ""},  // online, but the single port carries PPP
      {9, "modem online", "+15550100: failberry pi (UTC): wired down 14:02, now cellular"},
  });
  fb::core::SmsReport r = h.rules.report(h.now());
  CHECK(r.queued == 0);

  Harness held(settings());
  held.run({{0, "held", ""}, {0, "failover", ""}});
  r = held.rules.report(held.now());
  CHECK(r.queued == 1);
  CHECK(r.waiting_reason.rfind("AT_PORT_HELD: pppd holds the stick's only AT port", 0) == 0);
  held.run({{1, "modem dialing", ""}});
  CHECK(held.rules.report(held.now()).waiting_reason ==
        "MODEM_BUSY: the modem is dialing; the text goes when it is done");
}

TEST_CASE("a failed text is tried again at the next interval with what came since") {
  Harness h(settings());
  h.run({
      {0, "modem online", ""},
      {0, "failover", "+15550100: failberry pi (UTC): wired down 14:02, now cellular"},
      {20, "failed", ""},  // not before the interval that began with the attempt
      {21, "failback", ""},
      {29, "tick", ""},
      {30, "tick", "+15550100: failberry pi (UTC): wired down 14:02, now cellular; wired back 14:02"},
      {91, "sent", ""},  // CMGS may take a minute on a real network
  });
  fb::core::SmsReport r = h.rules.report(h.now());
  CHECK(r.failed == 1);
  CHECK(r.sent == 1);
  CHECK(r.last_error == "+******00: AT_CMS_ERROR: +CMS ERROR: 500 (unknown error)");
}

TEST_CASE("the rate limit says so in the report, and wake_at() is when the interval ends") {
  Harness h(settings());
  h.run({{0, "modem online", ""},
         {0, "failover", "+15550100: failberry pi (UTC): wired down 14:02, now cellular"},
         {1, "sent", ""},
         {10, "failback", ""}});
  fb::core::SmsReport r = h.rules.report(h.now());
  CHECK(r.queued == 1);
  CHECK(r.waiting_reason == "RATE_LIMIT: sms_min_interval; the next text in 20 s");
  CHECK(h.rules.wake_at(h.now()) == h.start + 30s);
  CHECK(r.to == std::vector<std::string>{"+******00"});
}

TEST_CASE("the daily limit drops a text, logged and counted; 24 hours later texts go again") {
  fb::test::LogCapture log;
  SmsSettings s = settings();
  s.daily_limit = 2;
  Harness h(s);
  h.run({
      {0, "modem online", ""},
      {0, "failover", "+15550100: failberry pi (UTC): wired down 14:02, now cellular"},
      {1, "sent", ""},
      {10, "failback", ""},
      {30, "tick", "+15550100: failberry pi (UTC): wired back 14:02"},
      {31, "sent", ""},
      {40, "failover", ""},
      {60, "tick", ""},  // the third in 24 hours: dropped
      {61, "tick", ""},
      {86400, "failback", "+15550100: failberry pi (UTC): wired back 14:02"},
  });
  fb::core::SmsReport r = h.rules.report(h.now());
  CHECK(r.dropped_daily_limit == 1);
  CHECK(r.sent == 2);
  CHECK(log.said("text to +******00 dropped: sms_daily_limit (2 in 24 hours) reached"));
}

TEST_CASE("two numbers: a text each, one at a time, each with its own interval") {
  Harness h(settings({"+15550100", "+447700900123"}));
  h.run({
      {0, "modem online", ""},
      {0, "failover", "+15550100: failberry pi (UTC): wired down 14:02, now cellular"},
      {2, "sent", "+447700900123: failberry pi (UTC): wired down 14:02, now cellular"},
      {5, "sent", ""},
      {6, "failback", ""},
      {30, "tick", "+15550100: failberry pi (UTC): wired back 14:02"},
      {31, "sent", ""},  // the second number's interval runs from 2 s
      {32, "tick", "+447700900123: failberry pi (UTC): wired back 14:02"},
  });
}

TEST_CASE("the text: GSM-safe characters, cleaned names, at most 160 characters, oldest and newest kept") {
  using fb::core::sms_safe;
  using fb::core::sms_text;
  CHECK(sms_safe("wired_1 [lab] {x} $5 @home ~^|\\`") == "wired-1 ?lab? ?x? ?5 ?home ?????");
  CHECK(sms_safe("ok: a-z A-Z 0-9 !\"#%&'()*+,-./:;<=>?") == "ok: a-z A-Z 0-9 !\"#%&'()*+,-./:;<=>?");
  Event e;
  e.kind = EventKind::failover;
  e.from = "wired\nX-Injected: 1";
  e.to = "caf\xc3\xa9";
  CHECK(fb::core::sms_fragment(e) == "wired X-Injected: 1 down, now caf?");
  e.kind = EventKind::ddns_failed;
  e.uplink = "cellular";
  e.reason = "DDNS_AUTH_FAILED";
  CHECK(fb::core::sms_fragment(e) == "ddns-failed cellular DDNS-AUTH-FAILED");

  std::vector<std::string> many;
  for (int i = 0; i < 12; ++i) many.push_back("wired down 14:" + std::to_string(10 + i) + ", now cellular");
  std::string text = sms_text("pi", many, 0);
  CHECK(text.size() <= 160);
  CHECK(text.rfind("failberry pi (UTC): wired down 14:10, now cellular; (+", 0) == 0);
  CHECK(text.find("more); ") != std::string::npos);
  CHECK(text.size() > 140);  // as many of the newest as fit
  CHECK(text.substr(text.size() - 30) == "wired down 14:21, now cellular");
  CHECK(sms_text(std::string(300, 'h'), {"x"}) ==
        "failberry hhhhhhhhhhhhhhhhhhhhhhhh... (UTC): x");  // cut, and so marked
  CHECK(sms_text("pi", {std::string(300, 'x')}).size() == 160);
  CHECK(fb::core::mask_phone("+447700900123") == "+**********23");
}
