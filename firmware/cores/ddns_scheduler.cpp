#include "fb/core/ddns_scheduler.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "fb/core/cgnat.hpp"

namespace fb::core {

using fb::ddns::Outcome;
using fb::ddns::Reply;
namespace ev = ddns_event;
namespace act = ddns_action;
using State = DdnsScheduler::State;

namespace {

constexpr std::size_t kStates = 9;
constexpr std::size_t kEvents = std::variant_size_v<DdnsEvent>;

std::string event_text(const DdnsEvent& e) {
  struct Visitor {
    std::string operator()(const ev::Start& s) const {
      return "start(published " + (s.published ? s.published->text() : std::string("none")) + ")";
    }
    std::string operator()(const ev::AddressChanged& a) const { return "address_changed(" + a.address.text() + ")"; }
    std::string operator()(const ev::AddressLost&) const { return "address_lost"; }
    std::string operator()(const ev::GetFinished& g) const { return "get_finished(" + outcome(g.reply) + ")"; }
    std::string operator()(const ev::SetFinished& s) const { return "set_finished(" + outcome(s.reply) + ")"; }
    std::string operator()(const ev::TimerFired&) const { return "timer"; }
    std::string operator()(const ev::ConfigReloaded&) const { return "config_reloaded"; }
    std::string operator()(const ev::UpdateRequested&) const { return "update_requested"; }
    static std::string outcome(const Reply& r) {
      std::string code(fb::ddns::error_code(r.outcome));
      std::string text = code.empty() ? std::string(fb::ddns::to_string(r.outcome)) : code;
      if (r.address) text += " " + r.address->text();
      return text;
    }
  };
  return std::visit(Visitor{}, e);
}

}  // namespace

// The state × event table. Rows: states in enum order; columns: events in
// DdnsEvent's order. nullptr = undefined = a caller bug.
struct DdnsTable {
  using S = DdnsScheduler;
  static constexpr S::Handler kUndefined = nullptr;
  // clang-format off
  static constexpr std::array<std::array<S::Handler, kEvents>, kStates> kTable{{
      //                          Start       AddressChanged    AddressLost           GetFinished  SetFinished  TimerFired       ConfigReloaded   UpdateRequested
      /* idle */                {{&S::begin,  &S::note_address, &S::note_lost,        kUndefined,  kUndefined,  kUndefined,      &S::ignore,      &S::refuse_update}},
      /* waiting_for_address */ {{kUndefined, &S::query,        &S::ignore,           kUndefined,  kUndefined,  &S::stale_timer, &S::ignore,      &S::refuse_update}},
      /* querying */            {{kUndefined, &S::recheck,      &S::note_lost,        &S::got,     kUndefined,  &S::stale_timer, &S::recheck,     &S::update_after}},
      /* updating */            {{kUndefined, &S::recheck,      &S::note_lost,        kUndefined,  &S::did_set, &S::stale_timer, &S::recheck,     &S::update_after}},
      /* in_sync */             {{kUndefined, &S::query_if_new, &S::wait_for_address, kUndefined,  kUndefined,  &S::query,       &S::query_fresh, &S::update_now}},
      /* backoff */             {{kUndefined, &S::query_if_new, &S::wait_for_address, kUndefined,  kUndefined,  &S::query,       &S::query_fresh, &S::update_now}},
      /* refused */             {{kUndefined, &S::query_if_new, &S::wait_for_address, kUndefined,  kUndefined,  &S::query,       &S::query_fresh, &S::update_now}},
      /* auth_failed */         {{kUndefined, &S::note_address, &S::note_lost,        kUndefined,  kUndefined,  &S::stale_timer, &S::query_fresh, &S::refuse_update}},
      /* behind_nat */          {{kUndefined, &S::query_if_new, &S::wait_for_address, kUndefined,  kUndefined,  &S::query,       &S::query_fresh, &S::update_now}},
  }};
  // clang-format on
};

const char* to_string(State s) {
  switch (s) {
    case State::idle: return "idle";
    case State::waiting_for_address: return "waiting_for_address";
    case State::querying: return "querying";
    case State::updating: return "updating";
    case State::in_sync: return "in_sync";
    case State::backoff: return "backoff";
    case State::refused: return "refused";
    case State::auth_failed: return "auth_failed";
    case State::behind_nat: return "behind_nat";
  }
  return "?";
}

DdnsMode mode_for(fb::ddns::Provider provider) {
  return provider == fb::ddns::Provider::route53 ? DdnsMode::record : DdnsMode::source_address;
}

DdnsScheduler::DdnsScheduler(std::string name, DdnsMode mode, DdnsPolicy policy, std::function<double()> random)
    : log_(std::move(name)), mode_(mode), policy_(policy), random_(std::move(random)) {
  if (!random_) throw std::invalid_argument("DdnsScheduler needs a random source for the jitter");
  status_.state = to_string(state_);
}

std::vector<DdnsAction> DdnsScheduler::handle(const DdnsEvent& event, TimePoint now) {
  now_ = now;
  out_.clear();
  Handler cell = DdnsTable::kTable[static_cast<std::size_t>(state_)][event.index()];
  if (!cell) {
    ++undefined_;
    log_.error() << "BUG: undefined transition: " << to_string(state_) << " × " << event_text(event) << " (ignored)";
    return {};
  }
  State from = state_;
  std::string before_code = status_.code;
  State next = (this->*cell)(event);
  state_ = next;
  if (from != next) {
    log_.info() << to_string(from) << " --" << event_text(event) << "--> " << to_string(next)
                << (status_.code.empty() ? "" : " [" + status_.code + "]");
  } else {
    log_.debug() << to_string(from) << " --" << event_text(event) << "--> " << to_string(next);
  }
  if (status_.state != to_string(next)) {
    status_.state = to_string(next);
    if (next == State::querying || next == State::updating || next == State::waiting_for_address)
      status_.next_attempt.reset();
    emit<act::Report>(status_);
  } else if (status_.code != before_code) {
    emit<act::Report>(status_);
  }
  return std::move(out_);
}

// ---- cells ----

State DdnsScheduler::begin(const DdnsEvent& e) {
  const auto& s = std::get<ev::Start>(e);
  published_ = s.published;
  status_.published = published_;
  if (s.local) local_ = s.local;
  return send_get();
}

State DdnsScheduler::note_address(const DdnsEvent& e) {
  local_ = std::get<ev::AddressChanged>(e).address;
  link_lost_ = false;
  if (state_ == State::auth_failed)
    log_.notice() << "address " << local_->text() << " not published: " << status_.code
                  << " until the config is reloaded";
  return state_;
}

State DdnsScheduler::note_lost(const DdnsEvent&) {
  local_.reset();
  link_lost_ = true;
  return state_;
}

State DdnsScheduler::ignore(const DdnsEvent&) {
  return state_;
}

State DdnsScheduler::stale_timer(const DdnsEvent&) {
  // A timer that fired while its cancel was on the way: harmless, by design.
  return state_;
}

State DdnsScheduler::recheck(const DdnsEvent& e) {
  if (auto* a = std::get_if<ev::AddressChanged>(&e)) {
    if (local_ && *local_ == a->address) return state_;
    local_ = a->address;
    link_lost_ = false;
  }
  recheck_ = true;  // the request in flight may carry the old address/config
  return state_;
}

State DdnsScheduler::query(const DdnsEvent& e) {
  if (auto* a = std::get_if<ev::AddressChanged>(&e)) {
    local_ = a->address;
    link_lost_ = false;
  }
  return send_get();
}

State DdnsScheduler::query_if_new(const DdnsEvent& e) {
  const IpAddress& address = std::get<ev::AddressChanged>(e).address;
  if (local_ && *local_ == address) return state_;  // netlink repeats itself
  local_ = address;
  link_lost_ = false;
  // The server asked us to slow down: the retry (a get first) will see the
  // new address anyway; do not let a flapping link hammer it.
  if (state_ == State::backoff && throttled_) return state_;
  return send_get();
}

State DdnsScheduler::query_fresh(const DdnsEvent&) {
  failures_ = 0;
  throttled_ = false;
  status_.failures = 0;
  return send_get();
}

State DdnsScheduler::update_now(const DdnsEvent&) {
  failures_ = 0;
  throttled_ = false;
  status_.failures = 0;
  force_set_ = true;
  log_.notice() << "update requested: a get, then a set even if the address is unchanged";
  return send_get();
}

State DdnsScheduler::update_after(const DdnsEvent&) {
  if (state_ == State::updating) {
    log_.notice() << "update requested: a set is in flight already";
  } else {
    force_set_ = true;
    log_.notice() << "update requested: a get is in flight; a set follows its answer";
  }
  return state_;
}

State DdnsScheduler::refuse_update(const DdnsEvent&) {
  if (state_ == State::auth_failed)
    log_.notice() << "update refused: " << status_.code << " until the config is reloaded";
  else if (state_ == State::waiting_for_address)
    log_.notice() << "update refused: the uplink has no address";
  else
    log_.notice() << "update refused: not started";
  return state_;
}

State DdnsScheduler::wait_for_address(const DdnsEvent&) {
  local_.reset();
  force_set_ = false;
  cancel_timer();
  report(status_.code, "the uplink has no address");
  return State::waiting_for_address;
}

State DdnsScheduler::got(const DdnsEvent& e) {
  const Reply& r = std::get<ev::GetFinished>(e).reply;
  if (r.outcome == Outcome::auth_failed) return failed(r);
  if (link_lost_) {
    link_lost_ = recheck_ = force_set_ = false;
    report(status_.code, "the uplink lost its address");
    return State::waiting_for_address;
  }
  if (r.outcome != Outcome::observed) return failed(r);
  if (recheck_) {
    recheck_ = false;
    return send_get();
  }
  if (mode_ == DdnsMode::source_address) {
    if (!r.address) return failed(Reply{Outcome::bad_reply, std::nullopt, "get without an address", r.http_status});
    status_.seen = r.address;
    if (force_set_) return publish(*r.address, r.address);
    if (published_ && *published_ == *r.address) return in_sync("published address " + r.address->text() + " matches");
    return publish(*r.address, r.address);
  }
  // record mode: the record's value vs the uplink's own address
  if (!local_) {
    force_set_ = false;
    report("", "no uplink address to publish yet");
    return State::waiting_for_address;
  }
  if (r.address && *r.address == *local_ && !force_set_) {
    if (!published_ || !(*published_ == *local_)) {
      published_ = local_;
      status_.published = published_;
      emit<act::Persist>(*local_);
    }
    return in_sync("record holds " + local_->text());
  }
  return publish(*local_, std::nullopt);
}

State DdnsScheduler::did_set(const DdnsEvent& e) {
  const Reply& r = std::get<ev::SetFinished>(e).reply;
  if (r.outcome == Outcome::auth_failed) return failed(r);
  bool ok = r.outcome == Outcome::published || r.outcome == Outcome::unchanged;
  if (ok && r.address) {
    published_ = r.address;
    status_.published = published_;
    emit<act::Persist>(*r.address);
  }
  if (link_lost_) {
    link_lost_ = recheck_ = force_set_ = false;
    report(ok ? "" : status_.code, "the uplink lost its address");
    return State::waiting_for_address;
  }
  if (!ok) return failed(r);
  if (recheck_) {
    recheck_ = false;
    failures_ = 0;
    return send_get();
  }
  std::string what = r.address ? r.address->text() : std::string("the address");  // the client always names it
  return in_sync(r.outcome == Outcome::published ? "published " + what : "record already held " + what);
}

// ---- helpers ----

State DdnsScheduler::send_get() {
  cancel_timer();
  recheck_ = false;
  link_lost_ = false;
  ++status_.requests;
  emit<act::SendGet>();
  return State::querying;
}

State DdnsScheduler::send_set(const IpAddress& address) {
  force_set_ = false;
  ++status_.requests;
  emit<act::SendSet>(address);
  return State::updating;
}

State DdnsScheduler::publish(const IpAddress& address, const std::optional<IpAddress>& seen) {
  NatFinding nat = detect_nat(local_, policy_.nat.modem_link, seen);
  PublishDecision d = publish_decision(policy_.nat.uplink, nat, policy_.nat.publish_behind_nat);
  if (d.publish) {
    if (!d.detail.empty()) log_.notice() << d.detail;
    return send_set(address);
  }
  // Withheld: not a failure (nothing to retry sooner); looked at again at the
  // verify interval, or at once on an address change, a reload or ddns-update.
  force_set_ = false;
  failures_ = 0;
  throttled_ = false;
  status_.failures = 0;
  if (status_.code != kBehindNatCode) log_.notice() << d.detail;
  arm(now_ + policy_.verify_interval);
  report(d.code, d.detail);
  return State::behind_nat;
}

State DdnsScheduler::in_sync(const std::string& detail) {
  failures_ = 0;
  throttled_ = false;
  status_.failures = 0;
  arm(now_ + policy_.verify_interval);
  report("", detail);
  return State::in_sync;
}

State DdnsScheduler::failed(const Reply& r) {
  std::string code(fb::ddns::error_code(r.outcome));
  force_set_ = false;  // the operator sees the failure in /status and decides again
  ++failures_;
  status_.failures = failures_;
  switch (r.outcome) {
    case Outcome::auth_failed:
      cancel_timer();
      recheck_ = false;
      report(code, r.detail + "; not retrying until the config is reloaded");
      return State::auth_failed;
    case Outcome::locked:
    case Outcome::config_error:
    case Outcome::bad_request:
      // The server will say the same again: ask once per verify interval.
      recheck_ = false;
      arm(now_ + policy_.verify_interval);
      report(code, r.detail);
      return State::refused;
    default: break;
  }
  throttled_ = r.outcome == Outcome::throttled;
  if (recheck_ && !throttled_) {
    // The address changed while this request was out; it may be why it
    // failed. One immediate try for the new address (one per change).
    report(code, r.detail);
    return send_get();
  }
  recheck_ = false;
  arm(now_ + backoff_delay(throttled_));
  report(code, r.detail);
  return State::backoff;
}

Duration DdnsScheduler::backoff_delay(bool throttled) {
  Duration base = throttled ? policy_.throttle_initial : policy_.retry_initial;
  for (unsigned i = 1; i < failures_ && base < policy_.retry_max; ++i) base *= 2;
  base = std::min(base, policy_.retry_max);
  double r = std::clamp(random_(), 0.0, 1.0);
  auto ms = static_cast<Duration::rep>(static_cast<double>(base.count()) * (1.0 - policy_.jitter * r));
  return Duration(std::max<Duration::rep>(ms, 1));
}

void DdnsScheduler::arm(TimePoint deadline) {
  timer_armed_ = true;
  status_.next_attempt = deadline;
  emit<act::ArmTimer>(deadline);
}

void DdnsScheduler::cancel_timer() {
  status_.next_attempt.reset();
  if (!timer_armed_) return;
  timer_armed_ = false;
  emit<act::CancelTimer>();
}

void DdnsScheduler::report(const std::string& code, const std::string& detail) {
  status_.code = code;
  status_.detail = detail;  // the state itself is set by handle()
}

}  // namespace fb::core
