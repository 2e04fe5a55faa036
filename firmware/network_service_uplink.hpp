// NetworkService's internals, shared by the files that define its members
// (network_service*.cpp): what the service keeps per uplink. Private to
// firmware/; nothing outside NetworkService sees an Uplink.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fb/core/budget_meter.hpp"
#include "fb/core/network_service.hpp"

namespace fb::core {

struct NetworkService::Uplink {
  Uplink(std::size_t i, const UplinkConfig& c, net::UplinkSlot s, TrackerPolicy p, TimerService& timers)
      : index(i), cfg(c), slot(s), tracker("uplink[" + c.name + "]", p), timer(timers), unprobed_timer(timers) {}

  std::size_t index;
  UplinkConfig cfg;
  // The interface it is bound to: cfg.interface, or for interface = auto
  // the one the modem found (bind_interface()); "" while none is known —
  // then it has no rp_filter, no rule in the nft table naming it, no
  // routes and no probes, and its tracker stays unknown.
  std::string interface = cfg.interface_auto() ? std::string() : cfg.interface;
  // The next hop of its routes: [uplink] gateway, or what the modem's net
  // data link reported (bind_modem_link()); none: a point-to-point link.
  std::optional<IpAddress> next_hop = cfg.gateway;
  // The address this service put on the interface for the modem's net data
  // link (removed when the link ends and at stop()).
  std::optional<Prefix> assigned;
  net::UplinkSlot slot;
  UplinkTracker tracker;
  int ifindex = 0;
  std::set<IpAddress> addresses;         // global-scope addresses now
  std::set<IpAddress> source_rules;      // addresses with a source rule installed
  std::set<IpAddress> recent_addresses;  // every address seen: a dead uplink's conntrack flush
  bool table_route = false;              // its own table's default is installed
  // IPv6 ([uplink] ipv6 = true), as the kernel has it on `interface`: its
  // global addresses and the default router its router advertisements gave.
  std::set<IpAddress> addresses6;
  std::optional<IpAddress> router6;
  // Why net.ipv6.conf.IF.accept_ra = 2 is not set ("" once it is): without
  // it the kernel ignores the router's advertisements once forwarding is on,
  // so the uplink's IPv6 is not used (fail closed) until it is.
  std::string ra_problem;
  int ra_ifindex = 0;  // the interface accept_ra = 2 was written for (0: none yet)
  // Its own table's IPv6 default and its fallback in main, when installed:
  // through the router they were put in through (removed by it).
  std::optional<net::Route> table_route6;
  // Where its IPv6 stands, the first thing missing first: /status
  // (ipv6_report()) and every use of its IPv6 (ipv6_ready()) read this one.
  enum class Ipv6State { unbound, blocked, no_address, no_router, ready };
  Ipv6State ipv6_state() const {
    if (interface.empty()) return Ipv6State::unbound;
    if (!ra_problem.empty()) return Ipv6State::blocked;
    if (addresses6.empty()) return Ipv6State::no_address;
    if (!router6) return Ipv6State::no_router;
    return Ipv6State::ready;
  }
  bool ipv6_ready() const { return cfg.ipv6 && ipv6_state() == Ipv6State::ready; }
  // Whether it has what its tracker needs to probe: an IPv4 address, or on an
  // uplink that may lack IPv4 (require = ipv6) usable IPv6 instead.
  bool addressed() const { return !addresses.empty() || (cfg.may_lack_ipv4() && ipv6_ready()); }
  // Chosen, it carries IPv6 only: no IPv4 address, and none needed.
  bool ipv6_only() const { return addresses.empty() && cfg.may_lack_ipv4(); }
  OneShot timer;  // the tracker's ArmTimer
  // The probe round in flight.
  std::vector<std::uint64_t> probes;
  int pending = 0;
  std::vector<std::chrono::microseconds> rtts;  // of the answered probes
  // IPv6 targets not probed this round (no usable IPv6): they count as
  // unanswered once unprobed_timer fires, never inside start_round itself.
  int unprobed = 0;
  OneShot unprobed_timer;
  // Per family (0: IPv4, 1: IPv6), the last finished round for /status.
  struct FamilyRound {
    int probed = 0, answered = 0;
    std::string why;  // "" or why its targets were not probed / the last error
  };
  FamilyRound round_now[2], round_last[2];
  // Counters for /status and /metrics.
  std::uint64_t probes_sent = 0, probes_lost = 0, bytes_sent = 0, bytes_received = 0;
  std::int64_t rtt_us = -1;
  // Data budget ([uplink] budget; network_service_budget.cpp).
  std::optional<BudgetMeter> budget;
  ProbeCost probe_cost;  // metered (metered or budget): the probes' bytes per minute
  bool metered() const { return cfg.metered || cfg.budget > 0; }
};

}  // namespace fb::core
