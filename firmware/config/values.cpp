#include "fb/config/values.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "fb/text.hpp"

namespace fb::core {
namespace {

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  while (true) {
    size_t comma = text.find(',');
    items.push_back(trim(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

bool parse_int(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

ParsedValue fail(std::string msg) {
  return ParsedValue{std::nullopt, std::move(msg)};
}
ParsedValue ok(Value v) {
  return ParsedValue{std::move(v), {}};
}

bool all_of(std::string_view s, int (*pred)(int)) {
  return std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

// "1-1", "1-1.3", "2-1.4.2"; with allow_bus also a bare bus number "2".
bool is_usb_location(std::string_view s, bool allow_bus) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return allow_bus && !s.empty() && s.size() <= 3 && all_of(s, isdigit);
  std::string_view bus = s.substr(0, dash), ports = s.substr(dash + 1);
  if (bus.empty() || bus.size() > 3 || !all_of(bus, isdigit)) return false;
  int depth = 0;
  for (std::string_view p : [&] {
         std::vector<std::string_view> parts;
         while (true) {
           size_t dot = ports.find('.');
           parts.push_back(ports.substr(0, dot));
           if (dot == std::string_view::npos) break;
           ports.remove_prefix(dot + 1);
         }
         return parts;
       }()) {
    if (p.empty() || p.size() > 2 || !all_of(p, isdigit)) return false;
    if (++depth > 7) return false;  // USB allows at most 7 tiers
  }
  return true;
}

bool is_hostname(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.size() > 253) return false;
  while (true) {
    size_t dot = s.find('.');
    std::string_view label = s.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// How a character the rules refuse is named in a message: quoted when it
// prints, by its code when it would not show.
std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (c == ' ') return "a space";
  if (c == '\t') return "a tab";
  if (u > 0x20 && u < 0x7f) return std::string("'") + c + "'";
  constexpr char hex[] = "0123456789abcdef";
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 0xf];
}

// An access point name as 3GPP TS 23.003 (9.1) writes it: labels of ASCII
// letters, digits and '-' joined by dots, at most 100 characters. The modem
// gets it inside AT+CGDCONT=…,"APN", so the rule also keeps out the quote and
// ';' that would end that string or command (fb::modem::dial_commands refuses
// them at every dial; here they are refused once, before the daemon starts).
ParsedValue parse_apn(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front())
    return fail("remove the quotes: INI values are taken as written (apn = internet)");
  if (text.size() > 100)
    return fail("APN is " + std::to_string(text.size()) + " characters long; 3GPP TS 23.003 allows at most 100");
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && (std::isalnum(u) || c == '-' || c == '.')) continue;
    return fail("APN may contain only ASCII letters, digits, '-' and '.' (3GPP TS 23.003); character " +
                std::to_string(i + 1) + " is " + describe_char(c));
  }
  if (text.front() == '.' || text.back() == '.' || text.find("..") != std::string_view::npos)
    return fail("APN has an empty label (a leading, trailing or doubled '.')");
  return ok(std::string(text));
}

ParsedValue parse_cidr_list(std::string_view text) {
  std::vector<Prefix> out;
  for (std::string_view item : split_list(text)) {
    if (item.empty()) return fail("empty entry in the list (check the commas)");
    size_t slash = item.find('/');
    auto addr = IpAddress::parse(item.substr(0, slash));
    if (!addr) return fail("'" + std::string(item) + "' is not an address/prefix");
    int max_prefix = addr->family == AF_INET ? 32 : 128;
    std::int64_t prefix = max_prefix;
    if (slash != std::string_view::npos &&
        (!parse_int(item.substr(slash + 1), prefix) || prefix < 0 || prefix > max_prefix))
      return fail("'" + std::string(item) + "' has a bad prefix length (0.." + std::to_string(max_prefix) + ")");
    Prefix c{*addr, static_cast<int>(prefix)};
    Prefix network = c;
    size_t len = addr->family == AF_INET ? 4 : 16;
    for (size_t i = 0; i < len; ++i) {
      int bits = std::clamp(c.length - static_cast<int>(i) * 8, 0, 8);
      network.address.bytes[i] &= static_cast<std::uint8_t>(0xff00u >> bits);
    }
    if (!(network.address == c.address)) {
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(addr->family, network.address.bytes.data(), buf, sizeof buf);
      return fail("'" + std::string(item) + "' has host bits set; did you mean " + buf + "/" + std::to_string(prefix) +
                  "?");
    }
    out.push_back(c);
  }
  return ok(std::move(out));
}

}  // namespace

std::string format_duration(Duration d) {
  auto ms = d.count();
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  for (Unit u : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}})
    if (ms != 0 && ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  return std::to_string(ms) + "ms";
}

