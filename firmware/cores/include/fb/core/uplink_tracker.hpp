// UplinkTracker: one uplink's health — Unknown, Up, Degraded or Down — from
// its carrier, its address and rounds of reachability probes.
//
// Contract: a pure decision core — no fds, no clocks read (every handle()
// gets `now`), no sleeping. Single-threaded. An explicit state × event table
// (uplink_tracker.cpp) drives it; an event the table does not define for the
// current state is a caller bug: logged at error ("BUG: undefined
// transition"), counted and ignored. Every state change is logged with the
// uplink's name and the reason.
//
// Rules (mwan3's model, see PROTOCOLS.md §6):
//  - the link is "ready" when it has carrier (admin up and IFF_LOWER_UP) and
//    an address; until both are known the state is Unknown;
//  - carrier or address lost -> Down at once (CARRIER_LOST / NO_ADDRESS),
//    whatever the probes said; probing pauses until the link is ready again;
//  - an uplink without probe targets follows readiness alone: ready -> Up;
//  - with targets, a round is sent every probe_interval (the first at once
//    when the link becomes ready); the adapter probes every target with
//    probe_timeout and reports how many answered, and how many of those
//    were IPv6 targets; a round succeeds when, in each required family
//    (require_ipv4, require_ipv6), at least `reliability` targets of that
//    family answered (at most as many as it has; a required family without
//    targets never succeeds);
//  - Unknown/Down -> Up after up_count successful rounds in a row;
//    Unknown -> Down after down_count failed rounds in a row;
//    Up -> Degraded on a failed round (still usable, like mwan3's
//    "disconnecting"); Degraded -> Up on a successful one;
//    Up/Degraded -> Down after down_count failed rounds in a row.
//
// Link quality (like mwan3's check_quality): the last `quality.window`
// rounds are kept — each probe sent, lost or answered with its RTT — and
// give the median RTT and the loss in percent that /status shows. With
// thresholds set, once the window is full the quality is bad when the
// median RTT is above fail_latency or the loss above fail_loss
// (HIGH_LATENCY, HIGH_LOSS), and good again only when both are at or below
// the recover thresholds (hysteresis; an unset recover threshold is half the
// fail one, decided here and nowhere else, so a recover loss of 0 means "no
// loss" and is reachable). Bad quality holds the uplink in Degraded
// (still usable: the failover policy prefers a healthy uplink to it); the
// verdict is reported even when the state stays. Carrier or address loss
// empties the window but keeps the verdict: an uplink that was bad proves
// itself again over a full window.
//
// Silent failure: with `silence` set, Traffic events (the interface's
// packet counters, read on a short tick that sends nothing) show an Up or
// Degraded uplink transmitting while it receives nothing. After `silence`
// of that (at least two packets out, none in, no round in flight), a round
// goes out at once, and rounds follow back to back (a burst) until one
// passes or the uplink is Down: a dead transit path is then noticed after
// about silence + down_count × probe_timeout instead of down_count
// intervals. An idle uplink transmits nothing, so this costs no probes.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fb/health/uplink_health.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

// Latency and loss thresholds; off while neither fail threshold is set.
struct QualityThresholds {
  std::optional<std::chrono::microseconds> fail_latency;     // median RTT above: bad
  std::optional<std::chrono::microseconds> recover_latency;  // at or below (and loss too): good again; unset: half
  std::optional<int> fail_loss;                              // percent of probes lost above: bad
  std::optional<int> recover_loss;                           // at or below: good again; unset: half
  int window = 10;  // probe rounds the RTT and loss are taken over (also without thresholds)
  bool enabled() const { return fail_latency.has_value() || fail_loss.has_value(); }
};

struct TrackerPolicy {
  int targets = 0;  // number of probe targets; 0: carrier and address only
  Duration probe_interval = std::chrono::seconds(5);
  int up_count = 3;
  int down_count = 3;
  int reliability = 1;   // targets of each required family that must answer for a round to succeed
  int targets_ipv6 = 0;  // of targets, the IPv6 ones (the others are IPv4)
  bool require_ipv4 = true;
  bool require_ipv6 = false;
  QualityThresholds quality;
  Duration silence{0};  // transmitting with nothing received this long: probe at once; 0: off
};

// Whether one family's answers in a round pass, as the tracker counts them
// (`ipv6`: the IPv6 family, else IPv4): `reliability` answers, or all of the
// family's targets when it has fewer; one at least, so a required family
// without targets fails. A policy without IPv6 targets that does not require
// IPv6 (ipv6 = false) has one pool: every answer counts, against all targets.
// /status shows each family's verdict from here. Pure.
bool family_ok(const TrackerPolicy& policy, bool ipv6, int answered_ipv4, int answered_ipv6);

// The one uplink state enum: the tracker's word is what /health shows.
using UplinkHealth = health::UplinkState;
// Up and Degraded carry traffic; Unknown and Down do not.
inline bool usable(UplinkHealth h) {
  return h == UplinkHealth::up || h == UplinkHealth::degraded;
}

