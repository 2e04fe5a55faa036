// failberryctl: the operator's command line for a running failberryd, over
// its control socket. `check` is a Nagios/Icinga plugin (exit 0 OK,
// 1 WARNING, 2 CRITICAL, 3 UNKNOWN, with perfdata).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fb/config/wvdial_import.hpp"

namespace {

constexpr const char* kDefaultSocket = "/run/failberry/control.sock";

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: failberryctl [--socket PATH] COMMAND\n"
               "  status [--json]        uplinks, states and daemon facts\n"
               "  events [--follow] [--json]\n"
               "                         the last events (failover, uplink up/down, ...); --follow:\n"
               "                         then each new one until Ctrl-C; --json: one object a line\n"
               "  check                  Nagios plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n"
               "  drain UPLINK           make UPLINK answer 503 on /health (maintenance)\n"
               "  undrain UPLINK         let UPLINK answer by its state again\n"
               "  redial | reset-modem | cycle-usb | ddns-update\n"
               "  failover UPLINK|auto\n"
               "  import-wvdial FILE [--section NAME] [--credentials-file PATH]\n"
               "                         print a failberry.ini made from a wvdial.conf (needs no daemon;\n"
               "                         writes no file): [Dialer NAME], default Defaults\n"
               "default socket: %s\n",
               kDefaultSocket);
}

// A connected control socket with `request` sent; -1 and an error text when not.
int open_and_send(const std::string& path, const nlohmann::json& request, bool timeout, std::string& error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    error = "socket path too long";
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && timeout) {
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = std::string("cannot reach failberryd at ") + path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  }
  std::string out = request.dump() + "\n";
  if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
    error = "no valid reply from failberryd at " + path;
    ::close(fd);
    return -1;
  }
  return fd;
}

// One request line out, one reply line back; nothing or an error text.
std::optional<nlohmann::json> ask(const std::string& path, const nlohmann::json& request, std::string& error) {
  int fd = open_and_send(path, request, true, error);
  if (fd < 0) return std::nullopt;
  std::string in;
  char buf[4096];
  ssize_t n;
  while (in.find('\n') == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0)
    in.append(buf, static_cast<size_t>(n));
  ::close(fd);
  auto reply = nlohmann::json::parse(in, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    error = "no valid reply from failberryd at " + path;
    return std::nullopt;
  }
  return reply;
}

std::string text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string utc(const nlohmann::json& seconds) {
  if (!seconds.is_number_integer()) return "?";
  std::time_t t = seconds.get<std::time_t>();
  std::tm tm{};
  char buf[32];
  if (!::gmtime_r(&t, &tm) || !std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm)) return "?";
  return buf;
}

// A byte count as people read a data plan: "153.6 kB" (decimal units); "?" when not a number.
std::string bytes_text(const nlohmann::json& bytes) {
  if (!bytes.is_number_unsigned() && !bytes.is_number_integer()) return "?";
  double v = bytes.get<double>();
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int i = 0;
  while (v >= 1000 && i < 4) {
    v /= 1000;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, i == 0 ? "%.0f %s" : "%.1f %s", v, units[i]);
  return buf;
}

// The end of a budget cycle in the local time zone, where the cycle day is counted.
std::string local_time(const nlohmann::json& seconds) {
  if (!seconds.is_number_integer()) return "?";
  std::time_t t = seconds.get<std::time_t>();
  std::tm tm{};
  char buf[32];
  if (!::localtime_r(&t, &tm) || !std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm)) return "?";
  return buf;
}

// Per metered uplink: its data budget (used, left, cycle end) and what its probes cost.
void print_budget(const nlohmann::json& u) {
  if (u.contains("budget") && u["budget"].is_object()) {
    const auto& b = u["budget"];
    std::string state = text(b, "state");
    if (state == "unknown")
      std::printf("  budget %s: unknown of %s, cycle ends %s; %s\n", text(u, "name").c_str(),
                  bytes_text(b.value("limit_bytes", nlohmann::json())).c_str(),
                  local_time(b.value("cycle_end", nlohmann::json())).c_str(),
                  b.value("limited", false) ? ("limit applied: " + text(b, "action")).c_str() : "only told (warn)");
    else
      std::printf("  budget %s: %s, %s used of %s, %s left, cycle ends %s; at the limit: %s%s\n",
                  text(u, "name").c_str(), state.c_str(), bytes_text(b.value("used_bytes", nlohmann::json())).c_str(),
                  bytes_text(b.value("limit_bytes", nlohmann::json())).c_str(),
                  bytes_text(b.value("left_bytes", nlohmann::json())).c_str(),
                  local_time(b.value("cycle_end", nlohmann::json())).c_str(), text(b, "action").c_str(),
                  b.value("limited", false) ? " (applied now)" : "");
    if (!text(b, "record_problem").empty()) std::printf("    record: %s\n", text(b, "record_problem").c_str());
  }
  if (u.contains("probe_cost_bytes_per_minute") && u["probe_cost_bytes_per_minute"].is_number())
    std::printf("  probe cost %s: %.0f B/min\n", text(u, "name").c_str(),
                u["probe_cost_bytes_per_minute"].get<double>());
}

