// The HTTP handler of /health, /status and /metrics: a pure function of the
// request and a snapshot of the daemon's state (Beast's "small server" shape).
//
// Contract: no I/O, no clocks, never throws; every input gets an answer.
// Route53 semantics: 2xx/3xx is healthy, anything else is not, so an uplink
// whose state is unknown, down or drained answers 503. Bodies start with a
// fixed token ("failberry OK" / "failberry FAIL") for string-match checks,
// and nothing from the request is reflected into a response.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/event.hpp"
#include "fb/health/host_health.hpp"
#include "fb/health/lldp.hpp"
#include "fb/health/signal_history.hpp"
#include "fb/health/uplink_health.hpp"
#include "fb/modem_status.hpp"
#include "fb/net_types.hpp"

namespace fb::health {

// An uplink's data budget ([uplink.X] budget; UplinkStatus::budget).
struct BudgetReport {
  std::uint64_t limit_bytes = 0;
  std::uint64_t used_bytes = 0;
  std::string state;             // ok | warn | exhausted | unknown (the record could not be read)
  std::string action;            // warn | allow-list | stop
  bool limited = false;          // the action is applied now (exhausted, or unknown: fail closed)
  std::int64_t cycle_start = 0;  // unix seconds (local midnight); 0: not known yet
  std::int64_t cycle_end = 0;
  std::string record_problem;  // "" or why budget.json could not be read or written (cleaned text)
};

// An uplink's IPv6 ([uplink.X] ipv6 = true; UplinkStatus::ipv6).
struct Ipv6Report {
  // ready | no-address | no-router | blocked (a kernel setting it needs could
  // not be made) | unbound (no interface yet)
  std::string state;
  std::string reason;                  // "" when ready; else a stable code and what to do
  std::vector<std::string> addresses;  // global ones, as the kernel has them
  std::string router;                  // the default router (link-local), "" when none
  bool routed = false;                 // failberryd's IPv6 default route leads out of it
};

// One family of an uplink's probe targets (UplinkStatus::probe_families).
struct ProbeFamilyReport {
  std::string family;     // "ipv4" | "ipv6"
  int targets = 0;        // probe_targets of this family
  bool required = false;  // [uplink] require names it: a round needs its answers
  int probed = 0;         // in the last finished round (an IPv6 target without usable IPv6 is not)
  int answered = 0;       // in the last finished round
  bool ok = false;        // of these, reliability answered (all of them when fewer)
  bool rounds = false;    // a round has finished
  std::string reason;     // "" or why targets were not probed or the last probe error
};

struct UplinkStatus {
  std::string name;
  std::string interface;
  std::string kind;  // "ethernet" | "ppp"
  UplinkState state = UplinkState::unknown;
  bool drained = false;
  std::string reason;  // stable code or short text of the last change
  // The interface's own counters (all its traffic, probes included); none
  // while the interface does not exist (a ppp link that is down) or while
  // the daemon cannot read them.
  std::optional<std::uint64_t> rx_bytes{};
  std::optional<std::uint64_t> tx_bytes{};
  // Filled by uplink tracking (zero/-1 when it does not run).
  std::int64_t state_age_seconds = -1;  // time in the current state; -1: unknown
  bool active = false;                  // carries the main default route
  bool preferred = false;               // the lowest priority: where traffic goes when all is well
  std::uint64_t probes_sent = 0;
  std::uint64_t probes_lost = 0;
  std::int64_t probe_rtt_us = -1;  // last answered probe; -1: none yet
  std::uint64_t probe_bytes_sent = 0;
  std::uint64_t probe_bytes_received = 0;
  // "uplink cell is behind carrier-grade NAT (100.72.1.9): ..." or "" (fb/core/cgnat.hpp).
  std::string nat{};
  // Link quality over the tracker's window of probe rounds.
  std::optional<double> rtt_ms{};                   // median RTT of the answered probes; none: nothing answered
  std::optional<double> loss_percent{};             // probes lost; none before the first round
  int quality_rounds{0};                            // rounds in the window
  bool degraded = false;                            // latency or loss above the thresholds (with hysteresis)
  std::string degraded_reason{};                    // HIGH_LATENCY, HIGH_LOSS; "" when not degraded
  std::uint64_t silence_bursts = 0;                 // bursts of probes started by traffic out with nothing in
  std::optional<BudgetReport> budget{};             // none: no budget on this uplink
  std::optional<Ipv6Report> ipv6{};                 // none: [uplink] ipv6 = false
  std::string ipv6_only{};                          // "" or: no IPv4 address, and what that means (require = ipv6)
  std::vector<ProbeFamilyReport> probe_families{};  // one per family with probe targets
  // Metered uplinks (metered or a budget): what the probes cost per minute
  // over the last minutes; none before a minute of samples.
  std::optional<double> probe_cost_bytes_per_minute{};
};

// The failover policy's view (Snapshot::failover), when tracking runs.
struct FailoverStatus {
  bool tracking = false;
  std::string active;         // uplink carrying the default route; "": none
  std::string pinned;         // operator's override; "": automatic
  std::string default_route;  // "default via 192.0.2.1 dev eth0"; "": none installed
  // IPv6 (some uplink has ipv6 = true; none otherwise): failberryd's IPv6
  // default, "" when it has none, and then why not.
  std::optional<std::string> default_route_ipv6{};
  std::string ipv6_why_not{};
  // What the LAN's IPv6 hosts do (failberryd sends no router advertisements), per mode.
  std::string lan_ipv6{};
  // "" or why failberryd has no IPv4 default: the chosen uplink carries IPv6 only.
  std::string ipv4_why_not{};
  std::uint64_t failovers = 0;
  std::uint64_t switches = 0;
  std::string last_from, last_to, last_reason;  // the last failover
  std::int64_t last_age_seconds = -1;           // -1: none yet
  std::int64_t last_duration_ms = -1;           // -1: none yet, or still on the backup
};

// Dynamic DNS as /status and /metrics show it. Never holds a secret: the
// composition root copies only names, states, codes and addresses here.
struct DdnsReport {
  std::string provider = "none";  // "none": nothing runs, the other fields are empty
  std::string family = "ipv4";    // the record this report is about: "ipv4" (A) or "ipv6" (AAAA)
  std::string record = "A";
  std::string hostname;
  std::string uplink;
  std::string interface;
  std::string state;                           // the scheduler's state, or "dry_run" / "setup_failed"
  std::string code;                            // "" or a stable DDNS_* code of the last failure
  std::string detail;                          // human text of the last result
  std::string published;                       // last published address, "" when none is known
  std::optional<std::int64_t> published_at;    // unix seconds
  std::string last_request;                    // "get" | "set" | ""
  std::string last_outcome;                    // e.g. "observed", "published", "auth_failed"
  std::optional<std::int64_t> last_result_at;  // unix seconds
  std::optional<std::int64_t> next_attempt_in_seconds;
  unsigned failures = 0;                                                 // consecutive
  std::uint64_t requests = 0;                                            // sent since the scheduler started
  std::map<std::pair<std::string, std::string>, std::uint64_t> results;  // (request, outcome) -> count
  std::string seen{};  // Lambda: the address the API saw at the last get; "" when none
  // [ddns] families = both: every family's report, this one's included
  // (/status "families"); empty when only this family is kept.
  std::vector<DdnsReport> families{};
};

// The webhook ([alerts] webhook_url; "webhook" in /status, /metrics).
struct WebhookReport {
  bool configured = false;                      // false: no webhook_url, the other fields are empty
  std::string url;                              // as shown: scheme://host[:port]/… (the path may be a secret)
  std::string state;                            // idle | sending | waiting (a retry) | setup_failed
  std::string last_error;                       // "" or what the last failure was, cleaned
  std::optional<std::int64_t> last_success_at;  // unix seconds
  std::optional<std::int64_t> last_failure_at;  // unix seconds
  std::size_t queued = 0;                       // events waiting, the one being sent included
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;   // given up: refused, out of attempts, or not sendable
  std::uint64_t dropped = 0;  // pushed out of a full queue
  std::uint64_t retries = 0;
};

// SMS alerts ([alerts] sms_to; "alerts": {"sms": ...} in /status, /metrics).
struct SmsReport {
  bool configured = false;      // false: no sms_to, the other fields are empty
  std::vector<std::string> to;  // masked: "+******00"
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped_daily_limit = 0;
  std::size_t queued = 0;      // texts waiting
  std::string last_error;      // "" or the number (masked) and the code
  std::string waiting_reason;  // "" or why the texts that wait do not go now
};

// The cellular modem ("modem" in /status): the supervisor's status (the
// ICCID masked, the configured device while there is no tty) and what only
// the modem adapters know.
struct ModemReport {
  ModemStatus status;
  std::string at_probe;        // the last AT port probe: each tty tried and what it did ("" when none ran)
  std::string mode_switch;     // the last mode switch: what was sent and how it ended ("" when none ran)
  std::string data_path;       // the path the last discovery chose: "ppp", "net", "hilink" ("" not yet)
  std::string data_path_why;   // why: "auto: HiLink stick 12d1:14dc", "[modem] data = net"
  std::string router_api;      // the hilink path's API dialect: "huawei", "zte", "unknown" ("" on other paths)
  std::string router_api_why;  // why: "auto: 19d2:1405 MF823, MF833N (router mode)", "[modem] router_api = zte"
  std::string net_mode;        // the module's USB mode for the net path ("" when the profile has none)
  std::string pdp_type;        // the attach and dial contexts' type: "IP", "IPV6", "IPV4V6" ("" none chosen)
  std::string pdp_type_why;    // why: "the modem lists no IPV4V6 (AT+CGDCONT=? lists IP, PPP): IP"
  std::string ppp_interface;   // the PPP link as pppd reported it ("" when down)
  std::string ppp_local, ppp_remote;
  std::vector<std::string> ppp_dns;
  std::optional<std::int64_t> ppp_up_seconds{};  // how long the PPP session has been up
};

// The recovery ladder ("recovery" in /status).
struct RecoveryStatus {
  std::string state;
  std::string next_rung;
  std::optional<std::int64_t> next_attempt_in_seconds;
  std::map<std::string, std::uint64_t> attempts;  // by rung, since start
  std::map<std::string, unsigned> budget_used;    // by rung, since the ladder last reset
  std::uint64_t failures = 0;
  std::uint64_t ladder_resets = 0;
  std::string last_failure;
  std::string stopped_by;
  unsigned reboots_last_day = 0;
  std::string last_reboot_reason;
  std::optional<std::int64_t> last_reboot_unix;
  std::vector<std::string> unavailable;  // rungs this build cannot perform
  std::string last_power_cycle;          // "ok by sysfs-disable (...)" or "STILL_PRESENT: ..."
};

// [health] heartbeat: the push heartbeat's last round (Snapshot::heartbeat).
struct HeartbeatReport {
  std::string kind = "none";  // "none": nothing runs, the other fields are empty
  std::string endpoint;
  std::string metric_namespace;
  std::string state;   // "starting", "ok", "failing", "setup_failed"
  std::string code;    // "" or a stable HEARTBEAT_* code of the last failure
  std::string detail;  // human text of the last result (never a secret)
  std::int64_t interval_seconds = 0;
  std::optional<std::int64_t> last_ok_at;  // unix seconds
  std::uint64_t sent = 0;                  // requests answered OK since start
  std::uint64_t failures = 0;              // requests that failed since start
  std::uint64_t skipped = 0;               // rounds skipped while the previous request was still out
};

// What the daemon knows right now; built by the composition root.
struct Snapshot {
  std::string version;
  std::int64_t uptime_seconds = 0;
  std::string mode;
  bool dry_run = false;
  std::uint64_t config_reloads = 0;
  std::uint64_t config_reloads_refused = 0;
  std::vector<UplinkStatus> uplinks;
  DdnsReport ddns;
  HeartbeatReport heartbeat;
  std::optional<ModemReport> modem;
  std::optional<RecoveryStatus> recovery;
  FailoverStatus failover;
  std::vector<Event> events;  // the last ones, oldest first (the daemon's EventBus keeps them)
  WebhookReport webhook;
  SmsReport sms;
  std::optional<HostHealth> host;           // the Pi itself ("host" in /status, failberry_node_* in /metrics)
  std::vector<SignalPoint> signal_history;  // the modem's signal over the last hour, oldest first
  std::optional<LldpReport> lldp;           // none: not asked (no reader)
};

struct Request {
  std::string method;
  std::string target;
  IpAddress peer;
  std::string arrival_uplink;  // the uplink the connection came in on; empty: unknown
};

struct Response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  bool allow_header = false;  // 405: send "Allow: GET, HEAD"
};

