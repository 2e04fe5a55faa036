#include "fb/core/uplink_tracker.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace fb::core {

namespace ev = tracker_event;
namespace act = tracker_action;
using State = UplinkTracker::State;

namespace {

constexpr std::size_t kStates = 4;
constexpr std::size_t kEvents = std::variant_size_v<TrackerEvent>;

// Packets sent with nothing received before silence counts (one lone packet,
// a multicast announcement or an ARP request, is no flow).
constexpr std::uint64_t kSilentPackets = 2;

std::string ms_text(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us.count()) / 1000.0);
  return buf;
}

std::string event_text(const TrackerEvent& e) {
  struct Visitor {
    std::string operator()(const ev::Link& l) const { return l.carrier ? "carrier" : "no_carrier"; }
    std::string operator()(const ev::Address& a) const { return a.present ? "address" : "no_address"; }
    std::string operator()(const ev::RoundDone& r) const {
      return "round(" + std::to_string(r.answered) + " answered)";
    }
    std::string operator()(const ev::TimerFired&) const { return "timer"; }
    std::string operator()(const ev::Traffic& t) const {
      return "traffic(" + std::to_string(t.tx_packets) + " out, " + std::to_string(t.rx_packets) + " in)";
    }
  };
  return std::visit(Visitor{}, e);
}

}  // namespace

// The state × event table. Rows: states in enum order; columns: events in
// TrackerEvent's order. nullptr = undefined = a caller bug.
struct TrackerTable {
  using T = UplinkTracker;
  // clang-format off
  static constexpr std::array<std::array<T::Handler, kEvents>, kStates> kTable{{
      //               Link      Address      RoundDone                TimerFired       Traffic
      /* unknown */  {{&T::link, &T::address, &T::round_toward_up,    &T::next_round,  &T::quiet}},
      /* up */       {{&T::link, &T::address, &T::round_toward_down,  &T::next_round,  &T::traffic}},
      /* degraded */ {{&T::link, &T::address, &T::round_toward_down,  &T::next_round,  &T::traffic}},
      /* down */     {{&T::link, &T::address, &T::round_toward_up,    &T::next_round,  &T::quiet}},
  }};
  // clang-format on
};

UplinkTracker::UplinkTracker(std::string name, TrackerPolicy policy) : log_(std::move(name)), policy_(policy) {
  policy_.up_count = std::max(1, policy_.up_count);
  policy_.down_count = std::max(1, policy_.down_count);
  policy_.reliability = std::clamp(policy_.reliability, 1, std::max(1, policy_.targets));
  policy_.quality.window = std::max(1, policy_.quality.window);
  status_.reason = "STARTING";
}

std::vector<TrackerAction> UplinkTracker::handle(const TrackerEvent& event, TimePoint now) {
  now_ = now;
  out_.clear();
  State from = status_.state;
  Handler cell = TrackerTable::kTable[static_cast<std::size_t>(from)][event.index()];
  if (!cell) {
    ++undefined_;
    log_.error() << "BUG: undefined transition: " << to_string(from) << " × " << event_text(event) << " (ignored)";
    return {};
  }
  next_reason_.clear();
  quality_changed_ = false;
  bool was_bad = status_.quality_bad;
  State next = (this->*cell)(event);
  // quality_since is when the verdict last flipped; a bad verdict whose
  // reason moves (loss to latency) has been bad just as long.
  if (status_.quality_bad != was_bad) status_.quality_since = now;
  if (quality_changed_)
    log_.notice() << "quality "
                  << (status_.quality_bad ? "bad [" + status_.quality_reason + "]" : std::string("good again"))
                  << ": median RTT " << (status_.rtt ? ms_text(*status_.rtt) : std::string("unknown")) << ", loss "
                  << static_cast<int>(status_.loss_percent.value_or(0) + 0.5) << "% over " << status_.window_rounds
                  << " rounds";
  if (next != from) {
    status_.state = next;
    status_.reason = next_reason_;
    status_.since = now;
    status_.carrier_lost = next == State::down && next_reason_ == "CARRIER_LOST";
    // Traffic is judged only while usable: the next Up starts a new baseline,
    // whether or not the counters were fed in between.
    if (next != State::up && next != State::degraded) traffic_base_.reset();
    log_.notice() << to_string(from) << " --" << event_text(event) << "--> " << to_string(next) << " ["
                  << status_.reason << "]";
    emit<act::Report>(status_);
  } else {
    // The counters come four times a second: not a line each.
    if (!std::holds_alternative<ev::Traffic>(event))
      log_.debug() << to_string(from) << " --" << event_text(event) << "--> " << to_string(next);
    if (quality_changed_) emit<act::Report>(status_);
  }
  return std::move(out_);
}

