// NetworkService: the data budgets of the uplinks — their meters (BudgetMeter)
// fed from the interfaces' byte counters, the record in state_dir, the limit
// action through the nft table — and the probe cost and the idle probe
// interval of the metered uplinks.
#include <algorithm>
#include <ctime>
#include <filesystem>

#include "fb/text.hpp"
#include "network_service_uplink.hpp"
#include "state_file.hpp"

namespace fb::core {

namespace {

// A counter read (one netlink link dump) a second: a budget is crossed
// within a second's traffic, and nothing is sent.
constexpr Duration kBudgetTick = std::chrono::seconds(1);

std::int64_t local_midnight(CivilDate d) {
  std::tm tm{};
  tm.tm_year = d.year - 1900;
  tm.tm_mon = d.month - 1;
  tm.tm_mday = d.day;
  tm.tm_isdst = -1;  // whatever daylight saving time says on that day
  return static_cast<std::int64_t>(std::mktime(&tm));
}

// The current cycle's bounds by the wall clock and the local time zone.
std::pair<std::int64_t, std::int64_t> cycle_bounds(int cycle_day) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  CycleDates c = budget_cycle({local.tm_year + 1900, local.tm_mon + 1, local.tm_mday}, cycle_day);
  return {local_midnight(c.start), local_midnight(c.end)};
}

BudgetPolicy policy_of(const UplinkConfig& c) {
  BudgetPolicy p;
  p.limit = c.budget;
  p.cycle_day = c.budget_cycle_day;
  p.warn_percent = c.budget_warn;
  p.action = c.budget_action == BudgetAction::stop         ? BudgetLimitAction::stop
             : c.budget_action == BudgetAction::allow_list ? BudgetLimitAction::allow_list
                                                           : BudgetLimitAction::warn;
  return p;
}

std::string limit_words(BudgetAction action) {
  return action == BudgetAction::stop ? "it forwards nothing (budget_action = stop)"
                                      : "it forwards only [nat] metered_allow hosts (budget_action = allow-list)";
}

}  // namespace

void NetworkService::load_budgets() {
  bool any = std::any_of(uplinks_.begin(), uplinks_.end(), [](const auto& u) { return u->cfg.budget > 0; });
  if (!any) return;
  std::string path = (std::filesystem::path(config_.general.state_dir) / "budget.json").string();
  std::optional<BudgetRecords> records;
  std::string problem;
  auto text = read_state_file(path);
  if (!text) {
    problem = text.error().detail;
  } else if (*text) {
    std::string why;
    records = parse_budget_record(**text, why);
    if (!records) problem = path + ": " + why;
  } else {
    records.emplace();  // no file yet: every budget starts counting now
  }
  problem = clean_text(problem, 300);
  for (auto& u : uplinks_) {
    if (u->cfg.budget == 0) continue;
    std::optional<BudgetRecord> record;
    if (records)
      if (auto it = records->find(u->cfg.name); it != records->end()) record = it->second;
    u->budget.emplace(u->cfg.name, policy_of(u->cfg), record, problem);
    std::string name = "uplink[" + u->cfg.name + "]: ";
    if (!problem.empty())
      log_.error() << name << "data budget unknown: cannot read " << problem << "; "
                   << (u->cfg.budget_action == BudgetAction::warn
                           ? "budget_action = warn: only told"
                           : limit_words(u->cfg.budget_action) +
                                 " until the file is fixed or removed and failberryd "
                                 "is reloaded");
    else if (record)
      log_.info() << name << "data budget: " << record->used << " bytes used this cycle (from " << path << ")";
  }
}

net::BudgetLimit NetworkService::budget_limit(const Uplink& u) const {
  if (!u.budget || !u.budget->limited()) return net::BudgetLimit::none;
  return u.cfg.budget_action == BudgetAction::stop ? net::BudgetLimit::stop : net::BudgetLimit::allow_list;
}

