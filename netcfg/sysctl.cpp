#include "fb/net/sysctl.hpp"

#include "fb/net/address.hpp"

namespace fb::net {

namespace {
// Interface names and sysctl leaf names: no '/', nothing that needs quoting.
bool valid_component(std::string_view c) {
  if (c.empty() || c.size() > 64 || c == "." || c == "..") return false;
  for (char ch : c) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '.' || ch == '@' || ch == '+' || ch == '-';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

std::string Sysctl::key() const {
  std::string k;
  for (const std::string& c : path) {
    if (!k.empty()) k += '.';
    for (char ch : c) k += ch == '.' ? '/' : ch;
  }
  return k;
}

std::string Sysctl::proc_path() const {
  std::string p = "/proc/sys";
  for (const std::string& c : path) p += "/" + c;
  return p;
}

Sysctl ip_forward(int family, bool on) {
  if (family == AF_INET6) return {{"net", "ipv6", "conf", "all", "forwarding"}, on ? "1" : "0"};
  return {{"net", "ipv4", "ip_forward"}, on ? "1" : "0"};
}

namespace {
// net.<ipv>.conf.IF.<leaf>: one interface's, never conf/all or conf/default,
// which reach interfaces failberry does not own.
Result<Sysctl> per_interface(const char* ipv, std::string_view interface, const char* leaf, std::string value) {
  if (!is_valid_interface_name(interface))
    return Error{NetError::invalid_spec, "sysctl: \"" + std::string(interface) + "\" is not a valid interface name"};
  if (interface == "all" || interface == "default")
    return Error{NetError::invalid_spec, std::string("sysctl: ") + leaf + " is set per uplink interface, never on \"" +
                                             std::string(interface) + "\""};
  return Sysctl{{"net", ipv, "conf", std::string(interface), leaf}, std::move(value)};
}
}  // namespace

Result<Sysctl> rp_filter(std::string_view interface, RpFilter mode) {
  return per_interface("ipv4", interface, "rp_filter", std::to_string(static_cast<int>(mode)));
}

Result<Sysctl> promote_secondaries(std::string_view interface) {
  return per_interface("ipv4", interface, "promote_secondaries", "1");
}

Result<Sysctl> accept_ra(std::string_view interface) {
  return per_interface("ipv6", interface, "accept_ra", "2");
}

Status validate(const Sysctl& sysctl) {
  if (sysctl.path.size() < 2 || sysctl.path.front() != "net")
    return {NetError::invalid_spec, "sysctl: " + sysctl.key() + " is not under net."};
  for (const std::string& c : sysctl.path)
    if (!valid_component(c)) return {NetError::invalid_spec, "sysctl: bad path component \"" + c + "\""};
  if (sysctl.value.empty()) return {NetError::invalid_spec, "sysctl: " + sysctl.key() + " has no value"};
  for (char ch : sysctl.value)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || ch == '-' || ch == ' '))
      return {NetError::invalid_spec, "sysctl: value \"" + sysctl.value + "\" has characters we do not write"};
  return {};
}

}  // namespace fb::net
