#include "fb/core/daemon.hpp"

#include <csignal>

#include "fb/core/config_file.hpp"
#include "fb/version.hpp"

namespace fb::core {

Daemon::Daemon(boost::asio::io_context& io, DaemonOptions options, Config config)
    : io_(io), options_(std::move(options)), signals_(io, SIGTERM, SIGINT, SIGHUP), timers_(io) {
  apply(std::move(config));
}

void Daemon::apply(Config config) {
  if (options_.force_dry_run) config.general.dry_run = true;
  logging::set_threshold(config.general.log_level);
  config_ = std::move(config);
}

std::string Daemon::summary() const {
  std::string s = std::string(config_.general.mode == Mode::router ? "router" : "backup-gateway") + " mode, uplinks:";
  for (const UplinkConfig& u : config_.uplinks) s += " " + u.name + "(" + u.interface + ")";
  if (config_.general.dry_run) s += ", dry-run";
  return s;
}

int Daemon::run() {
  log_.notice() << "failberryd " << kVersion << " starting: " << summary();
  wait_signal();
  keep_watchdog_alive();
  notifier_.ready(summary());
  io_.run();
  log_.notice() << "stopped";
  return 0;
}

void Daemon::wait_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) on_signal(signo);
  });
}

void Daemon::on_signal(int signo) {
  if (signo == SIGHUP) {
    reload();
    wait_signal();
    return;
  }
  log_.notice() << "received " << (signo == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down";
  notifier_.stopping();
  timers_.cancel(watchdog_timer_);
  signals_.cancel();
  io_.stop();
}

void Daemon::reload() {
  notifier_.reloading();
  log_.notice() << "SIGHUP: reloading " << options_.config_path;
  LoadedConfig loaded = load_config_file(options_.config_path);
  if (!loaded.config) {
    for (const std::string& e : loaded.errors) log_.error() << e;
    log_.error() << "reload refused (" << loaded.errors.size() << " error(s)); keeping the running configuration";
    notifier_.ready("reload refused; running on the previous configuration");
    return;
  }
  apply(std::move(*loaded.config));
  log_.notice() << "reloaded: " << summary();
  notifier_.ready(summary());
}

void Daemon::keep_watchdog_alive() {
  auto period = notifier_.watchdog_period();
  if (!period) return;
  notifier_.watchdog();
  watchdog_timer_ = timers_.arm_after(*period, [this] { keep_watchdog_alive(); });
}

}  // namespace fb::core
