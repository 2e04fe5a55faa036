#include "fb/core/network_service.hpp"

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "fb/core/control.hpp"
#include "fb/health/probe.hpp"
#include "fb/net/pruning.hpp"
#include "fb/net/sysctl.hpp"

namespace fb::core {

namespace tact = tracker_action;
namespace pact = policy_action;

// ---- nf_tables probe ----

std::string nf_tables_problem() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0)
    return std::string("cannot open a netfilter netlink socket (") + std::strerror(errno) +
           "): this kernel has no nfnetlink, which nftables needs";
  struct {
    nlmsghdr header;
    nfgenmsg body;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  request.header.nlmsg_seq = 1;
  request.body.nfgen_family = AF_UNSPEC;
  request.body.version = NFNETLINK_V0;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  std::string problem;
  if (::sendto(fd, &request, sizeof(request), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    problem = std::string("cannot ask the kernel for nf_tables (") + std::strerror(errno) + ")";
  } else {
    pollfd p{fd, POLLIN, 0};
    alignas(nlmsghdr) char buffer[8192];
    if (::poll(&p, 1, 2000) != 1) {
      problem = "the kernel did not answer an nf_tables request within 2 s";
    } else {
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      auto* reply = reinterpret_cast<nlmsghdr*>(buffer);
      if (n < static_cast<ssize_t>(sizeof(nlmsghdr)) || !NLMSG_OK(reply, static_cast<unsigned>(n))) {
        problem = "the kernel's answer to an nf_tables request was unreadable";
      } else if (reply->nlmsg_type == NLMSG_ERROR) {
        auto* error = static_cast<nlmsgerr*>(NLMSG_DATA(reply));
        if (error->error != 0)
          problem = std::string("the kernel refused an nf_tables request (") + std::strerror(-error->error) +
                    "): load the nf_tables module or use a kernel with CONFIG_NF_TABLES";
      }
    }
  }
  ::close(fd);
  return problem;
}

// ---- address helpers ----

namespace {

bool is_link_local(const IpAddress& a) {
  return a.family == AF_INET6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

}  // namespace

// ---- per uplink ----

struct NetworkService::Uplink {
  Uplink(std::size_t i, const UplinkConfig& c, net::UplinkSlot s, TrackerPolicy p)
      : index(i), cfg(c), slot(s), tracker("uplink[" + c.name + "]", p) {}

  std::size_t index;
  UplinkConfig cfg;
  net::UplinkSlot slot;
  UplinkTracker tracker;
  int ifindex = 0;
  std::set<IpAddress> addresses;         // global-scope addresses now
  std::set<IpAddress> source_rules;      // addresses with a source rule installed
  std::set<IpAddress> recent_addresses;  // every address seen: a dead uplink's conntrack flush
  bool table_route = false;              // its own table's default is installed
  TimerId timer = 0;
  // The probe round in flight.
  std::vector<std::uint64_t> probes;
  int pending = 0;
  int answered = 0;
  // Counters for /status and /metrics.
  std::uint64_t probes_sent = 0, probes_lost = 0, bytes_sent = 0, bytes_received = 0;
  std::int64_t rtt_us = -1;
};

NetworkService::NetworkService(boost::asio::io_context& io, TimerService& timers, net::KernelView& view,
                               const Config& config, NetworkKernel kernel)
    : io_(io),
      timers_(timers),
      config_(config),
      system_(std::move(kernel.system)),
      only_logged_(kernel.only_logged),
      view_(view) {}

NetworkService::~NetworkService() {
  stop();
}

std::optional<net::Route> NetworkService::installed_default() const {
  if (!default_index_ || !running_) return std::nullopt;
  return default_route_for(*uplinks_[*default_index_]);
}

std::string NetworkService::start(std::optional<net::Route> carry_over, bool takeover) {
  if (running_) return {};
  if (!system_) return "stopped: a service starts once";
  running_ = true;
  event_at_ = timers_.now();

  // A failure from here on leaves the kernel as it was found in takeover
  // (the previous service puts its own state back), and clean otherwise.
  auto fail = [this, takeover](std::string why) {
    if (takeover)
      release();
    else
      stop();
    return why;
  };
  if (!takeover) {
    auto cleaned = system_->cleanup_stale();
    if (!cleaned.ok()) {
      log_.warning() << "cleanup of a previous run: " << cleaned.status().text();
    } else if (cleaned->routes || cleaned->rules || cleaned->firewall) {
      log_.notice() << "removed what a previous run left: " << cleaned->routes << " route(s), " << cleaned->rules
                    << " rule(s)" << (cleaned->firewall ? ", the nft table" : "");
    }
  }

  if (carry_over) {
    if (auto s = system_->replace_route(*carry_over); s.ok()) {
      default_text_ = "(kept from before the reload until the policy decides)";
      log_.notice() << "kept the default route across the reload until the uplinks are tracked again";
    }
  }

  // Uplinks: config order is slot order.
  for (std::size_t i = 0; i < config_.uplinks.size(); ++i) {
    const UplinkConfig& c = config_.uplinks[i];
    TrackerPolicy p;
    p.targets = static_cast<int>(c.probe_targets.size());
    p.probe_interval = c.probe_interval;
    p.up_count = c.up_count;
    p.down_count = c.down_count;
    p.reliability = c.reliability;
    uplinks_.push_back(std::make_unique<Uplink>(i, c, *net::UplinkSlot::at(static_cast<int>(i)), p));
  }
  std::vector<PolicyUplink> ranked;
  for (const UplinkConfig& c : config_.uplinks) ranked.push_back({c.name, c.priority, c.kind == UplinkKind::ppp});
  policy_ = std::make_unique<FailoverPolicy>(
      ranked, PolicySettings{config_.general.mode == Mode::backup_gateway, config_.failover.failback_hold,
                             config_.failover.flush_conntrack});

  // Sysctls: forwarding for the LAN, loose reverse-path filtering on every
  // uplink (replies routed by mark leave by a link the main table does not
  // point at).
  if (config_.nat.enabled) {
    if (auto s = system_->set_sysctl(net::ip_forward(AF_INET, true)); !s.ok()) log_.error() << s.text();
  }
  for (const auto& u : uplinks_) {
    auto rp = net::rp_filter(u->cfg.interface, net::RpFilter::loose);
    if (!rp.ok()) continue;
    if (auto s = system_->set_sysctl(*rp); !s.ok())
      log_.info() << "uplink[" << u->cfg.name << "]: rp_filter not set yet (" << s.message() << ")";
  }

  // The nft table, uplinks in ranking order.
  net::FirewallSpec spec;
  for (std::size_t i : policy_->ranking()) {
    const Uplink& u = *uplinks_[i];
    spec.uplinks.push_back({u.cfg.name, u.cfg.interface, u.cfg.metered, u.slot.mark()});
  }
  spec.lan_interface = config_.nat.lan_interface;
  spec.metered_allow = config_.nat.metered_allow;
  spec.health_port = config_.health.enabled ? static_cast<std::uint16_t>(config_.health.port) : 0;
  spec.masquerade = config_.nat.enabled;
  // One nft transaction: in takeover it replaces the previous table, never
  // a moment without one.
  if (auto s = system_->apply_firewall(spec); !s.ok()) return fail("cannot apply the nftables table: " + s.text());
  firewall_ = spec;

  // Rules: main's specific routes first, then each uplink's mark.
  if (auto s = system_->add_rule(net::main_routes_rule(AF_INET)); !s.ok()) log_.error() << s.text();
  for (const auto& u : uplinks_)
    if (auto s = system_->add_rule(net::mark_rule(u->slot, AF_INET)); !s.ok()) log_.error() << s.text();

  if (!view_.watching()) {
    if (only_logged_.empty()) return fail("cannot watch the links: netlink is not followed (logged at start)");
    log_.warning() << only_logged_ << ": not watching the links (netlink is not followed)";
  }
  subscription_ = view_.subscribe([this](const net::NetEvent& e) { on_net_event(e); });
  prober_ = std::make_unique<health::Prober>(io_);
  read_links();
  if (takeover) prune_leftovers();  // the new state is in place: now the old goes
  log_.notice() << "tracking " << uplinks_.size() << " uplink(s)"
                << (only_logged_.empty() ? "" : " (" + only_logged_ + ": kernel changes only logged)");
  return {};
}

void NetworkService::release() {
  if (!running_) return;
  running_ = false;
  quiesce();
  system_.reset();  // the kernel state stays for the next owner
}

void NetworkService::quiesce() {
  if (subscription_) view_.unsubscribe(*subscription_);
  subscription_.reset();
  for (auto& u : uplinks_) {
    cancel_round(*u);
    if (u->timer) timers_.cancel(u->timer);
    u->timer = 0;
  }
  if (policy_timer_) timers_.cancel(policy_timer_);
  policy_timer_ = 0;
  prober_.reset();
}

std::string NetworkService::reassert() {
  if (!running_ || !system_) return "not running";
  if (auto s = system_->apply_firewall(firewall_); !s.ok()) return "cannot put the nftables table back: " + s.text();
  if (auto s = system_->add_rule(net::main_routes_rule(AF_INET)); !s.ok()) log_.error() << s.text();
  for (const auto& u : uplinks_) {
    if (auto s = system_->add_rule(net::mark_rule(u->slot, AF_INET)); !s.ok()) log_.error() << s.text();
    for (const IpAddress& a : u->source_rules)
      if (auto rule = net::source_rule(u->slot, a); rule.ok())
        if (auto s = system_->add_rule(*rule); !s.ok()) log_.error() << s.text();
    if (u->table_route) install_uplink_routes(*u);
  }
  if (default_index_) set_default(*default_index_);
  prune_leftovers();
  return {};
}

void NetworkService::prune_leftovers() {
  auto owned = system_->read_owned();
  if (!owned.ok()) {
    log_.error() << "cannot read the owned routes and rules to remove the previous ones: " << owned.status().text();
    return;
  }
  std::vector<net::UplinkRouting> in_place;
  for (const auto& u : uplinks_) in_place.push_back({u->slot, default_route_for(*u), u->table_route, u->source_rules});
  net::RoutingEntries stale = net::leftovers({owned->routes, owned->rules}, net::wanted_entries(in_place));
  std::size_t routes = 0, rules = 0;
  for (const net::Rule& r : stale.rules) {
    if (auto s = system_->remove_rule(r); !s.ok())
      log_.error() << s.text();
    else
      ++rules;
  }
  for (const net::Route& r : stale.routes) {
    if (auto s = system_->remove_route(r); !s.ok())
      log_.error() << s.text();
    else
      ++routes;
  }
  if (routes || rules)
    log_.notice() << "removed " << routes << " route(s) and " << rules << " rule(s) the new settings do not use";
}

void NetworkService::stop() {
  if (!running_) return;
  running_ = false;
  quiesce();
  if (system_) {
    auto cleaned = system_->cleanup_stale();
    if (!cleaned.ok())
      log_.error() << "cleanup at stop: " << cleaned.status().text();
    else
      log_.notice() << "removed " << cleaned->routes << " route(s), " << cleaned->rules << " rule(s)"
                    << (cleaned->firewall ? " and the nft table" : "");
  }
  system_.reset();
}

// ---- kernel events ----

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
        log_.error() << s.text();
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
      if (auto s = system_->remove_rule(*rule); !s.ok()) log_.error() << s.text();
  }
  if (u.addresses.empty()) {
    u.table_route = false;
    feed(u, tracker_event::Address{false});
  }
}

