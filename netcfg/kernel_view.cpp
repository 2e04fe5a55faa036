#include "fb/net/kernel_view.hpp"

#include <linux/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netlink_support.hpp"

namespace fb::net {

using detail::NlPtr;

namespace {

// A default router of IPv6 the kernel holds for a link: a ::/0 route in main
// through a gateway, not failberry's own.
bool is_router6(const Route& r) {
  return r.family() == AF_INET6 && r.destination.is_default() && r.table == kMainTable &&
         r.protocol != kRouteProtocol && r.gateway && r.ifindex > 0;
}

void add_router(std::vector<IpAddress>& routers, const IpAddress& router) {
  if (std::find(routers.begin(), routers.end(), router) == routers.end()) routers.push_back(router);
}

// The IPv6 default routers of a route dump, added to the links they are on.
struct RouterDump {
  std::map<int, KernelView::Link>* links;

  static void on_object(nl_object* object, void* arg) {
    auto* self = static_cast<RouterDump*>(arg);
    Route r = detail::route_from_kernel(reinterpret_cast<rtnl_route*>(object), nullptr);
    auto it = self->links->find(r.ifindex);
    if (is_router6(r) && it != self->links->end()) add_router(it->second.routers6, *r.gateway);
  }
  static int on_message(nl_msg* message, void* arg) {
    nl_msg_parse(message, &on_object, arg);
    return NL_OK;
  }
};

// Every link, address and IPv6 default router the kernel has now, from one
// socket opened for it.
std::optional<std::map<int, KernelView::Link>> dump_links(std::string& error) {
  NlPtr<nl_sock> socket(nl_socket_alloc());
  if (!socket) {
    error = "nl_socket_alloc failed";
    return std::nullopt;
  }
  errno = 0;
  if (int err = nl_connect(socket.get(), NETLINK_ROUTE); err < 0) {
    error = std::string("rtnetlink socket: ") + nl_geterror(err);
    if (errno != 0) error += std::string(" (") + std::strerror(errno) + ")";
    return std::nullopt;
  }
  nl_cache* cache = nullptr;
  // libnl restarts a dump the kernel marks interrupted (a link changed meanwhile).
  if (int err = rtnl_link_alloc_cache(socket.get(), AF_UNSPEC, &cache); err < 0) {
    error = std::string("link dump: ") + nl_geterror(err);
    return std::nullopt;
  }
  NlPtr<nl_cache> link_cache(cache);
  cache = nullptr;
  if (int err = rtnl_addr_alloc_cache(socket.get(), &cache); err < 0) {
    error = std::string("address dump: ") + nl_geterror(err);
    return std::nullopt;
  }
  NlPtr<nl_cache> addr_cache(cache);

  std::map<int, KernelView::Link> links;
  for (nl_object* o = nl_cache_get_first(link_cache.get()); o; o = nl_cache_get_next(o)) {
    auto* l = reinterpret_cast<rtnl_link*>(o);
    KernelView::Link link;
    link.ifindex = rtnl_link_get_ifindex(l);
    if (const char* name = rtnl_link_get_name(l)) link.name = name;
    unsigned flags = rtnl_link_get_flags(l);
    link.admin_up = flags & IFF_UP;
    link.carrier = flags & IFF_LOWER_UP;
    links[link.ifindex] = std::move(link);
  }
  for (nl_object* o = nl_cache_get_first(addr_cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    auto it = links.find(rtnl_addr_get_ifindex(a));
    auto local = detail::from_nl_addr(rtnl_addr_get_local(a));
    if (it == links.end() || !local) continue;  // a link gone between the two dumps
    KernelView::Address address{*local, rtnl_addr_get_prefixlen(a), std::nullopt, rtnl_addr_get_flags(a)};
    auto peer = detail::from_nl_addr(rtnl_addr_get_peer(a));
    if (peer && *peer != *local) address.peer = peer;
    it->second.addresses.push_back(std::move(address));
  }
  // IPv6 default routers: the family's route dump, message by message.
  // Not through libnl's route cache: it keys an IPv6 route without its next
  // hop, so of the routers of two links at the same metric (router
  // advertisements: 1024) it would keep one.
  RouterDump collect{&links};
  nl_socket_modify_cb(socket.get(), NL_CB_VALID, NL_CB_CUSTOM, &RouterDump::on_message, &collect);
  rtmsg request{};
  request.rtm_family = AF_INET6;
  int err = nl_send_simple(socket.get(), RTM_GETROUTE, NLM_F_DUMP, &request, sizeof request);
  if (err >= 0) err = nl_recvmsgs_default(socket.get());
  if (err < 0) {
    error = std::string("IPv6 route dump: ") + nl_geterror(err);
    return std::nullopt;
  }
  return links;
}

}  // namespace

KernelView::KernelView(boost::asio::io_context& io) : monitor_(io, [this](const NetEvent& e) { on_event(e); }) {}

Status KernelView::start() {
  if (watching_) return {};
  Status status = monitor_.start();
  if (status.ok()) ++monitors_opened_;
  watching_ = status.ok();
  if (!watching_) log_.error() << describe(status) << "; the links and addresses are read once and not followed";
  dump();
  return status;
}

void KernelView::stop() {
  monitor_.stop();
  watching_ = false;
}

KernelView::SubscriberId KernelView::subscribe(Subscriber subscriber) {
  subscribers_[++last_id_] = std::move(subscriber);
  return last_id_;
}

void KernelView::unsubscribe(SubscriberId id) {
  subscribers_.erase(id);
}

const KernelView::Link* KernelView::link(int ifindex) const {
  auto it = links_.find(ifindex);
  return it == links_.end() ? nullptr : &it->second;
}

const KernelView::Link* KernelView::link(const std::string& name) const {
  for (const auto& [index, l] : links_)
    if (l.name == name) return &l;
  return nullptr;
}

std::vector<KernelView::Link> KernelView::links() const {
  std::vector<Link> out;
  out.reserve(links_.size());
  for (const auto& [index, l] : links_) out.push_back(l);
  return out;
}

void KernelView::resync() {
  dump();
  deliver(EventsLost{});
}

void KernelView::on_event(const NetEvent& event) {
  if (std::holds_alternative<EventsLost>(event)) {
    log_.warning() << "netlink events were lost; reading the links and addresses again";
    return resync();
  }
  apply(event);
  deliver(event);
}

void KernelView::apply(const NetEvent& event) {
  if (const auto* l = std::get_if<LinkEvent>(&event)) {
    if (l->removed) {
      links_.erase(l->ifindex);
      return;
    }
    Link& link = links_[l->ifindex];
    link.ifindex = l->ifindex;
    if (!l->name.empty()) link.name = l->name;
    link.admin_up = l->admin_up;
    link.carrier = l->carrier;
  } else if (const auto* a = std::get_if<AddressEvent>(&event)) {
    auto it = links_.find(a->ifindex);
    if (it == links_.end()) return;  // its link's event comes first, or it went away
    auto& list = it->second.addresses;
    auto same = [&](const Address& x) { return x.address == a->address; };
    if (a->removed) {
      list.erase(std::remove_if(list.begin(), list.end(), same), list.end());
      return;
    }
    // The kernel sends RTM_NEWADDR again each time a router advertisement
    // refreshes an address's lifetimes: update it where it is, so the order
    // (which picks the published address) stays put; only new ones go last.
    Address updated{a->address, a->prefix_length, a->peer, a->flags};
    if (auto at = std::find_if(list.begin(), list.end(), same); at != list.end())
      *at = updated;
    else
      list.push_back(updated);
  } else if (const auto* r = std::get_if<RouteEvent>(&event)) {
    if (!is_router6(r->route)) return;
    auto it = links_.find(r->route.ifindex);
    if (it == links_.end()) return;
    auto& routers = it->second.routers6;
    if (r->removed)
      std::erase(routers, *r->route.gateway);
    else
      add_router(routers, *r->route.gateway);
  }
}

void KernelView::dump() {
  std::string error;
  auto links = dump_links(error);
  if (!links) {
    log_.error() << "cannot read the links and addresses: " << error;
    return;
  }
  links_ = std::move(*links);
}

void KernelView::deliver(const NetEvent& event) {
  // A subscriber may (un)subscribe others: look each one up again.
  std::vector<SubscriberId> ids;
  ids.reserve(subscribers_.size());
  for (const auto& [id, s] : subscribers_) ids.push_back(id);
  for (SubscriberId id : ids)
    if (auto it = subscribers_.find(id); it != subscribers_.end()) {
      Subscriber s = it->second;  // a copy: the subscriber may remove itself
      s(event);
    }
}

std::optional<LinkCountersByName> KernelView::counters() const {
  Status failure;
  if (!stats_) {
    auto opened = LinkStatsReader::open();
    if (opened.ok())
      stats_.emplace(std::move(opened).value());
    else
      failure = opened.error();
  }
  if (stats_) {
    auto counters = stats_->read();
    if (counters.ok()) {
      if (std::exchange(stats_failing_, false)) log_.notice() << "interface counters: readable again";
      return std::move(counters).value();
    }
    failure = counters.error();
    stats_.reset();  // what is left of the dump stays with the old socket
  }
  // /status may be polled every second: one line per streak, not per snapshot.
  if (!std::exchange(stats_failing_, true))
    log_.warning() << "interface counters: " << describe(failure) << "; none shown until they can be read again";
  return std::nullopt;
}

}  // namespace fb::net
