#include "fb/health/http_server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <list>
#include <map>
#include <memory_resource>
#include <optional>
#include <sstream>
#include <string_view>
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
    return IpAddress::from_bytes(AF_INET, b.data());
  }
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes();
    return IpAddress::from_bytes(AF_INET, b.data());
  }
  auto b = v6.to_bytes();
  return IpAddress::from_bytes(AF_INET6, b.data());
}

// One answer as the bytes on the wire: every response goes through here, so
// a prepared /health answer and one formatted per request look the same.
std::string serialize(const Response& r, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
  res.set(http::field::server, "failberry");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  if (r.allow_header) res.set(http::field::allow, "GET, HEAD");
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return std::move(out).str();
}

// A response ready to write, for a connection kept open and one closing.
// HEAD writes all but the body (Content-Length stays that of the GET body).
struct Wire {
  unsigned status = 0;
  std::string keep_alive, close;
  std::size_t body_size = 0;

  explicit Wire(const Response& r)
      : status(r.status), keep_alive(serialize(r, true)), close(serialize(r, false)), body_size(r.body.size()) {}
  std::string_view bytes(bool keep, bool head) const {
    std::string_view m = keep ? keep_alive : close;
    return head ? m.substr(0, m.size() - body_size) : m;
  }
};

// Every /health answer for one state of the uplinks, each as handle() gives it.
struct HealthAnswers {
  std::vector<std::pair<std::string, Wire>> by_name;     // /health/NAME
  std::vector<std::pair<std::string, Wire>> by_arrival;  // /health on NAME's address
  std::optional<Wire> no_such_uplink, no_arrival, unknown_arrival;

  static const Wire* find(const std::vector<std::pair<std::string, Wire>>& list, std::string_view name) {
    for (const auto& [n, w] : list)
      if (n == name) return &w;
    return nullptr;
  }
  // The answer to `query` (health_query()), on a connection that arrived on `arrival`.
  const Wire& answer(const HealthQuery& query, const std::string& arrival) const {
    if (query.by_arrival) {
      if (arrival.empty()) return *no_arrival;
      const Wire* w = find(by_arrival, arrival);
      return w ? *w : *unknown_arrival;
    }
    const Wire* w = find(by_name, query.name);
    return w ? *w : *no_such_uplink;
  }
};