std::optional<net::Route> NetworkService::default_route_for(const Uplink& u) const {
  net::NextHop hop;
  hop.device = u.cfg.interface;
  if (u.cfg.gateway) {
    hop.gateway = *u.cfg.gateway;
    hop.family = u.cfg.gateway->family;
  }
  auto route = net::main_default_route(hop);
  if (!route.ok()) {
    log_.error() << "uplink[" << u.cfg.name << "]: " << route.status().text();
    return std::nullopt;
  }
  return *route;
}

void NetworkService::install_uplink_routes(Uplink& u) {
  net::NextHop hop;
  hop.device = u.cfg.interface;
  if (u.cfg.gateway) {
    hop.gateway = *u.cfg.gateway;
    hop.family = u.cfg.gateway->family;
  }
  auto route = net::uplink_default_route(u.slot, hop);
  if (!route.ok()) {
    log_.error() << "uplink[" << u.cfg.name << "]: " << route.status().text();
    return;
  }
  if (auto s = system_->replace_route(*route); !s.ok()) {
    log_.info() << "uplink[" << u.cfg.name << "]: its table's route is not in place yet: " << s.text();
    u.table_route = false;
    return;
  }
  u.table_route = true;
  // A socket bound to the uplink's device (probes: SO_BINDTODEVICE) that
  // sends without a source address is routed before any source rule can
  // match; without a route through its device in main the kernel assumes the
  // target is on-link and ARPs for it. So main also holds a default through
  // every ready uplink, above the one failover chooses (metric 10).
  net::Route fallback = *route;
  fallback.table = net::kMainTable;
  fallback.metric = u.slot.fallback_metric();
  if (auto s = system_->replace_route(fallback); !s.ok())
    log_.info() << "uplink[" << u.cfg.name << "]: its device route in main is not in place yet: " << s.text();
}

