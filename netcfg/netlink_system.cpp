#include "fb/net/netlink_system.hpp"

#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fb/net/commands.hpp"
#include "fb/net/nft_table.hpp"
#include "netlink_support.hpp"

namespace fb::net {

using detail::NlPtr;

namespace {

// The kernel's "no such entry" for routes (ESRCH) and rules/conntrack (ENOENT).
bool already_absent(int error_number) {
  return error_number == ESRCH || error_number == ENOENT;
}

bool involves(const nfnl_ct* ct, const IpAddress& address) {
  for (int reply : {0, 1})
    if (detail::from_nl_addr(nfnl_ct_get_src(ct, reply)) == address ||
        detail::from_nl_addr(nfnl_ct_get_dst(ct, reply)) == address)
      return true;
  return false;
}

}  // namespace

struct NetlinkSystem::Kernel {
  // Declared before the sockets whose error callbacks point at them.
  detail::KernelError route_error;
  detail::KernelError netfilter_error;
  NlPtr<nl_sock> route;
  NlPtr<nl_sock> netfilter;
  std::unique_ptr<NftTable> nft;
  detail::NetnsHandle netns;

  Result<NlPtr<rtnl_link>> link(const std::string& name) {
    rtnl_link* found = nullptr;
    route_error.reset();
    int err = rtnl_link_get_kernel(route.get(), 0, name.c_str(), &found);
    if (err < 0) return Error{NetError::interface_not_found, "interface " + name + ": " + route_error.text(err)};
    return NlPtr<rtnl_link>(found);
  }

  // A failed change of an interface or its address (`err` from libnl):
  // INTERFACE_NOT_FOUND when the interface is gone (ENODEV), else `failure`;
  // the detail starts with the `command`.
  Error change_error(int err, NetError failure, const std::string& command) const {
    NetError code = route_error.error_number() == ENODEV ? NetError::interface_not_found : failure;
    return {code, command + ": " + route_error.text(err)};
  }

  Result<int> ifindex(const std::string& name) {
    Result<NlPtr<rtnl_link>> found = link(name);
    if (!found.ok()) return found.error();
    return rtnl_link_get_ifindex(found->get());
  }

  // An address object naming `a` on its interface; INTERFACE_NOT_FOUND without one.
  Result<NlPtr<rtnl_addr>> build(const InterfaceAddress& a, NetError failure) {
    Result<int> index = ifindex(a.device);
    if (!index.ok()) return index.error();
    NlPtr<rtnl_addr> address(rtnl_addr_alloc());
    NlPtr<nl_addr> local = detail::to_nl_addr(a.address, a.prefix_length);
    if (!address || !local) return Error{failure, "out of memory"};
    rtnl_addr_set_ifindex(address.get(), *index);
    rtnl_addr_set_family(address.get(), a.family());
    if (int err = rtnl_addr_set_local(address.get(), local.get()); err < 0) return Error{failure, nl_geterror(err)};
    rtnl_addr_set_prefixlen(address.get(), a.prefix_length);
    return address;
  }

  Result<NlPtr<rtnl_route>> build(const Route& r) {
    NlPtr<rtnl_route> route(rtnl_route_alloc());
    NlPtr<nl_addr> dst = detail::to_nl_addr(r.destination.address, r.destination.length);
    if (!route || !dst) return Error{NetError::route_add_failed, "out of memory"};
    rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(r.family()));
    rtnl_route_set_table(route.get(), r.table);
    rtnl_route_set_protocol(route.get(), r.protocol);
    rtnl_route_set_priority(route.get(), r.metric);
    rtnl_route_set_type(route.get(), RTN_UNICAST);
    // As ip(8) does: a route without a gateway reaches its destination on-link.
    rtnl_route_set_scope(route.get(), r.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
    rtnl_route_set_dst(route.get(), dst.get());
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (!nh) return Error{NetError::route_add_failed, "out of memory"};
    rtnl_route_add_nexthop(route.get(), nh);  // the route owns it from here
    if (!r.device.empty()) {
      Result<int> index = ifindex(r.device);
      if (!index.ok()) return index.error();
      rtnl_route_nh_set_ifindex(nh, *index);
    }
    if (r.gateway) {
      NlPtr<nl_addr> gateway = detail::to_nl_addr(*r.gateway, static_cast<int>(r.gateway->size()) * 8);
      rtnl_route_nh_set_gateway(nh, gateway.get());
    }
    return route;
  }

