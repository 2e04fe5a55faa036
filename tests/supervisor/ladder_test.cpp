// RecoveryLadder in virtual time: a harness plays the adapter (carries out
// the actions, keeps the one timer on VirtualTime, answers every attempt with
// a failure unless a test says otherwise) and records what was done when.
#include <doctest/doctest.h>

#include <algorithm>

#include "fb/core/recovery_ladder.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::Duration;
using fb::core::LadderPolicy;
using fb::core::RebootRecord;
using fb::core::RecoveryLadder;
using fb::core::Rung;
namespace ev = fb::core::ladder_event;
namespace act = fb::core::ladder_action;
using State = RecoveryLadder::State;

namespace {

constexpr std::int64_t kBoot = 1'800'000'000;  // wall clock at the harness's time zero

struct Attempt {
  Rung rung;
  Duration at;  // since the harness started
  bool by_operator;
};

struct Harness {
  explicit Harness(LadderPolicy policy = {}, RebootRecord record = {}, std::string boot_id = {},
                   std::int64_t wall_at_zero = kBoot, std::string record_problem = {})
      : wall_zero(wall_at_zero), ladder("ladder[modem]", policy) {
    feed(ev::Start{std::move(record), std::move(boot_id), std::move(record_problem)});
  }
  std::int64_t wall() const {
    return wall_zero + std::chrono::duration_cast<std::chrono::seconds>(time.now() - fb::TimePoint{}).count();
  }
  Duration since_start() const { return std::chrono::duration_cast<Duration>(time.now() - fb::TimePoint{}); }

  void feed(const fb::core::LadderEvent& e) {
    for (const auto& a : ladder.handle(e, time.now())) apply(a);
    while (!queued.empty()) {  // the adapter's answers, after the batch that asked
      fb::core::LadderEvent next = queued.front();
      queued.erase(queued.begin());
      feed(next);
    }
  }
  void apply(const fb::core::LadderAction& a) {
    if (auto* d = std::get_if<act::Do>(&a)) {
      REQUIRE_MESSAGE(persist_pending_or_not_reboot(d->rung), "a reboot without its record on disk");
      attempts.push_back({d->rung, since_start(), d->by_operator});
      if (auto_fail) pending_failure = true;
    } else if (auto* p = std::get_if<act::PersistReboots>(&a)) {
      if (record_error.empty()) persisted.push_back(p->record);
      if (!hold_record) queued.push_back(ev::Recorded{record_error, wall()});
    } else if (auto* t = std::get_if<act::ArmTimer>(&a)) {
      timer.arm(t->deadline, [this] {
        feed(ev::TimerFired{wall()});
        answer();
      });
    } else if (std::holds_alternative<act::CancelTimer>(a)) {
      timer.cancel();
    } else if (auto* r = std::get_if<act::Report>(&a)) {
      reports.push_back(r->status);
    }
  }
  bool persist_pending_or_not_reboot(Rung r) const { return r != Rung::reboot || persisted.size() > reboots_seen(); }
  std::size_t reboots_seen() const {
    std::size_t n = 0;
    for (const auto& a : attempts) n += a.rung == Rung::reboot;
    return n;
  }
  // The attempt just made fails at once (the modem is still broken).
  void answer() {
    if (!pending_failure) return;
    pending_failure = false;
    feed(ev::Failure{"AT_TIMEOUT", "AT+CSQ (5000 ms)", wall()});
  }
  void fail() { feed(ev::Failure{"AT_TIMEOUT", "AT+CSQ (5000 ms)", wall()}); }
  std::vector<Rung> rungs() const {
    std::vector<Rung> out;
    for (const auto& a : attempts) out.push_back(a.rung);
    return out;
  }
  bool log_has(const std::string& needle) const { return log.said(needle); }

  fb::test::LogCapture log{fb::Level::debug};
  fb::VirtualTime time;
  fb::OneShot timer{time};
  std::int64_t wall_zero = kBoot;  // the wall clock at time zero (small: a Pi whose clock is not set)
  RecoveryLadder ladder;
  bool auto_fail = true;
  std::string record_error;  // what writing the reboot record answers ("" = on disk)
  bool hold_record = false;  // keep the answer back (a test feeds it later)
  std::vector<fb::core::LadderEvent> queued;
  bool pending_failure = false;
  std::vector<Attempt> attempts;
  std::vector<RebootRecord> persisted;
  std::vector<fb::core::LadderStatus> reports;
};

LadderPolicy policy_332() {
  LadderPolicy p;
  p.redial_attempts = 3;
  p.reset_attempts = 2;
  p.power_cycle_attempts = 2;
  p.backoff_initial = 5s;
  p.backoff_max = 10min;
  p.stable_after = 10min;
  return p;
}

}  // namespace

