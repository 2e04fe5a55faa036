// failberryd as a child of a test: started on a config file with a notify
// socket and READY=1 awaited (bounded), stopped with SIGTERM, and
// failberryctl against its control socket. For the targets that run the
// built daemon (fb_test_runs_daemon(): FB_FAILBERRYD, FB_FAILBERRYCTL).
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "notify_listener.hpp"
#include "process.hpp"

namespace fb::test {

class DaemonProcess {
 public:
  using Wrap = std::function<std::vector<std::string>(const std::vector<std::string>&)>;
  // `dir`: where the notify sockets go; `wrap`: how the argv is run (a
  // namespace's wrap(), or as it is).
  DaemonProcess(std::string config, std::string socket, std::string log, std::string dir, Wrap wrap = {})
      : config_(std::move(config)),
        socket_(std::move(socket)),
        log_(std::move(log)),
        dir_(std::move(dir)),
        wrap_(std::move(wrap)) {}

  // Starts failberryd with `env` added (FAILBERRY_SYSFS_ROOT=..., say) and
  // waits for READY=1 (REQUIREd, 10 s).
  void start(std::vector<std::string> env = {}) {
    notify_ = std::make_unique<NotifyListener>(dir_ + "/notify" + std::to_string(starts_++));
    std::vector<std::string> argv{FB_FAILBERRYD, "--config", config_};
    env.insert(env.begin(), notify_->env());
    process_ = std::make_unique<Process>(wrap_ ? wrap_(argv) : argv, SpawnOptions{std::move(env), {}, log_});
    REQUIRE(notify_->wait_for("READY=1", std::chrono::seconds(10)));
  }
  // SIGTERM; its exit code, or -1 when it had not ended after 10 s.
  int stop() {
    process_->signal(SIGTERM);
    std::optional<int> code = process_->wait(std::chrono::seconds(10));
    process_.reset();
    return code.value_or(-1);
  }
  RunResult ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {FB_FAILBERRYCTL, "--socket", socket_});
    return run(args);
  }
  bool running() const { return process_ != nullptr; }
  Process& process() { return *process_; }
  NotifyListener& notify() { return *notify_; }
  const std::string& socket() const { return socket_; }

 private:
  std::string config_, socket_, log_, dir_;
  Wrap wrap_;
  std::unique_ptr<NotifyListener> notify_;
  std::unique_ptr<Process> process_;
  int starts_ = 0;
};

}  // namespace fb::test
