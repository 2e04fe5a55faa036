// NetworkService: the KernelView's events, and each uplink's link and
// addresses (its carrier, its source rules) as they come and go.
#include <linux/if_addr.h>

#include <set>

#include "fb/core/address_table.hpp"
#include "fb/core/interface_binding.hpp"
#include "fb/core/network_service.hpp"
#include "fb/net/sysctl.hpp"
#include "network_service_uplink.hpp"

namespace fb::core {

namespace {

// The addresses that make an uplink's link usable: IPv4 only, as its routes,
// rules, probes and NAT are. An IPv6 address (a router advertisement's on a
// stick whose session is IPv4 only) must not keep an uplink up whose IPv4
// address went with its session.
bool counts(const IpAddress& a) {
  return a.family == AF_INET;
}

// An IPv6 address the uplink's IPv6 can use: global (as DDNS means it) and
// past duplicate address detection. A unique-local address does not reach
// the internet; a tentative or duplicate one cannot be a source yet.
bool usable6(const net::KernelView::Address& a) {
  return is_global_ipv6(a.address) && (a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) == 0;
}

std::string list(const std::set<IpAddress>& addresses) {
  std::string out;
  for (const IpAddress& a : addresses) out += (out.empty() ? "" : ", ") + a.text();
  return out.empty() ? "none" : out;
}

}  // namespace

NetworkService::Uplink* NetworkService::by_ifindex(int ifindex) {
  for (auto& u : uplinks_)
    if (u->ifindex == ifindex && ifindex != 0) return u.get();
  return nullptr;
}

NetworkService::Uplink* NetworkService::by_name(const std::string& interface) {
  for (auto& u : uplinks_)
    if (!u->interface.empty() && u->interface == interface) return u.get();
  return nullptr;
}

void NetworkService::on_net_event(const net::NetEvent& event) {
  event_at_ = timers_.now();
  if (auto* l = std::get_if<net::LinkEvent>(&event)) {
    Uplink* u = by_name(l->name);
    if (!u) u = by_ifindex(l->ifindex);
    if (!u) return;
    u->ifindex = l->removed ? 0 : l->ifindex;
    // A link set down or gone takes its routes without a word per route;
    // the main default through it too, though no choice changed: it is put
    // back with the link (install_uplink_routes()).
    if ((l->removed || !l->admin_up) && default_index_ == u->index && default4_) {
      log_.info() << "the default route via " << u->cfg.name << " went with " << u->cfg.interface;
      default4_.reset();
    }
    if (l->removed) {
      for (const auto& a : std::set<IpAddress>(u->addresses)) address_removed(*u, a);
      u->table_route = false;
    }
    set_carrier(*u, !l->removed && l->admin_up && l->carrier);
    read_ipv6(*u);  // a link gone takes its IPv6 with it
  } else if (auto* a = std::get_if<net::AddressEvent>(&event)) {
    Uplink* u = by_ifindex(a->ifindex);
    if (!u) {
      if (const auto* link = view_.link(a->ifindex)) u = by_name(link->name);
      if (u) u->ifindex = a->ifindex;
    }
    if (u && a->address.family == AF_INET6) return read_ipv6(*u);
    if (!u || !counts(a->address)) return;
    if (a->removed)
      address_removed(*u, a->address);
    else
      address_added(*u, a->address);
  } else if (auto* r = std::get_if<net::RouteEvent>(&event)) {
    // An IPv6 default router learned or lost (the view holds it already).
    if (r->route.family() == AF_INET6 && r->route.protocol != net::kRouteProtocol && r->route.destination.is_default())
      if (Uplink* u = by_ifindex(r->route.ifindex)) return read_ipv6(*u);
    // The kernel drops routes through a link that goes down; put ours back
    // when their link is still usable.
    if (!r->removed || r->route.protocol != net::kRouteProtocol || !r->route.destination.is_default()) return;
    // Our IPv6 main default went (its device or router did): put it back
    // through the uplink that carries the IPv4 one, if it still can.
    if (r->route.family() == AF_INET6 && r->route.table == net::kMainTable &&
        r->route.metric == net::kMainDefaultMetric) {
      if (default6_ && default6_index_ && r->route.ifindex == uplinks_[*default6_index_]->ifindex &&
          r->route.gateway == default6_->gateway) {
        default6_.reset();
        default6_index_.reset();
        if (choice_in_place()) set_default6(*default_index_);
        if (on_change_) on_change_();
      }
      return;
    }
    if (r->route.table == net::kMainTable && r->route.metric > net::kMainDefaultMetric) {
      for (auto& u : uplinks_)
        if (r->route.metric == u->slot.fallback_metric()) {
          u->table_route = false;  // both are put back together
          if (u->tracker.ready()) install_uplink_routes(*u);
        }
    } else if (r->route.table == net::kMainTable && r->route.metric == net::kMainDefaultMetric && default_index_ &&
               r->route.ifindex == uplinks_[*default_index_]->ifindex) {  // not the one a switch replaced
      Uplink& u = *uplinks_[*default_index_];
      if (u.tracker.ready()) {
        log_.notice() << "the kernel removed the default route via " << u.cfg.name << "; putting it back";
        set_default(u.index);
      } else {
        default4_.reset();
      }
    } else if (net::is_uplink_table(r->route.table)) {
      std::size_t i = r->route.table - net::kFirstUplinkTable;
      if (i < uplinks_.size()) {
        uplinks_[i]->table_route = false;
        if (uplinks_[i]->tracker.ready()) install_uplink_routes(*uplinks_[i]);
      }
    }
  } else if (std::holds_alternative<net::EventsLost>(event)) {
    read_links();  // the view has read them again
  }
}

void NetworkService::read_links() {
  for (auto& u : uplinks_) read_link(*u);
}

// One uplink's link and addresses as the view has them now. An uplink not
// bound yet has none to read: its tracker stays unknown.
void NetworkService::read_link(Uplink& u) {
  if (u.interface.empty()) return;
  const net::KernelView::Link* link = view_.link(u.interface);
  std::set<IpAddress> now;
  if (link)
    for (const auto& a : link->addresses)
      if (counts(a.address)) now.insert(a.address);
  u.ifindex = link ? link->ifindex : 0;
  set_carrier(u, link && link->running());
  for (const auto& a : std::set<IpAddress>(u.addresses))
    if (!now.count(a)) address_removed(u, a);
  for (const auto& a : now)
    if (!u.addresses.count(a)) address_added(u, a);
  read_ipv6(u);
  if (!u.addressed()) feed(u, tracker_event::Address{false});
}

// accept_ra = 2 once per interface the kernel has (a re-created ppp0 has a
// new ifindex and the default sysctls), and again while a write failed. An
// interface that does not exist yet (ppp0 before pppd) is no problem: it has
// no IPv6 to use, and its accept_ra is written when it appears.
void NetworkService::set_accept_ra(Uplink& u) {
  if (!u.cfg.ipv6 || u.interface.empty()) return;
  const net::KernelView::Link* link = view_.link(u.interface);
  if (link && link->ifindex == u.ra_ifindex && u.ra_problem.empty()) return;  // written for this one
  std::string problem;
  u.ra_ifindex = 0;
  if (link) {
    auto ra = net::accept_ra(u.interface);
    net::Status s = ra.ok() ? system_->set_sysctl(*ra) : net::Status(ra.error());
    if (s.ok())
      u.ra_ifindex = link->ifindex;
    else
      problem = "ACCEPT_RA_NOT_SET: " + describe(s);
  }
  if (problem == u.ra_problem) return;
  if (problem.empty())
    log_.notice() << "uplink[" << u.cfg.name << "]: accept_ra = 2 on "
                  << u.interface << ": its router advertisements are taken";
  else
    log_.warning() << "uplink[" << u.cfg.name << "]: " << problem << "; its IPv6 is not used until it is set";
  u.ra_problem = std::move(problem);
  ipv6_changed(u);
  if (on_change_) on_change_();
}

// The global IPv6 addresses and the first default router the view holds for
// the uplink's interface now.
void NetworkService::read_ipv6(Uplink& u) {
  if (!u.cfg.ipv6) return;
  std::set<IpAddress> addresses;
  std::optional<IpAddress> router;
  if (const auto* link = u.interface.empty() ? nullptr : view_.link(u.interface)) {
    for (const auto& a : link->addresses)
      if (usable6(a)) addresses.insert(a.address);
    if (!link->routers6.empty()) router = link->routers6.front();
  }
  if (addresses == u.addresses6 && router == u.router6) return;
  u.addresses6 = std::move(addresses);
  u.router6 = router;
  log_.notice() << "uplink[" << u.cfg.name << "]: IPv6 addresses " << list(u.addresses6) << ", router "
                << (u.router6 ? u.router6->text() : std::string("none"));
  ipv6_changed(u);
  if (on_change_) on_change_();
}

void NetworkService::set_carrier(Uplink& u, bool carrier) {
  // A link set down loses its routes without an RTM_DELROUTE per route:
  // assume they are gone and replace them (idempotent) when it is back.
  if (!carrier) u.table_route = false;
  if (carrier && !u.table_route && !u.addresses.empty()) install_uplink_routes(u);
  if (carrier && !u.interface.empty()) {
    // An interface that appeared late (ppp0) gets its rp_filter now, and its accept_ra.
    if (auto rp = net::rp_filter(u.interface, net::RpFilter::loose); rp.ok()) (void)system_->set_sysctl(*rp);
    set_accept_ra(u);
  }
  feed(u, tracker_event::Link{carrier});
}

void NetworkService::address_added(Uplink& u, const IpAddress& address) {
  if (!u.addresses.insert(address).second) return;
  u.recent_addresses.insert(address);
  if (u.recent_addresses.size() > 8) u.recent_addresses.erase(u.recent_addresses.begin());
  if (!u.source_rules.count(address)) {
    auto rule = net::source_rule(u.slot, address);
    if (rule.ok()) {
      if (auto s = system_->add_rule(*rule); s.ok())
        u.source_rules.insert(address);
      else
        log_.error() << describe(s);
    }
  }
  install_uplink_routes(u);
  feed(u, tracker_event::Address{true});
}

void NetworkService::address_removed(Uplink& u, const IpAddress& address) {
  if (!u.addresses.erase(address)) return;
  if (u.source_rules.erase(address)) {
    auto rule = net::source_rule(u.slot, address);
    if (rule.ok())
      if (auto s = system_->remove_rule(*rule); !s.ok()) log_.error() << describe(s);
  }
  if (u.addresses.empty()) {
    u.table_route = false;
    // One that may lack IPv4 stays up on its IPv6; chosen, it carries IPv6 only now.
    if (!u.addressed()) feed(u, tracker_event::Address{false});
    if (u.addressed() && default_index_ == u.index) set_default(u.index);
  }
}

void NetworkService::bind_modem_link(const DataLinkReport& link) {
  if (!running_) return;
  Uplink* u = nullptr;
  for (auto& up : uplinks_)
    if (is_modem_link(up->cfg.kind)) u = up.get();
  if (!u) return;
  // Down: the next hop stays what it was; the kernel drops the routes
  // through it with the address, and the tracker sees the address go.
  std::optional<IpAddress> hop = link.up && link.gateway ? link.gateway : u->next_hop;
  switch (binding_step(u->cfg.interface_auto(), u->interface, link.interface)) {
    case BindingStep::bind:
    case BindingStep::rebind: bind_interface(*u, link.interface, hop); break;
    case BindingStep::keep:
    case BindingStep::ignore: break;  // a named uplink: the check below says it when the link is up
  }
  if (link.up && link.interface != u->interface) {
    log_.warning() << "uplink[" << u->cfg.name << "]: the modem's link is on " << link.interface << ", not on "
                   << u->interface << ": not used";
    return;
  }
  std::optional<Prefix> wanted = link.up ? link.address : std::nullopt;
  if (u->assigned && u->assigned != wanted) {
    if (auto s = system_->remove_address(u->interface, u->assigned->address, u->assigned->length); !s.ok())
      log_.warning() << "uplink[" << u->cfg.name << "]: " << describe(s);
    else
      log_.notice() << "uplink[" << u->cfg.name << "]: removed " << u->assigned->text() << " from " << u->interface;
    u->assigned.reset();
  }
  bool hop_changed = hop != u->next_hop;
  u->next_hop = hop;
  // Up: the interface too (a DHCP client needs it before any address).
  if (link.up && link.path != modem::DataPath::ppp)
    if (auto s = system_->set_link_up(u->interface); !s.ok())
      log_.warning() << "uplink[" << u->cfg.name << "]: " << describe(s);
  if (wanted && !u->assigned) {
    if (auto s = system_->replace_address(u->interface, wanted->address, wanted->length); !s.ok()) {
      log_.error() << "uplink[" << u->cfg.name << "]: cannot put the modem's address on " << u->interface << ": "
                   << describe(s);
    } else {
      u->assigned = wanted;
      log_.notice() << "uplink[" << u->cfg.name << "]: " << wanted->text() << " on "
                    << u->interface << (hop ? " via " + hop->text() : std::string());
    }
  }
  if (hop_changed && u->table_route) {
    install_uplink_routes(*u);
    if (default_index_ == u->index) set_default(u->index);
  }
}

// An uplink with interface = auto gets the name the modem found (or a new
// one: the stick came back as wwan1). What belonged to the old name goes
// first — its carrier counts as lost (the policy moves the default away if
// it can), its addresses, source rules and routes are removed, the address
// put on it for the modem too — then the uplink is bound (with `hop`, the
// next hop of the link that names it): its rp_filter,
// the nft table with the new name (one transaction), and its link and
// addresses read from the view; netlink events and probes follow the name.
void NetworkService::bind_interface(Uplink& u, const std::string& name, std::optional<IpAddress> hop) {
  std::string old = u.interface;
  if (!old.empty()) {
    cancel_round(u);
    for (const auto& a : std::set<IpAddress>(u.addresses)) address_removed(u, a);
    remove_uplink_routes(u);
    if (u.assigned) {
      if (auto s = system_->remove_address(old, u.assigned->address, u.assigned->length); !s.ok())
        log_.info() << "uplink[" << u.cfg.name << "]: " << describe(s);
      u.assigned.reset();
    }
    set_carrier(u, false);
  }
  u.interface = name;
  u.next_hop = hop;  // the new link's, so its first routes already go through it
  u.ifindex = 0;
  u.table_route = false;
  if (old.empty())
    log_.notice() << "uplink[" << u.cfg.name << "]: bound to " << name << " (interface = auto: found beside the "
                  << "modem's AT port)";
  else
    log_.notice() << "uplink[" << u.cfg.name << "]: rebound from " << old << " to " << name
                  << " (the modem's interface changed)";
  if (auto rp = net::rp_filter(name, net::RpFilter::loose); rp.ok())
    if (auto s = system_->set_sysctl(*rp); !s.ok())
      log_.info() << "uplink[" << u.cfg.name << "]: rp_filter not set yet (" << s.error().detail << ")";
  u.ra_problem.clear();  // the old name's
  u.ra_ifindex = 0;
  set_accept_ra(u);
  net::FirewallSpec spec = firewall_spec();
  if (auto s = system_->apply_firewall(spec); !s.ok()) {
    log_.error() << "uplink[" << u.cfg.name << "]: cannot apply the nftables table with " << name << ": "
                 << describe(s);
    // A budget's limit names the interface: the budget tick applies the
    // table again every second until the kernel has it.
    budget_table_stale_ = true;
  } else {
    firewall_ = spec;
  }
  read_link(u);
  if (on_change_) on_change_();  // /status shows the interface
}

// /status: what the uplink's IPv6 is, and what stands in its way.
health::Ipv6Report NetworkService::ipv6_report(const Uplink& u) const {
  health::Ipv6Report r;
  for (const IpAddress& a : u.addresses6) r.addresses.push_back(a.text());
  if (u.router6) r.router = u.router6->text();
  r.routed = default6_index_ == u.index;
  switch (u.ipv6_state()) {
    case Uplink::Ipv6State::unbound:
      r.state = "unbound";
      r.reason = "INTERFACE_NOT_FOUND: the modem has not found its interface yet";
      break;
    case Uplink::Ipv6State::blocked:
      r.state = "blocked";
      r.reason = u.ra_problem;
      break;
    case Uplink::Ipv6State::no_address:
      r.state = "no-address";
      r.reason = "NO_IPV6_ADDRESS: no global IPv6 address on " + u.interface +
                 " (no router advertisement with a prefix yet, or the network gives none)";
      break;
    case Uplink::Ipv6State::no_router:
      r.state = "no-router";
      r.reason = "NO_IPV6_ROUTER: no default router on " + u.interface + " (no router advertisement with a lifetime)";
      break;
    case Uplink::Ipv6State::ready: r.state = "ready"; break;
  }
  return r;
}

std::string NetworkService::interface_of(const std::string& uplink) const {
  for (const auto& u : uplinks_)
    if (u->cfg.name == uplink) return u->interface;
  return {};
}

}  // namespace fb::core