HealthAnswers prepare_health(std::vector<UplinkStatus> uplinks, const HandlerPolicy& policy) {
  Snapshot state, none;
  state.uplinks = std::move(uplinks);
  HttpCounters counters;
  auto ask = [&](const Snapshot& s, std::string target, std::string arrival) {
    return Wire(handle(Request{"GET", std::move(target), IpAddress{}, std::move(arrival)}, s, policy, counters));
  };
  HealthAnswers a;
  for (const UplinkStatus& u : state.uplinks) {
    a.by_name.emplace_back(u.name, ask(state, "/health/" + u.name, ""));
    a.by_arrival.emplace_back(u.name, ask(state, "/health", u.name));
  }
  a.no_such_uplink.emplace(ask(none, "/health/", ""));
  a.no_arrival.emplace(ask(none, "/health", ""));
  a.unknown_arrival.emplace(ask(none, "/health", "?"));
  return a;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  asio::io_context& io;
  ServerSettings settings;
  SnapshotSource snapshot;
  UplinkResolver resolver;
  HealthSource health_source;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::list<std::weak_ptr<Session>> sessions;  // earliest deadline first
  HttpCounters counters;
  Logger log{"http"};
  bool stopped = false;
  std::size_t max_connections = 0;  // settings.max_connections, bounded by the fd limit at start
  asio::steady_timer backoff;       // accept paused: out of file descriptors
  asio::steady_timer sweeper;       // closes sessions past their deadline
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

  std::shared_ptr<const HealthAnswers> health;  // the /health answers, while fresh
  std::chrono::steady_clock::time_point health_at;

  std::shared_ptr<const HealthAnswers> current_health() {
    auto now = std::chrono::steady_clock::now();
    if (!health || now - health_at >= settings.snapshot_max_age) {
      health = std::make_shared<const HealthAnswers>(
          prepare_health(health_source ? health_source() : current()->uplinks, settings.policy));
      health_at = now;
    }
    return health;
  }

  Impl(asio::io_context& io_, ServerSettings s, SnapshotSource snap, UplinkResolver res, HealthSource h)
      : io(io_),
        settings(std::move(s)),
        snapshot(std::move(snap)),
        resolver(std::move(res)),
        health_source(std::move(h)),
        backoff(io_),
        sweeper(io_) {}

  void accept(tcp::acceptor& acceptor);
  void sweep();
  void close_expired();
  // `newcomer`: the address of the connection waiting to be taken; none when unknown.
  void make_room(const std::optional<IpAddress>& newcomer);
  bool evict_one(const std::optional<IpAddress>& newcomer);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : socket_(std::move(socket)), server_(std::move(server)), buffer_(server_->settings.max_header_bytes + 1024) {}
  // A session leaves the eviction order as it ends, so the order holds only
  // live sessions and a new connection costs no scan of it.
  ~Session() {
    if (at_) server_->sessions.erase(*at_);
  }

  void start() {
    beast::error_code ec;
    auto local = socket_.local_endpoint(ec);
    auto remote = socket_.remote_endpoint(ec);
    if (ec) return;
    peer_ = to_ip(remote.address());
    arrival_uplink_ = server_->resolver ? server_->resolver(to_ip(local.address())) : std::string();
    read();
  }

  const IpAddress& peer() const { return peer_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

  // Where this session sits in the server's eviction order; unlisted once the
  // server has dropped it (evicted or stopped).
  void listed_at(std::list<std::weak_ptr<Session>>::iterator at) { at_ = at; }
  void unlist() { at_.reset(); }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  void read() {
    renew_deadline();
    // The request's target and fields live in the session's arena, reused
    // from one request to the next: no allocation for a usual request.
    parser_.reset();
    arena_.release();
    parser_.emplace(std::piecewise_construct, std::make_tuple(), std::make_tuple(Fields::allocator_type(&arena_)));
    parser_->header_limit(static_cast<std::uint32_t>(server_->settings.max_header_bytes));
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  // A read or write just began: a new deadline, and the back of the list,
  // which stays in deadline order (sweep()) and is the eviction order.
  void renew_deadline() {
    if (at_) server_->sessions.splice(server_->sessions.end(), server_->sessions, *at_);
    deadline_ = std::chrono::steady_clock::now() + server_->settings.request_timeout;
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
    bool keep_alive = req.keep_alive();
    head_ = req.method() == http::verb::head;
    std::string_view method(req.method_string().data(), req.method_string().size());
    std::string_view target(req.target().data(), req.target().size());
    if (auto query = health_query(method, target)) {
      // The hot path: a prepared answer, no snapshot, no formatting.
      auto answers = server_->current_health();
      const Wire& w = answers->answer(*query, arrival_uplink_);
      ++server_->counters.responses_by_status[w.status];
      return write(w.bytes(keep_alive, head_), std::move(answers), keep_alive);
    }
    Request request{std::string(req.method_string()), std::string(target), peer_, arrival_uplink_};
    std::shared_ptr<const Snapshot> snapshot;  // taken only if the answer needs it
    auto snapshot_of = [&]() -> const Snapshot& {
      if (!snapshot) snapshot = server_->current();
      return *snapshot;
    };
    reply(handle(request, snapshot_of, server_->settings.policy, server_->counters), keep_alive);
  }

  void reply(const Response& r, bool keep_alive) {
    ++server_->counters.responses_by_status[r.status];
    auto message = std::make_shared<const std::string>(serialize(r, keep_alive));
    std::string_view bytes = *message;
    if (head_) bytes.remove_suffix(r.body.size());
    write(bytes, std::move(message), keep_alive);
  }

  // Writes `bytes`, which `owner` keeps alive until the write is done.
  void write(std::string_view bytes, std::shared_ptr<const void> owner, bool keep_alive) {
    renew_deadline();
    asio::async_write(
        socket_, asio::const_buffer(bytes.data(), bytes.size()),
        [self = shared_from_this(), owner = std::move(owner), keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) return self->close();
          self->head_ = false;
          self->read();
        });
  }

  tcp::socket socket_;
  std::shared_ptr<HttpServer::Impl> server_;
  beast::flat_buffer buffer_;
  using Fields = http::basic_fields<std::pmr::polymorphic_allocator<char>>;
  std::array<std::byte, 1024> arena_bytes_;
  std::pmr::monotonic_buffer_resource arena_{arena_bytes_.data(), arena_bytes_.size()};
  std::optional<http::request_parser<http::empty_body, Fields::allocator_type>> parser_;
  IpAddress peer_;
  std::string arrival_uplink_;
  bool head_ = false;
  std::optional<std::list<std::weak_ptr<Session>>::iterator> at_;
  std::chrono::steady_clock::time_point deadline_;  // of the read or write under way (sweep())
};

// At the cap, the address holding the most connections gives up its oldest:
// a flood from one address (slowloris) pushes out its own connections, not
// the checks Route53 sends from many others.
bool HttpServer::Impl::evict_one(const std::optional<IpAddress>& newcomer) {
  std::map<IpAddress, std::size_t> held;
  if (newcomer) ++held[*newcomer];
  // Each iterator moves on before a lock() is let go: a session whose last
  // reference that was would take its own entry out of the list.
  for (auto it = sessions.begin(); it != sessions.end();)
    if (auto s = (it++)->lock()) ++held[s->peer()];
  IpAddress greedy;
  std::size_t most = 0;
  for (const auto& [address, n] : held)
    if (n > most) most = n, greedy = address;
  for (auto it = sessions.begin(); it != sessions.end();) {
    auto here = it++;
    auto s = here->lock();
    if (!s || s->peer() != greedy) continue;
    s->close();
    s->unlist();
    sessions.erase(here);
    ++counters.connections_evicted;
    return true;
  }
  if (sessions.empty()) return false;
  if (auto oldest = sessions.front().lock()) {  // the newcomer is the greediest: make way anyway
    oldest->close();
    oldest->unlist();
  }
  sessions.pop_front();
  ++counters.connections_evicted;
  return true;
}

// One timer for every session's deadline, instead of a timer wait per read
// and write: a check costs no timer operation. The list is in deadline order
// (a session moves to its back whenever its deadline is renewed), so the timer
// waits for the front's deadline and a sweep stops at the first session not
// yet due: each session is closed at its own deadline, as it would be with a
// timer of its own, and not with every other one due in the same tick. With
// no session due sooner, the timer still wakes every tick (an eighth of the
// request timeout, at most 250 ms) for sessions that arrived meanwhile.
void HttpServer::Impl::sweep() {
  auto tick = std::clamp<std::chrono::milliseconds>(settings.request_timeout / 8, std::chrono::milliseconds(5),
                                                    std::chrono::milliseconds(250));
  auto next = std::chrono::steady_clock::now() + tick;
  while (!sessions.empty()) {
    if (auto front = sessions.front().lock()) {
      next = std::min(next, front->deadline());
      break;
    }
    sessions.pop_front();  // a session on its way out
  }
  sweeper.expires_at(next);
  sweeper.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && !self->stopped) self->close_expired();
  });
}

