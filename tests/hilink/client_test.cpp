// HiLinkClient (libcurl multi on Asio) against fake_hilink_server.py on
// loopback: the readings, the session and its token (expiry → a new session
// and one retry), the login with password_type 4 that the fake checks itself,
// the data switch and the reboot, and every bad answer a stick can give —
// each a clear code, and the next request works again. No root needed.
#include <curl/curl.h>
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fake_stick.hpp"
#include "fb/hilink/client.hpp"
#include "io_wait.hpp"
#include "process.hpp"

using namespace std::chrono_literals;
using fb::hilink::ClientSettings;
using fb::hilink::Code;
using fb::hilink::HiLinkClient;
using fb::test::TempDir;
using Json = nlohmann::json;
namespace asio = boost::asio;
namespace hl = fb::hilink;

namespace {

using fb::hilink::test::check_code;
using fb::hilink::test::Rig;

struct FakeHiLink : fb::hilink::test::FakeStick {
  explicit FakeHiLink(std::vector<std::string> args = {})
      : FakeStick(FB_FAKE_HILINK_SERVER, fb::modem::RouterApi::huawei, std::move(args)) {}
};

}  // namespace

TEST_CASE("status, signal, plan and traffic over one session, in order") {
  FakeHiLink fake;
  Rig rig(fake);
  std::optional<hl::Result<hl::Status>> status;
  std::optional<hl::Result<hl::Signal>> signal;
  std::optional<hl::Result<hl::Plmn>> plmn;
  std::optional<hl::Result<hl::Traffic>> traffic;
  std::vector<std::string> order;
  rig.client->status([&](auto r) { status = r, order.push_back("status"); });
  rig.client->signal([&](auto r) { signal = r, order.push_back("signal"); });
  rig.client->plmn([&](auto r) { plmn = r, order.push_back("plmn"); });
  rig.client->traffic([&](auto r) { traffic = r, order.push_back("traffic"); });
  CHECK(rig.client->pending() == 4);
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return order.size() == 4; }, 15s));
  CHECK(order == std::vector<std::string>{"status", "signal", "plmn", "traffic"});
  CHECK(rig.client->pending() == 0);

  REQUIRE_MESSAGE(status->ok(), describe(*status));
  CHECK((*status)->connection == hl::Connection::connected);
  CHECK((*status)->rat() == "lte");
  CHECK((*status)->signal_icon == 4);
  CHECK((*status)->wan_ip->text() == "10.64.12.34");
  REQUIRE_MESSAGE(signal->ok(), describe(*signal));
  CHECK((*signal)->rsrp == hl::Level{-93, hl::Level::Bound::exact});
  CHECK((*signal)->rssi == hl::Level{-51, hl::Level::Bound::at_least});
  CHECK((*signal)->sinr->value == 12);
  CHECK((*signal)->band == 3);
  REQUIRE_MESSAGE(plmn->ok(), describe(*plmn));
  CHECK((*plmn)->numeric == "26201");
  REQUIRE_MESSAGE(traffic->ok(), describe(*traffic));
  CHECK((*traffic)->total_download == 9876543210u);

  Json st = fake.state();
  CHECK(st["sessions"] == 1);
  const auto& reqs = st["requests"];
  REQUIRE(reqs.size() == 5);
  CHECK(reqs[0]["path"] == "/api/webserver/SesTokInfo");
  CHECK(reqs[0]["cookie"] == "");  // no session yet
  std::string cookie = reqs[1]["cookie"];
  CHECK(cookie.rfind("SessionID=", 0) == 0);
  for (std::size_t i = 1; i < reqs.size(); ++i) {
    CHECK(reqs[i]["cookie"] == cookie);
    CHECK(reqs[i]["token"] != "");
  }
}

TEST_CASE("an expired session: a new one and one retry; a token refused twice is HILINK_TOKEN") {
  FakeHiLink fake;
  Rig rig(fake);
  REQUIRE(rig.status().ok());
  fake.control("/_control/expire");
  auto again = rig.status();
  REQUIRE_MESSAGE(again.ok(), describe(again));
  CHECK(fake.state()["sessions"] == 2);
  CHECK(fake.count("/api/monitoring/status") == 3);  // ok, 125003, retried ok

  // 125002 once: refreshed and retried, the caller never sees it.
  fake.fault("token", 1);
  auto once = rig.status();
  REQUIRE_MESSAGE(once.ok(), describe(once));
  CHECK(fake.state()["sessions"] == 3);

  // 125002 every time: exactly one retry, then the code.
  fake.fault("token", 0);
  int before = fake.count("/api/monitoring/status");
  check_code(rig.status(), Code::token, "API error 125002");
  CHECK(fake.count("/api/monitoring/status") == before + 2);
  CHECK(fake.state()["sessions"] == 4);
}

