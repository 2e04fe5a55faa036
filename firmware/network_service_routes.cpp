// NetworkService: each uplink's routes, the main default route failover
// switches, and carrying out what UplinkTracker and FailoverPolicy return.
#include <chrono>
#include <cstdio>

#include "fb/core/core_events.hpp"
#include "fb/core/network_service.hpp"
#include "fb/event.hpp"
#include "network_service_uplink.hpp"

namespace fb::core {

namespace tact = tracker_action;
namespace pact = policy_action;

std::string NetworkService::route_text(const net::Route& r) {
  return "default" + (r.gateway ? " via " + r.gateway->text() : std::string()) + " dev " + r.device + " metric " +
         std::to_string(r.metric);
}

std::string NetworkService::default_text() const {
  if (!default4_) return {};
  if (!default_index_) return "(kept from before the reload until the policy decides)";
  return route_text(*default4_);
}

// The way out through an uplink: its device, and its gateway when it has one.
net::NextHop NetworkService::next_hop_of(const Uplink& u) {
  net::NextHop hop;
  hop.device = u.interface;
  if (u.next_hop) {
    hop.gateway = *u.next_hop;
    hop.family = u.next_hop->family;
  }
  return hop;
}

std::optional<net::Route> NetworkService::default_route_for(const Uplink& u) const {
  if (u.interface.empty()) return std::nullopt;  // not bound yet: no route
  net::NextHop hop = next_hop_of(u);
  auto route = net::main_default_route(hop);
  if (!route.ok()) {
    log_.error() << "uplink[" << u.cfg.name << "]: " << describe(route);
    return std::nullopt;
  }
  return *route;
}

void NetworkService::install_uplink_routes(Uplink& u) {
  if (u.interface.empty()) return;  // not bound yet
  if (u.ipv6_only()) {              // no IPv4 address to route IPv4 from
    install_uplink_routes6(u);
    return;
  }
  net::NextHop hop = next_hop_of(u);
  auto route = net::uplink_default_route(u.slot, hop);
  if (!route.ok()) {
    log_.error() << "uplink[" << u.cfg.name << "]: " << describe(route);
    return;
  }
  if (auto s = system_->replace_route(*route); !s.ok()) {
    log_.info() << "uplink[" << u.cfg.name << "]: its table's route is not in place yet: " << describe(s);
    u.table_route = false;
    return;
  }
  u.table_route = true;
  // A socket bound to the uplink's device (probes: SO_BINDTODEVICE) that
  // sends without a source address is routed before any source rule can
  // match; without a route through its device in main the kernel assumes the
  // target is on-link and ARPs for it. So main also holds a default through
  // every ready uplink, above the one failover chooses (metric 10).
  if (auto s = system_->replace_route(net::fallback_route(u.slot, *route)); !s.ok())
    log_.info() << "uplink[" << u.cfg.name << "]: its device route in main is not in place yet: " << describe(s);
  install_uplink_routes6(u);
  // The uplink still chosen lost the main default with its link (the only
  // one left, or pinned): back with the link, as the choice never changed.
  if (default_index_ == u.index && !default4_) {
    log_.notice() << "uplink[" << u.cfg.name << "]: its link is back; putting the default route via it back";
    set_default(u.index);
  }
}

// Its table's default and its fallback in main, through the device it is
// bound to now (before a rebind; the kernel may have dropped them already
// with the device, so a failure is only noted).
void NetworkService::remove_uplink_routes(Uplink& u) {
  remove_uplink_routes6(u);
  u.table_route = false;
  if (u.interface.empty()) return;
  net::NextHop hop = next_hop_of(u);
  auto route = net::uplink_default_route(u.slot, hop);
  if (!route.ok()) return;
  for (const net::Route& r : {*route, net::fallback_route(u.slot, *route)})
    if (auto s = system_->remove_route(r); !s.ok())
      log_.debug() << "uplink[" << u.cfg.name << "]: " << describe(s) << " (gone with its device)";
}

// ---- IPv6: the same routes and rules through the uplink's router ----

void NetworkService::ipv6_changed(Uplink& u) {
  sync_source_rules6(u);
  bool moved = u.table_route6 && (!u.ipv6_ready() || u.table_route6->gateway != u.router6);
  if (moved) remove_uplink_routes6(u);
  if (u.ipv6_ready() && !u.table_route6 && u.tracker.ready()) install_uplink_routes6(u);
  if (default_index_ == u.index && choice_in_place()) set_default6(u.index);
  // On an uplink that may lack IPv4, IPv6 alone can make it addressed.
  if (u.cfg.may_lack_ipv4() && u.addresses.empty()) feed(u, tracker_event::Address{u.addressed()});
}

// A source rule per global address while the uplink's IPv6 may be used.
void NetworkService::sync_source_rules6(Uplink& u) {
  std::set<IpAddress> wanted = u.cfg.ipv6 && u.ra_problem.empty() ? u.addresses6 : std::set<IpAddress>{};
  for (const IpAddress& a : std::set<IpAddress>(u.source_rules)) {
    if (a.family != AF_INET6 || wanted.count(a)) continue;
    u.source_rules.erase(a);
    if (auto rule = net::source_rule(u.slot, a); rule.ok())
      if (auto s = system_->remove_rule(*rule); !s.ok()) log_.error() << describe(s);
  }
  for (const IpAddress& a : wanted) {
    if (u.source_rules.count(a)) continue;
    auto rule = net::source_rule(u.slot, a);
    if (!rule.ok()) continue;
    if (auto s = system_->add_rule(*rule); s.ok())
      u.source_rules.insert(a);
    else
      log_.error() << "uplink[" << u.cfg.name << "]: " << describe(s);
  }
}

void NetworkService::install_uplink_routes6(Uplink& u) {
  if (!u.ipv6_ready()) return;
  auto route = net::uplink_default_route(u.slot, {u.router6, u.interface, AF_INET6});
  if (!route.ok()) {
    log_.error() << "uplink[" << u.cfg.name << "]: " << describe(route);
    return;
  }
  if (auto s = system_->replace_route(*route); !s.ok()) {
    log_.info() << "uplink[" << u.cfg.name << "]: its table's IPv6 route is not in place yet: " << describe(s);
    return;
  }
  u.table_route6 = *route;
  // sockets bound to its device, as for IPv4
  if (auto s = system_->replace_route(net::fallback_route(u.slot, *route)); !s.ok())
    log_.info() << "uplink[" << u.cfg.name << "]: its IPv6 device route in main is not in place yet: " << describe(s);
}

void NetworkService::remove_uplink_routes6(Uplink& u) {
  if (!u.table_route6) return;
  for (const net::Route& r : {*u.table_route6, net::fallback_route(u.slot, *u.table_route6)})
    if (auto s = system_->remove_route(r); !s.ok())
      log_.debug() << "uplink[" << u.cfg.name << "]: " << describe(s) << " (gone with its router or device)";
  u.table_route6.reset();
}

void NetworkService::set_default6(std::size_t index) {
  Uplink& u = *uplinks_[index];
  if (u.ipv6_ready()) {
    auto route = net::main_default_route({u.router6, u.interface, AF_INET6});
    if (!route.ok()) {
      log_.error() << "uplink[" << u.cfg.name << "]: " << describe(route);
      return;
    }
    if (default6_ == *route) return;
    // NLM_F_REPLACE, as for IPv4: the slot changes in one step.
    if (auto s = system_->replace_route(*route); !s.ok()) {
      log_.error() << "IPv6 default route via " << u.cfg.name << ": " << describe(s);
      return;
    }
    default6_ = *route;
    default6_index_ = index;
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(timers_.now() - event_at_);
    char ms[32];
    std::snprintf(ms, sizeof(ms), "%.3f", static_cast<double>(took.count()) / 1000.0);
    log_.notice() << "IPv6 default route now via " << u.cfg.name << " (" << route_text(*route) << "), " << ms
                  << " ms after the event";
    if (on_change_) on_change_();
    return;
  }
  // The chosen uplink has no usable IPv6: IPv6 must not keep leaving by
  // the one the IPv4 default left.
  if (!default6_) return;
  if (auto s = system_->remove_route(*default6_); !s.ok()) {
    log_.error() << "IPv6 default route via " << (default6_index_ ? uplinks_[*default6_index_]->cfg.name : "?")
                 << " cannot be removed: " << describe(s);
    return;
  }
  log_.notice() << "no IPv6 default route of failberryd's: " << u.cfg.name << ", which carries the IPv4 one, has no "
                << "usable IPv6 (" << ipv6_report(u).reason << ")";
  default6_.reset();
  default6_index_.reset();
  if (on_change_) on_change_();
}

// ---- the cores ----

void NetworkService::feed(Uplink& u, const TrackerEvent& event) {
  TrackerStatus before = u.tracker.status();
  for (const TrackerAction& a : u.tracker.handle(event, timers_.now())) {
    if (std::holds_alternative<tact::StartRound>(a)) {
      start_round(u);
    } else if (std::holds_alternative<tact::CancelRound>(a)) {
      cancel_round(u);
    } else if (auto* t = std::get_if<tact::ArmTimer>(&a)) {
      u.timer.arm(t->deadline, [this, &u] { feed(u, tracker_event::TimerFired{}); });
    } else if (std::holds_alternative<tact::CancelTimer>(a)) {
      u.timer.cancel();
    } else if (auto* r = std::get_if<tact::Report>(&a)) {
      if (auto e = uplink_event(u.cfg.name, before, r->status, timers_.now())) events::publish(std::move(*e));
      if (auto e = quality_event(u.cfg.name, before, r->status, timers_.now())) events::publish(std::move(*e));
      if (usable(r->status.state) && !u.table_route && !u.ipv6_only()) install_uplink_routes(u);
      if (usable(r->status.state) && u.ipv6_ready() && !u.table_route6) install_uplink_routes6(u);
      bool usable_now = usable(r->status.state);
      bool degraded = usable_now && r->status.quality_bad;
      feed_policy(policy_event::UplinkChanged{u.index, usable_now,
                                              degraded ? r->status.quality_reason : r->status.reason, degraded});
      if (on_change_) on_change_();  // /health of this uplink answers differently now
    }
  }
}

void NetworkService::feed_policy(const PolicyEvent& event) {
  PolicyStatus before = policy_->status();
  for (const PolicyAction& a : policy_->handle(event, timers_.now())) {
    if (auto* s = std::get_if<pact::SetDefault>(&a)) {
      set_default(s->index);
    } else if (auto* f = std::get_if<pact::FlushConntrack>(&a)) {
      flush(f->index);
    } else if (auto* t = std::get_if<pact::ArmTimer>(&a)) {
      policy_timer_.arm(t->deadline, [this] {
        event_at_ = timers_.now();
        feed_policy(policy_event::TimerFired{});
      });
    } else if (std::holds_alternative<pact::CancelTimer>(a)) {
      policy_timer_.cancel();
    } else if (auto* r = std::get_if<pact::Report>(&a)) {
      if (auto e = switch_event(before, r->status, timers_.now())) events::publish(std::move(*e));
    }
  }
}

void NetworkService::set_default(std::size_t index) {
  Uplink& u = *uplinks_[index];
  if (u.ipv6_only()) return set_default_ipv6_only(index);
  auto route = default_route_for(u);
  if (!route) return;
  // NLM_F_REPLACE: the slot changes in one step, never a moment without a default.
  if (auto s = system_->replace_route(*route); !s.ok()) {
    log_.error() << "default route via " << u.cfg.name << ": " << describe(s);
    return;
  }
  default_index_ = index;
  default4_ = *route;
  ipv6_only_choice_ = false;
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(timers_.now() - event_at_);
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%.3f", static_cast<double>(took.count()) / 1000.0);
  log_.notice() << "default route now via " << u.cfg.name << " (" << route_text(*route) << "), " << ms
                << " ms after the event";
  set_default6(index);
  if (on_change_) on_change_();
}

void NetworkService::set_default_ipv6_only(std::size_t index) {
  Uplink& u = *uplinks_[index];
  bool news = default_index_ != index || !ipv6_only_choice_;
  // A route already gone counts as removed (System::remove_route()); one that
  // cannot be removed stays reported as in place, and reassert() tries again.
  if (default4_) {
    if (auto s = system_->remove_route(*default4_); !s.ok())
      log_.error() << "IPv4 default route (" << route_text(*default4_) << ") cannot be removed: " << describe(s);
    else
      default4_.reset();
  }
  default_index_ = index;
  ipv6_only_choice_ = true;
  if (news)
    log_.warning() << "uplink[" << u.cfg.name << "] carries IPv6 only: it has no IPv4 address (require = ipv6), so "
                   << "failberryd has no IPv4 default route while it is chosen; IPv4 through an IPv6-only carrier "
                   << "needs the carrier's NAT64 with 464XLAT, which failberryd does not set up";
  set_default6(index);
  if (on_change_) on_change_();
}

void NetworkService::flush(std::size_t index) {
  Uplink& u = *uplinks_[index];
  std::size_t total = 0;
  for (const IpAddress& a : u.recent_addresses) {
    auto n = system_->flush_conntrack(a);
    if (!n.ok()) {
      log_.error() << "uplink[" << u.cfg.name << "]: " << describe(n);
      continue;
    }
    total += *n;
  }
  log_.notice() << "uplink[" << u.cfg.name << "]: flushed " << total << " connection(s) so their flows move";
}

}  // namespace fb::core
