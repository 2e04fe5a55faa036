// DdnsClient (libcurl multi on Asio) against the fake DDNS server over
// loopback HTTPS with a per-run test CA: every documented reply and every
// fault a user can meet, each with its outcome. The scheduler wired to the
// client is the daemon's DdnsService, tested in tests/services. No root
// needed (loopback only).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <fstream>

#include "fake_server.hpp"
#include "fb/ddns/client.hpp"
#include "fb/ddns/lambda.hpp"
#include "fb/ddns/secrets.hpp"
#include "fb/ddns/sigv4.hpp"
#include "fb/ddns/state_file.hpp"
#include "fb/log.hpp"
#include "fb/version.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::ddns::ClientSettings;
using fb::ddns::DdnsClient;
using fb::ddns::Outcome;
using fb::ddns::Provider;
using fb::ddns::Reply;
using fb::test::client_settings;
using fb::test::FakeDdnsServer;
using fb::test::FakeServerOptions;
using fb::test::Json;
using fb::test::kAwsSecret;
using fb::test::kSecret;
using fb::test::TempDir;
using fb::test::write_secret;
namespace asio = boost::asio;

namespace {

// One request, run to its callback (bounded).
Reply call(asio::io_context& io, DdnsClient& client, const char* address = nullptr) {
  std::optional<Reply> got;
  auto done = [&](const Reply& r) { got = r; };
  if (address)
    client.set(*fb::IpAddress::parse(address), done);
  else
    client.get(done);
  bool finished = fb::test::run_until(
      io, [&] { return got.has_value(); }, 30s);
  REQUIRE_MESSAGE(finished, "the client never called back");
  CHECK_FALSE(client.busy());
  return *got;
}

std::string code(const Reply& r) {
  return std::string(fb::ddns::error_code(r.outcome));
}

// A fault of the fake server (on every request, or only on `only`) and what
// the client must make of it.
struct FaultRow {
  Provider provider;
  const char* fault;
  const char* code;
  long status;
};

// A set of 127.0.0.1 through a fresh client of a fresh server with the fault on.
Reply set_under_fault(const FaultRow& row, const std::string& only = "") {
  asio::io_context io;
  TempDir dir;
  FakeDdnsServer server(io);
  DdnsClient client(io, client_settings(server, dir, row.provider));
  server.fault(row.fault, only);
  return call(io, client, "127.0.0.1");
}

// What most cases start from: the fake server on loopback and a directory
// for the secrets.
struct Loopback {
  asio::io_context io;
  TempDir dir;
  FakeDdnsServer server{io};
};

}  // namespace

TEST_CASE_FIXTURE(Loopback, "v3: get sees the loopback source, set publishes it, the same set again is unchanged") {
  DdnsClient client(io, client_settings(server, dir, Provider::lambda_v3));

  Reply get = call(io, client);
  CHECK(get.outcome == Outcome::observed);
  REQUIRE(get.address);
  CHECK(get.address->text() == "127.0.0.1");
  CHECK(get.http_status == 200);

  Reply set = call(io, client, "127.0.0.1");
  CHECK(set.outcome == Outcome::published);
  CHECK(set.http_status == 201);
  REQUIRE(set.address);
  CHECK(set.address->text() == "127.0.0.1");
  CHECK(server.stats()["records"]["www.example.com"] == "127.0.0.1");

  Reply again = call(io, client, "127.0.0.1");
  CHECK(again.outcome == Outcome::unchanged);
  CHECK(again.http_status == 200);

  REQUIRE(fb::test::run_until(
      io, [&] { return server.requests().size() == 3; }, 10s));
  const Json& e = server.requests()[1];
  CHECK(e["method"] == "POST");
  CHECK(e["source"] == "127.0.0.1");
  CHECK(e["headers"]["user-agent"] == std::string("failberry/") + fb::kVersion);
  CHECK(e["headers"]["content-type"] == "application/json");
  auto body = Json::parse(e["body"].get<std::string>());
  CHECK(body["ddns_hostname"] == "www.example.com");
  CHECK(body["validation_hash"] == "1133604d1e8e80ca9e4aeb2aa4735bfdcc84d858261746a4be902f0c2ff01e6e");
  CHECK(server.stats()["max_in_flight"] == 1);
}

