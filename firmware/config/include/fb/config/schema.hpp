// The config schema: the single source of truth for every section and key.
//
// Contract: a static table. Parsing, validation, the annotated example INI
// (image/overlay/etc/failberry/failberry.ini), docs/CONFIG.md and the
// failberry.ini(5) man page (docs/man/failberry.ini.5) are all derived from
// it; a unit test fails when the checked-in files differ from what
// render_example_ini()/render_config_markdown()/render_config_man() produce.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fb/config/config.hpp"
#include "fb/config/values.hpp"

namespace fb::core {

// A file the config names that failberryd reads, and what it must hold.
// Looking at the file is I/O, so parse_config() leaves it to the caller's
// FileCheck (parse.hpp); the schema only says what to look for.
struct FileRule {
  // Why `text`, the whole file, cannot be used, or nothing; null when any
  // content will do. Never quotes the text: the file holds a secret.
  std::optional<std::string> (*content)(std::string_view text) = nullptr;
};

// Stores a parsed value into the typed config; `instance` is the uplink being
// filled for [uplink.NAME] keys and null otherwise.
using Store = std::function<void(Config&, UplinkConfig* instance, const Value&)>;

struct KeySpec {
  std::string_view key;
  ValueType type;
  std::string_view default_value;  // empty: no default
  bool required = false;
  std::string_view doc;
  std::string_view example;  // shown in docs for keys without a default
  Store store;
  // A file holding a secret: its permissions and its content are checked.
  std::optional<FileRule> secret = std::nullopt;
};

struct SectionSpec {
  std::string_view name;  // "general", or "uplink" for the template [uplink.NAME]
  bool templated = false;
  std::string_view doc;
  std::vector<KeySpec> keys;
  // Active lines of the shipped example: instance name ("" for plain
  // sections) and its key = value pairs. Other keys appear commented out.
  std::vector<std::pair<std::string_view, std::vector<std::pair<std::string_view, std::string_view>>>> example;

  const KeySpec* find(std::string_view key) const;
};

const std::vector<SectionSpec>& schema();
const SectionSpec* find_section(std::string_view name);

std::string render_example_ini();
std::string render_config_markdown();
std::string render_config_man();

}  // namespace fb::core
