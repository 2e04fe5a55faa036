// AWS Signature Version 4, our own implementation (OpenSSL HMAC-SHA256), so
// the tests can check libcurl's CURLOPT_AWS_SIGV4 output independently: the
// request the fake server captured is re-signed here and the signatures must
// match. Known-answer tests use AWS's published suite (get-vanilla, …).
//
// Contract: pure functions of their inputs; no clock is read (the date comes
// from the request's X-Amz-Date). Header names are compared case-insensitively.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fb::ddns::sigv4 {

struct Request {
  std::string method;
  std::string path;   // as sent, already URI-encoded ("/" when empty)
  std::string query;  // as sent, without '?'; canonicalized (sorted) here
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
};

struct Scope {
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::string text() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// Query parameters sorted by name then value, each "name=value" as sent.
std::string canonical_query(std::string_view query);
// The canonical request over `signed_headers` (lower-case names, in any order).
std::string canonical_request(const Request& request, const std::vector<std::string>& signed_headers);
std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request);
// Hex HMAC chain: kDate = HMAC("AWS4"+secret, date), kRegion, kService, kSigning, signature.
std::string signature(std::string_view secret_key, const Scope& scope, std::string_view string_to_sign);
// "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…"
std::string authorization(std::string_view access_key, std::string_view secret_key, const Scope& scope,
                          std::string_view amz_date, const Request& request,
                          const std::vector<std::string>& signed_headers);

// The parts of an Authorization header; empty fields when it does not parse.
struct ParsedAuthorization {
  std::string access_key;
  Scope scope;
  std::vector<std::string> signed_headers;
  std::string signature;
};
ParsedAuthorization parse_authorization(std::string_view header);

}  // namespace fb::ddns::sigv4
