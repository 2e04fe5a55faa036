#include "fb/health/handler.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

namespace fb::health {
namespace {

Response uplink_health(const UplinkStatus& u) {
  Response r;
  r.status = healthy(u) ? 200 : 503;
  r.body = std::string(healthy(u) ? "failberry OK" : "failberry FAIL") + " uplink=" + u.name +
           " state=" + to_string(u.state) + (u.drained ? " drained" : "") + "\n";
  return r;
}

Response plain(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool allowed(const IpAddress& peer, const HandlerPolicy& policy) {
  for (const Cidr& c : policy.status_allow)
    if (c.contains(peer)) return true;
  return false;
}

Response status_response(const Snapshot& s) {
  Response r;
  r.content_type = "application/json";
  r.body = status_json(s);
  return r;
}

}  // namespace

bool healthy(const UplinkStatus& u) {
  return !u.drained && (u.state == UplinkState::up || u.state == UplinkState::degraded);
}

std::string status_json(const Snapshot& s) {
  nlohmann::json j;
  j["version"] = s.version;
  j["uptime_seconds"] = s.uptime_seconds;
  j["mode"] = s.mode;
  j["dry_run"] = s.dry_run;
  j["config"] = {{"reloads", s.config_reloads}, {"reloads_refused", s.config_reloads_refused}};
  j["uplinks"] = nlohmann::json::array();
  for (const UplinkStatus& u : s.uplinks)
    j["uplinks"].push_back({{"name", u.name},
                            {"interface", u.interface},
                            {"kind", u.kind},
                            {"state", to_string(u.state)},
                            {"drained", u.drained},
                            {"healthy", healthy(u)},
                            {"reason", u.reason}});
  if (s.failover.tracking) {
    for (std::size_t i = 0; i < s.uplinks.size(); ++i) {
      const UplinkStatus& u = s.uplinks[i];
      auto& o = j["uplinks"][i];
      o["state_seconds"] = u.state_age_seconds;
      o["active"] = u.active;
      o["probes"] = {{"sent", u.probes_sent},
                     {"lost", u.probes_lost},
                     {"rtt_ms", u.probe_rtt_us < 0 ? nlohmann::json() : nlohmann::json(u.probe_rtt_us / 1000.0)},
                     {"bytes_sent", u.probe_bytes_sent},
                     {"bytes_received", u.probe_bytes_received}};
    }
    const FailoverStatus& f = s.failover;
    nlohmann::json last;
    if (f.last_age_seconds >= 0)
      last = {{"from", f.last_from},
              {"to", f.last_to},
              {"reason", f.last_reason},
              {"seconds_ago", f.last_age_seconds},
              {"duration_ms", f.last_duration_ms < 0 ? nlohmann::json() : nlohmann::json(f.last_duration_ms)}};
    j["failover"] = {{"active", f.active},
                     {"pinned", f.pinned.empty() ? nlohmann::json() : nlohmann::json(f.pinned)},
                     {"default_route", f.default_route},
                     {"failovers", f.failovers},
                     {"switches", f.switches},
                     {"last", last}};
  }
  return j.dump(2) + "\n";
}

namespace {

// Prometheus label values: escape backslash, quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

Response metrics_text(const Snapshot& s, const HttpCounters& counters) {
  std::ostringstream m;
  m << "# HELP failberry_info Daemon version.\n# TYPE failberry_info gauge\n"
    << "failberry_info{version=\"" << label(s.version) << "\"} 1\n"
    << "# HELP failberry_uptime_seconds Time since the daemon started.\n# TYPE failberry_uptime_seconds gauge\n"
    << "failberry_uptime_seconds " << s.uptime_seconds << "\n"
    << "# HELP failberry_config_reloads_total Configuration reloads, by result.\n"
    << "# TYPE failberry_config_reloads_total counter\n"
    << "failberry_config_reloads_total{result=\"applied\"} " << s.config_reloads << "\n"
    << "failberry_config_reloads_total{result=\"refused\"} " << s.config_reloads_refused << "\n"
    << "# HELP failberry_uplink_up Whether the uplink is usable (up or degraded, not drained).\n"
    << "# TYPE failberry_uplink_up gauge\n";
  for (const UplinkStatus& u : s.uplinks)
    m << "failberry_uplink_up{uplink=\"" << label(u.name) << "\",state=\"" << to_string(u.state) << "\"} "
      << (healthy(u) ? 1 : 0) << "\n";
  if (s.failover.tracking) {
    m << "# HELP failberry_uplink_active Whether the uplink carries the main default route.\n"
      << "# TYPE failberry_uplink_active gauge\n";
    for (const UplinkStatus& u : s.uplinks)
      m << "failberry_uplink_active{uplink=\"" << label(u.name) << "\"} " << (u.active ? 1 : 0) << "\n";
    m << "# HELP failberry_failovers_total Switches away from a failing uplink.\n"
      << "# TYPE failberry_failovers_total counter\n"
      << "failberry_failovers_total " << s.failover.failovers << "\n"
      << "# HELP failberry_last_failover_duration_seconds How long traffic stayed off the uplink that failed last.\n"
      << "# TYPE failberry_last_failover_duration_seconds gauge\n"
      << "failberry_last_failover_duration_seconds "
      << (s.failover.last_duration_ms < 0 ? 0.0 : static_cast<double>(s.failover.last_duration_ms) / 1000.0) << "\n"
      << "# HELP failberry_probes_total Reachability probes sent, by result.\n"
      << "# TYPE failberry_probes_total counter\n";
    for (const UplinkStatus& u : s.uplinks) {
      m << "failberry_probes_total{uplink=\"" << label(u.name) << "\",result=\"answered\"} "
        << (u.probes_sent - u.probes_lost) << "\n";
      m << "failberry_probes_total{uplink=\"" << label(u.name) << "\",result=\"lost\"} " << u.probes_lost << "\n";
    }
    m << "# HELP failberry_probe_rtt_seconds Round-trip time of the last answered probe.\n"
      << "# TYPE failberry_probe_rtt_seconds gauge\n";
    for (const UplinkStatus& u : s.uplinks)
      if (u.probe_rtt_us >= 0)
        m << "failberry_probe_rtt_seconds{uplink=\"" << label(u.name) << "\"} "
          << static_cast<double>(u.probe_rtt_us) / 1e6 << "\n";
    m << "# HELP failberry_probe_bytes_total Bytes probes put on and took off the wire (IP layer).\n"
      << "# TYPE failberry_probe_bytes_total counter\n";
    for (const UplinkStatus& u : s.uplinks) {
      m << "failberry_probe_bytes_total{uplink=\"" << label(u.name) << "\",direction=\"sent\"} " << u.probe_bytes_sent
        << "\n";
      m << "failberry_probe_bytes_total{uplink=\"" << label(u.name) << "\",direction=\"received\"} "
        << u.probe_bytes_received << "\n";
    }
  }
  m << "# HELP failberry_http_responses_total HTTP responses sent, by status code.\n"
    << "# TYPE failberry_http_responses_total counter\n";
  for (auto& [status, count] : counters.responses_by_status)
    m << "failberry_http_responses_total{code=\"" << status << "\"} " << count << "\n";
  m << "# HELP failberry_http_connections_evicted_total Connections closed to make room for new ones.\n"
    << "# TYPE failberry_http_connections_evicted_total counter\n"
    << "failberry_http_connections_evicted_total " << counters.connections_evicted << "\n"
    << "# HELP failberry_http_connections_open Open HTTP connections.\n# TYPE failberry_http_connections_open gauge\n"
    << "failberry_http_connections_open " << counters.connections_open << "\n";
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = m.str();
  return r;
}

}  // namespace

const char* to_string(UplinkState s) {
  switch (s) {
    case UplinkState::unknown: return "unknown";
    case UplinkState::up: return "up";
    case UplinkState::degraded: return "degraded";
    case UplinkState::down: return "down";
  }
  return "unknown";
}

Response handle(const Request& request, const Snapshot& snapshot, const HandlerPolicy& policy,
                const HttpCounters& counters) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = plain(405, "method not allowed: use GET or HEAD\n");
    r.allow_header = true;
    return r;
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/health") {
    if (request.arrival_uplink.empty())
      return plain(503, "failberry FAIL uplink=unknown: cannot tell which uplink this request arrived on\n");
    for (const UplinkStatus& u : snapshot.uplinks)
      if (u.name == request.arrival_uplink) return uplink_health(u);
    return plain(503, "failberry FAIL uplink=unknown\n");
  }
  if (path.rfind("/health/", 0) == 0) {
    std::string name = path.substr(8);
    for (const UplinkStatus& u : snapshot.uplinks)
      if (u.name == name) return uplink_health(u);
    return plain(404, "no such uplink\n");
  }
  if (path == "/status" || path == "/metrics") {
    if (!allowed(request.peer, policy)) return plain(403, "forbidden: this address may not read " + path + "\n");
    return path == "/status" ? status_response(snapshot) : metrics_text(snapshot, counters);
  }
  return plain(404, "not found: try /health, /health/UPLINK, /status or /metrics\n");
}

}  // namespace fb::health
