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
#include "io_wait.hpp"

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

}  // namespace fb::test
