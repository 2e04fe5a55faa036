// Route53 directly: the UPSERT and list requests, the XML reply paths, and our
// own SigV4 against AWS's published test suite (aws-c-auth
// tests/aws-signing-test-suite/v4: get-vanilla, get-vanilla-query-order-key-case,
// post-vanilla). That implementation is what the adapter test uses to check
// libcurl's CURLOPT_AWS_SIGV4 signature independently.
#include <doctest/doctest.h>

#include "fb/ddns/crypto.hpp"
#include "fb/ddns/route53.hpp"
#include "fb/ddns/sigv4.hpp"
#include "reply_check.hpp"

using namespace fb::ddns;

TEST_CASE("zone ids: both forms accepted, nothing else reaches the URL") {
  CHECK(normalize_zone_id("Z0123456789ABCDEFGHIJ") == "Z0123456789ABCDEFGHIJ");
  CHECK(normalize_zone_id("/hostedzone/Z0123456789ABCDEFGHIJ") == "Z0123456789ABCDEFGHIJ");
  for (const char* bad : {"", "/hostedzone/", "z0123", "Z01/../x", "Z01?x=1", "Z0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    CHECK_FALSE(normalize_zone_id(bad));
}

TEST_CASE("the UPSERT ChangeBatch and the two URLs") {
  Route53Target t{"https://route53.amazonaws.com", "/hostedzone/Z0123456789ABCDEFGHIJ", "Home.Dyn.Example.com", 60};
  HttpRequest set = route53_set(t, *fb::IpAddress::parse("203.0.113.7"));
  CHECK(set.method == "POST");
  CHECK(set.url == "https://route53.amazonaws.com/2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset/");
  CHECK(set.body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch>"
        "<Comment>failberry</Comment><Changes><Change><Action>UPSERT</Action><ResourceRecordSet>"
        "<Name>home.dyn.example.com.</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord>"
        "<Value>203.0.113.7</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes>"
        "</ChangeBatch></ChangeResourceRecordSetsRequest>");
  HttpRequest get = route53_get(t);
  CHECK(get.method == "GET");
  CHECK(get.url ==
        "https://route53.amazonaws.com/2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset?maxitems=1&name="
        "home.dyn.example.com.&type=A");
  // The query is already in SigV4's canonical order (libcurl 7.88 signs it as given).
  CHECK(sigv4::canonical_query("maxitems=1&name=home.dyn.example.com.&type=A") ==
        "maxitems=1&name=home.dyn.example.com.&type=A");
  Route53Target trailing{"https://fake.test:8443/", "Z1", "h.example.com", 300};
  CHECK(route53_set(trailing, *fb::IpAddress::parse("1.2.3.4")).url ==
        "https://fake.test:8443/2013-04-01/hostedzone/Z1/rrset/");
  CHECK(route53_set(trailing, *fb::IpAddress::parse("1.2.3.4")).body.find("<TTL>300</TTL>") != std::string::npos);
}

namespace {
struct Row {
  RequestKind kind;
  long status;
  std::string body;
  Outcome outcome;
  const char* address = nullptr;
};
std::string error_body(const std::string& type, const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\"?>\n<ErrorResponse "
         "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>" +
         type + "</Type><Code>" + code + "</Code><Message>" + message +
         "</Message></Error><RequestId>a1b2c3d4-0000-1111-2222-333344445555</RequestId></ErrorResponse>";
}
std::string list_body(const std::string& name, const std::string& type, const std::string& value) {
  return "<?xml version=\"1.0\"?>\n<ListResourceRecordSetsResponse "
         "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ResourceRecordSets><ResourceRecordSet><Name>" +
         name + "</Name><Type>" + type + "</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>" + value +
         "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></ResourceRecordSets><IsTruncated>true"
         "</IsTruncated><MaxItems>1</MaxItems></ListResourceRecordSetsResponse>";
}
std::string change_body(const std::string& status) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsResponse "
         "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>" +
         status +
         "</Status><SubmittedAt>2017-03-10T01:36:41.958Z</SubmittedAt></ChangeInfo>"
         "</ChangeResourceRecordSetsResponse>";
}
}  // namespace

TEST_CASE("Route53 replies: ChangeInfo, the record list and ErrorResponse codes") {
  const auto get = RequestKind::get;
  const auto set = RequestKind::set;
  const Row rows[] = {
      {set, 200, change_body("PENDING"), Outcome::published},
      {set, 200, change_body("INSYNC"), Outcome::published},
      {set, 200, change_body("DONE?"), Outcome::bad_reply},
      {set, 200, "<html>hello</html>", Outcome::bad_reply},
      {get, 200, list_body("home.dyn.example.com.", "A", "203.0.113.7"), Outcome::observed, "203.0.113.7"},
      {get, 200, list_body("HOME.dyn.example.com.", "A", "203.0.113.7"), Outcome::observed, "203.0.113.7"},
      // The list starts at the name: the first set may be the next name, or another type.
      {get, 200, list_body("www.dyn.example.com.", "A", "198.51.100.1"), Outcome::observed},
      {get, 200, list_body("home.dyn.example.com.", "AAAA", "2001:db8::1"), Outcome::observed},
      {get, 200,
       "<ListResourceRecordSetsResponse><ResourceRecordSets></ResourceRecordSets><IsTruncated>false</IsTruncated>"
       "</ListResourceRecordSetsResponse>",
       Outcome::observed},
      {get, 200, list_body("home.dyn.example.com.", "A", "not-an-address"), Outcome::bad_reply},
      {get, 200, "{}", Outcome::bad_reply},
      {set, 400, error_body("Sender", "Throttling", "Rate exceeded"), Outcome::throttled},
      {set, 400,
       error_body("Sender", "PriorRequestNotComplete",
                  "The request was rejected because Route 53 was still processing a prior request."),
       Outcome::throttled},
      {set, 400,
       error_body("Sender", "InvalidChangeBatch",
                  "[RRSet of type A with DNS name home.dyn.example.com. is not permitted]"),
       Outcome::config_error},
      {set, 404, error_body("Sender", "NoSuchHostedZone", "No hosted zone found with ID: Z0123"),
       Outcome::config_error},
      {set, 403,
       error_body("Sender", "SignatureDoesNotMatch",
                  "The request signature we calculated does not match the signature you provided."),
       Outcome::auth_failed},
      {set, 403, error_body("Sender", "InvalidClientTokenId", "The security token included in the request is invalid."),
       Outcome::auth_failed},
      {set, 403,
       error_body("Sender", "AccessDenied", "User is not authorized to perform: route53:ChangeResourceRecordSets"),
       Outcome::auth_failed},
      {set, 403,
       error_body("Sender", "SignatureDoesNotMatch",
                  "Signature expired: 20150830T123600Z is now earlier than 20240101T000000Z"),
       Outcome::clock_skew},
      {get, 400, error_body("Sender", "RequestExpired", "Request has expired."), Outcome::clock_skew},
      {set, 503, error_body("Receiver", "ServiceUnavailable", "Service unavailable"), Outcome::server_error},
      {set, 500, error_body("Receiver", "InternalFailure", "oops"), Outcome::server_error},
      {set, 400, error_body("Sender", "SomethingNew", "?"), Outcome::bad_request},
      {set, 502, "Bad Gateway", Outcome::server_error},
      {set, 429, "", Outcome::throttled},
      {set, 400, "not xml at all", Outcome::bad_reply},
      {set, 307, "", Outcome::bad_reply},
  };
  for (const Row& row : rows) {
    CAPTURE(row.body);
    Reply r = parse_route53_reply(row.kind, "home.dyn.example.com", HttpReply{row.status, row.body});
    fb::test::check_reply(r, row.outcome, row.address);
    CHECK_FALSE(r.detail.empty());
  }
}

TEST_CASE("AAAA: the UPSERT, the list query and the reply read for the ipv6 family") {
  Route53Target t{"https://route53.amazonaws.com", "Z0123456789ABCDEFGHIJ", "home.dyn.example.com", 60};
  HttpRequest set = route53_set(t, *fb::IpAddress::parse("2001:DB8:0:0::7"));
  CHECK(set.body.find("<Type>AAAA</Type>") != std::string::npos);
  CHECK(set.body.find("<Value>2001:db8::7</Value>") != std::string::npos);  // the canonical form
  CHECK(set.body.find("<Type>A</Type>") == std::string::npos);
  CHECK(route53_get(t, Family::ipv6).url ==
        "https://route53.amazonaws.com/2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset?maxitems=1&name="
        "home.dyn.example.com.&type=AAAA");
  CHECK(route53_get(t, Family::ipv4).url == route53_get(t).url);

  const auto get = RequestKind::get;
  const Row rows[] = {
      {get, 200, list_body("home.dyn.example.com.", "AAAA", "2001:db8::1"), Outcome::observed, "2001:db8::1"},
      // The list starts at (name, type): an A record or another name is "no AAAA record yet".
      {get, 200, list_body("home.dyn.example.com.", "A", "203.0.113.7"), Outcome::observed},
      {get, 200, list_body("www.dyn.example.com.", "AAAA", "2001:db8::2"), Outcome::observed},
      {get, 200, list_body("home.dyn.example.com.", "AAAA", "203.0.113.7"), Outcome::bad_reply},
      {get, 200, list_body("home.dyn.example.com.", "AAAA", "fe80::1%eth0"), Outcome::bad_reply},
  };
  for (const Row& row : rows) {
    CAPTURE(row.body);
    Reply r = parse_route53_reply(row.kind, "home.dyn.example.com", HttpReply{row.status, row.body}, Family::ipv6);
    fb::test::check_reply(r, row.outcome, row.address);
    CHECK_FALSE(r.detail.empty());
  }
}

TEST_CASE("xml_element_text: exact names, entities, self-closing, truncation") {
  CHECK(xml_element_text("<a><Code>X&amp;Y</Code></a>", "Code") == "X&Y");
  CHECK(xml_element_text("<CodeName>no</CodeName><Code>yes</Code>", "Code") == "yes");
  CHECK(xml_element_text("<Code attr=\"1\">v</Code>", "Code") == "v");
  CHECK(xml_element_text("<Code/>", "Code") == "");
  CHECK_FALSE(xml_element_text("<Code>unterminated", "Code"));
  CHECK_FALSE(xml_element_text("<Cod", "Code"));
  CHECK_FALSE(xml_element_text("", "Code"));
}

namespace {
// The suite's fixed inputs.
const sigv4::Scope kScope{"20150830", "us-east-1", "service"};
constexpr const char* kAmzDate = "20150830T123600Z";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
sigv4::Request suite_request(const char* method, const char* query) {
  return sigv4::Request{method, "/", query, {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kAmzDate}}, ""};
}
}  // namespace

