// fb::Event and its pure renderings: the log line, the journal's fields, a
// hook's environment; odd bytes cleaned in each.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "fb/event.hpp"

using namespace std::chrono_literals;

namespace {

fb::Event failover() {
  fb::Event e;
  e.kind = fb::EventKind::failover;
  e.time = std::chrono::system_clock::time_point(1796551356123ms);  // 2026-12-06T10:02:36.123Z
  e.uplink = "lte";
  e.from = "wired";
  e.to = "lte";
  e.reason = "CARRIER_LOST";
  e.duration = 5000ms;
  e.message = "default route wired -> lte";
  return e;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("every kind has a name that parses back; unknown words are refused") {
  for (int i = 0; i < static_cast<int>(fb::EventKind::count_); ++i) {
    auto kind = static_cast<fb::EventKind>(i);
    CHECK(fb::event_name(kind) != "?");
    CHECK(fb::parse_event_kind(fb::event_name(kind)) == kind);
  }
  CHECK(fb::event_name(fb::EventKind::route_switch) == "switch");
  CHECK_FALSE(fb::parse_event_kind("budget_warn"));
  CHECK(fb::event_level(fb::EventKind::failover) == fb::Level::warning);
  CHECK(fb::event_level(fb::EventKind::failback) == fb::Level::notice);
}

TEST_CASE("time: UTC, ISO 8601 with milliseconds; none is empty") {
  CHECK(fb::format_event_time(failover().time) == "2026-12-06T10:02:36.123Z");
  CHECK(fb::format_event_time(std::chrono::system_clock::time_point(-1ms)) == "1969-12-31T23:59:59.999Z");
  CHECK(fb::format_event_time(std::nullopt) == "");
}

TEST_CASE("the log line: kind, non-empty fields, then the message") {
  CHECK(fb::event_line(failover()) ==
        "failover uplink=lte from=wired to=lte reason=CARRIER_LOST duration_ms=5000: default route wired -> lte");
  fb::Event bare;
  bare.kind = fb::EventKind::config_reloaded;
  CHECK(fb::event_line(bare) == "config_reloaded");
  bare.reason = "a b\"c";
  CHECK(fb::event_line(bare) == "config_reloaded reason=\"a b\\\"c\"");
}

TEST_CASE("the journal: MESSAGE, PRIORITY, then the non-empty FB_* fields") {
  std::vector<std::string> j = fb::journal_fields(failover());
  REQUIRE(j.size() == 2 + 8);  // every field but FB_ADDRESS
  CHECK(j[0] == "MESSAGE=" + fb::event_line(failover()));
  CHECK(j[1] == "PRIORITY=4");
  CHECK(has(j, "FB_EVENT=failover"));
  CHECK(has(j, "FB_TIME=2026-12-06T10:02:36.123Z"));
  CHECK(has(j, "FB_UPLINK=lte"));
  CHECK(has(j, "FB_FROM=wired"));
  CHECK(has(j, "FB_TO=lte"));
  CHECK(has(j, "FB_REASON=CARRIER_LOST"));
  CHECK(has(j, "FB_DURATION_MS=5000"));
  CHECK(has(j, "FB_MESSAGE=default route wired -> lte"));
  CHECK_FALSE(std::any_of(j.begin(), j.end(), [](const std::string& f) { return f.rfind("FB_ADDRESS=", 0) == 0; }));
}

TEST_CASE("a hook's environment: PATH, every FB_* variable (empty when it does not apply), FB_DRY_RUN") {
  std::vector<std::string> env = fb::hook_environment(failover(), false);
  CHECK(env == std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                        "FB_EVENT=failover", "FB_TIME=2026-12-06T10:02:36.123Z", "FB_UPLINK=lte",
                                        "FB_FROM=wired", "FB_TO=lte", "FB_REASON=CARRIER_LOST",
                                        "FB_ADDRESS=", "FB_DURATION_MS=5000", "FB_MESSAGE=default route wired -> lte",
                                        "FB_DRY_RUN=0"});
  fb::Event none;
  none.kind = fb::EventKind::ddns_published;
  none.address = "192.0.2.7";
  std::vector<std::string> dry = fb::hook_environment(none, true);
  CHECK(has(dry, "FB_ADDRESS=192.0.2.7"));
  CHECK(has(dry, "FB_DURATION_MS="));
  CHECK(has(dry, "FB_TIME="));
  CHECK(dry.back() == "FB_DRY_RUN=1");
}

TEST_CASE("values from outside are cleaned: no line ends, valid UTF-8, bounded") {
  fb::Event e;
  e.kind = fb::EventKind::modem_error;
  e.reason = "AT_ERROR\nFB_EVENT=failback";
  e.message = std::string("bad \xff byte\r\nsecond line\x01") + std::string(300, 'x');
  e.uplink = std::string(100, 'u');
  std::vector<std::string> env = fb::hook_environment(e, false);
  for (const std::string& v : env) {
    CHECK(v.find('\n') == std::string::npos);
    CHECK(v.find('\r') == std::string::npos);
    CHECK(v.find('\x01') == std::string::npos);
  }
  CHECK(has(env, "FB_REASON=AT_ERROR FB_EVENT=failback"));  // one variable, never two
  CHECK(std::count_if(env.begin(), env.end(), [](const std::string& v) { return v.rfind("FB_EVENT=", 0) == 0; }) == 1);
  std::string message = env[9];
  CHECK(message.rfind("FB_MESSAGE=bad \xEF\xBF\xBD byte  second line ", 0) == 0);
  CHECK(message.size() <= std::string("FB_MESSAGE=").size() + 200 + 3);
  CHECK(message.substr(message.size() - 3) == "...");
  CHECK(env[3].size() <= std::string("FB_UPLINK=").size() + 64 + 3);
  std::string line = fb::event_line(e);
  CHECK(line.find('\n') == std::string::npos);
  for (const std::string& f : fb::journal_fields(e)) CHECK(f.find('\n') == std::string::npos);
}

TEST_CASE("publish() goes to the one sink, and nowhere without one") {
  std::vector<fb::Event> got;
  fb::events::publish(failover());  // no sink: nothing happens
  fb::events::set_sink([&](fb::Event e) { got.push_back(std::move(e)); });
  fb::events::publish(failover());
  fb::events::set_sink(nullptr);
  fb::events::publish(failover());
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == fb::EventKind::failover);
  CHECK(got[0].from == "wired");
}
