// systemd service notifications (sd_notify) and the watchdog interval.
//
// Contract: every call is a no-op when $NOTIFY_SOCKET is unset (not started
// by systemd); failures to send are logged once, never fatal.
#pragma once

#include <optional>
#include <string_view>

#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

class ServiceNotifier {
 public:
  void ready(std::string_view status);
  void reloading();
  void stopping();
  void watchdog();
  void status(std::string_view text);
  // Half of WATCHDOG_USEC when systemd expects keep-alives from this process.
  std::optional<Duration> watchdog_period() const;

 private:
  void send(const std::string& message);
  Logger log_{"systemd"};
  bool warned_ = false;
};

}  // namespace fb::core
