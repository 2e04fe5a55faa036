// Reading /etc/failberry/failberry.ini: the I/O around the pure parser.
//
// Contract: reads the file (bounded size), checks that every secret file it
// names is a regular file readable by us and by no group or other user, and
// returns the config or every error, formatted file:line: [section] key...
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fb/config/config.hpp"

namespace fb::core {

struct LoadedConfig {
  std::optional<Config> config;
  std::vector<std::string> errors;
};

LoadedConfig load_config_file(const std::string& path);

// Why a secret file is refused (missing, not a regular file, group/other
// permissions), or nothing when it is fine.
std::optional<std::string> check_secret_file(const std::string& path);

}  // namespace fb::core
