// Webhook (firmware/webhook.cpp) on a real io_context against
// webhook_server.py on the host's loopback: the body, its content type and
// the bearer header; 500 then 200 (retried after the backoff), 429 with
// Retry-After, 400 (not retried), a server that never answers (a timeout,
// while the same loop keeps answering /health), a full queue, and a token
// file that may not be used (nothing is posted). No root needed.
#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fb/core/asio_timers.hpp"
#include "fb/core/webhook.hpp"
#include "fb/health/http_server.hpp"
#include "io_wait.hpp"
#include "log_capture.hpp"
#include "process.hpp"

using namespace std::chrono_literals;
using fb::Event;
using fb::EventKind;
using fb::core::Webhook;
using fb::core::WebhookSettings;
using fb::test::TempDir;
namespace asio = boost::asio;
using Json = nlohmann::json;

namespace {

constexpr const char* kToken = "tk_Secr3tWebhookToken";

// webhook_server.py with its answers; requests() reads its log.
class Receiver {
 public:
  Receiver(const TempDir& dir, std::vector<std::string> answers) : log_(dir / "requests.log") {
    std::vector<std::string> argv{"python3", FB_SOURCE_DIR "/tests/firmware/webhook_server.py", log_, "127.0.0.1", "0"};
    argv.insert(argv.end(), answers.begin(), answers.end());
    std::string out = dir / "server.out";
    process_ = std::make_unique<fb::test::Process>(argv, fb::test::SpawnOptions{{}, out, dir / "server.err"});
    REQUIRE(fb::test::wait_for_text(out, "\n", 10s));
    port_ = static_cast<unsigned short>(std::stoi(fb::test::read_file(out).substr(5)));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook/secret-path"; }
  std::vector<Json> requests() const {
    std::vector<Json> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(Json::parse(line));
    return out;
  }

 private:
  std::string log_;
  unsigned short port_ = 0;
  std::unique_ptr<fb::test::Process> process_;
};

// A timer that ticks every 20 ms on the loop under test: it wakes run_until()
// to look at the receiver's log, and its longest gap says whether anything
// blocked the loop.
struct Ticker {
  explicit Ticker(asio::io_context& io) : timer(io) { tick(); }
  void tick() {
    auto now = std::chrono::steady_clock::now();
    if (last.time_since_epoch().count() != 0) longest = std::max(longest, now - last);
    last = now;
    timer.expires_after(20ms);
    timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) tick();
    });
  }
  // From now on (the setup before blocked the loop on purpose).
  void reset() {
    last = std::chrono::steady_clock::now();
    longest = {};
  }
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point last{};
  std::chrono::steady_clock::duration longest{};
};

struct Rig {
  explicit Rig(std::vector<std::string> answers, std::function<void(WebhookSettings&)> change = {})
      : receiver(dir, std::move(answers)) {
    fb::test::write_file(dir / "token", std::string(kToken) + "\n", 0600);
    WebhookSettings s;
    s.url = receiver.url();
    s.token_file = dir / "token";
    s.events = {EventKind::failover, EventKind::failback};
    s.host = "pi";
    s.connect_timeout = 1s;
    s.timeout = 1s;
    s.retry = {300ms, 2s, 3};
    if (change) change(s);
    webhook = std::make_unique<Webhook>(io, timers, s);
  }
  bool wait(const std::function<bool()>& done, std::chrono::milliseconds limit = 15s) {
    return fb::test::run_until(io, done, limit);
  }
  std::size_t posted() const { return receiver.requests().size(); }

  TempDir dir;
  fb::test::LogCapture log;
  asio::io_context io;
  fb::core::AsioTimerService timers{io};
  Ticker ticker{io};
  Receiver receiver;
  std::unique_ptr<Webhook> webhook;
};

Event failover_event(int n = 0) {
  Event e;
  e.kind = EventKind::failover;
  e.time = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'551'356 + n));
  e.uplink = "cellular";
  e.from = "wired";
  e.to = "cellular";
  e.reason = "CARRIER_LOST";
  e.duration = 1500ms;
  e.message = "default route wired -> cellular";
  return e;
}

}  // namespace

