#include "fb/core/budget_meter.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace fb::core {

std::string_view to_string(BudgetState state) {
  switch (state) {
    case BudgetState::ok: return "ok";
    case BudgetState::warn: return "warn";
    case BudgetState::exhausted: return "exhausted";
    case BudgetState::unknown: return "unknown";
  }
  return "?";
}

std::string_view to_string(BudgetLimitAction action) {
  switch (action) {
    case BudgetLimitAction::warn: return "warn";
    case BudgetLimitAction::allow_list: return "allow-list";
    case BudgetLimitAction::stop: return "stop";
  }
  return "?";
}

CycleDates budget_cycle(CivilDate today, int cycle_day) {
  CivilDate start{today.year, today.month, cycle_day};
  if (today.day < cycle_day) {
    start.month -= 1;
    if (start.month == 0) {
      start.month = 12;
      start.year -= 1;
    }
  }
  CivilDate end{start.year, start.month + 1, cycle_day};
  if (end.month == 13) {
    end.month = 1;
    end.year += 1;
  }
  return {start, end};
}

namespace {

std::optional<BudgetState> notified_state(std::string_view word) {
  for (BudgetState s : {BudgetState::ok, BudgetState::warn, BudgetState::exhausted})
    if (to_string(s) == word) return s;
  return std::nullopt;
}

// "163840 bytes (160.0 KiB)" is what people compare with a bill: decimal units, one decimal.
std::string amount(std::uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int i = 0;
  while (v >= 1000 && i < 4) {
    v /= 1000;
    ++i;
  }
  char buf[32];
  if (i == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[i]);
  return buf;
}

}  // namespace

std::optional<BudgetRecords> parse_budget_record(std::string_view text, std::string& why) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    why = "not JSON (a {\"version\": 1, \"uplinks\": {...}} object)";
    return std::nullopt;
  }
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<std::int64_t>() != 1) {
    why = "no \"version\": 1";
    return std::nullopt;
  }
  if (!j.contains("uplinks") || !j["uplinks"].is_object()) {
    why = "no \"uplinks\" object";
    return std::nullopt;
  }
  BudgetRecords out;
  for (const auto& [name, e] : j["uplinks"].items()) {
    auto field_error = [&](const char* field, const char* rule) {
      why = "uplink \"" + name + "\": \"" + field + "\" " + rule;
      return std::nullopt;
    };
    if (!e.is_object()) return field_error("", "is not an object");
    BudgetRecord r;
    for (const char* f : {"used_bytes", "last_rx", "last_tx"})
      if (!e.contains(f) || !e[f].is_number_unsigned()) return field_error(f, "is missing or not a whole number >= 0");
    if (!e.contains("cycle_start") || !e["cycle_start"].is_number_integer() ||
        e["cycle_start"].get<std::int64_t>() <= 0)
      return field_error("cycle_start", "is missing or not a time (unix seconds)");
    if (!e.contains("interface") || !e["interface"].is_string())
      return field_error("interface", "is missing or not a string");
    if (!e.contains("notified") || !e["notified"].is_string() || !notified_state(e["notified"].get<std::string>()))
      return field_error("notified", "is missing or not ok, warn or exhausted");
    r.cycle_start = e["cycle_start"].get<std::int64_t>();
    r.used = e["used_bytes"].get<std::uint64_t>();
    r.last_rx = e["last_rx"].get<std::uint64_t>();
    r.last_tx = e["last_tx"].get<std::uint64_t>();
    r.interface = e["interface"].get<std::string>();
    r.notified = *notified_state(e["notified"].get<std::string>());
    out.emplace(name, std::move(r));
  }
  return out;
}

std::string budget_record_json(const BudgetRecords& records) {
  nlohmann::json uplinks = nlohmann::json::object();
  for (const auto& [name, r] : records)
    uplinks[name] = {{"cycle_start", r.cycle_start}, {"used_bytes", r.used},     {"last_rx", r.last_rx},
                     {"last_tx", r.last_tx},         {"interface", r.interface}, {"notified", to_string(r.notified)}};
  return nlohmann::json{{"version", 1}, {"uplinks", uplinks}}.dump(2) + "\n";
}

BudgetMeter::BudgetMeter(std::string uplink, BudgetPolicy policy, std::optional<BudgetRecord> record,
                         std::string record_problem)
    : uplink_(std::move(uplink)),
      policy_(policy),
      record_(record.value_or(BudgetRecord{})),
      problem_(std::move(record_problem)),
      baseline_pending_(!record) {}

BudgetState BudgetMeter::level() const {
  if (!problem_.empty()) return BudgetState::unknown;
  if (record_.used >= policy_.limit) return BudgetState::exhausted;
  // used / limit >= warn / 100, in integers that cannot overflow for limits up to 100 TB.
  if (record_.used * 100 >= policy_.limit * static_cast<std::uint64_t>(policy_.warn_percent)) return BudgetState::warn;
  return BudgetState::ok;
}

bool BudgetMeter::limited() const {
  BudgetState s = level();
  return policy_.action != BudgetLimitAction::warn && (s == BudgetState::exhausted || s == BudgetState::unknown);
}

