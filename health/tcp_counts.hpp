// What one TCP connection put on and took off the wire at the IP layer, read
// from the socket's own counters (TCP_INFO) before it is closed. Private
// to health/'s probes; a file of its own because <linux/tcp.h>'s full
// struct tcp_info cannot share a translation unit with glibc's <netinet/tcp.h>
// (which Asio includes).
#pragma once

#include <cstdint>

namespace fb::health {

struct TcpCounts {
  bool seen = false;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

// Payload bytes (retransmissions included) plus one IP + TCP header per
// segment. Header options are taken from what was negotiated (timestamps),
// plus the SYN's larger option block; the closing segments the kernel
// exchanges after close() are added by the connection's state. Adds to
// `counts`; leaves it alone when the socket has no TCP_INFO.
void add_tcp_counts(int fd, int family, TcpCounts& counts);

}  // namespace fb::health
