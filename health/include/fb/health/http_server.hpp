// The HTTP endpoint on the daemon's io_context (Boost.Beast).
//
// Contract: owns its listening sockets and sessions, nothing else decides —
// every answer is fb::health::handle()'s. /health and /health/UPLINK answer
// from whole HTTP messages prepared from the HealthSource (each uplink's
// state and drain, nothing else): a check costs no snapshot, no formatting
// and no file system access, only a parse and a write. /status and /metrics
// answer from a snapshot built only when the answer needs one (a 403/404/405
// costs none). Both are rebuilt at most every `snapshot_max_age`, so a flood
// costs one build per interval; invalidate() drops both when the owner knows
// the state changed (a tracker report, a drain, a pin, a reload), so such a
// change shows at once. GET and
// HEAD only, no request bodies, headers bounded (431), one deadline for
// reading a request (slow clients are cut off), keep-alive for HTTP/1.1.
// At the connection cap the connection that has waited longest in its current
// read is closed first, so a fresh health check is always taken. start()
// throws std::system_error naming the address when a listen socket cannot be
// bound (an IPv6 address on a kernel without IPv6 is skipped with a warning
// while another address remains); everything after that is logged, never thrown.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fb/health/handler.hpp"
#include "fb/log.hpp"
#include "fb/net_types.hpp"

namespace fb::health {

class Session;

struct ServerSettings {
  std::vector<IpAddress> listen;
  unsigned short port = 9000;
  std::chrono::milliseconds request_timeout{2000};
  std::size_t max_connections = 256;
  std::size_t max_header_bytes = 8192;
  // How long one snapshot answers requests; 0 builds one per request.
  std::chrono::milliseconds snapshot_max_age{250};
  HandlerPolicy policy;
};

class HttpServer {
 public:
  using SnapshotSource = std::function<Snapshot()>;
  // What /health needs: each uplink's name, state and drain (the other
  // fields of UplinkStatus are not read). Cheap: called at most once per
  // snapshot_max_age and after invalidate(). Empty: the snapshot's uplinks.
  using HealthSource = std::function<std::vector<UplinkStatus>()>;
  // Which uplink a connection to `local` arrived on; empty when unknown.
  using UplinkResolver = std::function<std::string(const IpAddress& local)>;

  HttpServer(boost::asio::io_context& io, ServerSettings settings, SnapshotSource snapshot, UplinkResolver resolver,
             HealthSource health = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();
  // The bound endpoints as "address:port" (port resolved when 0 was asked).
  std::vector<std::string> endpoints() const;
  const HttpCounters& counters() const;
  // The next request that needs a snapshot, or a /health answer, builds a new
  // one. On the io_context's thread only.
  void invalidate();

 private:
  friend class Session;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fb::health