TEST_CASE("a chosen event is POSTed as JSON with the bearer token; other kinds are not") {
  Rig rig({"200"});
  Event up;
  up.kind = EventKind::uplink_up;
  up.uplink = "wired";
  up.message = "up";
  rig.webhook->enqueue(up);
  rig.webhook->enqueue(failover_event());
  CHECK(rig.webhook->report().queued == 1);
  REQUIRE(rig.wait([&] { return rig.webhook->idle() && rig.posted() >= 1; }));
  fb::test::run_for(rig.io, 300ms);  // nothing else comes
  std::vector<Json> r = rig.receiver.requests();
  REQUIRE(r.size() == 1);
  CHECK(r[0]["path"] == "/hook/secret-path");
  CHECK(r[0]["headers"]["content-type"] == "application/json");
  CHECK(r[0]["headers"]["authorization"] == std::string("Bearer ") + kToken);
  Json body = Json::parse(r[0]["body"].get<std::string>());
  CHECK(body["event"] == "failover");
  CHECK(body["text"] == "[pi] default route wired -> cellular (CARRIER_LOST)");
  CHECK(body["message"] == body["text"]);
  CHECK(body["from"] == "wired");
  CHECK(body["to"] == "cellular");
  CHECK(body["uplink"] == "cellular");
  CHECK(body["reason"] == "CARRIER_LOST");
  CHECK(body["duration_ms"] == 1500);
  CHECK(body["time"] == "2026-12-06T10:02:36.000Z");
  CHECK(body["host"] == "pi");
  CHECK(body["dry_run"] == false);

  fb::health::WebhookReport report = rig.webhook->report();
  CHECK(report.sent == 1);
  CHECK(report.failed == 0);
  CHECK(report.state == "idle");
  CHECK(report.last_success_at.has_value());
  CHECK(report.url ==
        "http://127.0.0.1:" + rig.receiver.url().substr(17, rig.receiver.url().find('/', 17) - 17) + "/…");
  CHECK(rig.log.said("posted failover to http://127.0.0.1:"));
  // Neither the token nor the URL's path appears in the log or the report.
  CHECK(rig.log.text().find(kToken) == std::string::npos);
  CHECK(rig.log.text().find("secret-path") == std::string::npos);
  CHECK(report.url.find("secret-path") == std::string::npos);
}

TEST_CASE("500 then 200: retried after the backoff, then sent") {
  Rig rig({"500", "200"});
  rig.webhook->enqueue(failover_event());
  REQUIRE(rig.wait([&] { return rig.webhook->report().sent == 1; }));
  std::vector<Json> r = rig.receiver.requests();
  REQUIRE(r.size() == 2);
  CHECK(r[1]["body"] == r[0]["body"]);
  CHECK(r[1]["t"].get<double>() - r[0]["t"].get<double>() >= 0.29);  // the first backoff, 300 ms
  fb::health::WebhookReport report = rig.webhook->report();
  CHECK(report.retries == 1);
  CHECK(report.failed == 0);
  CHECK(report.last_error.find("HTTP 500") == 0);
  CHECK(rig.log.said("failed: HTTP 500: answer 500; retry 2/3 in 300 ms"));
}

TEST_CASE("429 with Retry-After: the server's wait is honoured") {
  Rig rig({"429:1", "200"});
  rig.webhook->enqueue(failover_event());
  REQUIRE(rig.wait([&] { return rig.webhook->report().sent == 1; }));
  std::vector<Json> r = rig.receiver.requests();
  REQUIRE(r.size() == 2);
  CHECK(r[1]["t"].get<double>() - r[0]["t"].get<double>() >= 0.95);  // 1 s, not the 300 ms backoff
  CHECK(rig.log.said("retry 2/3 in 1 s (Retry-After)"));
}

TEST_CASE("the backoff grows, and after the last attempt the event counts as failed") {
  Rig rig({"503"});
  rig.webhook->enqueue(failover_event());
  REQUIRE(rig.wait([&] { return rig.webhook->report().failed == 1; }));
  std::vector<Json> r = rig.receiver.requests();
  REQUIRE(r.size() == 3);
  double first = r[1]["t"].get<double>() - r[0]["t"].get<double>();
  double second = r[2]["t"].get<double>() - r[1]["t"].get<double>();
  CHECK(first >= 0.29);
  CHECK(second >= 0.59);  // doubled
  CHECK(rig.log.said("(gave up after 3 attempts)"));
  CHECK(rig.webhook->idle());
}

TEST_CASE("400: not retried, with a clear error; the next event still goes") {
  Rig rig({"400", "200"});
  rig.webhook->enqueue(failover_event(0));
  rig.webhook->enqueue(failover_event(1));
  REQUIRE(rig.wait([&] { return rig.webhook->idle() && rig.posted() == 2; }));
  fb::test::run_for(rig.io, 600ms);  // longer than the first backoff: no retry comes
  CHECK(rig.posted() == 2);
  fb::health::WebhookReport report = rig.webhook->report();
  CHECK(report.failed == 1);
  CHECK(report.sent == 1);
  CHECK(report.retries == 0);
  CHECK(report.last_error.find("HTTP 400: {\"error\": \"bad topic\"}") == 0);
  CHECK(rig.log.said("failover not posted to http://127.0.0.1:"));
  CHECK(rig.log.said("(not retried: the server refuses the request)"));
}

