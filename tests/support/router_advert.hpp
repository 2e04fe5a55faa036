// send_router_advertisement(): one IPv6 router advertisement (RFC 4861 4.2)
// with one prefix information option, sent out of an interface in a test's
// namespace as a router (radvd) sends it: ICMPv6 type 134 from a link-local
// address to ff02::1, hop limit 255. The kernel on the other end of the link
// learns from it what it learns from a real router: a default route via the
// sender (proto ra, dropped when the lifetime is 0) and a SLAAC address in the
// prefix. doctest tests only; root (raw socket).
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "netns.hpp"

namespace fb::test {

// `source`: a link-local address on `interface` (put there with nodad, so it
// is usable at once); `prefix`: a /64 such as "2001:db8:1::"; a
// `router_lifetime` of 0 withdraws the router.
inline void send_router_advertisement(const NetNamespace& ns, const std::string& interface, const std::string& source,
                                      const std::string& prefix, std::uint16_t router_lifetime) {
  NetNamespace::Enter inside(ns);
  unsigned index = if_nametoindex(interface.c_str());
  REQUIRE_MESSAGE(index != 0, "no interface " << interface << " in " << ns.name());
  int fd = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  REQUIRE_MESSAGE(fd >= 0, "raw ICMPv6 socket: " << std::strerror(errno));
  int hops = 255, loop = 0;
  ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
  ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop);
  ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index);
  sockaddr_in6 from{};
  from.sin6_family = AF_INET6;
  from.sin6_scope_id = index;
  REQUIRE(::inet_pton(AF_INET6, source.c_str(), &from.sin6_addr) == 1);
  REQUIRE_MESSAGE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0,
                  "bind " << source << "%" << interface << ": " << std::strerror(errno));

  std::uint8_t packet[sizeof(nd_router_advert) + sizeof(nd_opt_prefix_info)] = {};
  auto* ra = reinterpret_cast<nd_router_advert*>(packet);
  ra->nd_ra_type = ND_ROUTER_ADVERT;  // the kernel fills in the checksum of an ICMPv6 raw socket
  ra->nd_ra_curhoplimit = 64;
  ra->nd_ra_router_lifetime = htons(router_lifetime);
  auto* pi = reinterpret_cast<nd_opt_prefix_info*>(packet + sizeof(nd_router_advert));
  pi->nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION;
  pi->nd_opt_pi_len = 4;  // in units of 8 bytes
  pi->nd_opt_pi_prefix_len = 64;
  pi->nd_opt_pi_flags_reserved = ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO;
  pi->nd_opt_pi_valid_time = htonl(3600);
  pi->nd_opt_pi_preferred_time = htonl(1800);
  REQUIRE(::inet_pton(AF_INET6, prefix.c_str(), &pi->nd_opt_pi_prefix) == 1);

  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_scope_id = index;
  REQUIRE(::inet_pton(AF_INET6, "ff02::1", &to.sin6_addr) == 1);
  ssize_t sent = ::sendto(fd, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  int error = errno;
  ::close(fd);
  REQUIRE_MESSAGE(sent == static_cast<ssize_t>(sizeof packet), "router advertisement: " << std::strerror(error));
}

}  // namespace fb::test
