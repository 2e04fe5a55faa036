// failberryd's lifecycle: start on a valid config, reload on SIGHUP, stop on
// SIGTERM/SIGINT, tell systemd (READY/RELOADING/STOPPING/WATCHDOG).
//
// Contract: single-threaded on one io_context. A reload with a bad file logs
// every error and keeps the running config; a reload whose HTTP endpoint
// cannot be bound keeps the previous endpoint. run() returns the exit code:
// 0 after SIGTERM/SIGINT, 1 when the HTTP endpoint or the control socket
// cannot be created at start, 70 when a handler throws (run_event_loop).
// Operator actions from the control socket go through the same paths as
// automatic ones. One net::KernelView follows the kernel for everyone: the
// NetworkService and the AddressBook subscribe to it (the book gives /health
// its arrival uplink and DDNS its address events); DDNS runs as a
// DdnsService when [ddns] provider is set. The uplinks' byte counters come
// from the view, one netlink link dump per status snapshot; while that fails
// there are none, logged once per streak. Events (fb::events::publish())
// go to the daemon's EventBus: the last ones in /status, the journal, the
// control socket's `events` verb, the hooks of [alerts] hooks_dir and, from
// a bus subscription, the Webhook of [alerts] webhook_url.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "fb/config/config.hpp"
#include "fb/core/address_book.hpp"
#include "fb/core/asio_timers.hpp"
#include "fb/core/control.hpp"
#include "fb/core/ddns_service.hpp"
#include "fb/core/event_bus.hpp"
#include "fb/core/heartbeat_service.hpp"
#include "fb/core/lldp_reader.hpp"
#include "fb/core/modem_service.hpp"
#include "fb/core/network_service.hpp"
#include "fb/core/notify.hpp"
#include "fb/core/sms_alerts.hpp"
#include "fb/core/webhook.hpp"
#include "fb/health/http_server.hpp"
#include "fb/net/kernel_view.hpp"
#include "fb/net/status.hpp"

namespace fb::core {

struct DaemonOptions {
  std::string config_path;
  bool force_dry_run = false;  // --dry-run overrides [general] dry_run
};

class Daemon {
 public:
  Daemon(boost::asio::io_context& io, DaemonOptions options, Config config);
  int run();
  const Config& config() const { return config_; }

 private:
  void wait_signal();
  void on_signal(int signo);
  void finish_shutdown();
  void reload();
  void apply(Config config);
  // Hands the modem's data link to the network side and tells AddressBook
  // the interface each uplink is bound to now (an interface = auto uplink's
  // comes with the link).
  void bind_modem_link(const DataLinkReport& report);
  void publish_uplinks();
  void keep_watchdog_alive();
  std::string summary() const;
  health::Snapshot snapshot() const;
  // Each configured uplink's name, interface, kind and drain.
  std::vector<health::UplinkStatus> configured_uplinks() const;
  // What /health answers from: configured_uplinks() with the tracker's
  // states, without the counters, DDNS or modem parts of a snapshot.
  std::vector<health::UplinkStatus> health_states() const;
  // Every interface's byte counters, one netlink link dump per snapshot;
  // none when they cannot be read, logged once per streak of failures.
  std::optional<net::LinkCountersByName> interface_counters() const;
  nlohmann::json control(const nlohmann::json& request);
  // `events --follow` over the control socket: the last events, then each new one.
  ControlServer::Stream follow(const nlohmann::json& request, ControlServer::Send send);
  nlohmann::json recent_events() const;
  // The hooks' settings from config_ ([alerts], dry-run).
  HookSettings hook_settings() const;
  // Brings the webhook in line with config_.alerts: none, reconfigured, or new.
  void restart_webhook();
  // Brings the SMS alerts in line with config_.alerts: none, reconfigured, or new.
  void restart_sms();
  // Opens the control socket at config_.general.control_socket unless it is
  // already there; false when it cannot (a running one is kept).
  bool restart_control();
  // Brings the HTTP endpoint in line with config_.health; false when binding
  // fails (the endpoint that was running, if any, is kept).
  bool restart_http();
  // Brings DDNS in line with config_.ddns: none, the running service
  // reloaded, or a new one.
  void restart_ddns();
  // The DDNS report for /status: the first record's, with every record's in `families`.
  health::DdnsReport ddns_report() const;
  void restart_heartbeat();
  // Per uplink, whether it is behind carrier-grade NAT, in words ("" if not):
  // fb::core::detect_nat() on its address and what the DDNS server saw.
  // `ddns`: the DDNS report the caller already holds (/status takes one per
  // snapshot).
  std::map<std::string, std::string> nat_findings(const health::DdnsReport& ddns) const;
  void log_nat_changes();
  void sample_signal();
  void restart_lldp();
  // (Re)starts uplink tracking when its settings changed; false with the
  // reason logged when it cannot run.
  // `taken`: the service take_over_network() started for a reload.
  bool restart_network(std::unique_ptr<NetworkService> taken = nullptr);
  // A service for `config` with the kernel side dry-run asks for, or an
  // Error saying why the kernel cannot be used.
  net::Result<std::unique_ptr<NetworkService>> make_network(const Config& config);
  // A reload's new network service, started in takeover while the old one
  // runs; "" when there is none to start that way, else why it cannot run.
  std::string take_over_network(const Config& next, std::unique_ptr<NetworkService>& taken);
  // (Re)starts the modem supervisor when what it is built from changed;
  // stops it when no uplink has kind = ppp any more.
  struct ModemInputs {
    ModemConfig modem;
    PppConfig ppp;
    RecoveryConfig recovery;
    bool dry_run = false;
    std::string state_dir;
    std::vector<UplinkConfig> modem_uplinks;
    bool operator==(const ModemInputs&) const = default;
  };
  ModemInputs modem_inputs() const;
  void restart_modem();

