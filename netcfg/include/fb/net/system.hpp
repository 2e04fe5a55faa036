// netcfg::System — the one seam for every kernel side effect of failover
// (netifd's system.h): routes, policy rules, conntrack, sysctls, the nft
// table, and an uplink interface's link state and addresses (a stick's
// network interface, whose address failberryd learns from the modem or DHCP).
//
// Contract:
//  - Implementations: NetlinkSystem (libnl-3/libnl-route-3/libnl-nf-3 and
//    libnftables, in the network namespace it was opened in) and DryRunSystem
//    (logs the ip/nft equivalent of each call through fb::Logger, changes
//    nothing, keeps an in-memory model so read_owned() answers as the kernel
//    would).
//  - Calls are synchronous and short (one netlink request + ack, one dump, or
//    one nft batch: tens of microseconds to a few milliseconds, see
//    tests/netcfg/bench); the daemon calls them from its one thread. Not
//    thread-safe.
//  - Every value is validated before use (INVALID_SPEC); failures carry a
//    stable code and the kernel's text (status.hpp).
//  - Idempotent where the kernel allows: replace_route() replaces, add_rule()
//    of an existing rule succeeds without duplicating it, set_link_up() of an
//    interface already up and replace_address() of an address already there
//    succeed, remove_*() of an absent entry succeeds.
//  - Ownership (ownership.hpp): everything added carries protocol 251 or lives
//    in `inet failberry`; read_owned() and cleanup_stale() see only that.
//    Interface addresses carry no owner mark: neither reports or removes them
//    (they go with the interface; the caller that put one removes it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "fb/net/address.hpp"
#include "fb/net/firewall.hpp"
#include "fb/net/interface_address.hpp"
#include "fb/net/routing.hpp"
#include "fb/net/status.hpp"
#include "fb/net/sysctl.hpp"

namespace fb::net {

struct OwnedState {
  std::vector<Route> routes;  // protocol 251, every table, both families
  std::vector<Rule> rules;    // protocol 251, both families
  bool firewall = false;      // `inet failberry` exists
};

struct CleanupReport {
  std::size_t routes = 0;  // removed
  std::size_t rules = 0;
  bool firewall = false;         // the table existed and was removed
  std::vector<Status> failures;  // entries that could not be removed; cleanup went on
};

class System {
 public:
  virtual ~System() = default;

  // NLM_F_REPLACE|NLM_F_CREATE: the (table, destination, metric) slot changes
  // in one step — never delete-then-add, so there is no moment without a
  // default route. Main-table default or an uplink table's.
  virtual Status replace_route(const Route& route) = 0;
  virtual Status remove_route(const Route& route) = 0;
  virtual Status add_rule(const Rule& rule) = 0;
  virtual Status remove_rule(const Rule& rule) = 0;
  virtual Result<OwnedState> read_owned() = 0;

  // Deletes every conntrack entry whose original or reply tuple has `address`
  // as source or destination (a dead uplink's flows, masqueraded or not), so
  // their next packet is tracked anew and routed by the current default.
  // Returns how many were deleted.
  virtual Result<std::size_t> flush_conntrack(const IpAddress& address) = 0;

  virtual Status set_sysctl(const Sysctl& sysctl) = 0;

  // Replaces `inet failberry` atomically; on failure the previous table stays.
  virtual Status apply_firewall(const FirewallSpec& spec) = 0;
  virtual Status remove_firewall() = 0;

  // `ip link set DEVICE up`: IFF_UP on an existing interface (INTERFACE_NOT_FOUND
  // when there is none; LINK_CHANGE_FAILED when the kernel refuses). Carrier
  // is the driver's business and is not waited for.
  virtual Status set_link_up(const std::string& device) = 0;

  // `ip address replace ADDRESS/LENGTH dev DEVICE` (NLM_F_REPLACE|NLM_F_CREATE):
  // the address is on the interface afterwards, added or updated in place,
  // never removed first. The kernel's identity of an address decides what
  // "the same" is (same_kernel_address()): another IPv4 prefix length is a
  // second address, and it keeps an IPv6 address's prefix length. The kernel
  // adds the on-link prefix route to main itself (proto kernel), as for `ip`.
  // INTERFACE_NOT_FOUND without the interface, ADDRESS_ADD_FAILED when refused.
  virtual Status replace_address(const std::string& device, const IpAddress& address, int prefix_length) = 0;
  // `ip address del ADDRESS/LENGTH dev DEVICE`: the address with exactly this
  // prefix length. One that is not there (another prefix length included),
  // or whose interface has gone (taking its addresses with it), is removed.
  // ADDRESS_DELETE_FAILED when the kernel refuses otherwise. IPv4: removing
  // an interface's primary address takes the others of its subnet with it
  // unless promote_secondaries() is set for the interface.
  virtual Status remove_address(const std::string& device, const IpAddress& address, int prefix_length) = 0;

  // Removes every owned route, rule and the table: at start (a previous run may
  // have crashed) and at stop.
  virtual Result<CleanupReport> cleanup_stale() = 0;
};

}  // namespace fb::net
