// DataLinkStarter: what ModemService does with a line the modem CONNECTed —
// start the data link on it (pppd, through ppp::PppdRunner). Beside
// HostActions, with a dry-run twin; which one runs is decided once, where the
// daemon is wired (Daemon::restart_modem()), not inside the services.
//
// Contract:
//  - start() logs the CONNECT line ("CONNECT <what the modem said>: handing
//    the line to pppd", or the dry-run twin's words) and returns the link.
//    The caller keeps `tty_fd` and closes its own copy after the call.
//  - on_link runs when the link is up and again when it learns more (DNS);
//    on_down runs exactly once per start(), when the link ended or could not
//    start, with the code, words and kind ModemMachine gets as LinkDown.
//    Both are posted on the io_context, never called from inside start() or
//    stop(); none runs after the DataLink is destroyed.
//  - DataLink::stop() asks the link to end (on_down follows); a no-op when it
//    is not running. Destroying a running one kills and reaps pppd.
//  - The pppd starter: ppp::PppdRunner with `options`; pppd's end becomes
//    LinkDown{reason code, "pppd exited N: <its first last line>", the
//    reason's disposition}. A pppd that cannot be spawned is FATAL_ERROR.
//  - The dry-run starter spawns nothing: it logs "CONNECT …; dry-run: not
//    starting <pppd argv>" and the link is down at once with DRY_RUN (kind
//    local: nothing to retry). pppd would create an interface and routes.
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fb/core/modem_machine.hpp"
#include "fb/dhcp/runner.hpp"
#include "fb/modem/profile.hpp"
#include "fb/net_types.hpp"
#include "fb/ppp/runner.hpp"
#include "fb/time.hpp"

namespace fb::core {

// What the modem's data link is, for the network side: the daemon binds the
// modem uplink to it (NetworkService::bind_link()). A PPP link configures its
// own address (pppd); a net link's address comes from the modem (^DHCP?,
// +CGCONTRDP) and is configured through the netcfg seam.
struct DataLinkReport {
  bool up = false;
  modem::DataPath path = modem::DataPath::ppp;
  // The link's interface. For an uplink with interface = auto it is the one
  // ModemService found beside the AT port, named before the session is up
  // (a report with up = false) and in every later report, down ones too, so
  // the network side binds the uplink to it (NetworkService::bind_modem_link()).
  std::string interface;
  std::optional<Prefix> address;  // to configure on `interface` (address with its prefix length); none: the link has it
  std::optional<IpAddress> gateway;
  std::vector<IpAddress> dns;
  bool operator==(const DataLinkReport&) const = default;
};

class DataLink {
 public:
  virtual ~DataLink() = default;
  virtual bool running() const = 0;
  virtual void stop() = 0;
};

struct DataLinkCallbacks {
  std::function<void(const ppp::LinkInfo&)> on_link;
  std::function<void(const modem_event::LinkDown&)> on_down;
};

class DataLinkStarter {
 public:
  virtual ~DataLinkStarter() = default;
  // `connect`: what the modem said after CONNECT (the speed, often empty).
  virtual std::unique_ptr<DataLink> start(int tty_fd, const std::string& connect,
                                          const ppp::PppdRunner::Options& options, DataLinkCallbacks callbacks) = 0;
};

// The real one: pppd from options.settings.pppd.
std::unique_ptr<DataLinkStarter> make_pppd_starter(boost::asio::io_context& io, TimerService& timers);
std::unique_ptr<DataLinkStarter> make_dry_run_data_link_starter(boost::asio::io_context& io);

// The DHCP client of a net data session whose address comes by DHCP
// (NetAddressForm::dhcp): udhcpc on the stick's interface through
// dhcp::DhcpClientRunner, which configures nothing; the lease goes to the
// network side like an address the modem reported. Beside the pppd starter,
// with a dry-run twin, chosen where the daemon is wired.
//  - on_lease: at bound and at each renew (the same lease again is no change);
//  - on_lost: once, when the lease is gone or none came, or the client ended
//    (code DHCP_LOST, DHCP_TIMEOUT, DHCP_CLIENT_EXITED, DHCP_SPAWN_FAILED,
//    ...; DRY_RUN from the twin), posted, never from inside start().
//  - Destroying the link stops the client (it releases the lease).
struct DhcpCallbacks {
  std::function<void(const dhcp::Lease&)> on_lease;
  std::function<void(const std::string& code, const std::string& detail)> on_lost;
};
class DhcpStarter {
 public:
  virtual ~DhcpStarter() = default;
  virtual std::unique_ptr<DataLink> start(const std::string& interface, Duration lease_timeout,
                                          DhcpCallbacks callbacks) = 0;
};
// `settings`: binary and script (interface and timeouts come per start).
std::unique_ptr<DhcpStarter> make_udhcpc_starter(boost::asio::io_context& io, TimerService& timers,
                                                 dhcp::Settings settings);
// Spawns nothing: logs "dry-run: not starting udhcpc on IF" and the lease is
// lost at once with DRY_RUN (udhcpc would put the interface on the air).
std::unique_ptr<DhcpStarter> make_dry_run_dhcp_starter(boost::asio::io_context& io);

// pppd's end as ModemMachine's LinkDown.
modem_event::LinkDown link_down_of(const ppp::Exit& exit);

}  // namespace fb::core