TEST_CASE("v1 and v2: GETs with the trailing-dot hostname; the server checks the hash against the source it sees") {
  for (Provider p : {Provider::lambda_v1, Provider::lambda_v2}) {
    CAPTURE(fb::ddns::to_string(p));
    asio::io_context io;
    TempDir dir;
    FakeDdnsServer server(io);
    DdnsClient client(io, client_settings(server, dir, p));
    Reply get = call(io, client);
    REQUIRE(get.address);
    CHECK(get.address->text() == "127.0.0.1");
    CHECK(call(io, client, "127.0.0.1").outcome == Outcome::published);
    CHECK(call(io, client, "127.0.0.1").outcome == Outcome::unchanged);
    REQUIRE(fb::test::run_until(
        io, [&] { return server.requests().size() == 3; }, 10s));
    const Json& set = server.requests()[1];
    CHECK(set["method"] == "GET");
    CHECK(set["query"].get<std::string>().find("mode=set&hostname=www.example.com.&hash=") == 0);
    CHECK(set["status"] == 200);
  }
}

TEST_CASE("v2 over IPv6: the get sees ::1, the set publishes it as the AAAA record, the A record stays") {
  asio::io_context io;
  TempDir dir;
  FakeServerOptions o;
  o.listen = "::1";
  o.record = "198.51.100.4";  // the A record, which an AAAA lane never touches
  FakeDdnsServer server(io, o);
  DdnsClient client(io, client_settings(server, dir, Provider::lambda_v2, "lo", 0600, fb::ddns::Family::ipv6));
  CHECK(client.describe().find("record=AAAA") != std::string::npos);
  Reply get = call(io, client);
  INFO(get.detail);
  REQUIRE(get.outcome == Outcome::observed);
  CHECK(get.address->text() == "::1");
  CHECK(call(io, client, "::1").outcome == Outcome::published);
  CHECK(call(io, client, "::1").outcome == Outcome::unchanged);
  Json stats = server.stats();
  CHECK(stats["records_aaaa"]["www.example.com"] == "::1");
  CHECK(stats["records"]["www.example.com"] == "198.51.100.4");
  REQUIRE(fb::test::run_until(
      io, [&] { return server.requests().size() == 3; }, 10s));
  for (const Json& e : server.requests()) CHECK(e["source"] == "::1");
  // The hash the server accepted is sha256("::1" + "www.example.com." + secret).
  CHECK(server.requests()[1]["query"].get<std::string>().find(
            "hash=" + fb::ddns::validation_hash(Provider::lambda_v2, "::1", "www.example.com", kSecret)) !=
        std::string::npos);
}

TEST_CASE("an AAAA lane for lambda-v1 or lambda-v3 is refused when the client is built, with the reason") {
  asio::io_context io;
  TempDir dir;
  FakeDdnsServer server(io);
  for (Provider p : {Provider::lambda_v1, Provider::lambda_v3}) {
    CAPTURE(fb::ddns::to_string(p));
    ClientSettings s = client_settings(server, dir, p, "lo", 0600, fb::ddns::Family::ipv6);
    try {
      DdnsClient client(io, s);
      FAIL("an AAAA client was built for " << fb::ddns::to_string(p));
    } catch (const fb::ddns::SetupError& e) {
      CHECK(e.code() == "DDNS_CONFIG_ERROR");
      CHECK(std::string(e.what()).find("no AAAA record: the " + std::string(fb::ddns::to_string(p))) == 0);
    }
  }
  CHECK(server.requests().empty());
}

