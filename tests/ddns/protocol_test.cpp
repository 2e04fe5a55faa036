// The Lambda reference protocol as pure functions: validation hash vectors,
// request building per generation, and every documented reply → Outcome.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "fb/ddns/crypto.hpp"
#include "fb/ddns/lambda.hpp"
#include "fb/ddns/secrets.hpp"
#include "fb/text.hpp"
#include "reply_check.hpp"

using namespace fb::ddns;

namespace {
constexpr Provider kV1 = Provider::lambda_v1;
constexpr Provider kV2 = Provider::lambda_v2;
constexpr Provider kV3 = Provider::lambda_v3;

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "<none>";
}
}  // namespace

TEST_CASE("sha256 through libcrypto matches the FIPS 180-2 'abc' vector") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("validation hash: the documented v3 example and the v1/v2 trailing-dot form") {
  // invocation.md: `echo -n 11.12.13.14www.example.comSuP3R_5eCR3T | shasum -a 256`
  // → 0eb3fc76…dd70; the full value recomputed with `printf %s … | sha256sum`.
  const std::string v3 = "0eb3fc760ddbd7dca1702ae359b8f990b8a145d719b9d1014da4aa866022dd70";
  CHECK(validation_hash(kV3, "11.12.13.14", "www.example.com", "SuP3R_5eCR3T") == v3);
  CHECK(v3.rfind("0eb3fc76", 0) == 0);
  CHECK(v3.substr(v3.size() - 4) == "dd70");
  // v3 keys without the dot: a configured trailing dot must not change the hash.
  CHECK(validation_hash(kV3, "11.12.13.14", "www.example.com.", "SuP3R_5eCR3T") == v3);

  // `printf %s 11.12.13.14www.example.com.SuP3R_5eCR3T | sha256sum`
  const std::string dotted = "0ea62806fa3b3fb047056e793bccbd64e75cd3817827a7f77c5619c9ea271d59";
  for (Provider g : {kV1, kV2}) {
    CAPTURE(to_string(g));
    CHECK(validation_hash(g, "11.12.13.14", "www.example.com", "SuP3R_5eCR3T") == dotted);
    CHECK(validation_hash(g, "11.12.13.14", "www.example.com.", "SuP3R_5eCR3T") == dotted);
    CHECK(validation_hash(g, "11.12.13.14", "www.example.com..", "SuP3R_5eCR3T") == dotted);
  }
  // `printf %s 203.0.113.7home.dyn.example.com.s3cr3t | sha256sum`
  CHECK(validation_hash(kV2, "203.0.113.7", "home.dyn.example.com", "s3cr3t") ==
        "000d40f0beb520c840417bc6244dc6b223f4c7e9479771e6b2393d58ab27fe21");
  // The address is part of the proof: another source address, another hash.
  CHECK(validation_hash(kV3, "127.0.0.1", "www.example.com", "SuP3R_5eCR3T") ==
        "1133604d1e8e80ca9e4aeb2aa4735bfdcc84d858261746a4be902f0c2ff01e6e");
}

TEST_CASE("wire hostname: v1/v2 with exactly one trailing dot, v3 without") {
  CHECK(wire_hostname(kV1, "a.example.com") == "a.example.com.");
  CHECK(wire_hostname(kV2, "a.example.com.") == "a.example.com.");
  CHECK(wire_hostname(kV3, "a.example.com.") == "a.example.com");
  CHECK(wire_hostname(kV3, "a.example.com") == "a.example.com");
}

TEST_CASE("v1/v2 requests are GETs with mode=get / mode=set&hostname=&hash=") {
  LambdaEndpoint v1{kV1, "https://abc123.execute-api.us-west-2.amazonaws.com/prod", "www.example.com"};
  HttpRequest get = lambda_get(v1, "KEY");
  CHECK(get.method == "GET");
  CHECK(get.url == "https://abc123.execute-api.us-west-2.amazonaws.com/prod?mode=get");
  CHECK(get.body.empty());
  CHECK(header(get, "x-api-key") == "<none>");  // v1 has no API keys

  HttpRequest set = lambda_set(v1, "11.12.13.14", "SuP3R_5eCR3T");
  CHECK(set.method == "GET");
  CHECK(set.url ==
        "https://abc123.execute-api.us-west-2.amazonaws.com/prod?mode=set&hostname=www.example.com.&hash="
        "0ea62806fa3b3fb047056e793bccbd64e75cd3817827a7f77c5619c9ea271d59");

  LambdaEndpoint v2{kV2, "https://ddns.example.com/prod?stage=x", "www.example.com"};
  CHECK(lambda_get(v2, "").url == "https://ddns.example.com/prod?stage=x&mode=get");
  CHECK(header(lambda_get(v2, ""), "x-api-key") == "<none>");
  CHECK(header(lambda_get(v2, "K3y"), "x-api-key") == "K3y");
  CHECK(header(lambda_set(v2, "11.12.13.14", "s", "K3y"), "x-api-key") == "K3y");
}

