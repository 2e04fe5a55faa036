// INI syntax only: sections, `key = value` lines, full-line comments.
//
// Contract: pure, never throws. Keeps every line number so the schema layer
// can name file:line in its messages. A value is everything after the first
// '=' with surrounding blanks trimmed — '#' and ';' inside a value are kept
// (secrets and URLs contain them); comments are whole lines starting with
// '#' or ';'. CRLF endings and a UTF-8 BOM are accepted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fb::core {

struct IniEntry {
  std::string key;
  std::string value;
  int line = 0;
};

struct IniSection {
  std::string name;
  int line = 0;
  std::vector<IniEntry> entries;
};

struct IniSyntaxError {
  int line = 0;
  std::string message;
};

struct IniDocument {
  std::vector<IniSection> sections;
  std::vector<IniSyntaxError> errors;
};

IniDocument read_ini(std::string_view text);

}  // namespace fb::core
