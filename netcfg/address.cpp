#include "fb/net/address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace fb::net {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  a.family = s.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (::inet_pton(a.family, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  return a;
}

IpAddress IpAddress::any(int family) {
  IpAddress a;
  a.family = family;
  return a;
}

std::string IpAddress::text() const {
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

std::string Prefix::text() const {
  return address.text() + "/" + std::to_string(length);
}

std::string_view ip_family_flag(int family) {
  return family == AF_INET6 ? "-6" : "-4";
}

bool is_valid_interface_name(std::string_view name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '@' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace fb::net