  NlPtr<rtnl_rule> build(const Rule& r) {
    NlPtr<rtnl_rule> rule(rtnl_rule_alloc());
    if (!rule) return rule;
    rtnl_rule_set_family(rule.get(), r.family);
    rtnl_rule_set_prio(rule.get(), r.priority);
    rtnl_rule_set_table(rule.get(), r.table);
    rtnl_rule_set_action(rule.get(), FR_ACT_TO_TBL);
    rtnl_rule_set_protocol(rule.get(), r.protocol);
    if (r.from) {
      NlPtr<nl_addr> from = detail::to_nl_addr(r.from->address, r.from->length);
      rtnl_rule_set_src(rule.get(), from.get());
    }
    if (r.fwmark) {
      rtnl_rule_set_mark(rule.get(), *r.fwmark);
      rtnl_rule_set_mask(rule.get(), 0xffffffffu);
    }
    return rule;
  }

  Result<NlPtr<nl_cache>> dump_routes() {
    nl_cache* cache = nullptr;
    route_error.reset();
    int err = rtnl_route_alloc_cache(route.get(), AF_UNSPEC, 0, &cache);
    if (err < 0) return Error{NetError::read_back_failed, "route dump: " + route_error.text(err)};
    return NlPtr<nl_cache>(cache);
  }

  Result<NlPtr<nl_cache>> dump_rules() {
    nl_cache* cache = nullptr;
    route_error.reset();
    int err = rtnl_rule_alloc_cache(route.get(), AF_UNSPEC, &cache);
    if (err < 0) return Error{NetError::read_back_failed, "rule dump: " + route_error.text(err)};
    return NlPtr<nl_cache>(cache);
  }

