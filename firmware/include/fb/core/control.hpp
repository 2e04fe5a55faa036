// The control socket that failberryctl talks to.
//
// Contract: a unix stream socket on the daemon's io_context. Each connection
// carries one JSON request line ({"verb": "...", ...}) and gets one JSON
// reply line, then is closed. Requests are bounded (64 KiB) and must arrive
// within a deadline. The socket is created mode 0660 in a 0750 directory so
// only root and the socket's group may act; start() throws std::system_error
// naming the path when it cannot be created. The verbs themselves are decided
// by the handler (the daemon), never here.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace fb::core {

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  ControlServer(boost::asio::io_context& io, std::string path, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  void start();
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::string path_;
  std::shared_ptr<Impl> impl_;
};

// A reply to a request the daemon cannot carry out: {"ok": false, ...}.
nlohmann::json control_error(const std::string& code, const std::string& message);

}  // namespace fb::core
