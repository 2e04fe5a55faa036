#include "fb/core/notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstring>
#include <ctime>
#include <string>

namespace fb::core {

void ServiceNotifier::send(const std::string& message) {
  int rc = sd_notify(0, message.c_str());
  if (rc < 0 && !warned_) {
    warned_ = true;
    log_.warning() << "sd_notify failed: " << std::strerror(-rc);
  }
}

void ServiceNotifier::ready(std::string_view status) {
  send("READY=1\nSTATUS=" + std::string(status));
}

void ServiceNotifier::reloading() {
  // systemd >= 253 wants MONOTONIC_USEC with RELOADING=1; older ones ignore it.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  auto usec =
      static_cast<unsigned long long>(ts.tv_sec) * 1000000ull + static_cast<unsigned long long>(ts.tv_nsec) / 1000ull;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void ServiceNotifier::stopping() {
  send("STOPPING=1");
}
void ServiceNotifier::watchdog() {
  send("WATCHDOG=1");
}
void ServiceNotifier::status(std::string_view text) {
  send("STATUS=" + std::string(text));
}

std::optional<Duration> ServiceNotifier::watchdog_period() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::microseconds(usec / 2));
}

}  // namespace fb::core
