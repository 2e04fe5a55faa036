// NetworkService: the composition of uplink tracking and failover — the
// adapter that carries out what UplinkTracker and FailoverPolicy decide.
//
// Contract: single-threaded on the daemon's io_context. The System comes in
// with the service (NetworkKernel), chosen where the daemon is wired
// (Daemon::make_network(): DryRunSystem under dry-run, NetlinkSystem
// otherwise). start() removes what a previous run left behind
// (cleanup_stale), sets the sysctls, applies the `inet failberry` table, adds
// the policy rules, subscribes to the daemon's KernelView and reads the
// links' state from it. Its events and probe rounds feed one UplinkTracker
// per uplink (config order = netcfg slot); tracker reports feed the FailoverPolicy, whose
// SetDefault replaces the main default route in one step (never
// delete-then-add); main also holds each ready uplink's own default at metric
// 11 + slot, so sockets bound to that uplink's device find a route through
// it. stop() (and the destructor) cancel everything and remove
// every owned route, rule and the table. Nothing here decides: the cores do.
//
// The members are defined by concern: firmware/network_service.cpp (start,
// takeover, stop, cleanup, what the daemon asks), network_service_links.cpp
// (kernel events, each uplink's link and addresses), network_service_routes.cpp
// (routes, rules, default switching, the cores' actions) and
// network_service_probes.cpp (probe rounds); network_service_uplink.hpp holds
// what they share. nf_tables_problem() is in nf_tables_probe.cpp.
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fb/config/config.hpp"
#include "fb/core/data_link.hpp"
#include "fb/core/failover_policy.hpp"
#include "fb/core/uplink_tracker.hpp"
#include "fb/health/handler.hpp"
#include "fb/health/probe.hpp"
#include "fb/log.hpp"
#include "fb/net/events.hpp"
#include "fb/net/kernel_view.hpp"
#include "fb/net/system.hpp"
#include "fb/time.hpp"

namespace fb::core {

// Whether the kernel of the calling thread's network namespace speaks
// nf_tables: one NFT_MSG_GETGEN request on a NETLINK_NETFILTER socket.
// Empty when it does; otherwise what is missing, in words.
std::string nf_tables_problem();

// The kernel side of a NetworkService.
struct NetworkKernel {
  std::unique_ptr<net::System> system;
  // Empty when `system` changes the kernel. Otherwise why it only logs the
  // changes ("dry-run"): links that cannot be watched are then a warning, not
  // a refusal to start, and the log says so.
  std::string only_logged;
};

class NetworkService {
 public:
  NetworkService(boost::asio::io_context& io, TimerService& timers, net::KernelView& view, const Config& config,
                 NetworkKernel kernel);
  ~NetworkService();
  NetworkService(const NetworkService&) = delete;
  NetworkService& operator=(const NetworkService&) = delete;

  // Empty on success; otherwise why the daemon cannot run (clear words).
  // `carry_over`: the default route a previous service (a reload) had
  // installed; it is put back right after the cleanup and stays until the
  // policy decides, so a reload does not leave the host without a default
  // for the probe rounds it takes to decide again.
  //
  // `takeover` (a reload, make-before-break): another service still owns the
  // kernel state. Nothing is removed first: the nft table is replaced in one
  // transaction, rules are added (idempotent) and routes replaced, and only
  // then are the owned routes and rules this service does not want removed.
  // A start that fails in takeover removes nothing either: the previous
  // service goes on (see reassert()).
  std::string start(std::optional<net::Route> carry_over = std::nullopt, bool takeover = false);
  // The main default route this service installed, if any.
  std::optional<net::Route> installed_default() const;
  // Called after an uplink's tracked state or the default route changed
  // (what fill() reports is different now).
  void on_change(std::function<void()> callback) { on_change_ = std::move(callback); }
  void stop();
  // Stops watching and deciding but leaves the kernel state in place, for the
  // service that takes it over.
  void release();
  // After a failed takeover: puts this service's table and rules back and
  // removes what the failed one added. Empty on success, else why not.
  std::string reassert();

  // Adds the uplinks' tracked state and the failover status to a snapshot
  // whose uplinks were filled from the config (matched by name).
  void fill(health::Snapshot& snapshot) const;
  // The modem's data link as ModemService reports it (the daemon passes it
  // on). A net link brings its address (put on the interface here, through
  // the System seam: under dry-run only logged) and its next hop (the modem
  // uplink's routes go through it); a PPP link configures itself. Down: the
  // address put here is removed and the routes lose the next hop. A report
  // for another interface than the modem uplink's is logged and ignored.
  //
  // An uplink with interface = auto is bound late: unbound until a report
  // names an interface (up or not: ModemService reports the one it found
  // beside the AT port before it starts the session), its tracker stays
  // unknown and nothing of it is in the kernel but its mark rule. Bound:
  // its rp_filter, the nft table applied again with the name, its link and
  // addresses read from the view and followed, its routes and probes on
  // that device. A report naming another interface rebinds it: the old
  // name's carrier counts as lost, its address, source rules and routes are
  // removed, then it is bound to the new one (fb/core/interface_binding.hpp
  // decides which of these a report asks for).
  void bind_modem_link(const DataLinkReport& link);
  // Before start(): the interface the modem already found for the modem
  // uplink if it has interface = auto (a reload's new service), so it starts
  // bound instead of waiting for the modem's next report.
  void set_found_interface(std::string name) { found_interface_ = std::move(name); }
  // The interface the uplink named `uplink` is bound to now; "" when it is
  // not bound yet (interface = auto) or there is no such uplink.
  std::string interface_of(const std::string& uplink) const;

