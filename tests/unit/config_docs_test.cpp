// The shipped example INI, docs/CONFIG.md and the failberry.ini(5) man page
// (docs/man/failberry.ini.5) are generated from the schema;
// this fails when one is out of date (regenerate: cmake --build build
// --target update-config-docs). The example must also be a valid config.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "fb/config/parse.hpp"
#include "fb/config/schema.hpp"

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
const std::string kExample = std::string(FB_SOURCE_DIR) + "/image/overlay/etc/failberry/failberry.ini";
}  // namespace

TEST_CASE("image/overlay/etc/failberry/failberry.ini matches the schema") {
  CHECK_MESSAGE(slurp(kExample) == fb::core::render_example_ini(),
                "out of date: run cmake --build build --target update-config-docs");
}

TEST_CASE("docs/CONFIG.md matches the schema") {
  CHECK_MESSAGE(slurp(std::string(FB_SOURCE_DIR) + "/docs/CONFIG.md") == fb::core::render_config_markdown(),
                "out of date: run cmake --build build --target update-config-docs");
}

TEST_CASE("docs/man/failberry.ini.5 matches the schema") {
  CHECK_MESSAGE(slurp(std::string(FB_SOURCE_DIR) + "/docs/man/failberry.ini.5") == fb::core::render_config_man(),
                "out of date: run cmake --build build --target update-config-docs");
}

TEST_CASE("failberry.ini(5): every key has its entry, and schema text never becomes a roff request") {
  std::istringstream page(fb::core::render_config_man());
  std::string line, previous;
  std::size_t entries = 0;
  while (std::getline(page, line)) {
    CAPTURE(line);
    if (line.rfind(".B ", 0) == 0 && previous == ".TP") ++entries;
    if (!line.empty() && (line[0] == '.' || line[0] == '\'')) {
      std::string request = line.substr(0, line.find(' '));
      bool known = request == ".\\\"" || request == ".TH" || request == ".SH" || request == ".SS" || request == ".TP" ||
                   request == ".PP" || request == ".br" || request == ".B" || request == ".I" || request == ".BR" ||
                   request == ".IR";
      CHECK(known);
    }
    previous = line;
  }
  std::size_t keys = 0;
  for (const auto& section : fb::core::schema()) keys += section.keys.size();
  CHECK(entries == keys);
}

TEST_CASE("the shipped example is a valid config with both uplinks") {
  fb::core::ConfigResult r = fb::core::parse_config(fb::core::render_example_ini(), "failberry.ini");
  INFO((r.errors.empty() ? std::string() : r.errors[0].to_string()));
  REQUIRE(r.config);
  REQUIRE(r.config->uplinks.size() == 2);
  CHECK(r.config->find_uplink("cellular")->kind == fb::core::UplinkKind::ppp);
}

TEST_CASE("every schema default is itself valid, and every key is documented") {
  for (const auto& section : fb::core::schema())
    for (const auto& key : section.keys) {
      CAPTURE(key.key);
      CHECK_FALSE(key.doc.empty());
      CHECK((key.required || !key.default_value.empty() || !key.example.empty()));
      if (!key.default_value.empty()) CHECK(fb::core::parse_value(key.type, key.default_value).value);
      if (!key.example.empty()) CHECK(fb::core::parse_value(key.type, key.example).value);
    }
}