namespace {
struct SizeUnit {
  std::string_view name;
  std::int64_t bytes;
};
constexpr SizeUnit kSizeUnits[] = {
    {"TiB", 1LL << 40}, {"TB", 1'000'000'000'000}, {"GiB", 1LL << 30}, {"GB", 1'000'000'000},
    {"MiB", 1LL << 20}, {"MB", 1'000'000},         {"KiB", 1LL << 10}, {"kB", 1000}};

ParsedValue parse_size(const ValueType& t, std::string_view text) {
  const std::string units = "kB, MB, GB, TB (1000^n) or KiB, MiB, GiB, TiB (1024^n)";
  std::size_t i = 0;
  std::int64_t whole = 0, frac = 0, frac_scale = 1;
  std::size_t whole_digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (++whole_digits > 15) return fail("too many digits for a size");
    whole = whole * 10 + (text[i++] - '0');
  }
  if (whole_digits == 0) return fail("not a size: expected a number and a unit, " + units + " (e.g. 5GB)");
  if (i < text.size() && text[i] == '.') {
    ++i;
    std::size_t frac_digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (++frac_digits > 6) return fail("more than 6 decimals: write it in a smaller unit");
      frac = frac * 10 + (text[i++] - '0');
      frac_scale *= 10;
    }
    if (frac_digits == 0) return fail("not a size: a digit must follow the decimal point (e.g. 1.5GB)");
  }
  std::string_view unit = trim(text.substr(i));
  if (unit.empty()) return fail("a size needs a unit: " + units + " (e.g. 5GB)");
  const SizeUnit* found = nullptr;
  for (const SizeUnit& u : kSizeUnits)
    if (u.name == unit) found = &u;
  if (!found) return fail("unknown size unit '" + std::string(unit) + "' (use " + units + ")");
  // At most 15 digits times 2^40 would overflow 64 bits: judge the range in long double first.
  long double bytes = (static_cast<long double>(whole) + static_cast<long double>(frac) / frac_scale) * found->bytes;
  if (bytes < 1) return fail("zero bytes: a size must be more than nothing");
  if (bytes < static_cast<long double>(t.min) || bytes > static_cast<long double>(t.max))
    return fail("out of range (min " + format_size(t.min) + ", max " + format_size(t.max) + ")");
  return ok(whole * found->bytes + frac * found->bytes / frac_scale);
}
}  // namespace

std::string format_size(std::int64_t bytes) {
  for (const SizeUnit& u : kSizeUnits) {
    if (bytes < u.bytes) continue;
    if (bytes % u.bytes == 0) return std::to_string(bytes / u.bytes) + std::string(u.name);
    if ((bytes * 10) % u.bytes == 0 && bytes < (std::int64_t{1} << 58))
      return std::to_string(bytes / u.bytes) + "." + std::to_string((bytes * 10 / u.bytes) % 10) + std::string(u.name);
  }
  return std::to_string(bytes) + "B";
}

std::string describe(const ValueType& t) {
  switch (t.kind) {
    case ValueKind::apn: return "APN (letters, digits, '-' and dots; at most 100)";
    case ValueKind::boolean: return "bool";
    case ValueKind::integer: return "integer (" + std::to_string(t.min) + ".." + std::to_string(t.max) + ")";
    case ValueKind::duration:
      return "duration (" + format_duration(Duration(t.min)) + ".." + format_duration(Duration(t.max)) + ")";
    case ValueKind::address: return "IP address";
    case ValueKind::address_list: return "list of IP addresses";
    case ValueKind::cidr_list: return "list of address/prefix";
    case ValueKind::path: return "absolute path";
    case ValueKind::choice: {
      std::string s = "one of ";
      for (size_t i = 0; i < t.choices.size(); ++i) s += (i ? "|" : "") + std::string(t.choices[i]);
      return s;
    }
    case ValueKind::ifname: return "interface name";
    case ValueKind::hostname: return "host name";
    case ValueKind::https_url: return "https URL";
    case ValueKind::http_url: return "http(s) URL";
    case ValueKind::event_list: return "list of event kinds, or all";
    case ValueKind::phone_list: return "list of phone numbers (+ then 6 to 15 digits)";
    case ValueKind::modem_device: return "auto | /dev/TTY | usb:VID:PID | USB port (1-1.3) | api";
    case ValueKind::hub_location: return "auto | hub location (1-1, 2)";
    case ValueKind::token: return "word (no spaces)";
    case ValueKind::size: return "size (" + format_size(t.min) + ".." + format_size(t.max) + ")";
  }
  return "?";
}