TEST_CASE("query values are percent-encoded (RFC 3986 unreserved kept)") {
  CHECK(fb::url_encode("www.example.com.") == "www.example.com.");
  CHECK(fb::url_encode("a b&c=d/\xC3\xA9~_-") == "a%20b%26c%3Dd%2F%C3%A9~_-");
}

TEST_CASE("v3 requests are POSTs of JSON to the Function URL") {
  LambdaEndpoint v3{kV3, "https://1234567890xyz.lambda-url.eu-west-1.on.aws/", "www.example.com."};
  HttpRequest get = lambda_get(v3);
  CHECK(get.method == "POST");
  CHECK(get.url == v3.url);
  CHECK(header(get, "Content-Type") == "application/json");
  CHECK(get.body == R"({"execution_mode":"get"})");

  HttpRequest set = lambda_set(v3, "11.12.13.14", "SuP3R_5eCR3T");
  auto body = nlohmann::json::parse(set.body);
  CHECK(body["execution_mode"] == "set");
  CHECK(body["ddns_hostname"] == "www.example.com");
  CHECK(body["validation_hash"] == "0eb3fc760ddbd7dca1702ae359b8f990b8a145d719b9d1014da4aa866022dd70");
}

TEST_CASE("describe() is safe for logs: no hash value, no header values, no body") {
  LambdaEndpoint v2{kV2, "https://ddns.example.com/prod", "www.example.com"};
  HttpRequest set = lambda_set(v2, "11.12.13.14", "SuP3R_5eCR3T", "K3y-s3cr3t");
  std::string line = describe(set);
  CHECK(line ==
        "GET https://ddns.example.com/prod?mode=set&hostname=www.example.com.&hash=<masked> headers: Accept "
        "x-api-key");
  LambdaEndpoint v3{kV3, "https://x.lambda-url.eu-west-1.on.aws/", "www.example.com"};
  std::string post = describe(lambda_set(v3, "1.2.3.4", "SuP3R_5eCR3T"));
  CHECK(post.find("validation_hash") == std::string::npos);
  CHECK(post.find("body:") != std::string::npos);
}

namespace {
struct Row {
  Provider generation;
  RequestKind kind;
  long status;
  const char* body;
  Outcome outcome;
  const char* address = nullptr;
};

// The row's reply parsed: its outcome and address, the status kept, a detail.
void check_row(const Row& row) {
  CAPTURE(row.body);
  CAPTURE(row.status);
  Reply r = parse_lambda_reply(row.generation, row.kind, HttpReply{row.status, row.body});
  fb::test::check_reply(r, row.outcome, row.address);
  CHECK(r.http_status == row.status);
  CHECK_FALSE(r.detail.empty());
}
}  // namespace

