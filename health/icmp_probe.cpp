// The ICMP echo probe: one echo request to the target, ok when the matching
// reply arrives, over a ping socket when the kernel lets us have one, else a
// raw socket (see probe.cpp for how the two differ).
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fb/health/probe_packets.hpp"
#include "probe_socket.hpp"

namespace fb::health {
namespace {

constexpr int kIcmpFilter = 1;           // ICMP_FILTER (SOL_RAW) from <linux/icmp.h>
constexpr std::size_t kEchoPayload = 8;  // a random token: small, the cellular link is metered

class IcmpProbe final : public DatagramProbe {
 public:
  IcmpProbe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done)
      : DatagramProbe(host, id, request, std::move(done), "echo", "no echo reply") {}

  void start() override {
    int family = this->family();
    int proto = family == AF_INET ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
    // The ping socket first (no privilege when net.ipv4.ping_group_range admits our group; the kernel
    // matches replies to it by id), else a raw socket (CAP_NET_RAW, which failberryd has).
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd >= 0) {
      note_method(1, "");
    } else {
      int ping_err = errno;
      fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
      if (fd < 0) {
        int raw_err = errno;
        fail_later("PROBE_FAILED", "no ICMP socket: ping socket: " + errno_text(ping_err) +
                                       " (net.ipv4.ping_group_range excludes our group), raw socket: " +
                                       errno_text(raw_err) + " (needs CAP_NET_RAW)");
        return;
      }
      raw_ = true;
      note_method(2, "ping socket: " + errno_text(ping_err));
    }
    if (!adopt(fd)) return;
    if (!raw_) want_errors();
    if (raw_) pass_replies_only(fd);
    if (!aim(0, !raw_)) return;
    echo_id_ = static_cast<std::uint16_t>(host.random());  // a ping socket replaces it with its own
    sequence_ = host.icmp_sequence++;
    token_.resize(kEchoPayload);
    for (auto& b : token_) b = static_cast<std::uint8_t>(host.random());
    auto echo = icmp_echo_request(family, echo_id_, sequence_, token_);
    if (!send(echo)) return;
    result.bytes_sent = ip_header_bytes(family) + echo.size();
    arm();
  }

 private:
  bool raw_ = false;  // a raw socket: the reply carries the IPv4 header; ids are ours to match
  std::uint16_t echo_id_ = 0;
  std::uint16_t sequence_ = 0;
  std::vector<std::uint8_t> token_;  // the echo payload

  // Logged once per family and Prober, and again when it changes.
  void note_method(int method, const std::string& why) {
    int& known = host.icmp_method[family() == AF_INET ? 0 : 1];
    if (known == method) return;
    known = method;
    const char* v = family() == AF_INET ? "IPv4" : "IPv6";
    if (method == 1)
      host.log.info() << v << " echo via unprivileged ping sockets";
    else
      host.log.info() << v << " echo via raw sockets (" << why << ")";
  }

  // Only echo replies and errors wake us: a raw socket sees every ICMP message of the interface.
  void pass_replies_only(int fd) {
    if (family() == AF_INET) {
      std::uint32_t blocked = ~((1u << 0) | (1u << 3) | (1u << 11));  // echo reply, unreachable, time exceeded
      ::setsockopt(fd, SOL_RAW, kIcmpFilter, &blocked, sizeof blocked);
    } else {
      icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
      ::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
  }

  bool on_datagram(std::span<const std::uint8_t> packet, const sockaddr_storage& from) override {
    int family = this->family();
    auto m = parse_icmp(family, packet, raw_ && family == AF_INET);
    std::size_t wire = packet.size() + ((raw_ && family == AF_INET) ? 0 : ip_header_bytes(family));
    if (!m) {
      if (!raw_) {  // a ping socket delivers only what is addressed to it: this was for us, and broken
        result.bytes_received += wire;
        note_bad("malformed ICMP reply of " + std::to_string(packet.size()) + " bytes");
      }
      return false;
    }
    auto sender = peer_of(from);
    if (m->kind == IcmpMessage::Kind::echo_reply) {
      bool ours = !raw_ || (m->id == echo_id_ && sender && *sender == request.target);
      if (!ours) return false;  // another prober's or ping's reply, seen by every raw socket
      result.bytes_received += wire;
      if (m->sequence != sequence_ || m->payload != token_) {
        note_bad("echo reply with sequence " + std::to_string(m->sequence) + " (expected " + std::to_string(sequence_) +
                 ") or a payload not ours");
        return false;
      }
      succeed();
      return true;
    }
    if (m->kind == IcmpMessage::Kind::error && raw_ && m->id == echo_id_ && m->sequence == sequence_ &&
        m->quoted_destination && *m->quoted_destination == request.target) {
      // Our own kernel's verdict (a gateway that never answered ARP/ND) crossed no wire.
      bool from_us = sender && m->quoted_source && *sender == *m->quoted_source;
      if (!from_us) result.bytes_received += wire;
      fail("PROBE_UNREACHABLE",
           icmp_error_text(family, m->type, m->code) +
               (sender ? (from_us ? " (from this host)" : " (from " + sender->text() + ")") : std::string()));
      return true;
    }
    return false;
  }
};

}  // namespace

std::unique_ptr<Probe> make_icmp_probe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done) {
  return std::make_unique<IcmpProbe>(host, id, request, std::move(done));
}

}  // namespace fb::health
