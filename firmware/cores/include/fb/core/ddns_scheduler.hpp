// DdnsScheduler: decides when the dynamic DNS record is read ("get") and
// written ("set"), from events, and says what to do as actions.
//
// Contract: a pure decision core — no fds, no clocks read (every handle()
// gets `now`), no sleeping, no randomness of its own (jitter comes from the
// injected source, values in [0, 1)). Single-threaded. An explicit
// state × event table (ddns_scheduler.cpp) drives it; an event the table
// does not define for the current state is a bug in the caller: it is logged
// at error level ("BUG: undefined transition"), counted, and ignored (the
// daemon keeps running). Every transition is logged, prefixed with the name.
//
// Rules it implements:
//  - never more than one request in flight: a request is only sent from the
//    querying/updating states, which wait for its *_finished event; events
//    arriving meanwhile are remembered and acted on afterwards;
//  - start, an address change on the uplink and the periodic verify each
//    begin with a get, sent at once (no delay: "within a second");
//  - a set only when the address to publish differs from the published one
//    (the caller persists `Persist` atomically and passes it back in Start);
//  - transient failures (5xx, timeout, TLS, network, bad reply, clock skew)
//    and throttling back off exponentially with jitter; throttling starts
//    higher and is not cut short by address changes;
//  - a refusal the server will repeat (locked, config error, bad request) is
//    retried only at the verify interval — no retry storm;
//  - an authentication failure stops all requests and reports
//    DDNS_AUTH_FAILED until ConfigReloaded;
//  - an operator's UpdateRequested (failberryctl ddns-update) is the repair
//    path for a record changed behind our back, which a Lambda get cannot see
//    (it answers the source address, not the record): one get, then one set
//    even when the published address already matches. It clears a backoff
//    (the operator decides), joins a get in flight (its answer is fresh),
//    and is refused while the uplink has no address or authentication failed.
//  - behind carrier-grade NAT (fb/core/cgnat.hpp: the uplink's address, and in
//    source_address mode the address the API saw) a set is withheld unless
//    DdnsNatRule::publish_behind_nat: the state is behind_nat with
//    DDNS_BEHIND_NAT and the reason, checked again at the verify interval, on
//    an address change, a reload or an operator's update.
//
// Mode: source_address (Lambda: get answers the address the API sees, which
// is what gets published) or record (Route53: get answers the record's
// value; the uplink's own address from AddressChanged is published).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fb/ddns/reply.hpp"
#include "fb/log.hpp"
#include "fb/net_types.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct DdnsPolicy {
  Duration verify_interval = std::chrono::minutes(15);   // [ddns] interval
  Duration retry_initial = std::chrono::seconds(10);     // first delay after a transient failure
  Duration throttle_initial = std::chrono::seconds(60);  // first delay after "Rate exceeded"
  Duration retry_max = std::chrono::minutes(30);         // cap of the doubling
  double jitter = 0.5;                                   // delay = base × (1 − jitter × r), r ∈ [0, 1)
  struct NatRule {
    std::string uplink = "uplink";    // [ddns] uplink, for the words
    bool modem_link = false;          // kind = ppp or cellular: RFC 1918 is the carrier's NAT too
    bool publish_behind_nat = false;  // [ddns] publish_behind_nat
  } nat;
};

enum class DdnsMode { source_address, record };
DdnsMode mode_for(fb::ddns::Provider provider);

struct DdnsStatus {
  std::string state;  // "in_sync", "backoff", "auth_failed", ...
  std::string code;   // "" or a stable DDNS_* code of the last failure
  std::string detail;
  std::optional<IpAddress> published;
  std::optional<IpAddress> seen;  // source_address mode: what the API saw at the last get
  std::optional<TimePoint> next_attempt;
  unsigned failures = 0;       // consecutive
  std::uint64_t requests = 0;  // sent since start
};