TEST_CASE_FIXTURE(Loopback, "Route53 AAAA: the UPSERT carries the AAAA record and the get reads it back") {
  DdnsClient a(io, client_settings(server, dir, Provider::route53));
  DdnsClient aaaa(io, client_settings(server, dir, Provider::route53, "lo", 0600, fb::ddns::Family::ipv6));
  Reply none = call(io, aaaa);
  CHECK(none.outcome == Outcome::observed);
  CHECK_FALSE(none.address);
  CHECK(call(io, a, "203.0.113.7").outcome == Outcome::published);
  CHECK(call(io, aaaa, "2001:db8:2::2").outcome == Outcome::published);
  Reply read = call(io, aaaa);
  REQUIRE(read.address);
  CHECK(read.address->text() == "2001:db8:2::2");
  Reply read_a = call(io, a);
  REQUIRE(read_a.address);
  CHECK(read_a.address->text() == "203.0.113.7");
  Json stats = server.stats();
  CHECK(stats["records"]["www.example.com"] == "203.0.113.7");
  CHECK(stats["records_aaaa"]["www.example.com"] == "2001:db8:2::2");
  REQUIRE(fb::test::run_until(
      io, [&] { return server.requests().size() == 5; }, 10s));
  CHECK(server.requests()[2]["message"] == "UPSERT www.example.com. AAAA 2001:db8:2::2 ttl=60");
  CHECK(server.requests()[3]["query"] == "maxitems=1&name=www.example.com.&type=AAAA");
}

TEST_CASE_FIXTURE(Loopback,
                  "the hash binds the source address: a set for another address than the server sees is refused") {
  DdnsClient client(io, client_settings(server, dir, Provider::lambda_v3));
  server.control("/pretend?source=198.51.100.7");  // the API now sees another address (carrier NAT)
  Reply stale = call(io, client, "127.0.0.1");
  CHECK(code(stale) == "DDNS_AUTH_FAILED");
  Reply get = call(io, client);
  REQUIRE(get.address);
  CHECK(get.address->text() == "198.51.100.7");
  CHECK(call(io, client, "198.51.100.7").outcome == Outcome::published);
}

TEST_CASE("v2 with an API key: missing or wrong key is DDNS_AUTH_FAILED, the right one works") {
  asio::io_context io;
  TempDir dir;
  FakeServerOptions o;
  o.api_key = "K3y-0f-th3-5tack";
  FakeDdnsServer server(io, o);
  ClientSettings s = client_settings(server, dir, Provider::lambda_v2);
  {
    DdnsClient no_key(io, s);
    Reply r = call(io, no_key);
    CHECK(code(r) == "DDNS_AUTH_FAILED");
    CHECK(r.http_status == 403);
  }
  s.api_key_file = write_secret(dir, "apikey", "wrong\n");
  {
    DdnsClient wrong(io, s);
    CHECK(code(call(io, wrong)) == "DDNS_AUTH_FAILED");
  }
  s.api_key_file = write_secret(dir, "apikey", "K3y-0f-th3-5tack\n");
  DdnsClient right(io, s);
  CHECK(call(io, right).outcome == Outcome::observed);
  CHECK(call(io, right, "127.0.0.1").outcome == Outcome::published);
  REQUIRE(fb::test::run_until(
      io, [&] { return server.requests().size() == 4; }, 10s));
  CHECK(server.requests()[3]["headers"]["x-api-key"] == "K3y-0f-th3-5tack");
}

TEST_CASE("server-side refusals: wrong secret, locked record, missing config") {
  const FaultRow rows[] = {
      {Provider::lambda_v1, "wrong_secret", "DDNS_AUTH_FAILED", 200},
      {Provider::lambda_v2, "wrong_secret", "DDNS_AUTH_FAILED", 200},
      {Provider::lambda_v3, "wrong_secret", "DDNS_AUTH_FAILED", 401},
      {Provider::route53, "wrong_secret", "DDNS_AUTH_FAILED", 403},
      {Provider::lambda_v2, "locked", "DDNS_LOCKED", 200},
      {Provider::lambda_v2, "config_missing", "DDNS_CONFIG_ERROR", 200},
      {Provider::lambda_v3, "config_missing", "DDNS_CONFIG_ERROR", 403},
  };
  for (const FaultRow& row : rows) {
    INFO(fb::ddns::to_string(row.provider), " ", row.fault);
    Reply r = set_under_fault(row);
    CHECK(code(r) == row.code);
    CHECK(r.http_status == row.status);
    CHECK_FALSE(r.detail.empty());
  }
}

