// BudgetMeter and ProbeCost in virtual time: literal tables of samples
// (the interface's counters, the cycle the adapter computed) and what the
// meter says after each.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "fb/core/budget_meter.hpp"

using namespace std::chrono_literals;
using fb::EventKind;
using fb::core::BudgetLimitAction;
using fb::core::BudgetMeter;
using fb::core::BudgetPolicy;
using fb::core::BudgetRecord;
using fb::core::BudgetSample;
using fb::core::BudgetState;
using fb::core::CivilDate;
using fb::core::InterfaceBytes;

namespace {

constexpr std::int64_t kDec1 = 1'764'547'200;  // cycle bounds as the adapter would give them
constexpr std::int64_t kJan1 = 1'767'225'600;
constexpr std::int64_t kFeb1 = 1'769'904'000;

const fb::TimePoint t0{};

BudgetPolicy policy(std::uint64_t limit, BudgetLimitAction action = BudgetLimitAction::allow_list) {
  return {limit, 1, 50, action};
}

struct Row {
  int second;  // since t0
  std::optional<InterfaceBytes> counters;
  std::uint64_t used;             // expected after the sample
  BudgetState state;              // expected
  std::vector<EventKind> events;  // expected, in order
  bool save;                      // expected
  std::int64_t cycle_start = kDec1;
};

void play(BudgetMeter& meter, const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    CAPTURE(r.second);
    BudgetSample s{t0 + std::chrono::seconds(r.second), r.cycle_start, r.cycle_start == kDec1 ? kJan1 : kFeb1,
                   r.counters};
    auto u = meter.update(s);
    CHECK(meter.status().used == r.used);
    CHECK(meter.status().state == r.state);
    std::vector<EventKind> kinds;
    for (const auto& e : u.events) kinds.push_back(e.kind);
    CHECK(kinds == r.events);
    CHECK(u.save == r.save);
    if (u.save) meter.saved(s.now);
  }
}

InterfaceBytes ppp0(std::uint64_t rx, std::uint64_t tx) {
  return {"ppp0", rx, tx};
}

}  // namespace

TEST_CASE("a fresh meter counts from its first counters; crossings are published once, both in one sample") {
  BudgetMeter m("cell", policy(1000), std::nullopt);
  play(m, {
              {0, ppp0(5000, 7000), 0, BudgetState::ok, {}, true},     // baseline: earlier traffic unknown
              {1, ppp0(5100, 7100), 200, BudgetState::ok, {}, false},  // growing: saved at most every 60 s
              {2, ppp0(5300, 7100), 400, BudgetState::ok, {}, false},
              {3, ppp0(5400, 7100), 500, BudgetState::warn, {EventKind::budget_warning}, true},
              {4, ppp0(5450, 7100), 550, BudgetState::warn, {}, false},   // no second warning
              {61, ppp0(5460, 7100), 560, BudgetState::warn, {}, false},  // 58 s after the last save
              {63, ppp0(5470, 7100), 570, BudgetState::warn, {}, true},   // 60 s: saved while bytes grow
              {64, ppp0(5470, 7100), 570, BudgetState::warn, {}, false},  // nothing new: no save
              {70, ppp0(6000, 7100), 1100, BudgetState::exhausted, {EventKind::budget_exhausted}, true},
          });
  CHECK(m.limited());
}

TEST_CASE("one sample past both thresholds publishes the warning, then the exhaustion") {
  BudgetMeter m("cell", policy(1000), std::nullopt);
  play(m, {
              {0, ppp0(0, 0), 0, BudgetState::ok, {}, true},
              {1,
               ppp0(900, 300),
               1200,
               BudgetState::exhausted,
               {EventKind::budget_warning, EventKind::budget_exhausted},
               true},
          });
}