TEST_CASE("v1/v2 replies: always HTTP 200, return_status/return_message decide") {
  const auto get = RequestKind::get;
  const auto set = RequestKind::set;
  const Row rows[] = {
      {kV1, get, 200, R"({"return_status": "success", "return_message": "11.12.13.14"})", Outcome::observed,
       "11.12.13.14"},
      {kV2, get, 200, R"({"return_status":"success","return_message":"203.0.113.7"})", Outcome::observed,
       "203.0.113.7"},
      {kV1, set, 200,
       R"({"return_status":"success","return_message":"Your IP address matches the current Route53 DNS record."})",
       Outcome::unchanged},
      {kV1, set, 200,
       R"({"return_status":"success","return_message":"Your hostname record www.example.com. has been set to 11.12.13.14."})",
       Outcome::published},
      {kV2, set, 200,
       R"({"return_status":"success","return_message":"Your hostname record www.example.com. has been set to 11.12.13.14"})",
       Outcome::published},
      {kV1, set, 200, R"({"return_status":"fail","return_message":"Validation hashes do not match."})",
       Outcome::auth_failed},
      {kV1, set, 200,
       R"({"return_status":"fail","return_message":"You must pass a valid sha256 hash in the hash= argument."})",
       Outcome::bad_request},
      {kV1, get, 200, R"({"return_status":"fail","return_message":"You must pass mode=get or mode=set arguments."})",
       Outcome::bad_request},
      {kV1, set, 200,
       R"({"return_status":"fail","return_message":"There was an issue finding or reading the S3 config file."})",
       Outcome::config_error},
      {kV2, set, 200,
       R"({"return_status":"fail","return_message":"There was an issue finding or reading the DyanmoDB config item for www.example.com.: A"})",
       Outcome::config_error},
      {kV2, set, 200,
       R"({"return_status":"fail","return_message":"The record for www.example.com. is locked, update denied."})",
       Outcome::locked},
      {kV2, set, 200,
       R"({"return_status":"fail","return_message":"DDB Permissions for www.example.com. disallow internal IPs, update denied."})",
       Outcome::locked},
      {kV2, set, 200,
       R"({"return_status":"fail","return_message":"An error occurred (Throttling) when calling the ChangeResourceRecordSets operation: Rate exceeded"})",
       Outcome::throttled},
      {kV1, set, 200, R"({"return_status":"fail","return_message":"Unknown error"})", Outcome::server_error},
      // The v1 Lambda raising (hostname not in config.json: KeyError) comes back as 200 with errorMessage.
      {kV1, set, 200, R"({"errorMessage": "'www.example.com.'", "errorType": "KeyError"})", Outcome::server_error},
      // API Gateway in front of v1/v2.
      {kV2, get, 403, R"({"message":"Forbidden"})", Outcome::auth_failed},
      {kV1, get, 403, R"({"message":"Missing Authentication Token"})", Outcome::config_error},
      {kV2, set, 429, R"({"message":"Too Many Requests"})", Outcome::throttled},
      {kV2, set, 502, R"({"message": "Internal server error"})", Outcome::server_error},
      {kV1, get, 504, R"({"message": "Endpoint request timed out"})", Outcome::server_error},
      {kV1, get, 404, "", Outcome::config_error},
      {kV1, get, 302, "", Outcome::bad_reply},
      {kV1, get, 200, R"({"return_status":"success","return_message":"not-an-ip"})", Outcome::bad_reply},
      {kV1, get, 200, R"({"return_status":"success","return_message":"2001:db8::1"})", Outcome::bad_reply},
      {kV1, set, 200, R"({"return_status":"success","return_message":"Done!"})", Outcome::bad_reply},
      {kV1, get, 200, R"({"return_status":"maybe"})", Outcome::bad_reply},
      {kV1, get, 200, R"({"return_message":"11.12.13.14"})", Outcome::bad_reply},
      {kV1, get, 200, R"({"return_status": "succ)", Outcome::bad_reply},
      {kV1, get, 200, R"(["success","11.12.13.14"])", Outcome::bad_reply},
      {kV1, get, 200, "11.12.13.14", Outcome::bad_reply},
      {kV1, get, 200, "", Outcome::bad_reply},
  };
  for (const Row& row : rows) check_row(row);
}

TEST_CASE("the ipv6 family: a v2 get must answer IPv6, the v2 hash takes the IPv6 text, v1/v3 say why not") {
  const std::string v6_get = R"({"return_status":"success","return_message":"2001:db8:2::2"})";
  const std::string v4_get = R"({"return_status":"success","return_message":"203.0.113.7"})";
  fb::test::check_reply(parse_lambda_reply(kV2, RequestKind::get, HttpReply{200, v6_get}, Family::ipv6),
                        Outcome::observed, "2001:db8:2::2");
  // An A lane seeing an IPv6 source, or an AAAA lane an IPv4 one: never published as the other record.
  fb::test::check_reply(parse_lambda_reply(kV2, RequestKind::get, HttpReply{200, v4_get}, Family::ipv6),
                        Outcome::bad_reply, nullptr);
  fb::test::check_reply(parse_lambda_reply(kV2, RequestKind::get, HttpReply{200, v6_get}, Family::ipv4),
                        Outcome::bad_reply, nullptr);
  CHECK(parse_lambda_reply(kV2, RequestKind::get, HttpReply{200, v4_get}, Family::ipv6).detail ==
        "get answered '203.0.113.7', not an IPv6 address");
  // route53-ddns-client.sh --ip-version ipv6: sha256(ip + host. + secret) over the address as the API saw it.
  CHECK(validation_hash(kV2, "2001:db8:2::2", "www.example.com", "SuP3R_5eCR3T") ==
        sha256_hex("2001:db8:2::2www.example.com.SuP3R_5eCR3T"));
  CHECK(ipv6_unsupported(Provider::lambda_v2).empty());
  CHECK(ipv6_unsupported(Provider::route53).empty());
  CHECK(ipv6_unsupported(kV1).find("lambda-v1") != std::string_view::npos);
  CHECK(ipv6_unsupported(kV3).find("A records only") != std::string_view::npos);
  CHECK(record_type(Family::ipv6) == "AAAA");
  CHECK(record_type(Family::ipv4) == "A");
  CHECK(family_name(Family::ipv6) == "IPv6");
  CHECK(family_name(Family::ipv4) == "IPv4");
  CHECK(family_of(*fb::IpAddress::parse("2001:db8:2::2")) == Family::ipv6);
  CHECK(family_of(*fb::IpAddress::parse("203.0.113.7")) == Family::ipv4);
}

