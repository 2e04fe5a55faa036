#include "fb/net/interface_address.hpp"

namespace fb::net {

namespace {

Error invalid(const InterfaceAddress& a, const std::string& why) {
  return {NetError::invalid_spec, "address " + a.text() + " on '" + a.device + "': " + why};
}

bool multicast(const IpAddress& a) {
  if (a.family == AF_INET6) return a.bytes[0] == 0xff;
  return (a.bytes[0] & 0xf0) == 0xe0;  // 224.0.0.0/4
}

}  // namespace

std::string InterfaceAddress::text() const {
  return address.text() + "/" + std::to_string(prefix_length);
}

Status validate(const InterfaceAddress& a) {
  if (!is_valid_interface_name(a.device)) return invalid(a, "not a valid interface name");
  if (a.family() != AF_INET && a.family() != AF_INET6) return invalid(a, "not an IPv4 or IPv6 address");
  int most = a.family() == AF_INET6 ? 128 : 32;
  if (a.prefix_length < 1 || a.prefix_length > most)
    return invalid(a, "prefix length must be 1.." + std::to_string(most));
  if (a.address == IpAddress::any(a.family())) return invalid(a, "the unspecified address is no interface address");
  if (multicast(a.address)) return invalid(a, "a multicast address is no interface address");
  if (a.address == IpAddress::parse("255.255.255.255"))
    return invalid(a, "the broadcast address is no interface address");
  return {};
}

bool same_kernel_address(const InterfaceAddress& a, const InterfaceAddress& b) {
  if (a.device != b.device || a.address != b.address) return false;
  return a.family() == AF_INET6 || a.prefix_length == b.prefix_length;
}

}  // namespace fb::net
