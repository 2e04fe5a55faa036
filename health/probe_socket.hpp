// What the probe kinds share under probe.hpp's contract: target addresses,
// the IP-layer byte counts, the errno verdicts and, for ICMP and DNS, one
// datagram socket bound to the uplink with its deadline. Private to health/.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fb/net_types.hpp"
#include "probe_kind.hpp"

namespace fb::health {

// What the IP layer adds to what a datagram socket sees: IPv4 without options,
// IPv6 without extension headers (neither is sent by us, nor usual in replies).
std::size_t ip_header_bytes(int family);

std::string errno_text(int err);

// Local "no route" and ICMP errors the kernel turned into errno.
bool is_unreachable_errno(int err);

// PROBE_UNREACHABLE for those, else PROBE_FAILED.
const char* errno_code(int err);

bool is_link_local(const IpAddress& a);

// `a`:`port` as a socket address; a link-local IPv6 target gets `interface`'s scope.
socklen_t socket_address(const IpAddress& a, unsigned short port, const std::string& interface, sockaddr_storage& out);

// The address of a received datagram's sender (or of an ICMP error's offender).
std::optional<IpAddress> peer_of(const sockaddr_storage& from);

// A probe that sends one datagram and reads replies until one settles it or
// the deadline passes. A kind sets the socket up in start() (adopt(), aim(),
// send(), arm()) and judges each datagram in on_datagram().
class DatagramProbe : public Probe {
 public:
  // `datagram` names what we send ("echo"), `silence` what a timeout means ("no echo reply").
  DatagramProbe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done, const char* datagram,
                const char* silence);

 protected:
  // Takes `fd` into the probe and binds it to the uplink. False (and the probe failed later) on error.
  bool adopt(int fd);
  // Ping and UDP sockets hear of ICMP errors through their error queue
  // (type, code and who sent it) — also of "soft" ones like "network
  // unreachable", which a connected socket otherwise never reports.
  void want_errors();
  // Aims at the target's `port`; `connect`ed, the kernel drops datagrams from
  // anyone else and reports ICMP errors as errno. False (failed later) on error.
  bool aim(unsigned short port, bool connect);
  // Starts the clock and sends. False (failed later) on error.
  bool send(std::span<const std::uint8_t> datagram);
  // Starts the deadline and the wait for replies.
  void arm();
  // The first unusable reply, reported if nothing better comes before the deadline.
  void note_bad(std::string why);
  // True when the probe finished (and is gone).
  virtual bool on_datagram(std::span<const std::uint8_t> packet, const sockaddr_storage& from) = 0;

  int family() const { return request.target.family; }
  int fd() { return socket_.native_handle(); }

 private:
  bool read_errors();
  void wait_readable();
  void readable();
  void timed_out();

  boost::asio::posix::stream_descriptor socket_;
  boost::asio::steady_timer timer_;
  const char* datagram_;
  const char* silence_;
  bool errors_wanted_ = false;
  bool connected_ = false;
  sockaddr_storage to_{};
  socklen_t to_len_ = 0;
  std::string bad_reply_;
};

}  // namespace fb::health
