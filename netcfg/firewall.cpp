#include "fb/net/firewall.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "fb/net/ownership.hpp"

namespace fb::net {

namespace {

Error invalid(std::string what) {
  return {NetError::invalid_spec, "firewall: " + std::move(what)};
}

bool valid_uplink_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string hex32(std::uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", value);
  return buf;
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// nft prints a one-element anonymous set as the bare element.
std::string value_or_set(const std::vector<std::string>& values) {
  if (values.size() == 1) return values.front();
  std::string s = "{ ";
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + values[i];
  return s + " }";
}

// How `nft list` prints an interval element: a host prefix as the bare address.
std::string element(const Prefix& p) {
  return p.is_host() ? p.address.text() : p.text();
}

void allow_set(std::string& out, const FirewallSpec& spec, int family) {
  std::vector<Prefix> prefixes;
  for (const Prefix& p : spec.metered_allow)
    if (p.family() == family) prefixes.push_back(p);
  std::sort(prefixes.begin(), prefixes.end());
  out += family == AF_INET ? "\tset metered_allow_v4 {\n\t\ttype ipv4_addr\n"
                           : "\tset metered_allow_v6 {\n\t\ttype ipv6_addr\n";
  out += "\t\tflags interval\n\t\tauto-merge\n";
  if (!prefixes.empty()) {
    std::vector<std::string> elements;
    for (const Prefix& p : prefixes) elements.push_back(element(p));
    out += "\t\telements = { ";
    for (std::size_t i = 0; i < elements.size(); ++i) out += (i ? ", " : "") + elements[i];
    out += " }\n";
  }
  out += "\t}\n";
}

void chain_open(std::string& out, bool& first_block, std::string_view name, std::string_view hook_line) {
  if (!first_block) out += "\n";
  first_block = false;
  out += "\tchain " + std::string(name) + " {\n\t\t" + std::string(hook_line) + "\n";
}

}  // namespace

Status validate(const FirewallSpec& spec) {
  if (spec.uplinks.empty()) return invalid("no uplinks");
  if (spec.uplinks.size() > static_cast<std::size_t>(kMaxUplinks))
    return invalid(std::to_string(spec.uplinks.size()) + " uplinks (at most " + std::to_string(kMaxUplinks) + ")");
  std::set<std::string> names, interfaces;
  std::set<std::uint32_t> marks;
  for (const FirewallUplink& u : spec.uplinks) {
    if (!valid_uplink_name(u.name)) return invalid("uplink name \"" + u.name + "\" (1-32 of A-Z a-z 0-9 _ -)");
    if (!u.interface.empty() && !is_valid_interface_name(u.interface))
      return invalid("uplink " + u.name + ": \"" + u.interface + "\" is not a valid interface name");
    if (!is_uplink_mark(u.mark))
      return invalid("uplink " + u.name + ": mark " + hex32(u.mark) + " is not an uplink mark");
    if (!names.insert(u.name).second) return invalid("uplink " + u.name + " appears twice");
    if (!u.interface.empty() && !interfaces.insert(u.interface).second)
      return invalid("interface " + u.interface + " used by two uplinks");
    if (!marks.insert(u.mark).second) return invalid("mark " + hex32(u.mark) + " used by two uplinks");
  }
  if (!spec.lan_interface.empty() && !is_valid_interface_name(spec.lan_interface))
    return invalid("LAN interface \"" + spec.lan_interface + "\" is not a valid interface name");
  for (const FirewallUplink& u : spec.uplinks)
    if (u.budget == BudgetLimit::allow_list && spec.metered_allow.empty())
      return invalid("uplink " + u.name + ": a budget allow-list without metered_allow sources would allow nothing");
  for (const Prefix& p : spec.metered_allow)
    if ((p.family() != AF_INET && p.family() != AF_INET6) || Prefix::parse(p.text()) != p)
      return invalid("metered allow-list entry " + p.text() + " is not a network prefix");
  return {};
}

std::string render_ruleset(const FirewallSpec& spec) {
  std::string out = "table inet failberry {\n";
  bool first = true;
  // The rules that name an interface are for the bound uplinks only; every
  // uplink's mark is restored on replies.
  std::vector<FirewallUplink> bound;
  for (const FirewallUplink& u : spec.uplinks)
    if (!u.interface.empty()) bound.push_back(u);
  // An uplink that only allow-listed sources may use: metered, or its budget used up with allow-list.
  auto allow_listed = [&spec](const FirewallUplink& u) {
    return !spec.metered_allow.empty() && (u.metered || u.budget == BudgetLimit::allow_list);
  };
  bool allow_list = std::any_of(bound.begin(), bound.end(), allow_listed);
  if (allow_list) {
    allow_set(out, spec, AF_INET);
    out += "\n";
    allow_set(out, spec, AF_INET6);
    first = false;
  }

  std::vector<std::string> marks;
  for (const FirewallUplink& u : spec.uplinks) marks.push_back(hex32(u.mark));
  std::string restore = "ct direction reply ct mark " + value_or_set(marks) + " meta mark set ct mark counter";

  chain_open(out, first, "prerouting", "type filter hook prerouting priority mangle; policy accept;");
  for (const FirewallUplink& u : bound)
    out += "\t\tiifname " + quoted(u.interface) + " ct state new ct mark set " + hex32(u.mark) + " comment \"uplink " +
           u.name + ": connections arriving here\"\n";
  out += "\t\t" + restore + " comment \"reply routing: forwarded\"\n\t}\n";

  chain_open(out, first, "output", "type route hook output priority mangle; policy accept;");
  out += "\t\t" + restore + " comment \"reply routing: local\"\n\t}\n";

  if (spec.health_port != 0) {
    chain_open(out, first, "input", "type filter hook input priority filter; policy accept;");
    for (const FirewallUplink& u : bound)
      out += "\t\tiifname " + quoted(u.interface) + " tcp dport " + std::to_string(spec.health_port) +
             " counter accept comment \"health port via uplink " + u.name + "\"\n";
    out += "\t}\n";
  }

  std::string forward;
  for (const FirewallUplink& u : bound) {
    if (u.budget == BudgetLimit::stop) {
      forward += "\t\toifname " + quoted(u.interface) + " counter drop comment \"uplink " + u.name +
                 ": data budget used up\"\n";
    } else if (allow_listed(u)) {
      std::string why = u.budget == BudgetLimit::allow_list ? ": data budget used up, source not allowed"
                                                            : " is metered: source not allowed";
      why = " counter drop comment \"uplink " + u.name + why + "\"\n";
      forward += "\t\toifname " + quoted(u.interface) + " ip saddr != @metered_allow_v4" + why;
      forward += "\t\toifname " + quoted(u.interface) + " ip6 saddr != @metered_allow_v6" + why;
    }
  }
  if (!spec.lan_interface.empty())
    for (const FirewallUplink& u : bound) {
      if (u.interface == spec.lan_interface) continue;
      std::string lan = quoted(spec.lan_interface), wan = quoted(u.interface);
      forward +=
          "\t\tiifname " + lan + " oifname " + wan + " counter accept comment \"LAN to uplink " + u.name + "\"\n";
      forward += "\t\tiifname " + wan + " oifname " + lan +
                 " ct state established,related counter accept comment \"uplink " + u.name + " to LAN: replies\"\n";
      forward += "\t\tiifname " + wan + " oifname " + lan + " counter drop comment \"uplink " + u.name +
                 " to LAN: unsolicited\"\n";
    }
  if (!forward.empty()) {
    chain_open(out, first, "forward", "type filter hook forward priority filter; policy accept;");
    out += forward + "\t}\n";
  }

  std::string nat;
  if (spec.masquerade)
    for (const FirewallUplink& u : bound)
      if (u.interface != spec.lan_interface) {
        nat += "\t\toifname " + quoted(u.interface) + " meta nfproto ipv4 counter masquerade comment \"uplink " +
               u.name + "\"\n";
        if (u.masquerade6)
          nat += "\t\toifname " + quoted(u.interface) + " meta nfproto ipv6 counter masquerade comment \"uplink " +
                 u.name + ": IPv6 (NAT66, asked for)\"\n";
      }
  if (!nat.empty()) {
    chain_open(out, first, "postrouting", "type nat hook postrouting priority srcnat; policy accept;");
    out += nat + "\t}\n";
  }
  return out + "}\n";
}

std::string replace_transaction(std::string_view ruleset) {
  return remove_transaction() + std::string(ruleset);
}

std::string remove_transaction() {
  return "table inet failberry\ndelete table inet failberry\n";
}

}  // namespace fb::net
