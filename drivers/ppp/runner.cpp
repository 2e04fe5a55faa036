#include "fb/ppp/runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "fb/secret_file.hpp"
#include "fb/text.hpp"

extern char** environ;

namespace fb::ppp {
namespace {

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}
int pidfd_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int release() { return std::exchange(fd, -1); }
};

std::string errno_text(int err) {
  return std::strerror(err);
}

}  // namespace

std::string_view to_string(PppdRunner::State state) {
  switch (state) {
    case PppdRunner::State::idle: return "Idle";
    case PppdRunner::State::starting: return "Starting";
    case PppdRunner::State::up: return "Up";
    case PppdRunner::State::stopping: return "Stopping";
  }
  return "?";
}

PppdRunner::PppdRunner(boost::asio::io_context& io, TimerService& timers, Options options, Callbacks callbacks)
    : io_(io),
      timers_(timers),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      log_(options_.name),
      pidfd_(io),
      log_pipe_(io),
      life_(std::make_shared<PppdRunner*>(this)) {
  options_.settings.credentials = options_.credentials.has_value();
}

PppdRunner::~PppdRunner() {
  life_.reset();
  if (pid_ > 0) {
    if (pidfd_.is_open()) pidfd_signal(pidfd_.native_handle(), SIGKILL);
    int ws = 0;
    while (::waitpid(pid_, &ws, 0) < 0 && errno == EINTR) {
    }
  }
  cleanup();
}

void PppdRunner::set_state(State next, std::string_view why) {
  log_.info() << to_string(state_) << " -> " << to_string(next) << " (" << why << ")";
  state_ = next;
}

std::optional<std::string> PppdRunner::start(int tty_fd) {
  if (state_ != State::idle) return "pppd is already running (state " + std::string(to_string(state_)) + ")";
  if (tty_fd < 0) return std::string("no data tty to hand to pppd");
  auto argv = build_argv(options_.settings);

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return "log pipe: " + errno_text(errno);
  Fd log_r(p[0]), log_w(p[1]);
  Fd cred_r, cred_w;
  if (options_.credentials) {
    if (::pipe2(p, O_CLOEXEC) != 0) return "credentials pipe: " + errno_text(errno);
    cred_r.fd = p[0];
    cred_w.fd = p[1];
    std::string text = credentials_options(*options_.credentials);
    // A few hundred bytes: far below the pipe's capacity, so this never blocks.
    if (::write(cred_w.fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      return "credentials pipe: " + errno_text(errno);
    std::fill(text.begin(), text.end(), '\0');
    cred_w.reset();
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, tty_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, log_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_w.fd, 2);
  if (cred_r.fd >= 0) posix_spawn_file_actions_adddup2(&actions, cred_r.fd, kCredentialsFd);
  // Nothing else of ours leaks into pppd (AT ports, sockets, a pty master).
  posix_spawn_file_actions_addclosefrom_np(&actions, cred_r.fd >= 0 ? kCredentialsFd + 1 : 3);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
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
    int ws = 0;
    while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    log_.error() << "pidfd_open(" << pid << "): " << errno_text(err) << "; pppd killed";
    return "pidfd_open: " + errno_text(err);
  }
  log_w.reset();
  cred_r.reset();

  pid_ = pid;
  pidfd_.assign(pidfd);
  ::fcntl(log_r.fd, F_SETFL, ::fcntl(log_r.fd, F_GETFL) | O_NONBLOCK);
  log_pipe_.assign(log_r.release());
  partial_.clear();
  last_.clear();
  follower_ = LogFollower{};
  stop_requested_ = killed_by_us_ = up_timed_out_ = false;
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + a;
  log_.info() << "started pppd pid " << pid_ << ": " << shown;
  set_state(State::starting, "spawned");
  read_log();
  watch_exit();
  if (options_.up_timeout.count() > 0) {
    up_timer_.arm_after(options_.up_timeout, [this] {
      if (state_ != State::starting) return;
      log_.warning() << "link not up after " << options_.up_timeout.count() << " ms; stopping pppd";
      up_timed_out_ = true;
      stop();
    });
  }
  return std::nullopt;
}

void PppdRunner::stop() {
  if (state_ == State::idle || state_ == State::stopping) return;
  stop_requested_ = true;
  set_state(State::stopping, up_timed_out_ ? "up timeout" : "stop requested");
  if (pidfd_signal(pidfd_.native_handle(), SIGTERM) != 0)
    log_.warning() << "SIGTERM to pppd " << pid_ << ": " << errno_text(errno);
  kill_timer_.arm_after(options_.stop_timeout, [this] { escalate(); });
}

void PppdRunner::escalate() {
  if (state_ != State::stopping) return;
  log_.warning() << "pppd " << pid_ << " still running " << options_.stop_timeout.count()
                 << " ms after SIGTERM; sending SIGKILL";
  killed_by_us_ = true;
  pidfd_signal(pidfd_.native_handle(), SIGKILL);
}

void PppdRunner::read_log() {
  std::weak_ptr<PppdRunner*> weak = life_;
  log_pipe_.async_read_some(boost::asio::buffer(buf_), [weak](const boost::system::error_code& ec, std::size_t n) {
    auto alive = weak.lock();
    if (!alive) return;
    PppdRunner& self = **alive;
    if (ec == boost::asio::error::operation_aborted || !self.log_pipe_.is_open()) return;
    if (ec || n == 0) return;  // EOF: pppd (and anything it started with the pipe) is gone
    self.on_log_bytes(std::string_view(self.buf_.data(), n));
    self.read_log();
  });
}

void PppdRunner::on_log_bytes(std::string_view bytes) {
  for (char c : bytes) {
    if (c == '\n') {
      on_line(std::exchange(partial_, {}));
    } else if (c != '\r' && partial_.size() < 1024) {
      partial_.push_back(c);
    }
  }
}

void PppdRunner::on_line(std::string raw) {
  if (raw.empty()) return;
  std::string line = clean_text(raw, 1024);  // pppd quotes the peer: valid UTF-8 before log, status and JSON
  log_.info() << "pppd: " << line;
  last_.push_back(line);
  while (last_.size() > options_.keep_lines) last_.pop_front();
  if (callbacks_.on_log) callbacks_.on_log(line);
  auto change = follower_.feed(line);
  if (change == LogFollower::Change::none) return;
  if (change == LogFollower::Change::up && state_ == State::starting) {
    up_timer_.cancel();
    const auto& l = follower_.link();
    set_state(State::up, l.interface + " " + l.local + " -> " + l.remote);
  }
  if (callbacks_.on_link && (state_ == State::up || state_ == State::stopping)) {
    std::weak_ptr<PppdRunner*> weak = life_;
    boost::asio::post(io_, [weak, cb = callbacks_.on_link, link = follower_.link()] {
      if (weak.lock()) cb(link);
    });
  }
}

void PppdRunner::watch_exit() {
  std::weak_ptr<PppdRunner*> weak = life_;
  pidfd_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [weak](const boost::system::error_code& ec) {
    auto alive = weak.lock();
    if (!alive) return;
    PppdRunner& self = **alive;
    if (ec == boost::asio::error::operation_aborted || !self.pidfd_.is_open()) return;
    self.on_exited();
  });
}

