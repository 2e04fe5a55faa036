// The probe packets (fb_health_packets): echo requests and DNS queries byte
// for byte, and the checks of replies — good ones, and the truncated,
// foreign, looping and garbage ones the network can hand us.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <random>

#include "fb/health/probe_packets.hpp"

using fb::health::check_dns_reply;
using fb::health::dns_query;
using fb::health::DnsReplyCheck;
using fb::health::icmp_echo_request;
using fb::health::icmp_error_text;
using fb::health::IcmpMessage;
using fb::health::internet_checksum;
using fb::health::parse_icmp;
using Bytes = std::vector<std::uint8_t>;
using Verdict = DnsReplyCheck::Verdict;

namespace {

Bytes ipv4_header(std::uint8_t protocol, const char* src, const char* dst, std::size_t payload) {
  Bytes h = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, protocol, 0, 0};
  std::size_t total = 20 + payload;
  h[2] = static_cast<std::uint8_t>(total >> 8);
  h[3] = static_cast<std::uint8_t>(total);
  for (const char* a : {src, dst}) {
    auto ip = *fb::IpAddress::parse(a);
    h.insert(h.end(), ip.bytes.begin(), ip.bytes.begin() + 4);
  }
  return h;
}

Bytes ipv6_header(std::uint8_t next, const char* src, const char* dst, std::size_t payload) {
  Bytes h = {0x60, 0, 0, 0, static_cast<std::uint8_t>(payload >> 8), static_cast<std::uint8_t>(payload), next, 64};
  for (const char* a : {src, dst}) {
    auto ip = *fb::IpAddress::parse(a);
    h.insert(h.end(), ip.bytes.begin(), ip.bytes.end());
  }
  return h;
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A reply as a resolver sends it to our ". NS" query: the question echoed,
// an answer with its owner compressed to the question's, one NS target.
Bytes good_reply(std::uint16_t id, std::uint16_t rcode = 0) {
  Bytes r = {static_cast<std::uint8_t>(id >> 8),
             static_cast<std::uint8_t>(id),
             0x81,
             static_cast<std::uint8_t>(0x80 | rcode),
             0,
             1,
             0,
             1,
             0,
             0,
             0,
             0};
  Bytes question = {0, 0, 2, 0, 1};
  Bytes rdata = {1, 'a', 12, 'r', 'o', 'o', 't', '-', 's', 'e', 'r', 'v', 'e', 'r', 's', 3, 'n', 'e', 't', 0};
  Bytes answer = {0xc0, 0x0c, 0, 2, 0, 1, 0, 0x07, 0xe9, 0, 0, static_cast<std::uint8_t>(rdata.size())};
  return cat(cat(cat(r, question), answer), rdata);
}

}  // namespace

TEST_CASE("internet checksum: the RFC 1071 example, odd lengths, and a packet that sums to zero") {
  CHECK(internet_checksum(Bytes{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}) == 0x220d);
  CHECK(internet_checksum(Bytes{}) == 0xffff);
  CHECK(internet_checksum(Bytes{0x01}) == 0xfeff);
  auto echo = icmp_echo_request(AF_INET, 0x1234, 7, Bytes{1, 2, 3});
  CHECK(internet_checksum(echo) == 0);
}

TEST_CASE("echo requests: ICMPv4 type 8 with its checksum, ICMPv6 type 128 with the kernel's") {
  Bytes payload = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3};
  auto v4 = icmp_echo_request(AF_INET, 0xabcd, 0x0102, payload);
  REQUIRE(v4.size() == 16);
  CHECK(v4[0] == 8);
  CHECK(v4[1] == 0);
  CHECK(v4[4] == 0xab);
  CHECK(v4[5] == 0xcd);
  CHECK(v4[6] == 0x01);
  CHECK(v4[7] == 0x02);
  CHECK(Bytes(v4.begin() + 8, v4.end()) == payload);
  CHECK(internet_checksum(v4) == 0);
  auto v6 = icmp_echo_request(AF_INET6, 0xabcd, 0x0102, payload);
  REQUIRE(v6.size() == 16);
  CHECK(v6[0] == 128);
  CHECK(v6[2] == 0);
  CHECK(v6[3] == 0);
}

TEST_CASE("echo replies parse with and without the IPv4 header, and for IPv6") {
  Bytes payload = {9, 8, 7, 6, 5, 4, 3, 2};
  auto reply4 = icmp_echo_request(AF_INET, 0x1111, 42, payload);
  reply4[0] = 0;  // echo reply
  auto m = parse_icmp(AF_INET, reply4, false);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::echo_reply);
  CHECK(m->id == 0x1111);
  CHECK(m->sequence == 42);
  CHECK(m->payload == payload);
  CHECK(m->ip_header_bytes == 0);

  auto raw = cat(ipv4_header(1, "198.51.100.10", "10.0.1.2", reply4.size()), reply4);
  m = parse_icmp(AF_INET, raw, true);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::echo_reply);
  CHECK(m->ip_header_bytes == 20);
  CHECK(m->payload == payload);

  auto reply6 = icmp_echo_request(AF_INET6, 0x2222, 43, payload);
  reply6[0] = 129;
  m = parse_icmp(AF_INET6, reply6, false);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::echo_reply);
  CHECK(m->sequence == 43);

  // A request (our own, looped back) or an unrelated type is "other", not a reply.
  m = parse_icmp(AF_INET, icmp_echo_request(AF_INET, 1, 2, payload), false);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::other);
}

