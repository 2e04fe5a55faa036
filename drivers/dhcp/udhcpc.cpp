#include "fb/dhcp/udhcpc.hpp"

#include <netinet/in.h>

#include <charconv>
#include <map>

#include "fb/enum_names.hpp"
#include "fb/text.hpp"

namespace fb::dhcp {
namespace {

Error bad_settings(std::string detail) {
  return Error{Code::bad_settings, std::move(detail)};
}

Error bad_line(std::string detail) {
  return Error{Code::bad_line, std::move(detail)};
}

std::optional<long long> number(std::string_view text, long long min, long long max) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max) return std::nullopt;
  return v;
}

bool printable_ascii(std::string_view text) {
  for (char c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// The text a person reads about a field: its value, shortened and cleaned.
std::string shown(std::string_view value) {
  return "'" + clean_text(value, 60) + "'";
}

std::optional<IpAddress> ipv4(std::string_view text) {
  auto a = IpAddress::parse(text);
  if (!a || a->family != AF_INET) return std::nullopt;
  return a;
}

// A dotted netmask's prefix length; nothing for a non-contiguous mask.
std::optional<int> mask_length(const IpAddress& mask) {
  std::uint32_t m = (std::uint32_t{mask.bytes[0]} << 24) | (std::uint32_t{mask.bytes[1]} << 16) |
                    (std::uint32_t{mask.bytes[2]} << 8) | std::uint32_t{mask.bytes[3]};
  int length = 0;
  while (length < 32 && (m & (0x80000000u >> length))) ++length;
  std::uint32_t want = length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
  if (m != want) return std::nullopt;
  return length;
}

Prefix network_of(const IpAddress& address, int length) {
  Prefix p;
  p.address = address;
  p.length = length;
  for (int i = 0; i < 4; ++i) {
    int bits = std::max(0, std::min(8, length - 8 * i));
    p.address.bytes[static_cast<std::size_t>(i)] &= static_cast<std::uint8_t>(bits == 0 ? 0 : 0xff << (8 - bits));
  }
  return p;
}

Result<std::vector<IpAddress>> address_list(std::string_view key, std::string_view text) {
  std::vector<IpAddress> out;
  if (text.empty()) return out;
  std::size_t from = 0;
  for (;;) {
    auto comma = text.find(',', from);
    auto item = text.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
    auto a = ipv4(item);
    if (!a) return bad_line(std::string(key) + ": " + shown(item) + " is not an IPv4 address");
    out.push_back(*a);
    if (comma == std::string_view::npos) break;
    from = comma + 1;
  }
  return out;
}

Result<Lease> read_lease(const std::map<std::string, std::string, std::less<>>& f, const std::string& interface) {
  auto get = [&](std::string_view key) -> std::string_view {
    auto it = f.find(key);
    return it == f.end() ? std::string_view{} : std::string_view(it->second);
  };
  Lease lease;
  lease.interface = interface;
  auto ip = ipv4(get("ip"));
  if (!ip) return bad_line("ip: " + shown(get("ip")) + " is not an IPv4 address");
  lease.address = *ip;

  std::optional<int> length;
  if (!get("subnet").empty()) {
    auto m = ipv4(get("subnet"));
    if (m) length = mask_length(*m);
    if (!length) return bad_line("subnet: " + shown(get("subnet")) + " is not a netmask");
  }
  if (!get("mask").empty()) {
    auto n = number(get("mask"), 0, 32);
    if (!n) return bad_line("mask: " + shown(get("mask")) + " is not a prefix length (0-32)");
    if (length && *length != *n)
      return bad_line("mask " + std::to_string(*n) + " disagrees with subnet " + std::string(get("subnet")));
    length = static_cast<int>(*n);
  }
  if (!length) return bad_line("no subnet mask for " + ip->text());
  if (*length == 0) return bad_line("subnet mask 0 for " + ip->text());
  lease.subnet = network_of(*ip, *length);

  auto routers = address_list("router", get("router"));
  if (!routers) return routers.error();
  lease.routers = std::move(*routers);
  auto dns = address_list("dns", get("dns"));
  if (!dns) return dns.error();
  lease.dns = std::move(*dns);
  if (!get("serverid").empty()) {
    auto s = ipv4(get("serverid"));
    if (!s) return bad_line("serverid: " + shown(get("serverid")) + " is not an IPv4 address");
    lease.server = *s;
  }
  auto seconds = number(get("lease"), 1, 0xffffffffLL);
  if (!seconds) return bad_line("lease: " + shown(get("lease")) + " is not a lease time in seconds (1-4294967295)");
  lease.lease_time = std::chrono::seconds(*seconds);
  return lease;
}

}  // namespace

std::string_view code_name(Code code) {
  switch (code) {
    case Code::bad_settings: return "DHCP_BAD_SETTINGS";
    case Code::busy: return "DHCP_BUSY";
    case Code::spawn_failed: return "DHCP_SPAWN_FAILED";
    case Code::bad_line: return "DHCP_BAD_LINE";
    case Code::timeout: return "DHCP_TIMEOUT";
    case Code::client_exited: return "DHCP_CLIENT_EXITED";
    case Code::killed: return "DHCP_KILLED";
  }
  return "DHCP_UNKNOWN";
}

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::bound: return "bound";
    case EventKind::renew: return "renew";
    case EventKind::deconfig: return "deconfig";
    case EventKind::leasefail: return "leasefail";
    case EventKind::nak: return "nak";
  }
  return "?";
}

