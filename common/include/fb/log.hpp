// Logging for every failberry module.
//
// Contract: one process-wide sink, written with one write(2) per line so lines
// from different objects never interleave. Every line starts with the name of
// the object that speaks ("modem[ttyUSB2]: ...", "uplink[wired]: ..."). Under
// systemd (JOURNAL_STREAM names our stderr) lines carry "<N>" priority
// prefixes for the journal; otherwise a timestamp and a level word.
// Single-threaded like the daemon; tests may capture lines with set_capture().
#pragma once

#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace fb {

// syslog priorities, so "<N>" prefixes map 1:1.
enum class Level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

std::string_view level_name(Level level);
std::optional<Level> parse_level(std::string_view word);

namespace logging {
enum class Format { plain, journal };
void set_threshold(Level level);
Level threshold();
void set_format(Format format);
Format format();
// Journal format when $JOURNAL_STREAM matches stderr's device:inode (the
// systemd.exec(5) rule), plain otherwise.
Format detect_format();
// Route lines to `sink` instead of stderr (tests); pass nullptr to restore.
void set_capture(std::function<void(Level, std::string_view line)> sink);
void emit(Level level, std::string_view object, std::string_view message);
}  // namespace logging

class Logger;

// One line being composed; emitted when the statement ends.
class LogLine {
 public:
  LogLine(const Logger* owner, Level level) : owner_(owner), level_(level) {}
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  ~LogLine();
  template <class T>
  LogLine& operator<<(const T& value) {
    if (owner_) stream_ << value;
    return *this;
  }

 private:
  const Logger* owner_;  // null when the level is filtered out
  Level level_;
  std::ostringstream stream_;
};

// A named speaker: `Logger log{"uplink[wired]"}; log.info() << "up";`
class Logger {
 public:
  explicit Logger(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  LogLine error() const { return line(Level::error); }
  LogLine warning() const { return line(Level::warning); }
  LogLine notice() const { return line(Level::notice); }
  LogLine info() const { return line(Level::info); }
  LogLine debug() const { return line(Level::debug); }
  LogLine line(Level level) const;

 private:
  std::string name_;
};

}  // namespace fb