TEST_CASE("ICMP errors quoting our echo request name its id, sequence and destination") {
  auto ours = icmp_echo_request(AF_INET, 0x3333, 5, Bytes(8, 0xaa));
  auto quoted = cat(ipv4_header(1, "10.0.2.2", "198.51.100.10", ours.size()), ours);
  Bytes unreach = {3, 0, 0, 0, 0, 0, 0, 0};
  auto m = parse_icmp(AF_INET, cat(unreach, quoted), false);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::error);
  CHECK(m->type == 3);
  CHECK(m->id == 0x3333);
  CHECK(m->sequence == 5);
  REQUIRE(m->quoted_destination);
  CHECK(m->quoted_destination->text() == "198.51.100.10");
  CHECK(m->quoted_source->text() == "10.0.2.2");
  // Routers may quote only the first 8 bytes of the payload: still enough.
  auto short_quote = Bytes(quoted.begin(), quoted.begin() + 28);
  m = parse_icmp(AF_INET, cat(ipv4_header(1, "10.0.2.1", "10.0.2.2", 36), cat(unreach, short_quote)), true);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::error);
  CHECK(m->id == 0x3333);

  auto ours6 = icmp_echo_request(AF_INET6, 0x4444, 6, Bytes(8, 0xbb));
  auto quoted6 = cat(ipv6_header(58, "fd00:2::2", "2001:db8:100::10", ours6.size()), ours6);
  Bytes unreach6 = {1, 0, 0, 0, 0, 0, 0, 0};
  m = parse_icmp(AF_INET6, cat(unreach6, quoted6), false);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::error);
  CHECK(m->id == 0x4444);
  CHECK(m->quoted_destination->text() == "2001:db8:100::10");
  CHECK(m->quoted_source->text() == "fd00:2::2");

  // An error about someone's UDP datagram, or a quote cut inside the IP header: not ours.
  auto udp = cat(ipv4_header(17, "10.0.2.2", "198.51.100.10", 8), Bytes(8, 0));
  m = parse_icmp(AF_INET, cat(unreach, udp), false);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::other);
  m = parse_icmp(AF_INET, cat(unreach, Bytes(quoted.begin(), quoted.begin() + 12)), false);
  REQUIRE(m);
  CHECK(m->kind == IcmpMessage::Kind::other);
}

TEST_CASE("short, non-ICMP and malformed packets are refused without reading past them") {
  CHECK_FALSE(parse_icmp(AF_INET, Bytes{}, false));
  CHECK_FALSE(parse_icmp(AF_INET, Bytes{0, 0, 0, 0, 0, 0, 0}, false));
  auto reply = icmp_echo_request(AF_INET, 1, 1, Bytes{});
  auto raw = cat(ipv4_header(1, "1.2.3.4", "5.6.7.8", reply.size()), reply);
  for (std::size_t n = 0; n < raw.size(); ++n)
    CHECK_FALSE(parse_icmp(AF_INET, Bytes(raw.begin(), raw.begin() + n), true));
  auto bad_ihl = raw;
  bad_ihl[0] = 0x44;  // IHL 4 words: shorter than any IPv4 header
  CHECK_FALSE(parse_icmp(AF_INET, bad_ihl, true));
  auto long_ihl = raw;
  long_ihl[0] = 0x4f;  // 60 bytes of header in a 28-byte packet
  CHECK_FALSE(parse_icmp(AF_INET, long_ihl, true));
  auto tcp = raw;
  tcp[9] = 6;
  CHECK_FALSE(parse_icmp(AF_INET, tcp, true));
  CHECK_FALSE(parse_icmp(12345, reply, false));
}

TEST_CASE("ICMP error texts") {
  CHECK(icmp_error_text(AF_INET, 3, 1) == "destination host unreachable");
  CHECK(icmp_error_text(AF_INET, 3, 0) == "destination network unreachable");
  CHECK(icmp_error_text(AF_INET, 3, 13) == "communication administratively prohibited");
  CHECK(icmp_error_text(AF_INET, 11, 0) == "time to live exceeded in transit");
  CHECK(icmp_error_text(AF_INET, 3, 99) == "destination unreachable (code 99)");
  CHECK(icmp_error_text(AF_INET6, 1, 0) == "no route to destination");
  CHECK(icmp_error_text(AF_INET6, 1, 3) == "address unreachable");
  CHECK(icmp_error_text(AF_INET6, 2, 0) == "packet too big");
}