TEST_CASE("data switch and reboot on a stick without a password, tokens passed on") {
  FakeHiLink fake;
  Rig rig(fake);
  auto off = rig.set_data(false);
  REQUIRE_MESSAGE(off.ok(), describe(off));
  CHECK(fake.state()["dataswitch"] == 0);
  auto on = rig.set_data(true);
  REQUIRE_MESSAGE(on.ok(), describe(on));
  CHECK(fake.state()["dataswitch"] == 1);
  auto boot = rig.reboot();
  REQUIRE_MESSAGE(boot.ok(), describe(boot));
  Json st = fake.state();
  CHECK(st["reboots"] == 1);
  // The fake uses each POST token up: one session throughout means every
  // POST carried the token the previous reply handed out (no recovery).
  CHECK(st["sessions"] == 1);
  std::vector<std::string> bodies;
  for (const auto& r : st["requests"])
    if (r["method"] == "POST") bodies.push_back(r["body"]);
  REQUIRE(bodies.size() == 3);
  CHECK(bodies[0].find("<dataswitch>0</dataswitch>") != std::string::npos);
  CHECK(bodies[1].find("<dataswitch>1</dataswitch>") != std::string::npos);
  CHECK(bodies[2].find("<Control>1</Control>") != std::string::npos);
}

TEST_CASE("login with password_type 4, checked by the fake, when a request needs it") {
  FakeHiLink fake({"--password", "s3cret!"});
  Rig rig(fake, "s3cret!");
  REQUIRE(rig.status().ok());  // readings need no login
  CHECK(fake.state()["logins"] == 0);
  auto off = rig.set_data(false);
  REQUIRE_MESSAGE(off.ok(), describe(off));
  Json st = fake.state();
  CHECK(st["logins"] == 1);
  CHECK(st["failed_logins"] == 0);
  CHECK(st["dataswitch"] == 0);
  auto boot = rig.reboot();  // the logged-in session (its new cookie) carries on
  REQUIRE_MESSAGE(boot.ok(), describe(boot));
  CHECK(fake.state()["logins"] == 1);
  CHECK(fake.state()["reboots"] == 1);
}

TEST_CASE("login with password_type 0") {
  FakeHiLink fake({"--password", "plain pw", "--password-type", "0"});
  Rig rig(fake, "plain pw");
  auto r = rig.reboot();
  REQUIRE_MESSAGE(r.ok(), describe(r));
  CHECK(fake.state()["logins"] == 1);
}

TEST_CASE("a wrong password, no password, and a locked-out stick") {
  FakeHiLink fake({"--password", "s3cret!"});
  {
    Rig wrong(fake, "guess");
    check_code(wrong.set_data(false), Code::bad_password, "API error 108006");
    CHECK(fake.state()["failed_logins"] == 1);
    CHECK(fake.state()["dataswitch"] == 1);
  }
  {
    Rig none(fake);  // no password file: the 100003 is the answer
    check_code(none.reboot(), Code::needs_login, "API error 100003");
    CHECK(fake.state()["reboots"] == 0);
  }
  {
    Rig wrong(fake, "guess");
    check_code(wrong.set_data(false), Code::bad_password, "108006");
    check_code(wrong.set_data(false), Code::bad_password, "108006");
    check_code(wrong.set_data(false), Code::too_many_attempts, "API error 108007");
  }
}

TEST_CASE("firmware without SesTokInfo: webserver/token and the cookie it sets") {
  FakeHiLink fake({"--no-sestokinfo"});
  Rig rig(fake);
  auto s = rig.status();
  REQUIRE_MESSAGE(s.ok(), describe(s));
  CHECK(fake.count("/api/webserver/token") == 1);
  auto off = rig.set_data(false);
  REQUIRE_MESSAGE(off.ok(), describe(off));
  CHECK(fake.state()["dataswitch"] == 0);
}

