// Event: one thing the daemon decided or saw that a person may want to know
// (a failover, an uplink going down, a DDNS update, ...), and the pure
// renderings every consumer uses: the log line, the journal's structured
// fields and a hook's environment. /status and `failberryctl events` show
// the JSON form (health::event_json(), health/handler.hpp).
//
// Contract:
//  - Event is plain data. `time` is the wall clock, stamped when the event is
//    published (events::publish()); the publishing site leaves it empty.
//  - The renderings clean every text field first (fb::clean_text: valid
//    UTF-8, control characters such as line ends become spaces, bounded), so
//    a value from outside (a modem's answer, a DDNS server's detail) can
//    neither split a log line nor smuggle a variable into a hook's
//    environment.
//  - The FB_* names are stable (README "Events and hooks"):
//      FB_EVENT        the kind: failover, failback, switch, uplink_up, ...
//      FB_TIME         wall time, UTC, ISO 8601 with milliseconds
//      FB_UPLINK       the uplink it is about ("" when none)
//      FB_FROM, FB_TO  the state or uplink before and after
//      FB_REASON       a stable code (CARRIER_LOST, PROBES_FAILED, ...)
//      FB_ADDRESS      an address (DDNS, a data link)
//      FB_DURATION_MS  how long the previous state lasted (failover,
//                      failback, switch: how long the previous uplink carried
//                      the default route); "" when it does not apply
//      FB_MESSAGE      one short sentence for people
//    A hook gets every one of them (empty when it does not apply), PATH and
//    FB_DRY_RUN ("1" or "0"); the journal gets the non-empty ones.
//  - events::publish() hands an event to the one process-wide sink (the
//    daemon's EventBus, firmware/event_bus.hpp), like the log has one sink;
//    without a sink it goes nowhere. Single-threaded like the daemon.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb {

// A new kind: a value here (before `count_`), its name in event_name() and
// its level in event_level().
enum class EventKind {
  failover,           // the default route left an uplink that failed
  failback,           // traffic is back on a better-ranked uplink after a failover
  route_switch,       // any other change of the default route (first choice, operator, preferred uplink up)
  uplink_up,          // an uplink's tracker says up
  uplink_down,        // ... down
  uplink_degraded,    // ... degraded (a failed probe round; still carries traffic)
  quality_degraded,   // an uplink's latency or loss went above its thresholds (HIGH_LATENCY, HIGH_LOSS)
  quality_recovered,  // ... and is below the recover thresholds again
  budget_warning,     // an uplink's data budget used crossed budget_warn percent this cycle
  budget_exhausted,   // ... crossed the whole budget (the action taken in the message)
  budget_reset,       // a new budget cycle began (the count starts again from zero)
  modem_state,        // the modem supervisor's state changed
  modem_error,        // the modem reported a (new) error code
  recovery_rung,      // the recovery ladder took a rung (redial, reset, power cycle, reboot)
  ddns_published,     // the DDNS record now holds an address
  ddns_failed,        // a DDNS request failed
  reboot_scheduled,   // the ladder asked for a reboot of the host
  config_reloaded,    // SIGHUP: a new configuration runs (or was refused: reason)
  count_
};

std::string_view event_name(EventKind kind);
std::optional<EventKind> parse_event_kind(std::string_view word);
// warning for what went wrong (failover, down, errors, a reboot), notice for the rest.
Level event_level(EventKind kind);

struct Event {
  EventKind kind = EventKind::config_reloaded;
  std::optional<std::chrono::system_clock::time_point> time;  // stamped by publish()
  std::string uplink;
  std::string from;
  std::string to;
  std::string reason;
  std::string address;
  std::optional<Duration> duration;
  std::string message;
};

// `event` with every text field cleaned and bounded (names and codes 64
// bytes, the message 200).
Event cleaned(Event event);
// "2026-12-06T10:02:36.123Z"; "" for no time.
std::string format_event_time(const std::optional<std::chrono::system_clock::time_point>& time);
// The FB_* variables in the order above, each {name, value}, values cleaned;
// empty values included.
std::vector<std::pair<std::string, std::string>> event_fields(const Event& event);
// One log line: the kind, the non-empty fields as key=value (a value with a
// space or a quote in double quotes), then ": " and the message:
// `failover uplink=lte from=wired to=lte reason=CARRIER_LOST duration_ms=5000: default route wired -> lte`.
std::string event_line(const Event& event);
// The journal entry: MESSAGE= (event_line()), PRIORITY= (event_level()),
// then each non-empty FB_* field.
std::vector<std::string> journal_fields(const Event& event);
// A hook's whole environment: PATH, every FB_* field and FB_DRY_RUN.
std::vector<std::string> hook_environment(const Event& event, bool dry_run);

namespace events {
using Sink = std::function<void(Event)>;
// The daemon's bus installs itself; nullptr removes it.
void set_sink(Sink sink);
// Hands `event` to the sink, if there is one.
void publish(Event event);
}  // namespace events

}  // namespace fb
