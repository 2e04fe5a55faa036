// Carrier-grade NAT detection and the publish decision (fb/core/cgnat.hpp) as
// tables, and DdnsScheduler withholding a record behind it, in virtual time.
#include <doctest/doctest.h>

#include "fb/core/cgnat.hpp"

using fb::IpAddress;
using fb::core::detect_nat;
using fb::core::nat_sentence;
using fb::core::publish_decision;

namespace {

std::optional<IpAddress> ip(const char* text) {
  if (!text) return std::nullopt;
  auto a = IpAddress::parse(text);
  REQUIRE(a);
  return a;
}

}  // namespace

TEST_CASE("detect_nat: the address, the uplink's kind and what the DDNS server saw") {
  struct Row {
    const char* address;
    bool modem_link;
    const char* seen;
    bool behind;
    const char* range;
  };
  // clang-format off
  const Row rows[] = {
      {"100.72.1.9",    false, nullptr,         true,  "100.64.0.0/10"},   // RFC 6598 on any uplink
      {"100.72.1.9",    true,  nullptr,         true,  "100.64.0.0/10"},
      {"100.64.0.0",    false, nullptr,         true,  "100.64.0.0/10"},   // first of the range
      {"100.127.255.254", true, nullptr,        true,  "100.64.0.0/10"},   // last host of the range
      {"100.63.255.255", true, nullptr,         false, ""},                // just below
      {"100.128.0.1",   true,  nullptr,         false, ""},                // just above
      {"10.64.0.2",     true,  nullptr,         true,  "10.0.0.0/8"},      // RFC 1918 on a modem uplink
      {"172.20.3.4",    true,  nullptr,         true,  "172.16.0.0/12"},
      {"172.32.0.1",    true,  nullptr,         false, ""},                // outside 172.16/12
      {"192.168.8.100", true,  nullptr,         true,  "192.168.0.0/16"},
      {"192.168.1.2",   false, nullptr,         false, ""},                // a router's LAN on Ethernet
      {"10.0.0.5",      false, "203.0.113.9",   false, ""},                // the router's NAT, not the carrier's
      {"203.0.113.7",   true,  nullptr,         false, ""},                // a public address
      {"203.0.113.7",   true,  "198.51.100.4",  false, ""},                // public: not carrier NAT
      {"100.72.1.9",    true,  "203.0.113.5",   true,  "100.64.0.0/10"},   // confirmed: the server saw another
      {"10.64.0.2",     true,  "10.64.0.2",     false, ""},                // the server reached this very address
      {"100.72.1.9",    true,  "100.72.1.9",    false, ""},
      {"2001:db8::1",   true,  nullptr,         false, ""},                // IPv6: nothing to say
      {nullptr,         true,  "203.0.113.5",   false, ""},                // no address yet
  };
  // clang-format on
  for (const Row& r : rows) {
    CAPTURE(r.address ? r.address : "(none)");
    CAPTURE(r.modem_link);
    CAPTURE(r.seen ? r.seen : "(none)");
    auto f = detect_nat(ip(r.address), r.modem_link, ip(r.seen));
    CHECK(f.behind == r.behind);
    CHECK(f.range == r.range);
    if (r.behind) {
      CHECK(f.address.text() == r.address);
      CHECK(f.seen.has_value() == (r.seen != nullptr));
    }
  }
}

TEST_CASE("nat_sentence says it in words, with the seen address and the way out") {
  auto f = detect_nat(ip("100.72.1.9"), true);
  CHECK(nat_sentence("cell", f, false) ==
        "uplink cell is behind carrier-grade NAT (100.72.1.9): Route53 health checks cannot reach it; use [health] "
        "heartbeat = cloudwatch");
  auto seen = detect_nat(ip("100.72.1.9"), true, ip("203.0.113.5"));
  CHECK(nat_sentence("cell", seen, true) ==
        "uplink cell is behind carrier-grade NAT (100.72.1.9; the DDNS server saw 203.0.113.5): Route53 health "
        "checks cannot reach it; the [health] heartbeat to CloudWatch stands in for them");
  CHECK(nat_sentence("wired", detect_nat(ip("198.51.100.2"), false), false).empty());
}

TEST_CASE("publish_decision: withheld behind carrier NAT unless publish_behind_nat") {
  struct Row {
    const char* address;
    bool modem_link;
    bool publish_behind_nat;
    bool publish;
    const char* code;
    const char* detail_has;
  };
  // clang-format off
  const Row rows[] = {
      {"203.0.113.7", true,  false, true,  "",                "" },
      {"203.0.113.7", true,  true,  true,  "",                "" },
      {"100.72.1.9",  false, false, false, "DDNS_BEHIND_NAT", "not published: uplink cell is behind carrier-grade NAT (100.72.1.9 is in 100.64.0.0/10)"},
      {"100.72.1.9",  false, true,  true,  "",                "published anyway ([ddns] publish_behind_nat = yes)"},
      {"10.64.0.2",   true,  false, false, "DDNS_BEHIND_NAT", "set [ddns] publish_behind_nat = yes to publish it anyway"},
      {"10.64.0.2",   false, false, true,  "",                "" },
  };
  // clang-format on
  for (const Row& r : rows) {
    CAPTURE(r.address);
    CAPTURE(r.modem_link);
    CAPTURE(r.publish_behind_nat);
    auto d = publish_decision("cell", detect_nat(ip(r.address), r.modem_link), r.publish_behind_nat);
    CHECK(d.publish == r.publish);
    CHECK(d.code == r.code);
    CHECK(d.detail.find(r.detail_has) != std::string::npos);
    if (!*r.detail_has) CHECK(d.detail.empty());
  }
}
