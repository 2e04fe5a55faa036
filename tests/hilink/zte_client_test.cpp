// HiLinkClient's ZTE dialect (goform JSON, libcurl multi on Asio) against
// fake_zte_server.py on loopback: the readings, the Referer the stick
// checks, the data switch and the reboot, the base64 LOGIN (and a wrong
// password, and newer firmware's salted login it does not speak), and every
// bad answer — each a clear code, and the next request works again. No root
// needed.
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

struct FakeZte : fb::hilink::test::FakeStick {
  explicit FakeZte(std::vector<std::string> args = {})
      : FakeStick(FB_FAKE_ZTE_SERVER, fb::modem::RouterApi::zte, std::move(args)) {}
};

}  // namespace

TEST_CASE("zte: status, signal, operator and traffic, each with the Referer the stick checks") {
  FakeZte fake;
  Rig rig(fake);
  auto st = rig.status();
  REQUIRE_MESSAGE(st.ok(), describe(st));
  CHECK(st->connection == hl::Connection::connected);
  CHECK(st->connection_printed() == "ppp_status ppp_connected");
  CHECK(st->rat() == "lte");
  CHECK(st->signal_icon == 4);
  CHECK(st->sim_status == 1);
  CHECK(st->service_status == 2);
  CHECK(st->roaming_status == 0);
  REQUIRE(st->wan_ip);
  CHECK(st->wan_ip->text() == "10.64.12.34");

  auto sig = rig.signal();
  REQUIRE_MESSAGE(sig.ok(), describe(sig));
  REQUIRE(sig->rsrp);
  CHECK(sig->rsrp->value == -95);
  CHECK(sig->rsrq->value == -10);
  CHECK(sig->sinr->value == 12);
  CHECK(sig->rssi->value == -71);
  CHECK_FALSE(sig->rscp);  // "" is unknown, never 0
  CHECK(sig->band == 3);
  CHECK(sig->mode == 7);

  auto op = rig.plmn();
  REQUIRE_MESSAGE(op.ok(), describe(op));
  CHECK(op->full_name == "Telekom.de");
  CHECK(op->numeric == "26201");
  CHECK(op->rat == 7);

  auto tr = rig.traffic();
  REQUIRE_MESSAGE(tr.ok(), describe(tr));
  CHECK(tr->current_download == 1116739479u);
  CHECK(tr->current_upload == 99545339u);
  CHECK(tr->current_connect_time == 63821u);

  Json st_json = fake.state();
  REQUIRE(st_json["requests"].size() == 4);
  for (const auto& r : st_json["requests"]) {
    CHECK(r["method"] == "GET");
    CHECK(r["referer"] == fake.base_url() + "/index.html");
    std::string path = r["path"];
    CHECK(path.rfind("/goform/goform_get_cmd_process?isTest=false&multi_data=1&cmd=", 0) == 0);
  }
}

TEST_CASE("zte: data off and on, and the reboot, through goform_set_cmd_process") {
  FakeZte fake;
  Rig rig(fake);
  auto off = rig.set_data(false);
  REQUIRE_MESSAGE(off.ok(), describe(off));
  CHECK(fake.state()["dataswitch"] == 0);
  auto st = rig.status();
  REQUIRE(st.ok());
  CHECK(st->connection == hl::Connection::disconnected);
  CHECK_FALSE(st->wan_ip);  // blank while disconnected

  auto on = rig.set_data(true);
  REQUIRE_MESSAGE(on.ok(), describe(on));
  CHECK(fake.state()["dataswitch"] == 1);

  auto rb = rig.reboot();
  REQUIRE_MESSAGE(rb.ok(), describe(rb));
  Json s = fake.state();
  CHECK(s["reboots"] == 1);
  std::vector<std::string> bodies;
  for (const auto& r : s["requests"])
    if (r["method"] == "POST") bodies.push_back(r["body"]);
  CHECK(bodies == std::vector<std::string>{"isTest=false&goformId=DISCONNECT_NETWORK",
                                           "isTest=false&goformId=CONNECT_NETWORK",
                                           "isTest=false&goformId=REBOOT_DEVICE"});
}

TEST_CASE("zte: a stick with a password: a reading behind the login logs in (base64) and is asked again") {
  FakeZte fake({"--password", "s3cret+/="});
  Rig rig(fake, "s3cret+/=");
  auto st = rig.status();  // before the login only modem_main_state and loginfo are readable
  REQUIRE_MESSAGE(st.ok(), describe(st));
  CHECK(st->connection == hl::Connection::connected);
  CHECK(st->signal_icon == 4);
  Json s = fake.state();
  CHECK(s["logins"] == 1);
  bool sent_base64 = false;
  for (const auto& r : s["requests"])  // base64("s3cret+/=") = czNjcmV0Ky89, form-escaped
    sent_base64 |= r["body"] == "isTest=false&goformId=LOGIN&password=czNjcmV0Ky89";
  CHECK(sent_base64);

  auto off = rig.set_data(false);  // the session holds: no second login
  REQUIRE_MESSAGE(off.ok(), describe(off));
  CHECK(fake.state()["logins"] == 1);
  CHECK(fake.state()["dataswitch"] == 0);
}

TEST_CASE("zte: a switch refused after the stick forgot the login (a reboot) logs in again") {
  FakeZte fake({"--password", "pw"});
  Rig rig(fake, "pw");
  REQUIRE(rig.status().ok());
  REQUIRE(rig.reboot().ok());  // the fake forgets the login on a reboot
  auto on = rig.set_data(true);
  REQUIRE_MESSAGE(on.ok(), describe(on));
  CHECK(fake.state()["logins"] == 2);
}

