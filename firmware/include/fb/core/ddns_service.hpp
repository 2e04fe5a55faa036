// DdnsService: [ddns] in the running daemon — the DdnsScheduler core wired to
// a DdnsClient (libcurl multi), the state file <state_dir>/ddns.json, one
// timer, and the address book's events for the [ddns] uplink. It carries out
// the core's actions and nothing else decides (tests/ddns/ddns_runner.hpp is
// the same wiring in its smallest form).
//
// Contract: single-threaded on the daemon's io_context. Built only when
// [ddns] provider is not none. Requests leave through the [ddns] uplink's
// interface (CURLOPT_INTERFACE), because the server publishes the source
// address it sees. The jitter comes from one std::mt19937 seeded once.
// Secrets are read by the client at construction and never logged or shown:
// the report carries names, states, codes and addresses only.
//
// Reload (SIGHUP): reload() returns false when what the scheduler stands on
// changed (provider, hostname, uplink or its interface, state_dir, interval,
// dry-run) — the daemon then builds a new service. Otherwise a new client is
// built (new secrets, URL, CA) and the core gets ConfigReloaded, which also
// clears DDNS_AUTH_FAILED; a request in flight finishes on the old client. A
// new client that cannot be built (e.g. DDNS_SECRET_REFUSED) is logged and the
// running one is kept.
//
// Dry-run (--dry-run or [general] dry_run = true): failberryd publishes no DNS
// record and sends no DDNS request at all. The client is still built, so a
// bad secret file, URL or CA file is reported, and the log and /status say
// "dry_run" — a laptop test never moves a real record, and never silently.
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
#include "fb/ddns/client.hpp"
#include "fb/ddns/state_file.hpp"
#include "fb/health/handler.hpp"
#include "fb/time.hpp"

namespace fb::core {

// What the control socket answers to ddns-update.
struct ControlAnswer {
  bool ok = false;
  std::string code;  // when !ok
  std::string message;
};

class DdnsService {
 public:
  DdnsService(boost::asio::io_context& io, TimerService& timers, AddressBook& addresses, const Config& config);
  ~DdnsService();
  DdnsService(const DdnsService&) = delete;
  DdnsService& operator=(const DdnsService&) = delete;

  bool reload(const Config& config);
  ControlAnswer update_requested();
  health::DdnsReport report() const;

 private:
  struct Identity {
    DdnsProvider provider;
    std::string hostname, uplink, interface, state_dir;
    Duration interval;
    bool dry_run;
    bool operator==(const Identity&) const = default;
  };
  static Identity identity_of(const Config& config);
  fb::ddns::ClientSettings client_settings(const Config& config) const;
  // A client for `config`, or nothing (the error logged and kept for /status).
  std::unique_ptr<fb::ddns::DdnsClient> make_client(const Config& config);
  void start_scheduler();
  void feed(const DdnsEvent& event);
  void perform(const DdnsAction& action);
  void finished(fb::ddns::RequestKind kind, const fb::ddns::Reply& reply);
  fb::ddns::DdnsClient& idle_client();

  boost::asio::io_context& io_;
  TimerService& timers_;
  AddressBook& addresses_;
  Identity identity_;
  std::string provider_text_;
  Logger log_;
  fb::ddns::StateFile state_file_;
  std::unique_ptr<fb::ddns::DdnsClient> client_;
  std::unique_ptr<fb::ddns::DdnsClient> retired_;  // finishing its request after a reload
  std::optional<DdnsScheduler> scheduler_;
  std::mt19937 random_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  TimerId timer_ = 0;
  AddressBook::ListenerId listener_ = 0;
  std::string setup_code_;  // the last client that could not be built
  std::string setup_detail_;
  std::optional<std::int64_t> published_at_;
  std::string last_request_, last_outcome_;
  std::optional<std::int64_t> last_result_at_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> results_;
};

}  // namespace fb::core