namespace ddns_event {
struct Start {
  std::optional<IpAddress> published;  // from the state file
  std::optional<IpAddress> local;      // the uplink's address, if known yet
};
struct AddressChanged {
  IpAddress address;  // the uplink's (primary) address now
};
struct AddressLost {};  // the uplink has no address (ppp down)
struct GetFinished {
  fb::ddns::Reply reply;
};
struct SetFinished {
  fb::ddns::Reply reply;
};
struct TimerFired {};       // the last ArmTimer deadline passed
struct ConfigReloaded {};   // new secrets/config: clears DDNS_AUTH_FAILED
struct UpdateRequested {};  // the operator: get, then set even if unchanged
}  // namespace ddns_event
using DdnsEvent = std::variant<ddns_event::Start, ddns_event::AddressChanged, ddns_event::AddressLost,
                               ddns_event::GetFinished, ddns_event::SetFinished, ddns_event::TimerFired,
                               ddns_event::ConfigReloaded, ddns_event::UpdateRequested>;

namespace ddns_action {
struct SendGet {};
struct SendSet {
  IpAddress address;
};
struct ArmTimer {  // one timer: replaces any armed one
  TimePoint deadline;
};
struct CancelTimer {};
struct Persist {  // write the state file (atomically)
  IpAddress published;
};
struct Report {  // new status for /status and metrics
  DdnsStatus status;
};
}  // namespace ddns_action
using DdnsAction = std::variant<ddns_action::SendGet, ddns_action::SendSet, ddns_action::ArmTimer,
                                ddns_action::CancelTimer, ddns_action::Persist, ddns_action::Report>;

class DdnsScheduler {
 public:
  enum class State {
    idle,
    waiting_for_address,
    querying,
    updating,
    in_sync,
    backoff,
    refused,
    auth_failed,
    behind_nat
  };

  // `name` prefixes the log lines ("ddns[home.dyn.example.com]").
  DdnsScheduler(std::string name, DdnsMode mode, DdnsPolicy policy, std::function<double()> random);

  std::vector<DdnsAction> handle(const DdnsEvent& event, TimePoint now);

  State state() const { return state_; }
  const DdnsStatus& status() const { return status_; }
  std::uint64_t undefined_transitions() const { return undefined_; }

 private:
  using Handler = State (DdnsScheduler::*)(const DdnsEvent&);
  friend struct DdnsTable;

  // Table cells (see the table in ddns_scheduler.cpp).
  State begin(const DdnsEvent& e);
  State note_address(const DdnsEvent& e);
  State note_lost(const DdnsEvent& e);
  State ignore(const DdnsEvent& e);
  State stale_timer(const DdnsEvent& e);
  State recheck(const DdnsEvent& e);
  State query(const DdnsEvent& e);
  State query_if_new(const DdnsEvent& e);
  State query_fresh(const DdnsEvent& e);
  State wait_for_address(const DdnsEvent& e);
  State got(const DdnsEvent& e);
  State did_set(const DdnsEvent& e);
  State update_now(const DdnsEvent& e);
  State update_after(const DdnsEvent& e);
  State refuse_update(const DdnsEvent& e);

  // Helpers.
  template <class A, class... Args>
  void emit(Args&&... args) {
    // in_place construction: GCC 12 warns falsely when a variant temporary is moved in.
    out_.emplace_back(std::in_place_type<A>, std::forward<Args>(args)...);
  }
  State send_get();
  State send_set(const IpAddress& address);
  // A set of `address` unless the NAT rule withholds it (then behind_nat).
  State publish(const IpAddress& address, const std::optional<IpAddress>& seen);
  State in_sync(const std::string& detail);
  State failed(const fb::ddns::Reply& reply);
  void arm(TimePoint deadline);
  void cancel_timer();
  Duration backoff_delay(bool throttled);
  void report(const std::string& code, const std::string& detail);

  Logger log_;
  DdnsMode mode_;
  DdnsPolicy policy_;
  std::function<double()> random_;

  State state_ = State::idle;
  TimePoint now_{};
  std::vector<DdnsAction> out_;
  std::optional<IpAddress> local_;      // the uplink's address as last reported
  std::optional<IpAddress> published_;  // what the record holds, as far as we know
  bool link_lost_ = false;              // AddressLost arrived during a request
  bool recheck_ = false;                // an address change/reload arrived during a request
  bool throttled_ = false;              // the current backoff is the server's throttling
  bool timer_armed_ = false;
  bool force_set_ = false;  // UpdateRequested: the next successful get is followed by a set
  unsigned failures_ = 0;
  DdnsStatus status_;
  std::uint64_t undefined_ = 0;
};

const char* to_string(DdnsScheduler::State s);

}  // namespace fb::core
