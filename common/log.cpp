#include "fb/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "fb/enum_names.hpp"

namespace fb {
namespace {

struct Sink {
  Level threshold = Level::info;
  logging::Format format = logging::Format::plain;
  std::function<void(Level, std::string_view)> capture;
};

Sink& sink() {
  static Sink instance;
  return instance;
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing stderr
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[40];
  size_t len = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + len, sizeof buf - len, ".%03d", static_cast<int>(ms));
  return buf;
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::error: return "error";
    case Level::warning: return "warning";
    case Level::notice: return "notice";
    case Level::info: return "info";
    case Level::debug: return "debug";
  }
  return "?";
}

std::optional<Level> parse_level(std::string_view word) {
  return value_named(word, {Level::error, Level::warning, Level::notice, Level::info, Level::debug}, level_name);
}

namespace logging {

void set_threshold(Level level) {
  sink().threshold = level;
}
Level threshold() {
  return sink().threshold;
}
void set_format(Format format) {
  sink().format = format;
}
Format format() {
  return sink().format;
}

Format detect_format() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (!env) return Format::plain;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return Format::plain;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return Format::plain;
  return (st.st_dev == dev && st.st_ino == ino) ? Format::journal : Format::plain;
}

void set_capture(std::function<void(Level, std::string_view)> capture) {
  sink().capture = std::move(capture);
}

void emit(Level level, std::string_view object, std::string_view message) {
  Sink& s = sink();
  if (static_cast<int>(level) > static_cast<int>(s.threshold)) return;
  std::string line;
  line.reserve(object.size() + message.size() + 40);
  if (s.capture) {
    line.append(object).append(": ").append(message);
    s.capture(level, line);
    return;
  }
  if (s.format == Format::journal) {
    line.append("<").append(std::to_string(static_cast<int>(level))).append(">");
  } else {
    line.append(timestamp()).append(" ").append(level_name(level)).append(" ");
  }
  line.append(object).append(": ").append(message).append("\n");
  write_all(STDERR_FILENO, line);
}

}  // namespace logging

LogLine Logger::line(Level level) const {
  bool on = static_cast<int>(level) <= static_cast<int>(logging::threshold());
  return LogLine(on ? this : nullptr, level);
}

LogLine::~LogLine() {
  if (owner_) logging::emit(level_, owner_->name(), stream_.str());
}

}  // namespace fb