void PppdRunner::drain_log() {
  if (!log_pipe_.is_open()) return;
  for (;;) {
    ssize_t n = ::read(log_pipe_.native_handle(), buf_.data(), buf_.size());
    if (n > 0) {
      on_log_bytes(std::string_view(buf_.data(), static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EOF, or EAGAIN: whatever a grandchild still holds is not pppd's
  }
  if (!partial_.empty()) on_line(std::exchange(partial_, {}));
}

void PppdRunner::on_exited() {
  int ws = 0;
  pid_t r;
  do r = ::waitpid(pid_, &ws, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) {  // spurious wakeup: not ended yet
    watch_exit();
    return;
  }
  ExitStatus status;
  if (r == pid_ && WIFEXITED(ws)) status.code = WEXITSTATUS(ws);
  if (r == pid_ && WIFSIGNALED(ws)) status.signal = WTERMSIG(ws);
  drain_log();
  Exit exit;
  exit.status = status;
  exit.reason = classify_exit(status, stop_requested_, killed_by_us_, up_timed_out_, follower_.cause());
  exit.last_lines = last_;
  log_.line(exit.reason == Reason::stopped ? Level::info : Level::warning)
      << "pppd " << pid_
      << (status.signal ? " killed by signal " + std::to_string(status.signal)
                        : " exited with " + std::to_string(status.code))
      << ": " << to_string(exit.reason) << " (" << to_string(disposition(exit.reason)) << ")";
  cleanup();
  set_state(State::idle, std::string(to_string(exit.reason)));
  if (callbacks_.on_exit) {
    std::weak_ptr<PppdRunner*> weak = life_;
    boost::asio::post(io_, [weak, cb = callbacks_.on_exit, exit = std::move(exit)] {
      if (weak.lock()) cb(exit);
    });
  }
}

void PppdRunner::cleanup() {
  kill_timer_.cancel();
  up_timer_.cancel();
  boost::system::error_code ignored;
  pidfd_.close(ignored);
  log_pipe_.close(ignored);
  pid_ = -1;
}

std::optional<Credentials> load_credentials(const std::string& path, std::string& error) {
  auto file = read_secret_file(path);
  if (auto* why = std::get_if<std::string>(&file)) {
    error = *why;
    return std::nullopt;
  }
  auto c = parse_credentials(std::get<Secret>(file).reveal(), error);
  if (!c) error = path + ": " + error;
  return c;
}

}  // namespace fb::ppp
