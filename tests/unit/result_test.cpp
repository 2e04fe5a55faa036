// fb::Result and fb::Error: a value or a coded error, never both, never
// neither; describe() reads "CODE_NAME: detail".
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "fb/result.hpp"

namespace demo {

enum class Code { first_thing_failed, second_thing_failed };

std::string_view code_name(Code code) {
  switch (code) {
    case Code::first_thing_failed: return "FIRST_THING_FAILED";
    case Code::second_thing_failed: return "SECOND_THING_FAILED";
  }
  return "UNKNOWN";
}

template <class T>
using Result = fb::Result<T, Code>;

Result<int> half(int n) {
  if (n % 2 != 0) return {Code::first_thing_failed, std::to_string(n) + " is odd"};
  return n / 2;
}

Result<void> check(bool good) {
  if (!good) return fb::Error<Code>{Code::second_thing_failed, ""};
  return {};
}

}  // namespace demo

TEST_CASE("a Result holds a value or an error with a code and a detail") {
  demo::Result<int> two = demo::half(4);
  REQUIRE(two.ok());
  CHECK(static_cast<bool>(two));
  CHECK(two.value() == 2);
  CHECK(*two == 2);

  demo::Result<int> odd = demo::half(3);
  CHECK_FALSE(odd.ok());
  CHECK_FALSE(static_cast<bool>(odd));
  CHECK(odd.code() == demo::Code::first_thing_failed);
  CHECK(odd.error() == fb::Error<demo::Code>{demo::Code::first_thing_failed, "3 is odd"});
  CHECK(describe(odd) == "FIRST_THING_FAILED: 3 is odd");
  CHECK(describe(two) == "OK");
}

TEST_CASE("Result<void> is a success by default, or an error") {
  demo::Result<void> good = demo::check(true);
  CHECK(good.ok());
  CHECK(describe(good) == "OK");

  demo::Result<void> bad = demo::check(false);
  CHECK_FALSE(bad);
  CHECK(bad.code() == demo::Code::second_thing_failed);
  CHECK(describe(bad) == "SECOND_THING_FAILED");  // no detail, no colon
  CHECK(describe(bad.error()) == "SECOND_THING_FAILED");
}

TEST_CASE("a Result never claims success without a value") {
  // Only a value makes a successful Result<T>: no default, and a
  // Result<void> (success or not) is not a Result<int>.
  static_assert(!std::is_default_constructible_v<demo::Result<int>>);
  static_assert(!std::is_constructible_v<demo::Result<int>, demo::Result<void>>);
  static_assert(!std::is_convertible_v<demo::Result<int>, int>);
  static_assert(!std::is_convertible_v<demo::Result<int>, bool>);  // explicit bool only
  demo::Result<int> failed{fb::Error<demo::Code>{demo::Code::first_thing_failed, "x"}};
  CHECK_FALSE(failed.ok());
}

TEST_CASE("asking the wrong side is reported, not undefined") {
  demo::Result<int> odd = demo::half(1);
  CHECK_THROWS_AS((void)odd.value(), std::bad_variant_access);
  demo::Result<int> two = demo::half(4);
  CHECK_THROWS_AS((void)two.error(), std::bad_variant_access);
  demo::Result<void> good;
  CHECK_THROWS_AS((void)good.code(), std::bad_optional_access);
}

TEST_CASE("a Result moves its value out and reaches members through ->") {
  fb::Result<std::unique_ptr<std::string>, demo::Code> r = std::make_unique<std::string>("modem");
  REQUIRE(r);
  CHECK(r.value()->size() == 5);
  std::unique_ptr<std::string> taken = std::move(r).value();
  CHECK(*taken == "modem");

  fb::Result<std::string, demo::Code> s = std::string("ttyUSB2");
  CHECK(s->size() == 7);
  s->append("!");
  CHECK(*s == "ttyUSB2!");
}
