// Test rig for fb::ppp::PppdRunner: an io_context with real timers, the
// runner's callbacks recorded, bounded waits for events (never sleeps).
#pragma once

#include <utility>
//
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "fb/core/asio_timers.hpp"
#include "fb/ppp/runner.hpp"

namespace fb::test {

struct RunnerRig {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers{io};
  std::vector<fb::ppp::LinkInfo> links;
  std::optional<fb::ppp::Exit> exit;
  std::vector<std::string> lines;
  std::unique_ptr<fb::ppp::PppdRunner> runner;

  explicit RunnerRig(fb::ppp::PppdRunner::Options options) {
    fb::ppp::PppdRunner::Callbacks cb;
    cb.on_link = [this](const fb::ppp::LinkInfo& l) { links.push_back(l); };
    cb.on_exit = [this](const fb::ppp::Exit& e) { exit = e; };
    cb.on_log = [this](const std::string& l) { lines.push_back(l); };
    runner = std::make_unique<fb::ppp::PppdRunner>(io, timers, std::move(options), std::move(cb));
  }

  // Runs the loop until `done()` or `limit`; false on timeout.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    if (io.stopped()) io.restart();
    while (!done()) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds(0)) return false;
      if (io.run_one_for(left) == 0 && io.stopped()) {
        io.restart();
        if (done()) return true;
        // nothing queued: give pending async operations a moment to appear
      }
    }
    return true;
  }

  bool wait_exit(std::chrono::milliseconds limit) {
    return run_until([&] { return exit.has_value(); }, limit);
  }

  std::string transcript() const {
    std::string out;
    for (const auto& l : lines) out += "  | " + l + "\n";
    return out;
  }
};

}  // namespace fb::test
