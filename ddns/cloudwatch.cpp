#include "fb/ddns/cloudwatch.hpp"

#include "fb/ddns/route53.hpp"
#include "fb/text.hpp"

namespace fb::ddns {

std::string cloudwatch_endpoint(std::string_view region) {
  return "https://monitoring." + std::string(region) + ".amazonaws.com";
}

std::string cloudwatch_sigv4(std::string_view region) {
  return "aws:amz:" + std::string(region) + ":monitoring";
}

HttpRequest put_metric_data(const CloudWatchTarget& target, const std::vector<UplinkBeat>& beats) {
  std::string endpoint = target.endpoint.empty() ? cloudwatch_endpoint(target.region) : target.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  std::string body = "Action=PutMetricData&Version=2010-08-01&Namespace=" + url_encode(target.metric_namespace);
  for (std::size_t i = 0; i < beats.size(); ++i) {
    std::string m = "&MetricData.member." + std::to_string(i + 1) + ".";
    body += m + "MetricName=" + std::string(kHeartbeatMetric);
    body += m + "Value=" + (beats[i].up ? "1" : "0");
    body += m + "Unit=Count";
    body += m + "Dimensions.member.1.Name=" + std::string(kHeartbeatDimension);
    body += m + "Dimensions.member.1.Value=" + url_encode(beats[i].uplink);
  }
  return {
      "POST", endpoint + "/", {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, std::move(body)};
}

std::string_view code_name(HeartbeatCode code) {
  switch (code) {
    case HeartbeatCode::ok: return "HEARTBEAT_OK";
    case HeartbeatCode::auth_failed: return "HEARTBEAT_AUTH_FAILED";
    case HeartbeatCode::clock_skew: return "HEARTBEAT_CLOCK_SKEW";
    case HeartbeatCode::throttled: return "HEARTBEAT_THROTTLED";
    case HeartbeatCode::rejected: return "HEARTBEAT_REJECTED";
    case HeartbeatCode::server_error: return "HEARTBEAT_SERVER_ERROR";
    case HeartbeatCode::bad_reply: return "HEARTBEAT_BAD_REPLY";
    case HeartbeatCode::timeout: return "HEARTBEAT_TIMEOUT";
    case HeartbeatCode::tls_failed: return "HEARTBEAT_TLS_FAILED";
    case HeartbeatCode::network_error: return "HEARTBEAT_NETWORK_ERROR";
    case HeartbeatCode::config_error: return "HEARTBEAT_CONFIG_ERROR";
  }
  return "HEARTBEAT_BAD_REPLY";
}

HeartbeatResult parse_cloudwatch_reply(const HttpReply& reply) {
  HeartbeatResult r;
  r.http_status = reply.status;
  std::string status = "HTTP " + std::to_string(reply.status);
  if (reply.status == 200) {
    if (reply.body.find("PutMetricDataResponse") == std::string::npos) {
      r.detail = status + " without a PutMetricDataResponse (" + std::to_string(reply.body.size()) + " bytes)";
      return r;
    }
    r.code = HeartbeatCode::ok;
    r.detail = "accepted";
    return r;
  }
  std::string code = clean_text(xml_element_text(reply.body, "Code").value_or(""));
  std::string message = clean_text(xml_element_text(reply.body, "Message").value_or(""));
  r.detail = status + (code.empty() ? "" : " " + code) + (message.empty() ? "" : ": " + message);
  if (reply.status >= 500) {
    r.code = HeartbeatCode::server_error;
  } else if (code == "Throttling" || reply.status == 429) {
    r.code = HeartbeatCode::throttled;
  } else if (message.find("Signature expired") != std::string::npos || code == "RequestExpired") {
    r.code = HeartbeatCode::clock_skew;
  } else if (reply.status == 403 || reply.status == 401 || code == "InvalidClientTokenId" ||
             code == "SignatureDoesNotMatch" || code == "IncompleteSignature" || code == "AccessDenied" ||
             code == "AccessDeniedException" || code == "UnrecognizedClientException") {
    r.code = HeartbeatCode::auth_failed;
  } else if (reply.status == 400) {
    r.code = HeartbeatCode::rejected;
  } else if (reply.status >= 300 && reply.status < 400) {
    r.detail = status + ": a redirect, not followed";
  }
  return r;
}

}  // namespace fb::ddns