// ---- cells ----

State UplinkTracker::link(const TrackerEvent& e) {
  bool carrier = std::get<ev::Link>(e).carrier;
  if (carrier_ == carrier) return status_.state;  // netlink repeats itself
  carrier_ = carrier;
  return readiness_changed();
}

State UplinkTracker::address(const TrackerEvent& e) {
  bool present = std::get<ev::Address>(e).present;
  if (address_ == present) return status_.state;
  address_ = present;
  return readiness_changed();
}

State UplinkTracker::round_toward_up(const TrackerEvent& e) {
  if (!in_flight_) return stale(e);
  State next = status_.state;
  bool ok = count_round(e);
  record_quality(e);
  if (ok) {
    if (successes_ >= policy_.up_count) {
      next = healthy_state();
      next_reason_ = next == State::up ? "PROBES_OK" : status_.quality_reason;
    }
  } else if (status_.state == State::unknown && failures_ >= policy_.down_count) {
    next_reason_ = "PROBES_FAILED";
    next = State::down;
  }
  schedule_next_round();
  return next;
}

State UplinkTracker::round_toward_down(const TrackerEvent& e) {
  if (!in_flight_) return stale(e);
  State next = status_.state;
  bool ok = count_round(e);
  record_quality(e);
  if (ok) {
    next = healthy_state();
    if (next != status_.state) next_reason_ = next == State::up ? "PROBES_OK" : status_.quality_reason;
  } else if (failures_ >= policy_.down_count) {
    next_reason_ = "PROBES_FAILED";
    next = State::down;
    burst_ = false;
  } else if (status_.state == State::up) {
    next_reason_ = "PROBE_LOSS";
    next = State::degraded;
  }
  schedule_next_round();
  return next;
}

State UplinkTracker::next_round(const TrackerEvent& e) {
  if (!timer_armed_) return stale(e);  // fired while its cancel was on the way
  timer_armed_ = false;
  if (ready() && policy_.targets > 0 && !in_flight_) start_round();
  return status_.state;
}

State UplinkTracker::traffic(const TrackerEvent& e) {
  const auto& t = std::get<ev::Traffic>(e);
  bool watching = policy_.silence.count() > 0 && policy_.targets > 0 && ready();
  if (!watching || !traffic_base_ || in_flight_ || burst_ || t.rx_packets != traffic_base_->rx_packets ||
      t.tx_packets < traffic_base_->tx_packets) {
    // Something came in, a round is out (its own packets), or a new baseline.
    traffic_base_ = t;
    quiet_since_ = now_;
    return status_.state;
  }
  std::uint64_t sent = t.tx_packets - traffic_base_->tx_packets;
  if (sent < kSilentPackets || now_ - quiet_since_ < policy_.silence) return status_.state;
  log_.notice() << "sent " << sent << " packets and received nothing for "
                << std::chrono::duration_cast<Duration>(now_ - quiet_since_).count() << " ms: probing now";
  burst_ = true;
  ++status_.bursts;
  if (timer_armed_) emit<act::CancelTimer>();
  timer_armed_ = false;
  start_round();
  traffic_base_ = t;
  quiet_since_ = now_;
  return status_.state;
}

State UplinkTracker::quiet(const TrackerEvent&) {
  traffic_base_.reset();  // no traffic of its own to judge: nothing carried, or the probes decide anyway
  return status_.state;
}

State UplinkTracker::stale(const TrackerEvent& e) {
  log_.debug() << "stale " << event_text(e) << " (ignored)";
  return status_.state;
}

// ---- helpers ----

State UplinkTracker::readiness_changed() {
  if (carrier_ == false) {
    stop_probing();
    next_reason_ = "CARRIER_LOST";
    return State::down;
  }
  if (address_ == false) {
    stop_probing();
    next_reason_ = "NO_ADDRESS";
    return State::down;
  }
  if (!ready()) return status_.state;  // one of the two is not known yet
  if (policy_.targets == 0) {
    next_reason_ = "LINK_READY";
    return State::up;
  }
  if (!in_flight_ && !timer_armed_) {
    successes_ = failures_ = 0;
    start_round();
  }
  return status_.state;  // the probes decide
}

void UplinkTracker::start_round() {
  in_flight_ = true;
  round_started_ = now_;
  emit<act::StartRound>();
}

void UplinkTracker::stop_probing() {
  if (in_flight_) emit<act::CancelRound>();
  if (timer_armed_) emit<act::CancelTimer>();
  in_flight_ = timer_armed_ = burst_ = false;
  successes_ = failures_ = 0;
  traffic_base_.reset();
  // The window starts again with the link; the verdict stays until a full one judges it.
  window_.clear();
  status_.window_rounds = 0;
  status_.rtt.reset();
  status_.loss_percent.reset();
}