  // A reload that did not restart uplink tracking: an uplink whose budget
  // record could not be read (state unknown) reads it again, so a record
  // fixed or removed by hand is taken at the reload.
  void reread_budget_record();

  // The `failover UPLINK|auto` control verb.
  nlohmann::json failover(const std::string& target);

 private:
  struct Uplink;
  void on_net_event(const net::NetEvent& event);
  void read_links();
  void read_link(Uplink& u);
  void bind_interface(Uplink& u, const std::string& name, std::optional<IpAddress> hop);
  void remove_uplink_routes(Uplink& u);
  net::FirewallSpec firewall_spec() const;
  void set_carrier(Uplink& u, bool carrier);
  // IPv6 (network_service_links.cpp): accept_ra = 2 on an IPv6 uplink's
  // interface, and its addresses and router read again from the view (the
  // changes logged, /status told).
  void set_accept_ra(Uplink& u);
  void read_ipv6(Uplink& u);
  // After an uplink's IPv6 changed: its source rules follow its addresses,
  // its table's IPv6 default its router, and the IPv6 main default follows
  // it when it carries the IPv4 one (network_service_routes.cpp).
  void ipv6_changed(Uplink& u);
  void sync_source_rules6(Uplink& u);
  void install_uplink_routes6(Uplink& u);
  void remove_uplink_routes6(Uplink& u);
  // The IPv6 main default through the uplink the IPv4 one leads out of: one
  // decision, both families. Removed when that uplink has no usable IPv6.
  void set_default6(std::size_t index);
  bool any_ipv6() const;  // some uplink has ipv6 = true
  health::Ipv6Report ipv6_report(const Uplink& u) const;
  void address_added(Uplink& u, const IpAddress& address);
  void address_removed(Uplink& u, const IpAddress& address);
  void feed(Uplink& u, const TrackerEvent& event);
  void feed_policy(const PolicyEvent& event);
  void start_round(Uplink& u);
  void probe_done(Uplink& u);
  void cancel_round(Uplink& u);
  // Every kTrafficTick while an uplink watches for silence: its packet
  // counters (KernelView::counters(), no packet sent) to its tracker.
  void traffic_tick();
  // Data budgets (network_service_budget.cpp): the meters from
  // state_dir/budget.json at start; every kBudgetTick each metered uplink's
  // byte counters to its meter and its probe bytes to its ProbeCost; the
  // record written when a meter asks, and at stop. A meter whose limit
  // action starts or ends applies the nft table again.
  void load_budgets();
  void budget_tick();
  void save_budgets();
  net::BudgetLimit budget_limit(const Uplink& u) const;
  void install_uplink_routes(Uplink& u);
  void set_default(std::size_t index);
  // set_default() for an uplink that carries IPv6 only: failberryd's IPv4
  // default goes (not left on the uplink that failed), the IPv6 one moves.
  void set_default_ipv6_only(std::size_t index);
  void flush(std::size_t index);
  static net::NextHop next_hop_of(const Uplink& u);
  // "default via GATEWAY dev DEVICE metric N" (no via for a device route), either family.
  static std::string route_text(const net::Route& r);
  std::optional<net::Route> default_route_for(const Uplink& u) const;
  Uplink* by_ifindex(int ifindex);
  Uplink* by_name(const std::string& interface);
  // Unsubscribes, stops the probe rounds and the timers (stop() and release()).
  void quiesce();
  // Removes the owned routes and rules this service does not want now
  // (net::wanted_entries() and net::leftovers() decide which).
  void prune_leftovers();

  boost::asio::io_context& io_;
  TimerService& timers_;
  Config config_;
  Logger log_{"network"};
  std::unique_ptr<net::System> system_;
  std::string only_logged_;  // NetworkKernel::only_logged
  net::KernelView& view_;
  std::optional<net::KernelView::SubscriberId> subscription_;
  std::unique_ptr<health::Prober> prober_;
  std::vector<std::unique_ptr<Uplink>> uplinks_;
  std::unique_ptr<FailoverPolicy> policy_;
  OneShot policy_timer_{timers_};
  OneShot traffic_timer_{timers_};            // traffic_tick()
  OneShot budget_timer_{timers_};             // budget_tick()
  std::string budget_write_problem_;          // "" or why budget.json could not be written last time
  bool budget_table_stale_ = false;           // a budget's limit changed but the table could not be applied yet
  std::string budget_table_error_;            // why not (the nft error), for /status
  std::vector<Event> budget_events_;          // crossings waiting for the table that makes them true
  std::optional<std::size_t> default_index_;  // the uplink the installed main default leads out of
  // The IPv4 main default, as installed (by this service for default_index_,
  // or carried over from the one before a reload while default_index_ is none).
  std::optional<net::Route> default4_;
  std::string default_text() const;  // /status failover.default_route: "" while there is none
  // The chosen uplink carries IPv6 only (Uplink::ipv6_only()): failberryd has
  // no IPv4 default, and that is the choice in effect, not a route lost.
  bool ipv6_only_choice_ = false;
  // The choice's routes are in place: its IPv4 default, or none by choice.
  bool choice_in_place() const { return default_index_ && (default4_ || ipv6_only_choice_); }
  std::optional<std::size_t> default6_index_;  // the uplink failberryd's IPv6 main default leads out of
  std::optional<net::Route> default6_;         // that route, as installed
  net::FirewallSpec firewall_;                 // the table this service applied
  TimePoint event_at_{};                       // when the event being handled arrived
  bool running_ = false;
  std::string found_interface_;  // set_found_interface()
  std::function<void()> on_change_;
};

}  // namespace fb::core
