// What --check-config accepts, the code that uses the value at runtime
// accepts too: a value refused only at the first dial makes the recovery
// ladder climb (redial, reset, power cycle, reboot) over a typo.
#include <doctest/doctest.h>

#include "fb/config/values.hpp"
#include "fb/modem/dial.hpp"

using namespace fb::core;

TEST_CASE("every APN the config accepts is one the dial sends") {
  ValueType apn{ValueKind::apn, 0, 0, {}};
  std::vector<std::string> candidates{"internet", "web.vodafone.de", std::string(100, 'x'), std::string(101, 'x')};
  // Each byte value alone, inside a name and at its ends.
  for (int b = 1; b < 256; ++b) {
    char c = static_cast<char>(b);
    candidates.push_back(std::string(1, c));
    candidates.push_back(std::string("inter") + c + "net");
    candidates.push_back(c + std::string("internet") + c);
  }
  int accepted = 0;
  for (const std::string& text : candidates) {
    ParsedValue v = parse_value(apn, text);
    if (!v.value) continue;
    ++accepted;
    fb::modem::DialPlan plan;
    plan.apn = std::get<std::string>(*v.value);
    CAPTURE(text);
    CHECK(fb::modem::dial_commands(plan).ok());
  }
  CHECK(accepted > 60);
}
