// NetworkService: its lifecycle (start, takeover, release, reassert, stop and
// the cleanup around them) and what the daemon asks of it. Kernel events are
// handled in network_service_links.cpp, routes and the cores' actions in
// network_service_routes.cpp, probe rounds in network_service_probes.cpp.
#include "fb/core/network_service.hpp"

#include <algorithm>

#include "fb/core/control.hpp"
#include "fb/core/interface_binding.hpp"
#include "fb/net/pruning.hpp"
#include "fb/net/sysctl.hpp"
#include "network_service_uplink.hpp"

namespace fb::core {

namespace {
// What /status says of an uplink that carries IPv6 only (Uplink::ipv6_only()).
constexpr const char* kIpv6OnlyNote =
    "has no IPv4 address (require = ipv6): IPv4 leaves by no uplink of failberryd's while it is chosen; IPv4 "
    "through an IPv6-only carrier needs the carrier's NAT64 with 464XLAT, which failberryd does not set up";
// What the LAN's IPv6 hosts do, per mode (/status failover.lan_ipv6).
constexpr const char* kLanIpv6Router =
    "failberryd sends no router advertisements: LAN hosts send IPv6 through this Pi only where the LAN already "
    "routes them to it (a prefix the uplinks route here)";
constexpr const char* kLanIpv6BackupGateway =
    "failberryd sends no router advertisements: the main router's stay the LAN hosts' IPv6 routers, so their IPv6 "
    "comes to this Pi only if that router sends it here";
}  // namespace

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
  return default4_;
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
      log_.warning() << "cleanup of a previous run: " << describe(cleaned);
    } else if (cleaned->routes || cleaned->rules || cleaned->firewall) {
      log_.notice() << "removed what a previous run left: " << cleaned->routes << " route(s), " << cleaned->rules
                    << " rule(s)" << (cleaned->firewall ? ", the nft table" : "");
    }
  }

  if (carry_over) {
    if (auto s = system_->replace_route(*carry_over); s.ok()) {
      default4_ = *carry_over;  // default_index_ stays none until the policy decides
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
    // ipv6 = false: one pool of targets, whatever their family (parse.cpp).
    p.targets_ipv6 = c.ipv6 ? c.probe_targets_of(AF_INET6) : 0;
    p.require_ipv4 = c.requires_family(AF_INET);
    p.require_ipv6 = c.requires_family(AF_INET6);
    p.quality.window = c.quality_window;
    // Unset recover thresholds stay unset: the tracker decides their default.
    if (c.quality_fail_latency.count() > 0) {
      p.quality.fail_latency = c.quality_fail_latency;
      if (c.quality_recover_latency.count() > 0) p.quality.recover_latency = c.quality_recover_latency;
    }
    if (c.quality_fail_loss > 0) {
      p.quality.fail_loss = c.quality_fail_loss;
      if (c.quality_recover_loss >= 0) p.quality.recover_loss = c.quality_recover_loss;
    }
    p.silence = c.probe_on_silence;
    uplinks_.push_back(std::make_unique<Uplink>(i, c, *net::UplinkSlot::at(static_cast<int>(i)), p, timers_));
    if (c.interface_auto() && is_modem_link(c.kind) && !found_interface_.empty()) {
      uplinks_.back()->interface = found_interface_;
      log_.info() << "uplink[" << c.name << "]: interface = auto: " << found_interface_
                  << ", as the modem found it before";
    }
  }
  load_budgets();
  std::vector<PolicyUplink> ranked;
  for (const UplinkConfig& c : config_.uplinks) ranked.push_back({c.name, c.priority, is_modem_link(c.kind)});
  policy_ = std::make_unique<FailoverPolicy>(
      ranked, PolicySettings{config_.general.mode == Mode::backup_gateway, config_.failover.failback_hold,
                             config_.failover.flush_conntrack});

  // Sysctls: forwarding for the LAN, loose reverse-path filtering on every
  // uplink (replies routed by mark leave by a link the main table does not
  // point at).
  if (config_.nat.enabled) {
    if (auto s = system_->set_sysctl(net::ip_forward(AF_INET, true)); !s.ok()) log_.error() << describe(s);
  }
  for (const auto& u : uplinks_) {
    if (u->interface.empty()) continue;  // interface = auto, not found yet: at bind_interface()
    // Before IPv6 forwarding: turning it on drops the routers learned on
    // every interface whose accept_ra is not 2.
    set_accept_ra(*u);
    auto rp = net::rp_filter(u->interface, net::RpFilter::loose);
    if (!rp.ok()) continue;
    if (auto s = system_->set_sysctl(*rp); !s.ok())
      log_.info() << "uplink[" << u->cfg.name << "]: rp_filter not set yet (" << s.error().detail << ")";
  }
  // IPv6 forwarding for the LAN, after accept_ra = 2 on the IPv6 uplinks.
  if (config_.nat.enabled && any_ipv6())
    if (auto s = system_->set_sysctl(net::ip_forward(AF_INET6, true)); !s.ok()) log_.error() << describe(s);

  // One nft transaction: in takeover it replaces the previous table, never
  // a moment without one.
  net::FirewallSpec spec = firewall_spec();
  if (auto s = system_->apply_firewall(spec); !s.ok()) return fail("cannot apply the nftables table: " + describe(s));
  firewall_ = spec;

  // Rules: main's specific routes first, then each uplink's mark; the same
  // for IPv6 on the uplinks that carry it.
  if (auto s = system_->add_rule(net::main_routes_rule(AF_INET)); !s.ok()) log_.error() << describe(s);
  if (any_ipv6())
    if (auto s = system_->add_rule(net::main_routes_rule(AF_INET6)); !s.ok()) log_.error() << describe(s);
  for (const auto& u : uplinks_) {
    if (auto s = system_->add_rule(net::mark_rule(u->slot, AF_INET)); !s.ok()) log_.error() << describe(s);
    if (u->cfg.ipv6)
      if (auto s = system_->add_rule(net::mark_rule(u->slot, AF_INET6)); !s.ok()) log_.error() << describe(s);
  }

  if (!view_.watching()) {
    if (only_logged_.empty()) return fail("cannot watch the links: netlink is not followed (logged at start)");
    log_.warning() << only_logged_ << ": not watching the links (netlink is not followed)";
  }
  subscription_ = view_.subscribe([this](const net::NetEvent& e) { on_net_event(e); });
  prober_ = std::make_unique<health::Prober>(io_);
  read_links();
  traffic_tick();
  budget_tick();
  if (takeover) prune_leftovers();  // the new state is in place: now the old goes
  log_.notice() << "tracking " << uplinks_.size() << " uplink(s)"
                << (only_logged_.empty() ? "" : " (" + only_logged_ + ": kernel changes only logged)");
  return {};
}

