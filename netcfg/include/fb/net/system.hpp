// netcfg::System — the one seam for every kernel side effect of failover
// (netifd's system.h): routes, policy rules, conntrack, sysctls, the nft table.
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
//    of an existing rule succeeds without duplicating it, remove_*() of an
//    absent entry succeeds.
//  - Ownership (ownership.hpp): everything added carries protocol 251 or lives
//    in `inet failberry`; read_owned() and cleanup_stale() see only that.
#pragma once

#include <cstddef>
#include <vector>

#include "fb/net/address.hpp"
#include "fb/net/firewall.hpp"
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

  // Removes every owned route, rule and the table: at start (a previous run may
  // have crashed) and at stop.
  virtual Result<CleanupReport> cleanup_stale() = 0;
};

}  // namespace fb::net