bool UplinkTracker::count_round(const TrackerEvent& e) {
  in_flight_ = false;
  ++status_.rounds;
  bool ok = round_ok(e);
  if (ok) {
    ++successes_;
    failures_ = 0;
  } else {
    ++status_.rounds_failed;
    ++failures_;
    successes_ = 0;
  }
  return ok;
}

bool family_ok(const TrackerPolicy& policy, bool ipv6, int answered_ipv4, int answered_ipv6) {
  int targets6 = std::clamp(policy.targets_ipv6, 0, policy.targets);
  auto need = [&](int targets) { return std::max(1, std::min(policy.reliability, targets)); };
  if (targets6 == 0 && !policy.require_ipv6) return answered_ipv4 + answered_ipv6 >= need(policy.targets);
  return ipv6 ? answered_ipv6 >= need(targets6) : answered_ipv4 >= need(policy.targets - targets6);
}

bool UplinkTracker::round_ok(const TrackerEvent& e) const {
  const auto& r = std::get<ev::RoundDone>(e);
  int v6 = std::clamp(r.answered_ipv6, 0, std::max(0, r.answered));
  int v4 = r.answered - v6;
  if (policy_.require_ipv4 && !family_ok(policy_, false, v4, v6)) return false;
  if (policy_.require_ipv6 && !family_ok(policy_, true, v4, v6)) return false;
  return policy_.require_ipv4 || policy_.require_ipv6;
}

void UplinkTracker::schedule_next_round() {
  if (burst_ && successes_ > 0) {
    burst_ = false;
    log_.info() << "burst over: a round passed";
  }
  // In a burst the next round goes out as soon as this one is done.
  TimePoint deadline = burst_ ? now_ : std::max(round_started_ + policy_.probe_interval, now_);
  timer_armed_ = true;
  emit<act::ArmTimer>(deadline);
}

void UplinkTracker::record_quality(const TrackerEvent& e) {
  const auto& r = std::get<ev::RoundDone>(e);
  Sample s;
  s.sent = std::max(1, policy_.targets);
  s.lost = std::clamp(s.sent - r.answered, 0, s.sent);
  s.rtts = r.rtts;
  window_.push_back(std::move(s));
  while (static_cast<int>(window_.size()) > policy_.quality.window) window_.pop_front();
  int sent = 0, lost = 0;
  std::vector<std::chrono::microseconds> rtts;
  for (const Sample& w : window_) {
    sent += w.sent;
    lost += w.lost;
    rtts.insert(rtts.end(), w.rtts.begin(), w.rtts.end());
  }
  status_.window_rounds = static_cast<int>(window_.size());
  status_.loss_percent = sent > 0 ? 100.0 * lost / sent : 0.0;
  if (rtts.empty()) {
    status_.rtt.reset();
  } else {
    std::sort(rtts.begin(), rtts.end());
    std::size_t n = rtts.size();
    status_.rtt = n % 2 ? rtts[n / 2] : (rtts[n / 2 - 1] + rtts[n / 2]) / 2;
  }
  judge_quality();
}

void UplinkTracker::judge_quality() {
  const QualityThresholds& q = policy_.quality;
  if (!q.enabled() || status_.window_rounds < q.window) return;  // a full window judges
  double loss = status_.loss_percent.value_or(0);
  if (!status_.quality_bad) {
    std::string why;
    if (q.fail_loss && loss > *q.fail_loss)
      why = "HIGH_LOSS";
    else if (q.fail_latency && status_.rtt && *status_.rtt > *q.fail_latency)
      why = "HIGH_LATENCY";
    if (why.empty()) return;
    status_.quality_bad = true;
    status_.quality_reason = why;
    quality_changed_ = true;
    return;
  }
  bool loss_ok = !q.fail_loss || loss <= q.recover_loss.value_or(*q.fail_loss / 2);
  bool latency_ok = !q.fail_latency || (status_.rtt && *status_.rtt <= q.recover_latency.value_or(*q.fail_latency / 2));
  if (!loss_ok || !latency_ok) {
    // Still bad; the reason follows what is bad now.
    std::string why = !loss_ok ? "HIGH_LOSS" : "HIGH_LATENCY";
    if (why != status_.quality_reason) {
      status_.quality_reason = why;
      quality_changed_ = true;
    }
    return;
  }
  status_.quality_bad = false;
  status_.quality_reason.clear();
  quality_changed_ = true;
}

State UplinkTracker::healthy_state() {
  return status_.quality_bad ? State::degraded : State::up;
}

}  // namespace fb::core
