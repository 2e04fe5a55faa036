// AsioTimerService and OneShot on the real io_context: a timer cancelled
// after it expired, while its completion already waits in the io_context's
// queue, must not call back (the firmware's cores rely on that: a stale
// ArmTimer must never feed TimerFired).
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <vector>

#include "fb/core/asio_timers.hpp"

using namespace std::chrono_literals;

TEST_CASE("a timer cancelled after it expired, its completion queued, does not call back") {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers(io);
  std::vector<int> fired;
  // Both deadlines are past when the loop runs: both completions are queued
  // together, and the first callback cancels the second.
  auto past = timers.now() - 1ms;
  fb::TimerId second = 0;
  timers.arm(past, [&] {
    fired.push_back(1);
    timers.cancel(second);
  });
  second = timers.arm(past, [&] { fired.push_back(2); });
  io.run_for(200ms);
  CHECK(fired == std::vector<int>{1});
}

TEST_CASE("OneShot on Asio: re-armed from a neighbour's queued callback, only the new arm fires") {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers(io);
  fb::OneShot first(timers), second(timers);
  std::vector<int> fired;
  auto past = timers.now() - 1ms;
  first.arm(past, [&] {
    fired.push_back(1);
    second.arm_after(10ms, [&] { fired.push_back(3); });  // replaces the queued one
  });
  second.arm(past, [&] { fired.push_back(2); });
  io.run_for(300ms);
  CHECK(fired == std::vector<int>{1, 3});
  CHECK_FALSE(second.armed());
}

TEST_CASE("OneShot on Asio: destroyed before its deadline, it never calls back") {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers(io);
  int fired = 0;
  {
    fb::OneShot timer(timers);
    timer.arm_after(1ms, [&] { ++fired; });
  }
  fb::OneShot later(timers);
  later.arm_after(20ms, [&] { fired += 10; });
  io.run_for(300ms);
  CHECK(fired == 10);
}