// One record's DDNS lines; `record` is "" or " A" / " AAAA" when more than one is kept.
void print_ddns_record(const nlohmann::json& d, const std::string& record) {
  std::printf("DDNS: %s %s%s via %s (%s): %s\n", text(d, "provider").c_str(), text(d, "hostname").c_str(),
              record.c_str(), text(d, "uplink").c_str(), text(d, "interface").c_str(), text(d, "state").c_str());
  const auto& published = d.value("published", nlohmann::json::object());
  if (published.contains("address") && published["address"].is_string())
    std::printf("  published %s%s\n", text(published, "address").c_str(),
                published.contains("at") && !published["at"].is_null() ? (" at " + utc(published["at"])).c_str() : "");
  else
    std::printf("  published: nothing known yet\n");
  const auto& last = d.value("last_result", nlohmann::json::object());
  if (last.contains("request") && last["request"].is_string())
    std::printf("  last result: %s %s at %s\n", text(last, "request").c_str(), text(last, "outcome").c_str(),
                utc(last["at"]).c_str());
  if (d.contains("code") && d["code"].is_string()) std::printf("  error: %s\n", text(d, "code").c_str());
  if (!text(d, "detail").empty()) std::printf("  %s\n", text(d, "detail").c_str());
  if (d.contains("next_attempt_in_seconds") && d["next_attempt_in_seconds"].is_number_integer())
    std::printf("  next attempt in %llds\n", static_cast<long long>(d["next_attempt_in_seconds"].get<std::int64_t>()));
}

// DDNS lines under the uplink table; names, states and codes only (the daemon never sends a secret).
// With [ddns] families = both, one block per record.
void print_ddns(const nlohmann::json& d) {
  std::string provider = text(d, "provider");
  if (provider.empty() || provider == "none") {
    std::printf("DDNS: none\n");
    return;
  }
  const auto& families = d.value("families", nlohmann::json::object());
  if (!families.is_object() || families.size() < 2) return print_ddns_record(d, "");
  for (const auto& [family, f] : families.items())
    if (f.is_object()) print_ddns_record(f, " " + text(f, "record"));
}

// The push heartbeat's line: state, endpoint, counts, the last error's code and words.
void print_heartbeat(const nlohmann::json& h) {
  std::string kind = text(h, "kind");
  if (kind.empty() || kind == "none") return;
  auto count = [&](const char* key) { return h.contains(key) && h[key].is_number() ? h[key].get<long long>() : 0LL; };
  std::printf("heartbeat: %s to %s (namespace %s) every %llds: %s, %lld sent, %lld failed, %lld skipped\n",
              kind.c_str(), text(h, "endpoint").c_str(), text(h, "namespace").c_str(), count("interval_seconds"),
              text(h, "state").c_str(), count("sent"), count("failures"), count("skipped"));
  if (h.contains("code") && h["code"].is_string()) std::printf("  error: %s\n", text(h, "code").c_str());
  if (!text(h, "detail").empty()) std::printf("  %s\n", text(h, "detail").c_str());
}

