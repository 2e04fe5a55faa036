// What makes a file fit to hold a secret (PIN, DDNS secret, credentials).
//
// Contract: pure; judges a stat result the caller already has (so callers
// that opened the file race-free keep doing so). A secret file must be a
// regular file with no group or other permission bits.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>

namespace fb {

// Why the file at `path` with status `st` may not hold a secret
// ("not a regular file", "accessible by group or others (mode 0644); run:
// chmod 600 PATH"), or nothing when it may.
std::optional<std::string> secret_file_problem(const struct stat& st, const std::string& path);

}  // namespace fb
