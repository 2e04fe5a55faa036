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
#include <map>
#include <string>
#include <vector>

#include "fb/net_types.hpp"

namespace fb::health {

enum class UplinkState { unknown, up, degraded, down };
const char* to_string(UplinkState s);

struct UplinkStatus {
  std::string name;
  std::string interface;
  std::string kind;  // "ethernet" | "ppp"
  UplinkState state = UplinkState::unknown;
  bool drained = false;
  std::string reason;  // stable code or short text of the last change
  // Filled by uplink tracking (zero/-1 when it does not run).
  std::int64_t state_age_seconds = -1;  // time in the current state; -1: unknown
  bool active = false;                  // carries the main default route
  std::uint64_t probes_sent = 0;
  std::uint64_t probes_lost = 0;
  std::int64_t probe_rtt_us = -1;  // last answered probe; -1: none yet
  std::uint64_t probe_bytes_sent = 0;
  std::uint64_t probe_bytes_received = 0;
};

// The failover policy's view (Snapshot::failover), when tracking runs.
struct FailoverStatus {
  bool tracking = false;
  std::string active;         // uplink carrying the default route; "": none
  std::string pinned;         // operator's override; "": automatic
  std::string default_route;  // "default via 192.0.2.1 dev eth0"; "": none installed
  std::uint64_t failovers = 0;
  std::uint64_t switches = 0;
  std::string last_from, last_to, last_reason;  // the last failover
  std::int64_t last_age_seconds = -1;           // -1: none yet
  std::int64_t last_duration_ms = -1;           // -1: none yet, or still on the backup
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
  FailoverStatus failover;
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
  std::vector<Cidr> status_allow;  // who may read /status and /metrics
};

// The /status document (also what `failberryctl status --json` prints).
std::string status_json(const Snapshot& snapshot);
bool healthy(const UplinkStatus& uplink);

Response handle(const Request& request, const Snapshot& snapshot, const HandlerPolicy& policy,
                const HttpCounters& counters);

}  // namespace fb::health
