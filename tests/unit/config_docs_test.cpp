// The shipped example INI and docs/CONFIG.md are generated from the schema;
// this fails when either is out of date (regenerate: cmake --build build
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