TEST_CASE("a server that never answers: a timeout, while the same loop keeps answering /health") {
  Rig rig({"hang"}, [](WebhookSettings& s) { s.retry.attempts = 2; });
  fb::health::ServerSettings hs;
  hs.listen = {*fb::IpAddress::parse("127.0.0.1")};
  hs.port = 0;
  hs.policy.status_allow = {*fb::Prefix::parse("127.0.0.0/8")};
  fb::health::UplinkStatus wired;
  wired.name = "wired";
  wired.state = fb::health::UplinkState::up;
  fb::health::HttpServer server(
      rig.io, hs,
      [&] {
        fb::health::Snapshot s;
        s.uplinks = {wired};
        s.webhook = rig.webhook->report();
        return s;
      },
      [](const fb::IpAddress&) { return std::string(); });
  server.start();
  std::string endpoint = server.endpoints().at(0);
  auto port = static_cast<unsigned short>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));

  rig.ticker.reset();
  rig.webhook->enqueue(failover_event());
  REQUIRE(rig.wait([&] { return rig.posted() == 1; }));
  CHECK(rig.webhook->report().state == "sending");

  // GET /health and /status on the same loop while the POST hangs.
  auto get = [&](const std::string& path) {
    auto socket = std::make_shared<asio::ip::tcp::socket>(rig.io);
    auto reply = std::make_shared<std::string>();
    auto done = std::make_shared<bool>(false);
    auto request = std::make_shared<std::string>("GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n");
    socket->async_connect({asio::ip::make_address("127.0.0.1"), port}, [=](boost::system::error_code ec) {
      if (ec) return void(*done = true);
      asio::async_write(*socket, asio::buffer(*request), [=](boost::system::error_code ec2, std::size_t) {
        if (ec2) return void(*done = true);
        asio::async_read(*socket, asio::dynamic_buffer(*reply),
                         [=](boost::system::error_code, std::size_t) { *done = true; });
      });
    });
    auto started = std::chrono::steady_clock::now();
    REQUIRE(rig.wait([&] { return *done; }, 2s));
    CHECK(std::chrono::steady_clock::now() - started < 500ms);
    return *reply;
  };
  CHECK(get("/health/wired").find("failberry OK uplink=wired") != std::string::npos);
  std::string status = get("/status");
  CHECK(status.find("\"state\": \"sending\"") != std::string::npos);
  CHECK(status.find(kToken) == std::string::npos);
  CHECK(status.find("secret-path") == std::string::npos);
  CHECK(rig.webhook->report().state == "sending");

  REQUIRE(rig.wait([&] { return rig.webhook->report().failed == 1; }));
  CHECK(rig.posted() == 2);  // timed out, retried once, timed out again
  CHECK(rig.webhook->report().last_error.find("Timeout was reached") == 0);
  CHECK(rig.log.said("(gave up after 2 attempts)"));
  CHECK(rig.ticker.longest < 250ms);  // the loop never stalled
}

TEST_CASE("a full queue drops the oldest waiting event and counts it") {
  Rig rig({"hang"}, [](WebhookSettings& s) {
    s.queue_limit = 3;
    s.timeout = 10s;
  });
  rig.webhook->enqueue(failover_event(0));
  REQUIRE(rig.wait([&] { return rig.posted() == 1; }));  // the first one is in flight
  for (int n = 1; n <= 4; ++n) rig.webhook->enqueue(failover_event(n));
  fb::health::WebhookReport report = rig.webhook->report();
  CHECK(report.queued == 3);
  CHECK(report.dropped == 2);
  // The in-flight one stays; the oldest waiting ones (1 and 2) went.
  CHECK(rig.log.said("dropped failover of 2026-12-06T10:02:37.000Z (1 dropped so far)"));
  CHECK(rig.log.said("dropped failover of 2026-12-06T10:02:38.000Z (2 dropped so far)"));
}

TEST_CASE("a token file that may not be used: nothing is posted (fail closed), and /status says why") {
  Rig rig({"200"});
  fb::test::write_file(rig.dir / "open-token", std::string(kToken) + "\n", 0644);
  WebhookSettings s = rig.webhook->settings();
  s.token_file = rig.dir / "open-token";
  s.events.push_back(EventKind::uplink_down);
  rig.webhook->configure(s);
  CHECK_FALSE(rig.log.said("now posting"));  // not while it cannot
  rig.webhook->enqueue(failover_event());
  fb::test::run_for(rig.io, 500ms);
  CHECK(rig.posted() == 0);
  fb::health::WebhookReport report = rig.webhook->report();
  CHECK(report.state == "setup_failed");
  CHECK(report.failed == 1);
  CHECK(report.last_error.find("webhook_token_file") == 0);
  CHECK(report.last_error.find("chmod 600") != std::string::npos);
  CHECK(rig.log.said("no event is posted until it is fixed"));
  CHECK(rig.log.text().find(kToken) == std::string::npos);

  // Fixed and configured again: posted.
  fb::test::write_file(rig.dir / "open-token", "another-token\n", 0600);
  s.events.pop_back();
  rig.webhook->configure(s);
  CHECK(rig.log.said("now posting 2 event kind(s) to http://127.0.0.1:"));
  rig.webhook->enqueue(failover_event());
  REQUIRE(rig.wait([&] { return rig.webhook->report().sent == 1; }));
  CHECK(rig.receiver.requests().at(0)["headers"]["authorization"] == "Bearer another-token");
}
