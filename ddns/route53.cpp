#include "fb/ddns/route53.hpp"

#include <algorithm>
#include <cctype>

#include "fb/text.hpp"

namespace fb::ddns {
namespace {

// Lower case, one trailing dot: how Route53 names compare.
std::string fqdn(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out;
  for (char c : name) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out + ".";
}

// [begin, end) of the first element's content, or npos.
std::pair<std::size_t, std::size_t> element_span(std::string_view xml, std::string_view name) {
  std::string open = "<" + std::string(name);
  std::string close = "</" + std::string(name) + ">";
  for (std::size_t pos = xml.find(open); pos != std::string_view::npos; pos = xml.find(open, pos + 1)) {
    std::size_t after = pos + open.size();
    if (after >= xml.size()) break;
    char c = xml[after];
    if (c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\r' && c != '\n')
      continue;  // <NameX> is another element
    std::size_t gt = xml.find('>', after);
    if (gt == std::string_view::npos) break;
    if (xml[gt - 1] == '/') return {gt + 1, gt + 1};  // <Name/>
    std::size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) break;
    return {gt + 1, end};
  }
  return {std::string_view::npos, std::string_view::npos};
}

std::string decode_entities(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool done = false;
    for (auto [entity, c] : kEntities)
      if (text.substr(i, entity.size()) == entity) {
        out += c;
        i += entity.size() - 1;
        done = true;
        break;
      }
    if (!done) out += '&';
  }
  return out;
}

Outcome classify_error(std::string_view code, std::string_view message, long status) {
  auto is = [&](std::initializer_list<std::string_view> codes) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
  };
  // A Pi has no RTC: before NTP its clock may be years off and AWS refuses
  // the signature as expired. Retry; it heals when the clock does.
  if (is({"RequestExpired", "RequestTimeTooSkewed"}) || message.find("Signature expired") != std::string_view::npos)
    return Outcome::clock_skew;
  if (is({"Throttling", "ThrottlingException", "PriorRequestNotComplete", "TooManyRequestsException"}))
    return Outcome::throttled;
  if (is({"SignatureDoesNotMatch", "InvalidClientTokenId", "IncompleteSignature", "AccessDenied",
          "AccessDeniedException", "MissingAuthenticationToken", "UnrecognizedClientException",
          "InvalidSignatureException", "ExpiredToken", "OptInRequired"}))
    return Outcome::auth_failed;
  if (is({"NoSuchHostedZone", "InvalidChangeBatch", "InvalidInput", "InvalidDomainName", "HostedZoneNotFound",
          "InvalidArgument"}))
    return Outcome::config_error;
  if (is({"ServiceUnavailable", "InternalFailure", "InternalError"}) || status >= 500) return Outcome::server_error;
  return Outcome::bad_request;
}

std::string zone_path(const Route53Target& t) {
  auto zone = normalize_zone_id(t.zone_id);
  std::string base = t.endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  // An invalid zone id never reaches the URL; the request then fails with
  // NoSuchHostedZone-like config_error from the server (config validation
  // should have caught it first).
  return base + "/2013-04-01/hostedzone/" + (zone ? *zone : std::string("INVALID")) + "/rrset";
}

}  // namespace

std::optional<std::string> xml_element_text(std::string_view xml, std::string_view name) {
  auto [begin, end] = element_span(xml, name);
  if (begin == std::string_view::npos) return std::nullopt;
  return decode_entities(xml.substr(begin, end - begin));
}

std::optional<std::string> normalize_zone_id(std::string_view zone_id) {
  constexpr std::string_view kPrefix = "/hostedzone/";
  if (zone_id.substr(0, kPrefix.size()) == kPrefix) zone_id.remove_prefix(kPrefix.size());
  if (zone_id.empty() || zone_id.size() > 32) return std::nullopt;
  for (char c : zone_id)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return std::nullopt;
  return std::string(zone_id);
}