  NlPtr<nl_cache> links() {
    nl_cache* cache = nullptr;
    if (rtnl_link_alloc_cache(route.get(), AF_UNSPEC, &cache) < 0) return nullptr;  // names are a courtesy
    return NlPtr<nl_cache>(cache);
  }
};

namespace {
bool owned(rtnl_route* route) {
  return rtnl_route_get_protocol(route) == kRouteProtocol;
}
bool owned(rtnl_rule* rule) {
  std::uint8_t protocol = 0;
  return rtnl_rule_get_protocol(rule, &protocol) == 0 && protocol == kRouteProtocol;
}
}  // namespace

Result<std::unique_ptr<NetlinkSystem>> NetlinkSystem::open() {
  auto k = std::make_unique<Kernel>();
  if (!k->netns.valid())
    return Error{NetError::namespace_unavailable,
                 std::string("cannot open /proc/thread-self/ns/net: ") + std::strerror(errno)};
  k->route.reset(nl_socket_alloc());
  k->netfilter.reset(nl_socket_alloc());
  if (!k->route || !k->netfilter) return Error{NetError::netlink_unavailable, "nl_socket_alloc failed"};
  if (int err = nl_connect(k->route.get(), NETLINK_ROUTE); err < 0)
    return Error{NetError::netlink_unavailable, std::string("rtnetlink socket: ") + nl_geterror(err)};
  if (int err = nfnl_connect(k->netfilter.get()); err < 0)
    return Error{NetError::netlink_unavailable, std::string("nfnetlink socket: ") + nl_geterror(err)};
  k->route_error.install(k->route.get());
  k->netfilter_error.install(k->netfilter.get());
  Result<std::unique_ptr<NftTable>> nft = NftTable::open();
  if (!nft.ok()) return nft.error();
  k->nft = std::move(nft).value();
  return std::unique_ptr<NetlinkSystem>(new NetlinkSystem(std::move(k)));
}

NetlinkSystem::NetlinkSystem(std::unique_ptr<Kernel> kernel) : kernel_(std::move(kernel)) {}

NetlinkSystem::~NetlinkSystem() = default;

Error NetlinkSystem::failed(Error error) const {
  log_.error() << describe(error);
  return error;
}

Status NetlinkSystem::replace_route(const Route& route) {
  if (Status s = validate(route); !s.ok()) return failed(s.error());
  std::string command = ip_route_command("replace", route);
  Result<NlPtr<rtnl_route>> built = kernel_->build(route);
  if (!built.ok()) return failed({built.code(), command + ": " + built.error().detail});
  kernel_->route_error.reset();
  if (int err = rtnl_route_add(kernel_->route.get(), built->get(), NLM_F_REPLACE); err < 0)
    return failed({NetError::route_add_failed, command + ": " + kernel_->route_error.text(err)});
  log_.info() << command;
  return {};
}

Status NetlinkSystem::remove_route(const Route& route) {
  if (Status s = validate(route); !s.ok()) return failed(s.error());
  std::string command = ip_route_command("del", route);
  Result<NlPtr<rtnl_route>> built = kernel_->build(route);
  if (!built.ok()) {
    // A route dies with its device: nothing left to remove.
    if (built.code() == NetError::interface_not_found) {
      log_.debug() << command << ": already gone with its device";
      return {};
    }
    return failed({built.code(), command + ": " + built.error().detail});
  }
  kernel_->route_error.reset();
  if (int err = rtnl_route_delete(kernel_->route.get(), built->get(), 0); err < 0) {
    if (already_absent(kernel_->route_error.error_number())) {
      log_.debug() << command << ": already absent";
      return {};
    }
    return failed({NetError::route_delete_failed, command + ": " + kernel_->route_error.text(err)});
  }
  log_.info() << command;
  return {};
}

Status NetlinkSystem::add_rule(const Rule& rule) {
  if (Status s = validate(rule); !s.ok()) return failed(s.error());
  std::string command = ip_rule_command("add", rule);
  NlPtr<rtnl_rule> built = kernel_->build(rule);
  nl_msg* message = nullptr;
  // NLM_F_EXCL: the kernel refuses a duplicate (EEXIST) instead of stacking it.
  int err = built ? rtnl_rule_build_add_request(built.get(), NLM_F_EXCL, &message) : -NLE_NOMEM;
  // libnl 3.7's rule object has no suppress_prefixlength: add the attribute to its message.
  if (err >= 0 && rule.suppress_prefixlength)
    err = nla_put_u32(message, FRA_SUPPRESS_PREFIXLEN, static_cast<std::uint32_t>(*rule.suppress_prefixlength));
  if (err < 0) {
    if (message) nlmsg_free(message);
    return failed({NetError::rule_add_failed, command + ": " + nl_geterror(err)});
  }
  kernel_->route_error.reset();
  if (err = nl_send_sync(kernel_->route.get(), message); err < 0) {  // frees the message
    if (kernel_->route_error.error_number() == EEXIST) {
      log_.debug() << command << ": already present";
      return {};
    }
    return failed({NetError::rule_add_failed, command + ": " + kernel_->route_error.text(err)});
  }
  log_.info() << command;
  return {};
}

Status NetlinkSystem::remove_rule(const Rule& rule) {
  if (Status s = validate(rule); !s.ok()) return failed(s.error());
  std::string command = ip_rule_command("del", rule);
  NlPtr<rtnl_rule> built = kernel_->build(rule);
  if (!built) return failed({NetError::rule_delete_failed, command + ": out of memory"});
  kernel_->route_error.reset();
  if (int err = rtnl_rule_delete(kernel_->route.get(), built.get(), 0); err < 0) {
    if (already_absent(kernel_->route_error.error_number())) {
      log_.debug() << command << ": already absent";
      return {};
    }
    return failed({NetError::rule_delete_failed, command + ": " + kernel_->route_error.text(err)});
  }
  log_.info() << command;
  return {};
}

Result<OwnedState> NetlinkSystem::read_owned() {
  OwnedState state;
  NlPtr<nl_cache> links = kernel_->links();
  Result<NlPtr<nl_cache>> routes = kernel_->dump_routes();
  if (!routes.ok()) return failed(routes.error());
  for (nl_object* o = nl_cache_get_first(routes->get()); o; o = nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);
    if (owned(route)) state.routes.push_back(detail::route_from_kernel(route, links.get()));
  }
  Result<NlPtr<nl_cache>> rules = kernel_->dump_rules();
  if (!rules.ok()) return failed(rules.error());
  for (nl_object* o = nl_cache_get_first(rules->get()); o; o = nl_cache_get_next(o)) {
    auto* rule = reinterpret_cast<rtnl_rule*>(o);
    if (owned(rule)) state.rules.push_back(detail::rule_from_kernel(rule));
  }
  Result<bool> firewall = kernel_->nft->exists();
  if (!firewall.ok()) return failed(firewall.error());
  state.firewall = *firewall;
  return state;
}

