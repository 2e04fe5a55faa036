// From INI text to a validated Config, or to every error found.
//
// Contract: pure (the file is read by the caller). Errors are collected, not
// stopped at the first, and each names file, line, section, key, the value
// and the rule broken. A result with errors has no config: the daemon never
// runs on a partly valid file.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/config/config.hpp"
#include "fb/config/schema.hpp"

namespace fb::core {

struct ConfigError {
  std::string file;
  int line = 0;  // 0: about the whole file, printed without a line
  std::string section;
  std::string key;
  std::string value;
  std::string message;
  std::string to_string() const;
};

struct ConfigResult {
  std::optional<Config> config;
  std::vector<ConfigError> errors;
};

// Checks a file named by the config against its rule (schema.hpp): returns
// why it is refused, or nothing when it is fine. Injected so the parser
// itself stays free of I/O; without one, files are not looked at.
using FileCheck = std::function<std::optional<std::string>(const std::string& path, const FileRule& rule)>;

ConfigResult parse_config(std::string_view text, std::string_view file_name, FileCheck check_file = nullptr);

}  // namespace fb::core
