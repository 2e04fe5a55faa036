#include "fb/at/fields.hpp"

namespace fb::at {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = upper(c);
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = upper(c);
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\r' || text[i] == '\n') {
      auto line = trim(text.substr(start, i - start));
      if (!line.empty()) lines.push_back(line);
      start = i + 1;
    }
  }
  return lines;
}

std::optional<std::string_view> after_tag(std::string_view line, std::string_view tag) {
  line = trim(line);
  if (!istarts_with(line, tag)) return std::nullopt;
  return trim(line.substr(tag.size()));
}

std::optional<std::string_view> find_tagged(std::string_view text, std::string_view tag) {
  for (auto line : split_lines(text))
    if (auto rest = after_tag(line, tag)) return rest;
  return std::nullopt;
}

std::vector<Field> split_fields(std::string_view text) {
  std::vector<Field> fields;
  text = trim(text);
  if (text.empty()) return fields;
  std::size_t i = 0;
  while (true) {
    // One field: optional spaces, then either "..." or raw text up to a comma.
    while (i < text.size() && is_space(text[i])) ++i;
    Field field;
    if (i < text.size() && text[i] == '"') {
      std::size_t close = text.find('"', i + 1);
      std::size_t end = close == std::string_view::npos ? text.size() : close;
      field.text = text.substr(i + 1, end - i - 1);
      field.quoted = true;
      i = close == std::string_view::npos ? text.size() : close + 1;
      while (i < text.size() && text[i] != ',') ++i;  // junk after the quote is dropped
    } else {
      std::size_t comma = text.find(',', i);
      std::size_t end = comma == std::string_view::npos ? text.size() : comma;
      field.text = trim(text.substr(i, end - i));
      i = end;
    }
    fields.push_back(field);
    if (i >= text.size()) break;
    ++i;  // the comma
    if (i == text.size()) {
      fields.push_back(Field{});
      break;
    }
  }
  return fields;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<std::uint32_t> to_uint(std::string_view text) {
  text = trim(text);
  if (!all_digits(text)) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > 0xffffffffULL) return std::nullopt;
  }
  return static_cast<std::uint32_t>(value);
}

std::optional<std::uint32_t> to_uint(const Field& field) {
  return to_uint(field.text);
}

std::optional<std::uint32_t> to_hex(std::string_view text) {
  text = trim(text);
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  while (text.size() > 8 && text.front() == '0') text.remove_prefix(1);
  if (text.empty() || text.size() > 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    int d = hex_digit(c);
    if (d < 0) return std::nullopt;
    value = value * 16 + static_cast<std::uint32_t>(d);
  }
  return value;
}

std::optional<std::uint32_t> to_hex(const Field& field) {
  return to_hex(field.text);
}

}  // namespace fb::at
