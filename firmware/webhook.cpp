#include "fb/core/webhook.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>

#include <boost/asio/post.hpp>

#include "fb/config/values.hpp"
#include "fb/curl_request.hpp"
#include "fb/text.hpp"

namespace fb::core {
namespace {

constexpr std::size_t kReplyKeep = 512;  // of a reply body: enough for an error line

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string seconds_text(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// Failures of the request itself, not of the path to the server: repeating
// them cannot help.
bool final_curl_error(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_TOO_MANY_REDIRECTS: return true;
    default: return false;
  }
}

}  // namespace

struct Webhook::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string reply;
  char error[CURL_ERROR_SIZE] = {};
  std::chrono::steady_clock::time_point started;
  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
    if (easy) curl_easy_cleanup(easy);
  }
  static size_t on_body(char* data, size_t size, size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    size_t len = size * count;
    if (t->reply.size() < kReplyKeep) t->reply.append(data, std::min(len, kReplyKeep - t->reply.size()));
    return len;  // the rest is read and dropped
  }
};

Webhook::Webhook(boost::asio::io_context& io, TimerService& timers, WebhookSettings settings)
    : io_(io), timers_(timers), settings_(std::move(settings)), multi_(io), life_(std::make_shared<Webhook*>(this)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  load_token();
  if (setup_error_.empty())
    log_.info() << "posting " << settings_.events.size() << " event kind(s) to " << webhook_url_shown(settings_.url)
                << (token_ ? " with a bearer token" : "");
}

Webhook::~Webhook() {
  life_.reset();
  if (transfer_) multi_.remove(transfer_->easy);
}

void Webhook::configure(WebhookSettings settings) {
  bool moved = settings.url != settings_.url || settings.events != settings_.events;
  settings_ = std::move(settings);
  load_token();
  if (moved && setup_error_.empty())
    log_.info() << "now posting " << settings_.events.size() << " event kind(s) to " << webhook_url_shown(settings_.url)
                << (token_ ? " with a bearer token" : "");
}

void Webhook::load_token() {
  settings_.queue_limit = std::max<std::size_t>(settings_.queue_limit, 2);
  token_.reset();
  setup_error_.clear();
  if (settings_.token_file.empty()) return;
  auto file = read_secret_file(settings_.token_file);
  if (auto* why = std::get_if<std::string>(&file)) {
    setup_error_ = "webhook_token_file " + *why;
  } else {
    auto token = parse_bearer_token(std::get<Secret>(file).reveal());
    if (token)
      token_ = Secret(std::move(token).value());
    else
      setup_error_ = "webhook_token_file " + settings_.token_file + ": " + token.error().detail;
  }
  if (!setup_error_.empty()) {
    last_error_ = setup_error_;
    log_.error() << setup_error_ << "; no event is posted until it is fixed (then reload)";
  }
}

void Webhook::enqueue(const Event& event) {
  if (!webhook_wants(settings_.events, event.kind)) return;
  if (!setup_error_.empty()) {  // fail closed: never post without the configured token
    ++failed_;
    last_failure_at_ = unix_now();
    last_error_ = setup_error_;
    log_.warning() << event_name(event.kind) << " not posted: " << setup_error_;
    return;
  }
  if (queue_.size() >= settings_.queue_limit) {
    // The oldest waiting one; the front is being sent or waits for its retry.
    auto oldest = queue_.size() > 1 ? queue_.begin() + 1 : queue_.begin();
    log_.warning() << "queue full (" << settings_.queue_limit << "): dropped " << event_name(oldest->kind) << " of "
                   << format_event_time(oldest->time) << " (" << dropped_ + 1 << " dropped so far)";
    queue_.erase(oldest);
    ++dropped_;
  }
  queue_.push_back(event);
  next();
}

void Webhook::next() {
  if (transfer_ || retry_timer_.armed() || scheduled_ || queue_.empty()) return;
  scheduled_ = true;
  boost::asio::post(io_, [alive = std::weak_ptr<Webhook*>(life_)] {
    auto self = alive.lock();
    if (!self) return;
    (*self)->scheduled_ = false;
    if (!(*self)->transfer_ && !(*self)->retry_timer_.armed() && !(*self)->queue_.empty()) (*self)->start();
  });
}

