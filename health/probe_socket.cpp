#include "probe_socket.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

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

}  // namespace fb::health
