// SmsAlerts: texts the chosen events to [alerts] sms_to through the modem.
// SmsRules (firmware/cores/sms_rules.hpp) decides what goes when; this
// carries it out on the modem (SmsPort: ModemService::send_sms() in the
// daemon) and keeps the clock.
//
// Contract: single-threaded on the daemon's io_context; nothing here blocks.
//  - enqueue() hands an event to the rules; modem_changed() says the modem's
//    state may have changed (ModemService::on_state_change(), a new or no
//    modem service). Either one looks for a text to send, posted, never from
//    inside the call.
//  - One text at a time. Its outcome comes back through SmsPort::send's
//    callback; when none comes within the send timeout and a margin (the
//    modem service was replaced meanwhile), it counts as failed (AT_TIMEOUT).
//  - Dry-run: nothing is sent; the log says what would go, to whom (masked),
//    and it counts as sent, so the rate limit and the daily cap behave as
//    they would.
//  - The log and report() show numbers masked ("+******00").
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "fb/at/error.hpp"
#include "fb/core/sms_rules.hpp"
#include "fb/event.hpp"
#include "fb/health/handler.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct SmsPort {
  struct ModemState {
    ModemMachine::State state = ModemMachine::State::absent;
    bool port_held = false;  // pppd holds the stick's only AT port
  };
  // None: no modem service runs.
  std::function<std::optional<ModemState>()> state;
  std::function<void(const std::string& number, const std::string& text,
                     std::function<void(std::optional<modem::Error>)> done)>
      send;
  Duration send_timeout = std::chrono::seconds(70);
};

class SmsAlerts {
 public:
  SmsAlerts(boost::asio::io_context& io, TimerService& timers, SmsSettings settings, bool dry_run, SmsPort port);
  ~SmsAlerts();
  SmsAlerts(const SmsAlerts&) = delete;
  SmsAlerts& operator=(const SmsAlerts&) = delete;

  void configure(SmsSettings settings, bool dry_run);
  void enqueue(const Event& event);
  void modem_changed();
  health::SmsReport report() const;

 private:
  void schedule();
  void pump();
  void finish(std::uint64_t id, const std::optional<modem::Error>& error);

  boost::asio::io_context& io_;
  TimerService& timers_;
  SmsRules rules_;
  bool dry_run_ = false;
  SmsPort port_;
  Logger log_{"sms"};
  OneShot wake_{timers_};   // the end of a rate-limit interval
  OneShot guard_{timers_};  // the send in flight's answer, at the latest
  std::uint64_t send_id_ = 0;
  std::string in_flight_to_;  // masked
  bool scheduled_ = false;
  std::shared_ptr<SmsAlerts*> life_;
};

}  // namespace fb::core
