// CloudWatchClient: sends the push heartbeat (cloudwatch.hpp's PutMetricData)
// with libcurl's multi interface on the daemon's io_context, signed by
// libcurl's SigV4 with the AWS credentials file, as DdnsClient does for
// Route53.
//
// Contract:
//  - Threading: the io_context's one thread; never blocks it. The callback
//    runs on that thread after the client is idle again.
//  - One request in flight: put() while busy() is a caller bug
//    (std::logic_error); the service skips a round instead.
//  - Errors: every answer and transport failure becomes a HeartbeatResult
//    with a stable code; nothing is thrown after construction. The
//    constructor throws SetupError (DDNS_SECRET_REFUSED / DDNS_CONFIG_ERROR,
//    the names of secrets.hpp's SetupCode) for a credentials file that is
//    missing, too open or malformed, a non-https endpoint, an unreadable CA file.
//  - Wire policy: HTTPS only, TLS >= 1.2 verified (ca_file or the system
//    store), IPv4 or IPv6 as routing chooses (the heartbeat leaves by the
//    active uplink), redirects not followed, fb::set_request_options().
//  - The secret key is read once and never logged; describe() masks it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12
#include <vector>

#include <boost/asio/io_context.hpp>

#include "fb/ddns/client.hpp"
#include "fb/ddns/cloudwatch.hpp"

namespace fb::ddns {

struct CloudWatchSettings {
  CloudWatchTarget target;
  std::string credentials_file;  // format: secrets.hpp
  std::string ca_file;           // PEM bundle; empty: the system's store
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{20000};
  std::size_t max_reply_bytes = 16 * 1024;
};

class CloudWatchClient {
 public:
  using Done = std::function<void(const HeartbeatResult&)>;

  CloudWatchClient(boost::asio::io_context& io, CloudWatchSettings settings);
  ~CloudWatchClient();  // aborts a request in flight; its callback is not called
  CloudWatchClient(const CloudWatchClient&) = delete;
  CloudWatchClient& operator=(const CloudWatchClient&) = delete;

  void put(const std::vector<UplinkBeat>& beats, Done done);
  bool busy() const;
  // Endpoint, region, namespace, access key id; the secret key as ********.
  std::string describe() const;
  std::string endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fb::ddns