struct TrackerStatus {
  UplinkHealth state = UplinkHealth::unknown;
  std::string reason;              // stable code of the last change: CARRIER_LOST, NO_ADDRESS, PROBES_FAILED, ...
  std::optional<TimePoint> since;  // last state change
  bool carrier_lost = false;       // the last change to Down was a carrier loss
  std::uint64_t rounds = 0;        // probe rounds finished
  std::uint64_t rounds_failed = 0;
  // Link quality over the window (see above).
  bool quality_bad = false;                      // the thresholds' verdict, with hysteresis
  std::optional<TimePoint> quality_since;        // its last change
  std::string quality_reason;                    // HIGH_LATENCY or HIGH_LOSS while bad
  std::optional<std::chrono::microseconds> rtt;  // median RTT of the answered probes in the window
  std::optional<double> loss_percent;            // probes lost in the window; none before the first round
  int window_rounds = 0;                         // rounds in the window now
  std::uint64_t bursts = 0;                      // bursts started by silent traffic
};

namespace tracker_event {
struct Link {
  bool carrier = false;  // admin up and lower up
};
struct Address {
  bool present = false;  // the interface has at least one address of the uplink's family
};
struct RoundDone {
  int answered = 0;                             // targets that answered within probe_timeout
  std::vector<std::chrono::microseconds> rtts;  // of the answered probes (may be fewer than answered)
  int answered_ipv6 = 0;                        // of answered, the IPv6 targets (an unprobed one did not answer)
};
struct TimerFired {};  // the last ArmTimer deadline passed: time for the next round
struct Traffic {       // the interface's packet counters now (they only grow, unless the interface is new)
  std::uint64_t tx_packets = 0;
  std::uint64_t rx_packets = 0;
};
}  // namespace tracker_event
using TrackerEvent = std::variant<tracker_event::Link, tracker_event::Address, tracker_event::RoundDone,
                                  tracker_event::TimerFired, tracker_event::Traffic>;

namespace tracker_action {
struct StartRound {};   // probe every target once; answer with RoundDone
struct CancelRound {};  // drop the round in flight (no RoundDone follows)
struct ArmTimer {       // one timer: replaces any armed one
  TimePoint deadline;
};
struct CancelTimer {};
struct Report {  // the state or the quality verdict changed
  TrackerStatus status;
};
}  // namespace tracker_action
using TrackerAction = std::variant<tracker_action::StartRound, tracker_action::CancelRound, tracker_action::ArmTimer,
                                   tracker_action::CancelTimer, tracker_action::Report>;

class UplinkTracker {
 public:
  using State = UplinkHealth;

  // `name` prefixes the log lines ("uplink[wired]").
  UplinkTracker(std::string name, TrackerPolicy policy);

  std::vector<TrackerAction> handle(const TrackerEvent& event, TimePoint now);

  State state() const { return status_.state; }
  const TrackerStatus& status() const { return status_; }
  // The time between rounds from the next round on (probe_interval_idle: a
  // metered uplink on standby is probed slower); the round in flight or
  // already armed keeps its time.
  void set_probe_interval(Duration interval) { policy_.probe_interval = interval; }
  Duration probe_interval() const { return policy_.probe_interval; }
  const TrackerPolicy& policy() const { return policy_; }
  bool ready() const { return carrier_.value_or(false) && address_.value_or(false); }
  bool round_in_flight() const { return in_flight_; }
  bool bursting() const { return burst_; }
  std::uint64_t undefined_transitions() const { return undefined_; }

 private:
  using Handler = State (UplinkTracker::*)(const TrackerEvent&);
  friend struct TrackerTable;

  // Table cells (see the table in uplink_tracker.cpp).
  State link(const TrackerEvent& e);
  State address(const TrackerEvent& e);
  State round_toward_up(const TrackerEvent& e);    // Unknown, Down: count successes
  State round_toward_down(const TrackerEvent& e);  // Up, Degraded: count failures
  State next_round(const TrackerEvent& e);
  State traffic(const TrackerEvent& e);  // Up, Degraded: silent traffic starts a burst
  State quiet(const TrackerEvent& e);    // Unknown, Down: counters only noted
  State stale(const TrackerEvent& e);

  // Helpers.
  template <class A, class... Args>
  void emit(Args&&... args) {
    out_.emplace_back(std::in_place_type<A>, std::forward<Args>(args)...);
  }
  State readiness_changed();
  void start_round();
  void stop_probing();
  // The round ends: counted, and in the runs of successes and failures; true when it passed.
  bool count_round(const TrackerEvent& e);
  bool round_ok(const TrackerEvent& e) const;
  void schedule_next_round();
  // The round enters the window; the RTT, the loss and the verdict follow.
  void record_quality(const TrackerEvent& e);
  void judge_quality();
  // Up, or Degraded while the quality is bad.
  State healthy_state();

  Logger log_;
  TrackerPolicy policy_;
  TrackerStatus status_;
  std::optional<bool> carrier_;
  std::optional<bool> address_;
  bool in_flight_ = false;
  bool timer_armed_ = false;
  TimePoint round_started_{};
  int successes_ = 0;  // in a row
  int failures_ = 0;   // in a row
  std::string next_reason_;
  struct Sample {
    int sent = 0;
    int lost = 0;
    std::vector<std::chrono::microseconds> rtts;
  };
  std::deque<Sample> window_;
  bool quality_changed_ = false;
  bool burst_ = false;
  std::optional<tracker_event::Traffic> traffic_base_;  // counters when something was last received
  TimePoint quiet_since_{};
  TimePoint now_{};
  std::vector<TrackerAction> out_;
  std::uint64_t undefined_ = 0;
};

}  // namespace fb::core
