#include "fb/core/heartbeat_service.hpp"

#include <chrono>

#include <boost/asio/post.hpp>

#include "fb/event.hpp"

namespace fb::core {

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool uplink_change(EventKind kind) {
  return kind == EventKind::uplink_up || kind == EventKind::uplink_down || kind == EventKind::uplink_degraded;
}

}  // namespace

HeartbeatService::HeartbeatService(boost::asio::io_context& io, TimerService& timers, EventBus& bus,
                                   const HeartbeatConfig& config, bool dry_run, Uplinks uplinks)
    : io_(io), timers_(timers), bus_(bus), config_(config), dry_run_(dry_run), uplinks_(std::move(uplinks)) {
  report_.kind = "cloudwatch";
  report_.metric_namespace = config_.metric_namespace;
  report_.interval_seconds = std::chrono::duration_cast<std::chrono::seconds>(config_.interval).count();
  ddns::CloudWatchSettings s;
  s.target = {config_.endpoint, config_.region, config_.metric_namespace};
  s.credentials_file = config_.credentials_file;
  s.ca_file = config_.ca_file;
  try {
    client_ = std::make_unique<ddns::CloudWatchClient>(io_, s);
  } catch (const ddns::SetupError& e) {
    report_.state = "setup_failed";
    report_.code = e.code();
    report_.detail = e.what();
    log_.error() << e.code() << ": " << e.what() << "; no heartbeat is sent";
    return;
  }
  report_.endpoint = client_->endpoint();
  if (dry_run_) {
    report_.state = "dry_run";
    report_.detail = "dry-run: the heartbeat is built but not sent";
    log_.notice() << client_->describe() << ": dry-run, nothing is sent";
    return;
  }
  report_.state = "starting";
  report_.detail = "waiting for the first uplink state";
  log_.info() << client_->describe() << " every " << report_.interval_seconds << " s";
  subscription_ = bus_.subscribe([this, alive = std::weak_ptr<bool>(alive_)](const Event& e) {
    if (!uplink_change(e.kind)) return;
    // A subscriber only queues: the round runs from the loop.
    boost::asio::post(io_, [this, alive] {
      if (alive.lock()) round();
    });
  });
  arm();
}

HeartbeatService::~HeartbeatService() {
  if (subscription_) bus_.unsubscribe(subscription_);
  client_.reset();  // aborts a request in flight
}

void HeartbeatService::arm() {
  timer_.arm(timers_.now() + config_.interval, [this] {
    round();
    arm();
  });
}

void HeartbeatService::round() {
  if (!client_) return;
  if (client_->busy()) {
    ++report_.skipped;
    pending_ = true;
    return;
  }
  send();
}

void HeartbeatService::send() {
  pending_ = false;
  std::vector<ddns::UplinkBeat> beats = uplinks_();
  if (beats.empty()) return;  // no uplink's state is known yet
  client_->put(beats, [this](const ddns::HeartbeatResult& r) { finished(r); });
}

void HeartbeatService::finished(const ddns::HeartbeatResult& r) {
  std::string code = r.code == ddns::HeartbeatCode::ok ? "" : std::string(ddns::code_name(r.code));
  if (r.code == ddns::HeartbeatCode::ok) {
    ++report_.sent;
    report_.last_ok_at = unix_now();
    if (report_.state != "ok") log_.notice() << "CloudWatch accepts the heartbeat (" << report_.endpoint << ")";
    report_.state = "ok";
  } else {
    ++report_.failures;
    if (code != report_.code) log_.warning() << code << ": " << r.detail;
    report_.state = "failing";
  }
  report_.code = code;
  report_.detail = r.detail;
  if (pending_) send();
}

health::HeartbeatReport HeartbeatService::report() const {
  return report_;
}

}  // namespace fb::core
