#include "fb/core/control.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <deque>
#include <filesystem>
#include <optional>
#include <set>
#include <system_error>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include "fb/log.hpp"

namespace fb::core {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {
constexpr std::size_t kMaxRequest = 64 * 1024;
constexpr auto kDeadline = std::chrono::seconds(5);
}  // namespace

nlohmann::json control_error(const std::string& code, const std::string& message) {
  return {{"ok", false}, {"error", code}, {"message", message}};
}

// One `follow` client: lines queued by send(), written one at a time; a read
// that ends tells that the client went.
struct Follower : std::enable_shared_from_this<Follower> {
  explicit Follower(std::shared_ptr<local::socket> s) : socket(std::move(s)) {}
  std::shared_ptr<local::socket> socket;
  std::deque<std::string> queue;
  bool writing = false;
  bool closed = false;
  std::function<void()> stop;
  std::function<void()> forget;  // leaves the server's set
  char byte = 0;

  void send(const nlohmann::json& line) {
    if (closed) return;
    if (queue.size() >= ControlServer::kMaxQueued) {
      Logger("control").warning() << "a follow client reads too slowly (" << queue.size()
                                  << " lines waiting): closing it";
      close();
      return;
    }
    queue.push_back(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    write();
  }
  void write() {
    if (writing || closed || queue.empty()) return;
    writing = true;
    asio::async_write(*socket, asio::buffer(queue.front()),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing = false;
                        if (self->closed) return;
                        if (ec) return self->close();
                        self->queue.pop_front();
                        self->write();
                      });
  }
  void watch() {
    socket->async_read_some(asio::buffer(&byte, 1),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                              if (self->closed) return;
                              if (ec) return self->close();  // the client went (or wrote more than it may)
                              self->watch();
                            });
  }
  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    socket->close(ignored);
    queue.clear();
    if (auto s = std::exchange(stop, nullptr)) s();
    if (auto f = std::exchange(forget, nullptr)) f();
  }
};

struct ControlServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_, Handler h) : io(io_), acceptor(io_), handler(std::move(h)) {}
  asio::io_context& io;
  local::acceptor acceptor;
  Handler handler;
  StreamHandler stream_handler;
  std::set<std::shared_ptr<Follower>> followers;
  Logger log{"control"};

  bool wants_follow(const nlohmann::json& request) const {
    auto it = request.find("follow");
    return stream_handler && it != request.end() && it->is_boolean() && it->get<bool>();
  }

  // Starts a stream on `socket`; nothing when it runs, else the one reply
  // that refused it (written like any other).
  std::optional<nlohmann::json> follow(const nlohmann::json& request, std::shared_ptr<local::socket> socket) {
    auto follower = std::make_shared<Follower>(socket);
    std::weak_ptr<Follower> weak = follower;
    Stream stream = stream_handler(request, [weak](const nlohmann::json& line) {
      if (auto f = weak.lock()) f->send(line);
    });
    if (!stream.reply.value("ok", false)) {
      if (stream.stop) stream.stop();
      return stream.reply;
    }
    follower->stop = std::move(stream.stop);
    followers.insert(follower);
    follower->forget = [weak_self = weak_from_this(), follower_ptr = follower.get()] {
      auto self = weak_self.lock();
      if (!self) return;
      for (auto it = self->followers.begin(); it != self->followers.end(); ++it)
        if (it->get() == follower_ptr) {
          self->followers.erase(it);
          return;
        }
    };
    follower->send(stream.reply);
    follower->watch();
    return std::nullopt;
  }

  void close_followers() {
    auto all = followers;
    for (const auto& f : all) f->close();
    followers.clear();
  }

  void accept() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, local::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) self->serve(std::make_shared<local::socket>(std::move(socket)));
      self->accept();
    });
  }

  void serve(std::shared_ptr<local::socket> socket) {
    auto buffer = std::make_shared<asio::streambuf>(kMaxRequest);
    auto timer = std::make_shared<asio::steady_timer>(io, kDeadline);
    timer->async_wait([socket](boost::system::error_code ec) {
      if (!ec) socket->close();  // too slow: give up on this client
    });
    asio::async_read_until(
        *socket, *buffer, '\n',
        [self = shared_from_this(), socket, buffer, timer](boost::system::error_code ec, std::size_t n) {
          timer->cancel();
          nlohmann::json reply;
          if (ec) {
            if (ec != asio::error::not_found) return;  // closed or timed out
            reply = control_error("BAD_REQUEST", "request too large");
          } else {
            std::string line(asio::buffers_begin(buffer->data()),
                             asio::buffers_begin(buffer->data()) + static_cast<std::ptrdiff_t>(n));
            auto request = nlohmann::json::parse(line, nullptr, false);
            if (request.is_discarded() || !request.is_object() || !request.contains("verb") ||
                !request["verb"].is_string())
              reply = control_error("BAD_REQUEST", "expected one JSON object with a \"verb\"");
            else if (!self->wants_follow(request))
              reply = self->handler(request);
            else if (auto refused = self->follow(request, socket))
              reply = std::move(*refused);
            else
              return;  // the stream writes from now on
          }
          auto out = std::make_shared<std::string>(
              reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
          asio::async_write(*socket, asio::buffer(*out),
                            [socket, out](boost::system::error_code, std::size_t) { socket->close(); });
        });
  }
};

ControlServer::ControlServer(asio::io_context& io, std::string path, Handler handler)
    : path_(std::move(path)), impl_(std::make_shared<Impl>(io, std::move(handler))) {}

ControlServer::~ControlServer() {
  impl_->close_followers();
  boost::system::error_code ec;
  if (impl_->acceptor.is_open()) {
    impl_->acceptor.close(ec);
    ::unlink(path_.c_str());
  }
}

void ControlServer::on_follow(StreamHandler handler) {
  impl_->stream_handler = std::move(handler);
}

void ControlServer::start() {
  namespace fs = std::filesystem;
  auto fail = [&](std::error_code ec, const std::string& what) {
    throw std::system_error(ec, "control socket " + path_ + ": " + what);
  };
  std::error_code ec;
  fs::path dir = fs::path(path_).parent_path();
  if (!dir.empty() && !fs::exists(dir, ec)) {
    if (!fs::create_directories(dir, ec) && ec) fail(ec, "cannot create " + dir.string());
    ::chmod(dir.c_str(), 0750);
  }
  // A socket left by a crashed daemon would make bind fail; anything else is not ours to remove.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) fail(std::make_error_code(std::errc::file_exists), "exists and is not a socket");
    ::unlink(path_.c_str());
  }
  boost::system::error_code bec;
  impl_->acceptor.open(local(), bec);
  if (!bec) impl_->acceptor.bind(local::endpoint(path_), bec);
  if (bec) fail(std::error_code(bec.value(), std::system_category()), "cannot bind");
  if (::chmod(path_.c_str(), 0660) != 0) fail(std::error_code(errno, std::generic_category()), "cannot chmod");
  impl_->acceptor.listen(asio::socket_base::max_listen_connections, bec);
  if (bec) fail(std::error_code(bec.value(), std::system_category()), "cannot listen");
  impl_->accept();
  impl_->log.info() << "listening on " << path_;
}

}  // namespace fb::core