// Slow clients that connected together expire together: closing hundreds of
// them in one handler would hold back the checks waiting behind it. At most
// kSweepBatch closes per turn; the rest go after the handlers already ready.
void HttpServer::Impl::close_expired() {
  constexpr int kSweepBatch = 16;
  auto now = std::chrono::steady_clock::now();
  int closed = 0;
  while (!sessions.empty()) {
    auto s = sessions.front().lock();
    if (s && s->deadline() > now) break;
    if (s) {
      s->close();
      s->unlist();
    }
    sessions.pop_front();
    if (s && ++closed == kSweepBatch) {
      asio::post(io, [self = shared_from_this()] {
        if (!self->stopped) self->close_expired();
      });
      return;
    }
  }
  sweep();
}

void HttpServer::Impl::make_room(const std::optional<IpAddress>& newcomer) {
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
      self->evict_one(std::nullopt);
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
      self->make_room(peer_ec ? std::nullopt : std::optional<IpAddress>(to_ip(remote.address())));
      auto session = std::make_shared<Session>(std::move(socket), self);
      self->sessions.push_back(session);
      session->listed_at(std::prev(self->sessions.end()));
      session->start();
    }
    self->accept(acceptor);
  });
}

HttpServer::HttpServer(asio::io_context& io, ServerSettings settings, SnapshotSource snapshot, UplinkResolver resolver,
                       HealthSource health)
    : impl_(std::make_shared<Impl>(io, std::move(settings), std::move(snapshot), std::move(resolver),
                                   std::move(health))) {}

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
    auto ip = asio::ip::make_address(addr.text());
    tcp::endpoint endpoint(ip, impl_->settings.port);
    auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    beast::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (ec == asio::error::address_family_not_supported) {
      // A kernel booted with ipv6.disable=1: serve the other addresses, say so.
      impl_->log.warning() << "not listening on " << addr.text() << ": " << ec.message();
      continue;
    }
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);  // "::" and "0.0.0.0" side by side
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      stop();
      std::string where =
          (ip.is_v6() ? "[" + addr.text() + "]" : addr.text()) + ":" + std::to_string(impl_->settings.port);
      throw std::system_error(ec, "cannot listen on " + where);
    }
    impl_->acceptors.push_back(std::move(acceptor));
  }
  if (impl_->acceptors.empty())
    throw std::system_error(std::make_error_code(std::errc::address_family_not_supported), "no address to listen on");
  for (auto& acceptor : impl_->acceptors) impl_->accept(*acceptor);
  impl_->sweep();
  for (const std::string& e : endpoints()) impl_->log.info() << "listening on " << e;
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->backoff.cancel();
  impl_->sweeper.cancel();
  beast::error_code ec;
  for (auto& acceptor : impl_->acceptors) acceptor->close(ec);
  for (auto& weak : impl_->sessions)
    if (auto s = weak.lock()) {
      s->close();
      s->unlist();
    }
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
  impl_->health.reset();
}

}  // namespace fb::health
