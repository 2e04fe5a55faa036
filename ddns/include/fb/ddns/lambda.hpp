// The AWS Lambda reference dynamic-DNS protocol (awslabs/route53-dynamic-dns-
// with-lambda), all three generations, as pure functions: the validation
// hash, the requests, and the reply → Outcome classification.
//
// Contract: no I/O, no clocks, never throws on server input. Facts (see
// shared/reference/PROTOCOLS.md §1):
//  - hash = lowercase hex sha256(sourceIP + hostname + secret), no separators,
//    where sourceIP is the address the *server* sees (learned with "get");
//  - v1/v2 key the record by the hostname with a trailing dot (the v2 Lambda
//    adds it; v1's S3 config is keyed with it), v3 without;
//  - v1/v2: GET ?mode=get | ?mode=set&hostname=&hash=, always HTTP 200 with
//    {"return_status","return_message"}; v2 may need an x-api-key header
//    (API Gateway; a missing/wrong key is 403 {"message":"Forbidden"});
//  - v3: POST JSON {"execution_mode":...} to a Function URL, real status
//    codes 200/201/400/401/403/500/502.
#pragma once

#include <string>
#include <string_view>

#include "fb/ddns/reply.hpp"

namespace fb::ddns {

struct LambdaEndpoint {
  Provider generation = Provider::lambda_v3;  // lambda_v1 | lambda_v2 | lambda_v3
  std::string url;                            // the API/Function URL as configured
  std::string hostname;                       // as configured (with or without trailing dot)
};

// The hostname as the generation keys and hashes it: v1/v2 with exactly one
// trailing dot, v3 without.
std::string wire_hostname(Provider generation, std::string_view hostname);

// sha256(ip + wire_hostname + secret), lowercase hex.
std::string validation_hash(Provider generation, std::string_view source_ip, std::string_view hostname,
                            std::string_view secret);

HttpRequest lambda_get(const LambdaEndpoint& endpoint, std::string_view api_key = {});
HttpRequest lambda_set(const LambdaEndpoint& endpoint, std::string_view source_ip, std::string_view secret,
                       std::string_view api_key = {});

// Classifies an HTTP answer. For a get, a success carries the address the
// server saw; it must be of `family` (the request went out over that
// family, so another one means a proxy or a misrouted request).
Reply parse_lambda_reply(Provider generation, RequestKind kind, const HttpReply& reply, Family family = Family::ipv4);

}  // namespace fb::ddns
