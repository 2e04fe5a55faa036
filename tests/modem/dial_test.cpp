// Dialing, the pure part: the commands a plan becomes and what the dial
// command's final result means.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "fb/modem/dial.hpp"

using namespace fb::modem;
using fb::at::classify_final;

TEST_CASE("dial plan: the commands") {
  DialPlan plan;
  plan.apn = "internet.example";
  auto c = dial_commands(plan);
  REQUIRE(c);
  CHECK(c->define_context == "AT+CGDCONT=1,\"IP\",\"internet.example\"");
  CHECK(c->dial == "ATD*99#");
  plan.cid = 3;
  plan.pdp_type = PdpType::ipv4v6;
  plan.dial = "ATD*99***3#";
  c = dial_commands(plan);
  REQUIRE(c);
  CHECK(c->define_context == "AT+CGDCONT=3,\"IPV4V6\",\"internet.example\"");
  CHECK(c->dial == "ATD*99***3#");
}

TEST_CASE("dial plan: what cannot be sent is refused, not fixed") {
  auto refused = [](DialPlan plan) {
    auto c = dial_commands(plan);
    return !c && c.code() == Code::bad_dial_settings;
  };
  DialPlan ok;
  ok.apn = "web";
  CHECK_FALSE(refused(ok));
  for (const char* apn : {"", "we\"b", "web;+CFUN=0", "we\rb",
                          "w\xc3\xa9"
                          "b"}) {
    DialPlan p = ok;
    p.apn = apn;
    CHECK_MESSAGE(refused(p), apn);
  }
  DialPlan p = ok;
  p.apn = std::string(101, 'a');
  CHECK(refused(p));
  for (const char* dial : {"", "ATZ", "AT+CFUN=1,1", "ATD*99#;+CFUN=0", "ATD\r"}) {
    p = ok;
    p.dial = dial;
    CHECK_MESSAGE(refused(p), dial);
  }
  CHECK(parse_pdp_type("PPP").code() == Code::bad_dial_settings);  // the one way a PDP type comes from text
  p = ok;
  p.cid = 0;
  CHECK(refused(p));
}

TEST_CASE("PDP type: a typed value with the +CGDCONT words, anything else refused") {
  struct Row {
    const char* text;
    std::optional<PdpType> type;
  };
  for (auto row :
       {Row{"IP", PdpType::ip}, Row{"IPV6", PdpType::ipv6}, Row{"IPV4V6", PdpType::ipv4v6}, Row{"ip", PdpType::ip},
        Row{"Ipv4v6", PdpType::ipv4v6}, Row{"PPP", std::nullopt}, Row{"IPV4", std::nullopt}, Row{"", std::nullopt},
        Row{"IP ", std::nullopt}, Row{"IP\";+CFUN=0", std::nullopt}, Row{"IPV4V6IPV4V6IPV4V6", std::nullopt}}) {
    CAPTURE(row.text);
    auto t = parse_pdp_type(row.text);
    REQUIRE(t.ok() == row.type.has_value());
    if (t)
      CHECK(*t == *row.type);
    else
      CHECK(t.code() == Code::bad_dial_settings);
  }
  for (auto type : {PdpType::ip, PdpType::ipv6, PdpType::ipv4v6}) {
    CAPTURE(cgdcont_text(type));
    CHECK(parse_pdp_type(cgdcont_text(type)).value() == type);  // round trip
    DialPlan plan;
    plan.apn = "internet";
    plan.pdp_type = type;
    auto c = dial_commands(plan);
    REQUIRE(c);
    CHECK(c->define_context == "AT+CGDCONT=1,\"" + std::string(cgdcont_text(type)) + "\",\"internet\"");
  }
}

TEST_CASE("dial outcome: CONNECT and every way a dial fails") {
  struct Row {
    const char* line;
    bool connected;
    Code code;
  };
  for (auto row : {Row{"CONNECT", true, Code::no_modem}, Row{"CONNECT 7200000", true, Code::no_modem},
                   Row{"NO CARRIER", false, Code::no_carrier}, Row{"BUSY", false, Code::busy},
                   Row{"NO DIALTONE", false, Code::no_dialtone}, Row{"NO DIAL TONE", false, Code::no_dialtone},
                   Row{"NO ANSWER", false, Code::no_answer}, Row{"ERROR", false, Code::at_error},
                   Row{"+CME ERROR: 30", false, Code::no_network}, Row{"+CME ERROR: 133", false, Code::pdp_rejected},
                   Row{"+CME ERROR: 149", false, Code::pdp_auth_failed}, Row{"+CME ERROR: 3", false, Code::not_allowed},
                   Row{"OK", false, Code::at_bad_response}}) {
    CAPTURE(row.line);
    auto final = classify_final(row.line);
    REQUIRE(final);
    auto outcome = dial_outcome(*final);
    CHECK(outcome.ok() == row.connected);
    if (!row.connected) {
      CHECK(outcome.code() == row.code);
      CHECK(outcome.error().detail.find(row.line) != std::string::npos);
    }
  }
  auto connect = classify_final("CONNECT 7200000");
  REQUIRE(connect);
  CHECK(dial_outcome(*connect).value().find("7200000") != std::string::npos);
}
