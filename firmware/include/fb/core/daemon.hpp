// failberryd's lifecycle: start on a valid config, reload on SIGHUP, stop on
// SIGTERM/SIGINT, tell systemd (READY/RELOADING/STOPPING/WATCHDOG).
//
// Contract: single-threaded on one io_context. A reload with a bad file logs
// every error and keeps the running config. run() returns the exit code.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <string>

#include "fb/config/config.hpp"
#include "fb/core/asio_timers.hpp"
#include "fb/core/notify.hpp"

namespace fb::core {

struct DaemonOptions {
  std::string config_path;
  bool force_dry_run = false;  // --dry-run overrides [general] dry_run
};

class Daemon {
 public:
  Daemon(boost::asio::io_context& io, DaemonOptions options, Config config);
  int run();
  const Config& config() const { return config_; }

 private:
  void wait_signal();
  void on_signal(int signo);
  void reload();
  void apply(Config config);
  void keep_watchdog_alive();
  std::string summary() const;

  boost::asio::io_context& io_;
  DaemonOptions options_;
  Config config_;
  boost::asio::signal_set signals_;
  AsioTimerService timers_;
  ServiceNotifier notifier_;
  Logger log_{"failberryd"};
  TimerId watchdog_timer_ = 0;
};

}  // namespace fb::core