std::optional<double> number(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string bytes_text(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) bytes /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

// One line about the Pi itself: disk, memory, load, temperature, throttling
// in words when set, a read-only root; "?" for what the daemon could not read.
void print_host(const nlohmann::json& h) {
  if (!h.is_object()) return;
  std::string line = "host:";
  auto add = [&](const std::string& part) { line += (line == "host:" ? " " : ", ") + part; };
  char buf[96];
  for (const auto& f : h.value("filesystems", nlohmann::json::array())) {
    std::string what = text(f, "role") == "root" ? "disk /" : text(f, "role") + " " + text(f, "path");
    if (number(f, "used_percent") && number(f, "size_bytes")) {
      std::snprintf(buf, sizeof buf, " %.0f%% used of %s", *number(f, "used_percent"),
                    bytes_text(*number(f, "size_bytes")).c_str());
      what += buf;
    } else {
      what += " ?";
    }
    if (f.value("readonly", nlohmann::json()).is_boolean() && f.value("readonly", false)) what += " (read-only)";
    add(what);
  }
  const auto& mem = h.value("memory", nlohmann::json());
  if (mem.is_object() && number(mem, "total_bytes") && number(mem, "available_bytes"))
    add("memory " + bytes_text(*number(mem, "available_bytes")) + " free of " +
        bytes_text(*number(mem, "total_bytes")));
  else
    add("memory ?");
  const auto& load = h.value("load", nlohmann::json());
  if (load.is_array() && load.size() == 3 && load[0].is_number() && load[1].is_number() && load[2].is_number()) {
    std::snprintf(buf, sizeof buf, "load %.2f %.2f %.2f", load[0].get<double>(), load[1].get<double>(),
                  load[2].get<double>());
    add(buf);
  } else {
    add("load ?");
  }
  if (std::optional<double> cpu = number(h, "cpu_temperature_celsius")) {
    std::snprintf(buf, sizeof buf, "CPU %.1f C", *cpu);
    add(buf);
  } else {
    add("CPU temperature ?");
  }
  const auto& throttled = h.value("throttled", nlohmann::json());
  if (throttled.is_object()) {
    std::string flags;
    for (const auto& f : throttled.value("flags", nlohmann::json::array())) {
      std::string word = f.is_string() ? f.get<std::string>() : std::string("?");
      std::replace(word.begin(), word.end(), '_', ' ');
      flags += (flags.empty() ? "" : ", ") + word;
    }
    add(flags.empty() ? std::string("not throttled") : "THROTTLING: " + flags);
  }
  if (h.value("root_readonly", nlohmann::json()).is_boolean() && h.value("root_readonly", false))
    add("ROOT FILE SYSTEM READ-ONLY (SD card failing?)");
  std::printf("%s\n", line.c_str());
}

// The switch and port each interface is plugged into, as the LLDP agent says.
void print_lldp(const nlohmann::json& l) {
  if (l.empty()) return;
  if (!text(l, "error").empty()) {
    std::printf("LLDP: %s\n", text(l, "error").c_str());
    return;
  }
  const auto& neighbors = l.value("neighbors", nlohmann::json::array());
  if (!neighbors.is_array() || neighbors.empty()) {
    std::printf("LLDP: no neighbour seen\n");
    return;
  }
  for (const auto& n : neighbors) {
    std::string vlans;
    if (n.contains("vlans") && n["vlans"].is_array())
      for (const auto& v : n["vlans"])
        if (v.is_number_integer()) vlans += (vlans.empty() ? ", VLAN " : ",") + std::to_string(v.get<int>());
    std::string port = text(n, "port_description").empty() ? text(n, "port_id") : text(n, "port_description");
    std::printf("LLDP: %s -> %s port %s%s\n", text(n, "interface").c_str(),
                text(n, "system_name").empty() ? text(n, "chassis_id").c_str() : text(n, "system_name").c_str(),
                port.c_str(), vlans.c_str());
  }
}

// Per IPv6 uplink: its state, addresses and router, or what stands in its way.
void print_ipv6(const nlohmann::json& u) {
  if (!u.contains("ipv6") || !u["ipv6"].is_object()) return;
  const auto& v6 = u["ipv6"];
  std::string addresses;
  if (v6.contains("addresses") && v6["addresses"].is_array())
    for (const auto& a : v6["addresses"])
      if (a.is_string()) addresses += (addresses.empty() ? "" : ", ") + a.get<std::string>();
  std::string router = text(v6, "router");
  std::printf("  IPv6 %s: %s, addresses %s, router %s%s%s%s\n", text(u, "name").c_str(), text(v6, "state").c_str(),
              addresses.empty() ? "none" : addresses.c_str(), router.empty() ? "none" : router.c_str(),
              v6.value("routed", false) ? ", carries the IPv6 default" : "", text(v6, "reason").empty() ? "" : "; ",
              text(v6, "reason").c_str());
}

// Per uplink and family of its probe targets: the last round's answers, or
// why the family was not probed.
void print_probe_families(const nlohmann::json& u) {
  if (!u.contains("probes") || !u["probes"].is_object() || !u["probes"].contains("families") ||
      !u["probes"]["families"].is_object())
    return;
  for (const char* family : {"ipv4", "ipv6"}) {
    if (!u["probes"]["families"].contains(family) || !u["probes"]["families"][family].is_object()) continue;
    const auto& f = u["probes"]["families"][family];
    auto count = [&](const char* key) {
      return f.contains(key) && f[key].is_number_integer() ? f[key].get<long long>() : -1;
    };
    long long targets = count("targets"), probed = count("probed"), answered = count("answered");
    std::string result;
    if (probed < 0 || answered < 0)
      result = "no round finished yet";
    else if (probed == targets)
      result = std::to_string(answered) + " of " + std::to_string(targets) + " answered";
    else
      result = std::to_string(answered) + " of " + std::to_string(targets) + " answered (" + std::to_string(probed) +
               " probed)";
    const char* ok = !f.contains("ok") || !f["ok"].is_boolean() ? "" : f["ok"].get<bool>() ? ", ok" : ", too few";
    std::printf("  probes %s %s: %s, %s%s%s%s\n", text(u, "name").c_str(), family, result.c_str(),
                f.value("required", false) ? "required" : "not required", ok, text(f, "reason").empty() ? "" : "; ",
                text(f, "reason").c_str());
  }
}

int print_status(const nlohmann::json& s) {
  std::printf("failberryd %s, %s mode%s, up %llds, config reloads %lld (%lld refused)\n", text(s, "version").c_str(),
              text(s, "mode").c_str(), s.value("dry_run", false) ? " (dry-run)" : "",
              static_cast<long long>(s.value("uptime_seconds", 0)),
              static_cast<long long>(s["config"].value("reloads", 0)),
              static_cast<long long>(s["config"].value("reloads_refused", 0)));
  std::printf("%-12s %-10s %-9s %-9s %-8s %s\n", "UPLINK", "INTERFACE", "KIND", "STATE", "HEALTH", "REASON");
  for (const auto& u : s["uplinks"])
    std::printf("%-12s %-10s %-9s %-9s %-8s %s\n", text(u, "name").c_str(), text(u, "interface").c_str(),
                text(u, "kind").c_str(), text(u, "state").c_str(),
                u.value("drained", false)   ? "drained"
                : u.value("healthy", false) ? "ok"
                                            : "fail",
                text(u, "reason").c_str());
  for (const auto& u : s["uplinks"])
    if (u.contains("nat") && u["nat"].is_string()) std::printf("  NAT: %s\n", text(u, "nat").c_str());
  for (const auto& u : s["uplinks"]) print_budget(u);
  for (const auto& u : s["uplinks"]) print_ipv6(u);
  for (const auto& u : s["uplinks"])
    if (!text(u, "ipv6_only").empty())
      std::printf("  IPv6 only %s: %s\n", text(u, "name").c_str(), text(u, "ipv6_only").c_str());
  for (const auto& u : s["uplinks"]) print_probe_families(u);
  print_ddns(s.value("ddns", nlohmann::json::object()));
  print_heartbeat(s.value("heartbeat", nlohmann::json::object()));
  print_host(s.value("host", nlohmann::json()));
  print_lldp(s.value("lldp", nlohmann::json::object()));
  if (s.contains("modem") && s["modem"].is_object()) {
    const auto& m = s["modem"];
    auto num = [&](const char* key) {
      return m.contains(key) && m[key].is_number_integer() ? std::to_string(m[key].get<long long>()) : std::string("?");
    };
    std::printf("modem: %s, %s %s, IMEI %s, ICCID %s, SIM %s\n", text(m, "state").c_str(),
                text(m, "manufacturer").c_str(), text(m, "model").c_str(), text(m, "imei").c_str(),
                text(m, "iccid").c_str(), text(m, "sim").c_str());
    std::printf("  registration %s, operator %s, signal %s dBm (%s/4 bars), CD-ROM %s%s%s\n",
                text(m, "registration").c_str(), text(m, "operator").c_str(), num("signal_dbm").c_str(),
                num("signal_bars").c_str(), text(m, "cdrom").c_str(), text(m, "cdrom_action").empty() ? "" : ": ",
                text(m, "cdrom_action").c_str());
    if (!text(m, "data_path").empty())
      std::printf("  data path %s (%s)%s%s\n", text(m, "data_path").c_str(), text(m, "data_path_reason").c_str(),
                  text(m, "net_mode").empty() ? "" : ", USB mode ", text(m, "net_mode").c_str());
    if (!text(m, "pdp_type_reason").empty())
      std::printf("  PDP type %s (%s)\n", text(m, "pdp_type").empty() ? "none" : text(m, "pdp_type").c_str(),
                  text(m, "pdp_type_reason").c_str());
    if (!text(m, "router_api").empty())
      std::printf("  router API %s (%s)\n", text(m, "router_api").c_str(), text(m, "router_api_reason").c_str());
    if (!text(m, "rat").empty()) {  // the radio, with what the stick measured on it
      std::string radio = "  radio " + text(m, "rat");
      auto value = [&](const char* key, const char* name, const char* unit) {
        if (!m.contains(key) || !m[key].is_number()) return;
        char buf[48];
        std::snprintf(buf, sizeof buf, ", %s %g%s", name, m[key].get<double>(), unit);
        radio += buf;
      };
      value("band", "band", "");
      value("rsrp_dbm", "RSRP", " dBm");
      value("rsrq_db", "RSRQ", " dB");
      value("sinr_db", "SINR", " dB");
      std::printf("%s\n", radio.c_str());
    }
    if (!text(m, "error").empty())
      std::printf("  error %s: %s\n", text(m, "error").c_str(), text(m, "error_detail").c_str());
  }
  if (s.contains("recovery") && s["recovery"].is_object()) {
    const auto& r = s["recovery"];
    std::string attempts;
    if (r.contains("attempts") && r["attempts"].is_object())
      for (const auto& [rung, n] : r["attempts"].items())
        attempts +=
            (attempts.empty() ? "" : ", ") + rung + " " + std::to_string(n.is_number() ? n.get<long long>() : 0);
    std::printf("recovery: %s%s%s, failures %lld, attempts: %s\n", text(r, "state").c_str(),
                text(r, "stopped_by").empty() ? "" : " by ", text(r, "stopped_by").c_str(),
                static_cast<long long>(r.value("failures", 0)), attempts.c_str());
    if (!text(r, "last_reboot_reason").empty())
      std::printf("  last reboot by failberryd: %s\n", text(r, "last_reboot_reason").c_str());
  }
  return 0;
}

void print_event(const nlohmann::json& e, bool json_out) {
  if (json_out) {
    std::printf("%s\n", e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s %-16s %s\n", text(e, "time").c_str(), text(e, "event").c_str(), text(e, "message").c_str());
  }
  std::fflush(stdout);
}

// `events --follow`: the reply line (the last events), then one event a
// line until the daemon closes the stream (it stops) or we are interrupted.
int follow_events(const std::string& path, const nlohmann::json& request, bool json_out) {
  std::string error;
  int fd = open_and_send(path, request, false, error);
  if (fd < 0) {
    std::fprintf(stderr, "failberryctl: %s\n", error.c_str());
    return 1;
  }
  std::string in;
  char buf[4096];
  bool first = true;
  for (;;) {
    std::size_t nl;
    while ((nl = in.find('\n')) != std::string::npos) {
      auto line = nlohmann::json::parse(in.substr(0, nl), nullptr, false);
      in.erase(0, nl + 1);
      if (line.is_discarded() || !line.is_object()) continue;
      if (first) {
        first = false;
        if (!line.value("ok", false)) {
          std::fprintf(stderr, "failberryctl: %s: %s\n", text(line, "error").c_str(), text(line, "message").c_str());
          ::close(fd);
          return 1;
        }
        for (const auto& e : line.value("events", nlohmann::json::array())) print_event(e, json_out);
        continue;
      }
      print_event(line, json_out);
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (first) {
    std::fprintf(stderr, "failberryctl: no valid reply from failberryd at %s\n", path.c_str());
    return 1;
  }
  std::fprintf(stderr, "failberryctl: failberryd closed the stream (it stopped)\n");
  return 0;
}

// Nagios: CRITICAL when no uplink is healthy, WARNING when some are not.
int check(const std::optional<nlohmann::json>& reply, const std::string& error) {
  if (!reply || !reply->value("ok", false) || !reply->contains("status")) {
    std::printf("FAILBERRY UNKNOWN - %s\n", reply ? text(*reply, "message").c_str() : error.c_str());
    return 3;
  }
  const auto& uplinks = (*reply)["status"]["uplinks"];
  int healthy = 0, total = 0;
  std::string bad, perf;
  for (const auto& u : uplinks) {
    ++total;
    bool ok = u.value("healthy", false);
    healthy += ok;
    if (!ok)
      bad += (bad.empty() ? "" : ", ") + text(u, "name") + " " +
             (u.value("drained", false) ? "drained" : text(u, "state"));
    perf += " 'uplink_" + text(u, "name") + "'=" + (ok ? "1" : "0") + ";;;0;1";
  }
  int code = total > 0 && healthy == total ? 0 : healthy > 0 ? 1 : 2;
  const char* word[] = {"OK", "WARNING", "CRITICAL"};
  std::printf("FAILBERRY %s - %d/%d uplinks healthy%s%s | healthy=%d;;;0;%d%s\n", word[code], healthy, total,
              bad.empty() ? "" : ": ", bad.c_str(), healthy, total, perf.c_str());
  return code;
}

// `import-wvdial FILE [--section NAME] [--credentials-file PATH]`: the INI on
// stdout, never a file written; exit 1 with the reason when FILE cannot be used.
int import_wvdial(const std::vector<std::string>& args) {
  fb::core::WvdialImportOptions options;
  std::string file;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--section" || args[i] == "--credentials-file") && i + 1 < args.size()) {
      (args[i] == "--section" ? options.section : options.credentials_file) = args[i + 1];
      ++i;
    } else if (file.empty() && !args[i].empty() && args[i][0] != '-') {
      file = args[i];
    } else {
      file.clear();
      break;
    }
  }
  if (file.empty()) {
    std::fprintf(stderr, "failberryctl: bad command line\n");
    usage(stderr);
    return 2;
  }
  options.file_name = file;
  constexpr std::size_t kMaxBytes = 1 << 20;  // a wvdial.conf is a few hundred bytes
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "failberryctl: cannot read %s: %s\n", file.c_str(), std::strerror(errno));
    return 1;
  }
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    std::fprintf(stderr, "failberryctl: cannot read %s: %s\n", file.c_str(), std::strerror(errno));
    return 1;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxBytes) {
    std::fprintf(stderr, "failberryctl: %s is larger than 1 MiB: not a wvdial.conf\n", file.c_str());
    return 1;
  }
  auto ini = fb::core::import_wvdial(text, options);
  if (!ini) {
    std::fprintf(stderr, "failberryctl: %s\n", ini.error().detail.c_str());
    return 1;
  }
  std::fwrite(ini->data(), 1, ini->size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string socket_path = kDefaultSocket;
  if (args.size() >= 2 && args[0] == "--socket") {
    socket_path = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    usage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  if (command == "import-wvdial") return import_wvdial(args);
  nlohmann::json request = {{"verb", command}};
  bool json_out = false;
  bool follow = false;
  bool flags_ok = true;
  if (command == "events") {
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--json" && !json_out)
        json_out = true;
      else if (args[i] == "--follow" && !follow)
        follow = true;
      else
        flags_ok = false;
    }
  }
  if (command == "events" && flags_ok) {
    if (follow) {
      request["follow"] = true;
      return follow_events(socket_path, request, json_out);
    }
  } else if (command == "status" && args.size() == 2 && args[1] == "--json") {
    json_out = true;
  } else if ((command == "drain" || command == "undrain" || command == "failover") && args.size() == 2) {
    request["uplink"] = args[1];
  } else if (command == "check") {
    request["verb"] = "status";
  } else if (args.size() != 1 || !(command == "status" || command == "redial" || command == "reset-modem" ||
                                   command == "cycle-usb" || command == "ddns-update")) {
    std::fprintf(stderr, "failberryctl: bad command line\n");
    usage(stderr);
    return 2;
  }

  std::string error;
  auto reply = ask(socket_path, request, error);
  if (command == "check") return check(reply, error);
  if (!reply) {
    std::fprintf(stderr, "failberryctl: %s\n", error.c_str());
    return 1;
  }
  if (!reply->value("ok", false)) {
    std::fprintf(stderr, "failberryctl: %s: %s\n", text(*reply, "error").c_str(), text(*reply, "message").c_str());
    return 1;
  }
  if (command == "events") {
    for (const auto& e : reply->value("events", nlohmann::json::array())) print_event(e, json_out);
    return 0;
  }
  if (command == "status") {
    if (json_out) {
      std::printf("%s\n", (*reply)["status"].dump(2).c_str());
      return 0;
    }
    return print_status((*reply)["status"]);
  }
  std::printf("%s\n", text(*reply, "message").c_str());
  return 0;
}