ParsedValue parse_value(const ValueType& t, std::string_view text) {
  text = trim(text);
  if (text.empty()) return fail("empty value; give a value or remove the line to use the default");
  switch (t.kind) {
    case ValueKind::apn: return parse_apn(text);
    case ValueKind::size: return parse_size(t, text);
    case ValueKind::token:
      for (char c : text)
        if (!std::isgraph(static_cast<unsigned char>(c))) return fail("must be one word without spaces");
      return ok(std::string(text));
    case ValueKind::boolean: {
      std::string low(text);
      std::transform(low.begin(), low.end(), low.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (low == "true" || low == "yes" || low == "on" || low == "1") return ok(true);
      if (low == "false" || low == "no" || low == "off" || low == "0") return ok(false);
      return fail("not a bool: expected true/false, yes/no, on/off or 1/0");
    }
    case ValueKind::integer: {
      std::int64_t v = 0;
      if (!parse_int(text, v)) return fail("not a whole number");
      if (v < t.min || v > t.max)
        return fail("out of range (min " + std::to_string(t.min) + ", max " + std::to_string(t.max) + ")");
      return ok(v);
    }
    case ValueKind::duration: {
      size_t digits = 0;
      while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
      std::int64_t n = 0;
      std::string_view unit = text.substr(digits);
      if (digits == 0 || digits > 12 || !parse_int(text.substr(0, digits), n))
        return fail("not a duration: expected a whole number followed by ms, s, m, h or d (e.g. 5s)");
      std::int64_t scale = unit == "ms"  ? 1
                           : unit == "s" ? 1000
                           : unit == "m" ? 60'000
                           : unit == "h" ? 3'600'000
                           : unit == "d" ? 86'400'000
                                         : 0;
      if (unit.empty()) return fail("duration needs a unit: ms, s, m, h or d (e.g. " + std::string(text) + "s)");
      if (scale == 0) return fail("unknown duration unit '" + std::string(unit) + "' (use ms, s, m, h or d)");
      std::int64_t ms = n * scale;
      if (ms < t.min || ms > t.max)
        return fail("out of range (min " + format_duration(Duration(t.min)) + ", max " +
                    format_duration(Duration(t.max)) + ")");
      return ok(Duration(ms));
    }
    case ValueKind::address: {
      auto a = IpAddress::parse(text);
      if (!a) return fail("not an IPv4 or IPv6 address");
      return ok(*a);
    }
    case ValueKind::address_list: {
      std::vector<IpAddress> out;
      for (std::string_view item : split_list(text)) {
        if (item.empty()) return fail("empty entry in the list (check the commas)");
        auto a = IpAddress::parse(item);
        if (!a) return fail("'" + std::string(item) + "' is not an IPv4 or IPv6 address");
        out.push_back(*a);
      }
      return ok(std::move(out));
    }
    case ValueKind::cidr_list: return parse_cidr_list(text);
    case ValueKind::path:
      if (text.front() != '/') return fail("must be an absolute path (starting with /)");
      if (text.find('\0') != std::string_view::npos) return fail("path contains a NUL byte");
      return ok(std::string(text));
    case ValueKind::choice: {
      for (std::string_view c : t.choices)
        if (c == text) return ok(std::string(text));
      return fail("not one of the allowed values (" + describe(t).substr(7) + ")");
    }
    case ValueKind::ifname: {
      if (text.size() > 15) return fail("interface names are at most 15 characters");
      for (char c : text)
        if (!std::isgraph(static_cast<unsigned char>(c)) || c == '/' || c == ':')
          return fail("interface names may not contain spaces, '/' or ':'");
      if (text == "." || text == "..") return fail("not a valid interface name");
      return ok(std::string(text));
    }
    case ValueKind::hostname:
      if (!is_hostname(text)) return fail("not a valid DNS host name (letters, digits, '-' and dots; labels up to 63)");
      return ok(std::string(text));
    case ValueKind::https_url: {
      constexpr std::string_view scheme = "https://";
      if (text.substr(0, 7) == "http://")
        return fail("must use https:// (the secret-derived hash must not travel in clear text)");
      if (text.substr(0, scheme.size()) != scheme) return fail("not an https:// URL");
      std::string_view rest = text.substr(scheme.size());
      std::string_view host = rest.substr(0, rest.find_first_of(":/?"));
      if (host.empty() || !(is_hostname(host) || IpAddress::parse(host))) return fail("URL has no valid host name");
      for (char c : text)
        if (!std::isgraph(static_cast<unsigned char>(c))) return fail("URL contains spaces or control characters");
      return ok(std::string(text));
    }
    case ValueKind::http_url: {
      std::string_view rest;
      if (text.substr(0, 7) == "http://")
        rest = text.substr(7);
      else if (text.substr(0, 8) == "https://")
        rest = text.substr(8);
      else
        return fail("not an http:// or https:// URL");
      for (char c : text)
        if (!std::isgraph(static_cast<unsigned char>(c)) || c == '#')
          return fail("URL contains spaces, control characters or a #fragment");
      std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
      if (authority.find('@') != std::string_view::npos)
        return fail("URL holds a user or password; put a bearer token in webhook_token_file instead");
      std::string_view host = authority;
      if (!host.empty() && host.front() == '[') {  // [IPv6]:port
        std::size_t close = host.find(']');
        if (close == std::string_view::npos) return fail("URL has no valid host name");
        std::string_view port = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!IpAddress::parse(host)) return fail("URL has no valid host name");
        authority = port.empty() ? std::string_view() : port.substr(0, 1) == ":" ? port : "?";
      } else {
        std::size_t colon = host.find(':');
        authority = colon == std::string_view::npos ? std::string_view() : host.substr(colon);
        host = host.substr(0, colon);
        if (host.empty() || !(is_hostname(host) || IpAddress::parse(host))) return fail("URL has no valid host name");
      }
      if (!authority.empty()) {  // ":PORT"
        std::int64_t port = 0;
        if (authority.front() != ':' || !parse_int(authority.substr(1), port) || port < 1 || port > 65535)
          return fail("URL has a bad port (1..65535)");
      }
      return ok(std::string(text));
    }
    case ValueKind::event_list: {
      std::string out;
      for (std::string_view item : split_list(text)) {
        if (item.empty()) return fail("empty entry in the list (check the commas)");
        if (item != "all" && !parse_event_kind(item)) {
          std::string known = "all";
          for (int k = 0; k < static_cast<int>(EventKind::count_); ++k)
            known += ", " + std::string(event_name(static_cast<EventKind>(k)));
          return fail("'" + std::string(item) + "' is not an event kind (" + known + ")");
        }
        out += (out.empty() ? "" : ", ") + std::string(item);
      }
      return ok(std::move(out));
    }
    case ValueKind::phone_list: {
      std::string out;
      std::vector<std::string_view> seen;
      for (std::string_view item : split_list(text)) {
        if (item.empty()) return fail("empty entry in the list (check the commas)");
        std::string_view digits = item.substr(item.front() == '+' ? 1 : 0);
        bool all_digits =
            !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (item.front() != '+' || !all_digits || digits.size() < 6 || digits.size() > 15)
          return fail("'" + std::string(item) +
                      "' is not a phone number in international form: + then the country code and number, "
                      "6 to 15 digits, no spaces (e.g. +15550100)");
        if (std::find(seen.begin(), seen.end(), item) != seen.end())
          return fail("'" + std::string(item) + "' is listed twice");
        seen.push_back(item);
        if (seen.size() > kMaxPhoneNumbers) return fail("more than " + std::to_string(kMaxPhoneNumbers) + " numbers");
        out += (out.empty() ? "" : ", ") + std::string(item);
      }
      return ok(std::move(out));
    }
    case ValueKind::modem_device: {
      if (text == "api") return ok(ModemDevice{modem::ModemSelector{}, "api"});
      auto selector = modem::parse_selector(text);
      if (!selector) return fail(selector.error().detail);
      if (selector->kind == modem::ModemSelector::Kind::tty && text.substr(0, 5) != "/dev/")
        return fail(std::string(modem::kSelectorForms));
      return ok(ModemDevice{*selector, std::string(text)});
    }
    case ValueKind::hub_location:
      if (text == "auto" || is_usb_location(text, true)) return ok(std::string(text));
      return fail("expected auto or a hub location like 1-1 or 2 (as uhubctl prints)");
  }
  return fail("unsupported type");
}