TEST_CASE("v3 replies: the documented status codes") {
  const auto get = RequestKind::get;
  const auto set = RequestKind::set;
  const Row rows[] = {
      {kV3, get, 200, R"({"return_status": "success", "return_message": "11.12.13.14"})", Outcome::observed,
       "11.12.13.14"},
      {kV3, set, 201,
       R"({"return_status": "success", "return_message": "www.example.com has been updated to 11.12.13.14"})",
       Outcome::published},
      {kV3, set, 200,
       R"({"return_status": "success", "return_message": "Your IP address matches the current Route53 DNS record."})",
       Outcome::unchanged},
      {kV3, set, 400,
       R"({"return_status": "fail", "return_message": "You must pass a valid sha256 hash in the hash= argument."})",
       Outcome::bad_request},
      {kV3, set, 401, R"({"return_status": "fail", "return_message": "Validation hashes do not match."})",
       Outcome::auth_failed},
      {kV3, set, 403,
       R"({"return_status": "fail", "return_message": "There was an issue finding or reading www.example.com configuration from dynamoDB table: DyndnsStack-dyndnsdb12345-ABC0000"})",
       Outcome::config_error},
      {kV3, set, 500,
       R"({"return_status": "fail", "return_message": "An error occurred (Throttling) when calling the ChangeResourceRecordSets operation: Rate exceeded"})",
       Outcome::throttled},
      {kV3, set, 500,
       R"({"return_status": "fail", "return_message": "An error occurred (NoSuchHostedZone) when calling the ListResourceRecordSets operation: No hosted zone found with ID: Z123456ABABO1ABC10A"})",
       Outcome::config_error},
      {kV3, set, 500,
       R"({"return_status": "fail", "return_message": "An error occurred (InvalidChangeBatch) when calling the ChangeResourceRecordSets operation: [RRSet of type A with DNS name www.example.com. is not permitted]"})",
       Outcome::config_error},
      {kV3, set, 500, R"({"return_status": "fail", "return_message": "Unknown error"})", Outcome::server_error},
      {kV3, set, 502, "Internal Server Error", Outcome::server_error},
      {kV3, get, 503, "", Outcome::server_error},
      {kV3, set, 429, R"({"Message":"Rate Exceeded."})", Outcome::throttled},
      {kV3, get, 403, R"({"Message":"Forbidden"})", Outcome::auth_failed},
      {kV3, get, 201, R"({"return_status": "success", "return_message": "11.12.13.14"})", Outcome::bad_reply},
      {kV3, get, 200, R"({"return_status": "success", "return_message": "11.12.13.14")", Outcome::bad_reply},
      {kV3, get, 301, "", Outcome::bad_reply},
      {kV3, get, 418, "", Outcome::bad_reply},
  };
  for (const Row& row : rows) check_row(row);
}

TEST_CASE("hostile or broken bodies become an outcome, never an exception") {
  std::mt19937 rng(7);
  std::vector<std::string> bodies = {std::string(1 << 20, '{'),
                                     std::string(100000, '['),
                                     R"({"return_status":"success","return_message":)" + std::string(5000, '9') + "}",
                                     std::string("\0\x01\xff", 3),
                                     R"({"return_status":null,"return_message":{}})",
                                     R"({"return_status":"success","return_message":["1.2.3.4"]})"};
  for (int i = 0; i < 200; ++i) {
    std::string junk(rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng() % 256);
    bodies.push_back(junk);
  }
  for (const auto& body : bodies)
    for (Provider g : {kV1, kV2, kV3})
      for (long status : {200L, 201L, 400L, 403L, 500L})
        for (RequestKind k : {RequestKind::get, RequestKind::set}) {
          Reply r;
          CHECK_NOTHROW(r = parse_lambda_reply(g, k, HttpReply{status, body}));
          CHECK(r.detail.size() < 400);  // bounded: the server's text is clipped
        }
}

