// NetworkService: the KernelView's events, and each uplink's link and
// addresses (its carrier, its source rules) as they come and go.
#include <set>

#include "fb/core/network_service.hpp"
#include "fb/net/sysctl.hpp"
#include "network_service_uplink.hpp"

namespace fb::core {

namespace {

bool is_link_local(const IpAddress& a) {
  return a.family == AF_INET6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

}  // namespace

NetworkService::Uplink* NetworkService::by_ifindex(int ifindex) {
  for (auto& u : uplinks_)
    if (u->ifindex == ifindex && ifindex != 0) return u.get();
  return nullptr;
}

NetworkService::Uplink* NetworkService::by_name(const std::string& interface) {
  for (auto& u : uplinks_)
    if (u->cfg.interface == interface) return u.get();
  return nullptr;
}

void NetworkService::on_net_event(const net::NetEvent& event) {
  event_at_ = timers_.now();
  if (auto* l = std::get_if<net::LinkEvent>(&event)) {
    Uplink* u = by_name(l->name);
    if (!u) u = by_ifindex(l->ifindex);
    if (!u) return;
    u->ifindex = l->removed ? 0 : l->ifindex;
    if (l->removed) {
      for (const auto& a : std::set<IpAddress>(u->addresses)) address_removed(*u, a);
      u->table_route = false;
    }
    set_carrier(*u, !l->removed && l->admin_up && l->carrier);
  } else if (auto* a = std::get_if<net::AddressEvent>(&event)) {
    Uplink* u = by_ifindex(a->ifindex);
    if (!u) {
      if (const auto* link = view_.link(a->ifindex)) u = by_name(link->name);
      if (u) u->ifindex = a->ifindex;
    }
    if (!u || is_link_local(a->address)) return;
    if (a->removed)
      address_removed(*u, a->address);
    else
      address_added(*u, a->address);
  } else if (auto* r = std::get_if<net::RouteEvent>(&event)) {
    // The kernel drops routes through a link that goes down; put ours back
    // when their link is still usable.
    if (!r->removed || r->route.protocol != net::kRouteProtocol || !r->route.destination.is_default()) return;
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
        default_text_.clear();
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
  for (auto& u : uplinks_) {
    const net::KernelView::Link* link = view_.link(u->cfg.interface);
    std::set<IpAddress> now;
    if (link)
      for (const auto& a : link->addresses)
        if (!is_link_local(a.address)) now.insert(a.address);
    u->ifindex = link ? link->ifindex : 0;
    set_carrier(*u, link && link->running());
    for (const auto& a : std::set<IpAddress>(u->addresses))
      if (!now.count(a)) address_removed(*u, a);
    for (const auto& a : now)
      if (!u->addresses.count(a)) address_added(*u, a);
    if (now.empty()) feed(*u, tracker_event::Address{false});
  }
}

void NetworkService::set_carrier(Uplink& u, bool carrier) {
  // A link set down loses its routes without an RTM_DELROUTE per route:
  // assume they are gone and replace them (idempotent) when it is back.
  if (!carrier) u.table_route = false;
  if (carrier && !u.table_route && !u.addresses.empty()) install_uplink_routes(u);
  if (carrier) {
    // An interface that appeared late (ppp0) gets its rp_filter now.
    if (auto rp = net::rp_filter(u.cfg.interface, net::RpFilter::loose); rp.ok()) (void)system_->set_sysctl(*rp);
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
    feed(u, tracker_event::Address{false});
  }
}

void NetworkService::bind_modem_link(const DataLinkReport& link) {
  if (!running_) return;
  Uplink* u = nullptr;
  for (auto& up : uplinks_)
    if (is_modem_link(up->cfg.kind)) u = up.get();
  if (!u) return;
  if (link.up && link.interface != u->cfg.interface) {
    log_.warning() << "uplink[" << u->cfg.name << "]: the modem's link is on " << link.interface << ", not on "
                   << u->cfg.interface << ": not used";
    return;
  }
  std::optional<Prefix> wanted = link.up ? link.address : std::nullopt;
  if (u->assigned && u->assigned != wanted) {
    if (auto s = system_->remove_address(u->cfg.interface, u->assigned->address, u->assigned->length); !s.ok())
      log_.warning() << "uplink[" << u->cfg.name << "]: " << describe(s);
    else
      log_.notice() << "uplink[" << u->cfg.name << "]: removed " << u->assigned->text() << " from " << u->cfg.interface;
    u->assigned.reset();
  }
  // Down: the next hop stays what it was; the kernel drops the routes
  // through it with the address, and the tracker sees the address go.
  std::optional<IpAddress> hop = link.up && link.gateway ? link.gateway : u->next_hop;
  bool hop_changed = hop != u->next_hop;
  u->next_hop = hop;
  // Up: the interface too (a DHCP client needs it before any address).
  if (link.up && link.path != modem::DataPath::ppp)
    if (auto s = system_->set_link_up(u->cfg.interface); !s.ok())
      log_.warning() << "uplink[" << u->cfg.name << "]: " << describe(s);
  if (wanted && !u->assigned) {
    if (auto s = system_->replace_address(u->cfg.interface, wanted->address, wanted->length); !s.ok()) {
      log_.error() << "uplink[" << u->cfg.name << "]: cannot put the modem's address on " << u->cfg.interface << ": "
                   << describe(s);
    } else {
      u->assigned = wanted;
      log_.notice() << "uplink[" << u->cfg.name << "]: " << wanted->text() << " on "
                    << u->cfg.interface << (hop ? " via " + hop->text() : std::string());
    }
  }
  if (hop_changed && u->table_route) {
    install_uplink_routes(*u);
    if (default_index_ == u->index) set_default(u->index);
  }
}

}  // namespace fb::core
