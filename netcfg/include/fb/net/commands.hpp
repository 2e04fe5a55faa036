// The ip(8)/nft(8)/sysctl(8)/conntrack(8) command line equivalent to each
// System call: what the dry-run System logs instead of acting, and what the
// netlink System logs after acting, so an operator can replay or undo by hand.
//
// Contract: pure string rendering of validated values; each line is a
// runnable command (numbers, not names, for the protocol and tables, so it
// works without /etc/iproute2 entries).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fb/net/address.hpp"
#include "fb/net/interface_address.hpp"
#include "fb/net/routing.hpp"
#include "fb/net/sysctl.hpp"

namespace fb::net {

// verb: "replace" or "del".
std::string ip_route_command(std::string_view verb, const Route& route);
// verb: "add" or "del".
std::string ip_rule_command(std::string_view verb, const Rule& rule);
std::string sysctl_command(const Sysctl& sysctl);
// verb: "replace" or "del": `ip address replace 10.0.2.15/24 dev usb0`.
std::string ip_address_command(std::string_view verb, const InterfaceAddress& address);
// `ip link set usb0 up`.
std::string ip_link_up_command(std::string_view device);
// One line per conntrack tuple field the address can appear in.
std::vector<std::string> conntrack_flush_commands(const IpAddress& address);
// `nft -f - <<'EOF'`, the transaction's lines, `EOF`.
std::vector<std::string> nft_commands(std::string_view transaction);
// remove_firewall(), idempotent like the real batch.
std::string nft_remove_command();
// Everything cleanup_stale() removes, as commands.
std::vector<std::string> cleanup_commands();

}  // namespace fb::net
