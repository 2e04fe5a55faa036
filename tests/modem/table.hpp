// Helpers for the parser table tests: every verbatim transcript row is run
// as written and in the line-ending variants real sticks produce.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fb::test {

// The text as given, wrapped in "\r\n…\r\n" (how V.250 frames it), with
// every "\r\n" as "\n" (some firmwares, and our framer's joined lines), and
// as "\r" (ATS4 misconfigured).
inline std::vector<std::string> line_end_variants(std::string_view raw) {
  auto replace = [](std::string s, std::string_view from, std::string_view to) {
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
      s.replace(pos, from.size(), to);
    return s;
  };
  std::string text(raw);
  return {text, "\r\n" + text + "\r\n", replace(text, "\r\n", "\n"), replace(text, "\r\n", "\r")};
}

}  // namespace fb::test
