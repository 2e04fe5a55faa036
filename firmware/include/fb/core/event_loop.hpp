// The event loop's last guard: failberryd's io_context runs here.
//
// Contract: runs `io` on the calling thread until it stops or runs out of
// work, and returns the process exit code. A handler that throws is a bug:
// the loop ends, `log` says "BUG: unhandled exception in the event loop: ..."
// with the exception's text (clean_text: the text may come from outside), and
// the code is kExitSoftware, so that systemd (Restart=on-failure) starts a
// fresh process, which removes what this one left in the kernel, rather than
// run on half-updated state. That holds for any thrown type, not only
// std::exception: an escaped exception would otherwise abort the process
// without a word and without running the destructors that tidy up.
#pragma once

// <utility> first: Boost 1.74's asio headers use std::exchange without it.
#include <utility>
//
#include <boost/asio/io_context.hpp>

#include "fb/log.hpp"

namespace fb::core {

inline constexpr int kExitSoftware = 70;  // EX_SOFTWARE (sysexits.h)

// 0 when `io` stopped or ran out of work, kExitSoftware when a handler threw.
int run_event_loop(boost::asio::io_context& io, const Logger& log);

}  // namespace fb::core
