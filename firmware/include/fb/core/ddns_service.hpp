// DdnsService: one record of [ddns] in the running daemon — the A record
// (family ipv4) or the AAAA record (ipv6); with families = both the daemon
// runs one of each, side by side, each with its own state. It is the
// DdnsScheduler core wired to a DdnsSender's requests (a DdnsClient, libcurl
// multi), the family's entry in the state file <state_dir>/ddns.json, one
// timer, and the address book's events for the [ddns] uplink: its primary
// IPv4, or its publishable global IPv6 (AddressBook::global_ipv6). It carries out
// the core's actions and nothing else decides (tests/services builds it
// in-process against the fake DDNS server).
//
// Contract: single-threaded on the daemon's io_context. Built only when
// [ddns] provider is not none. Requests leave through the [ddns] uplink's
// interface (CURLOPT_INTERFACE), because the server publishes the source
// address it sees. The jitter comes from one std::mt19937 seeded once.
// Secrets are read by the client at construction and never logged or shown:
// the report carries names, states, codes and addresses only.
//
// Reload (SIGHUP): reload() returns false when what the scheduler stands on
// changed (provider, hostname, uplink or its interface or kind, state_dir,
// interval, publish_behind_nat)
// — the daemon then builds a new service (also when dry-run changed: the
// sender is the daemon's choice). Otherwise a new client is
// built (new secrets, URL, CA) and the core gets ConfigReloaded, which also
// clears DDNS_AUTH_FAILED; a request in flight finishes on the old client. A
// new client that cannot be built (e.g. DDNS_SECRET_REFUSED) is logged and the
// running one is kept.
//
// A sender that withholds every request (the daemon's dry-run twin: --dry-run
// or [general] dry_run = true): the service follows no address, schedules
// nothing and sends nothing, so no DNS record is published. The requests are
// still built, so a bad secret file, URL or CA file is reported, and the log,
// /status ("dry_run") and ddns-update say so in the sender's words — a laptop
// test never moves a real record, and never silently.
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
//
#include <boost/asio/io_context.hpp>

#include "fb/config/config.hpp"
#include "fb/core/address_book.hpp"
#include "fb/core/ddns_scheduler.hpp"
#include "fb/core/ddns_sender.hpp"
#include "fb/ddns/client.hpp"
#include "fb/ddns/state_file.hpp"
#include "fb/health/handler.hpp"
#include "fb/time.hpp"

namespace fb::core {

class DdnsService {
 public:
  // `sender`: where the requests go (make_ddns_sender), or none does (make_dry_run_ddns_sender).
  DdnsService(boost::asio::io_context& io, TimerService& timers, AddressBook& addresses, const Config& config,
              std::unique_ptr<DdnsSender> sender, fb::ddns::Family family = fb::ddns::Family::ipv4);
  ~DdnsService();
  DdnsService(const DdnsService&) = delete;
  DdnsService& operator=(const DdnsService&) = delete;

  bool reload(const Config& config);
  ControlAnswer update_requested();
  health::DdnsReport report() const;
  fb::ddns::Family family() const { return family_; }

 private:
  struct Identity {
    std::optional<ddns::Provider> provider;  // set: a service exists only with a provider
    std::string hostname, uplink, interface, state_dir;
    Duration interval;
    bool modem_link = false;  // the uplink's kind: RFC 1918 behind it is the carrier's NAT
    bool publish_behind_nat = false;
    bool operator==(const Identity&) const = default;
  };
  static Identity identity_of(const Config& config);
  fb::ddns::ClientSettings client_settings(const Config& config) const;
  // Requests for `config`, or nothing (the error logged and kept for /status).
  std::unique_ptr<DdnsRequests> make_client(const Config& config);
  void start_scheduler();
  void feed(const DdnsEvent& event);
  void perform(const DdnsAction& action);
  void finished(fb::ddns::RequestKind kind, const fb::ddns::Reply& reply);
  DdnsRequests& idle_client();

  boost::asio::io_context& io_;
  TimerService& timers_;
  AddressBook& addresses_;
  fb::ddns::Family family_;
  Identity identity_;
  std::string provider_text_;
  Logger log_;
  fb::ddns::StateFile state_file_;
  std::unique_ptr<DdnsSender> sender_;
  std::optional<DdnsWithheld> withheld_;  // the sender sends nothing: nothing is scheduled
  std::unique_ptr<DdnsRequests> client_;
  std::unique_ptr<DdnsRequests> retired_;  // finishing its request after a reload
  std::optional<DdnsScheduler> scheduler_;
  std::mt19937 random_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  OneShot timer_{timers_};
  AddressBook::ListenerId listener_ = 0;
  std::string setup_code_;  // the last client that could not be built
  std::string setup_detail_;
  std::optional<std::int64_t> published_at_;
  std::string last_request_, last_outcome_;
  std::optional<std::int64_t> last_result_at_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> results_;
};

}  // namespace fb::core
