// Value parsers of the config schema: accepted forms and the rule each bad
// form is refused with.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <vector>

#include "fb/config/values.hpp"

using namespace fb::core;
using namespace std::chrono_literals;
using fb::modem::ModemSelector;

namespace {
ValueType type(ValueKind k) {
  return ValueType{k, 0, 0, {}};
}
template <class T>
T get(const ValueType& t, std::string_view text) {
  ParsedValue v = parse_value(t, text);
  INFO("text: ", text, " error: ", v.error);
  REQUIRE(v.value);
  return std::get<T>(*v.value);
}
std::string error(const ValueType& t, std::string_view text) {
  ParsedValue v = parse_value(t, text);
  INFO("text: ", text);
  REQUIRE_FALSE(v.value);
  return v.error;
}
}  // namespace

TEST_CASE("durations need a unit and stay in range") {
  ValueType d{ValueKind::duration, 100, 3'600'000, {}};
  CHECK(get<fb::Duration>(d, "500ms") == 500ms);
  CHECK(get<fb::Duration>(d, " 5s ") == 5s);
  CHECK(get<fb::Duration>(d, "2m") == 120s);
  CHECK(get<fb::Duration>(d, "1h") == 3600s);
  CHECK(error(d, "5") == "duration needs a unit: ms, s, m, h or d (e.g. 5s)");
  CHECK(error(d, "5 s").find("unknown duration unit ' s'") == 0);
  CHECK(error(d, "5sec").find("unknown duration unit 'sec'") == 0);
  CHECK(error(d, "-5s").find("not a duration") == 0);
  CHECK(error(d, "1.5s").find("unknown duration unit '.5s'") == 0);
  CHECK(error(d, "50ms") == "out of range (min 100ms, max 1h)");
  CHECK(error(d, "2h") == "out of range (min 100ms, max 1h)");
  CHECK(error(d, "99999999999999d").find("not a duration") == 0);  // no overflow
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(120s) == "2m");
  CHECK(format_duration(1500ms) == "1500ms");
}