TEST_CASE("each rung is reached only after the one below has spent its budget") {
  Harness h(policy_332());
  h.fail();
  h.time.advance(2h);
  std::vector<Rung> expect = {Rung::redial,      Rung::redial,      Rung::redial,     Rung::reset_modem,
                              Rung::reset_modem, Rung::power_cycle, Rung::power_cycle};
  // After the budgets, reboot is not allowed: it starts over from the bottom every backoff_max.
  REQUIRE(h.attempts.size() >= expect.size());
  auto rungs = h.rungs();
  CHECK(std::vector<Rung>(rungs.begin(), rungs.begin() + 7) == expect);
  for (const auto& a : h.attempts) CHECK(a.rung != Rung::reboot);
  CHECK(h.log_has("and reboot_allowed = false; starting over from the bottom in 600s"));
  CHECK(h.ladder.undefined_transitions() == 0);
}

TEST_CASE("the backoff doubles per attempt on a rung, starts again on the next rung, and is capped") {
  LadderPolicy p = policy_332();
  p.redial_attempts = 5;
  p.backoff_initial = 1min;
  p.backoff_max = 5min;
  Harness h(p);
  h.fail();
  h.time.advance(1h);
  REQUIRE(h.attempts.size() >= 9);
  std::vector<Duration> gaps;
  Duration last{0};
  for (std::size_t i = 0; i < 9; ++i) {
    gaps.push_back(h.attempts[i].at - last);
    last = h.attempts[i].at;
  }
  // redial: 1, 2, 4, 5 (capped), 5 min; reset: 1, 2; power cycle: 1, 2.
  CHECK(gaps == std::vector<Duration>{1min, 2min, 4min, 5min, 5min, 1min, 2min, 1min, 2min});
}

TEST_CASE("after stable_after of health every budget is full again; a failure before that keeps climbing") {
  Harness h(policy_332());
  h.auto_fail = false;
  h.fail();
  h.time.advance(5s);
  h.fail();  // first redial did not help
  h.time.advance(10s);
  REQUIRE(h.attempts.size() == 2);
  h.feed(ev::Recovered{});
  CHECK(h.ladder.state() == State::watching);
  h.time.advance(9min);  // not yet stable
  h.fail();
  h.time.advance(20s);
  REQUIRE(h.attempts.size() == 3);
  CHECK(h.attempts[2].rung == Rung::redial);  // the third and last redial
  CHECK(h.ladder.status().used[0] == 3);
  h.feed(ev::Recovered{});
  h.time.advance(10min);
  CHECK(h.ladder.state() == State::idle);
  CHECK(h.ladder.status().used == std::array<unsigned, 4>{0, 0, 0, 0});
  CHECK(h.ladder.status().ladder_resets == 1);
  CHECK(h.log_has("healthy for 600s: every rung's budget is full again"));
  auto before = h.since_start();
  h.fail();
  h.time.advance(1min);
  REQUIRE(h.attempts.size() == 4);
  CHECK(h.attempts[3].rung == Rung::redial);
  CHECK(h.attempts[3].at - before == 5s);  // the backoff starts from the beginning too
  CHECK(h.ladder.status().total[0] == 4);
}

TEST_CASE("reboot is never requested when not allowed") {
  LadderPolicy p = policy_332();
  p.reboot_allowed = false;
  Harness h(p);
  h.fail();
  h.time.advance(48h);
  CHECK(h.reboots_seen() == 0);
  CHECK(h.persisted.empty());
  CHECK(h.attempts.size() > 7);  // it kept trying the lower rungs, spaced by backoff_max
  CHECK(h.attempts.size() < 48 * 6 * 8);
}

TEST_CASE("reboot when allowed: persisted before it is requested, at most reboot_max_per_day in 24 h") {
  LadderPolicy p = policy_332();
  p.reboot_allowed = true;
  p.reboot_max_per_day = 2;
  Harness h(p);
  h.fail();
  h.time.advance(30h);
  // The ladder rebooted (this harness's system never goes down), climbed again, ...
  REQUIRE(h.persisted.size() >= 2);
  CHECK(h.persisted[0].last_reason == "AT_TIMEOUT: AT+CSQ (5000 ms)");
  CHECK(h.persisted[0].reboots.size() == 1);
  // ... and never more than two reboots in any 24 h window.
  std::vector<Duration> reboot_at;
  for (const auto& a : h.attempts)
    if (a.rung == Rung::reboot) reboot_at.push_back(a.at);
  for (std::size_t i = 2; i < reboot_at.size(); ++i) CHECK(reboot_at[i] - reboot_at[i - 2] >= 24h);
  CHECK(h.log_has("reboot not requested: 2 reboot(s) in the last 24 h, reboot_max_per_day = 2"));
}