// ---- the cores ----

void NetworkService::feed(Uplink& u, const TrackerEvent& event) {
  for (const TrackerAction& a : u.tracker.handle(event, timers_.now())) {
    if (std::holds_alternative<tact::StartRound>(a)) {
      start_round(u);
    } else if (std::holds_alternative<tact::CancelRound>(a)) {
      cancel_round(u);
    } else if (auto* t = std::get_if<tact::ArmTimer>(&a)) {
      if (u.timer) timers_.cancel(u.timer);
      u.timer = timers_.arm(t->deadline, [this, &u] {
        u.timer = 0;
        feed(u, tracker_event::TimerFired{});
      });
    } else if (std::holds_alternative<tact::CancelTimer>(a)) {
      if (u.timer) timers_.cancel(u.timer);
      u.timer = 0;
    } else if (auto* r = std::get_if<tact::Report>(&a)) {
      if (usable(r->status.state) && !u.table_route) install_uplink_routes(u);
      feed_policy(policy_event::UplinkChanged{u.index, usable(r->status.state), r->status.reason});
      if (on_change_) on_change_();  // /health of this uplink answers differently now
    }
  }
}

void NetworkService::feed_policy(const PolicyEvent& event) {
  for (const PolicyAction& a : policy_->handle(event, timers_.now())) {
    if (auto* s = std::get_if<pact::SetDefault>(&a)) {
      set_default(s->index);
    } else if (auto* f = std::get_if<pact::FlushConntrack>(&a)) {
      flush(f->index);
    } else if (auto* t = std::get_if<pact::ArmTimer>(&a)) {
      if (policy_timer_) timers_.cancel(policy_timer_);
      policy_timer_ = timers_.arm(t->deadline, [this] {
        policy_timer_ = 0;
        event_at_ = timers_.now();
        feed_policy(policy_event::TimerFired{});
      });
    } else if (std::holds_alternative<pact::CancelTimer>(a)) {
      if (policy_timer_) timers_.cancel(policy_timer_);
      policy_timer_ = 0;
    }
  }
}

