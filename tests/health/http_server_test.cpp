// The Beast endpoint over real loopback sockets: Route53-style checks, HEAD,
// limits, keep-alive, per-arrival-address answers, the allow-list, and a
// slow-client flood that must not starve fresh checks. No root needed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <utility>
#include <vector>

#include "../support/process.hpp"
#include "fb/health/http_server.hpp"
#include "http_client.hpp"

using namespace std::chrono_literals;
using namespace fb::health;
using fb::test::HttpConnection;

// GCC sees the free() below paired with its own idea of operator new.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// Heap allocations made by the calling thread (the server's io thread is
// asked through the fixture): the replaced global operator new counts them.
namespace {
thread_local std::uint64_t allocations = 0;
}
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t align) {
  ++allocations;
  auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

constexpr const char* kRoute53Request =
    "GET /health/wired HTTP/1.1\r\n"
    "Host: pi.example.com:9000\r\n"
    "User-Agent: Amazon-Route53-Health-Check-Service (ref 0f3c0a2e-8b7c-4f4e-9d2a-1c3b5d7e9f00; report "
    "http://amzn.to/1vsZADi)\r\n"
    "Accept-Encoding: identity,gzip,deflate\r\n"
    "Accept: */*\r\n\r\n";

// A server on its own io_context thread, with a snapshot the test can change.
// As the daemon does, /health asks a health source of its own unless
// `health_source` is false (then /health answers from the snapshot's uplinks).
class ServerFixture {
 public:
  explicit ServerFixture(ServerSettings settings = defaults(), bool health_source = true) {
    state_.version = "test";
    state_.uplinks = {{"wired", "eth0", "ethernet", UplinkState::up, false, ""},
                      {"cellular", "ppp0", "ppp", UplinkState::down, false, "NO_CARRIER"}};
    server_ = std::make_unique<HttpServer>(
        io_, std::move(settings),
        [this] {
          std::lock_guard lock(mutex_);
          ++snapshots_;
          return state_;
        },
        [](const fb::IpAddress& local) {  // 127.0.0.1 is loopback: no uplink's
          if (local.text() == "127.0.0.2") return std::string("cellular");
          if (local.text() == "127.0.0.5") return std::string("wired");
          return std::string();
        },
        health_source ? HttpServer::HealthSource([this] {
          std::lock_guard lock(mutex_);
          ++health_builds_;
          return state_.uplinks;
        })
                      : HttpServer::HealthSource());
    server_->start();
    port_ = static_cast<unsigned short>(
        std::stoi(server_->endpoints().at(0).substr(server_->endpoints()[0].rfind(':') + 1)));
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ServerFixture() {
    io_.stop();
    thread_.join();
  }
  static ServerSettings defaults() {
    ServerSettings s;
    s.listen = {*fb::IpAddress::parse("0.0.0.0")};
    s.port = 0;
    s.request_timeout = 1000ms;
    s.max_connections = 32;
    s.policy.status_allow = {fb::Prefix{*fb::IpAddress::parse("127.0.0.1"), 32}};
    return s;
  }
  // Changes the state and tells the server, as the daemon does on a drain
  // (`tell` false: a change the server is not told about).
  void set(const std::string& uplink, UplinkState state, bool drained = false, bool tell = true) {
    {
      std::lock_guard lock(mutex_);
      for (auto& u : state_.uplinks)
        if (u.name == uplink) {
          u.state = state;
          u.drained = drained;
        }
    }
    if (tell) invalidate();
  }
  // The server's invalidate(), on its io thread.
  void invalidate() {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      server_->invalidate();
      done.set_value();
    });
    done.get_future().wait();
  }
  unsigned short port() const { return port_; }
  // How many heap allocations the server's thread has made so far.
  std::uint64_t server_allocations() {
    std::promise<std::uint64_t> count;
    boost::asio::post(io_, [&] { count.set_value(allocations); });
    return count.get_future().get();
  }
  int snapshots() {
    std::lock_guard lock(mutex_);
    return snapshots_;
  }
  int health_builds() {
    std::lock_guard lock(mutex_);
    return health_builds_;
  }

 private:
  int snapshots_ = 0;
  int health_builds_ = 0;
  boost::asio::io_context io_;
  std::mutex mutex_;
  Snapshot state_;
  std::unique_ptr<HttpServer> server_;
  unsigned short port_ = 0;
  std::thread thread_;
};

