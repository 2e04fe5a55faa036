#include "fb/health/probe_packets.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace fb::health {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint16_t get16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

constexpr std::uint8_t kEchoRequest4 = 8, kEchoReply4 = 0, kUnreachable4 = 3, kTimeExceeded4 = 11;
constexpr std::uint8_t kEchoRequest6 = 128, kEchoReply6 = 129, kUnreachable6 = 1, kTooBig6 = 2, kTimeExceeded6 = 3;
constexpr std::size_t kIcmpHeader = 8;
constexpr std::size_t kIpv6Header = 40;
constexpr std::uint8_t kProtoIcmp4 = 1, kProtoIcmp6 = 58;

// The IPv4 header length when `b` starts with a plausible one (version 4, IHL >= 5, in bounds).
std::optional<std::size_t> ipv4_header(Bytes b) {
  if (b.size() < 20 || (b[0] >> 4) != 4) return std::nullopt;
  std::size_t ihl = static_cast<std::size_t>(b[0] & 0x0f) * 4;
  if (ihl < 20 || ihl > b.size()) return std::nullopt;
  return ihl;
}

bool is_error_type(int family, std::uint8_t type) {
  if (family == AF_INET) return type == kUnreachable4 || type == kTimeExceeded4;
  return type == kUnreachable6 || type == kTooBig6 || type == kTimeExceeded6;
}

// An ICMP error quotes the offending datagram: its IP header, then (at least) 8 bytes
// of its payload. We care only when that was one of our echo requests.
void parse_quoted(int family, Bytes quoted, IcmpMessage& m) {
  std::size_t header = 0;
  std::uint8_t proto = 0;
  if (family == AF_INET) {
    auto ihl = ipv4_header(quoted);
    if (!ihl) return;
    header = *ihl;
    proto = quoted[9];
    m.quoted_source = IpAddress::from_bytes(AF_INET, quoted.data() + 12);
    m.quoted_destination = IpAddress::from_bytes(AF_INET, quoted.data() + 16);
  } else {
    if (quoted.size() < kIpv6Header || (quoted[0] >> 4) != 6) return;
    header = kIpv6Header;
    proto = quoted[6];  // next header: extension headers are not followed (we never send any)
    m.quoted_source = IpAddress::from_bytes(AF_INET6, quoted.data() + 8);
    m.quoted_destination = IpAddress::from_bytes(AF_INET6, quoted.data() + 24);
  }
  if (proto != (family == AF_INET ? kProtoIcmp4 : kProtoIcmp6)) return;
  Bytes echo = quoted.subspan(header);
  if (echo.size() < kIcmpHeader) return;
  if (echo[0] != (family == AF_INET ? kEchoRequest4 : kEchoRequest6)) return;
  m.kind = IcmpMessage::Kind::error;
  m.id = get16(echo, 4);
  m.sequence = get16(echo, 6);
}

// Advances over one (possibly compressed) name starting at `at`; false when
// it runs out of bounds, uses a reserved label type or loops.
bool skip_name(Bytes msg, std::size_t& at) {
  std::size_t pos = at;
  bool jumped = false;
  int hops = 0;
  std::size_t length = 0;
  while (true) {
    if (pos >= msg.size()) return false;
    std::uint8_t len = msg[pos];
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= msg.size()) return false;
      if (++hops > 64) return false;  // a loop, or absurd nesting
      std::size_t target = static_cast<std::size_t>(get16(msg, pos) & 0x3fff);
      if (!jumped) at = pos + 2;
      jumped = true;
      if (target >= msg.size()) return false;
      pos = target;
      continue;
    }
    if ((len & 0xc0) != 0) return false;  // 0x40/0x80 label types are reserved
    if (len == 0) {
      if (!jumped) at = pos + 1;
      return true;
    }
    length += len + 1u;
    if (length > 255) return false;
    pos += 1u + len;
  }
}

}  // namespace

std::uint16_t internet_checksum(Bytes data) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += get16(data, i);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::vector<std::uint8_t> icmp_echo_request(int family, std::uint16_t id, std::uint16_t sequence, Bytes payload) {
  std::vector<std::uint8_t> out;
  out.reserve(kIcmpHeader + payload.size());
  out.push_back(family == AF_INET ? kEchoRequest4 : kEchoRequest6);
  out.push_back(0);  // code
  put16(out, 0);     // checksum, below
  put16(out, id);
  put16(out, sequence);
  out.insert(out.end(), payload.begin(), payload.end());
  if (family == AF_INET) {
    std::uint16_t sum = internet_checksum(out);
    out[2] = static_cast<std::uint8_t>(sum >> 8);
    out[3] = static_cast<std::uint8_t>(sum & 0xff);
  }
  return out;
}

