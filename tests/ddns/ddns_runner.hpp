// Test support, and the reference wiring for the daemon: DdnsScheduler (pure
// core) + DdnsClient (libcurl multi) + StateFile + one steady_timer on an
// io_context. The daemon's DdnsService (firmware/ddns_service.hpp) does
// exactly this, plus address events, reloads and ddns-update: feed the core
// its events, carry out its actions, and nothing else decides.
//
//   core action     what the adapter does
//   SendGet         client.get()  -> GetFinished{reply}
//   SendSet{ip}     client.set(ip) -> SetFinished{reply}
//   ArmTimer{t}     steady_timer.expires_at(t) -> TimerFired
//   CancelTimer     steady_timer.cancel()
//   Persist{ip}     StateFile::store(ip) (atomic)
//   Report{status}  keep it for /status, /metrics
//
// Single-threaded: everything runs on the io_context's thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fb/core/ddns_scheduler.hpp"
#include "fb/ddns/client.hpp"
#include "fb/ddns/state_file.hpp"

namespace fb::test {

class DdnsRunner {
 public:
  // `random` feeds the jitter (values in [0, 1)); tests pin it.
  DdnsRunner(boost::asio::io_context& io, fb::ddns::ClientSettings settings, fb::core::DdnsPolicy policy,
             std::string state_path, std::function<double()> random);
  ~DdnsRunner();

  void start(std::optional<IpAddress> local = std::nullopt);
  void address_changed(const IpAddress& address);
  void address_lost();
  void config_reloaded();

  fb::core::DdnsScheduler::State state() const { return scheduler_.state(); }
  const fb::core::DdnsStatus& status() const { return scheduler_.status(); }
  const fb::core::DdnsScheduler& scheduler() const { return scheduler_; }

 private:
  void feed(const fb::core::DdnsEvent& event);
  void perform(const fb::core::DdnsAction& action);

  boost::asio::io_context& io_;
  fb::ddns::DdnsClient client_;
  fb::ddns::StateFile state_file_;
  fb::core::DdnsScheduler scheduler_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fb::test
