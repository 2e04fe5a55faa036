// Reading /etc/failberry/failberry.ini: the I/O around the pure parser.
//
// Contract: reads the file (bounded size), checks that every secret file it
// names is a regular file readable by us and by no group or other user, of
// at most kSecretFileMaxBytes, holding what its key's rule asks for (a PIN, a
// login), and returns the config or every error, formatted file:line:
// [section] key... No error quotes a secret file's content.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fb/config/config.hpp"
#include "fb/config/schema.hpp"

namespace fb::core {

struct LoadedConfig {
  std::optional<Config> config;
  std::vector<std::string> errors;
};

LoadedConfig load_config_file(const std::string& path);

// Why a file named by the config is refused (for a secret: missing, not a
// regular file, group/other permissions, too large, content against its
// rule), or nothing when it is fine.
std::optional<std::string> check_file(const std::string& path, const FileRule& rule);

}  // namespace fb::core