Result<std::vector<std::string>> build_argv(const Settings& s) {
  if (s.binary.empty() || s.binary[0] != '/')
    return bad_settings("udhcpc binary " + shown(s.binary) + " is not an absolute path");
  if (s.script.empty() || s.script[0] != '/')
    return bad_settings("event script " + shown(s.script) + " is not an absolute path");
  const auto& i = s.interface;
  bool name_ok = !i.empty() && i.size() <= 15 && i != "." && i != ".." && printable_ascii(i) &&
                 i.find_first_of("/: ") == std::string::npos;
  if (!name_ok) return bad_settings("interface " + shown(i) + " is not a network interface name");
  if (!s.hostname.empty()) {
    bool ok = s.hostname.size() <= 63 && s.hostname.front() != '-' && s.hostname.front() != '.';
    for (char c : s.hostname)
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.');
    if (!ok) return bad_settings("hostname " + shown(s.hostname) + ": want up to 63 letters, digits, '-' and '.'");
  }
  if (!s.vendor_class.empty() && (s.vendor_class.size() > 64 || !printable_ascii(s.vendor_class)))
    return bad_settings("vendor class " + shown(s.vendor_class) + ": want up to 64 printable ASCII characters");
  if (s.discover_tries < 1 || s.discover_tries > 100) return bad_settings("discover tries: want 1-100");
  if (s.discover_interval_s < 1 || s.discover_interval_s > 3600)
    return bad_settings("discover interval: want 1-3600 s");
  if (s.retry_after_s < 1 || s.retry_after_s > 3600) return bad_settings("retry pause: want 1-3600 s");

  std::vector<std::string> argv{s.binary};
  auto slash = s.binary.rfind('/');
  if (s.binary.substr(slash + 1) == "busybox") argv.emplace_back("udhcpc");
  argv.insert(argv.end(), {"-f", "-R", "-i", i, "-s", s.script, "-t", std::to_string(s.discover_tries), "-T",
                           std::to_string(s.discover_interval_s), "-A", std::to_string(s.retry_after_s)});
  if (!s.hostname.empty()) argv.insert(argv.end(), {"-x", "hostname:" + s.hostname});
  if (!s.vendor_class.empty()) argv.insert(argv.end(), {"-V", s.vendor_class});
  return argv;
}

bool is_event_line(std::string_view line) {
  return line.substr(0, kLinePrefix.size()) == kLinePrefix;
}

namespace {

// The kind whose to_string() is `word` ("bound"); nothing for another word.
std::optional<EventKind> event_kind(std::string_view word) {
  return value_named(word,
                     {EventKind::bound, EventKind::renew, EventKind::deconfig, EventKind::leasefail, EventKind::nak},
                     [](EventKind kind) { return to_string(kind); });
}

}  // namespace

Result<Event> parse_event(std::string_view line) {
  if (!is_event_line(line)) return bad_line("not a failberry-dhcp line");
  std::string_view rest = line.substr(kLinePrefix.size());
  std::map<std::string, std::string, std::less<>> fields;
  while (!rest.empty()) {
    if (rest.front() == ' ') {
      rest.remove_prefix(1);
      continue;
    }
    std::string_view token;
    if (rest.substr(0, 8) == "message=") {
      token = rest;  // the server's text: the rest of the line
      rest = {};
    } else {
      auto space = rest.find(' ');
      token = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space);
    }
    auto eq = token.find('=');
    if (eq == std::string_view::npos || eq == 0) return bad_line("field " + shown(token) + " is not key=value");
    auto [it, fresh] = fields.emplace(std::string(token.substr(0, eq)), std::string(token.substr(eq + 1)));
    if (!fresh) return bad_line("field " + it->first + " given twice");
  }
  auto get = [&](std::string_view key) -> std::string {
    auto it = fields.find(key);
    return it == fields.end() ? std::string{} : it->second;
  };
  Event event;
  std::string kind = get("event");
  if (kind.empty()) return bad_line("no event");
  auto known = event_kind(kind);
  if (!known) return bad_line("unknown event " + shown(kind));
  event.kind = *known;
  event.interface = get("interface");
  if (event.interface.empty()) return bad_line(kind + " without an interface");
  event.message = clean_text(get("message"), 200);
  if (event.kind == EventKind::bound || event.kind == EventKind::renew) {
    auto lease = read_lease(fields, event.interface);
    if (!lease) return Error{Code::bad_line, kind + ": " + lease.error().detail};
    event.lease = std::move(*lease);
  }
  return event;
}

}  // namespace fb::dhcp
