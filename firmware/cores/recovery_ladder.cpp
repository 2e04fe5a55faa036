#include "fb/core/recovery_ladder.hpp"

#include <algorithm>

namespace fb::core {

namespace ev = ladder_event;
namespace act = ladder_action;
using State = RecoveryLadder::State;

namespace {

constexpr std::size_t kStates = 6;
constexpr std::size_t kEvents = std::variant_size_v<LadderEvent>;
constexpr std::int64_t kDay = 24 * 3600;

std::string event_text(const LadderEvent& e) {
  struct Visitor {
    std::string operator()(const ev::Start& s) const {
      return "start(" + std::to_string(s.reboots.reboots.size()) + " reboot(s) on record)";
    }
    std::string operator()(const ev::Failure& f) const { return "failure(" + f.code + ")"; }
    std::string operator()(const ev::Recovered&) const { return "recovered"; }
    std::string operator()(const ev::Stop& s) const { return "stop(" + s.code + ")"; }
    std::string operator()(const ev::Resume&) const { return "resume"; }
    std::string operator()(const ev::Operator& o) const { return std::string("operator(") + to_string(o.rung) + ")"; }
    std::string operator()(const ev::TimerFired&) const { return "timer"; }
    std::string operator()(const ev::Recorded& r) const {
      return r.error.empty() ? "recorded" : "recorded(REBOOT_NOT_RECORDED)";
    }
  };
  return std::visit(Visitor{}, e);
}

std::string seconds_text(Duration d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

// The state × event table. nullptr = undefined = a caller bug.
struct LadderTable {
  using L = RecoveryLadder;
  static constexpr L::Handler kUndefined = nullptr;
  // clang-format off
  static constexpr std::array<std::array<L::Handler, kEvents>, kStates> kTable{{
      //                Start       Failure           Recovered      Stop      Resume       Operator               TimerFired        Recorded
      /* idle */      {{&L::begin,  &L::climb,        &L::ignore,    &L::stop, &L::ignore,  &L::operator_request,  &L::stale_timer,  &L::stale_record}},
      /* backoff */   {{kUndefined, &L::note_failure, &L::recovered, &L::stop, &L::ignore,  &L::operator_request,  &L::attempt,      &L::stale_record}},
      /* acting */    {{kUndefined, &L::climb,        &L::recovered, &L::stop, &L::ignore,  &L::refuse_busy,       &L::stale_timer,  &L::recorded}},
      /* watching */  {{kUndefined, &L::climb,        &L::ignore,    &L::stop, &L::ignore,  &L::operator_request,  &L::stable,       &L::stale_record}},
      /* exhausted */ {{kUndefined, &L::note_failure, &L::recovered, &L::stop, &L::ignore,  &L::operator_request,  &L::start_over,   &L::stale_record}},
      /* stopped */   {{kUndefined, &L::note_failure, &L::recovered, &L::stop, &L::resume,  &L::operator_request,  &L::stale_timer,  &L::stale_record}},
  }};
  // clang-format on
};

const char* to_string(Rung rung) {
  switch (rung) {
    case Rung::redial: return "redial";
    case Rung::reset_modem: return "reset_modem";
    case Rung::power_cycle: return "power_cycle";
    case Rung::reboot: return "reboot";
  }
  return "?";
}

const char* to_string(State s) {
  switch (s) {
    case State::idle: return "idle";
    case State::backoff: return "backoff";
    case State::acting: return "acting";
    case State::watching: return "watching";
    case State::exhausted: return "exhausted";
    case State::stopped: return "stopped";
  }
  return "?";
}

RecoveryLadder::RecoveryLadder(std::string name, LadderPolicy policy) : log_(std::move(name)), policy_(policy) {
  status_.state = to_string(state_);
}

std::vector<LadderAction> RecoveryLadder::handle(const LadderEvent& event, TimePoint now) {
  now_ = now;
  out_.clear();
  Handler cell = LadderTable::kTable[static_cast<std::size_t>(state_)][event.index()];
  if (!cell) {
    ++undefined_;
    log_.error() << "BUG: undefined transition: " << to_string(state_) << " × " << event_text(event) << " (ignored)";
    return {};
  }
  State from = state_;
  LadderStatus before = status_;
  state_ = (this->*cell)(event);
  if (awaiting_record_ && state_ != State::acting) {  // the climb moved on before the record was written
    awaiting_record_ = false;
    log_.notice() << "the reboot is no longer wanted: not rebooting";
  }
  if (from != state_)
    log_.info() << to_string(from) << " --" << event_text(event) << "--> " << to_string(state_);
  else
    log_.debug() << to_string(from) << " --" << event_text(event) << "--> " << to_string(state_);
  status_.state = to_string(state_);
  status_.next_rung = state_ == State::backoff && pending_ ? to_string(*pending_) : "";
  if (state_ != State::backoff && state_ != State::exhausted) status_.next_attempt.reset();
  if (from != state_ || before.used != status_.used || before.total != status_.total ||
      before.failures != status_.failures || before.stopped_by != status_.stopped_by ||
      before.last_reboot_reason != status_.last_reboot_reason)
    emit<act::Report>(status_);
  return std::move(out_);
}

// ---- cells ----

State RecoveryLadder::begin(const LadderEvent& e) {
  const auto& s = std::get<ev::Start>(e);
  reboots_ = s.reboots;
  boot_id_ = s.boot_id;
  record_problem_ = s.record_problem;
  if (!record_problem_.empty())
    log_.warning() << "the reboot record cannot be read (" << record_problem_
                   << "): failberryd will not reboot until it is fixed or removed";
  status_.last_reboot_reason = reboots_.last_reason;
  if (!reboots_.reboots.empty()) {
    status_.last_reboot_unix = reboots_.reboots.back().unix_seconds;
    log_.notice() << "the last reboot (unix time " << reboots_.reboots.back().unix_seconds << ") was failberryd's: "
                  << (reboots_.last_reason.empty() ? "no reason recorded" : reboots_.last_reason);
  }
  status_.reboots_last_day = static_cast<unsigned>(reboots_.reboots.size());  // pruned on the next decision
  return State::idle;
}

State RecoveryLadder::climb(const LadderEvent& e) {
  const auto& f = std::get<ev::Failure>(e);
  ++status_.failures;
  status_.last_failure = f.code;
  if (!status_.stopped_by.empty()) return State::stopped;  // an operator attempt failed; still stopped
  reason_ = f.code + (f.detail.empty() ? "" : ": " + f.detail);
  std::optional<Rung> rung = next_rung(f.unix_seconds);
  if (!rung) {
    cancel_timer();
    arm(now_ + policy_.backoff_max);
    log_.warning() << "every rung has spent its budget"
                   << (policy_.reboot_allowed ? " and the reboot limit is reached" : " and reboot_allowed = false")
                   << "; starting over from the bottom in " << seconds_text(policy_.backoff_max);
    return State::exhausted;
  }
  return wait_for(*rung);
}

State RecoveryLadder::note_failure(const LadderEvent& e) {
  const auto& f = std::get<ev::Failure>(e);
  ++status_.failures;
  status_.last_failure = f.code;
  return state_;  // already waiting for an attempt (or stopped): one climb at a time
}

State RecoveryLadder::recovered(const LadderEvent&) {
  cancel_timer();
  pending_.reset();
  if (!status_.stopped_by.empty()) log_.notice() << "the link recovered; " << status_.stopped_by << " no longer stops";
  status_.stopped_by.clear();
  arm(now_ + policy_.stable_after);
  return State::watching;
}

State RecoveryLadder::ignore(const LadderEvent&) {
  return state_;
}

State RecoveryLadder::stop(const LadderEvent& e) {
  const auto& s = std::get<ev::Stop>(e);
  cancel_timer();
  pending_.reset();
  status_.stopped_by = s.code;
  log_.warning() << "stopped by " << s.code << (s.detail.empty() ? "" : ": " + s.detail)
                 << "; no automatic recovery until it is fixed";
  return State::stopped;
}

State RecoveryLadder::resume(const LadderEvent&) {
  status_.stopped_by.clear();
  status_.used = {};
  return State::idle;
}

State RecoveryLadder::operator_request(const LadderEvent& e) {
  const auto& o = std::get<ev::Operator>(e);
  cancel_timer();
  pending_.reset();
  ++status_.total[static_cast<std::size_t>(o.rung)];
  reason_ = "operator request";
  emit<act::Do>(o.rung, "operator request", true);
  return State::acting;
}

State RecoveryLadder::refuse_busy(const LadderEvent& e) {
  log_.notice() << "operator " << to_string(std::get<ev::Operator>(e).rung)
                << " refused: an attempt is running; it reports back first";
  return state_;
}

State RecoveryLadder::attempt(const LadderEvent& e) {
  Rung rung = *pending_;
  pending_.reset();
  timer_armed_ = false;
  return run(rung, std::get<ev::TimerFired>(e).unix_seconds, false);
}

State RecoveryLadder::stable(const LadderEvent&) {
  timer_armed_ = false;
  log_.notice() << "healthy for " << seconds_text(policy_.stable_after) << ": every rung's budget is full again";
  status_.used = {};
  ++status_.ladder_resets;
  return State::idle;
}

State RecoveryLadder::start_over(const LadderEvent& e) {
  timer_armed_ = false;
  status_.used = {};
  ++status_.ladder_resets;
  std::optional<Rung> rung = next_rung(std::get<ev::TimerFired>(e).unix_seconds);
  if (!rung || *rung == Rung::reboot) {  // nothing below the reboot can run in this build
    arm(now_ + policy_.backoff_max);
    return State::exhausted;
  }
  ++status_.used[static_cast<std::size_t>(*rung)];
  ++status_.total[static_cast<std::size_t>(*rung)];
  emit<act::Do>(*rung, reason_, false);
  return State::acting;
}

State RecoveryLadder::stale_timer(const LadderEvent&) {
  return state_;  // a timer that fired while its cancel was on the way
}

// The answer to PersistReboots. Only a record on disk lets the reboot go
// ahead; a failed write is a failed attempt, and the climb goes on.
State RecoveryLadder::recorded(const LadderEvent& e) {
  if (!awaiting_record_) return stale_record(e);  // acting on another rung: not ours
  awaiting_record_ = false;
  const auto& r = std::get<ev::Recorded>(e);
  if (r.error.empty()) {
    emit<act::Do>(Rung::reboot, reason_, false);
    return State::acting;
  }
  log_.error() << "not rebooting: the reboot could not be recorded first (" << r.error << ")";
  return climb(ev::Failure{"REBOOT_NOT_RECORDED", "not rebooting: " + r.error, r.unix_seconds});
}

// Recorded after the climb moved on (a Stop, a recovery or a failure came
// first; handle() dropped the wait): the reboot it was for is not wanted.
State RecoveryLadder::stale_record(const LadderEvent&) {
  return state_;
}

// ---- helpers ----

int RecoveryLadder::budget(Rung rung) const {
  switch (rung) {
    case Rung::redial: return policy_.redial_attempts;
    case Rung::reset_modem: return policy_.reset_attempts;
    case Rung::power_cycle: return policy_.power_cycle_attempts;
    case Rung::reboot: return 1;  // one per climb; the daily limit is checked apart
  }
  return 0;
}

bool RecoveryLadder::available(Rung rung) const {
  switch (rung) {
    case Rung::redial: return policy_.can_redial;
    case Rung::reset_modem: return policy_.can_reset;
    case Rung::power_cycle: return policy_.can_power_cycle;
    case Rung::reboot: return true;
  }
  return false;
}

// The wall clock of a Pi without RTC before NTP: anything before 2024 is unset.
constexpr std::int64_t kClockSet = 1'704'067'200;

bool RecoveryLadder::older_than_a_day(const RebootEntry& e, std::int64_t unix_seconds) const {
  // now_ is the monotonic clock, which on Linux counts from boot: this boot's uptime.
  std::int64_t uptime = std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
  if (!boot_id_.empty() && !e.boot_id.empty()) {
    if (e.boot_id == boot_id_) {
      if (e.uptime_seconds >= 0) return uptime - e.uptime_seconds >= kDay;
    } else if (uptime >= kDay) {
      return true;  // it ended an earlier boot, and this one has been up for a day
    }
  }
  return unix_seconds >= kClockSet && e.unix_seconds >= kClockSet && unix_seconds - e.unix_seconds >= kDay;
}

void RecoveryLadder::prune_reboots(std::int64_t unix_seconds) {
  auto& t = reboots_.reboots;
  t.erase(std::remove_if(t.begin(), t.end(), [&](const RebootEntry& e) { return older_than_a_day(e, unix_seconds); }),
          t.end());
  status_.reboots_last_day = static_cast<unsigned>(t.size());
}

std::optional<Rung> RecoveryLadder::next_rung(std::int64_t unix_seconds) {
  for (Rung r : {Rung::redial, Rung::reset_modem, Rung::power_cycle}) {
    if (static_cast<int>(status_.used[static_cast<std::size_t>(r)]) >= budget(r)) continue;
    if (!available(r)) {
      if (!skipped_logged_[static_cast<std::size_t>(r)] && budget(r) > 0)
        log_.notice() << to_string(r) << " is not available in this build: rung skipped";
      skipped_logged_[static_cast<std::size_t>(r)] = true;
      continue;
    }
    return r;
  }
  if (status_.used[static_cast<std::size_t>(Rung::reboot)] > 0) return std::nullopt;
  if (!policy_.reboot_allowed) return std::nullopt;
  if (!record_problem_.empty()) {
    log_.warning() << "reboot not requested: the reboot record cannot be read (" << record_problem_ << ")";
    return std::nullopt;
  }
  prune_reboots(unix_seconds);
  if (static_cast<int>(reboots_.reboots.size()) >= policy_.reboot_max_per_day) {
    log_.warning() << "reboot not requested: " << reboots_.reboots.size()
                   << " reboot(s) in the last 24 h, reboot_max_per_day = " << policy_.reboot_max_per_day;
    return std::nullopt;
  }
  return Rung::reboot;
}

Duration RecoveryLadder::delay_for(Rung rung) const {
  Duration d = policy_.backoff_initial;
  for (unsigned i = 0; i < status_.used[static_cast<std::size_t>(rung)] && d < policy_.backoff_max; ++i) d *= 2;
  return std::min(d, policy_.backoff_max);
}

State RecoveryLadder::wait_for(Rung rung) {
  cancel_timer();
  pending_ = rung;
  Duration d = delay_for(rung);
  arm(now_ + d);
  log_.info() << to_string(rung) << " attempt " << status_.used[static_cast<std::size_t>(rung)] + 1 << "/"
              << budget(rung) << " in " << seconds_text(d) << " (after " << reason_ << ")";
  return State::backoff;
}

State RecoveryLadder::run(Rung rung, std::int64_t unix_seconds, bool by_operator) {
  ++status_.used[static_cast<std::size_t>(rung)];
  ++status_.total[static_cast<std::size_t>(rung)];
  if (rung == Rung::reboot) {
    prune_reboots(unix_seconds);
    reboots_.reboots.push_back(
        {unix_seconds, boot_id_, std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count()});
    reboots_.last_reason = reason_;
    status_.reboots_last_day = static_cast<unsigned>(reboots_.reboots.size());
    emit<act::PersistReboots>(reboots_);  // first: the reason must survive the reboot
    awaiting_record_ = true;              // Do follows Recorded
    return State::acting;
  }
  emit<act::Do>(rung, reason_, by_operator);
  return State::acting;
}

void RecoveryLadder::arm(TimePoint deadline) {
  timer_armed_ = true;
  status_.next_attempt = deadline;
  emit<act::ArmTimer>(deadline);
}

void RecoveryLadder::cancel_timer() {
  status_.next_attempt.reset();
  if (!timer_armed_) return;
  timer_armed_ = false;
  emit<act::CancelTimer>();
}

}  // namespace fb::core
