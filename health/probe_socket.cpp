#include "probe_socket.hpp"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "fb/health/probe_packets.hpp"

namespace fb::health {

std::size_t ip_header_bytes(int family) {
  return family == AF_INET ? 20 : 40;
}

std::string errno_text(int err) {
  return std::strerror(err);
}

bool is_unreachable_errno(int err) {
  return err == ENETUNREACH || err == EHOSTUNREACH || err == ENETDOWN || err == EHOSTDOWN || err == ECONNREFUSED ||
         err == EADDRNOTAVAIL;
}

const char* errno_code(int err) {
  return is_unreachable_errno(err) ? "PROBE_UNREACHABLE" : "PROBE_FAILED";
}

bool is_link_local(const IpAddress& a) {
  return a.family == AF_INET6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

socklen_t socket_address(const IpAddress& a, unsigned short port, const std::string& interface, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (a.family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, a.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, a.bytes.data(), 16);
  if (is_link_local(a)) sin6->sin6_scope_id = ::if_nametoindex(interface.c_str());
  return sizeof(sockaddr_in6);
}

std::optional<IpAddress> peer_of(const sockaddr_storage& from) {
  if (from.ss_family == AF_INET)
    return IpAddress::from_bytes(
        AF_INET, reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in*>(&from)->sin_addr));
  if (from.ss_family == AF_INET6)
    return IpAddress::from_bytes(
        AF_INET6, reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(&from)->sin6_addr));
  return std::nullopt;
}

DatagramProbe::DatagramProbe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done,
                             const char* datagram, const char* silence)
    : Probe(host, id, request, std::move(done)),
      socket_(host.io),
      timer_(host.io),
      datagram_(datagram),
      silence_(silence) {}

bool DatagramProbe::adopt(int fd) {
  boost::system::error_code ec;
  socket_.assign(fd, ec);
  if (ec) {
    ::close(fd);
    fail_later("PROBE_FAILED", "cannot watch socket: " + ec.message());
    return false;
  }
  const std::string& name = request.interface;
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(), static_cast<socklen_t>(name.size())) != 0) {
    int err = errno;
    std::string why =
        err == ENODEV ? "no interface '" + name + "'" : "SO_BINDTODEVICE " + name + ": " + errno_text(err);
    fail_later("PROBE_BIND_FAILED", why);
    return false;
  }
  return true;
}

void DatagramProbe::want_errors() {
  int on = 1;
  if (family() == AF_INET)
    ::setsockopt(fd(), SOL_IP, IP_RECVERR, &on, sizeof on);
  else
    ::setsockopt(fd(), SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
  errors_wanted_ = true;
}

bool DatagramProbe::aim(unsigned short port, bool connect) {
  to_len_ = socket_address(request.target, port, request.interface, to_);
  if (!connect) return true;
  if (::connect(fd(), reinterpret_cast<sockaddr*>(&to_), to_len_) != 0) {
    int err = errno;
    fail_later(errno_code(err), "connect: " + errno_text(err));
    return false;
  }
  connected_ = true;
  return true;
}

bool DatagramProbe::send(std::span<const std::uint8_t> datagram) {
  started = ProbeClock::now();
  ssize_t n = connected_
                  ? ::send(fd(), datagram.data(), datagram.size(), 0)
                  : ::sendto(fd(), datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to_), to_len_);
  if (n < 0) {
    int err = errno;
    fail_later(errno_code(err), "send: " + errno_text(err));
    return false;
  }
  return true;
}

void DatagramProbe::arm() {
  timer_.expires_after(request.timeout);
  timer_.async_wait(guard([this](const boost::system::error_code& ec) {
    if (!ec) timed_out();
  }));
  wait_readable();
}

void DatagramProbe::note_bad(std::string why) {
  if (bad_reply_.empty()) bad_reply_ = std::move(why);
}

// True when the probe finished (and is gone).
bool DatagramProbe::read_errors() {
  while (true) {
    std::array<std::uint8_t, 512> data;
    alignas(cmsghdr) char control[512];
    iovec iov{data.data(), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(fd(), &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      bool ip_error = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
      if (!ip_error || c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) continue;
      sock_extended_err ee;
      std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
      if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6) {
        fail("PROBE_FAILED", errno_text(static_cast<int>(ee.ee_errno)));
        return true;
      }
      sockaddr_storage offender{};
      std::size_t room = c->cmsg_len - CMSG_LEN(sizeof(sock_extended_err));
      std::memcpy(&offender, CMSG_DATA(c) + sizeof(sock_extended_err), std::min(room, sizeof offender));
      auto from = peer_of(offender);
      sockaddr_storage local{};
      socklen_t local_len = sizeof local;
      ::getsockname(fd(), reinterpret_cast<sockaddr*>(&local), &local_len);
      auto self = peer_of(local);
      // Our own kernel's verdict (a gateway that never answered ARP/ND) crossed no wire.
      bool from_us = from && self && *from == *self;
      if (!from_us) result.bytes_received += ip_header_bytes(family()) + 8 + result.bytes_sent;
      fail("PROBE_UNREACHABLE",
           icmp_error_text(family(), ee.ee_type, ee.ee_code) +
               (from ? (from_us ? " (from this host)" : " (from " + from->text() + ")") : std::string()));
      return true;
    }
  }
}

void DatagramProbe::wait_readable() {
  socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     guard([this](const boost::system::error_code& ec) {
                       if (!ec) readable();
                     }));
}

void DatagramProbe::timed_out() {
  auto ms = std::to_string(request.timeout.count());
  if (!bad_reply_.empty()) return fail("PROBE_BAD_REPLY", bad_reply_ + " (and no good reply in " + ms + " ms)");
  fail("PROBE_TIMEOUT", std::string(silence_) + " within " + ms + " ms");
}

void DatagramProbe::readable() {
  if (errors_wanted_ && read_errors()) return;
  std::array<std::uint8_t, 4096> buffer;
  while (true) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    ssize_t n =
        ::recvfrom(fd(), buffer.data(), buffer.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      int err = errno;
      // An ICMP error about our datagram came in (the kernel turned it into errno and keeps no size):
      // routers and Linux quote our whole small datagram, so it is counted as IP + ICMP header + that.
      result.bytes_received += ip_header_bytes(family()) + 8 + result.bytes_sent;
      return fail(errno_code(err), std::string(datagram_) + ": " + errno_text(err));
    }
    if (on_datagram(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)), from))
      return;  // the probe is gone
  }
  wait_readable();
}

}  // namespace fb::health
