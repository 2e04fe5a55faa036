#include "fb/event.hpp"

#include <cstdio>
#include <ctime>

#include "fb/enum_names.hpp"
#include "fb/text.hpp"

namespace fb {
namespace {

constexpr std::size_t kMaxWord = 64;      // names, states, codes, addresses
constexpr std::size_t kMaxMessage = 200;  // the sentence
constexpr const char* kHookPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

events::Sink& sink() {
  static events::Sink instance;
  return instance;
}

// A value as it goes into a key=value line: quoted when it has a blank, a
// quote or an equals sign (cleaned values have no line ends).
std::string quoted(const std::string& value) {
  if (value.find_first_of(" \"=") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string_view event_name(EventKind kind) {
  switch (kind) {
    case EventKind::failover: return "failover";
    case EventKind::failback: return "failback";
    case EventKind::route_switch: return "switch";
    case EventKind::uplink_up: return "uplink_up";
    case EventKind::uplink_down: return "uplink_down";
    case EventKind::uplink_degraded: return "uplink_degraded";
    case EventKind::quality_degraded: return "quality_degraded";
    case EventKind::quality_recovered: return "quality_recovered";
    case EventKind::budget_warning: return "budget_warning";
    case EventKind::budget_exhausted: return "budget_exhausted";
    case EventKind::budget_reset: return "budget_reset";
    case EventKind::modem_state: return "modem_state";
    case EventKind::modem_error: return "modem_error";
    case EventKind::recovery_rung: return "recovery_rung";
    case EventKind::ddns_published: return "ddns_published";
    case EventKind::ddns_failed: return "ddns_failed";
    case EventKind::reboot_scheduled: return "reboot_scheduled";
    case EventKind::config_reloaded: return "config_reloaded";
    case EventKind::count_: break;
  }
  return "?";
}

std::optional<EventKind> parse_event_kind(std::string_view word) {
  return value_named<EventKind>(word, static_cast<int>(EventKind::count_), event_name);
}

Level event_level(EventKind kind) {
  switch (kind) {
    case EventKind::failover:
    case EventKind::uplink_down:
    case EventKind::quality_degraded:
    case EventKind::budget_warning:
    case EventKind::budget_exhausted:
    case EventKind::modem_error:
    case EventKind::ddns_failed:
    case EventKind::reboot_scheduled: return Level::warning;
    default: return Level::notice;
  }
}

Event cleaned(Event e) {
  e.uplink = clean_text(e.uplink, kMaxWord);
  e.from = clean_text(e.from, kMaxWord);
  e.to = clean_text(e.to, kMaxWord);
  e.reason = clean_text(e.reason, kMaxWord);
  e.address = clean_text(e.address, kMaxWord);
  e.message = clean_text(e.message, kMaxMessage);
  return e;
}

std::string format_event_time(const std::optional<std::chrono::system_clock::time_point>& time) {
  if (!time) return "";
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(time->time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  long long frac = ms % 1000;
  if (frac < 0) {  // before 1970: floor, not truncate
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  if (!::gmtime_r(&secs, &tm)) return "";
  char buf[48];
  std::size_t len = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + len, sizeof buf - len, ".%03lldZ", frac);
  return buf;
}

std::vector<std::pair<std::string, std::string>> event_fields(const Event& event) {
  Event e = cleaned(event);
  return {{"FB_EVENT", std::string(event_name(e.kind))},
          {"FB_TIME", format_event_time(e.time)},
          {"FB_UPLINK", e.uplink},
          {"FB_FROM", e.from},
          {"FB_TO", e.to},
          {"FB_REASON", e.reason},
          {"FB_ADDRESS", e.address},
          {"FB_DURATION_MS", e.duration ? std::to_string(e.duration->count()) : std::string()},
          {"FB_MESSAGE", e.message}};
}

std::string event_line(const Event& event) {
  std::vector<std::pair<std::string, std::string>> fields = event_fields(event);
  std::string line = fields[0].second;
  std::string message;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    const auto& [name, value] = fields[i];
    if (value.empty() || name == "FB_TIME") continue;
    if (name == "FB_MESSAGE") {
      message = value;
      continue;
    }
    std::string key = name.substr(3);  // FB_FROM -> from
    for (char& c : key)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    line += " " + key + "=" + quoted(value);
  }
  if (!message.empty()) line += ": " + message;
  return line;
}

std::vector<std::string> journal_fields(const Event& event) {
  std::vector<std::string> out = {"MESSAGE=" + event_line(event),
                                  "PRIORITY=" + std::to_string(static_cast<int>(event_level(event.kind)))};
  for (const auto& [name, value] : event_fields(event))
    if (!value.empty()) out.push_back(name + "=" + value);
  return out;
}

std::vector<std::string> hook_environment(const Event& event, bool dry_run) {
  std::vector<std::string> out = {std::string("PATH=") + kHookPath};
  for (const auto& [name, value] : event_fields(event)) out.push_back(name + "=" + value);
  out.push_back(std::string("FB_DRY_RUN=") + (dry_run ? "1" : "0"));
  return out;
}

namespace events {

void set_sink(Sink s) {
  sink() = std::move(s);
}

void publish(Event event) {
  if (sink()) sink()(std::move(event));
}

}  // namespace events
}  // namespace fb
