// PppdRunner: one pppd child on the daemon's io_context.
//
// Lifecycle: Idle -start()-> Starting -IPCP up-> Up -stop()-> Stopping -exit-> Idle.
// pppd exiting in any state returns the runner to Idle with an Exit report.
//
// Contract:
//  - Threading: everything on the one io_context; callbacks are posted,
//    never called from inside start()/stop(), so callers may re-enter.
//  - start(tty_fd) spawns pppd with posix_spawn (no shell), argv from
//    build_argv(), the connected data tty `tty_fd` as its stdin, its
//    stdout+stderr on a pipe the runner reads line by line (each logged as
//    "<name>: pppd: …" and kept, the last few, for the Exit report), the
//    credentials (if any) on a pipe as fd 3, no other fd of ours, default
//    signal dispositions, an empty signal mask and its own session. The runner never closes or keeps
//    `tty_fd`: pppd holds its own copy, the caller closes theirs.
//  - start() is refused (error text) unless Idle. A failed spawn rolls
//    everything back (pipes closed, child reaped if one exists) and leaves
//    the runner Idle; on_exit is not called for it.
//  - The child is watched through a pidfd: its end is noticed on the
//    io_context, the child is reaped, the rest of its log is read, then
//    on_exit runs exactly once per successful start().
//  - stop(): SIGTERM; if pppd has not ended after `stop_timeout`, SIGKILL.
//    Idempotent; a no-op when Idle.
//  - Up is pppd's "remote IP address" log line (IPCP), or with
//    Settings::ipv4 = false (noip) its "remote LL address" (IPv6CP)
//    (LogFollower); on_link runs at Up and again when pppd adds information
//    (DNS, IPv6CP). With IPv6CP (Settings::ipv6: +ipv6) the LinkInfo carries
//    its link-local addresses (local_ll, remote_ll: fe80:: and the
//    negotiated interface id). If `up_timeout` > 0 and
//    the link is not up in time, the runner stops pppd (reason UP_TIMEOUT).
//  - Destroying the runner SIGKILLs and reaps a running pppd; no callbacks.
// The child's mechanics (spawn, pidfd, lines, SIGTERM then SIGKILL) are
// fb::ChildProcess's (common/process).
#pragma once

// <utility> first: Boost 1.74's Asio headers need std::exchange (GCC 12, C++20).
#include <utility>
//
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "fb/child_process.hpp"
#include "fb/log.hpp"
#include "fb/ppp/pppd.hpp"
#include "fb/time.hpp"

namespace fb::ppp {

struct Exit {
  Reason reason = Reason::unknown_exit;
  ExitStatus status;
  std::deque<std::string> last_lines;  // pppd's last log lines, oldest first
};

class PppdRunner {
 public:
  enum class State : std::uint8_t { idle, starting, up, stopping };

  struct Options {
    std::string name = "ppp";  // log object, e.g. "ppp[ppp0]"
    Settings settings;
    std::optional<Credentials> credentials;  // sets settings.credentials
    Duration stop_timeout = std::chrono::seconds(5);
    Duration up_timeout{0};  // 0: no limit
    std::size_t keep_lines = 20;
  };

  struct Callbacks {
    std::function<void(const LinkInfo&)> on_link;
    std::function<void(const Exit&)> on_exit;
    std::function<void(const std::string&)> on_log;  // every pppd line, optional
  };

  PppdRunner(boost::asio::io_context& io, TimerService& timers, Options options, Callbacks callbacks);
  ~PppdRunner();
  PppdRunner(const PppdRunner&) = delete;
  PppdRunner& operator=(const PppdRunner&) = delete;

  // Empty when pppd was started; otherwise why not ("spawn /usr/sbin/pppd:
  // No such file or directory").
  std::optional<std::string> start(int tty_fd);
  void stop();

  State state() const { return state_; }
  pid_t pid() const { return child_.pid(); }
  const LinkInfo& link() const { return follower_.link(); }
  const Options& options() const { return options_; }

 private:
  void set_state(State next, std::string_view why);
  void on_line(std::string line);
  void on_exited(const ChildExit& exit);

  TimerService& timers_;
  Options options_;
  Callbacks callbacks_;
  Logger log_;
  State state_ = State::idle;
  std::deque<std::string> last_;
  LogFollower follower_;
  OneShot up_timer_{timers_};  // stop when the link is not up in time
  bool stop_requested_ = false;
  bool up_timed_out_ = false;
  ChildProcess child_;  // spawn, pidfd, output lines, SIGTERM then SIGKILL; posts our reports
};

std::string_view to_string(PppdRunner::State state);

// Reads [ppp] credentials_file with fb::read_secret_file() (no symlink, mode
// 0600, regular file, at most kSecretFileMaxBytes), then parse_credentials().
// Errors start with the path and never contain the secret.
std::optional<Credentials> load_credentials(const std::string& path, std::string& error);

}  // namespace fb::ppp
