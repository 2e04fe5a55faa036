// Bounded waits on an io_context for the adapter tests: run it until a
// condition holds or a deadline passes, never a bare sleep.
#pragma once

#include <chrono>
#include <functional>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace fb::test {

// Runs `io` until `done()` holds or `timeout` passes; true when done. Checks
// `done` before the first handler, so a condition that already holds costs nothing.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout) {
  auto guard = boost::asio::make_work_guard(io);  // block in run_one_for even with nothing pending
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(deadline - now);
  }
  return true;
}

// Runs `io` for `window`, whatever happens in it.
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds window) {
  auto guard = boost::asio::make_work_guard(io);
  auto deadline = std::chrono::steady_clock::now() + window;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_until(deadline);
  }
}

// Runs whatever is ready on `io` now, without waiting for more.
inline void run_ready(boost::asio::io_context& io) {
  if (io.stopped()) io.restart();
  io.poll();
}

}  // namespace fb::test