std::optional<fb::test::HttpReply> exchange(unsigned short port, const std::string& request, bool head = false,
                                            const std::string& address = "127.0.0.1", const std::string& source = "") {
  HttpConnection c(address, port, 5000, source);
  if (!c.connected() || !c.send(request)) return std::nullopt;
  return c.read_reply(head);
}

}  // namespace

TEST_CASE("a Route53-style check gets its uplink's answer; drained and down are 503") {
  ServerFixture server;
  auto r = exchange(server.port(), kRoute53Request);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.rfind("failberry OK", 0) == 0);
  CHECK(r->headers["cache-control"] == "no-store");
  CHECK(r->headers["server"] == "failberry");

  server.set("wired", UplinkState::up, true);
  r = exchange(server.port(), kRoute53Request);
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->body == "failberry FAIL uplink=wired state=up drained\n");

  server.set("wired", UplinkState::down);
  CHECK(exchange(server.port(), kRoute53Request)->status == 503);
}

TEST_CASE("/health answers for the address the connection arrived on") {
  ServerFixture server;
  auto wired = exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", false, "127.0.0.5");
  auto cellular = exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", false, "127.0.0.2");
  REQUIRE(wired);
  REQUIRE(cellular);
  CHECK(wired->status == 200);
  CHECK(cellular->status == 503);
  CHECK(cellular->body == "failberry FAIL uplink=cellular state=down\n");
}

