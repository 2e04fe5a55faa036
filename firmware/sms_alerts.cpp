#include "fb/core/sms_alerts.hpp"

#include <boost/asio/post.hpp>

namespace fb::core {

SmsAlerts::SmsAlerts(boost::asio::io_context& io, TimerService& timers, SmsSettings settings, bool dry_run,
                     SmsPort port)
    : io_(io),
      timers_(timers),
      rules_(std::move(settings)),
      dry_run_(dry_run),
      port_(std::move(port)),
      life_(std::make_shared<SmsAlerts*>(this)) {
  std::string to;
  for (const std::string& n : rules_.settings().to) to += (to.empty() ? "" : ", ") + mask_phone(n);
  log_.notice() << "texts to " << to << (dry_run_ ? " (dry-run: none is sent)" : "");
}

SmsAlerts::~SmsAlerts() {
  life_.reset();
}

void SmsAlerts::configure(SmsSettings settings, bool dry_run) {
  rules_.configure(std::move(settings));
  dry_run_ = dry_run;
  schedule();
}

void SmsAlerts::enqueue(const Event& event) {
  if (rules_.event(event)) schedule();
}

void SmsAlerts::modem_changed() {
  schedule();
}

void SmsAlerts::schedule() {
  if (scheduled_) return;
  scheduled_ = true;
  std::weak_ptr<SmsAlerts*> weak = life_;
  boost::asio::post(io_, [weak] {
    if (auto self = weak.lock()) {
      (*self)->scheduled_ = false;
      (*self)->pump();
    }
  });
}

void SmsAlerts::pump() {
  std::optional<SmsPort::ModemState> modem = port_.state ? port_.state() : std::nullopt;
  rules_.modem(modem ? modem->state : ModemMachine::State::absent, modem && modem->port_held);
  TimePoint now = timers_.now();
  std::optional<SmsSend> send = rules_.next(now);
  if (!send) {
    if (auto at = rules_.wake_at(now))
      wake_.arm(*at, [this] { pump(); });
    else
      wake_.cancel();
    return;
  }
  std::string to = mask_phone(send->number);
  if (dry_run_) {
    log_.notice() << "dry-run: would text " << to << ": " << send->text;
    rules_.sent(now);
    schedule();
    return;
  }
  std::uint64_t id = ++send_id_;
  in_flight_to_ = to;
  log_.info() << "texting " << to << ": " << send->text;
  guard_.arm_after(port_.send_timeout + std::chrono::seconds(15), [this, id] {
    finish(id, modem::Error{modem::Code::at_timeout, "no answer from the modem to AT+CMGS"});
  });
  std::weak_ptr<SmsAlerts*> weak = life_;
  port_.send(send->number, send->text, [weak, id](std::optional<modem::Error> error) {
    if (auto self = weak.lock()) (*self)->finish(id, error);
  });
}

void SmsAlerts::finish(std::uint64_t id, const std::optional<modem::Error>& error) {
  if (id != send_id_ || !rules_.in_flight()) return;  // the guard fired already, or a late answer
  guard_.cancel();
  if (error) {
    log_.warning() << "text to " << in_flight_to_ << " failed: " << describe(*error);
    rules_.failed(describe(*error), timers_.now());
  } else {
    log_.notice() << "text to " << in_flight_to_ << " sent";
    rules_.sent(timers_.now());
  }
  schedule();
}

health::SmsReport SmsAlerts::report() const {
  SmsReport r = rules_.report(timers_.now());
  health::SmsReport out;
  out.configured = true;
  out.to = std::move(r.to);
  out.sent = r.sent;
  out.failed = r.failed;
  out.dropped_daily_limit = r.dropped_daily_limit;
  out.queued = r.queued;
  out.last_error = std::move(r.last_error);
  out.waiting_reason = std::move(r.waiting_reason);
  return out;
}

}  // namespace fb::core
