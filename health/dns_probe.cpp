// The DNS probe: one query to target:53 (or the request's port) over a
// connected UDP socket; ok on any well-formed reply with the query's id.
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

constexpr std::size_t kUdpHeader = 8;

class DnsProbe final : public DatagramProbe {
 public:
  DnsProbe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done)
      : DatagramProbe(host, id, request, std::move(done), "DNS query", "no DNS reply") {}

  void start() override {
    int fd = ::socket(family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) {
      fail_later("PROBE_FAILED", "socket: " + errno_text(errno));
      return;
    }
    if (!adopt(fd)) return;
    want_errors();
    if (!aim(request.port ? request.port : 53, true)) return;
    query_ = dns_query(static_cast<std::uint16_t>(host.random()));
    if (!send(query_)) return;
    result.bytes_sent = ip_header_bytes(family()) + kUdpHeader + query_.size();
    arm();
  }

 private:
  std::vector<std::uint8_t> query_;

  bool on_datagram(std::span<const std::uint8_t> packet, const sockaddr_storage&) override {
    result.bytes_received += ip_header_bytes(family()) + kUdpHeader + packet.size();
    auto check = check_dns_reply(packet, query_);
    if (check.verdict != DnsReplyCheck::Verdict::ok) {
      // Maybe a late or forged answer: keep listening for ours until the deadline.
      note_bad(std::string(check.verdict == DnsReplyCheck::Verdict::wrong_id ? "DNS reply for another query: "
                                                                             : "malformed DNS reply: ") +
               check.problem);
      return false;
    }
    log.debug() << "rcode " << check.rcode;
    succeed();
    return true;
  }
};

}  // namespace

std::unique_ptr<Probe> make_dns_probe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done) {
  return std::make_unique<DnsProbe>(host, id, request, std::move(done));
}

}  // namespace fb::health