void NetworkService::budget_tick() {
  if (std::none_of(uplinks_.begin(), uplinks_.end(), [](const auto& u) { return u->metered(); })) return;
  budget_timer_.arm(timers_.now() + kBudgetTick, [this] { budget_tick(); });
  TimePoint now = timers_.now();
  for (auto& u : uplinks_) {
    if (!u->metered()) continue;
    u->probe_cost.sample(now, u->bytes_sent + u->bytes_received);
    if (u->cfg.probe_interval_idle.count() > 0)
      u->tracker.set_probe_interval(default_index_ == u->index ? u->cfg.probe_interval : u->cfg.probe_interval_idle);
  }
  bool table = budget_table_stale_, save = false, changed = false;
  // A failed read is logged by the view; nothing is counted that was not read.
  std::optional<net::LinkCountersByName> counters;
  if (std::any_of(uplinks_.begin(), uplinks_.end(), [](const auto& u) { return u->budget.has_value(); }))
    counters = view_.counters();
  if (counters) {
    for (auto& u : uplinks_) {
      if (!u->budget) continue;
      auto [cycle_start, cycle_end] = cycle_bounds(u->cfg.budget_cycle_day);
      BudgetSample sample{now, cycle_start, cycle_end, std::nullopt};
      sample.unbound = u->interface.empty();
      if (!u->interface.empty())
        if (auto it = counters->find(u->interface); it != counters->end())
          sample.counters = InterfaceBytes{u->interface, it->second.rx_bytes, it->second.tx_bytes};
      BudgetUpdate update = u->budget->update(sample);
      changed = changed || !update.events.empty() || update.limit_changed;
      // Published once the table holds what they say (below).
      for (Event& e : update.events) budget_events_.push_back(std::move(e));
      save = save || update.save;
      if (update.limit_changed) {
        table = true;
        if (u->budget->limited())
          log_.warning() << "uplink[" << u->cfg.name << "]: data budget used up: " << limit_words(u->cfg.budget_action);
        else
          log_.notice() << "uplink[" << u->cfg.name << "]: data budget limit lifted: it forwards as before";
      }
    }
  }
  if (table) {
    net::FirewallSpec spec = firewall_spec();
    if (auto s = system_->apply_firewall(spec); !s.ok()) {
      // Tried again at the next tick: the decision stands until the kernel
      // has it, and /status says the limit is not in force yet.
      if (!budget_table_stale_) log_.error() << "data budget: cannot apply the nftables table: " << describe(s);
      budget_table_error_ = describe(s);
      budget_table_stale_ = true;
      changed = true;
    } else {
      firewall_ = spec;
      budget_table_stale_ = false;
      budget_table_error_.clear();
    }
  }
  // An event says what the forwarding does now: not before the table holds it.
  if (!budget_table_stale_) {
    for (Event& e : budget_events_) events::publish(std::move(e));
    budget_events_.clear();
  }
  if (save) save_budgets();
  if (changed && on_change_) on_change_();
}

void NetworkService::save_budgets() {
  BudgetRecords records;
  for (const auto& u : uplinks_) {
    if (!u->budget) continue;
    if (!u->budget->status().record_problem.empty()) return;  // the unreadable file stays for a person to see
    if (u->budget->record().cycle_start == 0) continue;       // not one sample yet: nothing to keep
    records[u->cfg.name] = u->budget->record();
  }
  if (records.empty()) return;
  std::string path = (std::filesystem::path(config_.general.state_dir) / "budget.json").string();
  std::string err = write_atomically(path, budget_record_json(records));
  if (err != budget_write_problem_) {
    if (err.empty())
      log_.notice() << "data budget record written again: " << path;
    else
      log_.error() << "cannot write the data budget record: " << err << " (the count goes on in memory)";
  }
  budget_write_problem_ = err;
  if (err.empty())
    for (auto& u : uplinks_)
      if (u->budget) u->budget->saved(timers_.now());
}

void NetworkService::reread_budget_record() {
  if (!running_) return;
  bool unknown = std::any_of(uplinks_.begin(), uplinks_.end(),
                             [](const auto& u) { return u->budget && !u->budget->status().record_problem.empty(); });
  if (!unknown) return;
  log_.notice() << "reload: reading the data budget record again";
  load_budgets();
  budget_table_stale_ = true;  // applied at once by the tick below
  budget_tick();
  if (on_change_) on_change_();
}

}  // namespace fb::core
