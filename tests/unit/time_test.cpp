// VirtualTime: timers fire in deadline order, only when time is advanced.
// OneShot on it: one pending timer at most, gone with its owner.
#include <doctest/doctest.h>

#include <memory>
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

TEST_CASE("OneShot: arming again replaces the pending callback") {
  fb::VirtualTime t;
  fb::OneShot timer(t);
  std::vector<int> fired;
  timer.arm_after(1s, [&] { fired.push_back(1); });
  timer.arm_after(3s, [&] { fired.push_back(2); });
  CHECK(t.pending() == 1);
  t.advance(2s);
  CHECK(fired.empty());
  CHECK(timer.armed());
  t.advance(1s);
  CHECK(fired == std::vector<int>{2});
  CHECK_FALSE(timer.armed());
  t.advance(10s);
  CHECK(fired == std::vector<int>{2});
}

TEST_CASE("OneShot: cancel before the deadline stops it; cancel after it fired is harmless") {
  fb::VirtualTime t;
  fb::OneShot timer(t);
  int fired = 0;
  timer.arm(t.now() + 1s, [&] { ++fired; });
  timer.cancel();
  CHECK_FALSE(timer.armed());
  CHECK(t.pending() == 0);
  t.advance(2s);
  CHECK(fired == 0);

  timer.arm_after(1s, [&] { ++fired; });
  fb::OneShot other(t);  // a neighbour's timer must survive this one's cancels
  other.arm_after(5s, [&] { fired += 10; });
  t.advance(1s);
  CHECK(fired == 1);
  timer.cancel();
  timer.cancel();
  CHECK(other.armed());
  t.advance(4s);
  CHECK(fired == 11);
}

TEST_CASE("OneShot: destroying it cancels its callback") {
  fb::VirtualTime t;
  int fired = 0;
  {
    fb::OneShot timer(t);
    timer.arm_after(1s, [&] { ++fired; });
    CHECK(t.pending() == 1);
  }
  CHECK(t.pending() == 0);
  t.advance(2s);
  CHECK(fired == 0);
}

TEST_CASE("OneShot: the callback may arm its own timer again, or destroy its owner") {
  fb::VirtualTime t;
  fb::OneShot tick(t);
  std::vector<fb::TimePoint> at;
  auto start = t.now();
  std::function<void()> again = [&] {
    at.push_back(t.now());
    if (at.size() < 3) tick.arm_after(2s, again);
  };
  tick.arm_after(2s, again);
  t.advance(10s);
  REQUIRE(at.size() == 3);
  CHECK(at[2] - start == 6s);
  CHECK_FALSE(tick.armed());

  auto owner = std::make_unique<fb::OneShot>(t);
  bool ran = false;
  owner->arm_after(1s, [&] {
    owner.reset();
    ran = true;
  });
  t.advance(1s);
  CHECK(ran);
  CHECK(owner == nullptr);
  CHECK(t.pending() == 0);
}
