// What the probe kinds share under probe.hpp's contract: target addresses,
// the IP-layer byte counts and the errno verdicts. Private to health/.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <string>

#include "fb/net_types.hpp"

namespace fb::health {

// What the IP layer adds to what a datagram socket sees: IPv4 without options,
// IPv6 without extension headers (neither is sent by us, nor usual in replies).
std::size_t ip_header_bytes(int family);

std::string errno_text(int err);

// Local "no route" and ICMP errors the kernel turned into errno.
bool is_unreachable_errno(int err);

bool is_link_local(const IpAddress& a);

// `a`:`port` as a socket address; a link-local IPv6 target gets `interface`'s scope.
socklen_t socket_address(const IpAddress& a, unsigned short port, const std::string& interface, sockaddr_storage& out);

// The address of a received datagram's sender (or of an ICMP error's offender).
std::optional<IpAddress> peer_of(const sockaddr_storage& from);

}  // namespace fb::health
