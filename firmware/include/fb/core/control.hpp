// The control socket that failberryctl talks to.
//
// Contract: a unix stream socket on the daemon's io_context. Each connection
// carries one JSON request line ({"verb": "...", ...}) and gets one JSON
// reply line, then is closed. Requests are bounded (64 KiB) and must arrive
// within a deadline. The socket is created mode 0660 in a 0750 directory so
// only root and the socket's group may act; start() throws std::system_error
// naming the path when it cannot be created. The verbs themselves are decided
// by the handler (the daemon), never here.
//
// A request with "follow": true, when a stream handler is set, stays open:
// the handler's first reply line, then one line per send() until the client
// closes, the handler's reply is not {"ok": true}, or the server goes (then
// every stream is closed and its stop() called). A client that does not read
// is cut off once kMaxQueued lines wait for it; send() never blocks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace fb::core {

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;
  using Send = std::function<void(const nlohmann::json& line)>;
  struct Stream {
    nlohmann::json reply;        // the first line
    std::function<void()> stop;  // when the stream ends, whoever ends it
  };
  using StreamHandler = std::function<Stream(const nlohmann::json& request, Send send)>;
  static constexpr std::size_t kMaxQueued = 1000;

  ControlServer(boost::asio::io_context& io, std::string path, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  void start();
  void on_follow(StreamHandler handler);
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::string path_;
  std::shared_ptr<Impl> impl_;
};

// A reply to a request the daemon cannot carry out: {"ok": false, ...}.
nlohmann::json control_error(const std::string& code, const std::string& message);

}  // namespace fb::core
