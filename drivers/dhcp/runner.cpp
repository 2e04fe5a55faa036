#include "fb/dhcp/runner.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fb/text.hpp"

namespace fb::dhcp {
namespace {

std::string describe_lease(const Lease& l) {
  std::string out = l.address.text() + "/" + std::to_string(l.subnet.length);
  auto list = [](const std::vector<IpAddress>& as) {
    std::string s;
    for (const auto& a : as) s += (s.empty() ? "" : ",") + a.text();
    return s.empty() ? std::string("none") : s;
  };
  out += " router " + list(l.routers) + " dns " + list(l.dns) + " lease " + std::to_string(l.lease_time.count()) + " s";
  if (l.server) out += " from " + l.server->text();
  return out;
}

long long seconds_of(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

std::string_view to_string(DhcpClientRunner::State state) {
  switch (state) {
    case DhcpClientRunner::State::idle: return "Idle";
    case DhcpClientRunner::State::requesting: return "Requesting";
    case DhcpClientRunner::State::bound: return "Bound";
    case DhcpClientRunner::State::stopping: return "Stopping";
  }
  return "?";
}

DhcpClientRunner::DhcpClientRunner(boost::asio::io_context& io, TimerService& timers, Options options,
                                   Callbacks callbacks)
    : timers_(timers),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      log_(options_.name),
      child_(io, timers, log_, "udhcpc",
             {[this](std::string line) { on_line(std::move(line)); },
              [this](const ChildExit& exit) { on_exited(exit); }}) {}

// The child's own destructor SIGKILLs and reaps a running udhcpc and drops
// the reports posted through it.
DhcpClientRunner::~DhcpClientRunner() = default;

void DhcpClientRunner::set_state(State next, std::string_view why) {
  log_.info() << to_string(state_) << " -> " << to_string(next) << " (" << why << ")";
  state_ = next;
}

Result<void> DhcpClientRunner::start() {
  if (state_ != State::idle)
    return Error{Code::busy, "udhcpc is already running (state " + std::string(to_string(state_)) + ")"};
  auto argv = build_argv(options_.settings);
  if (!argv) return argv.error();
  if (::access(options_.settings.script.c_str(), X_OK) != 0)
    return Error{Code::bad_settings, "event script " + options_.settings.script + ": " + std::strerror(errno)};
  ChildProcess::Spawn spawn;
  spawn.argv = *argv;
  if (auto error = child_.start(spawn)) return Error{Code::spawn_failed, *error};

  last_.clear();
  lease_.reset();
  stop_requested_ = timed_out_ = false;
  set_state(State::requesting, "spawned");
  arm_lease_timer();
  return {};
}

void DhcpClientRunner::stop() {
  if (state_ == State::idle || state_ == State::stopping) return;
  stop_requested_ = true;
  lease_timer_.cancel();
  set_state(State::stopping, timed_out_ ? "lease timeout" : "stop requested");
  child_.terminate(options_.stop_timeout);  // udhcpc -R: release, then end
}

void DhcpClientRunner::arm_lease_timer() {
  if (options_.lease_timeout.count() <= 0) return;
  lease_timer_.arm_after(options_.lease_timeout, [this] {
    if (state_ != State::requesting) return;
    log_.warning() << "no lease on " << options_.settings.interface << " within " << seconds_of(options_.lease_timeout)
                   << " s; stopping udhcpc";
    timed_out_ = true;
    stop();
  });
}

void DhcpClientRunner::on_line(std::string raw) {
  std::string line = clean_text(raw, 1024);  // the script echoes the server's text
  last_.push_back(line);
  while (last_.size() > options_.keep_lines) last_.pop_front();
  if (callbacks_.on_log) callbacks_.on_log(line);
  if (!is_event_line(line)) {
    log_.info() << (line.rfind("udhcpc: ", 0) == 0 ? "" : "udhcpc: ") << line;  // its own lines say "udhcpc: "
    return;
  }
  auto event = parse_event(line);
  if (!event) {
    log_.warning() << "unreadable event line, ignored: " << describe(event) << ": " << line;
    return;
  }
  if (event->interface != options_.settings.interface) {
    log_.warning() << "event for " << event->interface << ", not "
                   << options_.settings.interface << ", ignored: " << line;
    return;
  }
  on_event(*event);
}

void DhcpClientRunner::on_event(const Event& event) {
  if (state_ == State::stopping) {
    log_.info() << "udhcpc: " << to_string(event.kind) << " while stopping";
    return;
  }
  switch (event.kind) {
    case EventKind::bound:
    case EventKind::renew: {
      const Lease& lease = *event.lease;
      lease_timer_.cancel();
      if (state_ != State::bound)
        set_state(State::bound, std::string(to_string(event.kind)) + " " + describe_lease(lease));
      else
        log_.info() << to_string(event.kind) << " " << describe_lease(lease);
      lease_ = lease;
      if (callbacks_.on_lease) child_.post([cb = callbacks_.on_lease, lease] { cb(lease); });
      return;
    }
    case EventKind::deconfig:
      if (state_ != State::bound) {
        log_.debug() << "deconfig without a lease (udhcpc starting or retrying)";
        return;
      }
      lose(Lost{EventKind::deconfig, "lease of " + lease_->address.text() + " ended unrenewed"});
      return;
    case EventKind::nak:
      lose(Lost{EventKind::nak, event.message.empty() ? std::string("the server refused the request") : event.message});
      return;
    case EventKind::leasefail:
      lose(Lost{EventKind::leasefail, "no DHCP server answered on " + options_.settings.interface});
      return;
  }
}

void DhcpClientRunner::lose(Lost lost) {
  if (state_ == State::bound) {
    set_state(State::requesting, std::string(to_string(lost.kind)) + ": " + lost.message);
    lease_.reset();
    arm_lease_timer();
  } else {
    log_.warning() << to_string(lost.kind) << ": " << lost.message;
  }
  if (callbacks_.on_lost) child_.post([cb = callbacks_.on_lost, lost = std::move(lost)] { cb(lost); });
}

void DhcpClientRunner::on_exited(const ChildExit& status) {
  lease_timer_.cancel();
  Exit exit;
  exit.status = status;
  exit.last_lines = last_;
  std::string how = status.signal ? "killed by signal " + std::to_string(status.signal)
                                  : "exited with " + std::to_string(status.code);
  if (timed_out_) {
    exit.error = Error{Code::timeout, "no lease on " + options_.settings.interface + " within " +
                                          std::to_string(seconds_of(options_.lease_timeout)) + " s"};
  } else if (stop_requested_ && status.killed_by_us) {
    exit.error = Error{Code::killed, "udhcpc did not end within " + std::to_string(seconds_of(options_.stop_timeout)) +
                                         " s of SIGTERM and was killed; no release was sent"};
  } else if (!stop_requested_) {
    std::string last;
    for (auto it = last_.rbegin(); it != last_.rend() && last.empty(); ++it)
      if (!is_event_line(*it)) last = *it;
    exit.error = Error{Code::client_exited, "udhcpc " + how + (last.empty() ? "" : ": " + last)};
  }
  log_.line(exit.error ? Level::warning : Level::info)
      << "udhcpc " << status.pid << " " << how << ": " << (exit.error ? describe(*exit.error) : std::string("stopped"));
  lease_.reset();
  set_state(State::idle, exit.error ? std::string(code_name(exit.error->code)) : "stopped");
  if (callbacks_.on_exit) child_.post([cb = callbacks_.on_exit, exit = std::move(exit)] { cb(exit); });
}

}  // namespace fb::dhcp