void Webhook::start() {
  const Event& event = queue_.front();
  ++attempts_;
  auto t = std::make_unique<Transfer>();
  t->easy = curl_easy_init();
  if (!t->easy) {
    give_up("libcurl could not make a request (out of memory)");
    return;
  }
  CURL* e = t->easy;
  std::string body = webhook_body(event, settings_.host, settings_.dry_run);
  curl_easy_setopt(e, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body.c_str());
  t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
  t->headers = curl_slist_append(t->headers, "Expect:");
  if (token_) {
    std::string header = "Authorization: Bearer " + token_->reveal();
    t->headers = curl_slist_append(t->headers, header.c_str());
    std::fill(header.begin(), header.end(), '\0');
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  set_request_options(e, {std::chrono::duration_cast<std::chrono::milliseconds>(settings_.connect_timeout),
                          std::chrono::duration_cast<std::chrono::milliseconds>(settings_.timeout), 0, "", " webhook"});
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  multi_.prepare(e);
  t->started = std::chrono::steady_clock::now();
  transfer_ = std::move(t);
  try {
    multi_.add(e, [this](CURLcode rc) { finish(rc); });
  } catch (const std::exception& ex) {
    transfer_.reset();
    give_up(ex.what());
  }
}

void Webhook::finish(CURLcode rc) {
  std::unique_ptr<Transfer> t = std::move(transfer_);
  if (!t || queue_.empty()) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t->started);
  std::string what = std::string(event_name(queue_.front().kind));
  if (rc != CURLE_OK) {
    std::string why = curl_easy_strerror(rc);
    if (t->error[0]) why += std::string(": ") + clean_text(t->error);
    if (final_curl_error(rc)) return give_up(why);
    return retry_or_give_up(why, std::nullopt);
  }
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(t->easy, CURLINFO_RETRY_AFTER, &retry_after) != CURLE_OK) retry_after = 0;
  while (!t->reply.empty() && std::isspace(static_cast<unsigned char>(t->reply.back()))) t->reply.pop_back();
  std::string reply = clean_text(t->reply, 200);
  std::string why = "HTTP " + std::to_string(status) + (reply.empty() ? "" : ": " + reply);
  switch (webhook_verdict(status)) {
    case WebhookVerdict::sent:
      ++sent_;
      last_success_at_ = unix_now();
      log_.info() << "posted " << what << " to " << webhook_url_shown(settings_.url) << ": HTTP " << status << " in "
                  << ms.count() << " ms" << (attempts_ > 1 ? " (attempt " + std::to_string(attempts_) + ")" : "");
      return done_with_front();
    case WebhookVerdict::retry:
      return retry_or_give_up(
          why, retry_after > 0 ? std::optional<Duration>(std::chrono::seconds(retry_after)) : std::nullopt);
    case WebhookVerdict::refused: return give_up(why + " (not retried: the server refuses the request)");
  }
}

void Webhook::retry_or_give_up(const std::string& why, std::optional<Duration> retry_after) {
  last_error_ = clean_text(why);
  last_failure_at_ = unix_now();
  if (attempts_ >= settings_.retry.attempts)
    return give_up(why + " (gave up after " + std::to_string(attempts_) + " attempts)");
  Duration delay = webhook_delay(attempts_, retry_after, settings_.retry);
  log_.warning() << "posting " << event_name(queue_.front().kind) << " to " << webhook_url_shown(settings_.url)
                 << " failed: " << clean_text(why) << "; retry " << attempts_ + 1 << "/" << settings_.retry.attempts
                 << " in " << seconds_text(delay) << (retry_after ? " (Retry-After)" : "");
  ++retries_;
  retry_timer_.arm_after(delay, [this] {
    if (!transfer_ && !queue_.empty()) start();
  });
}

void Webhook::give_up(const std::string& why) {
  ++failed_;
  last_error_ = clean_text(why);
  last_failure_at_ = unix_now();
  log_.error() << event_name(queue_.front().kind) << " not posted to " << webhook_url_shown(settings_.url) << ": "
               << clean_text(why);
  done_with_front();
}

void Webhook::done_with_front() {
  if (!queue_.empty()) queue_.pop_front();
  attempts_ = 0;
  next();
}

health::WebhookReport Webhook::report() const {
  health::WebhookReport r;
  r.configured = true;
  r.url = webhook_url_shown(settings_.url);
  r.state = !setup_error_.empty()  ? "setup_failed"
            : transfer_            ? "sending"
            : retry_timer_.armed() ? "waiting"
            : queue_.empty()       ? "idle"
                                   : "sending";
  r.last_error = last_error_;
  r.last_success_at = last_success_at_;
  r.last_failure_at = last_failure_at_;
  r.queued = queue_.size();
  r.sent = sent_;
  r.failed = failed_;
  r.dropped = dropped_;
  r.retries = retries_;
  return r;
}

}  // namespace fb::core
