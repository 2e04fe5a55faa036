#include "fb/net_types.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <initializer_list>

namespace fb {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  for (int family : {AF_INET, AF_INET6}) {
    IpAddress a;
    a.family = family;
    if (::inet_pton(family, s.c_str(), a.bytes.data()) == 1) return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::from_bytes(int family, const std::uint8_t* bytes) {
  IpAddress a;
  a.family = family;
  std::memcpy(a.bytes.data(), bytes, a.size());
  return a;
}

IpAddress IpAddress::any(int family) {
  IpAddress a;
  a.family = family;
  return a;
}

std::string IpAddress::text() const {
  if (family == 0) return "";
  char buf[INET6_ADDRSTRLEN] = {};
  if (!::inet_ntop(family, bytes.data(), buf, sizeof buf)) return "?";
  return buf;
}

namespace {
bool host_bits_clear(const IpAddress& a, int length) {
  for (int bit = length; bit < static_cast<int>(a.size()) * 8; ++bit)
    if (a.bytes[static_cast<std::size_t>(bit / 8)] & (0x80u >> (bit % 8))) return false;
  return true;
}
}  // namespace

std::optional<Prefix> Prefix::parse(std::string_view text) {
  auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  Prefix p = host(*address);
  if (slash == std::string_view::npos) return p;
  std::string_view len = text.substr(slash + 1);
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), p.length);
  if (ec != std::errc() || end != len.data() + len.size() || len.empty()) return std::nullopt;
  if (p.length < 0 || p.length > p.max_length() || !host_bits_clear(p.address, p.length)) return std::nullopt;
  return p;
}

Prefix Prefix::host(const IpAddress& address) {
  Prefix p;
  p.address = address;
  p.length = p.max_length();
  return p;
}

Prefix Prefix::default_route(int family) {
  Prefix p;
  p.address = IpAddress::any(family);
  p.length = 0;
  return p;
}

bool Prefix::contains(const IpAddress& a) const {
  if (a.family != address.family) return false;
  for (int i = 0, left = length; left > 0; ++i, left -= 8) {
    auto mask = static_cast<std::uint8_t>(0xff00u >> std::min(left, 8));
    if ((a.bytes[static_cast<size_t>(i)] & mask) != (address.bytes[static_cast<size_t>(i)] & mask)) return false;
  }
  return true;
}

std::string Prefix::text() const {
  return address.text() + "/" + std::to_string(length);
}

}  // namespace fb