TEST_CASE("SigV4 known answers: AWS's get-vanilla, get-vanilla-query-order-key-case, post-vanilla") {
  sigv4::Request vanilla = suite_request("GET", "");
  std::string canonical = sigv4::canonical_request(vanilla, {"host", "x-amz-date"});
  CHECK(canonical ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string sts = sigv4::string_to_sign(kAmzDate, kScope, canonical);
  CHECK(sts ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(sigv4::signature(kSecret, kScope, sts) == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  CHECK(sigv4::authorization("AKIDEXAMPLE", kSecret, kScope, kAmzDate, vanilla, {"x-amz-date", "host"}) ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

  sigv4::Request ordered = suite_request("GET", "Param2=value2&Param1=value1");
  CHECK(sigv4::signature(
            kSecret, kScope,
            sigv4::string_to_sign(kAmzDate, kScope, sigv4::canonical_request(ordered, {"host", "x-amz-date"}))) ==
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");

  sigv4::Request post = suite_request("POST", "");
  CHECK(sigv4::signature(
            kSecret, kScope,
            sigv4::string_to_sign(kAmzDate, kScope, sigv4::canonical_request(post, {"host", "x-amz-date"}))) ==
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");

  // A changed byte anywhere changes the signature (the check can fail).
  sigv4::Request tampered = suite_request("GET", "");
  tampered.payload = "x";
  CHECK(sigv4::signature(
            kSecret, kScope,
            sigv4::string_to_sign(kAmzDate, kScope, sigv4::canonical_request(tampered, {"host", "x-amz-date"}))) !=
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("SigV4 canonical headers: lower-cased, trimmed, spaces squashed, repeats joined") {
  sigv4::Request r{
      "POST", "/x", "", {{"Content-Type", "  text/xml   charset=x "}, {"X-Multi", "a"}, {"x-multi", "b"}}, "body"};
  std::string c = sigv4::canonical_request(r, {"X-Multi", "content-type"});
  CHECK(c == "POST\n/x\n\ncontent-type:text/xml charset=x\nx-multi:a,b\n\ncontent-type;x-multi\n" + sha256_hex("body"));
}

TEST_CASE("parse_authorization splits libcurl's header") {
  auto p = sigv4::parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/route53/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=abc123");
  CHECK(p.access_key == "AKIDEXAMPLE");
  CHECK(p.scope.text() == "20150830/us-east-1/route53/aws4_request");
  CHECK(p.signed_headers == std::vector<std::string>{"content-type", "host", "x-amz-date"});
  CHECK(p.signature == "abc123");
  CHECK(sigv4::parse_authorization("Basic Zm9vOmJhcg==").signature.empty());
}
