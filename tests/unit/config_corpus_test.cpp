// The bad-config corpus (tests/unit/bad_configs): each file's first line is
// `# expect: :LINE: message` (`# expect: : message` for an error about the
// whole file), the one error the parser must report for it.
// failberryd --check-config is run on the same corpus by the adapter tests.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fb/config/parse.hpp"

namespace fs = std::filesystem;

TEST_CASE("every bad config in the corpus is refused with its specific message") {
  fs::path dir = fs::path(FB_SOURCE_DIR) / "tests/unit/bad_configs";
  std::vector<fs::path> files;
  for (auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".ini") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 30);

  std::vector<std::string> messages;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    const std::string marker = "# expect: ";
    REQUIRE_MESSAGE(content.rfind(marker, 0) == 0, file.filename().string(), " has no '# expect:' line");
    std::string expected = file.filename().string() + content.substr(marker.size(), content.find('\n') - marker.size());

    fb::core::ConfigResult r = fb::core::parse_config(content, file.filename().string());
    CAPTURE(expected);
    CHECK_FALSE(r.config);
    REQUIRE(!r.errors.empty());
    CHECK(r.errors.size() == 1);
    CHECK(r.errors[0].to_string() == expected);
    messages.push_back(content.substr(0, content.find('\n')));
  }
  // Distinct configs, distinct messages.
  std::sort(messages.begin(), messages.end());
  CHECK(std::adjacent_find(messages.begin(), messages.end()) == messages.end());
}
