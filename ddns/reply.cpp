#include "fb/ddns/reply.hpp"

#include <sys/socket.h>

namespace fb::ddns {

std::string_view to_string(Provider p) {
  switch (p) {
    case Provider::lambda_v1: return "lambda-v1";
    case Provider::lambda_v2: return "lambda-v2";
    case Provider::lambda_v3: return "lambda-v3";
    case Provider::route53: return "route53";
  }
  return "?";
}

std::string_view to_string(Family f) {
  return f == Family::ipv6 ? "ipv6" : "ipv4";
}

int address_family(Family f) {
  return f == Family::ipv6 ? AF_INET6 : AF_INET;
}

std::string_view record_type(Family f) {
  return f == Family::ipv6 ? "AAAA" : "A";
}

std::string_view family_name(Family f) {
  return f == Family::ipv6 ? "IPv6" : "IPv4";
}

Family family_of(const IpAddress& address) {
  return address.family == AF_INET6 ? Family::ipv6 : Family::ipv4;
}

std::string_view ipv6_unsupported(Provider provider) {
  switch (provider) {
    case Provider::lambda_v1:
      return "the lambda-v1 API keeps one record type per hostname (route_53_record_type in its S3 config) "
             "and its reference client reads IPv4 only; use lambda-v2 or route53 for AAAA";
    case Provider::lambda_v3:
      return "the lambda-v3 Function writes A records only (AAAA support was proposed upstream, PRs #59/#60, "
             "not merged); use lambda-v2 or route53 for AAAA";
    case Provider::lambda_v2:
    case Provider::route53: return "";
  }
  return "unknown provider";
}

std::string_view to_string(RequestKind k) {
  return k == RequestKind::get ? "get" : "set";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::observed: return "observed";
    case Outcome::published: return "published";
    case Outcome::unchanged: return "unchanged";
    case Outcome::auth_failed: return "auth_failed";
    case Outcome::locked: return "locked";
    case Outcome::throttled: return "throttled";
    case Outcome::server_error: return "server_error";
    case Outcome::config_error: return "config_error";
    case Outcome::bad_request: return "bad_request";
    case Outcome::bad_reply: return "bad_reply";
    case Outcome::clock_skew: return "clock_skew";
    case Outcome::timeout: return "timeout";
    case Outcome::tls_failed: return "tls_failed";
    case Outcome::network_error: return "network_error";
  }
  return "?";
}

std::string_view error_code(Outcome o) {
  switch (o) {
    case Outcome::observed:
    case Outcome::published:
    case Outcome::unchanged: return "";
    case Outcome::auth_failed: return "DDNS_AUTH_FAILED";
    case Outcome::locked: return "DDNS_LOCKED";
    case Outcome::throttled: return "DDNS_THROTTLED";
    case Outcome::server_error: return "DDNS_SERVER_ERROR";
    case Outcome::config_error: return "DDNS_CONFIG_ERROR";
    case Outcome::bad_request: return "DDNS_BAD_REQUEST";
    case Outcome::bad_reply: return "DDNS_BAD_REPLY";
    case Outcome::clock_skew: return "DDNS_CLOCK_SKEW";
    case Outcome::timeout: return "DDNS_TIMEOUT";
    case Outcome::tls_failed: return "DDNS_TLS_FAILED";
    case Outcome::network_error: return "DDNS_NETWORK_ERROR";
  }
  return "DDNS_UNKNOWN";
}

Reply make_reply(Outcome outcome, std::string detail, long http_status) {
  Reply r;
  r.outcome = outcome;
  r.detail = std::move(detail);
  r.http_status = http_status;
  return r;
}

bool is_success(Outcome o) {
  return o == Outcome::observed || o == Outcome::published || o == Outcome::unchanged;
}

std::string describe(const HttpRequest& request) {
  std::string url = request.url;
  // Query values that could help brute-force the secret offline stay out of logs.
  auto q = url.find('?');
  if (q != std::string::npos) {
    std::string out = url.substr(0, q + 1);
    std::string_view rest = std::string_view(url).substr(q + 1);
    bool first = true;
    while (!rest.empty()) {
      auto amp = rest.find('&');
      std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (!first) out += '&';
      first = false;
      auto eq = pair.find('=');
      std::string_view name = pair.substr(0, eq);
      if (name == "hash" && eq != std::string_view::npos)
        out.append(name).append("=<masked>");
      else
        out.append(pair);
    }
    url = out;
  }
  std::string line = request.method + " " + url;
  if (!request.headers.empty()) {
    line += " headers:";
    for (const auto& [name, value] : request.headers) line += " " + name;
  }
  if (!request.body.empty()) line += " body:" + std::to_string(request.body.size()) + "B";
  return line;
}

}  // namespace fb::ddns
