// Known UDP traffic between two network namespaces a test created, for
// checking byte counters: each datagram is received before the next is sent,
// so none is lost to a full queue and each crossed the link. doctest tests only.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "fd.hpp"
#include "netns.hpp"

namespace fb::test {

constexpr std::size_t kDatagramPayload = 1000;

// At least what `datagrams` add to a veth's counters: payload, UDP, IPv4, Ethernet.
constexpr std::uint64_t udp_on_the_wire(int datagrams) {
  return static_cast<std::uint64_t>(datagrams) * (kDatagramPayload + 8 + 20 + 14);
}

inline sockaddr_in udp_address(const std::string& address, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) == 1);
  return sa;
}

// A UDP socket made in `ns`, bound to `local`:`port` and connected to
// `remote`:`remote_port` (it stays in `ns` whichever thread uses it).
inline Fd udp_between(const NetNamespace& ns, const std::string& local, int port, const std::string& remote,
                      int remote_port) {
  NetNamespace::Enter inside(ns);
  Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.get() >= 0);
  sockaddr_in here = udp_address(local, port), there = udp_address(remote, remote_port);
  REQUIRE_MESSAGE(::bind(s.get(), reinterpret_cast<sockaddr*>(&here), sizeof here) == 0, std::strerror(errno));
  REQUIRE_MESSAGE(::connect(s.get(), reinterpret_cast<sockaddr*>(&there), sizeof there) == 0, std::strerror(errno));
  return s;
}

// Sends `datagrams` of kDatagramPayload bytes from `from` to `to`.
inline void send_and_receive(const Fd& from, const Fd& to, int datagrams) {
  std::string payload(kDatagramPayload, 'x');
  for (int i = 0; i < datagrams; ++i) {
    REQUIRE(::send(from.get(), payload.data(), payload.size(), 0) == static_cast<ssize_t>(payload.size()));
    pollfd p{to.get(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 5000) == 1);
    char buf[kDatagramPayload + 1];
    REQUIRE(::recv(to.get(), buf, sizeof buf, 0) == static_cast<ssize_t>(kDatagramPayload));
  }
}

}  // namespace fb::test
