// fb::dhcp pure half: udhcpc's argv and the event script's lines.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fb/dhcp/udhcpc.hpp"
#include "lab_lease.hpp"

using fb::Prefix;
using namespace fb::dhcp;

namespace {

// What the shipped script prints for a bound event (checked against the real
// script and udhcpc in tests/dhcp/runner_test.cpp).
const char* kBound =
    "failberry-dhcp event=bound interface=usb0 ip=192.0.2.55 subnet=255.255.255.0 mask=24 "
    "router=192.0.2.1 dns=192.0.2.1,198.51.100.53 lease=600 serverid=192.0.2.1 message=";

std::string bad(const std::string& line) {
  auto e = parse_event(line);
  REQUIRE_MESSAGE(!e.ok(), line);
  CHECK(e.code() == Code::bad_line);
  return e.error().detail;
}

// `line` with `field` set to `value`.
std::string set(std::string line, const std::string& field, const std::string& value) {
  auto at = line.find(" " + field + "=");
  REQUIRE(at != std::string::npos);
  auto end = line.find(' ', at + 1);
  return line.substr(0, at + 1) + field + "=" + value + (end == std::string::npos ? "" : line.substr(end));
}
std::string with(const std::string& field, const std::string& value) {
  return set(kBound, field, value);
}

}  // namespace

TEST_CASE("argv: foreground, release on exit, our script, retries") {
  Settings s;
  s.interface = "usb0";
  auto argv = build_argv(s);
  REQUIRE(argv.ok());
  CHECK(*argv == std::vector<std::string>{"/sbin/udhcpc", "-f", "-R", "-i", "usb0", "-s",
                                          "/usr/libexec/failberry/udhcpc-event", "-t", "3", "-T", "3", "-A", "20"});
  s.binary = "/bin/busybox";
  s.hostname = "failberry-1";
  s.vendor_class = "failberry";
  s.discover_tries = 2;
  s.discover_interval_s = 1;
  s.retry_after_s = 5;
  argv = build_argv(s);
  REQUIRE(argv.ok());
  CHECK(*argv == std::vector<std::string>{"/bin/busybox", "udhcpc", "-f", "-R", "-i", "usb0", "-s",
                                          "/usr/libexec/failberry/udhcpc-event", "-t", "2", "-T", "1", "-A", "5", "-x",
                                          "hostname:failberry-1", "-V", "failberry"});
}

TEST_CASE("argv: bad settings are DHCP_BAD_SETTINGS naming the setting") {
  auto refused = [](auto change) {
    Settings s;
    s.interface = "usb0";
    change(s);
    auto argv = build_argv(s);
    REQUIRE(!argv.ok());
    CHECK(argv.code() == Code::bad_settings);
    CHECK(code_name(argv.code()) == "DHCP_BAD_SETTINGS");
    return argv.error().detail;
  };
  CHECK(refused([](Settings& s) { s.interface = ""; }) == "interface '' is not a network interface name");
  CHECK(refused([](Settings& s) { s.interface = "a-very-long-name0"; }).find("interface") == 0);
  CHECK(refused([](Settings& s) { s.interface = "usb0 -s /tmp/x"; }).find("interface") == 0);
  CHECK(refused([](Settings& s) { s.interface = "../eth0"; }).find("interface") == 0);
  CHECK(refused([](Settings& s) { s.binary = "udhcpc"; }) == "udhcpc binary 'udhcpc' is not an absolute path");
  CHECK(refused([](Settings& s) { s.script = "event.sh"; }) == "event script 'event.sh' is not an absolute path");
  CHECK(refused([](Settings& s) { s.hostname = "pi box"; }).find("hostname 'pi box'") == 0);
  CHECK(refused([](Settings& s) { s.hostname = "-pi"; }).find("hostname") == 0);
  CHECK(refused([](Settings& s) { s.vendor_class = "a\nb"; }).find("vendor class") == 0);
  CHECK(refused([](Settings& s) { s.discover_tries = 0; }) == "discover tries: want 1-100");
  CHECK(refused([](Settings& s) { s.discover_interval_s = 0; }) == "discover interval: want 1-3600 s");
  CHECK(refused([](Settings& s) { s.retry_after_s = 4000; }) == "retry pause: want 1-3600 s");
}

TEST_CASE("a bound line becomes a lease with typed addresses") {
  REQUIRE(is_event_line(kBound));
  auto e = parse_event(kBound);
  REQUIRE_MESSAGE(e.ok(), describe(e));
  CHECK(e->kind == EventKind::bound);
  CHECK(e->interface == "usb0");
  REQUIRE(e->lease);
  fb::test::check_lab_lease(*e->lease, "192.0.2.55");
  CHECK(e->message.empty());
}

TEST_CASE("renew, /32 and odd masks, empty lists, only subnet or only mask") {
  auto e = parse_event(with("event", "renew"));
  REQUIRE(e.ok());
  CHECK(e->kind == EventKind::renew);

  e = parse_event(set(with("subnet", "255.255.255.255"), "mask", "32"));
  REQUIRE_MESSAGE(e.ok(), describe(e));
  CHECK(e->lease->subnet == Prefix::parse("192.0.2.55/32").value());  // an LTE stick's point-to-point lease

  e = parse_event(set(with("subnet", "255.255.255.252"), "mask", "30"));
  REQUIRE_MESSAGE(e.ok(), describe(e));
  CHECK(e->lease->subnet == Prefix::parse("192.0.2.52/30").value());

  e = parse_event(set(with("subnet", "255.255.240.0"), "mask", ""));
  REQUIRE_MESSAGE(e.ok(), describe(e));
  CHECK(e->lease->subnet == Prefix::parse("192.0.0.0/20").value());

  e = parse_event(with("subnet", ""));  // udhcpc 1.35 gives both; `mask` alone is enough
  REQUIRE_MESSAGE(e.ok(), describe(e));
  CHECK(e->lease->subnet.length == 24);

  e = parse_event(set(with("router", ""), "dns", ""));
  REQUIRE_MESSAGE(e.ok(), describe(e));
  CHECK(e->lease->routers.empty());
  CHECK(e->lease->dns.empty());

  e = parse_event(with("serverid", ""));
  REQUIRE(e.ok());
  CHECK_FALSE(e->lease->server);

  e = parse_event(with("lease", "4294967295"));  // "infinite"
  REQUIRE(e.ok());
  CHECK(e->lease->lease_time.count() == 4294967295LL);
}