bool NetworkService::any_ipv6() const {
  return std::any_of(config_.uplinks.begin(), config_.uplinks.end(), [](const UplinkConfig& c) { return c.ipv6; });
}

// The nft table, uplinks in ranking order, each by the interface it is
// bound to now ("" for one not bound yet: no rule names it).
net::FirewallSpec NetworkService::firewall_spec() const {
  net::FirewallSpec spec;
  for (std::size_t i : policy_->ranking()) {
    const Uplink& u = *uplinks_[i];
    spec.uplinks.push_back({u.cfg.name, u.interface, u.cfg.metered, u.slot.mark(), budget_limit(u),
                            config_.nat.masquerade_ipv6 && u.cfg.ipv6});
  }
  spec.lan_interface = config_.nat.lan_interface;
  spec.metered_allow = config_.nat.metered_allow;
  spec.health_port = config_.health.enabled ? static_cast<std::uint16_t>(config_.health.port) : 0;
  spec.masquerade = config_.nat.enabled;
  return spec;
}

void NetworkService::release() {
  if (!running_) return;
  running_ = false;
  quiesce();
  save_budgets();
  system_.reset();  // the kernel state stays for the next owner
}

void NetworkService::quiesce() {
  if (subscription_) view_.unsubscribe(*subscription_);
  subscription_.reset();
  for (auto& u : uplinks_) {
    cancel_round(*u);
    u->timer.cancel();
  }
  policy_timer_.cancel();
  traffic_timer_.cancel();
  budget_timer_.cancel();
  prober_.reset();
}