TEST_CASE("a reboot record that cannot be written: no reboot, REBOOT_NOT_RECORDED, the climb goes on") {
  LadderPolicy p = policy_332();
  p.reboot_allowed = true;
  Harness h(p);
  h.record_error = "state/reboots.json.tmp: Is a directory";
  h.fail();
  h.time.advance(30h);
  CHECK(h.reboots_seen() == 0);  // never, however long it climbs
  CHECK(h.log_has("not rebooting: the reboot could not be recorded first (state/reboots.json.tmp: Is a directory)"));
  CHECK(std::any_of(h.reports.begin(), h.reports.end(),
                    [](const fb::core::LadderStatus& r) { return r.last_failure == "REBOOT_NOT_RECORDED"; }));
  CHECK(h.attempts.size() > 8);  // the lower rungs still run, spaced by backoff_max
  CHECK(h.ladder.undefined_transitions() == 0);
  // Once the state dir is writable again, the next climb may reboot.
  h.record_error.clear();
  h.time.advance(30h);
  CHECK(h.reboots_seen() >= 1);
}

TEST_CASE("the record is written but the climb moved on first: the reboot it was for does not happen") {
  LadderPolicy p = policy_332();
  p.reboot_allowed = true;
  Harness h(p);
  h.hold_record = true;
  h.fail();
  for (int i = 0; i < 200 && h.persisted.empty(); ++i) h.time.advance(1min);
  REQUIRE(h.persisted.size() == 1);  // PersistReboots went out; its answer is held back
  CHECK(h.ladder.state() == State::acting);
  h.feed(ev::Stop{"SIM_PUK_REQUIRED", "the SIM is PUK-locked"});
  h.feed(ev::Recorded{"", h.wall()});
  CHECK(h.reboots_seen() == 0);
  CHECK(h.log_has("the reboot is no longer wanted: not rebooting"));
  CHECK(h.ladder.state() == State::stopped);
  CHECK(h.ladder.undefined_transitions() == 0);
}

TEST_CASE("the reboot record from before a reboot is reported and still counts against the daily limit") {
  LadderPolicy p = policy_332();
  p.reboot_allowed = true;
  p.reboot_max_per_day = 1;
  RebootRecord record;
  record.reboots = {{kBoot - 3600, "", -1}};  // failberryd rebooted the Pi an hour ago (an older record: no boot id)
  record.last_reason = "AT_TIMEOUT: AT+CSQ (5000 ms)";
  Harness h(p, record);
  CHECK(h.ladder.status().last_reboot_reason == "AT_TIMEOUT: AT+CSQ (5000 ms)");
  REQUIRE(h.ladder.status().last_reboot_unix);
  CHECK(*h.ladder.status().last_reboot_unix == kBoot - 3600);
  CHECK(h.log_has("was failberryd's: AT_TIMEOUT"));
  h.fail();
  h.time.advance(12h);
  CHECK(h.reboots_seen() == 0);  // the limit holds across the reboot
  h.time.advance(13h);           // the old reboot is now older than a day
  CHECK(h.reboots_seen() == 1);
  REQUIRE_FALSE(h.persisted.empty());
  CHECK(h.persisted[0].reboots.size() == 1);  // the old entry pruned, the new one kept
}

TEST_CASE("a Pi without a set clock: an earlier boot's reboot counts until this boot has been up a day") {
  LadderPolicy p = policy_332();
  p.reboot_allowed = true;
  p.reboot_max_per_day = 1;
  RebootRecord record;
  // Rebooted at "1970 + 2 min" (no RTC, no NTP yet), at the end of boot "b1"; now the clock says
  // 1970 + 1 min again (wall clocks cannot tell the order) and this is boot "b2".
  record.reboots = {{120, "b1", 90}};
  Harness h(p, record, "b2", /*wall clock at time zero*/ 60);
  h.fail();
  h.time.advance(23h);
  CHECK(h.reboots_seen() == 0);  // within a day of this boot's start: still counts
  h.time.advance(2h);
  CHECK(h.reboots_seen() == 1);
  REQUIRE_FALSE(h.persisted.empty());
  REQUIRE(h.persisted.back().reboots.size() == 1);
  CHECK(h.persisted.back().reboots[0].boot_id == "b2");  // kept by boot and uptime, not by the clock alone
  CHECK(h.persisted.back().reboots[0].uptime_seconds >= 24 * 3600);
}

TEST_CASE("a reboot that did not happen (same boot) leaves the window by uptime, whatever the clock says") {
  LadderPolicy p = policy_332();
  p.reboot_allowed = true;
  p.reboot_max_per_day = 1;
  RebootRecord record;
  record.reboots = {{kBoot + 5, "b1", 5}};  // this boot, 5 s after it began; the clock then jumped back
  Harness h(p, record, "b1", kBoot - 30 * 24 * 3600);
  h.fail();
  h.time.advance(20h);
  CHECK(h.reboots_seen() == 0);
  h.time.advance(5h);  // uptime 25 h: a day since that attempt
  CHECK(h.reboots_seen() == 1);
}

