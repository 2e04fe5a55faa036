#include "fb/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fb/unique_fd.hpp"

extern char** environ;

namespace fb {
namespace {

constexpr std::size_t kMaxLine = 1024;

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}
int pidfd_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

std::string errno_text(int err) {
  return std::strerror(err);
}

void reap(pid_t pid) {
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

ChildProcess::ChildProcess(boost::asio::io_context& io, TimerService& timers, Logger log, std::string label,
                           Callbacks callbacks)
    : io_(io),
      log_(std::move(log)),
      label_(std::move(label)),
      callbacks_(std::move(callbacks)),
      pidfd_(io),
      output_(io),
      kill_timer_(timers),
      life_(std::make_shared<ChildProcess*>(this)) {}

ChildProcess::~ChildProcess() {
  life_.reset();
  if (pid_ > 0) {
    if (pidfd_.is_open()) pidfd_signal(pidfd_.native_handle(), SIGKILL);
    reap(pid_);
  }
  cleanup();
}

std::optional<std::string> ChildProcess::start(const Spawn& spawn) {
  if (running()) return label_ + " is already running (pid " + std::to_string(pid_) + ")";
  if (spawn.argv.empty() || spawn.argv[0].empty()) return std::string("no program to start");
  int highest = 2;
  for (const auto& [target, source] : spawn.fds) {
    if (target < 3 || target > 255 || source < 0)
      return "cannot hand fd " + std::to_string(source) + " over as " + std::to_string(target);
    highest = std::max(highest, target);
  }
  std::vector<bool> is_target(static_cast<std::size_t>(highest) + 1, false);
  for (const auto& [target, source] : spawn.fds) is_target[static_cast<std::size_t>(target)] = true;
  for (const auto& [target, source] : spawn.fds)  // dup2 one by one: a source must not be another's target
    if (source != target && source <= highest && is_target[static_cast<std::size_t>(source)])
      return "cannot hand fd " + std::to_string(source) + " over: it is another fd's number in the child";

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return "output pipe: " + errno_text(errno);
  UniqueFd out_r(p[0]), out_w(p[1]);
  UniqueFd null_in;
  int stdin_fd = spawn.stdin_fd;
  if (stdin_fd < 0) {
    null_in.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null_in) return "/dev/null: " + errno_text(errno);
    stdin_fd = null_in.get();
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 2);
  for (const auto& [target, source] : spawn.fds) posix_spawn_file_actions_adddup2(&actions, source, target);
  // Nothing else of ours leaks into the child (AT ports, sockets, a pty master):
  // the gaps below the highest handed fd (closing one that is not open is no
  // error), then everything above it.
  for (int fd = 3; fd < highest; ++fd)
    if (!is_target[static_cast<std::size_t>(fd)]) posix_spawn_file_actions_addclose(&actions, fd);
  posix_spawn_file_actions_addclosefrom_np(&actions, highest + 1);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
  std::vector<std::string> argv = spawn.argv;
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_strings = spawn.env.value_or(std::vector<std::string>{});
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), spawn.env ? env.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    log_.error() << "cannot start " << argv[0] << ": " << errno_text(rc);
    return "spawn " + argv[0] + ": " + errno_text(rc);
  }
  int pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    int err = errno;
    ::kill(pid, SIGKILL);
    reap(pid);
    log_.error() << "pidfd_open(" << pid << "): " << errno_text(err) << "; " << label_ << " killed";
    return "pidfd_open: " + errno_text(err);
  }
  out_w.reset();

  pid_ = pid;
  pidfd_.assign(pidfd);
  ::fcntl(out_r.get(), F_SETFL, ::fcntl(out_r.get(), F_GETFL) | O_NONBLOCK);
  output_.assign(out_r.release());
  partial_.clear();
  terminating_ = killed_by_us_ = false;
  ++generation_;
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + a;
  log_.line(spawn.start_log_level) << "started " << label_ << " pid " << pid << ": " << shown;
  read_output();
  watch_exit();
  return std::nullopt;
}

bool ChildProcess::signal(int signo) {
  if (!running()) return false;
  if (pidfd_signal(pidfd_.native_handle(), signo) == 0) return true;
  log_.warning() << "signal " << signo << " to " << label_ << " " << pid_ << ": " << errno_text(errno);
  return false;
}