std::string NetworkService::reassert() {
  if (!running_ || !system_) return "not running";
  if (auto s = system_->apply_firewall(firewall_); !s.ok()) return "cannot put the nftables table back: " + describe(s);
  if (auto s = system_->add_rule(net::main_routes_rule(AF_INET)); !s.ok()) log_.error() << describe(s);
  if (any_ipv6())
    if (auto s = system_->add_rule(net::main_routes_rule(AF_INET6)); !s.ok()) log_.error() << describe(s);
  for (const auto& u : uplinks_) {
    if (auto s = system_->add_rule(net::mark_rule(u->slot, AF_INET)); !s.ok()) log_.error() << describe(s);
    if (u->cfg.ipv6)
      if (auto s = system_->add_rule(net::mark_rule(u->slot, AF_INET6)); !s.ok()) log_.error() << describe(s);
    for (const IpAddress& a : u->source_rules)
      if (auto rule = net::source_rule(u->slot, a); rule.ok())
        if (auto s = system_->add_rule(*rule); !s.ok()) log_.error() << describe(s);
    if (u->table_route) install_uplink_routes(*u);
    if (u->table_route6) install_uplink_routes6(*u);
  }
  // The IPv6 default goes back as it was, like the routes above: set_default()
  // may fail or find the uplink's IPv6 gone, and then prune_leftovers() would
  // remove a default this service still reports as its own.
  if (default6_)
    if (auto s = system_->replace_route(*default6_); !s.ok()) log_.error() << describe(s);
  if (default_index_) set_default(*default_index_);
  prune_leftovers();
  return {};
}

