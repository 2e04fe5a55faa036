// What a DDNS request turns into: the vocabulary shared by the pure protocol
// code (lambda.hpp, route53.hpp), the libcurl client (client.hpp) and the
// scheduling core (fb/core/ddns_scheduler.hpp).
//
// Contract: plain values, no I/O. Every server answer and every transport
// failure maps to exactly one Outcome; error_code() gives the stable
// machine-readable code shown in /status and the log ("" for success), so a
// bad API reply is always a clear outcome, never a crash or an exception.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fb/net_types.hpp"

namespace fb::ddns {

// [ddns] provider (without "none": no provider means no client).
enum class Provider { lambda_v1, lambda_v2, lambda_v3, route53 };
std::string_view to_string(Provider p);

// [ddns] families: the address families whose record is kept current (A for
// IPv4, AAAA for IPv6), each on its own.
enum class Family { ipv4, ipv6 };
std::string_view to_string(Family f);        // "ipv4" | "ipv6"
int address_family(Family f);                // AF_INET | AF_INET6
std::string_view record_type(Family f);      // "A" | "AAAA"
std::string_view family_name(Family f);      // "IPv4" | "IPv6", for messages
Family family_of(const IpAddress& address);  // the family of an address (AF_INET6: ipv6, else ipv4)
// Why `provider` cannot keep an AAAA record, or "" when it can (route53,
// lambda-v2: its client sends the request over IPv6 and the Lambda picks the
// record type from the source address; lambda-v1 and lambda-v3 write A only).
std::string_view ipv6_unsupported(Provider provider);

// "get": learn an address (Lambda: the source address the API sees; Route53:
// the value the record holds). "set": publish an address.
enum class RequestKind { get, set };
std::string_view to_string(RequestKind k);

enum class Outcome {
  observed,      // get answered; Reply::address holds the address (Route53: empty = no such record)
  published,     // set changed the record
  unchanged,     // set found the record already holding the address
  auth_failed,   // 401 / "Validation hashes do not match." / bad API key / SigV4 refused
  locked,        // v2: record locked, internal IPs disallowed, no read privilege
  throttled,     // 429 / "Rate exceeded" / Route53 Throttling
  server_error,  // 5xx, Lambda crash, unclassified "fail"
  config_error,  // the server has no usable config for the host (403 "issue finding or reading", no such zone)
  bad_request,   // the server says our request is malformed (400 "You must pass ...")
  bad_reply,     // malformed/unexpected/oversized answer, redirect
  clock_skew,    // SigV4 refused because our clock is off (a Pi without RTC before NTP)
  timeout,       // connect or total deadline passed
  tls_failed,    // handshake or certificate verification failed
  network_error  // could not bind the uplink, connect, send or receive
};
std::string_view to_string(Outcome o);
// Stable code: "" for observed/published/unchanged, else "DDNS_...".
std::string_view error_code(Outcome o);
bool is_success(Outcome o);

// A request as the wire will carry it; built by the pure protocol code and
// performed by the client. Secrets may be inside (hash, x-api-key): print it
// only through describe().
struct HttpRequest {
  std::string method;  // "GET" | "POST"
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
// One line for logs: method, URL without its query values for hash/secret
// parameters, header names only.
std::string describe(const HttpRequest& request);

// What came back over HTTP (the transport succeeded).
struct HttpReply {
  long status = 0;
  std::string body;
};

struct Reply {
  Outcome outcome = Outcome::bad_reply;
  std::optional<IpAddress> address;  // observed: the address; published/unchanged: the address set
  std::string detail;                // human text for the log and /status (never a secret)
  long http_status = 0;              // 0 when no HTTP answer arrived
};

// A reply without an address, as the reply parsers begin one (server text
// in `detail` goes through fb::clean_text() first).
Reply make_reply(Outcome outcome, std::string detail, long http_status);

}  // namespace fb::ddns
