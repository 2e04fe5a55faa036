#include "fb/core/webhook_rules.hpp"

#include "fb/health/handler.hpp"
#include "fb/text.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace fb::core {

WebhookVerdict webhook_verdict(long http_status) {
  if (http_status >= 200 && http_status < 300) return WebhookVerdict::sent;
  if (http_status == 408 || http_status == 429 || (http_status >= 500 && http_status < 600))
    return WebhookVerdict::retry;
  return WebhookVerdict::refused;
}

Duration webhook_delay(unsigned failed_attempts, std::optional<Duration> retry_after, const WebhookRetry& retry) {
  if (retry_after) return std::clamp(*retry_after, Duration::zero(), retry.max);
  Duration d = retry.initial;
  for (unsigned i = 1; i < failed_attempts && d < retry.max; ++i) d *= 2;
  return std::min(d, retry.max);
}

std::string webhook_sentence(const Event& event, const std::string& host) {
  Event e = cleaned(event);
  std::string s = "[" + clean_text(host, 64) + "] " + (e.message.empty() ? std::string(event_name(e.kind)) : e.message);
  if (!e.reason.empty() && e.message.find(e.reason) == std::string::npos) s += " (" + e.reason + ")";
  return s;
}

std::string webhook_body(const Event& event, const std::string& host, bool dry_run) {
  // The event's fields as /status and `failberryctl events` show them, then
  // the sentence in the fields chat endpoints read.
  nlohmann::json j = nlohmann::json::parse(health::event_json(event));
  std::string sentence = webhook_sentence(event, host);
  j["text"] = sentence;
  j["message"] = sentence;
  j["title"] = "failberry on " + clean_text(host, 64) + ": " + std::string(event_name(event.kind));
  j["host"] = clean_text(host, 64);
  j["dry_run"] = dry_run;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string webhook_url_shown(const std::string& url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "(not a URL)";
  std::size_t end = url.find_first_of("/?", scheme + 3);
  if (end == std::string::npos) return url;
  bool more = end + 1 < url.size() || url[end] == '?';
  return url.substr(0, end) + (more ? "/…" : "/");
}

bool webhook_wants(const std::vector<EventKind>& kinds, EventKind kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

}  // namespace fb::core
