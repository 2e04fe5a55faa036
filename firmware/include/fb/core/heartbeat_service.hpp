// HeartbeatService: [health] heartbeat = cloudwatch in the running daemon —
// every heartbeat_interval, and at once when an uplink goes up or down (an
// EventBus subscription), one CloudWatch PutMetricData request with a data
// point per uplink whose state is known (UplinkUp 1 up or degraded, 0 down or
// drained; dimension Uplink), through CloudWatchClient (libcurl multi, SigV4).
// It lets a Route53 health check on a CloudWatch alarm follow an uplink the
// health check cannot reach (carrier-grade NAT, README "Carrier-grade NAT").
//
// Contract: single-threaded on the daemon's io_context; never blocks it. One
// request at a time: a round due while one is out is counted as skipped and
// sent when it returns. Every failure is a HEARTBEAT_* code in /status and
// one log line when the code changes (never a crash, never the secret key).
// A client that cannot be built (credentials refused, bad endpoint) leaves
// the service in setup_failed with the SetupError's code. Under dry-run the
// client is built (bad settings are reported) but nothing is sent ("dry_run").
// Reload: the daemon builds a new service when HeartbeatConfig changed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12
#include <vector>

#include <boost/asio/io_context.hpp>

#include "fb/config/config.hpp"
#include "fb/core/event_bus.hpp"
#include "fb/ddns/cloudwatch_client.hpp"
#include "fb/health/handler.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

class HeartbeatService {
 public:
  // What each uplink is now (the daemon's health states, unknown ones left out).
  using Uplinks = std::function<std::vector<ddns::UplinkBeat>()>;

  HeartbeatService(boost::asio::io_context& io, TimerService& timers, EventBus& bus, const HeartbeatConfig& config,
                   bool dry_run, Uplinks uplinks);
  ~HeartbeatService();
  HeartbeatService(const HeartbeatService&) = delete;
  HeartbeatService& operator=(const HeartbeatService&) = delete;

  health::HeartbeatReport report() const;

 private:
  void round();
  void send();
  void finished(const ddns::HeartbeatResult& result);
  void arm();

  boost::asio::io_context& io_;
  TimerService& timers_;
  EventBus& bus_;
  HeartbeatConfig config_;
  bool dry_run_;
  Uplinks uplinks_;
  Logger log_{"heartbeat"};
  std::unique_ptr<ddns::CloudWatchClient> client_;
  OneShot timer_{timers_};
  EventBus::SubscriberId subscription_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool pending_ = false;  // a round came due while a request was out
  health::HeartbeatReport report_;
};

}  // namespace fb::core
