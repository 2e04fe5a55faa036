#include "fb/net_types.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace fb {

bool Cidr::contains(const IpAddress& a) const {
  if (a.family != address.family) return false;
  for (int i = 0, left = prefix; left > 0; ++i, left -= 8) {
    auto mask = static_cast<std::uint8_t>(0xff00u >> std::min(left, 8));
    if ((a.bytes[static_cast<size_t>(i)] & mask) != (address.bytes[static_cast<size_t>(i)] & mask)) return false;
  }
  return true;
}

IpAddress make_address(int family, const std::uint8_t* bytes) {
  IpAddress a;
  a.family = family;
  std::memcpy(a.bytes.data(), bytes, family == AF_INET ? 4 : 16);
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family, a.bytes.data(), buf, sizeof buf);
  a.text = buf;
  return a;
}

std::optional<IpAddress> parse_address(std::string_view text) {
  std::string s(text);
  std::array<std::uint8_t, 16> raw{};
  if (inet_pton(AF_INET, s.c_str(), raw.data()) == 1) return make_address(AF_INET, raw.data());
  if (inet_pton(AF_INET6, s.c_str(), raw.data()) == 1) return make_address(AF_INET6, raw.data());
  return std::nullopt;
}

}  // namespace fb