TEST_CASE("HEAD, HTTP/1.0, keep-alive, bad methods, bodies and oversized headers") {
  ServerFixture server;
  auto head = exchange(server.port(), "HEAD /health/wired HTTP/1.1\r\nHost: x\r\n\r\n", true);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->headers["content-length"] == std::to_string(std::string("failberry OK uplink=wired state=up\n").size()));

  HttpConnection keep("127.0.0.1", server.port());
  REQUIRE(keep.send("GET /health/wired HTTP/1.1\r\nHost: x\r\n\r\nGET /health/cellular HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = keep.read_reply();
  auto second = keep.read_reply();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->status == 200);
  CHECK(second->status == 503);

  HttpConnection old("127.0.0.1", server.port());
  REQUIRE(old.send("GET /health/wired HTTP/1.0\r\n\r\n"));
  CHECK(old.read_reply()->status == 200);
  CHECK(old.closed_by_peer());  // HTTP/1.0 without keep-alive: closed after the answer

  auto post = exchange(server.port(), "POST /health/wired HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->headers["allow"] == "GET, HEAD");

  auto body = exchange(server.port(), "GET /health/wired HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  REQUIRE(body);
  CHECK(body->status == 413);

  std::string big = "GET /health/wired HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(20000, 'a') + "\r\n\r\n";
  auto huge = exchange(server.port(), big);
  REQUIRE(huge);
  CHECK(huge->status == 431);

  auto garbage = exchange(server.port(), "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n");
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
}

TEST_CASE("/status and /metrics follow the allow-list") {
  ServerFixture server;
  auto allowed = exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n", false, "127.0.0.1");
  auto refused = exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n", false, "127.0.0.1", "127.0.0.3");
  REQUIRE(allowed);
  REQUIRE(refused);
  CHECK(allowed->status == 200);
  CHECK(allowed->headers["content-type"] == "application/json");
  CHECK(refused->status == 403);
  // An allowed address, but the request arrived on an uplink (127.0.0.5 is "wired"): refused.
  auto via_uplink = exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n", false, "127.0.0.5", "127.0.0.1");
  REQUIRE(via_uplink);
  CHECK(via_uplink->status == 403);
  CHECK(via_uplink->body.find("not served on uplink wired") != std::string::npos);
  auto metrics = exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(metrics);
  CHECK(metrics->body.find("failberry_http_responses_total{code=\"403\"} 2") != std::string::npos);
}

TEST_CASE("a client that trickles its request is cut off at the request deadline") {
  ServerFixture server;  // request deadline: 1 s
  HttpConnection slow("127.0.0.1", server.port(), 10000);
  REQUIRE(slow.connected());
  std::string request = "GET /health/wired HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(1000, 'z');
  // One byte, then wait up to 50 ms for the server to hang up: at that pace
  // the whole request would take 50 s, so only the deadline can end it.
  size_t sent = 0;
  bool closed = false;
  while (sent < request.size() && !closed) {
    if (!slow.send(request.substr(sent, 1))) break;
    ++sent;
    pollfd p{slow.fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) closed = slow.closed_by_peer();
  }
  CHECK(closed);
  CHECK(sent < request.size());
  MESSAGE("server hung up after ", sent, " trickled bytes");
}

TEST_CASE("each connection is cut off at its own deadline, not with every one due in the same sweep") {
  // A 2 s deadline makes the sweep tick 250 ms. Three silent connections
  // opened 100 ms apart are all due within one tick: a sweep that closed
  // whatever was due at each tick would close two of them together.
  auto settings = ServerFixture::defaults();
  settings.request_timeout = 2000ms;
  ServerFixture server(settings);
  using Clock = std::chrono::steady_clock;
  std::vector<std::unique_ptr<HttpConnection>> conns;
  std::vector<Clock::time_point> closed_at(3);
  auto deadline = Clock::now() + 6s;
  for (int i = 0; i < 3; ++i) {
    if (i) std::this_thread::sleep_for(100ms);
    conns.push_back(std::make_unique<HttpConnection>("127.0.0.1", server.port(), 10000));
    REQUIRE(conns.back()->connected());
  }
  int open = 3;
  while (open > 0 && Clock::now() < deadline) {
    std::vector<pollfd> fds;
    for (auto& c : conns) fds.push_back({c->fd(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 500) <= 0) continue;
    auto now = Clock::now();
    for (std::size_t i = 0; i < fds.size(); ++i)
      if ((fds[i].revents & (POLLIN | POLLHUP)) && closed_at[i] == Clock::time_point{} && conns[i]->closed_by_peer()) {
        closed_at[i] = now;
        --open;
      }
  }
  REQUIRE(open == 0);
  auto gap = [&](int a, int b) {
    return std::chrono::duration<double, std::milli>(closed_at[b] - closed_at[a]).count();
  };
  MESSAGE("closed 100 ms apart as opened: gaps ", gap(0, 1), " ms and ", gap(1, 2), " ms");
  CHECK(gap(0, 1) > 50);
  CHECK(gap(1, 2) > 50);
}

TEST_CASE("hundreds of slow connections do not starve fresh checks") {
  ServerFixture server;  // cap: 32 connections, 1 s request deadline
  std::vector<std::unique_ptr<HttpConnection>> slow;
  int answered = 0;
  std::vector<double> latency_ms;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 30; ++i) {
      auto c = std::make_unique<HttpConnection>("127.0.0.1", server.port());
      if (c->connected()) c->send("GET /health/wired HTTP/1.1\r\nHost: x\r\nX-Partial: ");
      slow.push_back(std::move(c));
    }
    auto t0 = std::chrono::steady_clock::now();
    auto r = exchange(server.port(), kRoute53Request);
    latency_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (r && r->status == 200) ++answered;
  }
  CHECK(slow.size() == 300);
  CHECK(answered == 10);
  auto metrics = exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(metrics);
  const std::string metric = "\nfailberry_http_connections_evicted_total ";
  auto at = metrics->body.find(metric);
  REQUIRE(at != std::string::npos);
  auto evicted = std::stoul(metrics->body.substr(at + metric.size()));
  CHECK(evicted >= 300 - 32);  // every slow connection beyond the cap made way for a newer one
  MESSAGE("connections evicted: ", evicted);
  std::sort(latency_ms.begin(), latency_ms.end());
  MESSAGE("fresh check latency under 300 slow connections: median ", latency_ms[5], " ms, max ", latency_ms.back(),
          " ms");
}

TEST_CASE("a port that is taken is refused with the address in the message") {
  ServerFixture first;
  boost::asio::io_context io;
  ServerSettings settings = ServerFixture::defaults();
  settings.listen = {*fb::IpAddress::parse("127.0.0.1")};
  settings.port = first.port();
  HttpServer second(
      io, settings, [] { return Snapshot{}; }, nullptr);
  try {
    second.start();
    FAIL("start() should have thrown");
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) !=
          std::string::npos);
  }
}

