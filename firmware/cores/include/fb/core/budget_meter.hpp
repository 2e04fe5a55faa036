// BudgetMeter: one uplink's data budget — the bytes used in the current
// cycle, whether that is ok, past the warning or used up — and ProbeCost,
// what the probes cost per minute lately.
//
// Contract: a pure decision core — no fds, no clocks read, no files. The
// adapter (NetworkService) hands it samples: the monotonic time, the current
// cycle's bounds (local midnights it computed with budget_cycle()), and the
// interface's 64-bit rx/tx byte counters (none while the interface does not
// exist). Single-threaded.
//
// Counting (nothing lost, nothing counted twice):
//  - a meter without a record starts from the first counters it sees: what
//    went through before the daemon ran is not known, so not counted;
//  - a meter from a record adds what the counters grew since the counters
//    the record kept (bytes moved while the daemon was down count too);
//  - a counter below the last one, another interface name, or an interface
//    that vanished and came back started again from zero: its whole value
//    counts;
//  - the probes' own traffic is in the interface counters, so it counts.
//
// State: ok, warn (used >= budget_warn percent), exhausted (used >= the
// budget) or unknown (the record exists but could not be read: fail closed —
// never taken as "0 bytes used"; the meter keeps counting in memory, asks
// for no save, so the broken file stays for a person to see, and limited()
// holds for the actions allow-list and stop). A new cycle (the sample's
// cycle start later than the record's; a clock behind the record's start,
// such as a Pi without RTC before NTP, never resets) starts again from zero.
//
// Events: budget_warning and budget_exhausted once per crossing — the
// record keeps the highest one published this cycle, so a restart that
// reads a record already past it publishes nothing — and budget_reset when
// a new cycle began. A sample that crosses both publishes both, in order.
//
// Saving: update() asks for a save at each state change and at most every
// kBudgetSaveEvery while the bytes grow; the adapter writes record() and
// calls saved() when it is on disk.
#pragma once

#include <compare>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fb/event.hpp"
#include "fb/time.hpp"

namespace fb::core {

enum class BudgetState { ok, warn, exhausted, unknown };
std::string_view to_string(BudgetState state);  // "ok", "warn", "exhausted", "unknown"

enum class BudgetLimitAction { warn, allow_list, stop };
std::string_view to_string(BudgetLimitAction action);  // "warn", "allow-list", "stop"

struct BudgetPolicy {
  std::uint64_t limit = 0;  // bytes per cycle, > 0
  int cycle_day = 1;        // 1-28
  int warn_percent = 80;    // 1-99
  BudgetLimitAction action = BudgetLimitAction::warn;
};

inline constexpr Duration kBudgetSaveEvery = std::chrono::seconds(60);

// A day in the local calendar.
struct CivilDate {
  int year = 1970;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
  auto operator<=>(const CivilDate&) const = default;
};
// The cycle that holds `today`: it starts on `cycle_day` of this month if
// that day has come, else of the month before; it ends where the next starts.
struct CycleDates {
  CivilDate start;
  CivilDate end;
  bool operator==(const CycleDates&) const = default;
};
CycleDates budget_cycle(CivilDate today, int cycle_day);

// What budget.json keeps for one uplink.
struct BudgetRecord {
  std::int64_t cycle_start = 0;  // unix seconds: the local midnight the cycle began
  std::uint64_t used = 0;        // bytes this cycle
  std::uint64_t last_rx = 0;     // the interface's counters at the last sample
  std::uint64_t last_tx = 0;
  std::string interface;                   // whose counters those are; "": none (count the next from zero)
  BudgetState notified = BudgetState::ok;  // the highest crossing published this cycle (ok, warn, exhausted)
  bool operator==(const BudgetRecord&) const = default;
};
using BudgetRecords = std::map<std::string, BudgetRecord, std::less<>>;  // by uplink name

// budget.json: {"version": 1, "uplinks": {"NAME": {"cycle_start": N, "used_bytes": N, "last_rx": N,
// "last_tx": N, "interface": "ppp0", "notified": "ok"}}}. Any doubt (not
// JSON, another version, a field missing or of the wrong type, a negative
// number) is an error: nullopt and `why` in words.
std::optional<BudgetRecords> parse_budget_record(std::string_view text, std::string& why);
std::string budget_record_json(const BudgetRecords& records);

struct InterfaceBytes {
  std::string interface;
  std::uint64_t rx = 0;
  std::uint64_t tx = 0;
};

struct BudgetSample {
  TimePoint now;                           // monotonic: paces the saves
  std::int64_t cycle_start = 0;            // unix seconds, from budget_cycle() at local midnight
  std::int64_t cycle_end = 0;              // unix seconds
  std::optional<InterfaceBytes> counters;  // none: the interface does not exist now
  // No counters because the uplink has no interface yet (interface = auto
  // before the modem found it, e.g. just after a restart): the record's last
  // counters are kept, so the interface that binds is not counted again from
  // zero. (A bound interface that is gone starts again from zero.)
  bool unbound = false;
};

struct BudgetUpdate {
  std::vector<Event> events;   // budget_reset, budget_warning, budget_exhausted (in that order)
  bool save = false;           // write record() now
  bool limit_changed = false;  // limited() changed: the nft table must be applied again
};

struct BudgetStatus {
  std::uint64_t limit = 0;
  std::uint64_t used = 0;
  BudgetState state = BudgetState::ok;
  BudgetLimitAction action = BudgetLimitAction::warn;
  bool limited = false;          // the limit action is applied now
  std::int64_t cycle_start = 0;  // unix seconds; 0: no sample yet
  std::int64_t cycle_end = 0;
  std::string record_problem;  // state unknown: which file, and why it could not be read
};

class BudgetMeter {
 public:
  // `record`: this uplink's entry of a readable budget.json (none: no file
  // or no entry: a fresh count). `record_problem` non-empty: the file exists
  // but is unreadable — the state is unknown (see above).
  BudgetMeter(std::string uplink, BudgetPolicy policy, std::optional<BudgetRecord> record,
              std::string record_problem = {});

  BudgetUpdate update(const BudgetSample& sample);
  // The record written from what update() asked; the next periodic save is
  // kBudgetSaveEvery after `now`.
  void saved(TimePoint now);

  BudgetStatus status() const;
  const BudgetRecord& record() const { return record_; }
  // The limit action (allow-list or stop) is to be applied: exhausted, or
  // unknown (fail closed).
  bool limited() const;

 private:
  BudgetState level() const;

  std::string uplink_;
  BudgetPolicy policy_;
  BudgetRecord record_;
  std::string problem_;
  bool baseline_pending_;  // no record: the first counters are the baseline
  bool dirty_ = false;     // bytes counted since the last save
  std::optional<TimePoint> last_save_;
  std::int64_t cycle_end_ = 0;
};

// Bytes per minute the probes of one uplink cost over the last `window`
// (their bytes sent and received, summed by the adapter): fed a sample per
// tick; none until a minute of samples is there.
class ProbeCost {
 public:
  explicit ProbeCost(Duration window = std::chrono::minutes(5)) : window_(window) {}
  void sample(TimePoint now, std::uint64_t probe_bytes);
  std::optional<double> bytes_per_minute() const;

 private:
  Duration window_;
  std::deque<std::pair<TimePoint, std::uint64_t>> samples_;
};

}  // namespace fb::core
