#include "fb/health/http_server.hpp"

#include <sys/resource.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <map>
#include <system_error>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

namespace fb::health {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

IpAddress to_ip(const asio::ip::address& a) {
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    return make_address(AF_INET, b.data());
  }
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes();
    return make_address(AF_INET, b.data());
  }
  auto b = v6.to_bytes();
  return make_address(AF_INET6, b.data());
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  asio::io_context& io;
  ServerSettings settings;
  SnapshotSource snapshot;
  UplinkResolver resolver;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::list<std::weak_ptr<Session>> sessions;  // oldest read phase first
  HttpCounters counters;
  Logger log{"http"};
  bool stopped = false;
  std::size_t max_connections = 0;  // settings.max_connections, bounded by the fd limit at start
  asio::steady_timer backoff;       // accept paused: out of file descriptors
  std::chrono::milliseconds backoff_delay{0};
  std::shared_ptr<const Snapshot> cached;  // the snapshot requests answer from, while fresh
  std::chrono::steady_clock::time_point cached_at;

  std::shared_ptr<const Snapshot> current() {
    auto now = std::chrono::steady_clock::now();
    if (!cached || now - cached_at >= settings.snapshot_max_age) {
      cached = std::make_shared<const Snapshot>(snapshot());
      cached_at = now;
    }
    return cached;
  }

  Impl(asio::io_context& io_, ServerSettings s, SnapshotSource snap, UplinkResolver res)
      : io(io_), settings(std::move(s)), snapshot(std::move(snap)), resolver(std::move(res)), backoff(io_) {}

  void accept(tcp::acceptor& acceptor);
  void make_room(const std::string& newcomer);
  bool evict_one(const std::string& newcomer);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)), buffer_(server_->settings.max_header_bytes + 1024) {}

  void start() {
    beast::error_code ec;
    auto local = stream_.socket().local_endpoint(ec);
    auto remote = stream_.socket().remote_endpoint(ec);
    if (ec) return;
    peer_ = to_ip(remote.address());
    arrival_uplink_ = server_->resolver ? server_->resolver(to_ip(local.address())) : std::string();
    read();
  }

  const IpAddress& peer() const { return peer_; }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void read() {
    touch();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->settings.max_header_bytes));
    stream_.expires_after(server_->settings.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  // Moves this session to the back of the eviction order: its read just began.
  void touch() {
    auto& list = server_->sessions;
    for (auto it = list.begin(); it != list.end(); ++it)
      if (it->lock().get() == this) {
        list.splice(list.end(), list, it);
        return;
      }
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::bad_descriptor)
      return close();
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return reply(Response{431, "text/plain; charset=utf-8", "request header fields too large\n", false}, false);
    if (ec == http::error::unexpected_body || ec == http::error::body_limit)
      return reply(Response{413, "text/plain; charset=utf-8", "request bodies are not accepted\n", false}, false);
    if (ec) return reply(Response{400, "text/plain; charset=utf-8", "bad request\n", false}, false);

    const auto& req = parser_->get();
    Request request{std::string(req.method_string()), std::string(req.target()), peer_, arrival_uplink_};
    std::shared_ptr<const Snapshot> snapshot;  // taken only if the answer needs it
    auto snapshot_of = [&]() -> const Snapshot& {
      if (!snapshot) snapshot = server_->current();
      return *snapshot;
    };
    Response response = handle(request, snapshot_of, server_->settings.policy, server_->counters);
    head_ = req.method() == http::verb::head;
    reply(response, req.keep_alive());
  }

  void reply(const Response& r, bool keep_alive) {
    ++server_->counters.responses_by_status[r.status];
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "failberry");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    if (r.allow_header) res->set(http::field::allow, "GET, HEAD");
    res->keep_alive(keep_alive);
    res->body() = r.body;
    res->prepare_payload();
    if (head_) res->body().clear();  // Content-Length stays that of the GET body
    auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*res);
    auto* sr = serializer.get();
    stream_.expires_after(server_->settings.request_timeout);
    auto done = [self = shared_from_this(), res, serializer, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) return self->close();
      self->head_ = false;
      self->read();
    };
    if (head_)
      http::async_write_header(stream_, *sr, std::move(done));
    else
      http::async_write(stream_, *sr, std::move(done));
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  IpAddress peer_;
  std::string arrival_uplink_;
  bool head_ = false;
};

// At the cap, the address holding the most connections gives up its oldest:
// a flood from one address (slowloris) pushes out its own connections, not
// the checks Route53 sends from many others.
bool HttpServer::Impl::evict_one(const std::string& newcomer) {
  std::map<std::string, std::size_t> held;
  if (!newcomer.empty()) ++held[newcomer];
  for (const auto& weak : sessions)
    if (auto s = weak.lock()) ++held[s->peer().text];
  std::string greedy;
  std::size_t most = 0;
  for (const auto& [address, n] : held)
    if (n > most) most = n, greedy = address;
  for (auto it = sessions.begin(); it != sessions.end(); ++it) {
    auto s = it->lock();
    if (!s || s->peer().text != greedy) continue;
    s->close();
    sessions.erase(it);
    ++counters.connections_evicted;
    return true;
  }
  if (sessions.empty()) return false;
  if (auto oldest = sessions.front().lock()) oldest->close();  // the newcomer is the greediest: make way anyway
  sessions.pop_front();
  ++counters.connections_evicted;
  return true;
}

