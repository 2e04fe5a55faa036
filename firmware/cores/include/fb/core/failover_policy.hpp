// FailoverPolicy: which uplink carries the main default route, from the
// uplinks' health, their ranking, a failback hold-down and the operator.
//
// Contract: a pure decision core — no fds, no clocks read, no sleeping.
// Single-threaded. An explicit state × event table (failover_policy.cpp);
// an undefined cell is a caller bug (logged "BUG: undefined transition",
// counted, ignored). Every transition is logged with the name "failover".
// Uplinks are named by their index in the list given at construction (the
// config's order, which is also their netcfg slot).
//
// Rules:
//  - ranking: router mode by priority (lower first); backup-gateway mode puts
//    the cellular (ppp) uplinks first, as the original setup's pppd
//    defaultroute did, then the rest by priority; equal ranks keep config
//    order. A manual override (`failover UPLINK`) puts that uplink first;
//    `failover auto` returns to the configured ranking;
//  - the active uplink stops being usable (carrier loss or Down): switch at
//    once to the best usable one; when flush_conntrack, the dead uplink's
//    connections are flushed so established flows move;
//  - a better-ranked uplink becomes usable while a worse one is active: switch
//    back only after it stayed usable for failback_hold (0: at once); a hold
//    is abandoned when that uplink fails again. An uplink usable for the
//    first time (at start, probes take a few rounds where a link without
//    probes is up at once) has not failed, so it is taken at once;
//  - an operator's override or `auto` switches at once (no hold);
//  - link quality: an uplink whose tracker holds it degraded for its latency
//    or loss (`degraded`) is still usable, but a healthy one is preferred
//    to it whatever the ranking: when the active uplink turns degraded and a
//    healthy one is usable, traffic moves at once (a failover with the
//    quality reason, HIGH_LATENCY or HIGH_LOSS; its connections are not
//    flushed: they still pass); when it is healthy again and ranks first,
//    traffic moves back after failback_hold like any failback. A degraded
//    uplink carries traffic when nothing healthy is usable. An operator's
//    pin wins over quality;
//  - no usable uplink: the last default route stays (it may come back; a
//    route to nowhere is no worse than none) and the state is `none`; the
//    first uplink to become usable again is taken at once.
//  - a failover is recorded (from, to, reason, when); its duration is the time
//    until traffic is back on a better-ranked uplink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct PolicyUplink {
  std::string name;
  int priority = 0;
  bool cellular = false;  // kind = ppp
};

struct PolicySettings {
  bool backup_gateway = true;  // [general] mode
  Duration failback_hold = std::chrono::seconds(60);
  bool flush_conntrack = true;
};

struct FailoverRecord {
  std::string from;  // "" when nothing was active
  std::string to;
  std::string reason;  // CARRIER_LOST, PROBES_FAILED, NO_ADDRESS, FAILBACK, MANUAL, ...
  TimePoint at{};
  std::optional<Duration> duration;  // set when traffic returned to a better-ranked uplink
};

struct PolicyStatus {
  std::string state;                   // "none", "best", "holding"
  std::optional<std::size_t> active;   // index of the uplink carrying the default route
  std::optional<std::size_t> pinned;   // manual override
  std::optional<std::size_t> holding;  // the uplink waiting out failback_hold
  std::optional<TimePoint> hold_until;
  std::optional<FailoverRecord> last_failover;  // the last switch away from a failing uplink
  std::optional<FailoverRecord> last_switch;    // any switch (failover, failback, manual)
  std::uint64_t failovers = 0;                  // switches away from a failing uplink
  std::uint64_t switches = 0;                   // every change of the default route
};

namespace policy_event {
struct UplinkChanged {
  std::size_t index = 0;
  bool usable = false;
  std::string reason;     // the tracker's reason code (its quality reason while degraded by quality)
  bool degraded = false;  // usable, but its latency or loss is above the thresholds
};
struct TimerFired {};  // the hold-down deadline passed
struct Override {
  std::optional<std::size_t> pin;  // none: auto
};
}  // namespace policy_event
using PolicyEvent = std::variant<policy_event::UplinkChanged, policy_event::TimerFired, policy_event::Override>;

namespace policy_action {
struct SetDefault {  // replace the main default route to lead out of this uplink
  std::size_t index = 0;
};
struct FlushConntrack {  // drop the connections of this (dead) uplink
  std::size_t index = 0;
};
struct ArmTimer {
  TimePoint deadline;
};
struct CancelTimer {};
struct Report {
  PolicyStatus status;
};
}  // namespace policy_action
using PolicyAction = std::variant<policy_action::SetDefault, policy_action::FlushConntrack, policy_action::ArmTimer,
                                  policy_action::CancelTimer, policy_action::Report>;

class FailoverPolicy {
 public:
  enum class State { none, best, holding };

  FailoverPolicy(std::vector<PolicyUplink> uplinks, PolicySettings settings);

  std::vector<PolicyAction> handle(const PolicyEvent& event, TimePoint now);

  State state() const { return state_; }
  const PolicyStatus& status() const { return status_; }
  bool usable(std::size_t index) const { return index < usable_.size() && usable_[index]; }
  bool degraded(std::size_t index) const { return index < degraded_.size() && degraded_[index]; }
  // Indices, best first, under the current ranking (override included).
  std::vector<std::size_t> ranking() const;
  std::uint64_t undefined_transitions() const { return undefined_; }

 private:
  using Handler = State (FailoverPolicy::*)(const PolicyEvent&);
  friend struct PolicyTable;

  // Table cells.
  State first_usable(const PolicyEvent& e);
  State on_change(const PolicyEvent& e);
  State hold_expired(const PolicyEvent& e);
  State stale(const PolicyEvent& e);
  State override(const PolicyEvent& e);

  template <class A, class... Args>
  void emit(Args&&... args) {
    out_.emplace_back(std::in_place_type<A>, std::forward<Args>(args)...);
  }
  std::optional<std::size_t> best_usable() const;
  bool better(std::size_t a, std::size_t b) const;  // a ranks before b
  // Decides after any change: switch, start/abandon a hold, or stay.
  State decide(const std::string& reason);
  void switch_to(std::size_t index, const std::string& reason);
  void cancel_hold();
  const std::string& name(std::size_t index) const { return uplinks_[index].name; }

  Logger log_{"failover"};
  std::vector<PolicyUplink> uplinks_;
  PolicySettings settings_;
  std::vector<bool> usable_;
  std::vector<bool> degraded_;     // by link quality
  std::vector<bool> ever_usable_;  // has been usable before: a failback to it is sticky
  std::vector<std::string> reasons_;
  State state_ = State::none;
  PolicyStatus status_;
  bool timer_armed_ = false;
  TimePoint now_{};
  std::vector<PolicyAction> out_;
  std::uint64_t undefined_ = 0;
};

const char* to_string(FailoverPolicy::State s);

}  // namespace fb::core
