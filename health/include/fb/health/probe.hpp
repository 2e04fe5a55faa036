// Reachability probes through one uplink: ICMP echo, HTTP and DNS.
//
// Contract (the failover wiring in firmware/ relies on exactly this):
//  - A Prober lives on the daemon's io_context and never blocks it.
//  - start() sends one probe out of `interface` (SO_BINDTODEVICE /
//    CURLOPT_INTERFACE), so it tests that uplink even when the default route
//    points elsewhere; `done` runs later on the io_context, never inside
//    start(), exactly once unless the probe is cancelled or the Prober is
//    destroyed first (then never).
//  - ICMP: one echo request to `target`, ok when the matching reply arrives.
//    HTTP: GET http://target/ (port 80 unless `port` is set), ok on any HTTP
//    response. DNS: one query to target:53 (or `port`), ok on any well-formed
//    reply with the matching id (even NXDOMAIN: the resolver answered).
//  - Every failure is a result, never an exception: `error` holds a stable
//    code (PROBE_TIMEOUT, PROBE_UNREACHABLE, PROBE_BIND_FAILED,
//    PROBE_BAD_REPLY, PROBE_FAILED) followed by ": " and a short text.
//  - bytes_sent/bytes_received count what the probe put on and took off the
//    wire at the IP layer (headers included), because the cellular uplink is
//    metered and its cost is reported.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fb/health/uplink_health.hpp"
#include "fb/net_types.hpp"

namespace fb::health {

struct ProbeRequest {
  ProbeKind kind = ProbeKind::icmp;
  std::string interface;  // required: the uplink's interface
  IpAddress target;
  std::chrono::milliseconds timeout{1000};
  unsigned short port = 0;  // 0: the kind's default (80 for http, 53 for dns)
};

struct ProbeResult {
  bool ok = false;
  std::chrono::microseconds rtt{0};  // when ok
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::string error;  // when !ok: "CODE: text"
};

class Prober {
 public:
  using ProbeId = std::uint64_t;
  using Done = std::function<void(const ProbeResult&)>;

  explicit Prober(boost::asio::io_context& io);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  ProbeId start(const ProbeRequest& request, Done done);
  void cancel(ProbeId id);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fb::health