TEST_CASE("deconfig, leasefail and nak carry no lease; nak keeps the server's words") {
  auto e = parse_event(
      "failberry-dhcp event=deconfig interface=usb0 ip= subnet= mask= router= dns= lease= serverid= message=");
  REQUIRE_MESSAGE(e.ok(), describe(e));
  CHECK(e->kind == EventKind::deconfig);
  CHECK_FALSE(e->lease);

  e = parse_event(
      "failberry-dhcp event=leasefail interface=usb0 ip= subnet= mask= router= dns= lease= serverid= message=");
  REQUIRE(e.ok());
  CHECK(e->kind == EventKind::leasefail);

  e = parse_event(
      "failberry-dhcp event=nak interface=usb0 ip= subnet= mask= router= dns= lease= serverid=192.0.2.1 "
      "message=requested address not available  ip=x event=bound");
  REQUIRE_MESSAGE(e.ok(), describe(e));
  CHECK(e->kind == EventKind::nak);
  CHECK(e->message == "requested address not available  ip=x event=bound");  // the rest of the line, data only
  CHECK_FALSE(e->lease);

  e = parse_event("failberry-dhcp interface=usb0 event=leasefail future=1");  // order free, unknown fields ignored
  REQUIRE(e.ok());
  CHECK(e->kind == EventKind::leasefail);
}

TEST_CASE("malformed lines are DHCP_BAD_LINE with what is wrong") {
  CHECK_FALSE(is_event_line("udhcpc: started, v1.35.0"));
  // {line, what the detail says}
  const std::pair<std::string, std::string> cases[] = {
      {"udhcpc: started, v1.35.0", "not a failberry-dhcp line"},
      {"failberry-dhcp ", "no event"},
      {"failberry-dhcp event=bogus interface=usb0", "unknown event 'bogus'"},
      {"failberry-dhcp event=deconfig", "deconfig without an interface"},
      {"failberry-dhcp event=deconfig interface=usb0 stray", "field 'stray' is not key=value"},
      {"failberry-dhcp event=deconfig interface=usb0 =x", "field '=x' is not key=value"},
      {"failberry-dhcp event=deconfig event=bound interface=usb0", "field event given twice"},
      {with("subnet", "255.0.255.0"), "bound: subnet: '255.0.255.0' is not a netmask"},
      {with("subnet", "255.255.255.128"), "bound: mask 24 disagrees with subnet 255.255.255.128"},
      {with("mask", "33"), "bound: mask: '33' is not a prefix length (0-32)"},
      {with("mask", "-1"), "bound: mask: '-1' is not a prefix length (0-32)"},
      {set(with("subnet", ""), "mask", ""), "bound: no subnet mask for 192.0.2.55"},
      {with("router", "192.0.2.1,,192.0.2.2"), "bound: router: '' is not an IPv4 address"},
      {with("dns", "dns.example"), "bound: dns: 'dns.example' is not an IPv4 address"},
      {with("serverid", "x"), "bound: serverid: 'x' is not an IPv4 address"},
  };
  for (const auto& [line, detail] : cases) CHECK_MESSAGE(bad(line) == detail, line);
  for (std::string ip : {"", "2001:db8::1", "192.0.2.300"})
    CHECK(bad(with("ip", ip)) == "bound: ip: '" + ip + "' is not an IPv4 address");
  for (std::string lease : {"", "0", "4294967296", "60s"})
    CHECK(bad(with("lease", lease)) == "bound: lease: '" + lease + "' is not a lease time in seconds (1-4294967295)");
  // Control bytes and invalid UTF-8 never reach a detail raw.
  std::string odd = bad(with("ip", "\x01\xff"));
  CHECK(odd.find('\x01') == std::string::npos);
  CHECK(odd.find('\xff') == std::string::npos);
}

TEST_CASE("no line crashes the parser: every prefix and every byte flip of a good line") {
  std::string good = kBound;
  int parsed = 0;
  for (std::size_t n = 0; n <= good.size(); ++n) parsed += parse_event(good.substr(0, n)).ok();
  for (std::size_t i = 0; i < good.size(); ++i)
    for (char c : {'\0', ' ', '=', ',', '.', '9', '\xff'}) {
      std::string line = good;
      line[i] = c;
      parsed += parse_event(line).ok();
    }
  CHECK(parsed > 0);  // some variants stay valid (a shorter lease, another address)
  CHECK(parse_event(good).ok());
}

TEST_CASE("code names are stable") {
  const std::pair<Code, std::string_view> names[] = {
      {Code::busy, "DHCP_BUSY"},       {Code::spawn_failed, "DHCP_SPAWN_FAILED"},   {Code::bad_line, "DHCP_BAD_LINE"},
      {Code::timeout, "DHCP_TIMEOUT"}, {Code::client_exited, "DHCP_CLIENT_EXITED"}, {Code::killed, "DHCP_KILLED"},
  };
  for (auto [code, name] : names) CHECK(code_name(code) == name);
}
