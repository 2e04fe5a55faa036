#include "fb/core/failover_policy.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <tuple>

namespace fb::core {

namespace ev = policy_event;
namespace act = policy_action;
using State = FailoverPolicy::State;

namespace {

constexpr std::size_t kStates = 3;
constexpr std::size_t kEvents = std::variant_size_v<PolicyEvent>;

}  // namespace

// The state × event table. Rows: states in enum order; columns: events in
// PolicyEvent's order. nullptr = undefined = a caller bug.
struct PolicyTable {
  using P = FailoverPolicy;
  // clang-format off
  static constexpr std::array<std::array<P::Handler, kEvents>, kStates> kTable{{
      //              UplinkChanged      TimerFired         Override
      /* none */    {{&P::first_usable,  &P::stale,         &P::override}},
      /* best */    {{&P::on_change,     &P::stale,         &P::override}},
      /* holding */ {{&P::on_change,     &P::hold_expired,  &P::override}},
  }};
  // clang-format on
};

const char* to_string(State s) {
  switch (s) {
    case State::none: return "none";
    case State::best: return "best";
    case State::holding: return "holding";
  }
  return "?";
}

FailoverPolicy::FailoverPolicy(std::vector<PolicyUplink> uplinks, PolicySettings settings)
    : uplinks_(std::move(uplinks)),
      settings_(settings),
      usable_(uplinks_.size(), false),
      degraded_(uplinks_.size(), false),
      ever_usable_(uplinks_.size(), false),
      reasons_(uplinks_.size(), "STARTING") {
  status_.state = to_string(state_);
}

std::vector<std::size_t> FailoverPolicy::ranking() const {
  std::vector<std::size_t> order(uplinks_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) { return better(a, b); });
  return order;
}

bool FailoverPolicy::better(std::size_t a, std::size_t b) const {
  auto key = [this](std::size_t i) {
    bool pinned = status_.pinned == i;
    bool preferred_kind = settings_.backup_gateway && uplinks_[i].cellular;
    return std::make_tuple(pinned ? 0 : 1, preferred_kind ? 0 : 1, uplinks_[i].priority, i);
  };
  return key(a) < key(b);
}

std::optional<std::size_t> FailoverPolicy::best_usable() const {
  if (status_.pinned && usable_[*status_.pinned]) return status_.pinned;  // the operator's word wins over quality
  std::optional<std::size_t> degraded;
  for (std::size_t i : ranking()) {
    if (!usable_[i]) continue;
    if (!degraded_[i]) return i;
    if (!degraded) degraded = i;
  }
  return degraded;  // nothing healthy: the best degraded one
}

std::vector<PolicyAction> FailoverPolicy::handle(const PolicyEvent& event, TimePoint now) {
  now_ = now;
  out_.clear();
  Handler cell = PolicyTable::kTable[static_cast<std::size_t>(state_)][event.index()];
  if (!cell) {
    ++undefined_;
    log_.error() << "BUG: undefined transition in state " << to_string(state_) << " (event " << event.index()
                 << ", ignored)";
    return {};
  }
  auto signature = [this] {
    return std::make_tuple(status_.active, status_.pinned, status_.holding, status_.switches);
  };
  auto before = signature();
  State from = state_;
  State next = (this->*cell)(event);
  state_ = next;
  status_.state = to_string(next);
  if (from != next)
    log_.info() << to_string(from) << " --> " << to_string(next)
                << (status_.active ? " (active " + name(*status_.active) + ")" : std::string());
  if (from != next || before != signature()) emit<act::Report>(status_);
  return std::move(out_);
}

// ---- cells ----

State FailoverPolicy::first_usable(const PolicyEvent& e) {
  return on_change(e);
}

State FailoverPolicy::on_change(const PolicyEvent& e) {
  const auto& c = std::get<ev::UplinkChanged>(e);
  if (c.index >= uplinks_.size()) {
    log_.error() << "BUG: change of uplink #" << c.index << ", which does not exist (ignored)";
    return state_;
  }
  reasons_[c.index] = c.reason;
  bool degraded = c.usable && c.degraded;
  if (usable_[c.index] == c.usable && degraded_[c.index] == degraded) return state_;
  usable_[c.index] = c.usable;
  degraded_[c.index] = degraded;
  log_.info() << "uplink " << name(c.index) << (c.usable ? (degraded ? " usable, degraded" : " usable") : " not usable")
              << " [" << c.reason << "]";
  State next = decide(c.reason);
  if (c.usable) ever_usable_[c.index] = true;
  return next;
}

