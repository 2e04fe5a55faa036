// HiLinkApi: what ModemService asks of a HiLink (router-mode) stick's HTTP
// API — its readings, the mobile-data switch and the reboot — through
// fb::hilink::HiLinkClient. Beside DataLinkStarter and DhcpStarter, with a
// dry-run twin; which one runs is decided once, where the daemon is wired
// (Daemon::restart_modem()), not inside the services.
//
// Contract:
//  - The callbacks are HiLinkClient's: on the io_context, each exactly once,
//    never from inside the call; none after the HiLinkApi is destroyed.
//  - switches(): true when set_data() and reboot() reach the stick. The
//    dry-run twin reads (status, signal, plmn, traffic) but sends neither:
//    it logs "dry-run: not switching mobile data on|off" / "not rebooting"
//    and answers success; switches() is false so the caller does not wait
//    for a change that cannot come.
//  - data_off_at_exit(): the service is going away with mobile data on: the
//    real one switches it off, waiting at most `limit` on its own
//    io_context (the daemon's is stopping); the twin only logs.
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "fb/hilink/client.hpp"
#include "fb/time.hpp"

namespace fb::core {

class HiLinkApi {
 public:
  template <class T>
  using Done = hilink::HiLinkClient::Done<T>;
  virtual ~HiLinkApi() = default;
  virtual void status(Done<hilink::Status> done) = 0;
  virtual void signal(Done<hilink::Signal> done) = 0;
  virtual void plmn(Done<hilink::Plmn> done) = 0;
  virtual void traffic(Done<hilink::Traffic> done) = 0;
  virtual void set_data(bool on, Done<void> done) = 0;
  virtual void reboot(Done<void> done) = 0;
  virtual bool switches() const = 0;
  virtual void data_off_at_exit(Duration limit) = 0;
  virtual std::string describe() const = 0;  // HiLinkClient::describe(): the password masked
};

// Opens the API for `settings`, or why not (HILINK_CONFIG, HILINK_SECRET_REFUSED).
using HiLinkOpener = std::function<hilink::Result<std::unique_ptr<HiLinkApi>>(const hilink::ClientSettings& settings)>;
HiLinkOpener make_hilink_opener(boost::asio::io_context& io);
HiLinkOpener make_dry_run_hilink_opener(boost::asio::io_context& io);

}  // namespace fb::core