void NetworkService::prune_leftovers() {
  auto owned = system_->read_owned();
  if (!owned.ok()) {
    log_.error() << "cannot read the owned routes and rules to remove the previous ones: " << describe(owned);
    return;
  }
  std::vector<net::UplinkRouting> in_place;
  for (const auto& u : uplinks_) {
    net::UplinkRouting r{u->slot, default_route_for(*u), u->table_route, u->source_rules};
    r.ipv6 = u->cfg.ipv6;
    r.table_default6 = u->table_route6;
    if (default6_index_ == u->index) r.main_default6 = default6_;
    in_place.push_back(std::move(r));
  }
  net::RoutingEntries stale = net::leftovers({owned->routes, owned->rules}, net::wanted_entries(in_place));
  std::size_t routes = 0, rules = 0;
  for (const net::Rule& r : stale.rules) {
    if (auto s = system_->remove_rule(r); !s.ok())
      log_.error() << describe(s);
    else
      ++rules;
  }
  for (const net::Route& r : stale.routes) {
    if (auto s = system_->remove_route(r); !s.ok())
      log_.error() << describe(s);
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
  save_budgets();
  if (system_)
    for (auto& u : uplinks_)
      if (u->assigned && !u->interface.empty())
        (void)system_->remove_address(u->interface, u->assigned->address, u->assigned->length);
  if (system_) {
    auto cleaned = system_->cleanup_stale();
    if (!cleaned.ok())
      log_.error() << "cleanup at stop: " << describe(cleaned);
    else
      log_.notice() << "removed " << cleaned->routes << " route(s), " << cleaned->rules << " rule(s)"
                    << (cleaned->firewall ? " and the nft table" : "");
  }
  system_.reset();
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
      out.interface = shown_interface(u->cfg.interface_auto(), u->interface);
      out.state = t.state;
      out.reason = t.reason;
      if (u->interface.empty()) out.reason = "INTERFACE_NOT_FOUND";  // interface = auto: the modem has not found it
      if (t.since) out.state_age_seconds = std::chrono::duration_cast<std::chrono::seconds>(now - *t.since).count();
      out.active = default_index_ == u->index;
      out.probes_sent = u->probes_sent;
      out.probes_lost = u->probes_lost;
      out.probe_rtt_us = u->rtt_us;
      out.probe_bytes_sent = u->bytes_sent;
      out.probe_bytes_received = u->bytes_received;
      if (t.rtt) out.rtt_ms = static_cast<double>(t.rtt->count()) / 1000.0;
      out.loss_percent = t.loss_percent;
      out.quality_rounds = t.window_rounds;
      out.degraded = t.quality_bad;
      out.degraded_reason = t.quality_reason;
      out.silence_bursts = t.bursts;
      if (u->budget) {
        BudgetStatus b = u->budget->status();
        health::BudgetReport r;
        r.limit_bytes = b.limit;
        r.used_bytes = b.used;
        r.state = std::string(to_string(b.state));
        r.action = std::string(to_string(b.action));
        // Limited only once the kernel's table says so; until then, why not.
        r.limited = b.limited && !budget_table_stale_;
        r.cycle_start = b.cycle_start;
        r.cycle_end = b.cycle_end;
        r.record_problem = !b.record_problem.empty()        ? "cannot read " + b.record_problem
                           : !budget_write_problem_.empty() ? "cannot write " + budget_write_problem_
                                                            : std::string();
        if (b.limited && budget_table_stale_)
          r.record_problem += std::string(r.record_problem.empty() ? "" : "; ") +
                              "the limit is not in force yet: cannot apply the nftables table (" + budget_table_error_ +
                              "); tried again every second";
        out.budget = r;
      }
      if (u->cfg.ipv6) out.ipv6 = ipv6_report(*u);
      if (u->ipv6_only()) out.ipv6_only = kIpv6OnlyNote;
      out.probe_families.clear();
      for (int fam : {0, 1}) {
        int targets = u->cfg.probe_targets_of(fam == 1 ? AF_INET6 : AF_INET);
        if (targets == 0) continue;
        health::ProbeFamilyReport r;
        r.family = fam == 1 ? "ipv6" : "ipv4";
        r.targets = targets;
        // with ipv6 = false both families are the one pool the round needs
        r.required = !u->cfg.ipv6 || u->cfg.requires_family(fam == 1 ? AF_INET6 : AF_INET);
        r.rounds = u->tracker.status().rounds > 0;
        r.probed = u->round_last[fam].probed;
        r.answered = u->round_last[fam].answered;
        r.ok = family_ok(u->tracker.policy(), fam == 1, u->round_last[0].answered, u->round_last[1].answered);
        r.reason = u->round_last[fam].why;
        out.probe_families.push_back(std::move(r));
      }
      if (u->metered()) out.probe_cost_bytes_per_minute = u->probe_cost.bytes_per_minute();
    }
  }
  health::FailoverStatus& f = s.failover;
  f.tracking = true;
  f.active = default_index_ ? uplinks_[*default_index_]->cfg.name : "";
  f.pinned = p.pinned ? uplinks_[*p.pinned]->cfg.name : "";
  f.default_route = default_text();
  if (any_ipv6()) {
    f.default_route_ipv6 = default6_ ? route_text(*default6_) : std::string();
    if (!default6_ && default_index_) {
      const Uplink& u = *uplinks_[*default_index_];
      f.ipv6_why_not = u.cfg.name +
                       (ipv6_only_choice_ ? ", the chosen uplink, " : ", which carries the IPv4 default, ") +
                       (u.cfg.ipv6 ? "has no usable IPv6: " + ipv6_report(u).reason : std::string("has ipv6 = false"));
    } else if (!default6_) {
      f.ipv6_why_not = "no uplink carries the IPv4 default";
    }
    f.lan_ipv6 = config_.general.mode == Mode::backup_gateway ? kLanIpv6BackupGateway : kLanIpv6Router;
  }
  if (ipv6_only_choice_ && default_index_ && !default4_)
    f.ipv4_why_not = uplinks_[*default_index_]->cfg.name + ", the chosen uplink, " + kIpv6OnlyNote;
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
