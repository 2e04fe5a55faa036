// Test support: a real sd_notify socket. Binds a unix datagram socket, hands
// out NOTIFY_SOCKET=path for the child, and waits (bounded) for messages.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fb::test {

class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path);
  ~NotifyListener();
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }
  // Next datagram, or nothing after `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout);
  // Reads datagrams until one contains `needle`; all read ones go to `seen`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout);
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> seen_;
};

}  // namespace fb::test
