// The push heartbeat's wire: CloudWatch PutMetricData in the Query API form
// (a form-encoded POST to https://monitoring.<region>.amazonaws.com/), as a
// pure request builder and a reply classifier. Signing is libcurl's
// CURLOPT_AWS_SIGV4 ("aws:amz:<region>:monitoring"), as for Route53; the
// credentials file is the one format of secrets.hpp.
//
// One request carries one data point per uplink: metric UplinkUp, value 1
// (up) or 0 (down), unit Count, dimension Uplink = the uplink's name, so a
// CloudWatch alarm per uplink can feed a Route53 health check where the
// health check itself cannot reach the Pi (carrier-grade NAT).
//
// Contract: no I/O, never throws on server input; every answer maps to one
// HeartbeatCode with a stable HEARTBEAT_* name; server text goes through
// fb::clean_text() before it reaches a detail.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fb/ddns/reply.hpp"

namespace fb::ddns {

inline constexpr std::string_view kHeartbeatMetric = "UplinkUp";
inline constexpr std::string_view kHeartbeatDimension = "Uplink";

struct CloudWatchTarget {
  std::string endpoint;  // https://…; empty: cloudwatch_endpoint(region)
  std::string region;
  std::string metric_namespace = "failberry";
};

struct UplinkBeat {
  std::string uplink;
  bool up = false;
};

std::string cloudwatch_endpoint(std::string_view region);  // "https://monitoring.<region>.amazonaws.com"
std::string cloudwatch_sigv4(std::string_view region);     // "aws:amz:<region>:monitoring"

// POST <endpoint>/ with Action=PutMetricData&Version=2010-08-01&Namespace=…&
// MetricData.member.N.{MetricName,Value,Unit,Dimensions.member.1.{Name,Value}}.
HttpRequest put_metric_data(const CloudWatchTarget& target, const std::vector<UplinkBeat>& beats);

enum class HeartbeatCode : std::uint8_t {
  ok,
  auth_failed,    // 403 InvalidClientTokenId / SignatureDoesNotMatch / AccessDenied…
  clock_skew,     // the signature's time is too far from the server's
  throttled,      // Throttling
  rejected,       // 400: the request itself (InvalidParameterValue, MissingParameter…)
  server_error,   // 5xx
  bad_reply,      // not the documented answer
  timeout,        // connect or total deadline
  tls_failed,     // handshake or verification
  network_error,  // could not connect, send or receive
  config_error    // the endpoint URL cannot be used
};
std::string_view code_name(HeartbeatCode code);  // "HEARTBEAT_OK", "HEARTBEAT_AUTH_FAILED", …

struct HeartbeatResult {
  HeartbeatCode code = HeartbeatCode::bad_reply;
  std::string detail;
  long http_status = 0;
};

HeartbeatResult parse_cloudwatch_reply(const HttpReply& reply);

}  // namespace fb::ddns
