// The webhook's rules ([alerts] webhook_url): what an event's POST body
// holds, which answers are retried and after how long, and how the URL is
// shown. Pure: the adapter (firmware/webhook.cpp) sends, these decide.
//
// Contract:
//  - webhook_body(): one JSON object, usable as is by ntfy-style (message,
//    title) and Slack-style (text) endpoints: text and message are the same
//    one-line sentence for people; title a short one; then the event's
//    fields as /status shows them (event, uplink, from, to, reason, address,
//    duration_ms, time; null when empty), host and dry_run. Every text field
//    is cleaned (fb::cleaned()) first.
//  - webhook_verdict(): 2xx sent; 408, 429 and 5xx retried; any other
//    status refused (not retried: the request itself is wrong).
//  - webhook_delay(): before retry N (1, 2, ...): `initial` doubled per
//    failed attempt, at most `max`; a server's Retry-After instead when it
//    gave one, bounded by `max` too.
//  - webhook_url_shown(): scheme://host[:port] and "/…" when the URL has a
//    path or query: what the log and /status show, since the path of a
//    Slack, Discord or ntfy URL is itself a secret.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fb/event.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct WebhookRetry {
  Duration initial = std::chrono::seconds(2);
  Duration max = std::chrono::minutes(5);
  unsigned attempts = 6;  // in all, the first one included
  bool operator==(const WebhookRetry&) const = default;
};

enum class WebhookVerdict { sent, retry, refused };

WebhookVerdict webhook_verdict(long http_status);
Duration webhook_delay(unsigned failed_attempts, std::optional<Duration> retry_after, const WebhookRetry& retry);
// "[HOST] " and the event's message (its kind when it has none), then
// " (REASON)" unless the message holds it: "[pi] uplink wired is down
// (CARRIER_LOST), was up".
std::string webhook_sentence(const Event& event, const std::string& host);
std::string webhook_body(const Event& event, const std::string& host, bool dry_run);
std::string webhook_url_shown(const std::string& url);
bool webhook_wants(const std::vector<EventKind>& kinds, EventKind kind);

}  // namespace fb::core