TEST_CASE("the DNS query is '. IN NS' with recursion desired") {
  CHECK(dns_query(0xbeef) == Bytes{0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1});
}

TEST_CASE("DNS replies: answers with any rcode are ok") {
  auto q = dns_query(0x1234);
  auto r = check_dns_reply(good_reply(0x1234), q);
  CHECK(r.verdict == Verdict::ok);
  CHECK(r.rcode == 0);
  r = check_dns_reply(good_reply(0x1234, 3), q);
  CHECK(r.verdict == Verdict::ok);
  CHECK(r.rcode == 3);
  // SERVFAIL without records, FORMERR without the question (some servers drop it).
  Bytes servfail = {0x12, 0x34, 0x81, 0x82, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1};
  CHECK(check_dns_reply(servfail, q).rcode == 2);
  Bytes formerr = {0x12, 0x34, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(check_dns_reply(formerr, q).verdict == Verdict::ok);
  // Truncated-flag replies are still answers; trailing bytes are tolerated.
  auto tc = good_reply(0x1234);
  tc[2] |= 0x02;
  CHECK(check_dns_reply(tc, q).verdict == Verdict::ok);
  CHECK(check_dns_reply(cat(good_reply(0x1234), Bytes{0, 0, 0}), q).verdict == Verdict::ok);
}

TEST_CASE("DNS replies: wrong id, not a response, another question or opcode") {
  auto q = dns_query(0x1234);
  auto r = check_dns_reply(good_reply(0x1235), q);
  CHECK(r.verdict == Verdict::wrong_id);
  CHECK(r.problem == "reply id 4661, expected 4660");
  auto query_echo = q;  // our own query reflected back: QR clear
  CHECK(check_dns_reply(query_echo, q).verdict == Verdict::malformed);
  CHECK(check_dns_reply(query_echo, q).problem == "not a response (QR clear)");
  auto other_q = good_reply(0x1234);
  other_q[14] = 1;  // QTYPE A instead of NS
  CHECK(check_dns_reply(other_q, q).problem == "question differs from the query's");
  auto opcode = good_reply(0x1234);
  opcode[2] |= 0x10;  // opcode 2 (status)
  CHECK(check_dns_reply(opcode, q).problem == "opcode differs from the query's");
  auto two_questions = good_reply(0x1234);
  two_questions[5] = 2;
  CHECK(check_dns_reply(two_questions, q).verdict == Verdict::malformed);
}

TEST_CASE("DNS replies: every truncation of a good reply is malformed") {
  auto q = dns_query(0x1234);
  auto good = good_reply(0x1234);
  REQUIRE(check_dns_reply(good, q).verdict == Verdict::ok);
  for (std::size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK(check_dns_reply(Bytes(good.begin(), good.begin() + n), q).verdict == Verdict::malformed);
  }
  CHECK(check_dns_reply(Bytes(5, 0), q).problem == "reply of 5 bytes is shorter than a DNS header");
}

TEST_CASE("DNS replies: compression loops, wild pointers, reserved labels, overlong rdata") {
  auto q = dns_query(0x1234);
  auto loop = good_reply(0x1234);
  loop[17] = 0xc0;  // the answer's owner points at itself
  loop[18] = 17;
  CHECK(check_dns_reply(loop, q).verdict == Verdict::malformed);
  auto wild = good_reply(0x1234);
  wild[17] = 0xff;  // pointer far past the end
  wild[18] = 0xff;
  CHECK(check_dns_reply(wild, q).verdict == Verdict::malformed);
  auto reserved = good_reply(0x1234);
  reserved[17] = 0x40;
  CHECK(check_dns_reply(reserved, q).verdict == Verdict::malformed);
  auto overlong = good_reply(0x1234);
  overlong[28] = 200;  // rdlength beyond the reply
  CHECK(check_dns_reply(overlong, q).problem == "record 1 of 1 runs past the reply");
  auto more_records = good_reply(0x1234);
  more_records[11] = 3;  // three additional records promised, none there
  CHECK(check_dns_reply(more_records, q).verdict == Verdict::malformed);
}

TEST_CASE("DNS and ICMP parsers take random garbage without harm") {
  std::mt19937 rng(20261121);
  auto q = dns_query(0x1234);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes junk(rng() % 80);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (i % 2 && junk.size() >= 4) {  // half look like answers to us, so the deeper checks run
      junk[0] = 0x12;
      junk[1] = 0x34;
      junk[2] = 0x81;
    }
    auto r = check_dns_reply(junk, q);
    if (r.verdict == Verdict::ok)
      ++ok;
    else
      CHECK_FALSE(r.problem.empty());
    (void)parse_icmp(AF_INET, junk, i % 3 == 0);
    (void)parse_icmp(AF_INET6, junk, false);
  }
  CHECK(ok < 20000 / 10);  // garbage is hardly ever a well-formed answer
}
