// failberryd's nftables table `inet failberry` as a value, and its text.
//
// Contract: pure — the text is a function of the FirewallSpec alone (golden
// tests pin it), and nothing here creates an nft context (libnftables exits the
// process under qemu-user, where the unit tests also run). The adapter
// (NftTable) applies replace_transaction(), which adds, deletes and redefines
// the table in ONE nft batch: the kernel swaps the whole table atomically or,
// on any error, keeps the previous one. Other tables are never named.
//
// nft syntax rather than JSON: it is what `nft list` prints, what an operator
// reads in the dry-run log and in golden files, and what `nft -c -f` checks;
// the ruleset is generated from validated values, so there is nothing to
// escape beyond the quoted interface names, which validation restricts.
//
// What the table does (see render_ruleset() for the exact rules):
//  - prerouting: a connection arriving on an uplink is connmarked with that
//    uplink's mark; packets in the reply direction of a marked connection get
//    the mark as fwmark, which a policy rule maps to the uplink's table — so
//    replies leave by the uplink the request came in on (forwarded traffic).
//  - output (type route, so a mark change re-routes): the same restore for the
//    replies failberryd's host sends itself (the health endpoint).
//  - input: counts the health port per uplink (an accept here cannot override
//    a drop in another table; it is there for the counters).
//  - forward: a metered uplink carries only allow-listed sources; an uplink
//    whose data budget is used up carries only them (budget_action =
//    allow-list) or nothing (stop) — forwarded traffic only: failberryd's own
//    (health answers, DDNS, probes) is local and not touched; LAN ->
//    uplink accepted; uplink -> LAN only for established/related connections
//    (skipped for an uplink that is the LAN interface itself, backup-gateway
//    mode's eth0).
//  - postrouting: masquerade IPv4 out of every uplink that is not the LAN
//    interface; IPv6 only out of an uplink with masquerade6 (NAT66 is asked
//    for, never implied: IPv6 is forwarded as it is, where the uplink routes
//    a prefix to us, and the forward rules above hold for both families).
//  - An uplink whose interface is not known yet (`interface = auto` before
//    the stick's interface is found) keeps its mark in the reply-restore set
//    but has no rule naming an interface; the table is applied again with
//    the name once it is bound.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fb/net/address.hpp"
#include "fb/net/status.hpp"

namespace fb::net {

// What an uplink whose data budget is used up still forwards.
enum class BudgetLimit { none, allow_list, stop };

struct FirewallUplink {
  std::string name;       // [uplink.NAME]: 1-32 of [A-Za-z0-9_-], used in rule comments
  std::string interface;  // matched by name (iifname/oifname), so ppp0 may come and go; "": not bound yet
  bool metered = false;
  std::uint32_t mark = 0;                  // UplinkSlot::mark()
  BudgetLimit budget = BudgetLimit::none;  // allow_list: only metered_allow sources (which must not be empty)
  bool masquerade6 = false;                // NAT66 out of it too (asked for: [nat] masquerade_ipv6)
};

struct FirewallSpec {
  std::vector<FirewallUplink> uplinks;  // 1..kMaxUplinks, in priority order
  std::string lan_interface;            // empty: no LAN forwarding rules
  std::vector<Prefix> metered_allow;    // empty: every source may use a metered uplink
  std::uint16_t health_port = 0;        // 0: no health-port counters
  bool masquerade = true;
};

Status validate(const FirewallSpec& spec);

// The table definition ("table inet failberry { ... }"), tab-indented like
// `nft list` prints it. Precondition: validate(spec).ok().
std::string render_ruleset(const FirewallSpec& spec);

// The one batch that replaces the table as a whole: create-if-missing, delete,
// define. Works whether or not the table exists.
std::string replace_transaction(std::string_view ruleset);

// The one batch that removes the table, whether or not it exists.
std::string remove_transaction();

}  // namespace fb::net
