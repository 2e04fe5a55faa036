// A script of steps for a test that runs the daemon's own loop (Daemon::run()):
// each step waits for a log line and then acts (cut a link, send SIGHUP, ...).
// A ticker on the loop, every 20 ms, looks for the next step's line after the
// line the previous step matched; past the deadline it raises SIGTERM, so
// run() returns and the test reports where it stopped. Never a bare sleep.
#pragma once

#include <algorithm>
#include <chrono>
#include <csignal>
#include <functional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace fb::test {

struct LogStep {
  std::vector<std::string> all_of;  // all in one log line
  std::function<void()> then;
};

class LogScript {
 public:
  // `lines`: the captured log (LogCapture::lines), read as it grows.
  LogScript(boost::asio::io_context& io, const std::vector<std::string>& lines, std::vector<LogStep> steps,
            std::chrono::milliseconds limit)
      : lines_(lines), steps_(std::move(steps)), deadline_(std::chrono::steady_clock::now() + limit), ticker_(io) {
    boost::asio::post(io, [this] { tick(); });
  }
  bool timed_out() const { return timed_out_; }
  bool done() const { return next_ == steps_.size(); }
  // "step N: <its first needle>", for the failure message.
  std::string where() const {
    if (done()) return "done";
    return "step " + std::to_string(next_) + ": " + steps_[next_].all_of.front();
  }

 private:
  void tick() {
    for (; next_ < steps_.size(); ++next_) {
      const LogStep& step = steps_[next_];
      bool found = false;
      for (std::size_t i = searched_; i < lines_.size() && !found; ++i)
        if (std::all_of(step.all_of.begin(), step.all_of.end(),
                        [&](const std::string& w) { return lines_[i].find(w) != std::string::npos; })) {
          found = true;
          searched_ = i + 1;
        }
      if (!found) break;
      step.then();
    }
    if (done()) return;
    if (std::chrono::steady_clock::now() > deadline_) {
      timed_out_ = true;
      ::raise(SIGTERM);
      return;
    }
    ticker_.expires_after(std::chrono::milliseconds(20));
    ticker_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  const std::vector<std::string>& lines_;
  std::vector<LogStep> steps_;
  std::chrono::steady_clock::time_point deadline_;
  boost::asio::steady_timer ticker_;
  std::size_t next_ = 0;
  std::size_t searched_ = 0;
  bool timed_out_ = false;
};

}  // namespace fb::test
