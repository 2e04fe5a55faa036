#include "fb/curl_multi.hpp"

#include <unistd.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fb/log.hpp"

namespace fb {
namespace asio = boost::asio;

struct CurlMulti::Impl : std::enable_shared_from_this<CurlMulti::Impl> {
  struct Socket {
    explicit Socket(asio::io_context& io) : descriptor(io) {}
    asio::posix::stream_descriptor descriptor;
    int want = 0;  // CURL_POLL_IN / OUT bits
    bool reading = false;
    bool writing = false;
  };

  asio::io_context& io;
  CURLM* multi = nullptr;
  asio::steady_timer timer;
  std::map<curl_socket_t, std::shared_ptr<Socket>> sockets;
  std::map<CURL*, Done> transfers;
  Logger log{"curl"};
  bool closing = false;  // in ~Impl: curl's callbacks must not re-arm anything

  explicit Impl(asio::io_context& io_) : io(io_), timer(io_) {
    multi = curl_multi_init();
    if (!multi) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  }

  ~Impl() {
    closing = true;
    for (auto& [easy, done] : transfers) curl_multi_remove_handle(multi, easy);
    transfers.clear();
    curl_multi_cleanup(multi);
    for (auto& [fd, socket] : sockets) release(*socket);
    sockets.clear();
  }

  static void release(Socket& socket) {
    boost::system::error_code ec;
    socket.want = 0;
    socket.descriptor.cancel(ec);
    // curl owns the fd: take it back from Asio without closing it.
    if (socket.descriptor.is_open()) socket.descriptor.release();
  }

  void forget(curl_socket_t fd) {
    auto it = sockets.find(fd);
    if (it == sockets.end()) return;
    release(*it->second);
    sockets.erase(it);  // pending waits keep their Socket alive until they see operation_aborted
  }

  static int on_socket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    static_cast<Impl*>(userp)->watch(fd, what);
    return 0;
  }

  static int on_timer(CURLM*, long timeout_ms, void* userp) {
    static_cast<Impl*>(userp)->arm_timer(timeout_ms);
    return 0;
  }

  static int on_close(void* clientp, curl_socket_t fd) {
    static_cast<Impl*>(clientp)->forget(fd);
    return ::close(fd);
  }

  void watch(curl_socket_t fd, int what) {
    if (what == CURL_POLL_REMOVE || closing) return forget(fd);
    auto& socket = sockets[fd];
    if (!socket) {
      socket = std::make_shared<Socket>(io);
      boost::system::error_code ec;
      socket->descriptor.assign(fd, ec);
      if (ec) {
        // The transfer then ends by curl's own timeout; say why.
        log.error() << "cannot watch socket " << fd << ": " << ec.message();
        sockets.erase(fd);
        return;
      }
    }
    socket->want = what;
    arm(fd, socket);
  }

  void arm(curl_socket_t fd, const std::shared_ptr<Socket>& socket) {
    if ((socket->want & CURL_POLL_IN) && !socket->reading)
      wait(fd, socket, asio::posix::stream_descriptor::wait_read, &Socket::reading, CURL_CSELECT_IN);
    if ((socket->want & CURL_POLL_OUT) && !socket->writing)
      wait(fd, socket, asio::posix::stream_descriptor::wait_write, &Socket::writing, CURL_CSELECT_OUT);
  }

  // One wait in one direction; `busy` (reading or writing) is set while it is pending.
  void wait(curl_socket_t fd, const std::shared_ptr<Socket>& socket, asio::posix::stream_descriptor::wait_type type,
            bool Socket::*busy, int event) {
    (*socket).*busy = true;
    std::weak_ptr<Impl> weak = shared_from_this();
    socket->descriptor.async_wait(type, [weak, fd, socket, busy, event](const boost::system::error_code& ec) {
      (*socket).*busy = false;
      if (auto self = weak.lock(); self && !ec) self->ready(fd, socket, event);
    });
  }

  void ready(curl_socket_t fd, const std::shared_ptr<Socket>& socket, int event) {
    auto keep = shared_from_this();  // a completion may destroy the owner
    act(fd, event);
    // Still the same socket (not removed, not a new one on a reused fd)?
    auto it = sockets.find(fd);
    if (it != sockets.end() && it->second == socket) arm(fd, socket);
  }

  void arm_timer(long timeout_ms) {
    if (timeout_ms < 0 || closing) {
      timer.cancel();
      return;
    }
    // Never call curl from inside its own callback: even "now" goes through the loop.
    timer.expires_after(std::chrono::milliseconds(timeout_ms));
    std::weak_ptr<Impl> weak = shared_from_this();
    timer.async_wait([weak](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->act(CURL_SOCKET_TIMEOUT, 0);
    });
  }

  void act(curl_socket_t fd, int event) {
    int running = 0;
    CURLMcode rc = curl_multi_socket_action(multi, fd, event, &running);
    if (rc != CURLM_OK) log.error() << "curl_multi_socket_action: " << curl_multi_strerror(rc);
    finish_done();
  }

  void finish_done() {
    std::vector<std::pair<Done, CURLcode>> finished;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode result = msg->data.result;
      curl_multi_remove_handle(multi, easy);
      auto it = transfers.find(easy);
      if (it == transfers.end()) continue;
      finished.emplace_back(std::move(it->second), result);
      transfers.erase(it);
    }
    // Completions last: they may add the next transfer or destroy the owner.
    for (auto& [done, result] : finished) done(result);
  }
};

CurlMulti::CurlMulti(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

CurlMulti::~CurlMulti() = default;

void CurlMulti::prepare(CURL* easy) {
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, impl_.get());
}

void CurlMulti::add(CURL* easy, Done done) {
  impl_->transfers[easy] = std::move(done);
  CURLMcode rc = curl_multi_add_handle(impl_->multi, easy);
  if (rc != CURLM_OK) {
    impl_->transfers.erase(easy);
    throw std::runtime_error(std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc));
  }
}

void CurlMulti::remove(CURL* easy) {
  if (impl_->transfers.erase(easy)) curl_multi_remove_handle(impl_->multi, easy);
}

std::size_t CurlMulti::active() const {
  return impl_->transfers.size();
}

}  // namespace fb