Result<std::size_t> NetlinkSystem::flush_conntrack(const IpAddress& address) {
  std::string what = "conntrack flush of " + address.text();
  if ((address.family != AF_INET && address.family != AF_INET6) || address == IpAddress::any(address.family))
    return failed({NetError::invalid_spec, what + ": not a usable address"});
  nl_cache* raw = nullptr;
  kernel_->netfilter_error.reset();
  if (int err = nfnl_ct_alloc_cache(kernel_->netfilter.get(), &raw); err < 0)
    return failed({NetError::conntrack_flush_failed, what + ": dump: " + kernel_->netfilter_error.text(err)});
  NlPtr<nl_cache> entries(raw);
  std::size_t deleted = 0;
  std::string first_error;
  for (nl_object* o = nl_cache_get_first(entries.get()); o; o = nl_cache_get_next(o)) {
    auto* ct = reinterpret_cast<nfnl_ct*>(o);
    if (!involves(ct, address)) continue;
    kernel_->netfilter_error.reset();
    int err = nfnl_ct_del(kernel_->netfilter.get(), ct, 0);
    if (err >= 0)
      ++deleted;
    else if (!already_absent(kernel_->netfilter_error.error_number()) && first_error.empty())
      first_error = kernel_->netfilter_error.text(err);  // keep going: the other flows must still move
  }
  if (!first_error.empty())
    return failed({NetError::conntrack_flush_failed,
                   what + ": " + first_error + " (" + std::to_string(deleted) + " entries deleted)"});
  log_.info() << conntrack_flush_commands(address).front() << " (and --orig-dst/--reply-src/--reply-dst): " << deleted
              << " entries";
  return deleted;
}

Status NetlinkSystem::set_sysctl(const Sysctl& sysctl) {
  if (Status s = validate(sysctl); !s.ok()) return failed(s.error());
  std::string command = sysctl_command(sysctl);
  detail::InNamespace inside(kernel_->netns);
  if (!inside.ok()) return failed({NetError::namespace_unavailable, command + ": cannot enter the namespace"});
  int fd = ::open(sysctl.proc_path().c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return failed({NetError::sysctl_write_failed, command + ": " + std::strerror(errno)});
  ssize_t written = ::write(fd, sysctl.value.data(), sysctl.value.size());
  int error = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(sysctl.value.size()))
    return failed({NetError::sysctl_write_failed, command + ": " + std::strerror(error)});
  log_.info() << command;
  return {};
}

Status NetlinkSystem::apply_firewall(const FirewallSpec& spec) {
  if (Status s = validate(spec); !s.ok()) return failed(s.error());
  std::string transaction = replace_transaction(render_ruleset(spec));
  if (Status s = kernel_->nft->run(transaction, NetError::nft_apply_failed); !s.ok()) return failed(s.error());
  log_.info() << "nft -f -: replaced table inet failberry (" << spec.uplinks.size() << " uplinks)";
  for (const std::string& line : nft_commands(transaction)) log_.debug() << line;
  return {};
}

Status NetlinkSystem::remove_firewall() {
  if (Status s = kernel_->nft->run(remove_transaction(), NetError::nft_remove_failed); !s.ok())
    return failed(s.error());
  log_.info() << nft_remove_command();
  return {};
}

Status NetlinkSystem::set_link_up(const std::string& device) {
  std::string command = ip_link_up_command(device);
  if (!is_valid_interface_name(device))
    return failed({NetError::invalid_spec, command + ": not a valid interface name"});
  Result<NlPtr<rtnl_link>> current = kernel_->link(device);
  if (!current.ok()) return failed({current.code(), command + ": " + current.error().detail});
  if (rtnl_link_get_flags(current->get()) & IFF_UP) {
    log_.debug() << command << ": already up";
    return {};
  }
  NlPtr<rtnl_link> change(rtnl_link_alloc());
  if (!change) return failed({NetError::link_change_failed, command + ": out of memory"});
  rtnl_link_set_flags(change.get(), IFF_UP);
  kernel_->route_error.reset();
  if (int err = rtnl_link_change(kernel_->route.get(), current->get(), change.get(), 0); err < 0)
    return failed(kernel_->change_error(err, NetError::link_change_failed, command));
  log_.info() << command;
  return {};
}

