// The bytes of the ICMP echo and DNS probes: building requests and judging
// replies (fb_health_packets).
//
// Contract: pure functions of their arguments — no sockets, no clocks, no
// exceptions — so they are unit-tested (also under qemu-user) and fuzzable.
// Every reply is untrusted network input: a short, garbled or foreign packet
// yields a verdict and a short reason, never a crash or an out-of-bounds read.
// No DNS library is among the project's dependencies and the probe needs only
// one fixed query and a well-formedness check, so both are written here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fb/net_types.hpp"

namespace fb::health {

// RFC 1071 checksum (ICMPv4; ICMPv6's includes a pseudo-header the kernel
// computes for ping and raw ICMPv6 sockets).
std::uint16_t internet_checksum(std::span<const std::uint8_t> data);

// An echo request (ICMPv4 type 8 with its checksum, or ICMPv6 type 128 with
// checksum 0, left to the kernel), from the ICMP header on.
std::vector<std::uint8_t> icmp_echo_request(int family, std::uint16_t id, std::uint16_t sequence,
                                            std::span<const std::uint8_t> payload);

struct IcmpMessage {
  enum class Kind {
    echo_reply,  // id/sequence/payload are the reply's
    error,       // destination unreachable / time exceeded / too big quoting an echo request:
                 // id/sequence are the quoted request's, quoted_destination where it went
    other,       // anything else (requests, router adverts, errors about other traffic)
  };
  Kind kind = Kind::other;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t id = 0;
  std::uint16_t sequence = 0;
  std::vector<std::uint8_t> payload;       // echo_reply only
  std::optional<IpAddress> quoted_source;  // error only: who sent the quoted datagram (us, or not)
  std::optional<IpAddress> quoted_destination;
  std::size_t ip_header_bytes = 0;  // of the packet itself when it came with one
};

// Parses one received ICMP message. `with_ipv4_header`: the buffer starts with
// the IPv4 header (raw IPv4 sockets); ping sockets and IPv6 give the ICMP
// message alone. Nothing when the packet is too short or malformed.
std::optional<IcmpMessage> parse_icmp(int family, std::span<const std::uint8_t> packet, bool with_ipv4_header);

// "destination host unreachable", "time exceeded in transit", ... for an error.
std::string icmp_error_text(int family, std::uint8_t type, std::uint8_t code);

// The DNS probe's query: ". IN NS" with recursion desired — the smallest
// question every resolver answers, from its cache, without leaking a name.
std::vector<std::uint8_t> dns_query(std::uint16_t id);

struct DnsReplyCheck {
  enum class Verdict { ok, wrong_id, malformed };
  Verdict verdict = Verdict::malformed;
  int rcode = -1;       // when ok: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, ...
  std::string problem;  // when not ok
};

// Judges `reply` against the `query` we sent: ok when it is a response (QR)
// with the query's id and opcode, echoes our question (or has none, as some
// error replies do), and every record it counts is present and in bounds
// (names may be compressed; pointer loops are refused). Any rcode is ok: the
// resolver answered. A truncated (TC) reply is complete enough for that.
DnsReplyCheck check_dns_reply(std::span<const std::uint8_t> reply, std::span<const std::uint8_t> query);

const char* to_string(DnsReplyCheck::Verdict verdict);

}  // namespace fb::health
