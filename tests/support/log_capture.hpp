// What the code under test logs, kept while a LogCapture lives; and whether a
// test left a child process behind. Header-only, for in-process tests.
#pragma once

#include <sys/wait.h>

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fb/log.hpp"

namespace fb::test {

// Log lines said while this lives (fb::logging's capture hook); with a
// threshold, the lines down to it (debug: a core's every transition), the
// threshold set back when it goes.
struct LogCapture {
  std::vector<std::string> lines;
  LogCapture() {
    fb::logging::set_capture([this](fb::Level, std::string_view line) { lines.emplace_back(line); });
  }
  explicit LogCapture(fb::Level threshold) : LogCapture() {
    previous_ = fb::logging::threshold();
    fb::logging::set_threshold(threshold);
  }
  ~LogCapture() {
    fb::logging::set_capture({});
    if (previous_) fb::logging::set_threshold(*previous_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  // The lines so far, each ending in a newline.
  std::string text() const {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  // The lines so far, none kept.
  std::vector<std::string> take() { return std::exchange(lines, {}); }
  bool said(const std::string& text) const {
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }

 private:
  std::optional<fb::Level> previous_;
};

// No child of this process is left, running or unreaped.
inline bool no_child_left() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace fb::test