void NetworkService::set_default(std::size_t index) {
  Uplink& u = *uplinks_[index];
  auto route = default_route_for(u);
  if (!route) return;
  // NLM_F_REPLACE: the slot changes in one step, never a moment without a default.
  if (auto s = system_->replace_route(*route); !s.ok()) {
    log_.error() << "default route via " << u.cfg.name << ": " << s.text();
    return;
  }
  default_index_ = index;
  default_text_ = "default" + (u.cfg.gateway ? " via " + u.cfg.gateway->text() : std::string()) + " dev " +
                  u.cfg.interface + " metric " + std::to_string(net::kMainDefaultMetric);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(timers_.now() - event_at_);
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%.3f", static_cast<double>(took.count()) / 1000.0);
  log_.notice() << "default route now via " << u.cfg.name << " (" << default_text_ << "), " << ms
                << " ms after the event";
  if (on_change_) on_change_();
}

void NetworkService::flush(std::size_t index) {
  Uplink& u = *uplinks_[index];
  std::size_t total = 0;
  for (const IpAddress& a : u.recent_addresses) {
    auto n = system_->flush_conntrack(a);
    if (!n.ok()) {
      log_.error() << "uplink[" << u.cfg.name << "]: " << n.status().text();
      continue;
    }
    total += *n;
  }
  log_.notice() << "uplink[" << u.cfg.name << "]: flushed " << total << " connection(s) so their flows move";
}

// ---- probe rounds ----