TEST_CASE("throttling and 5xx, per generation") {
  const FaultRow rows[] = {
      {Provider::lambda_v1, "throttle", "DDNS_THROTTLED", 429},
      {Provider::lambda_v2, "throttle", "DDNS_THROTTLED", 429},
      {Provider::lambda_v3, "throttle", "DDNS_THROTTLED", 500},  // Route53's "Rate exceeded" through the Lambda
      {Provider::route53, "throttle", "DDNS_THROTTLED", 400},
      {Provider::lambda_v1, "error5xx", "DDNS_SERVER_ERROR", 502},
      {Provider::lambda_v3, "error5xx", "DDNS_SERVER_ERROR", 502},
      {Provider::route53, "error5xx", "DDNS_SERVER_ERROR", 503},
  };
  for (const FaultRow& row : rows) {
    INFO(fb::ddns::to_string(row.provider), " ", row.fault);
    Reply r = set_under_fault(row, "set");
    CHECK(code(r) == row.code);
    CHECK(r.http_status == row.status);
  }
}

TEST_CASE_FIXTURE(Loopback,
                  "a server that never answers: DDNS_TIMEOUT at the deadline, and the loop kept running meanwhile") {
  ClientSettings s = client_settings(server, dir, Provider::lambda_v3);
  s.total_timeout = 1500ms;
  DdnsClient client(io, s);
  server.fault("timeout");

  // A 20 ms ticker on the same io_context: if anything blocked the loop
  // during the request, it could not tick.
  int ticks = 0;
  asio::steady_timer ticker(io);
  std::function<void()> tick = [&] {
    ticker.expires_after(20ms);
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      ++ticks;
      tick();
    });
  };
  tick();
  auto t0 = std::chrono::steady_clock::now();
  Reply r = call(io, client);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ticker.cancel();
  CHECK(code(r) == "DDNS_TIMEOUT");
  CHECK(took >= 1500ms);
  MESSAGE("timeout after " << took.count() << " ms; the loop ticked " << ticks << " times meanwhile");
  CHECK(ticks > 10);
}

TEST_CASE_FIXTURE(Loopback, "a slow body: past the deadline it is DDNS_TIMEOUT, within it the reply counts") {
  ClientSettings s = client_settings(server, dir, Provider::lambda_v3);
  s.total_timeout = 1500ms;
  DdnsClient client(io, s);
  server.fault("slow_body", "", 0.2);  // 5 bytes/s: ~60 bytes take 12 s
  CHECK(code(call(io, client)) == "DDNS_TIMEOUT");
  server.fault("slow_body", "", 0.002);  // ~0.1 s in all
  Reply r = call(io, client);
  CHECK(r.outcome == Outcome::observed);
}

TEST_CASE("malformed answers are DDNS_BAD_REPLY") {
  for (Provider p : {Provider::lambda_v1, Provider::lambda_v3, Provider::route53}) {
    CAPTURE(fb::ddns::to_string(p));
    asio::io_context io;
    TempDir dir;
    FakeDdnsServer server(io);
    DdnsClient client(io, client_settings(server, dir, p));
    server.fault("malformed", "set");
    Reply r = call(io, client, "127.0.0.1");
    CHECK(code(r) == "DDNS_BAD_REPLY");
  }
}

TEST_CASE("an oversized reply is cut off at the bound: DDNS_BAD_REPLY, with or without Content-Length") {
  for (const char* fault : {"oversized", "oversized_stream"}) {
    CAPTURE(fault);
    asio::io_context io;
    TempDir dir;
    FakeDdnsServer server(io);
    DdnsClient client(io, client_settings(server, dir, Provider::lambda_v3));
    server.fault(fault);
    Reply r = call(io, client);
    CHECK(code(r) == "DDNS_BAD_REPLY");
    CHECK(r.detail.find("larger than 65536 bytes") != std::string::npos);
  }
}

