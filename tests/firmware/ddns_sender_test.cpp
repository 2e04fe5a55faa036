// DdnsSender, both twins, against the fake DDNS server (lambda-v3 over HTTPS
// with the per-run test CA) on the host's loopback. The real sender's
// requests reach the server; the dry-run sender's never do, yet its settings
// are still checked, and it says why nothing is sent. No root needed.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fake_server.hpp"
#include "fb/core/ddns_sender.hpp"
#include "fb/log.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::core::DdnsRequests;
using fb::ddns::Outcome;
using fb::ddns::Reply;
using fb::test::client_settings;
using fb::test::FakeDdnsServer;
using fb::test::kSecret;
using fb::test::TempDir;
namespace asio = boost::asio;

TEST_CASE("the real sender: a get reaches the server, and nothing is withheld") {
  asio::io_context io;
  TempDir dir;
  FakeDdnsServer server(io);
  auto sender = fb::core::make_ddns_sender(io);
  CHECK_FALSE(sender->withheld("www.example.com", "cellular"));
  std::unique_ptr<DdnsRequests> requests = sender->open(client_settings(server, dir));
  CHECK(requests->describe().find(kSecret) == std::string::npos);
  std::optional<Reply> got;
  requests->get([&](const Reply& r) { got = r; }, std::nullopt);
  CHECK(requests->busy());
  REQUIRE(fb::test::run_until(
      io, [&] { return got.has_value() && server.requests().size() == 1; }, 30s));
  CHECK(got->outcome == Outcome::observed);
  CHECK_FALSE(requests->busy());
}

TEST_CASE("dry-run: no request reaches the server, and the sender says so") {
  asio::io_context io;
  TempDir dir;
  FakeDdnsServer server(io);
  fb::test::LogCapture log;
  auto sender = fb::core::make_dry_run_ddns_sender(io);
  std::unique_ptr<DdnsRequests> requests = sender->open(client_settings(server, dir));
  CHECK(requests->describe().find(kSecret) == std::string::npos);
  CHECK(requests->describe().find("www.example.com") != std::string::npos);

  std::vector<Reply> replies;
  requests->get([&](const Reply& r) { replies.push_back(r); }, std::nullopt);
  requests->set(*fb::IpAddress::parse("127.0.0.1"), [&](const Reply& r) { replies.push_back(r); });
  CHECK(replies.empty());  // never from inside the call
  CHECK_FALSE(requests->busy());
  fb::test::run_for(io, 1s);
  CHECK(server.requests().empty());
  CHECK(server.stats()["records"].empty());
  REQUIRE(replies.size() == 2);
  for (const Reply& r : replies) {
    CHECK(r.outcome == Outcome::network_error);
    CHECK(r.detail == "dry-run: not sent");
    CHECK(r.http_status == 0);
  }
  CHECK(log.said("dry-run: the get is not sent"));
  CHECK(log.said("dry-run: the set of 127.0.0.1 is not sent"));

  auto w = sender->withheld("www.example.com", "cellular");
  REQUIRE(w);
  CHECK(w->notice ==
        "dry-run: no DDNS request is sent and www.example.com is not published (run without dry-run to publish the "
        "address of uplink[cellular])");
  CHECK(w->state == "dry_run");
  CHECK(w->detail == "dry-run: no request is sent, nothing is published");
  CHECK_FALSE(w->answer.ok);
  CHECK(w->answer.code == "DDNS_DRY_RUN");
  CHECK(w->answer.message == "dry-run: failberryd sends no DDNS request and does not publish www.example.com");
}

TEST_CASE("dry-run: the settings are still checked") {
  asio::io_context io;
  TempDir dir;
  FakeDdnsServer server(io);
  auto sender = fb::core::make_dry_run_ddns_sender(io);
  try {
    sender->open(client_settings(server, dir, fb::ddns::Provider::lambda_v3, "lo", 0644));
    FAIL("a secret readable by others was accepted");
  } catch (const fb::ddns::SetupError& e) {
    CHECK(e.code() == "DDNS_SECRET_REFUSED");
  }
  fb::test::run_for(io, 200ms);
  CHECK(server.requests().empty());
}
