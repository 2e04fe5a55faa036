// DhcpClientRunner: busybox udhcpc on one interface, driven on the daemon's
// io_context the way PppdRunner drives pppd, through fb::ChildProcess.
//
// Lifecycle: Idle -start()-> Requesting -bound-> Bound -lost-> Requesting;
// stop() from Requesting or Bound -> Stopping -exit-> Idle. udhcpc ending in
// any state returns the runner to Idle with an Exit report.
//
// Contract:
//  - Threading: everything on the one io_context; callbacks are posted,
//    never called from inside start()/stop(), so callers may re-enter.
//  - It never touches an address, a route or resolv.conf: udhcpc runs with
//    failberry's event script (image/overlay/usr/libexec/failberry/
//    udhcpc-event), which only prints a line per event on udhcpc's stdout;
//    the runner reads those lines (fb::dhcp::parse_event()) and reports.
//    Configuring the interface is the caller's business.
//  - start() spawns udhcpc (argv from build_argv(): foreground, -R) with
//    /dev/null as stdin and nothing else of ours, and arms the lease timeout.
//    Refused, with the runner left Idle and no on_exit: not Idle
//    (DHCP_BUSY), bad settings or a script that is not executable
//    (DHCP_BAD_SETTINGS), a failed spawn (DHCP_SPAWN_FAILED, "spawn
//    /sbin/udhcpc: No such file or directory").
//  - on_lease: at bound and at each renew, with the lease as udhcpc has it.
//  - on_lost: the lease is gone or none can be had: a deconfig after a lease
//    (it expired unrenewed), a nak (the server's message kept), a leasefail
//    (a round of discovers unanswered). Not for the deconfig udhcpc runs at
//    its start, nor for anything while stopping.
//  - Lease timeout (`lease_timeout` > 0): no lease that long after start()
//    or after a loss, and the runner stops udhcpc; Exit says DHCP_TIMEOUT.
//  - stop(): SIGTERM, on which udhcpc sends a DHCPRELEASE for a lease it
//    holds and ends; SIGKILL if it has not ended after `stop_timeout`
//    (DHCP_KILLED: no release went out). Idempotent; a no-op when Idle.
//  - udhcpc sends renewals and the release by unicast from the leased
//    address, so they reach the server only while the caller has that
//    address on the interface; without it renewing falls back to broadcast
//    (rebinding) and the release is lost.
//  - on_exit runs exactly once per successful start(): no error when stop()
//    ended it, DHCP_TIMEOUT, DHCP_KILLED, or DHCP_CLIENT_EXITED when udhcpc
//    ended by itself (its last words in the detail).
//  - A line it cannot read (DHCP_BAD_LINE), or one for another interface, is
//    logged as a warning and kept in the Exit's last lines; nothing else.
//  - Destroying the runner SIGKILLs and reaps a running udhcpc; no callbacks.
#pragma once

// <utility> first: Boost 1.74's Asio headers need std::exchange (GCC 12, C++20).
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "fb/child_process.hpp"
#include "fb/dhcp/udhcpc.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::dhcp {

struct Lost {
  EventKind kind = EventKind::deconfig;  // deconfig, nak or leasefail
  std::string message;                   // nak: the server's words
};

struct Exit {
  std::optional<Error> error;  // none: stop() ended it
  ChildExit status;
  std::deque<std::string> last_lines;  // udhcpc's last lines, oldest first
};

class DhcpClientRunner {
 public:
  enum class State : std::uint8_t { idle, requesting, bound, stopping };

  struct Options {
    std::string name = "dhcp";  // log object, e.g. "dhcp[usb0]"
    Settings settings;
    Duration lease_timeout = std::chrono::seconds(60);  // 0: no limit
    Duration stop_timeout = std::chrono::seconds(5);
    std::size_t keep_lines = 20;
  };

  struct Callbacks {
    std::function<void(const Lease&)> on_lease;
    std::function<void(const Lost&)> on_lost;
    std::function<void(const Exit&)> on_exit;
    std::function<void(const std::string&)> on_log;  // every udhcpc line, optional
  };

  DhcpClientRunner(boost::asio::io_context& io, TimerService& timers, Options options, Callbacks callbacks);
  ~DhcpClientRunner();
  DhcpClientRunner(const DhcpClientRunner&) = delete;
  DhcpClientRunner& operator=(const DhcpClientRunner&) = delete;

  Result<void> start();
  void stop();

  State state() const { return state_; }
  pid_t pid() const { return child_.pid(); }
  const std::optional<Lease>& lease() const { return lease_; }
  const Options& options() const { return options_; }

 private:
  void set_state(State next, std::string_view why);
  void on_line(std::string raw);
  void on_event(const Event& event);
  void lose(Lost lost);
  void arm_lease_timer();
  void on_exited(const ChildExit& exit);

  TimerService& timers_;
  Options options_;
  Callbacks callbacks_;
  Logger log_;
  State state_ = State::idle;
  std::optional<Lease> lease_;
  std::deque<std::string> last_;
  OneShot lease_timer_{timers_};  // stop when no lease comes in time
  bool stop_requested_ = false;
  bool timed_out_ = false;
  ChildProcess child_;  // spawn, pidfd, output lines, SIGTERM then SIGKILL; posts our reports
};

std::string_view to_string(DhcpClientRunner::State state);

}  // namespace fb::dhcp
