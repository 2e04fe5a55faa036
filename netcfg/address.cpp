#include "fb/net/address.hpp"

#include <sys/socket.h>

namespace fb::net {

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
