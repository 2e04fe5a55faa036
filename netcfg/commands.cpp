#include "fb/net/commands.hpp"

#include <cstdio>

#include "fb/net/firewall.hpp"
#include "fb/net/ownership.hpp"

namespace fb::net {

namespace {

std::string hex32(std::uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", value);
  return buf;
}

std::string table_word(std::uint32_t table) {
  return table == kMainTable ? "main" : std::to_string(table);
}

// `ip` reads a bare address as a host prefix and "default" as /0.
std::string selector(const Prefix& p) {
  if (p.is_default()) return "default";
  return p.is_host() ? p.address.text() : p.text();
}

}  // namespace

std::string ip_route_command(std::string_view verb, const Route& route) {
  std::string s = "ip " + std::string(ip_family_flag(route.family())) + " route " + std::string(verb) + " " +
                  selector(route.destination);
  if (route.gateway) s += " via " + route.gateway->text();
  if (!route.device.empty()) s += " dev " + route.device;
  if (route.table != kMainTable) s += " table " + std::to_string(route.table);
  s += " proto " + std::to_string(route.protocol);
  if (route.metric != 0) s += " metric " + std::to_string(route.metric);
  return s;
}

std::string ip_rule_command(std::string_view verb, const Rule& rule) {
  std::string s = "ip " + std::string(ip_family_flag(rule.family)) + " rule " + std::string(verb) + " priority " +
                  std::to_string(rule.priority);
  if (rule.from) s += " from " + selector(*rule.from);
  if (rule.fwmark) s += " fwmark " + hex32(*rule.fwmark);
  s += " lookup " + table_word(rule.table);
  if (rule.suppress_prefixlength) s += " suppress_prefixlength " + std::to_string(*rule.suppress_prefixlength);
  s += " protocol " + std::to_string(rule.protocol);
  return s;
}

std::string sysctl_command(const Sysctl& sysctl) {
  return "sysctl -w " + sysctl.key() + "=" + sysctl.value;
}

std::string ip_address_command(std::string_view verb, const InterfaceAddress& address) {
  return "ip address " + std::string(verb) + " " + address.text() + " dev " + address.device;
}

std::string ip_link_up_command(std::string_view device) {
  return "ip link set " + std::string(device) + " up";
}

std::vector<std::string> conntrack_flush_commands(const IpAddress& address) {
  std::string head = address.family == AF_INET6 ? "conntrack -D -f ipv6 " : "conntrack -D ";
  std::vector<std::string> lines;
  for (const char* field : {"--orig-src ", "--orig-dst ", "--reply-src ", "--reply-dst "})
    lines.push_back(head + field + address.text());
  return lines;
}

std::vector<std::string> nft_commands(std::string_view transaction) {
  std::vector<std::string> lines{"nft -f - <<'EOF'"};
  std::size_t start = 0;
  while (start < transaction.size()) {
    std::size_t end = transaction.find('\n', start);
    if (end == std::string_view::npos) end = transaction.size();
    lines.emplace_back(transaction.substr(start, end - start));
    start = end + 1;
  }
  lines.emplace_back("EOF");
  return lines;
}

std::string nft_remove_command() {
  return "nft 'table inet failberry; delete table inet failberry'";
}

std::vector<std::string> cleanup_commands() {
  std::string proto = std::to_string(kRouteProtocol);
  return {"ip -4 route flush table all proto " + proto, "ip -6 route flush table all proto " + proto,
          "ip -4 rule flush protocol " + proto, "ip -6 rule flush protocol " + proto, nft_remove_command()};
}

}  // namespace fb::net
