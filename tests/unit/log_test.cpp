// Logging: object-name prefix, threshold, level names.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fb/log.hpp"

TEST_CASE("log lines start with the object's name and respect the threshold") {
  std::vector<std::string> lines;
  fb::logging::set_capture([&](fb::Level, std::string_view line) { lines.emplace_back(line); });
  fb::logging::set_threshold(fb::Level::info);
  fb::Logger log{"modem[ttyUSB2]"};
  log.info() << "registered, signal " << -71 << " dBm";
  log.debug() << "not shown";
  fb::logging::set_threshold(fb::Level::debug);
  log.debug() << "shown";
  fb::logging::set_capture(nullptr);
  fb::logging::set_threshold(fb::Level::info);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "modem[ttyUSB2]: registered, signal -71 dBm");
  CHECK(lines[1] == "modem[ttyUSB2]: shown");
}

TEST_CASE("level names round-trip and unknown words are refused") {
  for (auto l : {fb::Level::error, fb::Level::warning, fb::Level::notice, fb::Level::info, fb::Level::debug})
    CHECK(fb::parse_level(fb::level_name(l)) == l);
  CHECK_FALSE(fb::parse_level("verbose"));
  CHECK(static_cast<int>(fb::Level::error) == 3);  // syslog priority, used as the journal's <N>
}
