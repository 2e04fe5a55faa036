// RecoveryLadder: decides how the cellular link is repaired when it keeps
// failing — redial, then a modem reset, then a USB power cycle, then (only
// when allowed) a reboot — and when to wait between attempts.
//
// Contract: a pure decision core — no fds, no clocks read (every handle()
// gets the monotonic `now`; events that may lead to a reboot carry the wall
// time in unix seconds, because the daily reboot limit must hold across
// reboots), no sleeping. Single-threaded. An explicit state × event table
// (recovery_ladder.cpp) drives it; an event the table does not define for the
// current state is logged as a BUG, counted and ignored. Every transition is
// logged, prefixed with the name.
//
// Rules it implements:
//  - each rung has a budget ([recovery] redial_attempts, reset_attempts,
//    power_cycle_attempts); a rung is used only when every rung below it has
//    spent its budget; rungs this build cannot perform are skipped (logged);
//  - before each attempt it waits: backoff_initial on a rung's first attempt,
//    doubling per further attempt on that rung, capped at backoff_max;
//  - after stable_after of health (Recovered and no Failure since) every
//    budget is full again;
//  - reboot only when reboot_allowed and fewer than reboot_max_per_day
//    reboots happened in the 24 hours before; the ladder asks for the record
//    to be written (PersistReboots, atomically) and requests the reboot (Do)
//    only when Recorded says it is on disk: a record that could not be
//    written is a failure REBOOT_NOT_RECORDED and no reboot (fail closed —
//    without it the daily limit would not hold across the reboot). The
//    caller passes the record back in Start after boot (which reports the
//    reason);
//  - with every budget spent and no reboot allowed the ladder waits
//    backoff_max, then starts again from the bottom (it never gives up on
//    a link that might come back by itself, and never spins);
//  - Stop (a wrong PIN, a PUK-locked SIM: retrying cannot help and may
//    harm) ends all attempts until Resume; operator requests still run.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

enum class Rung : std::uint8_t { redial, reset_modem, power_cycle, reboot };
inline constexpr std::size_t kRungs = 4;
const char* to_string(Rung rung);

struct LadderPolicy {
  int redial_attempts = 3;
  int reset_attempts = 2;
  int power_cycle_attempts = 2;
  Duration backoff_initial = std::chrono::seconds(5);
  Duration backoff_max = std::chrono::minutes(10);
  Duration stable_after = std::chrono::minutes(10);
  bool reboot_allowed = false;
  int reboot_max_per_day = 2;
  // What this build can do at all (the adapters say; not user settings).
  bool can_redial = true;
  bool can_reset = true;
  bool can_power_cycle = true;
};

// What survives a reboot: when failberryd rebooted and why. A Pi has no
// real-time clock: until NTP answers after a boot its wall clock may read
// 1970, so each reboot is also kept by the boot it ended (the kernel's
// boot_id) and that boot's uptime. An entry leaves the 24 h window when:
//  - it ended this very boot (a reboot that did not happen) and the uptime
//    has grown by a day since;
//  - it ended an earlier boot and this boot has been up for a day;
//  - both wall clocks are set (after 2024) and a day apart.
// Otherwise it counts: a doubt never grants a reboot.
struct RebootEntry {
  std::int64_t unix_seconds = 0;
  std::string boot_id;               // "" when unknown (records of older versions)
  std::int64_t uptime_seconds = -1;  // -1 when unknown
  bool operator==(const RebootEntry&) const = default;
};
struct RebootRecord {
  std::vector<RebootEntry> reboots;  // oldest first, only the last 24 h are kept
  std::string last_reason;
};

struct LadderStatus {
  std::string state;      // "idle", "backoff", "acting", ...
  std::string next_rung;  // the rung the ladder waits to run ("" when none)
  std::optional<TimePoint> next_attempt;
  std::array<unsigned, kRungs> used{};        // attempts since the last reset of the ladder
  std::array<std::uint64_t, kRungs> total{};  // attempts since start (operator ones included)
  std::uint64_t failures = 0;                 // Failure events since start
  std::uint64_t ladder_resets = 0;            // times stability refilled the budgets
  std::string last_failure;                   // stable code of the last failure
  std::string stopped_by;                     // code that stopped the ladder, "" when not stopped
  unsigned reboots_last_day = 0;
  std::string last_reboot_reason;  // from the record passed in Start
  std::optional<std::int64_t> last_reboot_unix;
};

