#include "fb/core/control.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <filesystem>
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

struct ControlServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_, Handler h) : io(io_), acceptor(io_), handler(std::move(h)) {}
  asio::io_context& io;
  local::acceptor acceptor;
  Handler handler;
  Logger log{"control"};

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
            else
              reply = self->handler(request);
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
  boost::system::error_code ec;
  if (impl_->acceptor.is_open()) {
    impl_->acceptor.close(ec);
    ::unlink(path_.c_str());
  }
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