TEST_CASE("TLS is always verified: wrong CA, plain HTTP, and the system store all fail with DDNS_TLS_FAILED") {
  asio::io_context io;
  TempDir dir;
  {
    FakeDdnsServer server(io);
    ClientSettings s = client_settings(server, dir, Provider::lambda_v3);
    s.ca_file = fb::test::test_pki().other_ca();
    DdnsClient wrong_ca(io, s);
    Reply r = call(io, wrong_ca);
    CHECK(code(r) == "DDNS_TLS_FAILED");
    s.ca_file.clear();  // the system store does not know the test CA
    DdnsClient system_store(io, s);
    CHECK(code(call(io, system_store)) == "DDNS_TLS_FAILED");
    Json stats = server.stats();
    CHECK(stats["requests"] == 0);  // nothing reached the API
    CHECK(stats["connections"] == 2);
  }
  FakeServerOptions plain;
  plain.plain = true;
  FakeDdnsServer server(io, plain);
  DdnsClient client(io, client_settings(server, dir, Provider::lambda_v3));
  CHECK(code(call(io, client)) == "DDNS_TLS_FAILED");
  CHECK(server.stats()["requests"] == 0);
}

TEST_CASE_FIXTURE(Loopback, "redirects are not followed") {
  DdnsClient client(io, client_settings(server, dir, Provider::lambda_v3));
  server.fault("redirect");
  Reply r = call(io, client);
  CHECK(code(r) == "DDNS_BAD_REPLY");
  CHECK(r.http_status == 302);
  fb::test::run_for(io, 300ms);
  CHECK(server.stats()["requests"] == 1);  // nobody asked for /elsewhere
}

TEST_CASE_FIXTURE(Loopback, "an address as the interface binds the source to it (what the server then publishes)") {
  ClientSettings s = client_settings(server, dir, Provider::lambda_v3);
  s.interface = "127.0.0.2";  // any 127/8 source works on loopback
  DdnsClient client(io, s);
  Reply r = call(io, client);
  REQUIRE(r.address);
  CHECK(r.address->text() == "127.0.0.2");
  CHECK(call(io, client, "127.0.0.2").outcome == Outcome::published);
  CHECK(server.stats()["records"]["www.example.com"] == "127.0.0.2");
}

TEST_CASE_FIXTURE(Loopback,
                  "an interface that does not exist fails the request instead of leaking out the default route") {
  ClientSettings s = client_settings(server, dir, Provider::lambda_v3);
  s.interface = "fbnosuch0";
  DdnsClient client(io, s);
  Reply r = call(io, client);
  CHECK(code(r) == "DDNS_NETWORK_ERROR");
  CHECK(server.stats()["connections"] == 0);
}

TEST_CASE_FIXTURE(Loopback,
                  "route53: libcurl's SigV4 checks out against our own implementation; the record reads back") {
  DdnsClient client(io, client_settings(server, dir, Provider::route53));

  Reply before = call(io, client);
  CHECK(before.outcome == Outcome::observed);
  CHECK_FALSE(before.address);  // the list starts at the next name: no record yet
  Reply set = call(io, client, "127.0.0.1");
  CHECK(set.outcome == Outcome::published);
  CHECK(set.detail.find("PENDING") != std::string::npos);
  Reply after = call(io, client);
  REQUIRE(after.address);
  CHECK(after.address->text() == "127.0.0.1");

  REQUIRE(fb::test::run_until(
      io, [&] { return server.requests().size() == 3; }, 10s));
  for (const Json& e : server.requests()) {
    CAPTURE(e.dump());
    CHECK(e["status"] == 200);  // the fake server's own SigV4 check passed
    // Recompute the signature of exactly this request, independently.
    auto auth = fb::ddns::sigv4::parse_authorization(e["headers"]["authorization"].get<std::string>());
    REQUIRE_FALSE(auth.signature.empty());
    CHECK(auth.access_key == "AKIDEXAMPLE");
    CHECK(auth.scope.region == "us-east-1");
    CHECK(auth.scope.service == "route53");
    for (const auto& h : auth.signed_headers) CHECK_MESSAGE(e["headers"].contains(h), "signed but not sent: " << h);
    fb::ddns::sigv4::Request req;
    req.method = e["method"];
    req.path = e["path"];
    req.query = e["query"];
    req.payload = e["body"];
    for (auto& [name, value] : e["headers"].items()) req.headers.emplace_back(name, value.get<std::string>());
    std::string amz_date = e["headers"]["x-amz-date"];
    std::string canonical = fb::ddns::sigv4::canonical_request(req, auth.signed_headers);
    std::string expected = fb::ddns::sigv4::signature(kAwsSecret, auth.scope,
                                                      fb::ddns::sigv4::string_to_sign(amz_date, auth.scope, canonical));
    CHECK(expected == auth.signature);
    // And a wrong key would not have produced it.
    CHECK(fb::ddns::sigv4::signature("not-the-key", auth.scope,
                                     fb::ddns::sigv4::string_to_sign(amz_date, auth.scope, canonical)) !=
          auth.signature);
  }
  const Json& upsert = server.requests()[1];
  MESSAGE("libcurl signed the UPSERT with: "
          << fb::ddns::sigv4::parse_authorization(upsert["headers"]["authorization"].get<std::string>())
                 .signed_headers.size()
          << " headers: " << upsert["headers"]["authorization"].get<std::string>().substr(0, 120));
  CHECK(upsert["path"] == "/2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset/");
  CHECK(upsert["message"] == "UPSERT www.example.com. A 127.0.0.1 ttl=60");
}