TEST_CASE("a reboot record that cannot be read: no reboot, ever, until it is fixed") {
  LadderPolicy p = policy_332();
  p.reboot_allowed = true;
  p.reboot_max_per_day = 5;
  Harness h(p, RebootRecord{}, "b1", kBoot, "/var/lib/failberry/reboots.json: not a reboot record");
  CHECK(h.log_has("failberryd will not reboot until it is fixed or removed"));
  h.fail();
  h.time.advance(72h);
  CHECK(h.reboots_seen() == 0);
  CHECK(h.persisted.empty());
  CHECK(h.log_has("reboot not requested: the reboot record cannot be read"));
  CHECK(h.attempts.size() > 3);  // the rungs below still run
}

TEST_CASE("a wrong PIN stops the ladder instead of retrying; Resume starts from the bottom") {
  Harness h(policy_332());
  h.fail();
  h.time.advance(5s);
  REQUIRE(h.attempts.size() == 1);
  h.auto_fail = false;
  h.pending_failure = false;
  h.feed(ev::Stop{"SIM_PIN_WRONG", "the SIM refused the PIN"});
  CHECK(h.ladder.state() == State::stopped);
  CHECK(h.ladder.status().stopped_by == "SIM_PIN_WRONG");
  h.fail();
  h.fail();
  h.time.advance(24h);
  CHECK(h.attempts.size() == 1);  // nothing more, ever, by itself
  CHECK(h.time.pending() == 0);   // and no timer left to spin on
  h.feed(ev::Resume{});
  h.fail();
  h.time.advance(5s);
  REQUIRE(h.attempts.size() == 2);
  CHECK(h.attempts[1].rung == Rung::redial);
}

TEST_CASE("operator requests run at once (even when stopped), never twice at the same time") {
  Harness h(policy_332());
  h.auto_fail = false;
  h.feed(ev::Operator{Rung::reset_modem});
  REQUIRE(h.attempts.size() == 1);
  CHECK(h.attempts[0].by_operator);
  CHECK(h.ladder.state() == State::acting);
  h.feed(ev::Operator{Rung::power_cycle});
  CHECK(h.attempts.size() == 1);  // busy: refused
  CHECK(h.log_has("operator power_cycle refused: an attempt is running"));
  h.feed(ev::Recovered{});
  CHECK(h.ladder.status().used == std::array<unsigned, 4>{0, 0, 0, 0});  // operator attempts spend no budget
  CHECK(h.ladder.status().total[1] == 1);

  h.feed(ev::Stop{"SIM_PIN_WRONG", ""});
  h.feed(ev::Operator{Rung::reset_modem});
  CHECK(h.attempts.size() == 2);
  h.fail();  // the operator's reset did not fix the SIM: still stopped
  CHECK(h.ladder.state() == State::stopped);
  h.time.advance(1h);
  CHECK(h.attempts.size() == 2);
}

TEST_CASE("rungs this build cannot perform are skipped, with one log line") {
  LadderPolicy p = policy_332();
  p.can_redial = false;
  p.can_power_cycle = false;
  Harness h(p);
  h.fail();
  h.time.advance(30min);
  REQUIRE(h.attempts.size() >= 2);
  CHECK(h.attempts[0].rung == Rung::reset_modem);
  CHECK(h.attempts[0].at == 5s);
  CHECK(h.attempts[1].rung == Rung::reset_modem);
  for (const auto& a : h.attempts) CHECK(a.rung == Rung::reset_modem);
  CHECK(h.log_has("redial is not available in this build: rung skipped"));
  CHECK(h.log_has("power_cycle is not available in this build: rung skipped"));
  CHECK(h.ladder.state() == State::exhausted);
}

TEST_CASE("failures while waiting are counted, not stacked") {
  Harness h(policy_332());
  h.auto_fail = false;
  h.fail();
  h.fail();
  h.fail();
  CHECK(h.ladder.status().failures == 3);
  h.time.advance(1min);
  CHECK(h.attempts.size() == 1);
  CHECK(h.ladder.undefined_transitions() == 0);
}

TEST_CASE("a second Start is a caller bug: logged and ignored") {
  Harness h;
  h.feed(ev::Start{});
  CHECK(h.ladder.undefined_transitions() == 0);  // Start in idle is the normal start
  h.fail();
  h.feed(ev::Start{});
  CHECK(h.ladder.undefined_transitions() == 1);
  CHECK(h.log_has("BUG: undefined transition: backoff"));
}
