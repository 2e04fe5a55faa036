// Webhook: posts the chosen events to [alerts] webhook_url, one JSON POST
// each (fb::core::webhook_body(), firmware/cores/webhook_rules.hpp).
//
// Contract: single-threaded on the daemon's io_context; nothing here blocks.
//  - enqueue() keeps an event of a chosen kind (settings.events) and
//    returns; the POSTs go out one at a time, in order, through
//    fb::CurlMulti (libcurl's multi interface on the loop, as DDNS and the
//    HiLink client use it), by the main routing table (the active uplink).
//  - The queue is bounded (`queue_limit`, the event being sent included):
//    when it is full the oldest waiting event is dropped, counted and logged.
//  - Connection errors, timeouts, 408, 429 and 5xx are retried after
//    webhook_delay() (a Retry-After the server gave, bounded) up to
//    `retry.attempts` in all; other answers (4xx, 3xx) and TLS or URL
//    errors are not retried: an error line with the status and the start of
//    the reply (cleaned). Either way the next event goes next.
//  - A token file ([alerts] webhook_token_file) is read with
//    fb::read_secret_file() when settings are given (construction,
//    configure()); it goes only into the Authorization header, never into
//    the log or report(). Fail closed: when it cannot be read or holds no
//    token, nothing is posted (state setup_failed, the reason in the log
//    and last_error) and each chosen event counts as failed.
//  - report() is the "webhook" part of /status and /metrics; the URL shown
//    is webhook_url_shown().
//  - Destroying it aborts a POST in flight and drops what waits.
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fb/core/webhook_rules.hpp"
#include "fb/curl_multi.hpp"
#include "fb/event.hpp"
#include "fb/health/handler.hpp"
#include "fb/log.hpp"
#include "fb/secret_file.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct WebhookSettings {
  std::string url;
  std::string token_file;  // "": no Authorization header
  std::vector<EventKind> events;
  std::string host;  // the body's host (gethostname())
  bool dry_run = false;
  Duration connect_timeout = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(10);  // one attempt, connect included
  WebhookRetry retry;
  std::size_t queue_limit = 32;
  bool operator==(const WebhookSettings&) const = default;
};

class Webhook {
 public:
  Webhook(boost::asio::io_context& io, TimerService& timers, WebhookSettings settings);
  ~Webhook();
  Webhook(const Webhook&) = delete;
  Webhook& operator=(const Webhook&) = delete;

  // New settings (a reload): the token file is read again; a POST in flight
  // finishes with the old ones, the queue is kept.
  void configure(WebhookSettings settings);
  const WebhookSettings& settings() const { return settings_; }
  void enqueue(const Event& event);
  health::WebhookReport report() const;
  // Nothing is being sent and nothing waits.
  bool idle() const { return !transfer_ && queue_.empty() && !retry_timer_.armed(); }

 private:
  struct Transfer;
  void load_token();
  void next();
  void start();
  void finish(CURLcode rc);
  void retry_or_give_up(const std::string& why, std::optional<Duration> retry_after);
  void give_up(const std::string& why);
  void done_with_front();

  boost::asio::io_context& io_;
  TimerService& timers_;
  WebhookSettings settings_;
  Logger log_{"webhook"};
  std::optional<Secret> token_;  // set when a token file is configured and was read
  std::string setup_error_;      // why nothing can be posted; "" when it can
  CurlMulti multi_;
  std::deque<Event> queue_;  // front: being sent (or waiting for its retry)
  unsigned attempts_ = 0;    // made for the front event
  std::unique_ptr<Transfer> transfer_;
  OneShot retry_timer_{timers_};
  bool scheduled_ = false;
  std::string last_error_;
  std::optional<std::int64_t> last_success_at_;
  std::optional<std::int64_t> last_failure_at_;
  std::uint64_t sent_ = 0, failed_ = 0, dropped_ = 0, retries_ = 0;
  std::shared_ptr<Webhook*> life_;
};

}  // namespace fb::core
