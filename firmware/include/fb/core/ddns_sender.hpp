// DdnsSender: how DdnsService's requests leave — or, dry-run, that none
// does. Beside HostActions and DataLinkStarter, with a dry-run twin; which
// one runs is decided once, where the daemon is wired
// (Daemon::restart_ddns()), not inside the services.
//
// Contract:
//  - open() builds the requests for one set of [ddns] settings. Both twins
//    build a fb::ddns::DdnsClient, which reads and checks the secret files,
//    URL, zone and CA file and throws fb::ddns::SetupError: bad settings are
//    reported in dry-run too.
//  - The real sender's requests are the client's (fb/ddns/client.hpp: one in
//    flight, every outcome a Reply, posted).
//  - withheld(): nothing for the real sender. The dry-run sender says that no
//    request is ever sent, in the words the service logs once, shows in
//    /status and answers ddns-update with; the service then follows no
//    address and schedules nothing.
//  - The dry-run requests send nothing: get() and set() log that they are
//    not sent and answer, posted, network_error "dry-run: not sent".
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "fb/ddns/client.hpp"
#include "fb/net_types.hpp"

namespace fb::core {

// What the control socket answers to ddns-update.
struct ControlAnswer {
  bool ok = false;
  std::string code;  // when !ok
  std::string message;
};

class DdnsRequests {
 public:
  using Done = fb::ddns::DdnsClient::Done;
  virtual ~DdnsRequests() = default;  // aborts a request in flight; its callback is not called
  // `source`: the address being published, which lambda-v2's AAAA request
  // leaves from (DdnsClient::get); nothing: bound to the interface.
  virtual void get(Done done, const std::optional<IpAddress>& source) = 0;
  virtual void set(const IpAddress& address, Done done) = 0;
  virtual bool busy() const = 0;
  // The settings for a log line or /status, secrets replaced by ********.
  virtual std::string describe() const = 0;
};

// Why no DDNS request is ever sent.
struct DdnsWithheld {
  std::string notice;    // logged once, when the service starts
  std::string state;     // /status ddns.state
  std::string detail;    // /status ddns.detail, when the settings are usable
  ControlAnswer answer;  // to ddns-update
};

class DdnsSender {
 public:
  virtual ~DdnsSender() = default;
  virtual std::unique_ptr<DdnsRequests> open(const fb::ddns::ClientSettings& settings) = 0;
  // `hostname` and `uplink` ([ddns]) are for the words only.
  virtual std::optional<DdnsWithheld> withheld(const std::string& hostname, const std::string& uplink) const = 0;
};

std::unique_ptr<DdnsSender> make_ddns_sender(boost::asio::io_context& io);
std::unique_ptr<DdnsSender> make_dry_run_ddns_sender(boost::asio::io_context& io);

}  // namespace fb::core