TEST_CASE("counter restarts: a lower counter, another interface, a vanished one — counted from zero, not twice") {
  BudgetMeter m("cell", policy(100'000), std::nullopt);
  play(m, {
              {0, ppp0(1000, 1000), 0, BudgetState::ok, {}, true},
              {1, ppp0(1500, 1200), 700, BudgetState::ok, {}, false},
              {2, ppp0(100, 50), 850, BudgetState::ok, {}, false},  // modem reconnect: ppp0 anew
              {3, std::nullopt, 850, BudgetState::ok, {}, false},   // gone
              {4, std::nullopt, 850, BudgetState::ok, {}, false},
              // back with counters above the old ones: still a new interface, all of it counts
              {5, ppp0(2000, 2000), 4850, BudgetState::ok, {}, false},
              {6, InterfaceBytes{"ppp1", 10, 20}, 4880, BudgetState::ok, {}, false},
              {7, InterfaceBytes{"ppp1", 15, 20}, 4885, BudgetState::ok, {}, false},
          });
  CHECK(m.record().interface == "ppp1");
  CHECK(m.record().last_rx == 15);
}

TEST_CASE("a record carries the count across a restart; one already past its crossings publishes nothing") {
  BudgetRecord r{kDec1, 1200, 4000, 3000, "ppp0", BudgetState::exhausted};
  BudgetMeter m("cell", policy(1000), r);
  CHECK(m.limited());  // before any sample: the action is applied from the start
  play(m, {
              {0, ppp0(4100, 3000), 1300, BudgetState::exhausted, {}, true},  // grew while down: counted
              {1, ppp0(4200, 3000), 1400, BudgetState::exhausted, {}, false},
          });
}

TEST_CASE("a record below its counters now (the interface restarted while the daemon was down) counts them all") {
  BudgetRecord r{kDec1, 100, 4000, 3000, "ppp0", BudgetState::ok};
  BudgetMeter m("cell", policy(1000), r);
  play(m, {{0, ppp0(30, 20), 150, BudgetState::ok, {}, true}});
}

TEST_CASE("after a restart, an uplink not bound yet keeps the record's counters: its interface is not counted twice") {
  // interface = auto: the network starts before the modem finds wwan0, whose
  // counters went on through the restart.
  BudgetRecord r{kDec1, 500, 4000, 3000, "wwan0", BudgetState::ok};
  BudgetMeter m("cell", policy(100000), r);
  BudgetSample unbound{t0, kDec1, kJan1, std::nullopt};
  unbound.unbound = true;
  m.update(unbound);
  CHECK(m.status().used == 500);
  CHECK(m.record().last_rx == 4000);
  CHECK(m.record().interface == "wwan0");
  m.update(BudgetSample{t0 + std::chrono::seconds(1), kDec1, kJan1, InterfaceBytes{"wwan0", 4100, 3050}});
  CHECK(m.status().used == 650);  // only what came since: 100 + 50, not 7150
}

TEST_CASE("a cycle start moved by hours (time zone, a set clock) is the same cycle; none is kept from before 1970") {
  BudgetRecord r{kDec1, 700, 10, 10, "ppp0", BudgetState::ok};
  BudgetMeter m("cell", policy(100000), r);
  play(m, {
              {0, ppp0(20, 10), 710, BudgetState::ok, {}, true, kDec1 + 5 * 3600},  // moved west: not a new cycle
              {1, ppp0(30, 10), 720, BudgetState::ok, {}, false, kDec1 + 5 * 3600},
          });
  CHECK(m.record().cycle_start == kDec1);
  BudgetMeter fresh("cell", policy(1000), std::nullopt);
  fresh.update(BudgetSample{t0, -3600, 86400, ppp0(1, 1)});  // a clock at 1970 in a zone east of UTC
  CHECK(fresh.record().cycle_start == 0);
  fresh.update(BudgetSample{t0 + std::chrono::seconds(1), kDec1, kJan1, ppp0(2, 2)});
  CHECK(fresh.record().cycle_start == kDec1);
}

TEST_CASE("a new cycle starts from zero with budget_reset; a clock behind the record's cycle never resets") {
  BudgetRecord r{kDec1, 1200, 10, 10, "ppp0", BudgetState::exhausted};
  BudgetMeter m("cell", policy(1000), r);
  play(m, {
              {0, ppp0(20, 10), 1210, BudgetState::exhausted, {}, true},
              // NTP not there yet: the adapter computes an older cycle; nothing is reset
              {1, ppp0(30, 10), 1220, BudgetState::exhausted, {}, false, kDec1 - 86400 * 30},
              {2, ppp0(40, 10), 10, BudgetState::ok, {EventKind::budget_reset}, true, kJan1},
              {3, ppp0(540, 10), 510, BudgetState::warn, {EventKind::budget_warning}, true, kJan1},
          });
  CHECK(m.record().cycle_start == kJan1);
  CHECK_FALSE(m.limited());
}

TEST_CASE("a broken record: unknown, the limit action applied, never saved over; warn only tells") {
  BudgetMeter stop("cell", policy(1000, BudgetLimitAction::stop), std::nullopt,
                   "/var/lib/failberry/budget.json: not JSON");
  CHECK(stop.limited());
  play(stop, {
                 {0, ppp0(10, 10), 0, BudgetState::unknown, {}, false},
                 {100, ppp0(5000, 10), 4990, BudgetState::unknown, {}, false},  // counted in memory, no event
             });
  CHECK(stop.status().record_problem == "/var/lib/failberry/budget.json: not JSON");

  BudgetMeter warn("cell", policy(1000, BudgetLimitAction::warn), std::nullopt, "budget.json: bad");
  CHECK_FALSE(warn.limited());
  BudgetMeter used_up("cell", policy(1000, BudgetLimitAction::warn),
                      BudgetRecord{kDec1, 2000, 0, 0, "ppp0", BudgetState::exhausted});
  CHECK_FALSE(used_up.limited());
  CHECK(used_up.status().state == BudgetState::exhausted);
}

TEST_CASE("the limit changing is reported once, so the table is applied again only then") {
  BudgetMeter m("cell", policy(1000, BudgetLimitAction::stop), std::nullopt);
  std::vector<bool> changes;
  for (std::uint64_t rx : {0, 400, 999, 1000, 1500})
    changes.push_back(m.update({t0, kDec1, kJan1, ppp0(rx, 0)}).limit_changed);
  CHECK(changes == std::vector<bool>{false, false, false, true, false});
}

TEST_CASE("cycle dates: the day has come or not, across the year's end") {
  struct Case {
    CivilDate today;
    int day;
    CivilDate start, end;
  };
  for (const Case& c : std::vector<Case>{
           {{2026, 12, 6}, 1, {2026, 12, 1}, {2027, 1, 1}},
           {{2026, 12, 6}, 6, {2026, 12, 6}, {2027, 1, 6}},
           {{2026, 12, 6}, 7, {2026, 11, 7}, {2026, 12, 7}},
           {{2027, 1, 3}, 15, {2026, 12, 15}, {2027, 1, 15}},
           {{2027, 2, 28}, 28, {2027, 2, 28}, {2027, 3, 28}},
           {{2027, 3, 1}, 28, {2027, 2, 28}, {2027, 3, 28}},
       }) {
    CAPTURE(c.today.month);
    CAPTURE(c.day);
    auto got = fb::core::budget_cycle(c.today, c.day);
    CHECK(got.start == c.start);
    CHECK(got.end == c.end);
  }
}

TEST_CASE("the record file: round trip, and every doubt is an error in words") {
  fb::core::BudgetRecords records{{"cell", {kDec1, 123, 4, 5, "ppp0", BudgetState::warn}}};
  std::string why;
  auto back = fb::core::parse_budget_record(fb::core::budget_record_json(records), why);
  REQUIRE(back);
  CHECK(*back == records);
  struct Bad {
    const char* text;
    const char* why;
  };
  for (const Bad& b : std::vector<Bad>{
           {"", "not JSON"},
           {"[]", "not JSON"},
           {R"({"version": 2, "uplinks": {}})", "no \"version\": 1"},
           {R"({"version": 1})", "no \"uplinks\" object"},
           {R"({"version": 1, "uplinks": {"cell": {"cycle_start": 1, "used_bytes": -5, "last_rx": 0, "last_tx": 0,
               "interface": "ppp0", "notified": "ok"}}})",
            "uplink \"cell\": \"used_bytes\" is missing or not a whole number >= 0"},
           {R"({"version": 1, "uplinks": {"cell": {"cycle_start": 1, "used_bytes": 5, "last_rx": 0, "last_tx": 0,
               "interface": "ppp0", "notified": "unknown"}}})",
            "uplink \"cell\": \"notified\" is missing or not ok, warn or exhausted"},
           {R"({"version": 1, "uplinks": {"cell": {"used_bytes": 5, "last_rx": 0, "last_tx": 0,
               "interface": "ppp0", "notified": "ok"}}})",
            "uplink \"cell\": \"cycle_start\" is missing or not a time (unix seconds)"},
       }) {
    CAPTURE(b.text);
    why.clear();
    CHECK_FALSE(fb::core::parse_budget_record(b.text, why));
    CHECK(why.find(b.why) == 0);
  }
}

TEST_CASE("probe cost: bytes per minute over the last window, none before a minute") {
  fb::core::ProbeCost cost(5min);
  cost.sample(t0, 0);
  cost.sample(t0 + 30s, 500);
  CHECK_FALSE(cost.bytes_per_minute());
  cost.sample(t0 + 60s, 1000);
  REQUIRE(cost.bytes_per_minute());
  CHECK(*cost.bytes_per_minute() == doctest::Approx(1000));
  // Ten minutes at 100 B/min after it: the first minute's 1000 B are out of the window.
  for (int m = 2; m <= 11; ++m) cost.sample(t0 + std::chrono::minutes(m), 1000 + 100 * static_cast<unsigned>(m - 1));
  CHECK(*cost.bytes_per_minute() == doctest::Approx(100));
}
