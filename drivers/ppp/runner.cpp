#include "fb/ppp/runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fb/secret_file.hpp"
#include "fb/text.hpp"
#include "fb/unique_fd.hpp"

namespace fb::ppp {
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
    : timers_(timers),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      log_(options_.name),
      child_(io, timers, log_, "pppd",
             {[this](std::string line) { on_line(std::move(line)); },
              [this](const ChildExit& exit) { on_exited(exit); }}) {
  options_.settings.credentials = options_.credentials.has_value();
}

// The child's own destructor SIGKILLs and reaps a running pppd and drops
// the reports posted through it.
PppdRunner::~PppdRunner() = default;

void PppdRunner::set_state(State next, std::string_view why) {
  log_.info() << to_string(state_) << " -> " << to_string(next) << " (" << why << ")";
  state_ = next;
}

std::optional<std::string> PppdRunner::start(int tty_fd) {
  if (state_ != State::idle) return "pppd is already running (state " + std::string(to_string(state_)) + ")";
  if (tty_fd < 0) return std::string("no data tty to hand to pppd");
  auto argv = build_argv(options_.settings);

  UniqueFd cred_r;
  if (options_.credentials) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return std::string("credentials pipe: ") + std::strerror(errno);
    cred_r.reset(p[0]);
    UniqueFd cred_w(p[1]);
    std::string text = credentials_options(*options_.credentials);
    // A few hundred bytes: far below the pipe's capacity, so this never blocks.
    if (::write(cred_w.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      return std::string("credentials pipe: ") + std::strerror(errno);
    std::fill(text.begin(), text.end(), '\0');
  }

  ChildProcess::Spawn spawn;
  spawn.argv = argv;
  spawn.stdin_fd = tty_fd;
  if (cred_r) spawn.fds.emplace_back(kCredentialsFd, cred_r.get());
  if (auto error = child_.start(spawn)) return error;
  cred_r.reset();

  last_.clear();
  follower_ = LogFollower{options_.settings.ipv4};
  stop_requested_ = up_timed_out_ = false;
  set_state(State::starting, "spawned");
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
  child_.terminate(options_.stop_timeout);
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
    std::string v4 = l.remote.empty() ? std::string() : " " + l.local + " -> " + l.remote;
    std::string v6 = l.remote_ll.empty() ? std::string() : " " + l.local_ll + " -> " + l.remote_ll;
    set_state(State::up, l.interface + v4 + v6);
  }
  if (callbacks_.on_link && (state_ == State::up || state_ == State::stopping)) {
    child_.post([cb = callbacks_.on_link, link = follower_.link()] { cb(link); });
  }
}

void PppdRunner::on_exited(const ChildExit& child_exit) {
  ExitStatus status;
  status.code = child_exit.code;
  status.signal = child_exit.signal;
  Exit exit;
  exit.status = status;
  exit.reason = classify_exit(status, stop_requested_, child_exit.killed_by_us, up_timed_out_, follower_.cause());
  exit.last_lines = last_;
  log_.line(exit.reason == Reason::stopped ? Level::info : Level::warning)
      << "pppd " << child_exit.pid
      << (status.signal ? " killed by signal " + std::to_string(status.signal)
                        : " exited with " + std::to_string(status.code))
      << ": " << to_string(exit.reason) << " (" << to_string(disposition(exit.reason)) << ")";
  up_timer_.cancel();
  set_state(State::idle, std::string(to_string(exit.reason)));
  if (callbacks_.on_exit) {
    child_.post([cb = callbacks_.on_exit, exit = std::move(exit)] { cb(exit); });
  }
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
