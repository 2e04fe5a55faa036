// What the code under test logs, kept while a LogCapture lives; and whether a
// test left a child process behind. Header-only, for in-process tests.
#pragma once

#include <sys/wait.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <vector>

#include "fb/log.hpp"

namespace fb::test {

// Log lines said while this lives (fb::logging's capture hook).
struct LogCapture {
  std::vector<std::string> lines;
  LogCapture() {
    fb::logging::set_capture([this](fb::Level, std::string_view line) { lines.emplace_back(line); });
  }
  ~LogCapture() { fb::logging::set_capture({}); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  bool said(const std::string& text) const {
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

// No child of this process is left, running or unreaped.
inline bool no_child_left() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace fb::test
