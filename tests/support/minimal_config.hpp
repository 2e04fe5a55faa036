// The smallest valid failberry.ini with two uplinks (wired preferred over
// cellular), tests/support/minimal.ini: the base that config tests change
// one key of (its first line is a comment, so a key's line number is its
// line in the file). The benches start from the same file. Needs
// FB_SOURCE_DIR.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace fb::test {

inline std::string minimal_config() {
  static const std::string text = [] {
    const std::string path = FB_SOURCE_DIR "/tests/support/minimal.ini";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }();
  return text;
}

}  // namespace fb::test
