#include "tcp_counts.hpp"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace fb::health {
namespace {
// The kernel's TCP states as TCP_INFO reports them (include/net/tcp_states.h).
constexpr unsigned kEstablished = 1;
constexpr unsigned kCloseWait = 8;
constexpr std::uint64_t kTcpHeader = 20;
constexpr std::uint64_t kSynOptions = 20;  // Linux's SYN: MSS, SACK-permitted, timestamps, window scale
}  // namespace

void add_tcp_counts(int fd, int family, TcpCounts& counts) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return;
  std::uint64_t ip = family == AF_INET ? 20 : 40;
  std::uint64_t segs_out = info.tcpi_segs_out;
  std::uint64_t segs_in = info.tcpi_segs_in;
  counts.seen = true;
  if (segs_in == 0) {  // never answered: only SYNs (and their retransmissions) left
    counts.sent += segs_out * (ip + kTcpHeader + kSynOptions);
    return;
  }
  std::uint64_t header = ip + kTcpHeader + ((info.tcpi_options & TCPI_OPT_TIMESTAMPS) ? 12 : 0);
  if (info.tcpi_state == kEstablished) {
    segs_out += 2;  // our FIN, then our ACK of theirs
    segs_in += 1;   // their FIN+ACK
  } else if (info.tcpi_state == kCloseWait) {
    segs_out += 1;  // our FIN
    segs_in += 1;   // its ACK
  }
  std::uint64_t syn_extra = kSynOptions - (header - ip - kTcpHeader);  // SYN / SYN-ACK carry more options
  counts.sent += info.tcpi_bytes_sent + segs_out * header + syn_extra;
  counts.received += info.tcpi_bytes_received + segs_in * header + syn_extra;
}

}  // namespace fb::health
