// HookRunner: runs the user's hooks ([alerts] hooks_dir) for each event.
//
// Contract: single-threaded on the daemon's io_context; nothing here blocks
// or waits for a hook.
//  - enqueue() only queues the event (bounded: when `queue_limit` events
//    wait, the oldest is dropped with a warning that counts the drops) and
//    returns; the work starts from the io_context.
//  - Events are handled in order, one at a time; for each, the directory is
//    read afresh and every hook runs in turn, in byte order of its name, one
//    at a time: the next starts when the previous one has ended.
//  - A hook is an executable regular file in the directory (a symlink is
//    judged by the file it points to). Skipped silently: names starting with
//    "." or ending in "~", subdirectories and other non-regular files, files
//    without an execute bit (chmod -x disables a hook). Refused, with a
//    warning naming the file and why: a file not owned by root (or by the
//    daemon's own uid, so tests can run without root; failberryd runs as
//    root, where that is the same) or writable by group or others, or whose
//    name has control characters or is not UTF-8; the same for the
//    directory itself (then nothing in it runs). A refusal is logged
//    once per file and change (owner, mode, inode, mtime), not per event.
//  - A hook runs through fb::ChildProcess: no shell, argv[0] its path, stdin
//    /dev/null, and a clean environment (fb::hook_environment(): PATH, the
//    FB_* variables, FB_DRY_RUN). Dry-run runs hooks too (they are the
//    user's own side effects) with FB_DRY_RUN=1.
//  - After `timeout` a hook gets SIGTERM, after `kill_grace` more SIGKILL;
//    the next hook (and the next event's) run after it has ended.
//  - Its output goes to the log line by line as `hook[NAME]: ...`, at most
//    `output_lines` per run; the rest is read and dropped (a flood never
//    fills the pipe or the log), then counted in one line. A non-zero exit,
//    a signal and a timeout are warnings.
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fb/child_process.hpp"
#include "fb/event.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct HookSettings {
  std::string dir = "/etc/failberry/hooks.d";
  Duration timeout = std::chrono::seconds(10);
  Duration kill_grace = std::chrono::seconds(2);
  bool dry_run = false;
  std::size_t queue_limit = 64;
  std::size_t output_lines = 20;
  bool operator==(const HookSettings&) const = default;
};

class HookRunner {
 public:
  HookRunner(boost::asio::io_context& io, TimerService& timers, HookSettings settings);
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // From the next hook on (a running one keeps its deadline).
  void configure(HookSettings settings) { settings_ = std::move(settings); }
  const HookSettings& settings() const { return settings_; }
  void enqueue(Event event);

  // Nothing runs and nothing waits.
  bool idle() const { return !child_ && queue_.empty() && hooks_.empty() && !scheduled_; }
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t runs() const { return runs_; }

 private:
  void schedule();
  void next();
  // The hooks to run now, in order; refusals logged (once per change).
  std::vector<std::string> scan();
  // Empty when `path` (already stat()ed) may run; otherwise why not.
  std::string refusal(const std::string& what, uid_t owner, mode_t mode) const;
  void refuse(const std::string& path, const std::string& signature, const std::string& why);
  void start(const std::string& path);
  void on_line(std::string line);
  void on_exit(const ChildExit& exit);

  boost::asio::io_context& io_;
  TimerService& timers_;
  HookSettings settings_;
  Logger log_{"hooks"};
  std::deque<Event> queue_;
  std::optional<Event> current_;
  std::deque<std::string> hooks_;  // still to run for current_
  std::unique_ptr<ChildProcess> child_;
  std::string running_;  // the running hook's name
  Logger hook_log_{"hook"};
  TimePoint started_{};
  std::size_t lines_ = 0;
  std::uint64_t lines_dropped_ = 0;
  bool timed_out_ = false;
  OneShot timeout_{timers_};
  bool scheduled_ = false;
  std::map<std::string, std::string> refused_;  // path -> the signature and reason last logged
  std::uint64_t dropped_ = 0;
  std::uint64_t runs_ = 0;
  std::shared_ptr<HookRunner*> life_;
};

}  // namespace fb::core