std::string_view code_name(ConfigCode code) {
  switch (code) {
    case ConfigCode::bad_value: return "BAD_VALUE";
  }
  return "BAD_VALUE";
}

fb::Result<std::string, ConfigCode> parse_sim_pin(std::string_view text) {
  text = trim(text);
  if (text.size() < 4 || text.size() > 8 || !all_of(text, isdigit))
    return {ConfigCode::bad_value, "not a PIN (4 to 8 digits)"};
  return std::string(text);
}

std::vector<EventKind> event_list_kinds(std::string_view text) {
  std::vector<EventKind> out;
  auto add = [&out](EventKind k) {
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  };
  for (std::string_view item : split_list(text)) {
    if (item == "all") {
      for (int k = 0; k < static_cast<int>(EventKind::count_); ++k) add(static_cast<EventKind>(k));
    } else if (auto kind = parse_event_kind(item)) {
      add(*kind);
    }
  }
  return out;
}

std::vector<std::string> phone_list_numbers(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view item : split_list(text))
    if (!item.empty()) out.emplace_back(item);
  return out;
}

fb::Result<std::string, ConfigCode> parse_bearer_token(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 1024 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return std::isgraph(static_cast<unsigned char>(c)) != 0; }))
    return {ConfigCode::bad_value, "not a bearer token (one word of printable ASCII, at most 1024 bytes)"};
  return std::string(text);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: a swap of two neighbours ("modme") costs one.
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace fb::core