State FailoverPolicy::hold_expired(const PolicyEvent& e) {
  if (!timer_armed_) return stale(e);
  timer_armed_ = false;
  std::optional<std::size_t> candidate = status_.holding;
  status_.holding.reset();
  status_.hold_until.reset();
  if (candidate && usable_[*candidate] && best_usable() == candidate) {
    switch_to(*candidate, "FAILBACK");
    return State::best;
  }
  return decide("FAILBACK");
}

State FailoverPolicy::stale(const PolicyEvent&) {
  log_.debug() << "stale timer (ignored)";
  return state_;
}

State FailoverPolicy::override(const PolicyEvent& e) {
  const auto& o = std::get<ev::Override>(e);
  if (o.pin && *o.pin >= uplinks_.size()) {
    log_.error() << "BUG: override to uplink #" << *o.pin << ", which does not exist (ignored)";
    return state_;
  }
  status_.pinned = o.pin;
  log_.notice() << (o.pin ? "operator pins the default route to " + name(*o.pin) : "operator returns to automatic");
  std::optional<std::size_t> best = best_usable();
  if (best && best != status_.active) {
    bool active_dead = status_.active && !usable_[*status_.active];
    if (!active_dead) {
      cancel_hold();
      switch_to(*best, o.pin ? "MANUAL" : "AUTO");
      return State::best;
    }
  }
  return decide(o.pin ? "MANUAL" : "AUTO");
}

// ---- helpers ----

State FailoverPolicy::decide(const std::string& reason) {
  std::optional<std::size_t> best = best_usable();
  std::optional<std::size_t> active = status_.active;
  if (!best) {
    cancel_hold();
    if (active)
      log_.warning() << "no usable uplink; the default route stays via " << name(*active) << " until one recovers";
    return State::none;
  }
  if (!active || !usable_[*active]) {
    std::string why = active ? reasons_[*active] : reason;
    switch_to(*best, why);
    if (active && settings_.flush_conntrack) emit<act::FlushConntrack>(*active);
    return State::best;
  }
  if (*active == *best) {
    cancel_hold();
    return State::best;
  }
  // The active uplink's quality is bad and a healthy one is usable: move now.
  if (degraded_[*active] && !degraded_[*best]) {
    switch_to(*best, reasons_[*active]);
    return State::best;
  }
  // A better-ranked uplink is usable while a worse one carries traffic.
  if (!ever_usable_[*best]) {  // its first time (start): nothing to be sticky about
    switch_to(*best, "PREFERRED_UP");
    return State::best;
  }
  if (settings_.failback_hold.count() == 0) {
    switch_to(*best, "FAILBACK");
    return State::best;
  }
  if (status_.holding == best && timer_armed_) return State::holding;
  cancel_hold();
  status_.holding = best;
  status_.hold_until = now_ + settings_.failback_hold;
  timer_armed_ = true;
  emit<act::ArmTimer>(*status_.hold_until);
  log_.notice() << name(*best) << " is back; failback from " << name(*active) << " after "
                << settings_.failback_hold.count() << " ms if it stays usable";
  return State::holding;
}

void FailoverPolicy::switch_to(std::size_t index, const std::string& reason) {
  std::optional<std::size_t> from = status_.active;
  cancel_hold();
  emit<act::SetDefault>(index);
  FailoverRecord record{from ? name(*from) : std::string(), name(index), reason, now_, std::nullopt};
  bool failover = from && (!usable_[*from] || (degraded_[*from] && !degraded_[index]));
  if (status_.last_failover && !status_.last_failover->duration &&
      (record.to == status_.last_failover->from || (from && better(index, *from))))
    status_.last_failover->duration = std::chrono::duration_cast<Duration>(now_ - status_.last_failover->at);
  if (failover) {
    ++status_.failovers;
    status_.last_failover = record;
  }
  ++status_.switches;
  status_.last_switch = record;
  status_.active = index;
  log_.notice() << (failover ? "failover" : "switch") << ": default route " << (from ? name(*from) : "(none)") << " -> "
                << name(index) << " [" << reason << "]";
}

void FailoverPolicy::cancel_hold() {
  if (timer_armed_) emit<act::CancelTimer>();
  timer_armed_ = false;
  status_.holding.reset();
  status_.hold_until.reset();
}

}  // namespace fb::core
