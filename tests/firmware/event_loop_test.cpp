// run_event_loop: a handler that throws ends the loop with exit code 70 and a
// "BUG" line that names the exception, whatever its type; a loop that runs
// out of work returns 0.
#include <doctest/doctest.h>

// <utility> first: Boost 1.74's asio headers use std::exchange without it.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "fb/core/event_loop.hpp"
#include "fb/log.hpp"

namespace {

struct LogCapture {
  std::vector<std::string> lines;
  std::vector<fb::Level> levels;
  LogCapture() {
    fb::logging::set_capture([this](fb::Level level, std::string_view line) {
      levels.push_back(level);
      lines.emplace_back(line);
    });
  }
  ~LogCapture() { fb::logging::set_capture(nullptr); }
};

const fb::Logger kLog{"failberryd"};

}  // namespace

TEST_CASE("a loop that runs out of work returns 0 and logs nothing") {
  LogCapture capture;
  boost::asio::io_context io;
  int ran = 0;
  boost::asio::post(io, [&] { ++ran; });
  boost::asio::post(io, [&] { ++ran; });
  CHECK(fb::core::run_event_loop(io, kLog) == 0);
  CHECK(ran == 2);
  CHECK(capture.lines.empty());
}

TEST_CASE("a handler that throws a std::exception: exit 70 and a BUG line with its text") {
  LogCapture capture;
  boost::asio::io_context io;
  bool after = false;
  boost::asio::post(io, [] { throw std::runtime_error("x"); });
  boost::asio::post(io, [&] { after = true; });
  CHECK(fb::core::run_event_loop(io, kLog) == 70);
  CHECK_FALSE(after);  // the loop ended at the throw
  REQUIRE(capture.lines.size() == 1);
  CHECK(capture.levels[0] == fb::Level::error);
  CHECK(capture.lines[0] ==
        "failberryd: BUG: unhandled exception in the event loop: x; exiting for systemd to restart failberryd");
}

TEST_CASE("the exception's text is cleaned before it reaches the log") {
  LogCapture capture;
  boost::asio::io_context io;
  boost::asio::post(io, [] { throw std::runtime_error("tty said\r\nERROR\x1b[2J \xff"); });
  CHECK(fb::core::run_event_loop(io, kLog) == 70);
  REQUIRE(capture.lines.size() == 1);
  // CR, LF and ESC become spaces, the invalid byte U+FFFD.
  CHECK(capture.lines[0] ==
        "failberryd: BUG: unhandled exception in the event loop: tty said  ERROR [2J \xEF\xBF\xBD; exiting for "
        "systemd to restart failberryd");
}

TEST_CASE("a handler that throws something else: still exit 70, not std::terminate") {
  LogCapture capture;
  boost::asio::io_context io;
  boost::asio::post(io, [] { throw 42; });
  CHECK(fb::core::run_event_loop(io, kLog) == 70);
  REQUIRE(capture.lines.size() == 1);
  CHECK(capture.lines[0] ==
        "failberryd: BUG: unhandled exception in the event loop: unknown exception (not a std::exception); exiting "
        "for systemd to restart failberryd");
}
