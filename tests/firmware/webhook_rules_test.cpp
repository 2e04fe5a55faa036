// The webhook's pure rules (firmware/cores/webhook_rules.cpp): the body an
// ntfy-style or Slack-style endpoint takes as is, which answers are retried,
// the backoff, and the URL as the log and /status show it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fb/core/webhook_rules.hpp"

using namespace std::chrono_literals;
using fb::Event;
using fb::EventKind;
using fb::core::WebhookRetry;
using fb::core::WebhookVerdict;

namespace {
Event failover() {
  Event e;
  e.kind = EventKind::failover;
  e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'796'551'356'123));
  e.uplink = "cellular";
  e.from = "wired";
  e.to = "cellular";
  e.reason = "CARRIER_LOST";
  e.duration = 5000ms;
  e.message = "default route wired -> cellular";
  return e;
}
}  // namespace

TEST_CASE("the body: text and message for people, the event's fields for programs") {
  auto j = nlohmann::json::parse(fb::core::webhook_body(failover(), "pi", false));
  CHECK(j["text"] == "[pi] default route wired -> cellular (CARRIER_LOST)");
  CHECK(j["message"] == j["text"]);
  CHECK(j["title"] == "failberry on pi: failover");
  CHECK(j["event"] == "failover");
  CHECK(j["uplink"] == "cellular");
  CHECK(j["from"] == "wired");
  CHECK(j["to"] == "cellular");
  CHECK(j["reason"] == "CARRIER_LOST");
  CHECK(j["address"].is_null());
  CHECK(j["duration_ms"] == 5000);
  CHECK(j["time"] == "2026-12-06T10:02:36.123Z");
  CHECK(j["host"] == "pi");
  CHECK(j["dry_run"] == false);
  CHECK(nlohmann::json::parse(fb::core::webhook_body(failover(), "pi", true))["dry_run"] == true);
}

TEST_CASE("the body: text from outside is cleaned, and a reason in the message is not repeated") {
  Event e = failover();
  e.message = "modem said \"ERROR\"\r\nX-Injected: 1 CARRIER_LOST";
  e.uplink = std::string("cell\xff");
  std::string body = fb::core::webhook_body(e, "pi\nhost", false);
  CHECK(body.find('\n') == std::string::npos);
  auto j = nlohmann::json::parse(body);
  CHECK(j["text"].get<std::string>().find("\r") == std::string::npos);
  CHECK(j["text"].get<std::string>().find("(CARRIER_LOST)") == std::string::npos);
  CHECK(j["host"] == "pi host");
}

TEST_CASE("which answers are retried") {
  using fb::core::webhook_verdict;
  for (long s : {200L, 201L, 202L, 204L}) CHECK(webhook_verdict(s) == WebhookVerdict::sent);
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) CHECK(webhook_verdict(s) == WebhookVerdict::retry);
  for (long s : {0L, 301L, 400L, 401L, 403L, 404L, 413L}) CHECK(webhook_verdict(s) == WebhookVerdict::refused);
}

TEST_CASE("backoff doubles to its bound; Retry-After is honoured within the same bound") {
  WebhookRetry r{2s, 60s, 6};
  CHECK(fb::core::webhook_delay(1, std::nullopt, r) == 2s);
  CHECK(fb::core::webhook_delay(2, std::nullopt, r) == 4s);
  CHECK(fb::core::webhook_delay(3, std::nullopt, r) == 8s);
  CHECK(fb::core::webhook_delay(10, std::nullopt, r) == 60s);
  CHECK(fb::core::webhook_delay(100, std::nullopt, r) == 60s);
  CHECK(fb::core::webhook_delay(1, fb::Duration(7s), r) == 7s);
  CHECK(fb::core::webhook_delay(1, fb::Duration(3600s), r) == 60s);
}

TEST_CASE("the URL as shown: no path, which may be a secret") {
  using fb::core::webhook_url_shown;
  CHECK(webhook_url_shown("https://hooks.slack.com/services/T0/B0/SECRET") == "https://hooks.slack.com/…");
  CHECK(webhook_url_shown("https://ntfy.sh/topic?tpl=1") == "https://ntfy.sh/…");
  CHECK(webhook_url_shown("http://198.51.100.1:8080/") == "http://198.51.100.1:8080/");
  CHECK(webhook_url_shown("http://198.51.100.1:8080") == "http://198.51.100.1:8080");
  CHECK(webhook_url_shown("http://h?secret") == "http://h/…");
}

TEST_CASE("only the chosen kinds are wanted") {
  std::vector<EventKind> kinds{EventKind::failover, EventKind::uplink_down};
  CHECK(fb::core::webhook_wants(kinds, EventKind::failover));
  CHECK_FALSE(fb::core::webhook_wants(kinds, EventKind::failback));
  CHECK_FALSE(fb::core::webhook_wants({}, EventKind::failover));
}