TEST_CASE("a flood from one address gives up its own connections, not another client's check") {
  ServerSettings settings = ServerFixture::defaults();
  settings.max_connections = 8;
  ServerFixture server(settings);
  HttpConnection check("127.0.0.1", server.port(), 5000, "127.0.0.3");  // connected first: the oldest
  REQUIRE(check.connected());
  std::vector<std::unique_ptr<HttpConnection>> flood;
  for (int i = 0; i < 40; ++i) {
    auto c = std::make_unique<HttpConnection>("127.0.0.1", server.port(), 5000, "127.0.0.4");
    if (c->connected()) c->send("GET /health/wired HTTP/1.1\r\nHost: x\r\nX-Partial: ");
    flood.push_back(std::move(c));
  }
  // Every flood connection is accepted (and the oldest ones evicted) before the check speaks.
  auto last = exchange(server.port(), kRoute53Request, false, "127.0.0.1", "127.0.0.4");
  REQUIRE(last);
  REQUIRE(check.send(kRoute53Request));
  auto r = check.read_reply();
  REQUIRE(r);
  CHECK(r->status == 200);
}

namespace {
double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
int open_fds() {
  int n = 0;
  for (int fd = 0; fd < 4096; ++fd) n += ::fcntl(fd, F_GETFD) != -1;
  return n;
}
}  // namespace

TEST_CASE("out of file descriptors: accept pauses instead of spinning; max_connections is bounded by the limit") {
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  std::vector<std::string> lines;
  fb::logging::set_capture([&](fb::Level, std::string_view l) { lines.emplace_back(l); });
  {
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(open_fds() + 150);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    ServerSettings settings = ServerFixture::defaults();
    settings.max_connections = 10000;
    ServerFixture server(settings);
    bool lowered = false;
    for (const auto& l : lines) lowered = lowered || l.find("max_connections 10000 lowered to") != std::string::npos;
    CHECK(lowered);
    // Now leave the server almost no descriptors: clients take them all.
    low.rlim_cur = static_cast<rlim_t>(open_fds() + 30);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::vector<std::unique_ptr<HttpConnection>> clients;
    for (int i = 0; i < 40; ++i) {
      auto c = std::make_unique<HttpConnection>("127.0.0.1", server.port(), 2000);
      if (!c->connected()) break;
      clients.push_back(std::move(c));
    }
    double before = process_cpu_seconds();
    pollfd none{-1, 0, 0};
    ::poll(&none, 1, 1000);  // a second of the server's life at the limit
    double used = process_cpu_seconds() - before;
    MESSAGE("CPU used in 1 s at the fd limit: ", used, " s; clients connected: ", clients.size());
    CHECK(used < 0.5);  // no busy loop on EMFILE
    bool paused = false;
    for (const auto& l : lines) paused = paused || l.find("pausing accepts") != std::string::npos;
    CHECK(paused);
    clients.clear();
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);
    auto r = exchange(server.port(), kRoute53Request);  // accepting again once descriptors are back
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  fb::logging::set_capture(nullptr);
  ::setrlimit(RLIMIT_NOFILE, &saved);
}

