// Renders the shipped example INI and docs/CONFIG.md from the schema table.
#include <sstream>

#include "fb/config/schema.hpp"

namespace fb::core {
namespace {

// Wraps `text` into comment lines of at most ~76 columns.
void comment(std::ostringstream& out, std::string_view text) {
  std::string line = "#";
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    if (line.size() + 1 + word.size() > 76 && line.size() > 1) {
      out << line << "\n";
      line = "#";
    }
    line.append(" ").append(word);
    text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
  }
  out << line << "\n";
}

const std::vector<std::pair<std::string_view, std::string_view>>* active_for(const SectionSpec& s,
                                                                             std::string_view instance) {
  for (auto& [name, pairs] : s.example)
    if (name == instance) return &pairs;
  return nullptr;
}

void render_keys(std::ostringstream& out, const SectionSpec& s,
                 const std::vector<std::pair<std::string_view, std::string_view>>* active) {
  for (const KeySpec& k : s.keys) {
    out << "\n";
    comment(out, std::string(k.doc) + " [" + describe(k.type) + (k.required ? ", required" : "") + "]");
    std::string_view value;
    if (active)
      for (auto& [key, v] : *active)
        if (key == k.key) value = v;
    if (!value.empty())
      out << k.key << " = " << value << "\n";
    else if (!k.default_value.empty())
      out << "#" << k.key << " = " << k.default_value << "\n";
    else
      out << "#" << k.key << " = " << k.example << "\n";
  }
}

}  // namespace

std::string render_example_ini() {
  std::ostringstream out;
  out << "# /etc/failberry/failberry.ini — the configuration of failberryd.\n"
         "#\n"
         "# Lines starting with '#' show each key with its default (or an example);\n"
         "# remove the '#' to change one. Check the file with:\n"
         "#   failberryd --check-config /etc/failberry/failberry.ini\n"
         "# Reference: docs/CONFIG.md (generated from the same schema as this file).\n";
  for (const SectionSpec& s : schema()) {
    if (s.templated) {
      for (auto& [instance, pairs] : s.example) {
        out << "\n";
        comment(out, s.doc);
        out << "[" << s.name << "." << instance << "]\n";
        render_keys(out, s, &pairs);
      }
      continue;
    }
    out << "\n";
    comment(out, s.doc);
    out << "[" << s.name << "]\n";
    render_keys(out, s, active_for(s, ""));
  }
  return out.str();
}

std::string render_config_markdown() {
  std::ostringstream out;
  out << "# failberry configuration reference\n\n"
         "Generated from the schema in `firmware/config/schema.cpp` by `failberry-configdoc --markdown`;\n"
         "a unit test fails when this file is out of date. The file is "
         "`/etc/failberry/failberry.ini`; check it with `failberryd --check-config FILE`.\n\n"
         "Syntax: `[section]` headers, `key = value` lines, whole-line comments starting with `#` or `;`.\n"
         "Durations are a whole number with a unit: `500ms`, `5s`, `2m`, `1h`, `1d`. Lists are comma-separated.\n"
         "Secret files (PIN, DDNS secret, credentials) must not be readable by group or others.\n";
  for (const SectionSpec& s : schema()) {
    out << "\n## [" << s.name << (s.templated ? ".NAME" : "") << "]\n\n" << s.doc << "\n\n";
    out << "| key | type | default | description |\n|---|---|---|---|\n";
    for (const KeySpec& k : s.keys) {
      std::string def = k.required                ? "**required**"
                        : k.default_value.empty() ? "—"
                                                  : "`" + std::string(k.default_value) + "`";
      out << "| `" << k.key << "` | " << describe(k.type) << " | " << def << " | " << k.doc;
      if (k.default_value.empty() && !k.example.empty()) out << " Example: `" << k.example << "`.";
      out << " |\n";
    }
  }
  return out.str();
}

}  // namespace fb::core