BudgetUpdate BudgetMeter::update(const BudgetSample& sample) {
  BudgetUpdate out;
  bool was_limited = limited();
  BudgetState before = level();
  cycle_end_ = sample.cycle_end;

  // The cycle: a fresh meter takes the current one; a start a cycle later
  // begins a new one. Cycles are at least 28 days apart: a start that moved
  // by hours (the time zone changed, the clock was set) is the same cycle.
  // A clock before 1970 (a Pi before NTP) gives no start to keep.
  constexpr std::int64_t kMinCycleGap = 25LL * 24 * 3600;
  if (record_.cycle_start <= 0) {
    if (sample.cycle_start > 0) {
      record_.cycle_start = sample.cycle_start;
      dirty_ = true;
    }
  } else if (sample.cycle_start - record_.cycle_start >= kMinCycleGap) {
    std::uint64_t last_used = record_.used;
    record_.cycle_start = sample.cycle_start;
    record_.used = 0;
    record_.notified = BudgetState::ok;
    dirty_ = true;
    out.save = true;
    Event e;
    e.kind = EventKind::budget_reset;
    e.uplink = uplink_;
    e.from = std::string(to_string(before));
    e.to = std::string(to_string(level()));
    e.reason = "BUDGET_CYCLE";
    e.message =
        "uplink " + uplink_ + ": a new data budget cycle began; " + amount(last_used) + " were used in the last one";
    out.events.push_back(std::move(e));
  }

  // The bytes.
  if (!sample.counters && sample.unbound) {
    // Not known yet which interface: nothing to count, nothing to forget.
  } else if (!sample.counters) {
    record_.last_rx = record_.last_tx = 0;  // whatever comes back next is new: counted from zero
    record_.interface.clear();
    baseline_pending_ = false;
  } else {
    const InterfaceBytes& c = *sample.counters;
    std::uint64_t added = 0;
    if (baseline_pending_)
      baseline_pending_ = false;  // what went before is not known: not counted
    else if (c.interface != record_.interface || c.rx < record_.last_rx || c.tx < record_.last_tx)
      added = c.rx + c.tx;  // the counters started again from zero
    else
      added = (c.rx - record_.last_rx) + (c.tx - record_.last_tx);
    if (c.interface != record_.interface || c.rx != record_.last_rx || c.tx != record_.last_tx) dirty_ = true;
    record_.last_rx = c.rx;
    record_.last_tx = c.tx;
    record_.interface = c.interface;
    record_.used += added;
  }

  // Crossings, each published once per cycle.
  BudgetState now_level = level();
  if (now_level != BudgetState::unknown) {
    auto publish = [&](EventKind kind, BudgetState to, const char* reason, std::string what) {
      Event e;
      e.kind = kind;
      e.uplink = uplink_;
      e.from = std::string(to_string(record_.notified));
      e.to = std::string(to_string(to));
      e.reason = reason;
      e.message = "uplink " + uplink_ + " used " + amount(record_.used) + " of its " + amount(policy_.limit) +
                  " data budget" + what;
      out.events.push_back(std::move(e));
      record_.notified = to;
    };
    if (record_.notified < BudgetState::warn && now_level >= BudgetState::warn)
      publish(EventKind::budget_warning, BudgetState::warn, "BUDGET_WARN",
              " (" + std::to_string(policy_.warn_percent) + " % reached)");
    if (record_.notified < BudgetState::exhausted && now_level == BudgetState::exhausted)
      publish(EventKind::budget_exhausted, BudgetState::exhausted, "BUDGET_EXHAUSTED",
              policy_.action == BudgetLimitAction::stop         ? ": it forwards nothing now (budget_action = stop)"
              : policy_.action == BudgetLimitAction::allow_list ? ": it forwards only [nat] metered_allow hosts now "
                                                                  "(budget_action = allow-list)"
                                                                : ": only told (budget_action = warn)");
    if (now_level < record_.notified) record_.notified = now_level;  // the budget was raised
  }

  out.limit_changed = limited() != was_limited;
  if (now_level != before || !out.events.empty()) out.save = true;
  if (dirty_ && (!last_save_ || sample.now - *last_save_ >= kBudgetSaveEvery)) out.save = true;
  if (!problem_.empty()) out.save = false;  // the broken file stays for a person to see
  return out;
}

void BudgetMeter::saved(TimePoint now) {
  last_save_ = now;
  dirty_ = false;
}

BudgetStatus BudgetMeter::status() const {
  BudgetStatus s;
  s.limit = policy_.limit;
  s.used = record_.used;
  s.state = level();
  s.action = policy_.action;
  s.limited = limited();
  s.cycle_start = record_.cycle_start;
  s.cycle_end = cycle_end_;
  s.record_problem = problem_;
  return s;
}

void ProbeCost::sample(TimePoint now, std::uint64_t probe_bytes) {
  samples_.emplace_back(now, probe_bytes);
  while (samples_.size() > 2 && now - samples_[1].first >= window_) samples_.pop_front();
}

std::optional<double> ProbeCost::bytes_per_minute() const {
  if (samples_.size() < 2) return std::nullopt;
  auto span = samples_.back().first - samples_.front().first;
  if (span < std::chrono::minutes(1)) return std::nullopt;
  double bytes = static_cast<double>(samples_.back().second - samples_.front().second);
  return bytes * 60.0 / std::chrono::duration<double>(span).count();
}

}  // namespace fb::core