void NetworkService::start_round(Uplink& u) {
  cancel_round(u);
  u.pending = static_cast<int>(u.cfg.probe_targets.size());
  u.answered = 0;
  for (const IpAddress& target : u.cfg.probe_targets) {
    health::ProbeRequest request;
    request.kind = u.cfg.probe == ProbeMethod::http  ? health::ProbeKind::http
                   : u.cfg.probe == ProbeMethod::dns ? health::ProbeKind::dns
                                                     : health::ProbeKind::icmp;
    request.interface = u.cfg.interface;
    request.target = target;
    request.timeout = u.cfg.probe_timeout;
    ++u.probes_sent;
    u.probes.push_back(prober_->start(request, [this, &u](const health::ProbeResult& r) {
      u.bytes_sent += r.bytes_sent;
      u.bytes_received += r.bytes_received;
      if (r.ok) {
        ++u.answered;
        u.rtt_us = r.rtt.count();
      } else {
        ++u.probes_lost;
        log_.debug() << "uplink[" << u.cfg.name << "]: probe: " << r.error;
      }
      if (--u.pending == 0) {
        u.probes.clear();
        event_at_ = timers_.now();
        feed(u, tracker_event::RoundDone{u.answered});
      }
    }));
  }
}

void NetworkService::cancel_round(Uplink& u) {
  if (prober_)
    for (auto id : u.probes) prober_->cancel(id);
  u.probes.clear();
  u.pending = 0;
}

// ---- what the daemon asks ----

void NetworkService::fill(health::Snapshot& s) const {
  if (!policy_) return;
  TimePoint now = timers_.now();
  const PolicyStatus& p = policy_->status();
  for (health::UplinkStatus& out : s.uplinks) {
    for (const auto& u : uplinks_) {
      if (u->cfg.name != out.name) continue;
      const TrackerStatus& t = u->tracker.status();
      out.state = t.state == UplinkHealth::up         ? health::UplinkState::up
                  : t.state == UplinkHealth::degraded ? health::UplinkState::degraded
                  : t.state == UplinkHealth::down     ? health::UplinkState::down
                                                      : health::UplinkState::unknown;
      out.reason = t.reason;
      if (t.since) out.state_age_seconds = std::chrono::duration_cast<std::chrono::seconds>(now - *t.since).count();
      out.active = default_index_ == u->index;
      out.probes_sent = u->probes_sent;
      out.probes_lost = u->probes_lost;
      out.probe_rtt_us = u->rtt_us;
      out.probe_bytes_sent = u->bytes_sent;
      out.probe_bytes_received = u->bytes_received;
    }
  }
  health::FailoverStatus& f = s.failover;
  f.tracking = true;
  f.active = default_index_ ? uplinks_[*default_index_]->cfg.name : "";
  f.pinned = p.pinned ? uplinks_[*p.pinned]->cfg.name : "";
  f.default_route = default_text_;
  f.failovers = p.failovers;
  f.switches = p.switches;
  if (p.last_failover) {
    f.last_from = p.last_failover->from;
    f.last_to = p.last_failover->to;
    f.last_reason = p.last_failover->reason;
    f.last_age_seconds = std::chrono::duration_cast<std::chrono::seconds>(now - p.last_failover->at).count();
    if (p.last_failover->duration) f.last_duration_ms = p.last_failover->duration->count();
  }
}

nlohmann::json NetworkService::failover(const std::string& target) {
  if (!policy_) return control_error("NOT_RUNNING", "uplink tracking is not running");
  event_at_ = timers_.now();
  if (target == "auto") {
    feed_policy(policy_event::Override{std::nullopt});
  } else {
    auto it = std::find_if(uplinks_.begin(), uplinks_.end(), [&](const auto& u) { return u->cfg.name == target; });
    if (it == uplinks_.end()) return control_error("UNKNOWN_UPLINK", "no uplink named '" + target + "'");
    if (!policy_->usable((*it)->index))
      return control_error("UPLINK_DOWN", "uplink " + target + " is " + to_string((*it)->tracker.state()) + " (" +
                                              (*it)->tracker.status().reason + "); not pinning traffic to it");
    feed_policy(policy_event::Override{(*it)->index});
  }
  std::string active = default_index_ ? uplinks_[*default_index_]->cfg.name : "none";
  return {{"ok", true},
          {"message", (target == "auto" ? std::string("automatic failover") : "pinned to " + target) +
                          "; default route via " + active}};
}

}  // namespace fb::core
