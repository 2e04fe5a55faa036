#include "fb/core/uplink_tracker.hpp"

#include <algorithm>
#include <array>

namespace fb::core {

namespace ev = tracker_event;
namespace act = tracker_action;
using State = UplinkTracker::State;

namespace {

constexpr std::size_t kStates = 4;
constexpr std::size_t kEvents = std::variant_size_v<TrackerEvent>;

std::string event_text(const TrackerEvent& e) {
  struct Visitor {
    std::string operator()(const ev::Link& l) const { return l.carrier ? "carrier" : "no_carrier"; }
    std::string operator()(const ev::Address& a) const { return a.present ? "address" : "no_address"; }
    std::string operator()(const ev::RoundDone& r) const {
      return "round(" + std::to_string(r.answered) + " answered)";
    }
    std::string operator()(const ev::TimerFired&) const { return "timer"; }
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
      //               Link      Address      RoundDone                TimerFired
      /* unknown */  {{&T::link, &T::address, &T::round_toward_up,    &T::next_round}},
      /* up */       {{&T::link, &T::address, &T::round_toward_down,  &T::next_round}},
      /* degraded */ {{&T::link, &T::address, &T::round_toward_down,  &T::next_round}},
      /* down */     {{&T::link, &T::address, &T::round_toward_up,    &T::next_round}},
  }};
  // clang-format on
};

UplinkTracker::UplinkTracker(std::string name, TrackerPolicy policy) : log_(std::move(name)), policy_(policy) {
  policy_.up_count = std::max(1, policy_.up_count);
  policy_.down_count = std::max(1, policy_.down_count);
  policy_.reliability = std::clamp(policy_.reliability, 1, std::max(1, policy_.targets));
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
  State next = (this->*cell)(event);
  if (next != from) {
    status_.state = next;
    status_.reason = next_reason_;
    status_.since = now;
    status_.carrier_lost = next == State::down && next_reason_ == "CARRIER_LOST";
    log_.notice() << to_string(from) << " --" << event_text(event) << "--> " << to_string(next) << " ["
                  << status_.reason << "]";
    emit<act::Report>(status_);
  } else {
    log_.debug() << to_string(from) << " --" << event_text(event) << "--> " << to_string(next);
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
  if (count_round(e)) {
    if (successes_ >= policy_.up_count) {
      next_reason_ = "PROBES_OK";
      next = State::up;
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
  if (count_round(e)) {
    if (status_.state == State::degraded) {
      next_reason_ = "PROBES_OK";
      next = State::up;
    }
  } else if (failures_ >= policy_.down_count) {
    next_reason_ = "PROBES_FAILED";
    next = State::down;
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
  in_flight_ = timer_armed_ = false;
  successes_ = failures_ = 0;
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

bool UplinkTracker::round_ok(const TrackerEvent& e) const {
  return std::get<ev::RoundDone>(e).answered >= policy_.reliability;
}

void UplinkTracker::schedule_next_round() {
  TimePoint deadline = std::max(round_started_ + policy_.probe_interval, now_);
  timer_armed_ = true;
  emit<act::ArmTimer>(deadline);
}

}  // namespace fb::core