TEST_CASE("sizes: decimal and binary units, decimals, no overflow, a clear word for each refusal") {
  ValueType b{ValueKind::size, 1000, 100'000'000'000'000, {}};
  struct Row {
    const char* text;
    std::int64_t bytes;
  };
  for (const Row& r : std::vector<Row>{{"5GB", 5'000'000'000},
                                       {"500MB", 500'000'000},
                                       {"1.5GB", 1'500'000'000},
                                       {"750kB", 750'000},
                                       {" 300kB ", 300'000},
                                       {"1 KiB", 1024},
                                       {"2GiB", 2LL << 30},
                                       {"0.5MiB", 512 * 1024},
                                       {"100TB", 100'000'000'000'000},
                                       {"1.000001MB", 1'000'001}})
    CHECK(get<std::int64_t>(b, r.text) == r.bytes);
  CHECK(error(b, "0GB") == "zero bytes: a size must be more than nothing");
  CHECK(error(b, "0.0000001GB").find("more than 6 decimals") == 0);
  CHECK(error(b, "999B").find("unknown size unit 'B'") == 0);
  CHECK(error(b, "5gb").find("unknown size unit 'gb'") == 0);
  CHECK(error(b, "5").find("a size needs a unit: kB, MB") == 0);
  CHECK(error(b, "5.GB") == "not a size: a digit must follow the decimal point (e.g. 1.5GB)");
  CHECK(error(b, "-5GB").find("not a size") == 0);
  CHECK(error(b, "101TB") == "out of range (min 1kB, max 100TB)");
  CHECK(error(b, "999999999999999TiB") == "out of range (min 1kB, max 100TB)");  // no overflow
  CHECK(error(b, "9999999999999999TB") == "too many digits for a size");
  CHECK(error(b, "0.9kB") == "out of range (min 1kB, max 100TB)");
  CHECK(format_size(300'000) == "300kB");
  CHECK(format_size(1'500'000'000) == "1.5GB");
  CHECK(format_size(2LL << 30) == "2GiB");
  CHECK(format_size(1234) == "1234B");
  CHECK(describe(b) == "size (1kB..100TB)");
}

TEST_CASE("integers are whole and within their range") {
  ValueType i{ValueKind::integer, 1, 65535, {}};
  CHECK(get<std::int64_t>(i, "9000") == 9000);
  CHECK(error(i, "0") == "out of range (min 1, max 65535)");
  CHECK(error(i, "65536") == "out of range (min 1, max 65535)");
  CHECK(error(i, "12ab") == "not a whole number");
  CHECK(error(i, "0x10") == "not a whole number");
  CHECK(error(i, "99999999999999999999") == "not a whole number");
}

TEST_CASE("booleans accept the usual words in any case") {
  ValueType b = type(ValueKind::boolean);
  for (auto yes : {"true", "Yes", "ON", "1"}) CHECK(get<bool>(b, yes));
  for (auto no : {"false", "no", "Off", "0"}) CHECK_FALSE(get<bool>(b, no));
  CHECK(error(b, "maybe") == "not a bool: expected true/false, yes/no, on/off or 1/0");
}

TEST_CASE("addresses, lists and prefixes") {
  CHECK(get<IpAddress>(type(ValueKind::address), "192.168.1.1").family == AF_INET);
  CHECK(get<IpAddress>(type(ValueKind::address), "2001:DB8::1").text() == "2001:db8::1");
  CHECK(error(type(ValueKind::address), "192.168.1.256") == "not an IPv4 or IPv6 address");
  CHECK(error(type(ValueKind::address), "eth0") == "not an IPv4 or IPv6 address");
  auto list = get<std::vector<IpAddress>>(type(ValueKind::address_list), "0.0.0.0, ::");
  CHECK(list.size() == 2);
  CHECK(error(type(ValueKind::address_list), "1.1.1.1,,8.8.8.8") == "empty entry in the list (check the commas)");
  auto cidrs = get<std::vector<Prefix>>(type(ValueKind::cidr_list), "10.0.0.0/8, ::1/128, 192.168.1.7");
  REQUIRE(cidrs.size() == 3);
  CHECK(cidrs[2].length == 32);
  CHECK(cidrs[0].contains(*IpAddress::parse("10.200.3.4")));
  CHECK_FALSE(cidrs[0].contains(*IpAddress::parse("11.0.0.1")));
  CHECK_FALSE(cidrs[0].contains(*IpAddress::parse("::1")));
  CHECK(error(type(ValueKind::cidr_list), "192.168.1.1/24") ==
        "'192.168.1.1/24' has host bits set; did you mean 192.168.1.0/24?");
  CHECK(error(type(ValueKind::cidr_list), "10.0.0.0/33") == "'10.0.0.0/33' has a bad prefix length (0..32)");
  CHECK(error(type(ValueKind::cidr_list), "fe80::/129") == "'fe80::/129' has a bad prefix length (0..128)");
  CHECK(error(type(ValueKind::cidr_list), "lan/24") == "'lan/24' is not an address/prefix");
}

TEST_CASE("modem device forms") {
  ValueType t = type(ValueKind::modem_device);
  CHECK(get<ModemDevice>(t, "auto").selector.kind == ModemSelector::Kind::automatic);
  CHECK(get<ModemDevice>(t, "/dev/ttyUSB2").selector.kind == ModemSelector::Kind::tty);
  auto id = get<ModemDevice>(t, "usb:19d2:0031");
  CHECK(id.selector.kind == ModemSelector::Kind::usb_id);
  CHECK(id.selector.id.vendor == 0x19d2);
  CHECK(id.selector.id.product == 0x0031);
  CHECK(get<ModemDevice>(t, "1-1.3").selector.kind == ModemSelector::Kind::usb_port);
  CHECK(error(t, "usb:19d2:31") == "USB ids must look like usb:19d2:0031 (four hex digits each)");
  CHECK(error(t, "usb:zzzz:0031") == "USB ids must look like usb:19d2:0031 (four hex digits each)");
  CHECK(error(t, "ttyUSB2") == "expected auto, a /dev/ path, usb:VID:PID or a USB port path like 1-1.3");
  CHECK(error(t, "1-1..3") == "expected auto, a /dev/ path, usb:VID:PID or a USB port path like 1-1.3");
}

TEST_CASE("[modem] device is read once, by the driver's grammar, and kept typed") {
  ValueType t = type(ValueKind::modem_device);
  for (const char* text : {"auto", "/dev/ttyUSB2", "/dev/serial/by-id/usb-ZTE-if02", "usb:12D1:1c05", "1-1.2.4"}) {
    CAPTURE(text);
    auto d = get<ModemDevice>(t, text);
    CHECK(d.text == text);
    CHECK(d.selector == *fb::modem::parse_selector(text));
  }
  CHECK(get<ModemDevice>(t, "/dev/serial/by-id/usb-ZTE-if02").selector.text == "usb-ZTE-if02");
  CHECK(error(t, "1-1.2.3.4.5.6.7.8") == "expected auto, a /dev/ path, usb:VID:PID or a USB port path like 1-1.3");
}

TEST_CASE("hub locations, host names, URLs, interface names, paths, choices") {
  for (auto ok : {"auto", "1-1", "2", "1-1.2.3"}) CHECK(get<std::string>(type(ValueKind::hub_location), ok) == ok);
  CHECK(error(type(ValueKind::hub_location), "hub1").find("expected auto or a hub location") == 0);
  for (auto ok : {"home.example.com", "home.example.com.", "a-1.b"})
    CHECK(get<std::string>(type(ValueKind::hostname), ok) == ok);
  for (auto bad : {"-a.example.com", "a..b", "under_score.com", ""})
    CHECK_FALSE(parse_value(type(ValueKind::hostname), bad).value);
  CHECK(get<std::string>(type(ValueKind::https_url), "https://abc.lambda-url.eu-west-1.on.aws/") != "");
  CHECK(error(type(ValueKind::https_url), "http://x.example.com/").find("must use https://") == 0);
  CHECK(error(type(ValueKind::https_url), "ftp://x").find("not an https:// URL") == 0);
  CHECK(error(type(ValueKind::https_url), "https:///path").find("URL has no valid host name") == 0);
  CHECK(error(type(ValueKind::ifname), "averyveryverylongname0") == "interface names are at most 15 characters");
  CHECK(error(type(ValueKind::ifname), "eth0/1") == "interface names may not contain spaces, '/' or ':'");
  CHECK(error(type(ValueKind::path), "etc/failberry") == "must be an absolute path (starting with /)");
  ValueType mode{ValueKind::choice, 0, 0, {"backup-gateway", "router"}};
  CHECK(error(mode, "bridge") == "not one of the allowed values (backup-gateway|router)");
  CHECK(error(mode, "") == "empty value; give a value or remove the line to use the default");
  CHECK(error(type(ValueKind::token), "Z01 23") == "must be one word without spaces");
}

TEST_CASE("APNs follow 3GPP TS 23.003: letter, digit and '-' labels joined by dots, at most 100 characters") {
  ValueType t = type(ValueKind::apn);
  for (auto ok :
       {"internet", "web.vodafone.de", "m2m.com.attz", "3gnet", "iot.1nce.net", "internet.t-mobile", "INTERNET", "a"})
    CHECK(get<std::string>(t, ok) == ok);
  CHECK(get<std::string>(t, std::string(100, 'a')) == std::string(100, 'a'));
  CHECK(error(t, "\"internet\"") == "remove the quotes: INI values are taken as written (apn = internet)");
  CHECK(error(t, "'internet'") == "remove the quotes: INI values are taken as written (apn = internet)");
  const std::string chars = "APN may contain only ASCII letters, digits, '-' and '.' (3GPP TS 23.003); character ";
  CHECK(error(t, "my apn") == chars + "3 is a space");
  CHECK(error(t, "my\tapn") == chars + "3 is a tab");
  CHECK(error(t, "web;+CFUN=0") == chars + "4 is ';'");
  CHECK(error(t, "\"web") == chars + "1 is '\"'");
  CHECK(error(t, "web_1") == chars + "4 is '_'");
  CHECK(error(t, "w\x7f") == chars + "2 is byte 0x7f");
  CHECK(error(t, "caf\xc3\xa9") == chars + "4 is byte 0xc3");
  for (auto bad : {".internet", "internet.", "web..de", "."})
    CHECK(error(t, bad) == "APN has an empty label (a leading, trailing or doubled '.')");
  CHECK(error(t, std::string(101, 'a')) == "APN is 101 characters long; 3GPP TS 23.003 allows at most 100");
}

TEST_CASE("a PIN file holds 4 to 8 digits, white space around them ignored, and errors never quote it") {
  CHECK(parse_sim_pin("1234").value() == "1234");
  CHECK(parse_sim_pin(" 12345678\r\n").value() == "12345678");
  for (auto bad : {"", "123", "123456789", "12a4", "12 34", "\"1234\"", "PIN 1234"}) {
    auto pin = parse_sim_pin(bad);
    REQUIRE_FALSE(pin);
    CHECK(describe(pin) == "BAD_VALUE: not a PIN (4 to 8 digits)");
  }
}

TEST_CASE("webhook URLs: http or https, a host, an optional port, no user or password") {
  ValueType url = type(ValueKind::http_url);
  for (auto good : {"http://198.51.100.1:8080/hook", "https://ntfy.sh/mytopic?tpl=1&m={{.message}}",
                    "https://hooks.slack.com/services/T0/B0/XYZ", "http://[::1]:9000/x", "https://example.com"})
    CHECK(get<std::string>(url, good) == good);
  CHECK(error(url, "ftp://example.com/") == "not an http:// or https:// URL");
  CHECK(error(url, "example.com/hook") == "not an http:// or https:// URL");
  CHECK(error(url, "https://a:b@example.com/") ==
        "URL holds a user or password; put a bearer token in webhook_token_file instead");
  CHECK(error(url, "https://example.com/a b") == "URL contains spaces, control characters or a #fragment");
  CHECK(error(url, "https://example.com:0/") == "URL has a bad port (1..65535)");
  CHECK(error(url, "https://example.com:http/") == "URL has a bad port (1..65535)");
  CHECK(error(url, "http://[::1/") == "URL has no valid host name");
  CHECK(error(url, "http://[::1]x/") == "URL has a bad port (1..65535)");
  CHECK(error(url, "https://exa_mple.com/") == "URL has no valid host name");
}

TEST_CASE("event lists name event kinds, or all") {
  ValueType list = type(ValueKind::event_list);
  CHECK(get<std::string>(list, "failover,failback") == "failover, failback");
  CHECK(error(list, "failover, nope").find("'nope' is not an event kind (all, failover, failback, switch,") == 0);
  CHECK(error(list, "failover,") == "empty entry in the list (check the commas)");
  CHECK(event_list_kinds("failover, uplink_down, failover") ==
        std::vector<fb::EventKind>{fb::EventKind::failover, fb::EventKind::uplink_down});
  CHECK(event_list_kinds("all").size() == static_cast<std::size_t>(fb::EventKind::count_));
}

TEST_CASE("phone lists: + then 6 to 15 digits, comma-separated, each once, at most 5") {
  ValueType list = type(ValueKind::phone_list);
  CHECK(get<std::string>(list, "+15550100,+447700900123") == "+15550100, +447700900123");
  CHECK(phone_list_numbers("+15550100, +447700900123") == std::vector<std::string>{"+15550100", "+447700900123"});
  CHECK(get<std::string>(list, "+123456") == "+123456");
  CHECK(get<std::string>(list, "+123456789012345") == "+123456789012345");
  const std::string rule =
      "' is not a phone number in international form: + then the country code and number, 6 to 15 digits, no "
      "spaces (e.g. +15550100)";
  for (std::string bad : {"15550100", "+12345", "+1234567890123456", "+1 555 0100", "+1-555-0100", "++15550100", "+",
                          "+1555O100", "0015550100"})
    CHECK(error(list, bad) == "'" + bad + rule);
  CHECK(error(list, "+15550100,") == "empty entry in the list (check the commas)");
  CHECK(error(list, "+15550100, +15550100") == "'+15550100' is listed twice");
  CHECK(error(list, "+15550101,+15550102,+15550103,+15550104,+15550105,+15550106") == "more than 5 numbers");
}

TEST_CASE("a webhook token file holds one word of printable ASCII, and errors never quote it") {
  CHECK(parse_bearer_token("tk_AgQdq7mVBoFD37\n").value() == "tk_AgQdq7mVBoFD37");
  for (std::string bad : {std::string(), std::string("two words"), std::string("a\r\nX-Injected: 1"),
                          std::string(1025, 'a'), std::string("caf\xc3\xa9")}) {
    auto token = parse_bearer_token(bad);
    REQUIRE_FALSE(token);
    CHECK(describe(token) == "BAD_VALUE: not a bearer token (one word of printable ASCII, at most 1024 bytes)");
  }
}

TEST_CASE("edit distance for did-you-mean") {
  CHECK(edit_distance("apn", "apn") == 0);
  CHECK(edit_distance("intreface", "interface") == 1);  // one transposition
  CHECK(edit_distance("modme", "modem") == 1);
  CHECK(edit_distance("apm", "apn") == 1);
  CHECK(edit_distance("", "abc") == 3);
}
