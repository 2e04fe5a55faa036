// Test support for the in-process service tests: a Config from INI text
// through the daemon's own parser, and running the io_context until
// something happens (bounded, never a bare sleep). Header-only.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12
//
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "fb/config/parse.hpp"

namespace fb::test {

// The config a user's file would give (the daemon's parser and validator;
// files named in it are not looked at).
inline fb::core::Config parse_ini(const std::string& text) {
  fb::core::ConfigResult r = fb::core::parse_config(text, "test.ini");
  std::string errors;
  for (const auto& e : r.errors) errors += e.to_string() + "\n";
  INFO(errors);
  REQUIRE(r.config);
  return *r.config;
}

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

// Runs whatever is ready on `io` now, without waiting for more.
inline void run_ready(boost::asio::io_context& io) {
  if (io.stopped()) io.restart();
  io.poll();
}

}  // namespace fb::test
