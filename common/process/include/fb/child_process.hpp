// ChildProcess: one child program on the daemon's io_context, the one home
// of how failberry starts, watches and ends the programs it runs (pppd,
// udhcpc, the event hooks).
//
// Contract:
//  - Threading: everything on the one io_context. on_line and on_exit run
//    from its handlers, never from inside start(), signal(), terminate() or
//    the destructor.
//  - start() spawns argv[0] (a path: no PATH search, no shell) with
//    posix_spawn: its own session, default signal dispositions, an empty
//    signal mask, `stdin_fd` (or /dev/null) as its stdin, stdout and stderr
//    on one pipe, each of `fds` at its chosen number, and no other fd of
//    ours. The caller keeps its own fds: the child has copies. Its
//    environment is `env` when given (nothing of ours added), else ours.
//  - start() is refused (error text) while a child runs. A failed spawn rolls
//    everything back (pipes closed, a child that exists killed and reaped)
//    and returns why ("spawn /usr/sbin/pppd: No such file or directory");
//    on_exit is not called for it.
//  - The output is cut into lines: without "\r" or "\n", at most 1024 bytes
//    (the rest of a longer line is dropped), empty lines skipped; each goes
//    to on_line as it arrives, raw (cleaning it is the owner's business).
//  - The child is watched through a pidfd: its end is noticed on the
//    io_context, it is reaped, the rest of its output is read (what a
//    grandchild still holds open is not waited for), then on_exit runs,
//    exactly once per successful start(), last. From on_exit on, the child
//    is gone: the owner may start() again or destroy the ChildProcess there.
//  - terminate(grace): SIGTERM; SIGKILL if the child has not ended after
//    `grace` (then ChildExit::killed_by_us). A no-op without a child, and
//    while a terminate() is already under way.
//  - Destroying it SIGKILLs and reaps a running child; no callbacks.
//  - post(f) runs f from the io_context later, unless the ChildProcess is
//    destroyed first: how its owner reports (posted, never from inside its
//    own calls) without a report outliving it.
// Logs (as `log`, naming the program by `label`) each start at info (or
// Spawn::start_log_level)
// ("started pppd pid 4242: /usr/sbin/pppd nodetach …") and what goes wrong:
// a failed spawn, a failed signal, a SIGKILL after the grace time.
#pragma once

// <utility> first: Boost 1.74's Asio headers need std::exchange (GCC 12, C++20).
#include <utility>
//
#include <sys/types.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb {

struct ChildExit {
  pid_t pid = -1;
  int code = -1;              // exit code, -1 when killed by a signal
  int signal = 0;             // terminating signal, 0 when it exited
  bool killed_by_us = false;  // terminate() had to send SIGKILL
};

class ChildProcess {
 public:
  struct Spawn {
    std::vector<std::string> argv;  // argv[0]: the program's path
    int stdin_fd = -1;              // -1: /dev/null
    // {number in the child (3 or more), our fd}: handed over as a copy.
    std::vector<std::pair<int, int>> fds;
    // The child's whole environment ("NAME=value" each); nullopt: ours.
    std::optional<std::vector<std::string>> env;
    // The "started" line's level: debug for a program run on a timer (lldpcli
    // every 15 s), so the journal is not a list of starts.
    Level start_log_level = Level::info;
  };

  struct Callbacks {
    std::function<void(std::string line)> on_line;  // stdout+stderr, one line
    std::function<void(const ChildExit&)> on_exit;
  };

  // `label` names the program in log lines ("pppd").
  ChildProcess(boost::asio::io_context& io, TimerService& timers, Logger log, std::string label, Callbacks callbacks);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Empty when the child was started; otherwise why not.
  std::optional<std::string> start(const Spawn& spawn);
  // Sends `signo` to a running child; false (and logged) when none runs or it fails.
  bool signal(int signo);
  void terminate(Duration grace);
  template <class F>
  void post(F f) {
    boost::asio::post(io_, [alive = std::weak_ptr<ChildProcess*>(life_), f = std::move(f)]() mutable {
      if (alive.lock()) f();
    });
  }

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  void read_output();
  bool on_bytes(std::string_view bytes);  // false when on_line destroyed us
  void watch_exit();
  void on_exited();
  bool drain_output();
  void escalate(Duration grace);
  void cleanup();

  boost::asio::io_context& io_;
  Logger log_;
  std::string label_;
  Callbacks callbacks_;
  pid_t pid_ = -1;
  boost::asio::posix::stream_descriptor pidfd_;
  boost::asio::posix::stream_descriptor output_;
  std::array<char, 4096> buf_{};
  std::string partial_;
  OneShot kill_timer_;  // SIGKILL when SIGTERM was not enough
  bool terminating_ = false;
  bool killed_by_us_ = false;
  std::uint64_t generation_ = 0;  // per start(): a handler of an earlier child does nothing
  std::shared_ptr<ChildProcess*> life_;
};

}  // namespace fb