Status NetlinkSystem::replace_address(const std::string& device, const IpAddress& address, int prefix_length) {
  InterfaceAddress wanted{device, address, prefix_length};
  if (Status s = validate(wanted); !s.ok()) return failed(s.error());
  std::string command = ip_address_command("replace", wanted);
  Result<NlPtr<rtnl_addr>> built = kernel_->build(wanted, NetError::address_add_failed);
  if (!built.ok()) return failed({built.code(), command + ": " + built.error().detail});
  kernel_->route_error.reset();
  if (int err = rtnl_addr_add(kernel_->route.get(), built->get(), NLM_F_REPLACE); err < 0)
    return failed(kernel_->change_error(err, NetError::address_add_failed, command));
  log_.info() << command;
  return {};
}

Status NetlinkSystem::remove_address(const std::string& device, const IpAddress& address, int prefix_length) {
  InterfaceAddress gone{device, address, prefix_length};
  if (Status s = validate(gone); !s.ok()) return failed(s.error());
  std::string command = ip_address_command("del", gone);
  Result<NlPtr<rtnl_addr>> built = kernel_->build(gone, NetError::address_delete_failed);
  if (!built.ok()) {
    // An address dies with its interface: nothing left to remove.
    if (built.code() == NetError::interface_not_found) {
      log_.debug() << command << ": already gone with its interface";
      return {};
    }
    return failed({built.code(), command + ": " + built.error().detail});
  }
  kernel_->route_error.reset();
  if (int err = rtnl_addr_delete(kernel_->route.get(), built->get(), 0); err < 0) {
    int error_number = kernel_->route_error.error_number();
    // EADDRNOTAVAIL: no such address (with this prefix length); ENODEV: the
    // interface went in between.
    if (error_number == EADDRNOTAVAIL || error_number == ENODEV) {
      log_.debug() << command << ": already absent";
      return {};
    }
    return failed({NetError::address_delete_failed, command + ": " + kernel_->route_error.text(err)});
  }
  log_.info() << command;
  return {};
}

Result<CleanupReport> NetlinkSystem::cleanup_stale() {
  CleanupReport report;
  NlPtr<nl_cache> links = kernel_->links();
  Result<NlPtr<nl_cache>> routes = kernel_->dump_routes();
  if (!routes.ok()) return failed(routes.error());
  for (nl_object* o = nl_cache_get_first(routes->get()); o; o = nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);
    if (!owned(route)) continue;
    std::string command = ip_route_command("del", detail::route_from_kernel(route, links.get()));
    kernel_->route_error.reset();
    if (int err = rtnl_route_delete(kernel_->route.get(), route, 0); err >= 0) {
      ++report.routes;
      log_.info() << command;
    } else if (!already_absent(kernel_->route_error.error_number())) {
      report.failures.push_back(
          failed({NetError::route_delete_failed, command + ": " + kernel_->route_error.text(err)}));
    }
  }
  Result<NlPtr<nl_cache>> rules = kernel_->dump_rules();
  if (!rules.ok()) return failed(rules.error());
  for (nl_object* o = nl_cache_get_first(rules->get()); o; o = nl_cache_get_next(o)) {
    auto* rule = reinterpret_cast<rtnl_rule*>(o);
    if (!owned(rule)) continue;
    std::string command = ip_rule_command("del", detail::rule_from_kernel(rule));
    kernel_->route_error.reset();
    if (int err = rtnl_rule_delete(kernel_->route.get(), rule, 0); err >= 0) {
      ++report.rules;
      log_.info() << command;
    } else if (!already_absent(kernel_->route_error.error_number())) {
      report.failures.push_back(
          failed({NetError::rule_delete_failed, command + ": " + kernel_->route_error.text(err)}));
    }
  }
  Result<bool> firewall = kernel_->nft->exists();
  if (!firewall.ok()) {
    report.failures.push_back(failed(firewall.error()));
  } else if (*firewall) {
    Status s = remove_firewall();
    report.firewall = s.ok();
    if (!s.ok()) report.failures.push_back(s);
  }
  log_.notice() << "cleanup: removed " << report.routes << " routes, " << report.rules << " rules"
                << (report.firewall ? " and table inet failberry" : "") << "; " << report.failures.size()
                << " failures";
  return report;
}

}  // namespace fb::net
