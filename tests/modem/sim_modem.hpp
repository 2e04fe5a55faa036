// Test support: the modem simulator (modemsim.py) as a child process with a
// control socket. The simulator serves a pty (or a unix socket); tty() is
// its stable path.
// control() sends one command and waits (bounded) for its one-line reply.
// Destroying the SimModem closes the control socket, which ends the
// simulator; the Process kills it if it lingers.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace fb::test {

class SimModem {
 public:
  struct Options {
    Options(std::string vendor_ = "generic", std::vector<std::string> sets_ = {}, std::string state_file_ = {},
            bool unix_socket_ = false)
        : vendor(std::move(vendor_)),
          sets(std::move(sets_)),
          state_file(std::move(state_file_)),
          unix_socket(unix_socket_) {}
    std::string vendor;
    std::vector<std::string> sets;  // "sim=absent", "eol=lf"…
    std::string state_file;         // empty: no persistence
    bool unix_socket;               // serve a unix socket (QEMU chardev side) instead of a pty
    std::string link = {};          // the pty's stable path (default: in the simulator's temp dir)
  };
  explicit SimModem(const Options& options);
  ~SimModem();
  SimModem(const SimModem&) = delete;
  SimModem& operator=(const SimModem&) = delete;

  // The pty's stable path, or the unix socket's path.
  const std::string& tty() const { return tty_; }
  // The reply line without "\n"; throws std::runtime_error on timeout or EOF.
  std::string control(const std::string& command, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // control() that must answer "ok…"; returns what follows "ok".
  std::string ok(const std::string& command);
  Process& process() { return *process_; }

 private:
  std::string read_line(std::chrono::milliseconds timeout);

  TempDir dir_;
  std::string link_;
  int fd_ = -1;
  std::unique_ptr<Process> process_;
  std::string tty_;
  std::string buffer_;
};

}  // namespace fb::test