TEST_CASE_FIXTURE(
    Loopback, "secret files: group/other bits, symlinks, empty files refused with a hint; nothing secret in the log") {
  ClientSettings s = client_settings(server, dir, Provider::lambda_v3);

  s.secret_file = write_secret(dir, "open.secret", "SuP3R_5eCR3T\n", 0644);
  try {
    DdnsClient c(io, s);
    FAIL("a world-readable secret was accepted");
  } catch (const fb::ddns::SetupError& e) {
    CHECK(e.code() == "DDNS_SECRET_REFUSED");
    CHECK(std::string(e.what()).find("(mode 0644); run: chmod 600 " + s.secret_file) != std::string::npos);
    CHECK(std::string(e.what()).find(kSecret) == std::string::npos);
  }
  std::string link = dir / "link.secret";
  REQUIRE(::symlink(write_secret(dir, "real.secret", "x\n").c_str(), link.c_str()) == 0);
  s.secret_file = link;
  CHECK_THROWS_AS(DdnsClient(io, s), fb::ddns::SetupError);
  s.secret_file = write_secret(dir, "empty.secret", "\n");
  CHECK_THROWS_WITH_AS(DdnsClient(io, s), doctest::Contains("is empty"), fb::ddns::SetupError);
  s.secret_file = dir / "missing.secret";
  CHECK_THROWS_AS(DdnsClient(io, s), fb::ddns::SetupError);

  ClientSettings r53 = client_settings(server, dir, Provider::route53);
  ::chmod(r53.credentials_file.c_str(), 0640);
  CHECK_THROWS_WITH_AS(DdnsClient(io, r53), doctest::Contains("chmod 600"), fb::ddns::SetupError);

  // A full publish at debug level: neither the secret, the hash, the API key
  // nor the AWS secret key shows up in any log line or in describe().
  fb::test::LogCapture logs{fb::Level::debug};
  ClientSettings v2 = client_settings(server, dir, Provider::lambda_v2);
  v2.api_key_file = write_secret(dir, "apikey", "K3y-s3cr3t\n");
  DdnsClient client(io, v2);
  call(io, client);
  call(io, client, "127.0.0.1");
  ::chmod(r53.credentials_file.c_str(), 0600);
  DdnsClient aws(io, r53);
  call(io, aws, "127.0.0.1");
  std::string text = logs.text() + client.describe() + aws.describe();
  CHECK(text.find("ddns-http[www.example.com]: set 127.0.0.1: published") != std::string::npos);
  for (const char* secret :
       {kSecret, "K3y-s3cr3t", kAwsSecret, "0ea62806fa3b3fb047056e793bccbd64", "1133604d1e8e80ca9e4aeb2aa4735bfd"}) {
    CAPTURE(secret);
    CHECK(text.find(secret) == std::string::npos);
  }
  CHECK(client.describe().find("secret=******** api_key=********") != std::string::npos);
}

