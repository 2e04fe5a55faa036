// VirtualTime: timers fire in deadline order, only when time is advanced.
#include <doctest/doctest.h>

#include <vector>

#include "fb/time.hpp"

using namespace std::chrono_literals;

TEST_CASE("virtual time fires due timers in deadline order and no others") {
  fb::VirtualTime t;
  std::vector<int> fired;
  t.arm_after(3s, [&] { fired.push_back(3); });
  t.arm_after(1s, [&] { fired.push_back(1); });
  auto cancelled = t.arm_after(2s, [&] { fired.push_back(2); });
  t.cancel(cancelled);
  t.advance(999ms);
  CHECK(fired.empty());
  t.advance(1ms);
  CHECK(fired == std::vector<int>{1});
  t.advance(5s);
  CHECK(fired == std::vector<int>{1, 3});
  CHECK(t.pending() == 0);
}

TEST_CASE("a timer armed from a callback fires within the same advance, at its own deadline") {
  fb::VirtualTime t;
  std::vector<fb::TimePoint> at;
  auto start = t.now();
  std::function<void()> tick = [&] {
    at.push_back(t.now());
    if (at.size() < 3) t.arm_after(2s, tick);
  };
  t.arm_after(2s, tick);
  t.advance(10s);
  REQUIRE(at.size() == 3);
  CHECK(at[0] - start == 2s);
  CHECK(at[2] - start == 6s);
  CHECK(t.now() - start == 10s);
}

TEST_CASE("timers with the same deadline fire in arming order") {
  fb::VirtualTime t;
  std::vector<int> fired;
  for (int i = 0; i < 5; ++i) t.arm_after(1s, [&fired, i] { fired.push_back(i); });
  t.advance(1s);
  CHECK(fired == std::vector<int>{0, 1, 2, 3, 4});
}