TEST_CASE("bad answers are clear codes, and the next request works") {
  FakeHiLink fake;
  Rig rig(fake, "", 1500ms);
  REQUIRE(rig.status().ok());

  struct Case {
    const char* fault;
    Code code;
    const char* words;
  };
  const Case cases[] = {
      {"bad_xml", Code::bad_reply, "GET /api/monitoring/status: </Connection is not closed by '>'"},
      {"html", Code::bad_reply, "an HTML page"},
      {"http500", Code::http, "GET /api/monitoring/status: HTTP 500"},
      {"redirect", Code::http, "HTTP 302 (redirect to /html/index.html)"},
      {"busy", Code::busy, "API error 100004"},
      {"oversized", Code::bad_reply, "larger than 65536 bytes"},
  };
  for (const auto& c : cases) {
    INFO(c.fault);
    fake.fault(c.fault);
    check_code(rig.status(), c.code, c.words);
  }
  fake.fault("html");
  check_code(rig.set_data(false), Code::bad_reply, "POST /api/dialup/mobile-dataswitch: an HTML page");

  fake.fault("hang");
  auto started = std::chrono::steady_clock::now();
  check_code(rig.status(), Code::timeout, "no answer within 1500 ms");
  CHECK(std::chrono::steady_clock::now() - started < 10s);

  auto fine = rig.status();
  REQUIRE_MESSAGE(fine.ok(), describe(fine));
}

TEST_CASE("no stick at the address: HILINK_UNREACHABLE") {
  asio::io_context io;
  ClientSettings s;
  s.base_url = "http://127.0.0.1:" + std::to_string(fb::test::free_tcp_port());
  auto client = HiLinkClient::create(io, s);
  REQUIRE(client.ok());
  std::optional<hl::Result<hl::Signal>> r;
  (*client)->signal([&](auto x) { r = x; });
  REQUIRE(fb::test::run_until(
      io, [&] { return r.has_value(); }, 15s));
  check_code(*r, Code::unreachable, "GET /api/webserver/SesTokInfo");
}

TEST_CASE("settings the client refuses") {
  asio::io_context io;
  TempDir dir;
  auto with = [&](auto change) {
    ClientSettings s;
    change(s);
    return HiLinkClient::create(io, s);
  };
  check_code(with([](ClientSettings& s) { s.base_url = "ftp://192.168.8.1"; }), Code::config, "base_url");
  check_code(with([](ClientSettings& s) { s.base_url = "http://192.168.8.1/api"; }), Code::config, "base_url");
  check_code(with([](ClientSettings& s) { s.base_url = "http://"; }), Code::config, "base_url");
  check_code(with([](ClientSettings& s) { s.request_timeout = 0ms; }), Code::config, "timeouts");
  check_code(with([](ClientSettings& s) { s.username = "ad min"; }), Code::config, "username");
  check_code(with([&](ClientSettings& s) { s.password_file = dir / "missing"; }), Code::secret_refused,
             "password_file");
  fb::test::write_file(dir / "open", "pw\n", 0644);
  check_code(with([&](ClientSettings& s) { s.password_file = dir / "open"; }), Code::secret_refused, "chmod 600");
  fb::test::write_file(dir / "two", "pw\nmore\n", 0600);
  check_code(with([&](ClientSettings& s) { s.password_file = dir / "two"; }), Code::secret_refused,
             "more than one line");
  fb::test::write_file(dir / "empty", "\n", 0600);
  check_code(with([&](ClientSettings& s) { s.password_file = dir / "empty"; }), Code::secret_refused, "empty");

  fb::test::write_file(dir / "good", "pw\n", 0600);
  auto good = with([&](ClientSettings& s) {
    s.base_url = "http://192.168.8.1/";
    s.password_file = dir / "good";
  });
  REQUIRE(good.ok());
  CHECK((*good)->settings().base_url == "http://192.168.8.1");
  CHECK((*good)->describe() ==
        "api=huawei base_url=http://192.168.8.1 user=admin password=******** interface=(routing)");
}

TEST_CASE("destroying the client mid-request: no callback, nothing left running") {
  FakeHiLink fake;
  Rig rig(fake);
  REQUIRE(rig.status().ok());
  fake.fault("hang");
  bool called = false;
  rig.client->status([&](auto) { called = true; });
  rig.client->signal([&](auto) { called = true; });
  fb::test::run_until(
      rig.io, [&] { return fake.count("/api/monitoring/status") == 2; }, 5s);
  rig.client.reset();
  fb::test::run_for(rig.io, 300ms);
  CHECK_FALSE(called);
}