TEST_CASE_FIXTURE(Loopback, "one request at a time: a second get while busy is a caller bug") {
  DdnsClient client(io, client_settings(server, dir, Provider::lambda_v3));
  bool first = false;
  client.get([&](const Reply&) { first = true; });
  CHECK(client.busy());
  CHECK_THROWS_AS(client.get([](const Reply&) {}), std::logic_error);
  REQUIRE(fb::test::run_until(
      io, [&] { return first; }, 10s));
  // cancel() drops a request without calling back.
  bool called = false;
  client.get([&](const Reply&) { called = true; });
  client.cancel();
  CHECK_FALSE(client.busy());
  fb::test::run_for(io, 300ms);
  CHECK_FALSE(called);
}

TEST_CASE("the state file is replaced atomically and ignores other records") {
  TempDir dir;
  fb::ddns::StateFile state(dir / "ddns.json", Provider::lambda_v3, "www.example.com");
  CHECK_FALSE(state.load());
  CHECK(state.store(*fb::IpAddress::parse("203.0.113.7"), 1763700000).empty());
  REQUIRE(state.load());
  CHECK(state.load()->text() == "203.0.113.7");
  CHECK_FALSE(std::ifstream(dir / "ddns.json.tmp").good());  // no leftover
  CHECK(fb::test::read_file(dir / "ddns.json") ==
        "{\"address\":\"203.0.113.7\",\"families\":{\"ipv4\":{\"address\":\"203.0.113.7\",\"at\":1763700000}},"
        "\"hostname\":\"www.example.com\",\"provider\":\"lambda-v3\"}\n");
  CHECK_FALSE(fb::ddns::StateFile(dir / "ddns.json", Provider::lambda_v3, "other.example.com").load());
  CHECK_FALSE(fb::ddns::StateFile(dir / "ddns.json", Provider::route53, "www.example.com").load());
  fb::test::write_file(dir / "ddns.json", "{garbage");
  CHECK_FALSE(state.load());
  fb::ddns::StateFile nowhere("/nonexistent-dir/ddns.json", Provider::lambda_v3, "www.example.com");
  CHECK_FALSE(nowhere.store(*fb::IpAddress::parse("203.0.113.7")).empty());
}

TEST_CASE("the state file keeps one address per family, and a file from before families still loads") {
  TempDir dir;
  using fb::ddns::Family;
  fb::ddns::StateFile v4(dir / "ddns.json", Provider::route53, "www.example.com", Family::ipv4);
  fb::ddns::StateFile v6(dir / "ddns.json", Provider::route53, "www.example.com", Family::ipv6);
  // The single-address form an older failberryd wrote: its address is the A record's.
  fb::test::write_file(dir / "ddns.json",
                       "{\"address\":\"203.0.113.7\",\"hostname\":\"www.example.com\",\"provider\":\"route53\"}\n");
  REQUIRE(v4.load());
  CHECK(v4.load()->text() == "203.0.113.7");
  CHECK_FALSE(v6.load());
  // Storing the AAAA keeps the A entry, and "address" stays the A for an older reader.
  // The old file's A entry keeps the time it had then, the file's mtime.
  struct timespec old_mtime[2] = {{1763600000, 0}, {1763600000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (dir / "ddns.json").c_str(), old_mtime, 0) == 0);
  CHECK(v6.store(*fb::IpAddress::parse("2001:db8:2::2"), 1763700000).empty());
  CHECK(fb::test::read_file(dir / "ddns.json") ==
        "{\"address\":\"203.0.113.7\",\"families\":{\"ipv4\":{\"address\":\"203.0.113.7\",\"at\":1763600000},"
        "\"ipv6\":{\"address\":\"2001:db8:2::2\",\"at\":1763700000}},"
        "\"hostname\":\"www.example.com\",\"provider\":\"route53\"}\n");
  REQUIRE(v6.load());
  CHECK(v6.load()->text() == "2001:db8:2::2");
  CHECK(v4.load()->text() == "203.0.113.7");
  CHECK(v4.store(*fb::IpAddress::parse("203.0.113.8")).empty());
  CHECK(v4.load()->text() == "203.0.113.8");
  CHECK(v6.load()->text() == "2001:db8:2::2");
  // An entry of the wrong family, in either form, is no address of that family.
  fb::test::write_file(dir / "ddns.json",
                       "{\"families\":{\"ipv4\":\"2001:db8::1\",\"ipv6\":\"198.51.100.1\"},"
                       "\"hostname\":\"www.example.com\",\"provider\":\"route53\"}");
  CHECK_FALSE(v4.load());
  CHECK_FALSE(v6.load());
  fb::test::write_file(dir / "ddns.json",
                       "{\"address\":\"2001:db8::1\",\"hostname\":\"www.example.com\",\"provider\":\"route53\"}");
  CHECK_FALSE(v4.load());
  CHECK_FALSE(v6.load());
  // Another record's file is not ours to merge: the store replaces it.
  fb::test::write_file(dir / "ddns.json",
                       "{\"address\":\"198.51.100.1\",\"hostname\":\"other.example.com\",\"provider\":\"route53\"}");
  CHECK(v6.store(*fb::IpAddress::parse("2001:db8:2::3")).empty());
  CHECK_FALSE(v4.load());
  CHECK(v6.load()->text() == "2001:db8:2::3");
}

