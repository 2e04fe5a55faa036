// Secret files (SIM PIN, PPP credentials, DDNS secret, AWS key pair): the one
// way failberryd reads them, and the holder their text lives in.
//
// Contract: a secret file must be a regular file (not a symlink), with no
// group or other permission bits, of at most kSecretFileMaxBytes. Errors name
// the path and what to do, never the content. A Secret never prints itself
// (no operator<<; masked() is all a log or /status may show) and wipes its
// bytes when destroyed.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace fb {

// The most a secret file may hold: a PIN, a password or a key pair is tens
// of bytes, and a file much larger than that is the wrong file.
inline constexpr std::size_t kSecretFileMaxBytes = 4096;

// Why the file at `path` with status `st` may not hold a secret
// ("not a regular file", "accessible by group or others (mode 0644); run:
// chmod 600 PATH"), or nothing when it may.
// Pure: judges a stat result the caller already has.
std::optional<std::string> secret_file_problem(const struct stat& st, const std::string& path);

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  Secret& operator=(Secret&& other) noexcept;
  ~Secret() { wipe(); }

  const std::string& reveal() const { return value_; }  // only for building a request or a command
  bool empty() const { return value_.empty(); }
  static constexpr std::string_view masked() { return "********"; }

 private:
  void wipe();
  std::string value_;
};

// Reads `path` race-free (opened with O_NOFOLLOW, the checks run on the open
// file): the whole text as a Secret, or why it may not be used ("PATH:
// accessible by group or others (mode 0644); run: chmod 600 PATH").
std::variant<Secret, std::string> read_secret_file(const std::string& path);

}  // namespace fb
