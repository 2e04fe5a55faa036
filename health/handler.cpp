#include "fb/health/handler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>
#include <sstream>

#include "fb/health/status_page.hpp"
#include "fb/text.hpp"

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
  for (const Prefix& c : policy.status_allow)
    if (c.contains(peer)) return true;
  return false;
}

nlohmann::json ddns_json(const DdnsReport& d) {
  if (d.provider == "none") return {{"provider", "none"}};
  auto optional = [](const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  auto text = [](const std::string& v) { return v.empty() ? nlohmann::json() : nlohmann::json(v); };
  // The top level is the first family's (ipv4 when kept), as before families;
  // "families" holds each family's own state.
  nlohmann::json families = nlohmann::json::object();
  for (const DdnsReport& f : d.families) families[f.family] = ddns_json(f);
  nlohmann::json j{
      {"provider", d.provider},
      {"family", d.family},
      {"record", d.record},
      {"hostname", d.hostname},
      {"uplink", d.uplink},
      {"interface", d.interface},
      {"state", d.state},
      {"code", text(d.code)},
      {"detail", d.detail},
      {"published", {{"address", text(d.published)}, {"at", optional(d.published_at)}}},
      {"last_result",
       {{"request", text(d.last_request)}, {"outcome", text(d.last_outcome)}, {"at", optional(d.last_result_at)}}},
      {"next_attempt_in_seconds", optional(d.next_attempt_in_seconds)},
      {"failures", d.failures},
      {"requests", d.requests},
      {"seen", text(d.seen)}};
  if (!d.families.empty()) j["families"] = families;
  return j;
}

nlohmann::json heartbeat_json(const HeartbeatReport& h) {
  if (h.kind == "none") return {{"kind", "none"}};
  auto text = [](const std::string& v) { return v.empty() ? nlohmann::json() : nlohmann::json(v); };
  return {{"kind", h.kind},
          {"endpoint", h.endpoint},
          {"namespace", h.metric_namespace},
          {"state", h.state},
          {"code", text(h.code)},
          {"detail", h.detail},
          {"interval_seconds", h.interval_seconds},
          {"last_ok_at", h.last_ok_at ? nlohmann::json(*h.last_ok_at) : nlohmann::json()},
          {"sent", h.sent},
          {"failures", h.failures},
          {"skipped", h.skipped}};
}

nlohmann::json webhook_json(const WebhookReport& w) {
  if (!w.configured) return {{"url", nullptr}};
  auto optional = [](const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  return {{"url", w.url},
          {"state", w.state},
          {"last_success_at", optional(w.last_success_at)},
          {"last_failure_at", optional(w.last_failure_at)},
          {"last_error", w.last_error.empty() ? nlohmann::json() : nlohmann::json(w.last_error)},
          {"queued", w.queued},
          {"sent", w.sent},
          {"failed", w.failed},
          {"dropped", w.dropped},
          {"retries", w.retries}};
}

nlohmann::json sms_json(const SmsReport& r) {
  if (!r.configured) return nullptr;
  auto text = [](const std::string& v) { return v.empty() ? nlohmann::json() : nlohmann::json(v); };
  return {{"to", r.to},
          {"sent", r.sent},
          {"failed", r.failed},
          {"dropped_daily_limit", r.dropped_daily_limit},
          {"queued", r.queued},
          {"last_error", text(r.last_error)},
          {"waiting_reason", text(r.waiting_reason)}};
}

nlohmann::json event_object(const Event& event) {
  Event e = cleaned(event);
  auto text = [](const std::string& v) { return v.empty() ? nlohmann::json() : nlohmann::json(v); };
  return {{"time", text(format_event_time(e.time))},
          {"event", std::string(event_name(e.kind))},
          {"uplink", text(e.uplink)},
          {"from", text(e.from)},
          {"to", text(e.to)},
          {"reason", text(e.reason)},
          {"address", text(e.address)},
          {"duration_ms", e.duration ? nlohmann::json(e.duration->count()) : nlohmann::json()},
          {"message", e.message}};
}

// Each fact or null; "unknown" says why for each null one.
nlohmann::json host_json(const HostHealth& h) {
  nlohmann::json unknown = nlohmann::json::object();
  auto value = [&](const auto& v, const char* fact) {
    if (!v.value) unknown[fact] = v.unknown;
    return v.value ? nlohmann::json(*v.value) : nlohmann::json();
  };
  nlohmann::json filesystems = nlohmann::json::array();
  for (const FilesystemUsage& f : h.filesystems) {
    std::optional<double> used;
    if (f.size_bytes && f.avail_bytes && *f.size_bytes > 0)
      used = 100.0 * static_cast<double>(*f.size_bytes - std::min(*f.avail_bytes, *f.size_bytes)) /
             static_cast<double>(*f.size_bytes);
    if (!f.unknown.empty()) unknown["filesystem " + f.role] = f.unknown;
    auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    filesystems.push_back({{"role", f.role},
                           {"path", f.path},
                           {"mountpoint", f.mountpoint},
                           {"size_bytes", opt(f.size_bytes)},
                           {"avail_bytes", opt(f.avail_bytes)},
                           {"used_percent", opt(used)},
                           {"readonly", opt(f.readonly)}});
  }
  nlohmann::json memory;
  if (h.memory.value)
    memory = {{"total_bytes", h.memory.value->total_bytes}, {"available_bytes", h.memory.value->available_bytes}};
  else
    unknown["memory"] = h.memory.unknown;
  nlohmann::json zones = nlohmann::json::array();
  nlohmann::json cpu;
  for (const ThermalZone& z : h.thermal) {
    nlohmann::json c = z.celsius.value ? nlohmann::json(*z.celsius.value) : nlohmann::json();
    if (!z.celsius.value) unknown["thermal " + z.zone] = z.celsius.unknown;
    if (z.zone == h.cpu_zone) cpu = c;
    zones.push_back({{"zone", z.zone}, {"type", z.type}, {"celsius", c}});
  }
  if (!h.thermal_unknown.empty()) unknown["thermal"] = h.thermal_unknown;
  if (h.cpu_zone.empty() && !h.thermal.empty()) unknown["cpu_temperature"] = "no zone of type cpu-thermal";
  nlohmann::json throttled;
  if (h.throttled.value) {
    char raw[16];
    std::snprintf(raw, sizeof raw, "0x%x", h.throttled.value->raw);
    nlohmann::json flags = nlohmann::json::array();
    for (const ThrottleFlagName& f : kThrottleFlags)
      if (h.throttled.value->raw & (1u << f.bit)) flags.push_back(f.name);
    throttled = {{"raw", raw}, {"flags", flags}, {"source", h.throttled_source}};
  } else {
    unknown["throttled"] = h.throttled.unknown;
  }
  nlohmann::json j = {{"filesystems", filesystems},
                      {"memory", memory},
                      {"load", value(h.load, "load")},
                      {"cpu_temperature_celsius", cpu},
                      {"cpu_zone", h.cpu_zone.empty() ? nlohmann::json() : nlohmann::json(h.cpu_zone)},
                      {"thermal_zones", zones},
                      {"throttled", throttled},
                      {"root_readonly", value(h.root_readonly, "root_readonly")},
                      {"uptime_seconds", value(h.uptime_seconds, "uptime")},
                      {"boot_time", h.boot_time ? nlohmann::json(*h.boot_time) : nlohmann::json()},
                      {"boot_id", value(h.boot_id, "boot_id")}};
  j["unknown"] = unknown;
  return j;
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

std::string event_json(const Event& event) {
  return event_object(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
    j["uplinks"].push_back(
        {{"name", u.name},
         {"interface", u.interface},
         {"kind", u.kind},
         {"state", to_string(u.state)},
         {"drained", u.drained},
         {"preferred", u.preferred},
         {"healthy", healthy(u)},
         {"reason", u.reason},
         {"nat", u.nat.empty() ? nlohmann::json() : nlohmann::json(u.nat)},
         {"bytes", u.rx_bytes && u.tx_bytes ? nlohmann::json{{"rx", *u.rx_bytes}, {"tx", *u.tx_bytes}} : nullptr}});
  j["ddns"] = ddns_json(s.ddns);
  j["heartbeat"] = heartbeat_json(s.heartbeat);
  if (s.lldp) {
    const LldpReport& l = *s.lldp;
    nlohmann::json neighbors = nlohmann::json::array();
    for (const LldpNeighbor& n : l.neighbors)
      neighbors.push_back({{"interface", n.interface},
                           {"system_name", n.system_name},
                           {"chassis_id", n.chassis_id},
                           {"port_id", n.port_id},
                           {"port_description", n.port_description},
                           {"vlans", n.vlans},
                           {"pvid", n.pvid ? nlohmann::json(*n.pvid) : nlohmann::json()},
                           {"management_ip", n.management_ip},
                           {"age", n.age}});
    j["lldp"] = {{"agent", l.agent},
                 {"error", l.error.empty() ? nlohmann::json() : nlohmann::json(l.error)},
                 {"neighbors", neighbors},
                 {"read_age_seconds", l.read_age_seconds ? nlohmann::json(*l.read_age_seconds) : nlohmann::json()}};
  }
  j["signal_history"] = nlohmann::json::array();
  for (const SignalPoint& p : s.signal_history)
    j["signal_history"].push_back({{"age_seconds", p.age_seconds},
                                   {"dbm", p.dbm ? nlohmann::json(*p.dbm) : nlohmann::json()},
                                   {"kind", p.kind.empty() ? nlohmann::json() : nlohmann::json(p.kind)},
                                   {"bars", p.bars ? nlohmann::json(*p.bars) : nlohmann::json()}});
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  if (s.modem) {
    const ModemReport& r = *s.modem;
    const ModemStatus& m = r.status;
    j["modem"] = {{"state", m.state},
                  {"device", m.device},
                  {"manufacturer", m.identity.manufacturer},
                  {"model", m.identity.model},
                  {"revision", m.identity.revision},
                  {"imei", m.identity.imei},
                  {"iccid", m.identity.iccid},
                  {"sim", m.sim},
                  {"pin_retries", opt(m.pin_retries)},
                  {"registration", m.registration},
                  {"operator", m.network},
                  {"access_tech", m.access_tech},
                  {"signal_dbm", opt(m.signal_dbm)},
                  {"signal_bars", opt(m.signal_bars)},
                  {"rat", m.rat},
                  {"rsrp_dbm", opt(m.rsrp_dbm)},
                  {"rsrq_db", opt(m.rsrq_db)},
                  {"sinr_db", opt(m.sinr_db)},
                  {"band", opt(m.band)},
                  {"cdrom", m.cdrom},
                  {"cdrom_action", m.cdrom_action},
                  {"error", m.code},
                  {"error_detail", m.detail},
                  {"gone", m.gone},
                  {"at_probe", r.at_probe},
                  {"mode_switch", r.mode_switch},
                  {"data_path", r.data_path},
                  {"data_path_reason", r.data_path_why},
                  {"router_api", r.router_api},
                  {"router_api_reason", r.router_api_why},
                  {"net_mode", r.net_mode},
                  {"pdp_type", r.pdp_type},
                  {"pdp_type_reason", r.pdp_type_why},
                  {"ppp",
                   {{"interface", r.ppp_interface},
                    {"local", r.ppp_local},
                    {"remote", r.ppp_remote},
                    {"dns", r.ppp_dns},
                    {"up_seconds", opt(r.ppp_up_seconds)}}}};
  }
  if (s.recovery) {
    const RecoveryStatus& r = *s.recovery;
    j["recovery"] = {{"state", r.state},
                     {"next_rung", r.next_rung},
                     {"next_attempt_in_seconds", opt(r.next_attempt_in_seconds)},
                     {"attempts", r.attempts},
                     {"budget_used", r.budget_used},
                     {"failures", r.failures},
                     {"ladder_resets", r.ladder_resets},
                     {"last_failure", r.last_failure},
                     {"stopped_by", r.stopped_by},
                     {"reboots_last_day", r.reboots_last_day},
                     {"last_reboot_reason", r.last_reboot_reason},
                     {"last_reboot_unix", opt(r.last_reboot_unix)},
                     {"unavailable", r.unavailable},
                     {"last_power_cycle", r.last_power_cycle}};
  }
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
      for (const ProbeFamilyReport& f : u.probe_families)
        o["probes"]["families"][f.family] = {{"targets", f.targets},
                                             {"required", f.required},
                                             {"probed", f.rounds ? nlohmann::json(f.probed) : nlohmann::json()},
                                             {"answered", f.rounds ? nlohmann::json(f.answered) : nlohmann::json()},
                                             {"ok", f.rounds ? nlohmann::json(f.ok) : nlohmann::json()},
                                             {"reason", clean_text(f.reason, 300)}};
      o["quality"] = {{"rtt_ms", u.rtt_ms ? nlohmann::json(*u.rtt_ms) : nlohmann::json()},
                      {"loss_percent", u.loss_percent ? nlohmann::json(*u.loss_percent) : nlohmann::json()},
                      {"window_rounds", u.quality_rounds},
                      {"degraded", u.degraded},
                      {"reason", u.degraded_reason},
                      {"silence_bursts", u.silence_bursts}};
      if (u.budget) {
        const BudgetReport& b = *u.budget;
        std::uint64_t left = b.used_bytes < b.limit_bytes ? b.limit_bytes - b.used_bytes : 0;
        double percent =
            b.limit_bytes ? 100.0 * static_cast<double>(b.used_bytes) / static_cast<double>(b.limit_bytes) : 0.0;
        bool known = b.state != "unknown";
        o["budget"] = {{"limit_bytes", b.limit_bytes},
                       {"used_bytes", known ? nlohmann::json(b.used_bytes) : nlohmann::json()},
                       {"left_bytes", known ? nlohmann::json(left) : nlohmann::json()},
                       {"percent", known ? nlohmann::json(std::round(percent * 10) / 10) : nlohmann::json()},
                       {"state", b.state},
                       {"action", b.action},
                       {"limited", b.limited},
                       {"cycle_start", b.cycle_start ? nlohmann::json(b.cycle_start) : nlohmann::json()},
                       {"cycle_end", b.cycle_end ? nlohmann::json(b.cycle_end) : nlohmann::json()},
                       {"record_problem", clean_text(b.record_problem, 300)}};
      }
      if (u.ipv6) {
        const Ipv6Report& v6 = *u.ipv6;
        o["ipv6"] = {{"state", v6.state},
                     {"reason", clean_text(v6.reason, 300)},
                     {"addresses", v6.addresses},
                     {"router", v6.router.empty() ? nlohmann::json() : nlohmann::json(v6.router)},
                     {"routed", v6.routed}};
      }
      if (!u.ipv6_only.empty()) o["ipv6_only"] = clean_text(u.ipv6_only, 300);
      if (u.probe_cost_bytes_per_minute) o["probe_cost_bytes_per_minute"] = std::round(*u.probe_cost_bytes_per_minute);
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
    if (f.default_route_ipv6) {
      j["failover"]["default_route_ipv6"] =
          f.default_route_ipv6->empty() ? nlohmann::json() : nlohmann::json(*f.default_route_ipv6);
      j["failover"]["ipv6_why_not"] = clean_text(f.ipv6_why_not, 300);
      j["failover"]["lan_ipv6"] = f.lan_ipv6;
    }
    if (!f.ipv4_why_not.empty()) j["failover"]["ipv4_why_not"] = clean_text(f.ipv4_why_not, 300);
  }
  j["webhook"] = webhook_json(s.webhook);
  j["alerts"] = {{"sms", sms_json(s.sms)}};
  if (s.host) j["host"] = host_json(*s.host);
  j["events"] = nlohmann::json::array();
  for (const Event& e : s.events) j["events"].push_back(event_object(e));
  // Text from outside is made valid UTF-8 where it enters; replace, never throw, if some did not.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
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

void metrics_ddns(std::ostringstream& m, const DdnsReport& all) {
  if (all.provider == "none") return;
  // One sample per record and metric; the AAAA record's carry record="AAAA"
  // (the A record's keep the labels they had before families).
  const std::vector<DdnsReport> records = all.families.empty() ? std::vector<DdnsReport>{all} : all.families;
  auto labels = [](const DdnsReport& d) {
    std::string host = "hostname=\"" + label(d.hostname) + "\"";
    if (d.family != "ipv4") host += ",record=\"" + label(d.record) + "\"";
    return host;
  };
  m << "# HELP failberry_ddns_requests_total DDNS requests answered, by request and outcome.\n"
    << "# TYPE failberry_ddns_requests_total counter\n";
  for (const DdnsReport& d : records)
    for (const auto& [key, count] : d.results)
      m << "failberry_ddns_requests_total{" << labels(d) << ",request=\"" << label(key.first) << "\",outcome=\""
        << label(key.second) << "\"} " << count << "\n";
  m << "# HELP failberry_ddns_in_sync Whether the record is known to hold the published address.\n"
    << "# TYPE failberry_ddns_in_sync gauge\n";
  for (const DdnsReport& d : records)
    m << "failberry_ddns_in_sync{" << labels(d) << "} " << (d.state == "in_sync" ? 1 : 0) << "\n";
  m << "# HELP failberry_ddns_error Set for the stable code of the last DDNS failure.\n"
    << "# TYPE failberry_ddns_error gauge\n";
  for (const DdnsReport& d : records)
    if (!d.code.empty()) m << "failberry_ddns_error{" << labels(d) << ",code=\"" << label(d.code) << "\"} 1\n";
  m << "# HELP failberry_ddns_consecutive_failures DDNS failures since the last success.\n"
    << "# TYPE failberry_ddns_consecutive_failures gauge\n";
  for (const DdnsReport& d : records)
    m << "failberry_ddns_consecutive_failures{" << labels(d) << "} " << d.failures << "\n";
  bool any_published = false;
  for (const DdnsReport& d : records) any_published = any_published || d.published_at.has_value();
  if (any_published)
    m << "# HELP failberry_ddns_published_timestamp_seconds When the record was last written or confirmed.\n"
      << "# TYPE failberry_ddns_published_timestamp_seconds gauge\n";
  for (const DdnsReport& d : records)
    if (d.published_at)
      m << "failberry_ddns_published_timestamp_seconds{" << labels(d) << "} " << *d.published_at << "\n";
}

// node-exporter's names and units (failberry_ prefix); a value that could not
// be read has no sample, and failberry_host_unknown{fact=...} says so.
void metrics_host(std::ostringstream& m, const HostHealth& h) {
  auto header = [&](const char* name, const char* help) {
    m << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
  };
  auto fs_labels = [](const FilesystemUsage& f) {
    return "{mountpoint=\"" + label(f.mountpoint) + "\",role=\"" + label(f.role) + "\"}";
  };
  header("failberry_node_filesystem_size_bytes", "Filesystem size in bytes (root and the state directory's).");
  for (const FilesystemUsage& f : h.filesystems)
    if (f.size_bytes) m << "failberry_node_filesystem_size_bytes" << fs_labels(f) << " " << *f.size_bytes << "\n";
  header("failberry_node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.");
  for (const FilesystemUsage& f : h.filesystems)
    if (f.avail_bytes) m << "failberry_node_filesystem_avail_bytes" << fs_labels(f) << " " << *f.avail_bytes << "\n";
  header("failberry_node_filesystem_readonly", "Whether the filesystem is mounted read-only.");
  for (const FilesystemUsage& f : h.filesystems)
    if (f.readonly) m << "failberry_node_filesystem_readonly" << fs_labels(f) << " " << (*f.readonly ? 1 : 0) << "\n";
  if (h.root_readonly.value) {
    header("failberry_root_remounted_readonly", "Whether / is mounted read-only (/proc/mounts): a failing SD card.");
    m << "failberry_root_remounted_readonly " << (*h.root_readonly.value ? 1 : 0) << "\n";
  }
  if (h.memory.value) {
    header("failberry_node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes.");
    m << "failberry_node_memory_MemTotal_bytes " << h.memory.value->total_bytes << "\n";
    header("failberry_node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes.");
    m << "failberry_node_memory_MemAvailable_bytes " << h.memory.value->available_bytes << "\n";
  }
  if (h.load.value) {
    const char* names[] = {"failberry_node_load1", "failberry_node_load5", "failberry_node_load15"};
    const char* help[] = {"1m load average.", "5m load average.", "15m load average."};
    for (int i = 0; i < 3; ++i) {
      header(names[i], help[i]);
      m << names[i] << " " << (*h.load.value)[static_cast<std::size_t>(i)] << "\n";
    }
  }
  header("failberry_node_thermal_zone_temp", "Zone temperature in Celsius.");
  for (const ThermalZone& z : h.thermal)
    if (z.celsius.value)
      m << "failberry_node_thermal_zone_temp{type=\"" << label(z.type) << "\",zone=\"" << label(z.zone) << "\"} "
        << *z.celsius.value << "\n";
  if (h.throttled.value) {
    header("failberry_rpi_throttled", "Raspberry Pi firmware throttling flags (get_throttled), 1 when set.");
    for (const ThrottleFlagName& f : kThrottleFlags)
      m << "failberry_rpi_throttled{flag=\"" << f.name << "\"} " << ((h.throttled.value->raw >> f.bit) & 1u) << "\n";
  }
  if (h.boot_time) {
    header("failberry_node_boot_time_seconds", "Node boot time, in unixtime.");
    m << "failberry_node_boot_time_seconds " << *h.boot_time << "\n";
  }
  if (h.boot_id.value) {
    header("failberry_node_boot_info", "The kernel's boot id (changes at each boot).");
    m << "failberry_node_boot_info{boot_id=\"" << label(*h.boot_id.value) << "\"} 1\n";
  }
  header("failberry_host_unknown", "Host facts that could not be read (the reason is in /status host.unknown).");
  auto unknown = [&](bool missing, const std::string& fact) {
    if (missing) m << "failberry_host_unknown{fact=\"" << label(fact) << "\"} 1\n";
  };
  for (const FilesystemUsage& f : h.filesystems) unknown(!f.unknown.empty(), "filesystem " + f.role);
  unknown(!h.memory.value, "memory");
  unknown(!h.load.value, "load");
  unknown(!h.thermal_unknown.empty(), "thermal");
  for (const ThermalZone& z : h.thermal) unknown(!z.celsius.value, "thermal " + z.zone);
  unknown(!h.throttled.value, "throttled");
  unknown(!h.root_readonly.value, "root_readonly");
  unknown(!h.uptime_seconds.value, "uptime");
  unknown(!h.boot_id.value, "boot_id");
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
  m << "# HELP failberry_uplink_bytes_total Bytes through the uplink's interface, by direction.\n"
    << "# TYPE failberry_uplink_bytes_total counter\n";
  for (const UplinkStatus& u : s.uplinks)
    if (u.rx_bytes && u.tx_bytes)
      m << "failberry_uplink_bytes_total{uplink=\"" << label(u.name) << "\",direction=\"rx\"} " << *u.rx_bytes << "\n"
        << "failberry_uplink_bytes_total{uplink=\"" << label(u.name) << "\",direction=\"tx\"} " << *u.tx_bytes << "\n";
  if (s.modem) {
    const ModemStatus& md = s.modem->status;
    m << "# HELP failberry_modem_info The modem's identity, supervisor state and last error code.\n"
      << "# TYPE failberry_modem_info gauge\n"
      << "failberry_modem_info{model=\"" << label(md.identity.model) << "\",state=\"" << label(md.state)
      << "\",error=\"" << label(md.code) << "\",cdrom=\"" << label(md.cdrom) << "\"} 1\n"
      << "# HELP failberry_modem_registered Whether the modem is registered (home or roaming).\n"
      << "# TYPE failberry_modem_registered gauge\n"
      << "failberry_modem_registered{registration=\"" << label(md.registration) << "\"} "
      << (md.registration == "home" || md.registration == "roaming" ? 1 : 0) << "\n"
      << "# HELP failberry_modem_gone_total Times the modem vanished (EOF/EIO on its tty).\n"
      << "# TYPE failberry_modem_gone_total counter\n"
      << "failberry_modem_gone_total " << md.gone << "\n";
    if (md.signal_dbm)
      m << "# HELP failberry_modem_signal_dbm Received signal strength.\n# TYPE failberry_modem_signal_dbm gauge\n"
        << "failberry_modem_signal_dbm " << *md.signal_dbm << "\n";
    if (md.signal_bars)
      m << "# HELP failberry_modem_signal_bars Signal as 0-4 bars.\n# TYPE failberry_modem_signal_bars gauge\n"
        << "failberry_modem_signal_bars " << *md.signal_bars << "\n";
    if (!md.rat.empty())
      m << "# HELP failberry_modem_radio_info The radio access technology and band in use.\n"
        << "# TYPE failberry_modem_radio_info gauge\n"
        << "failberry_modem_radio_info{rat=\"" << label(md.rat) << "\",band=\""
        << (md.band ? std::to_string(*md.band) : std::string()) << "\"} 1\n";
    if (md.rsrp_dbm)
      m << "# HELP failberry_modem_rsrp_dbm LTE reference signal received power.\n"
        << "# TYPE failberry_modem_rsrp_dbm gauge\n"
        << "failberry_modem_rsrp_dbm " << *md.rsrp_dbm << "\n";
    if (md.rsrq_db)
      m << "# HELP failberry_modem_rsrq_db LTE reference signal received quality.\n"
        << "# TYPE failberry_modem_rsrq_db gauge\n"
        << "failberry_modem_rsrq_db " << *md.rsrq_db << "\n";
    if (md.sinr_db)
      m << "# HELP failberry_modem_sinr_db LTE signal to interference plus noise ratio.\n"
        << "# TYPE failberry_modem_sinr_db gauge\n"
        << "failberry_modem_sinr_db " << *md.sinr_db << "\n";
  }
  if (s.recovery) {
    const RecoveryStatus& r = *s.recovery;
    m << "# HELP failberry_recovery_attempts_total Recovery attempts, by rung.\n"
      << "# TYPE failberry_recovery_attempts_total counter\n";
    for (const auto& [rung, count] : r.attempts)
      m << "failberry_recovery_attempts_total{rung=\"" << label(rung) << "\"} " << count << "\n";
    m << "# HELP failberry_recovery_failures_total Link failures reported to the recovery ladder.\n"
      << "# TYPE failberry_recovery_failures_total counter\n"
      << "failberry_recovery_failures_total " << r.failures << "\n"
      << "# HELP failberry_recovery_ladder_resets_total Times a stable link refilled every rung's budget.\n"
      << "# TYPE failberry_recovery_ladder_resets_total counter\n"
      << "failberry_recovery_ladder_resets_total " << r.ladder_resets << "\n"
      << "# HELP failberry_recovery_reboots_last_day Reboots failberryd requested in the last 24 hours.\n"
      << "# TYPE failberry_recovery_reboots_last_day gauge\n"
      << "failberry_recovery_reboots_last_day " << r.reboots_last_day << "\n";
  }
  if (s.failover.tracking) {
    m << "# HELP failberry_uplink_active Whether the uplink carries the main default route.\n"
      << "# TYPE failberry_uplink_active gauge\n";
    for (const UplinkStatus& u : s.uplinks)
      m << "failberry_uplink_active{uplink=\"" << label(u.name) << "\"} " << (u.active ? 1 : 0) << "\n";
    m << "# HELP failberry_uplink_preferred Whether the uplink is the preferred one (lowest priority): where "
         "traffic goes when every uplink works.\n"
      << "# TYPE failberry_uplink_preferred gauge\n";
    for (const UplinkStatus& u : s.uplinks)
      m << "failberry_uplink_preferred{uplink=\"" << label(u.name) << "\"} " << (u.preferred ? 1 : 0) << "\n";
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
    m << "# HELP failberry_uplink_rtt_median_seconds Median probe round-trip time over the quality window.\n"
      << "# TYPE failberry_uplink_rtt_median_seconds gauge\n";
    for (const UplinkStatus& u : s.uplinks)
      if (u.rtt_ms)
        m << "failberry_uplink_rtt_median_seconds{uplink=\"" << label(u.name) << "\"} " << *u.rtt_ms / 1000.0 << "\n";
    m << "# HELP failberry_uplink_loss_ratio Share of probes lost over the quality window.\n"
      << "# TYPE failberry_uplink_loss_ratio gauge\n";
    for (const UplinkStatus& u : s.uplinks)
      if (u.loss_percent)
        m << "failberry_uplink_loss_ratio{uplink=\"" << label(u.name) << "\"} " << *u.loss_percent / 100.0 << "\n";
    m << "# HELP failberry_uplink_degraded Whether the uplink's latency or loss is above its thresholds.\n"
      << "# TYPE failberry_uplink_degraded gauge\n";
    for (const UplinkStatus& u : s.uplinks)
      m << "failberry_uplink_degraded{uplink=\"" << label(u.name) << "\"} " << (u.degraded ? 1 : 0) << "\n";
    m << "# HELP failberry_silence_bursts_total Probe bursts started by traffic sent with nothing received.\n"
      << "# TYPE failberry_silence_bursts_total counter\n";
    for (const UplinkStatus& u : s.uplinks)
      m << "failberry_silence_bursts_total{uplink=\"" << label(u.name) << "\"} " << u.silence_bursts << "\n";
    bool any_ipv6 = false;
    for (const UplinkStatus& u : s.uplinks) any_ipv6 = any_ipv6 || u.ipv6.has_value();
    if (any_ipv6) {
      m << "# HELP failberry_uplink_ipv6_ready Whether the uplink has a global IPv6 address and a default router.\n"
        << "# TYPE failberry_uplink_ipv6_ready gauge\n";
      for (const UplinkStatus& u : s.uplinks)
        if (u.ipv6)
          m << "failberry_uplink_ipv6_ready{uplink=\"" << label(u.name) << "\"} " << (u.ipv6->state == "ready" ? 1 : 0)
            << "\n";
    }
    // Each family of an uplink's probe targets ([uplink] require): the last
    // finished round's counts are absent until one has finished.
    bool any_family = false;
    for (const UplinkStatus& u : s.uplinks) any_family = any_family || !u.probe_families.empty();
    if (any_family) {
      struct FamilyGauge {
        const char* name;
        const char* help;
        bool after_a_round;
        int (*value)(const ProbeFamilyReport&);
      };
      const FamilyGauge gauges[] = {
          {"failberry_uplink_probe_targets", "The uplink's probe targets of the family.", false,
           [](const ProbeFamilyReport& f) { return f.targets; }},
          {"failberry_uplink_probe_required", "Whether a probe round needs the family's answers ([uplink] require).",
           false, [](const ProbeFamilyReport& f) { return f.required ? 1 : 0; }},
          {"failberry_uplink_probe_probed",
           "Targets of the family probed in the last finished round (absent before the first).", true,
           [](const ProbeFamilyReport& f) { return f.probed; }},
          {"failberry_uplink_probe_answered",
           "Targets of the family that answered in the last finished round (absent before the first).", true,
           [](const ProbeFamilyReport& f) { return f.answered; }},
          {"failberry_uplink_probe_ok",
           "Whether reliability targets of the family answered in the last finished round (absent before the first).",
           true, [](const ProbeFamilyReport& f) { return f.ok ? 1 : 0; }},
      };
      for (const FamilyGauge& g : gauges) {
        m << "# HELP " << g.name << " " << g.help << "\n"
          << "# TYPE " << g.name << " gauge\n";
        for (const UplinkStatus& u : s.uplinks)
          for (const ProbeFamilyReport& f : u.probe_families)
            if (f.rounds || !g.after_a_round)
              m << g.name << "{uplink=\"" << label(u.name) << "\",family=\"" << label(f.family) << "\"} " << g.value(f)
                << "\n";
      }
    }
    bool any_budget = false;
    for (const UplinkStatus& u : s.uplinks) any_budget = any_budget || u.budget.has_value();
    if (any_budget) {
      m << "# HELP failberry_budget_limit_bytes The uplink's data budget per cycle.\n"
        << "# TYPE failberry_budget_limit_bytes gauge\n";
      for (const UplinkStatus& u : s.uplinks)
        if (u.budget)
          m << "failberry_budget_limit_bytes{uplink=\"" << label(u.name) << "\"} " << u.budget->limit_bytes << "\n";
      m << "# HELP failberry_budget_used_bytes Bytes used of the data budget this cycle (absent while unknown).\n"
        << "# TYPE failberry_budget_used_bytes gauge\n";
      for (const UplinkStatus& u : s.uplinks)
        if (u.budget && u.budget->state != "unknown")
          m << "failberry_budget_used_bytes{uplink=\"" << label(u.name) << "\"} " << u.budget->used_bytes << "\n";
      m << "# HELP failberry_budget_exhausted Whether the budget's limit action applies (used up, or unknown).\n"
        << "# TYPE failberry_budget_exhausted gauge\n";
      for (const UplinkStatus& u : s.uplinks)
        if (u.budget)
          m << "failberry_budget_exhausted{uplink=\"" << label(u.name) << "\"} "
            << (u.budget->state == "exhausted" || u.budget->state == "unknown" ? 1 : 0) << "\n";
    }
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
  metrics_ddns(m, s.ddns);
  if (s.webhook.configured) {
    m << "# HELP failberry_webhook_posts_total Events for the webhook, by how they ended.\n"
      << "# TYPE failberry_webhook_posts_total counter\n"
      << "failberry_webhook_posts_total{result=\"sent\"} " << s.webhook.sent << "\n"
      << "failberry_webhook_posts_total{result=\"failed\"} " << s.webhook.failed << "\n"
      << "failberry_webhook_posts_total{result=\"dropped\"} " << s.webhook.dropped << "\n"
      << "# HELP failberry_webhook_retries_total Webhook POSTs repeated after a failure.\n"
      << "# TYPE failberry_webhook_retries_total counter\n"
      << "failberry_webhook_retries_total " << s.webhook.retries << "\n"
      << "# HELP failberry_webhook_queued Events waiting for the webhook.\n"
      << "# TYPE failberry_webhook_queued gauge\n"
      << "failberry_webhook_queued " << s.webhook.queued << "\n";
  }
  if (s.sms.configured) {
    m << "# HELP failberry_sms_sent_total SMS alerts the modem accepted (+CMGS).\n"
      << "# TYPE failberry_sms_sent_total counter\n"
      << "failberry_sms_sent_total " << s.sms.sent << "\n"
      << "# HELP failberry_sms_failed_total SMS alerts the modem refused or did not answer.\n"
      << "# TYPE failberry_sms_failed_total counter\n"
      << "failberry_sms_failed_total " << s.sms.failed << "\n"
      << "# HELP failberry_sms_dropped_total SMS alerts dropped over sms_daily_limit.\n"
      << "# TYPE failberry_sms_dropped_total counter\n"
      << "failberry_sms_dropped_total " << s.sms.dropped_daily_limit << "\n";
  }
  if (s.host) metrics_host(m, *s.host);
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = m.str();
  return r;
}

}  // namespace

std::optional<HealthQuery> health_query(std::string_view method, std::string_view target) {
  if (method != "GET" && method != "HEAD") return std::nullopt;
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/health") return HealthQuery{true, {}};
  if (path.substr(0, 8) == "/health/") return HealthQuery{false, path.substr(8)};
  return std::nullopt;
}

Response handle(const Request& request, const Snapshot& snapshot, const HandlerPolicy& policy,
                const HttpCounters& counters) {
  return handle(
      request, [&]() -> const Snapshot& { return snapshot; }, policy, counters);
}

Response handle(const Request& request, const std::function<const Snapshot&()>& snapshot_of,
                const HandlerPolicy& policy, const HttpCounters& counters) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = plain(405, "method not allowed: use GET or HEAD\n");
    r.allow_header = true;
    return r;
  }
  if (auto query = health_query(request.method, request.target)) {
    if (query->by_arrival && request.arrival_uplink.empty())
      return plain(503, "failberry FAIL uplink=unknown: cannot tell which uplink this request arrived on\n");
    std::string_view name = query->by_arrival ? std::string_view(request.arrival_uplink) : query->name;
    for (const UplinkStatus& u : snapshot_of().uplinks)
      if (u.name == name) return uplink_health(u);
    return query->by_arrival ? plain(503, "failberry FAIL uplink=unknown\n") : plain(404, "no such uplink\n");
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/" || path == "/status" || path == "/metrics") {
    const std::string& via = request.arrival_uplink;
    if (!via.empty() &&
        std::find(policy.status_uplinks.begin(), policy.status_uplinks.end(), via) == policy.status_uplinks.end())
      return plain(403,
                   "forbidden: " + path + " is not served on uplink " + via + " ([uplink." + via + "] serve_status)\n");
    if (!allowed(request.peer, policy)) return plain(403, "forbidden: this address may not read " + path + "\n");
    if (path == "/") {  // the page reads /status itself: no snapshot here
      Response r;
      r.content_type = "text/html; charset=utf-8";
      r.body = std::string(status_page_html());
      return r;
    }
    return path == "/status" ? status_response(snapshot_of()) : metrics_text(snapshot_of(), counters);
  }
  return plain(404, "not found: try /, /health, /health/UPLINK, /status or /metrics\n");
}

}  // namespace fb::health