TEST_CASE("each family keeps the time it was published; an entry without one takes the file's mtime") {
  TempDir dir;
  using fb::ddns::Family;
  fb::ddns::StateFile v4(dir / "ddns.json", Provider::route53, "www.example.com", Family::ipv4);
  fb::ddns::StateFile v6(dir / "ddns.json", Provider::route53, "www.example.com", Family::ipv6);
  CHECK_FALSE(v4.load_entry());
  CHECK(v4.store(*fb::IpAddress::parse("203.0.113.7"), 1763600000).empty());
  CHECK(v6.store(*fb::IpAddress::parse("2001:db8:2::2"), 1763700000).empty());
  // The file's mtime is now, the later store: each family still has its own time.
  auto a = v4.load_entry();
  auto aaaa = v6.load_entry();
  REQUIRE(a);
  REQUIRE(aaaa);
  CHECK(a->address.text() == "203.0.113.7");
  CHECK(a->at == 1763600000);
  CHECK(aaaa->address.text() == "2001:db8:2::2");
  CHECK(aaaa->at == 1763700000);
  // Storing one family again keeps the other's time.
  CHECK(v6.store(*fb::IpAddress::parse("2001:db8:2::3"), 1763800000).empty());
  CHECK(v4.load_entry()->at == 1763600000);
  CHECK(v6.load_entry()->at == 1763800000);

  // Files from before the times: the address-only families entry and the
  // single-address form load with the file's mtime; a bad "at" is no time.
  struct timespec mtime[2] = {{1763500000, 0}, {1763500000, 0}};
  for (const char* body :
       {"{\"families\":{\"ipv4\":\"203.0.113.9\"},\"hostname\":\"www.example.com\",\"provider\":\"route53\"}",
        "{\"address\":\"203.0.113.9\",\"hostname\":\"www.example.com\",\"provider\":\"route53\"}",
        "{\"families\":{\"ipv4\":{\"address\":\"203.0.113.9\",\"at\":\"soon\"}},\"hostname\":\"www.example.com\","
        "\"provider\":\"route53\"}",
        "{\"families\":{\"ipv4\":{\"address\":\"203.0.113.9\",\"at\":-5}},\"hostname\":\"www.example.com\","
        "\"provider\":\"route53\"}"}) {
    CAPTURE(body);
    fb::test::write_file(dir / "ddns.json", body);
    REQUIRE(::utimensat(AT_FDCWD, (dir / "ddns.json").c_str(), mtime, 0) == 0);
    auto e = v4.load_entry();
    REQUIRE(e);
    CHECK(e->address.text() == "203.0.113.9");
    CHECK(e->at == 1763500000);
    CHECK_FALSE(v6.load_entry());
  }
  // An entry that is neither an address nor an object is no entry.
  fb::test::write_file(dir / "ddns.json",
                       "{\"families\":{\"ipv4\":7,\"ipv6\":{\"at\":1}},\"hostname\":\"www.example.com\","
                       "\"provider\":\"route53\"}");
  CHECK_FALSE(v4.load_entry());
  CHECK_FALSE(v6.load_entry());
}