std::string route53_change_batch(const Route53Target& t, const IpAddress& address) {
  std::string_view type = record_type(family_of(address));
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
         "<ChangeBatch><Comment>failberry</Comment><Changes><Change><Action>UPSERT</Action>"
         "<ResourceRecordSet><Name>" +
         escape_xml(fqdn(t.hostname)) + "</Name><Type>" + std::string(type) + "</Type><TTL>" + std::to_string(t.ttl) +
         "</TTL><ResourceRecords><ResourceRecord><Value>" + escape_xml(address.text()) +
         "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>"
         "</ChangeResourceRecordSetsRequest>";
}

HttpRequest route53_get(const Route53Target& t, Family family) {
  HttpRequest r;
  r.method = "GET";
  r.url =
      zone_path(t) + "?maxitems=1&name=" + url_encode(fqdn(t.hostname)) + "&type=" + std::string(record_type(family));
  return r;
}

HttpRequest route53_set(const Route53Target& t, const IpAddress& address) {
  HttpRequest r;
  r.method = "POST";
  r.url = zone_path(t) + "/";
  r.headers = {{"Content-Type", "application/xml"}};
  r.body = route53_change_batch(t, address);
  return r;
}

Reply parse_route53_reply(RequestKind kind, std::string_view hostname, const HttpReply& reply, Family family) {
  std::string_view body = reply.body;
  long s = reply.status;
  std::string prefix = "HTTP " + std::to_string(s) + ": ";
  if (s >= 300 && s < 400) return make_reply(Outcome::bad_reply, prefix + "redirect not followed", s);
  if (s != 200) {
    auto code = xml_element_text(body, "Code");
    if (!code) {
      if (s == 429) return make_reply(Outcome::throttled, prefix + "too many requests", s);
      if (s >= 500) return make_reply(Outcome::server_error, prefix + clean_text(body), s);
      return make_reply(Outcome::bad_reply, prefix + "no ErrorResponse/Error/Code in the reply", s);
    }
    std::string message = xml_element_text(body, "Message").value_or("");
    return make_reply(classify_error(*code, message, s), prefix + clean_text(*code + ": " + message), s);
  }
  if (kind == RequestKind::set) {
    if (body.find("<ChangeResourceRecordSetsResponse") == std::string_view::npos)
      return make_reply(Outcome::bad_reply, "200 without ChangeResourceRecordSetsResponse", s);
    auto status = xml_element_text(body, "Status");
    if (status != "PENDING" && status != "INSYNC")
      return make_reply(Outcome::bad_reply, "ChangeInfo/Status is '" + clean_text(status.value_or("")) + "'", s);
    return make_reply(Outcome::published,
                      "change " + clean_text(xml_element_text(body, "Id").value_or("?")) + " " + *status, s);
  }
  if (body.find("<ListResourceRecordSetsResponse") == std::string_view::npos)
    return make_reply(Outcome::bad_reply, "200 without ListResourceRecordSetsResponse", s);
  // The list starts *at* the name, so the first set may be another name.
  auto [begin, end] = element_span(body, "ResourceRecordSet");
  if (begin == std::string_view::npos) return make_reply(Outcome::observed, "no record yet", s);
  std::string_view set = body.substr(begin, end - begin);
  auto name = xml_element_text(set, "Name");
  auto type = xml_element_text(set, "Type");
  const std::string wanted(record_type(family));
  if (!name || fqdn(*name) != fqdn(hostname) || type != wanted)
    return make_reply(Outcome::observed, "no " + wanted + " record yet", s);
  auto value = xml_element_text(set, "Value");
  auto ip = value ? IpAddress::parse(*value) : std::nullopt;
  if (!ip || ip->family != address_family(family))
    return make_reply(
        Outcome::bad_reply,
        wanted + " record value '" + clean_text(value.value_or("")) + "' is not " + std::string(family_name(family)),
        s);
  Reply r = make_reply(Outcome::observed, "record holds " + ip->text(), s);
  r.address = ip;
  return r;
}

}  // namespace fb::ddns
