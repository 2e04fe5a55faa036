// Tokenising AT response text: lines, "+TAG:" prefixes, comma-separated
// fields with optional double quotes, strict decimal/hex numbers.
//
// Contract: pure functions over string_views into the caller's text (no
// copies kept, nothing allocated but the returned vectors); case-insensitive
// where modems disagree on case; never throw, never read past the view.
// Numbers are parsed strictly: "12a" is not 12. Used by every parser so they
// all tolerate the same oddities (spaces around commas, quotes or none,
// "\r", "\r\n" or "\n" between lines).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fb::at {

std::string_view trim(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
std::string to_upper(std::string_view text);

// Non-empty, trimmed lines of a response (any mix of \r and \n ends a line).
std::vector<std::string_view> split_lines(std::string_view text);

// The rest of `line` after `tag` (e.g. "+CSQ:"), trimmed, when the line starts
// with it (case-insensitive, leading spaces allowed); nullopt otherwise.
std::optional<std::string_view> after_tag(std::string_view line, std::string_view tag);

// First line of `text` that starts with `tag`, returning what follows the tag.
std::optional<std::string_view> find_tagged(std::string_view text, std::string_view tag);

struct Field {
  std::string_view text;  // trimmed, without the quotes
  bool quoted = false;
  bool empty() const { return text.empty(); }
};

// "1, \"a,b\" ,,x" -> {1}{a,b}{}{x}. Commas inside quotes do not split; an
// unterminated quote runs to the end. A trailing comma yields an empty field.
std::vector<Field> split_fields(std::string_view text);

// Strict numbers. Leading zeros are fine ("001"), signs are not; values that
// overflow 32 bits fail.
std::optional<std::uint32_t> to_uint(std::string_view text);
std::optional<std::uint32_t> to_uint(const Field& field);
// Hex with or without "0x"/"0X"; up to 8 digits.
std::optional<std::uint32_t> to_hex(std::string_view text);
std::optional<std::uint32_t> to_hex(const Field& field);

bool all_digits(std::string_view text);

}  // namespace fb::at
