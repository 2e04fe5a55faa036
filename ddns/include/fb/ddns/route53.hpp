// Route53 directly (no Lambda): ChangeResourceRecordSets UPSERT of one A or
// AAAA record to publish, ListResourceRecordSets to read it back, as pure request
// builders and XML reply classifiers. Signing is libcurl's (CURLOPT_AWS_SIGV4
// "aws:amz:us-east-1:route53"; Route53 is a global service signed in
// us-east-1); sigv4.hpp holds our own implementation for the tests.
//
// Contract: no I/O, never throws on server input. The published address is
// the uplink's own address (Route53 has no "what is my IP"), so this provider
// suits uplinks with a public address; behind carrier NAT use the Lambda API.
// The XML reading is a bounded element-text lookup, enough for the two
// replies and ErrorResponse; anything else is Outcome::bad_reply.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fb/ddns/reply.hpp"

namespace fb::ddns {

inline constexpr std::string_view kRoute53Endpoint = "https://route53.amazonaws.com";
inline constexpr std::string_view kRoute53SigV4 = "aws:amz:us-east-1:route53";

struct Route53Target {
  std::string endpoint = std::string(kRoute53Endpoint);  // tests point it at the fake server
  std::string zone_id;                                   // "Z0123…" or "/hostedzone/Z0123…"
  std::string hostname;                                  // with or without trailing dot
  int ttl = 60;
};

// "Z0123ABC" from either form; nothing when it is not [A-Z0-9]{1,32} (it
// goes into the URL path, so nothing else may pass).
std::optional<std::string> normalize_zone_id(std::string_view zone_id);

// GET …/2013-04-01/hostedzone/Z/rrset?maxitems=1&name=host.&type=A (query
// already in SigV4 canonical order, which libcurl 7.88 signs as given).
// `family`: the record's type, A (ipv4) or AAAA (ipv6).
HttpRequest route53_get(const Route53Target& target, Family family = Family::ipv4);
// POST …/2013-04-01/hostedzone/Z/rrset/ with the UPSERT ChangeBatch of an
// A record for an IPv4 address, AAAA for an IPv6 one.
HttpRequest route53_set(const Route53Target& target, const IpAddress& address);
// The ChangeBatch XML alone (the body of route53_set).
std::string route53_change_batch(const Route53Target& target, const IpAddress& address);

// Classifies an answer: ChangeInfo/Status PENDING|INSYNC → published; the
// list reply → observed (address of the `family`'s record — A or AAAA — named
// hostname, or none); ErrorResponse/Error/Code → throttled, auth_failed,
// config_error, ….
Reply parse_route53_reply(RequestKind kind, std::string_view hostname, const HttpReply& reply,
                          Family family = Family::ipv4);

// The text of the first <name>…</name> in xml (entities &amp; &lt; &gt;
// &quot; &apos; decoded), or nothing. Exposed for the tests.
std::optional<std::string> xml_element_text(std::string_view xml, std::string_view name);

}  // namespace fb::ddns
