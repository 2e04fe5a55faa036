// DdnsClient: performs one DDNS request at a time (get / set) with libcurl's
// multi interface on the daemon's io_context, and hands back a Reply.
//
// Contract:
//  - Threading: the io_context's one thread; never blocks it (curl's sockets
//    and timers are driven by Asio through CURLMOPT_SOCKETFUNCTION and
//    CURLMOPT_TIMERFUNCTION). The callback runs on that thread, after the
//    client is idle again, so it may start the next request.
//  - One request in flight: get()/set() while busy() is a caller bug
//    (std::logic_error). The scheduler core guarantees it never happens.
//  - Errors: every server answer and transport failure becomes a Reply with a
//    stable Outcome; nothing is thrown after construction. The constructor
//    throws SetupError (code DDNS_SECRET_REFUSED / DDNS_CONFIG_ERROR) when a
//    secret file is missing, has group/other permission bits or a bad format,
//    or the URL / zone / CA file is unusable.
//  - Wire policy: HTTPS only (CURLOPT_PROTOCOLS_STR), TLS verified against
//    ca_file or the system store (never switched off), TLS >= 1.2, HTTP/1.1,
//    the family of the record for the Lambda (ClientSettings::family: the
//    server publishes the source address, so an AAAA lane talks IPv6 and an
//    A lane IPv4), either family for Route53 (the address is in the body),
//    redirects not followed, no proxy (a proxy
//    would publish its own address), a fresh connection per request (a
//    cached one may still carry the old source address), connect and total
//    deadlines, the reply bounded to max_reply_bytes (the transfer is
//    aborted past it), User-Agent failberry/<version>, and the socket bound
//    to the publishing uplink's interface (CURLOPT_INTERFACE "if!ppp0": the
//    server publishes the source address it sees, and a missing interface
//    fails instead of leaking out through the default route). lambda-v2's
//    AAAA requests are bound to the address being published as well
//    (CURLOPT_INTERFACE "host!ADDR": the set's address, the get's `source`;
//    the device kept by SO_BINDTODEVICE in CURLOPT_SOCKOPTFUNCTION):
//    an uplink has several IPv6 addresses and the kernel's own choice of
//    source may be a temporary (privacy) one, which the Lambda would then
//    publish; without a source a get stays bound to the interface.
//  - Secrets are read once, at construction, and never logged (hash query
//    values and x-api-key are masked in every log line).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/io_context.hpp>

#include "fb/ddns/reply.hpp"
#include "fb/ddns/secrets.hpp"
#include "fb/net_types.hpp"

namespace fb::ddns {

struct ClientSettings {
  Provider provider = Provider::lambda_v3;
  std::string url;               // lambda-*: the API / Function URL; route53: the endpoint (empty: AWS's)
  std::string hostname;          // the record kept current
  std::string secret_file;       // lambda-*
  std::string api_key_file;      // lambda-v2, optional
  std::string credentials_file;  // route53 (format: secrets.hpp)
  std::string zone_id;           // route53
  int ttl = 60;                  // route53
  // The record this client keeps: A (ipv4) or AAAA (ipv6). Lambda: also the
  // family the requests are sent over. Only route53 and lambda-v2 take ipv6
  // (ipv6_unsupported()); the constructor refuses the others (DDNS_CONFIG_ERROR).
  Family family = Family::ipv4;
  // The publishing uplink's interface name ("ppp0"), or an IPv4 address to
  // bind to (tests on loopback); empty: let routing choose (tests only).
  std::string interface;
  std::string ca_file;  // PEM bundle; empty: the system's store
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{30000};
  std::size_t max_reply_bytes = 64 * 1024;
};

// A client that cannot be set up: a SetupCode and its message.
class SetupError : public std::runtime_error {
 public:
  SetupError(SetupCode code, const std::string& message) : std::runtime_error(message), code_(code_name(code)) {}
  const std::string& code() const { return code_; }  // the code's name: "DDNS_CONFIG_ERROR"

 private:
  std::string code_;
};

class DdnsClient {
 public:
  using Done = std::function<void(const Reply&)>;

  DdnsClient(boost::asio::io_context& io, ClientSettings settings);
  ~DdnsClient();  // aborts a request in flight; its callback is not called
  DdnsClient(const DdnsClient&) = delete;
  DdnsClient& operator=(const DdnsClient&) = delete;

  // Lambda: the source address the API sees. Route53: the record's value.
  // `source`: for lambda-v2's AAAA, the address the request leaves from
  // (the one being published); ignored otherwise.
  void get(Done done, const std::optional<IpAddress>& source = std::nullopt);
  // Lambda: publish `address` (hashed as the source address the API saw).
  // Route53: UPSERT the A (AAAA) record to `address`.
  void set(const IpAddress& address, Done done);
  void cancel();
  bool busy() const;

  const ClientSettings& settings() const;
  // The settings for a log line or /status, secrets replaced by ********.
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fb::ddns