TEST_CASE("zte: a wrong password is HILINK_BAD_PASSWORD, tried once per request") {
  FakeZte fake({"--password", "right"});
  Rig rig(fake, "wrong");
  check_code(rig.set_data(true), Code::bad_password, "LOGIN result 3");
  CHECK(fake.state()["failed_logins"] == 1);
}

TEST_CASE("zte: newer firmware's salted SHA-256 login is refused by name, no password sent") {
  FakeZte fake({"--password", "pw", "--sha-login"});
  Rig rig(fake, "pw");
  check_code(rig.set_data(true), Code::login_unsupported, "SHA-256");
  Json s = fake.state();
  CHECK(s["failed_logins"] == 0);
  for (const auto& r : s["requests"]) CHECK(std::string(r["body"]).find("LOGIN") == std::string::npos);
}

TEST_CASE("zte: an LD request that fails sends no LOGIN: the failure is the answer") {
  FakeZte fake({"--password", "pw"});
  Rig rig(fake, "pw", 1500ms);
  SUBCASE("HTTP 500") {
    fake.control("/_control/ld_fault?name=http500");
    check_code(rig.set_data(true), Code::http, "cmd=LD: HTTP 500");
  }
  SUBCASE("no answer") {
    fake.control("/_control/ld_fault?name=hang");
    check_code(rig.set_data(true), Code::timeout, "no answer within 1500 ms");
  }
  Json s = fake.state();
  CHECK(s["logins"] == 0);
  CHECK(s["failed_logins"] == 0);
  bool asked_ld = false;
  for (const auto& r : s["requests"]) {
    CHECK(std::string(r["body"]).find("LOGIN") == std::string::npos);
    asked_ld |= std::string(r["path"]).find("cmd=LD") != std::string::npos;
  }
  CHECK(asked_ld);
  CHECK(s["dataswitch"] == 1);  // untouched: the switch was refused, not retried
}

TEST_CASE("zte: an unreadable LD answer is older firmware: the base64 LOGIN goes ahead") {
  FakeZte fake({"--password", "pw"});
  Rig rig(fake, "pw");
  fake.control("/_control/ld_fault?name=html");
  auto off = rig.set_data(false);
  REQUIRE_MESSAGE(off.ok(), describe(off));
  CHECK(fake.state()["logins"] == 1);
  CHECK(fake.state()["dataswitch"] == 0);
}

TEST_CASE("zte: without a password file, a stick behind a login reads blank and refuses switches; no login") {
  FakeZte fake({"--password", "pw"});
  Rig rig(fake);
  auto st = rig.status();
  REQUIRE_MESSAGE(st.ok(), describe(st));
  CHECK(st->connection == hl::Connection::other);  // ppp_status blank: unknown
  CHECK_FALSE(st->signal_icon);
  CHECK(st->sim_status == 1);  // modem_main_state is readable before a login
  check_code(rig.set_data(true), Code::api_error, "result 'failure'");
  CHECK(fake.state()["logins"] == 0);
}

TEST_CASE("zte: bad answers are clear codes, and the next request works") {
  FakeZte fake;
  Rig rig(fake, "", 1500ms);
  SUBCASE("an HTML page") {
    fake.fault("html");
    check_code(rig.status(), Code::bad_reply, "HTML page");
  }
  SUBCASE("bad JSON") {
    fake.fault("bad_json");
    check_code(rig.status(), Code::bad_reply, "not JSON");
  }
  SUBCASE("a JSON array") {
    fake.fault("array");
    check_code(rig.status(), Code::bad_reply, "array where an object belongs");
  }
  SUBCASE("a field missing") {
    fake.fault("missing");
    check_code(rig.status(), Code::bad_reply, "no ppp_status");
  }
  SUBCASE("every field blank, as without the Referer") {
    fake.fault("blank");
    check_code(rig.status(), Code::bad_reply, "Referer");
  }
  SUBCASE("HTTP 500") {
    fake.fault("http500");
    check_code(rig.status(), Code::http, "HTTP 500");
  }
  SUBCASE("an oversized body") {
    fake.fault("oversized");
    check_code(rig.status(), Code::bad_reply, "larger than");
  }
  SUBCASE("no answer") {
    fake.fault("hang");
    check_code(rig.status(), Code::timeout, "no answer within 1500 ms");
  }
  SUBCASE("a switch refused") {
    fake.fault("failure");
    check_code(rig.set_data(true), Code::api_error, "result 'failure'");
  }
  auto again = rig.status();
  REQUIRE_MESSAGE(again.ok(), describe(again));
  CHECK(again->connection == hl::Connection::connected);
}

TEST_CASE("zte: nothing listening is HILINK_UNREACHABLE") {
  asio::io_context io;
  ClientSettings s;
  s.api = fb::modem::RouterApi::zte;
  s.base_url = "http://127.0.0.1:9";
  s.request_timeout = 2000ms;
  auto made = HiLinkClient::create(io, s);
  REQUIRE(made.ok());
  std::optional<hl::Result<hl::Status>> r;
  (*made)->status([&](hl::Result<hl::Status> x) { r = std::move(x); });
  REQUIRE(fb::test::run_until(
      io, [&] { return r.has_value(); }, 10s));
  check_code(*r, Code::unreachable, "GET goform status");
  CHECK((*made)->describe().find("api=zte") == 0);
}