// Counters the handler reports in /metrics; kept by the server.
struct HttpCounters {
  std::map<unsigned, std::uint64_t> responses_by_status;
  std::uint64_t connections_evicted = 0;
  std::uint64_t connections_open = 0;
};

struct HandlerPolicy {
  std::vector<Prefix> status_allow;              // who may read /status and /metrics
  std::vector<std::string> status_uplinks = {};  // uplinks on which they are served ([uplink.X] serve_status)
};

// What a GET or HEAD of /health or /health/UPLINK asks about: the uplink
// named in the path, or (`by_arrival`, plain /health) the one the connection
// arrived on. nullopt for any other request. `name` points into `target`.
struct HealthQuery {
  bool by_arrival = false;
  std::string_view name;
};
std::optional<HealthQuery> health_query(std::string_view method, std::string_view target);

// The /status document (also what `failberryctl status --json` prints).
std::string status_json(const Snapshot& snapshot);
// One event as a JSON object (one line): time, event, uplink, from, to,
// reason, address (null when empty), duration_ms (null when none), message;
// text cleaned (fb::cleaned()). /status's "events" and `failberryctl events`.
std::string event_json(const Event& event);
bool healthy(const UplinkStatus& uplink);

Response handle(const Request& request, const Snapshot& snapshot, const HandlerPolicy& policy,
                const HttpCounters& counters);
// The same, asking for the snapshot only when the answer needs it: a 403,
// 404 or 405 (a scanner, a flood) costs no snapshot.
Response handle(const Request& request, const std::function<const Snapshot&()>& snapshot, const HandlerPolicy& policy,
                const HttpCounters& counters);

}  // namespace fb::health
