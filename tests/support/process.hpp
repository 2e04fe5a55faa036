// Test support: run a child process with an argv (no shell), wait for it
// with a bounded timeout through a pidfd, signal it. The child is killed if
// the Process is destroyed while it still runs, so a failing test leaks none.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fb::test {

struct SpawnOptions {
  std::vector<std::string> env_extra;  // "KEY=value" added to our environment
  std::string stdout_path;             // empty: inherit
  std::string stderr_path;             // empty: inherit
};

class Process {
 public:
  Process(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signo) const;
  // Exit code (or 128+signal) once the child ends; nothing on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> status_;
};

// Runs argv to completion (bounded) and returns its exit code and stdout+stderr.
struct RunResult {
  int code = -1;
  std::string output;
};
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(30));

std::string read_file(const std::string& path);
// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it).
unsigned short free_tcp_port();
void write_file(const std::string& path, const std::string& text, unsigned mode = 0644);

// Waits (bounded, woken by inotify on the file's directory, never a fixed
// sleep) until the file at `path` holds `needle` at least `occurrences` times.
bool wait_for_text(const std::string& path, const std::string& needle, std::chrono::milliseconds limit,
                   std::size_t occurrences = 1);
// How often `needle` stands in `text`.
std::size_t count_in(const std::string& text, const std::string& needle);
// CPU time (user + system) a live process has used, in seconds; -1 when unknown.
double cpu_seconds_of(pid_t pid);

// A private temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace fb::test
