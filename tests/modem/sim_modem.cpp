#include "sim_modem.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fb::test {

SimModem::SimModem(const Options& options) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  fd_ = pair[0];
  int child_end = ::dup(pair[1]);  // dup() drops CLOEXEC: only this end is inherited
  ::close(pair[1]);
  std::vector<std::string> argv = {FB_PYTHON3,     FB_MODEMSIM,    "--vendor",
                                   options.vendor, "--control-fd", std::to_string(child_end)};
  if (options.unix_socket)
    argv.insert(argv.end(), {"--unix", dir_ / "modem.sock"});
  else
    argv.insert(argv.end(), {"--link", link_ = options.link.empty() ? dir_ / "tty" : options.link});
  if (!options.state_file.empty()) argv.insert(argv.end(), {"--state", options.state_file});
  for (const auto& s : options.sets) argv.insert(argv.end(), {"--set", s});
  try {
    process_ = std::make_unique<Process>(argv, SpawnOptions{{}, {}, dir_ / "sim.log"});
  } catch (...) {
    ::close(child_end);
    throw;
  }
  ::close(child_end);
  std::string ready = read_line(std::chrono::seconds(20));
  if (ready.rfind("ready ", 0) != 0) throw std::runtime_error("modemsim did not start: " + ready);
  tty_ = ready.substr(6);
}

SimModem::~SimModem() {
  if (fd_ >= 0) ::close(fd_);  // EOF on the control socket ends the simulator
  if (process_) process_->wait(std::chrono::seconds(5));
  if (!link_.empty()) ::unlink(link_.c_str());  // a link outside the temp dir (/dev/…) goes too
}

std::string SimModem::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("modemsim: no reply in time; log: " + read_file(dir_ / "sim.log"));
    pollfd p{fd_, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    ssize_t got = ::read(fd_, buf, sizeof buf);
    if (got <= 0) throw std::runtime_error("modemsim exited; log: " + read_file(dir_ / "sim.log"));
    buffer_.append(buf, static_cast<std::size_t>(got));
  }
}

std::string SimModem::control(const std::string& command, std::chrono::milliseconds timeout) {
  std::string line = command + "\n";
  if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    throw std::runtime_error("modemsim: cannot send control command");
  return read_line(timeout);
}

std::string SimModem::ok(const std::string& command) {
  std::string reply = control(command);
  if (reply.rfind("ok", 0) != 0) throw std::runtime_error("modemsim: '" + command + "' -> '" + reply + "'");
  return reply.size() > 3 ? reply.substr(3) : std::string();
}

}  // namespace fb::test