void HttpServer::Impl::make_room(const std::string& newcomer) {
  sessions.remove_if([](const std::weak_ptr<Session>& s) { return s.expired(); });
  while (sessions.size() >= max_connections && evict_one(newcomer)) {
  }
}

void HttpServer::Impl::accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([self = shared_from_this(), &acceptor](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (ec == asio::error::operation_aborted) return;
    if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
        ec == asio::error::no_memory) {
      // Out of file descriptors: the pending connection stays in the backlog.
      // Free one (the greediest address's oldest connection) and pause
      // accepting for a moment instead of spinning on the same error.
      self->sessions.remove_if([](const std::weak_ptr<Session>& s) { return s.expired(); });
      self->evict_one({});
      self->backoff_delay =
          std::min(std::chrono::milliseconds(1000),
                   self->backoff_delay.count() ? self->backoff_delay * 2 : std::chrono::milliseconds(50));
      if (self->backoff_delay.count() == 50)
        self->log.warning() << "accept failed: " << ec.message() << "; pausing accepts (fd limit)";
      self->backoff.expires_after(self->backoff_delay);
      self->backoff.async_wait([self, &acceptor](beast::error_code wait_ec) {
        if (!wait_ec && !self->stopped) self->accept(acceptor);
      });
      return;
    }
    if (ec) {
      self->log.warning() << "accept failed: " << ec.message();
    } else {
      self->backoff_delay = std::chrono::milliseconds(0);
      beast::error_code peer_ec;
      auto remote = socket.remote_endpoint(peer_ec);
      self->make_room(peer_ec ? std::string() : to_ip(remote.address()).text);
      auto session = std::make_shared<Session>(std::move(socket), self);
      self->sessions.push_back(session);
      session->start();
    }
    self->accept(acceptor);
  });
}

HttpServer::HttpServer(asio::io_context& io, ServerSettings settings, SnapshotSource snapshot, UplinkResolver resolver)
    : impl_(std::make_shared<Impl>(io, std::move(settings), std::move(snapshot), std::move(resolver))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  // Each connection holds a file descriptor: the cap must leave room for the
  // rest of the daemon (netlink, the tty, pppd's pipes, curl) under the limit.
  constexpr std::size_t kReserve = 64;
  impl_->max_connections = impl_->settings.max_connections;
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
    std::size_t room = nofile.rlim_cur > kReserve * 2 ? nofile.rlim_cur - kReserve : nofile.rlim_cur / 2;
    if (impl_->max_connections > room) {
      impl_->log.warning() << "max_connections " << impl_->max_connections << " lowered to " << room
                           << ": the open-file limit is " << nofile.rlim_cur;
      impl_->max_connections = room;
    }
  }
  for (const IpAddress& addr : impl_->settings.listen) {
    auto ip = asio::ip::make_address(addr.text);
    tcp::endpoint endpoint(ip, impl_->settings.port);
    auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    beast::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (ec == asio::error::address_family_not_supported) {
      // A kernel booted with ipv6.disable=1: serve the other addresses, say so.
      impl_->log.warning() << "not listening on " << addr.text << ": " << ec.message();
      continue;
    }
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);  // "::" and "0.0.0.0" side by side
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      stop();
      std::string where = (ip.is_v6() ? "[" + addr.text + "]" : addr.text) + ":" + std::to_string(impl_->settings.port);
      throw std::system_error(ec, "cannot listen on " + where);
    }
    impl_->acceptors.push_back(std::move(acceptor));
  }
  if (impl_->acceptors.empty())
    throw std::system_error(std::make_error_code(std::errc::address_family_not_supported), "no address to listen on");
  for (auto& acceptor : impl_->acceptors) impl_->accept(*acceptor);
  for (const std::string& e : endpoints()) impl_->log.info() << "listening on " << e;
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->backoff.cancel();
  beast::error_code ec;
  for (auto& acceptor : impl_->acceptors) acceptor->close(ec);
  for (auto& weak : impl_->sessions)
    if (auto s = weak.lock()) s->close();
  impl_->sessions.clear();
}

std::vector<std::string> HttpServer::endpoints() const {
  std::vector<std::string> out;
  for (auto& acceptor : impl_->acceptors) {
    beast::error_code ec;
    auto ep = acceptor->local_endpoint(ec);
    if (ec) continue;
    std::string a = ep.address().to_string();
    out.push_back((ep.address().is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(ep.port()));
  }
  return out;
}

const HttpCounters& HttpServer::counters() const {
  impl_->counters.connections_open = 0;
  for (auto& weak : impl_->sessions)
    if (!weak.expired()) ++impl_->counters.connections_open;
  return impl_->counters;
}

void HttpServer::invalidate() {
  impl_->cached.reset();
}

}  // namespace fb::health