std::optional<IcmpMessage> parse_icmp(int family, Bytes packet, bool with_ipv4_header) {
  if (family != AF_INET && family != AF_INET6) return std::nullopt;
  IcmpMessage m;
  if (family == AF_INET && with_ipv4_header) {
    auto ihl = ipv4_header(packet);
    if (!ihl || packet[9] != kProtoIcmp4) return std::nullopt;
    m.ip_header_bytes = *ihl;
    packet = packet.subspan(*ihl);
  }
  if (packet.size() < kIcmpHeader) return std::nullopt;
  m.type = packet[0];
  m.code = packet[1];
  if (m.type == (family == AF_INET ? kEchoReply4 : kEchoReply6)) {
    m.kind = IcmpMessage::Kind::echo_reply;
    m.id = get16(packet, 4);
    m.sequence = get16(packet, 6);
    m.payload.assign(packet.begin() + kIcmpHeader, packet.end());
  } else if (is_error_type(family, m.type)) {
    parse_quoted(family, packet.subspan(kIcmpHeader), m);
  }
  return m;
}

std::string icmp_error_text(int family, std::uint8_t type, std::uint8_t code) {
  if (family == AF_INET) {
    if (type == kTimeExceeded4) return code == 0 ? "time to live exceeded in transit" : "time exceeded";
    if (type != kUnreachable4) return "ICMP type " + std::to_string(type);
    switch (code) {
      case 0: return "destination network unreachable";
      case 1: return "destination host unreachable";
      case 2: return "destination protocol unreachable";
      case 3: return "destination port unreachable";
      case 4: return "fragmentation needed";
      case 9:
      case 10:
      case 13: return "communication administratively prohibited";
      default: return "destination unreachable (code " + std::to_string(code) + ")";
    }
  }
  if (type == kTooBig6) return "packet too big";
  if (type == kTimeExceeded6) return code == 0 ? "hop limit exceeded in transit" : "time exceeded";
  if (type != kUnreachable6) return "ICMPv6 type " + std::to_string(type);
  switch (code) {
    case 0: return "no route to destination";
    case 1: return "communication administratively prohibited";
    case 3: return "address unreachable";
    case 4: return "port unreachable";
    case 5: return "source address failed ingress/egress policy";
    case 6: return "reject route to destination";
    default: return "destination unreachable (code " + std::to_string(code) + ")";
  }
}

std::vector<std::uint8_t> dns_query(std::uint16_t id) {
  std::vector<std::uint8_t> q;
  put16(q, id);
  put16(q, 0x0100);  // standard query, RD
  put16(q, 1);       // QDCOUNT
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  q.push_back(0);  // the root name
  put16(q, 2);     // QTYPE NS
  put16(q, 1);     // QCLASS IN
  return q;
}

DnsReplyCheck check_dns_reply(Bytes reply, Bytes query) {
  DnsReplyCheck r;
  auto bad = [&](std::string why) {
    r.verdict = DnsReplyCheck::Verdict::malformed;
    r.problem = std::move(why);
    return r;
  };
  if (query.size() < 12) return bad("no query to compare with");
  if (reply.size() < 12) return bad("reply of " + std::to_string(reply.size()) + " bytes is shorter than a DNS header");
  std::uint16_t flags = get16(reply, 2);
  if (!(flags & 0x8000)) return bad("not a response (QR clear)");
  if (get16(reply, 0) != get16(query, 0)) {
    r.verdict = DnsReplyCheck::Verdict::wrong_id;
    r.problem = "reply id " + std::to_string(get16(reply, 0)) + ", expected " + std::to_string(get16(query, 0));
    return r;
  }
  if (((flags >> 11) & 0xf) != ((get16(query, 2) >> 11) & 0xf)) return bad("opcode differs from the query's");
  std::size_t qd = get16(reply, 4);
  std::size_t records = static_cast<std::size_t>(get16(reply, 6)) + get16(reply, 8) + get16(reply, 10);
  std::size_t at = 12;
  if (qd > 1) return bad(std::to_string(qd) + " questions in reply to one");
  if (qd == 1) {
    std::size_t start = at;
    if (!skip_name(reply, at) || at + 4 > reply.size()) return bad("question section truncated or malformed");
    // Our question is uncompressed; a reply echoing it byte for byte is the norm. A
    // compressed echo of the root name cannot occur (the root is one zero byte).
    Bytes ours = query.subspan(12);
    Bytes theirs = reply.subspan(start, at + 4 - start);
    if (ours.size() != theirs.size() || !std::equal(ours.begin(), ours.end(), theirs.begin()))
      return bad("question differs from the query's");
    at += 4;
  }
  for (std::size_t i = 0; i < records; ++i) {
    if (!skip_name(reply, at) || at + 10 > reply.size())
      return bad("record " + std::to_string(i + 1) + " of " + std::to_string(records) + " truncated or malformed");
    std::size_t rdlength = get16(reply, at + 8);
    at += 10;
    if (at + rdlength > reply.size())
      return bad("record " + std::to_string(i + 1) + " of " + std::to_string(records) + " runs past the reply");
    at += rdlength;
  }
  r.verdict = DnsReplyCheck::Verdict::ok;
  r.rcode = flags & 0xf;
  return r;
}

const char* to_string(DnsReplyCheck::Verdict verdict) {
  switch (verdict) {
    case DnsReplyCheck::Verdict::ok: return "ok";
    case DnsReplyCheck::Verdict::wrong_id: return "wrong_id";
    case DnsReplyCheck::Verdict::malformed: return "malformed";
  }
  return "?";
}

}  // namespace fb::health