TEST_CASE("refusals (403, 404, 405) are answered without building a snapshot") {
  ServerFixture server;
  REQUIRE(exchange(server.port(), "GET /wp-login.php HTTP/1.1\r\nHost: x\r\n\r\n")->status == 404);
  REQUIRE(exchange(server.port(), "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")->status == 405);
  REQUIRE(exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n", false, "127.0.0.1", "127.0.0.3")->status ==
          403);
  CHECK(server.snapshots() == 0);
  CHECK(server.health_builds() == 0);
  REQUIRE(exchange(server.port(), kRoute53Request)->status == 200);
  CHECK(server.snapshots() == 0);  // /health answers from its own prepared state
  CHECK(server.health_builds() == 1);
  REQUIRE(exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")->status == 200);
  CHECK(server.snapshots() == 1);

  ServerFixture without(ServerFixture::defaults(), false);  // no health source: the snapshot's uplinks
  REQUIRE(exchange(without.port(), kRoute53Request)->status == 200);
  CHECK(without.snapshots() == 1);
  CHECK(without.health_builds() == 0);
}

TEST_CASE("a flood of requests costs one snapshot per interval; a change the owner announces shows at once") {
  ServerSettings settings = ServerFixture::defaults();
  settings.snapshot_max_age = std::chrono::hours(1);  // no rebuild by age within this test
  ServerFixture server(settings);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(exchange(server.port(), kRoute53Request)->status == 200);
    REQUIRE(exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")->status == 200);
    REQUIRE(exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")->status == 200);
  }
  CHECK(server.snapshots() == 1);
  CHECK(server.health_builds() == 1);
  server.set("wired", UplinkState::down, false, false);  // not told: the prepared answer stands
  CHECK(exchange(server.port(), kRoute53Request)->status == 200);
  server.set("wired", UplinkState::down);  // invalidates
  auto r = exchange(server.port(), kRoute53Request);
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(server.health_builds() == 2);
  CHECK(server.snapshots() == 1);  // the next /status builds the second
  REQUIRE(exchange(server.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")->status == 200);
  CHECK(server.snapshots() == 2);

  settings.snapshot_max_age = std::chrono::milliseconds(0);  // one per request
  ServerFixture uncached(settings);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(exchange(uncached.port(), kRoute53Request)->status == 200);
    REQUIRE(exchange(uncached.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")->status == 200);
  }
  CHECK(uncached.health_builds() == 5);
  CHECK(uncached.snapshots() == 5);
}

TEST_CASE("prepared /health answers are the handler's, byte for byte, for every way of asking") {
  ServerSettings settings = ServerFixture::defaults();
  settings.snapshot_max_age = std::chrono::hours(1);
  ServerFixture server(settings);
  Snapshot state;
  state.uplinks = {{"wired", "eth0", "ethernet", UplinkState::up, false, ""},
                   {"cellular", "ppp0", "ppp", UplinkState::down, false, "NO_CARRIER"}};
  struct Ask {
    std::string request;
    std::string arrival;  // the address asked and the uplink it stands for
    std::string address;
  };
  std::vector<Ask> asks = {{"GET /health/wired", "", "127.0.0.1"},   {"GET /health/cellular?x=1", "", "127.0.0.1"},
                           {"GET /health/nosuch", "", "127.0.0.1"},  {"GET /health/", "", "127.0.0.1"},
                           {"GET /health", "", "127.0.0.1"},         {"GET /health", "wired", "127.0.0.5"},
                           {"GET /health", "cellular", "127.0.0.2"}, {"HEAD /health/wired", "", "127.0.0.1"}};
  for (const Ask& a : asks) {
    CAPTURE(a.request);
    CAPTURE(a.address);
    bool head = a.request.rfind("HEAD", 0) == 0;
    std::string target = a.request.substr(a.request.find(' ') + 1);
    Response want = handle(Request{head ? "HEAD" : "GET", target, fb::IpAddress{}, a.arrival}, state,
                           ServerFixture::defaults().policy, HttpCounters{});
    for (bool keep : {true, false}) {
      HttpConnection c(a.address, server.port());
      REQUIRE(c.send(a.request + " HTTP/1.1\r\nHost: x\r\n" + (keep ? "" : "Connection: close\r\n") + "\r\n"));
      auto r = c.read_reply(head);
      REQUIRE(r);
      CHECK(r->status == static_cast<int>(want.status));
      CHECK(r->body == (head ? "" : want.body));
      CHECK(r->headers["content-length"] == std::to_string(want.body.size()));
      CHECK(r->headers["content-type"] == want.content_type);
      CHECK(r->headers["cache-control"] == "no-store");
      CHECK(r->headers["server"] == "failberry");
      CHECK(r->headers.count("connection") == (keep ? 0u : 1u));
      if (!keep) CHECK(c.closed_by_peer());
    }
  }
  CHECK(server.snapshots() == 0);
  CHECK(server.health_builds() == 1);
}

TEST_CASE("slowloris and a flood from one address at once: Route53's checks from elsewhere are answered") {
  ServerSettings settings = ServerFixture::defaults();
  settings.max_connections = 64;
  ServerFixture server(settings);  // 1 s request deadline, snapshots reused for 250 ms
  auto t0 = std::chrono::steady_clock::now();
  // tests/bench/slowloris.py: 200 connections from 127.0.0.1 trickling one header byte each per round.
  fb::test::TempDir dir;
  fb::test::Process slowloris({FB_PYTHON3, FB_SLOWLORIS, "127.0.0.1", std::to_string(server.port()), "200", "6"},
                              fb::test::SpawnOptions{{}, dir / "slowloris.out", {}});
  // The flood: one address (127.0.0.4) opening connections as fast as it can, half of them
  // left idle and held, the other half asking /health/wired.
  std::atomic<bool> stop{false};
  std::atomic<int> flood_answered{0};
  std::mutex m;
  std::condition_variable first_answer;
  std::thread flood([&] {
    std::vector<std::unique_ptr<HttpConnection>> held;
    while (!stop) {
      auto idle = std::make_unique<HttpConnection>("127.0.0.1", server.port(), 2000, "127.0.0.4");
      if (idle->connected()) held.push_back(std::move(idle));
      if (held.size() > 400) held.erase(held.begin(), held.begin() + 200);
      auto r =
          exchange(server.port(), "GET /health/wired HTTP/1.1\r\nHost: x\r\n\r\n", false, "127.0.0.1", "127.0.0.4");
      if (r && r->status == 200 && ++flood_answered == 1) {
        std::lock_guard lock(m);
        first_answer.notify_all();
      }
    }
  });
  // Both are at it before the first check.
  REQUIRE(fb::test::wait_for_text(dir / "slowloris.out", "connections opened", 10s));
  {
    std::unique_lock lock(m);
    REQUIRE(first_answer.wait_for(lock, 10s, [&] { return flood_answered > 0; }));
  }
  int answered = 0;
  std::vector<double> latency_ms;
  for (int i = 0; i < 20; ++i) {
    auto t = std::chrono::steady_clock::now();
    auto r = exchange(server.port(), kRoute53Request, false, "127.0.0.1", "127.0.0.3");
    latency_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    if (r && r->status == 200 && r->body.rfind("failberry OK uplink=wired", 0) == 0) ++answered;
  }
  stop = true;
  flood.join();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  CHECK(slowloris.running());  // it was loading the server the whole time
  CHECK(answered == 20);
  CHECK(flood_answered > 0);
  // At most one build per 250 ms since the first: the bound the cache guarantees, whatever the load.
  auto intervals = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 250 + 1;
  CHECK(server.health_builds() <= intervals);
  CHECK(server.snapshots() == 0);  // only /health was asked
  std::sort(latency_ms.begin(), latency_ms.end());
  MESSAGE("Route53 check latency under slowloris (200) + one-address flood: median ", latency_ms[10], " ms, max ",
          latency_ms.back(), " ms; flood answered ", flood_answered.load(), " requests with ", server.health_builds(),
          " /health build(s)");
}

TEST_CASE("a keep-alive /health check costs the server no heap allocation") {
  ServerFixture server;
  HttpConnection c("127.0.0.1", server.port());
  auto ask = [&](int n) {
    for (int i = 0; i < n; ++i) {
      REQUIRE(c.send(kRoute53Request));
      auto r = c.read_reply();
      REQUIRE(r);
      REQUIRE(r->status == 200);
    }
  };
  ask(10);  // the connection's buffers and the prepared answers are made here
  auto before = server.server_allocations();
  constexpr int kChecks = 500;
  ask(kChecks);
  auto made = server.server_allocations() - before;
  MESSAGE(made, " allocation(s) on the server's thread for ", kChecks, " checks");
  // Not one per check; the deadline sweep's timer may take a few while they run.
  CHECK(made < kChecks / 50);
}
