#include "fb/config/ini.hpp"

#include <cctype>

namespace fb::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view k) {
  for (char c : k)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return !k.empty();
}

}  // namespace

IniDocument read_ini(std::string_view text) {
  IniDocument doc;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  int number = 0;
  bool broken_section = false;  // keys under a bad header are not blamed on the section before it
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    auto error = [&](std::string msg) { doc.errors.push_back({number, std::move(msg)}); };

    bool control = false;
    for (size_t i = 0; i < raw.size(); ++i) {
      auto c = static_cast<unsigned char>(raw[i]);
      if (c < 0x20 && c != '\t' && !(c == '\r' && i + 1 == raw.size())) control = true;
    }
    if (control) {
      error("line contains a control character (is this a text file?)");
      continue;
    }
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      broken_section = true;
      if (line.back() != ']') {
        error("section header must end with ']'");
        continue;
      }
      std::string_view name = trim(line.substr(1, line.size() - 2));
      if (!valid_key(name)) {
        error("section name '" + std::string(name) + "' may use only letters, digits, '_', '-' and '.'");
        continue;
      }
      broken_section = false;
      doc.sections.push_back({std::string(name), number, {}});
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      error("expected 'key = value', a [section] or a # comment");
      continue;
    }
    std::string_view key = trim(line.substr(0, eq));
    if (key.empty()) {
      error("missing key name before '='");
      continue;
    }
    if (!valid_key(key)) {
      error("key '" + std::string(key) + "' may use only letters, digits, '_', '-' and '.'");
      continue;
    }
    if (broken_section) continue;
    if (doc.sections.empty()) {
      error("'" + std::string(key) + "' appears before any [section]");
      continue;
    }
    doc.sections.back().entries.push_back({std::string(key), std::string(trim(line.substr(eq + 1))), number});
  }
  return doc;
}

}  // namespace fb::core