namespace ladder_event {
struct Start {
  RebootRecord reboots;             // from the state dir (empty on first boot)
  std::string boot_id = {};         // this boot's (/proc/sys/kernel/random/boot_id), "" when unknown
  std::string record_problem = {};  // the record exists but cannot be read: no reboot until fixed
};
struct Failure {  // the link failed, or the last attempt did not bring it back
  std::string code;
  std::string detail;
  std::int64_t unix_seconds = 0;
};
struct Recovered {};  // the link is healthy (online, or the best this build reaches)
struct Stop {         // retrying cannot help: stop until Resume
  std::string code;
  std::string detail;
};
struct Resume {};  // the user fixed something (config reload, new SIM)
struct Operator {  // failberryctl redial / reset-modem / cycle-usb
  Rung rung;
};
struct TimerFired {
  std::int64_t unix_seconds = 0;
};
struct Recorded {     // the answer to PersistReboots
  std::string error;  // "" = the record is on disk; else why it is not
  std::int64_t unix_seconds = 0;
};
}  // namespace ladder_event
using LadderEvent =
    std::variant<ladder_event::Start, ladder_event::Failure, ladder_event::Recovered, ladder_event::Stop,
                 ladder_event::Resume, ladder_event::Operator, ladder_event::TimerFired, ladder_event::Recorded>;

namespace ladder_action {
struct Do {  // carry out the rung; report the outcome as Failure or Recovered
  Rung rung;
  std::string reason;
  bool by_operator = false;
};
struct PersistReboots {  // write the record (atomically), then answer with Recorded
  RebootRecord record;
};
struct ArmTimer {
  TimePoint deadline;
};
struct CancelTimer {};
struct Report {
  LadderStatus status;
};
}  // namespace ladder_action
using LadderAction = std::variant<ladder_action::Do, ladder_action::PersistReboots, ladder_action::ArmTimer,
                                  ladder_action::CancelTimer, ladder_action::Report>;

class RecoveryLadder {
 public:
  enum class State { idle, backoff, acting, watching, exhausted, stopped };

  RecoveryLadder(std::string name, LadderPolicy policy);

  std::vector<LadderAction> handle(const LadderEvent& event, TimePoint now);

  State state() const { return state_; }
  const LadderStatus& status() const { return status_; }
  const LadderPolicy& policy() const { return policy_; }
  std::uint64_t undefined_transitions() const { return undefined_; }

 private:
  using Handler = State (RecoveryLadder::*)(const LadderEvent&);
  friend struct LadderTable;

  State begin(const LadderEvent& e);
  State climb(const LadderEvent& e);
  State note_failure(const LadderEvent& e);
  State recovered(const LadderEvent& e);
  State ignore(const LadderEvent& e);
  State stop(const LadderEvent& e);
  State resume(const LadderEvent& e);
  State operator_request(const LadderEvent& e);
  State refuse_busy(const LadderEvent& e);
  State attempt(const LadderEvent& e);
  State stable(const LadderEvent& e);
  State start_over(const LadderEvent& e);
  State stale_timer(const LadderEvent& e);
  State recorded(const LadderEvent& e);
  State stale_record(const LadderEvent& e);

  template <class A, class... Args>
  void emit(Args&&... args) {
    out_.emplace_back(std::in_place_type<A>, std::forward<Args>(args)...);
  }
  std::optional<Rung> next_rung(std::int64_t unix_seconds);
  int budget(Rung rung) const;
  bool available(Rung rung) const;
  Duration delay_for(Rung rung) const;
  State wait_for(Rung rung);
  State run(Rung rung, std::int64_t unix_seconds, bool by_operator);
  void prune_reboots(std::int64_t unix_seconds);
  bool older_than_a_day(const RebootEntry& e, std::int64_t unix_seconds) const;
  void arm(TimePoint deadline);
  void cancel_timer();

  Logger log_;
  LadderPolicy policy_;
  State state_ = State::idle;
  TimePoint now_{};
  std::vector<LadderAction> out_;
  std::optional<Rung> pending_;  // the rung waited for in backoff
  std::string reason_;           // the failure that started the current climb
  RebootRecord reboots_;
  std::string boot_id_;
  std::string record_problem_;
  bool awaiting_record_ = false;  // PersistReboots sent; the reboot waits for Recorded
  bool timer_armed_ = false;
  std::array<bool, kRungs> skipped_logged_{};  // "not available" said once per rung
  LadderStatus status_;
  std::uint64_t undefined_ = 0;
};

const char* to_string(RecoveryLadder::State s);

}  // namespace fb::core