void ChildProcess::terminate(Duration grace) {
  if (!running() || terminating_) return;
  terminating_ = true;
  if (pidfd_signal(pidfd_.native_handle(), SIGTERM) != 0)
    log_.warning() << "SIGTERM to " << label_ << " " << pid_ << ": " << errno_text(errno);
  kill_timer_.arm_after(grace, [this, grace] { escalate(grace); });
}

void ChildProcess::escalate(Duration grace) {
  if (!running()) return;
  log_.warning() << label_ << " " << pid_ << " still running "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(grace).count()
                 << " ms after SIGTERM; sending SIGKILL";
  killed_by_us_ = true;
  pidfd_signal(pidfd_.native_handle(), SIGKILL);
}

// Waits for readiness and reads itself: data the reactor had already taken
// from the pipe could otherwise sit in a queued handler while the exit is
// handled, and be lost or come after on_exit.
void ChildProcess::read_output() {
  std::weak_ptr<ChildProcess*> weak = life_;
  output_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [weak, generation = generation_](const boost::system::error_code& ec) {
                       auto alive = weak.lock();
                       if (!alive) return;
                       ChildProcess& self = **alive;
                       if (ec || generation != self.generation_ || !self.output_.is_open()) return;
                       alive.reset();  // on_line may destroy us: only `weak` tells
                       ssize_t n;
                       do n = ::read(self.output_.native_handle(), self.buf_.data(), self.buf_.size());
                       while (n < 0 && errno == EINTR);
                       if (n == 0) return;  // EOF: the child (and anything it started with the pipe) is gone
                       if (n > 0 && !self.on_bytes(std::string_view(self.buf_.data(), static_cast<std::size_t>(n))))
                         return;
                       if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return;
                       if (weak.lock() && generation == self.generation_) self.read_output();
                     });
}

bool ChildProcess::on_bytes(std::string_view bytes) {
  std::weak_ptr<ChildProcess*> weak = life_;
  for (char c : bytes) {
    if (c == '\n') {
      std::string line = std::exchange(partial_, {});
      if (line.empty() || !callbacks_.on_line) continue;
      auto on_line = callbacks_.on_line;  // a copy: the call may destroy us, and callbacks_ with us
      on_line(std::move(line));
      if (weak.expired()) return false;
    } else if (c != '\r' && partial_.size() < kMaxLine) {
      partial_.push_back(c);
    }
  }
  return true;
}

void ChildProcess::watch_exit() {
  std::weak_ptr<ChildProcess*> weak = life_;
  pidfd_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [weak, generation = generation_](
                                                                          const boost::system::error_code& ec) {
    auto alive = weak.lock();
    if (!alive) return;
    ChildProcess& self = **alive;
    if (ec == boost::asio::error::operation_aborted || generation != self.generation_ || !self.pidfd_.is_open()) return;
    alive.reset();
    self.on_exited();
  });
}

bool ChildProcess::drain_output() {
  if (!output_.is_open()) return true;
  for (;;) {
    ssize_t n = ::read(output_.native_handle(), buf_.data(), buf_.size());
    if (n > 0) {
      if (!on_bytes(std::string_view(buf_.data(), static_cast<std::size_t>(n)))) return false;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EOF, or EAGAIN: whatever a grandchild still holds is not the child's
  }
  if (!partial_.empty() && callbacks_.on_line) {
    std::weak_ptr<ChildProcess*> weak = life_;
    auto on_line = callbacks_.on_line;
    on_line(std::exchange(partial_, {}));
    if (weak.expired()) return false;
  }
  return true;
}

void ChildProcess::on_exited() {
  int ws = 0;
  pid_t r;
  do r = ::waitpid(pid_, &ws, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) {  // spurious wakeup: not ended yet
    watch_exit();
    return;
  }
  ChildExit exit;
  exit.pid = pid_;
  if (r == pid_ && WIFEXITED(ws)) exit.code = WEXITSTATUS(ws);
  if (r == pid_ && WIFSIGNALED(ws)) exit.signal = WTERMSIG(ws);
  exit.killed_by_us = killed_by_us_;
  pid_ = -1;  // reaped: nothing left to kill, whatever on_line does now
  if (!drain_output()) return;
  cleanup();
  if (!callbacks_.on_exit) return;
  auto on_exit = callbacks_.on_exit;  // last, from a copy: it may start again or destroy us
  on_exit(exit);
}

void ChildProcess::cleanup() {
  kill_timer_.cancel();
  boost::system::error_code ignored;
  pidfd_.close(ignored);
  output_.close(ignored);
  pid_ = -1;
  terminating_ = false;
}

}  // namespace fb