  boost::asio::io_context& io_;
  DaemonOptions options_;
  Config config_;
  boost::asio::signal_set signals_;
  AsioTimerService timers_;
  net::KernelView kernel_{io_};     // the one follower of links, addresses, routes and counters
  AddressBook addresses_{kernel_};  // the uplinks' addresses: arrival uplink, DDNS
  ServiceNotifier notifier_;
  Logger log_{"failberryd"};
  OneShot watchdog_timer_{timers_};
  // The modem's signal every 30 s over the last hour, for the status page.
  health::SignalHistory signal_history_;
  OneShot signal_timer_{timers_};
  // [general] lldp_socket: the LLDP neighbours for /status.
  std::unique_ptr<LldpReader> lldp_;
  std::string lldp_socket_;
  // Every event the services publish: /status, the journal, the control
  // socket's `events`, the hooks. Before the services: it outlives them.
  EventBus events_{io_, timers_};
  // [alerts] webhook_url; fed by a subscription to events_ (Daemon()). Before
  // the services, so it outlives what they publish as they go.
  std::unique_ptr<Webhook> webhook_;
  // [alerts] sms_to; fed like the webhook, sending through modem_ (SmsPort).
  std::unique_ptr<SmsAlerts> sms_;
  std::unique_ptr<health::HttpServer> http_;
  std::optional<HealthConfig> http_running_;      // settings of http_, when it runs
  std::vector<std::string> http_status_uplinks_;  // uplinks with serve_status, as http_ was started with
  std::unique_ptr<ControlServer> control_;
  // One per [ddns] families record (A, then AAAA); none when [ddns] provider = none.
  std::vector<std::unique_ptr<DdnsService>> ddns_;
  bool ddns_dry_run_ = false;                    // whether ddns_ has the dry-run sender
  std::unique_ptr<HeartbeatService> heartbeat_;  // none when [health] heartbeat = none
  HeartbeatConfig heartbeat_running_;            // what heartbeat_ was built from
  bool heartbeat_dry_run_ = false;
  AddressBook::ListenerId nat_listener_ = 0;     // logs a change of nat_findings()
  std::map<std::string, std::string> nat_said_;  // the last finding logged, per uplink
  std::unique_ptr<ModemService> modem_;          // when an uplink has kind = ppp
  std::unique_ptr<ModemService> retiring_;       // a replaced one, ending its session (restart_modem())
  std::optional<ModemInputs> modem_inputs_;      // what modem_ was started with
  std::unique_ptr<NetworkService> network_;      // uplink tracking and failover
  NetworkInputs network_inputs_;                 // what network_ was started with
  std::set<std::string> drained_;                // uplinks an operator took out of /health
  // Opened at the first snapshot, in the daemon's namespace; afresh after a failure.
  TimePoint started_;
  std::uint64_t reloads_ = 0;
  std::uint64_t reloads_refused_ = 0;
};

}  // namespace fb::core