TEST_CASE("every outcome has one stable code") {
  const std::pair<Outcome, const char*> codes[] = {
      {Outcome::observed, ""},
      {Outcome::published, ""},
      {Outcome::unchanged, ""},
      {Outcome::auth_failed, "DDNS_AUTH_FAILED"},
      {Outcome::locked, "DDNS_LOCKED"},
      {Outcome::throttled, "DDNS_THROTTLED"},
      {Outcome::server_error, "DDNS_SERVER_ERROR"},
      {Outcome::config_error, "DDNS_CONFIG_ERROR"},
      {Outcome::bad_request, "DDNS_BAD_REQUEST"},
      {Outcome::bad_reply, "DDNS_BAD_REPLY"},
      {Outcome::clock_skew, "DDNS_CLOCK_SKEW"},
      {Outcome::timeout, "DDNS_TIMEOUT"},
      {Outcome::tls_failed, "DDNS_TLS_FAILED"},
      {Outcome::network_error, "DDNS_NETWORK_ERROR"},
  };
  for (auto [outcome, code] : codes) {
    CAPTURE(to_string(outcome));
    CHECK(error_code(outcome) == code);
    CHECK(is_success(outcome) == (std::string_view(code).empty()));
  }
}

TEST_CASE("secret files: trailing newline dropped, empty/multi-line refused, never echoed") {
  auto ok = parse_secret_text("SuP3R_5eCR3T\n");
  REQUIRE(ok);
  CHECK(ok->reveal() == "SuP3R_5eCR3T");
  CHECK(parse_secret_text("  pad ded \r\n").value().reveal() == "  pad ded");
  for (const char* bad : {"", "\n\n", "line1\nline2\n", "tab\x01"}) {
    auto r = parse_secret_text(bad);
    REQUIRE_FALSE(r);
    CHECK(describe(r).rfind("DDNS_SECRET_REFUSED: ", 0) == 0);
    CHECK(r.error().detail.find("line2") == std::string::npos);
  }
  Secret s("x");
  Secret moved(std::move(s));
  CHECK(moved.reveal() == "x");
  CHECK(s.empty());  // NOLINT: moved-from secrets are wiped, on purpose
  CHECK(Secret::masked() == "********");
}

TEST_CASE("AWS credentials: key = value lines or two lines") {
  const char* keyed =
      "# failberry route53 key\n[default]\naws_access_key_id = AKIDEXAMPLE\n"
      "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\nregion = us-east-1\n";
  auto a = parse_aws_credentials(keyed);
  REQUIRE(a);
  CHECK(a->access_key_id == "AKIDEXAMPLE");
  CHECK(a->secret_access_key.reveal() == "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

  auto b = parse_aws_credentials("AKIDEXAMPLE\r\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\r\n");
  REQUIRE(b);
  CHECK(b->access_key_id == "AKIDEXAMPLE");
  CHECK(b->secret_access_key.reveal() == "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

  const std::pair<const char*, const char*> bad[] = {
      {"aws_access_key_id = AKID\n", "no aws_secret_access_key"},
      {"aws_secret_access_key = S3CR3TKEY\n", "no aws_access_key_id"},
      {"[work]\naws_access_key_id = A\naws_secret_access_key = S\n", "only one profile"},
      {"aws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n", "temporary credentials"},
      {"aws_access_key_id = A\naws_access_key_id = B\naws_secret_access_key = S\n", "given twice"},
      {"AKID\n", "holds 1 lines"},
      {"AKID\nSECRET\nEXTRA\n", "holds 3 lines"},
      {"aws_access_key_id = A\naws_secret_access_key = has space\n", "secret access key is empty or contains"},
  };
  for (auto [text, why] : bad) {
    CAPTURE(text);
    auto r = parse_aws_credentials(text);
    REQUIRE_FALSE(r);
    CHECK(r.code() == SetupCode::secret_refused);
    CHECK(r.error().detail.find(why) != std::string::npos);
    CHECK(r.error().detail.find("S3CR3TKEY") == std::string::npos);
  }
}
