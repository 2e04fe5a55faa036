// The push heartbeat's CloudWatchClient (libcurl multi on Asio, libcurl's
// SigV4) against the fake server's CloudWatch endpoint over loopback HTTPS.
// The server checks the signature itself (Python hmac/hashlib, for region
// eu-west-1 and service monitoring) and reports the metrics it accepted; the
// faults give each HEARTBEAT_* code. The pure request and reply tables run
// here too. No root needed (loopback only).
#include <doctest/doctest.h>

#include "fake_server.hpp"
#include "fb/ddns/cloudwatch.hpp"
#include "fb/ddns/cloudwatch_client.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::ddns::CloudWatchClient;
using fb::ddns::CloudWatchSettings;
using fb::ddns::HeartbeatCode;
using fb::ddns::HeartbeatResult;
using fb::ddns::UplinkBeat;
using fb::test::FakeDdnsServer;
using fb::test::Json;
using fb::test::TempDir;
namespace asio = boost::asio;

namespace {

CloudWatchSettings settings(const FakeDdnsServer& server, const TempDir& dir, const std::string& region = "eu-west-1") {
  CloudWatchSettings s;
  s.target.endpoint = server.url("");
  s.target.region = region;
  s.target.metric_namespace = "failberry/test";
  s.credentials_file = fb::test::write_secret(dir, "aws.credentials",
                                              std::string("aws_access_key_id = ") + fb::test::kAwsKeyId +
                                                  "\naws_secret_access_key = " + fb::test::kAwsSecret + "\n");
  s.ca_file = fb::test::test_pki().ca();
  s.connect_timeout = 3000ms;
  s.total_timeout = 3000ms;
  return s;
}

HeartbeatResult put(asio::io_context& io, CloudWatchClient& client, const std::vector<UplinkBeat>& beats) {
  std::optional<HeartbeatResult> got;
  client.put(beats, [&](const HeartbeatResult& r) { got = r; });
  REQUIRE(client.busy());
  bool finished = fb::test::run_until(
      io, [&] { return got.has_value(); }, 30s);
  REQUIRE_MESSAGE(finished, "the client never called back");
  CHECK_FALSE(client.busy());
  return *got;
}

}  // namespace

TEST_CASE("PutMetricData: the form body, one data point per uplink") {
  auto r = fb::ddns::put_metric_data({"", "eu-west-1", "fail berry"}, {{"wired", true}, {"cell 2", false}});
  CHECK(r.method == "POST");
  CHECK(r.url == "https://monitoring.eu-west-1.amazonaws.com/");
  CHECK(r.body ==
        "Action=PutMetricData&Version=2010-08-01&Namespace=fail%20berry"
        "&MetricData.member.1.MetricName=UplinkUp&MetricData.member.1.Value=1&MetricData.member.1.Unit=Count"
        "&MetricData.member.1.Dimensions.member.1.Name=Uplink&MetricData.member.1.Dimensions.member.1.Value=wired"
        "&MetricData.member.2.MetricName=UplinkUp&MetricData.member.2.Value=0&MetricData.member.2.Unit=Count"
        "&MetricData.member.2.Dimensions.member.1.Name=Uplink&MetricData.member.2.Dimensions.member.1.Value=cell%202");
  CHECK(fb::ddns::cloudwatch_sigv4("eu-west-1") == "aws:amz:eu-west-1:monitoring");
  CHECK(fb::ddns::put_metric_data({"https://127.0.0.1:8443/", "x", "n"}, {}).url == "https://127.0.0.1:8443/");
}

TEST_CASE("CloudWatch replies map to stable codes, the server's text cleaned") {
  struct Row {
    long status;
    const char* body;
    HeartbeatCode code;
  };
  const char* err =
      "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error></ErrorResponse>";
  auto error = [&](const char* code, const char* message) {
    char buf[512];
    std::snprintf(buf, sizeof buf, err, code, message);
    return std::string(buf);
  };
  std::vector<std::pair<fb::ddns::HttpReply, HeartbeatCode>> rows = {
      {{200, "<PutMetricDataResponse><ResponseMetadata/></PutMetricDataResponse>"}, HeartbeatCode::ok},
      {{200, "<html>captive portal</html>"}, HeartbeatCode::bad_reply},
      {{403, error("SignatureDoesNotMatch", "The request signature we calculated does not match")},
       HeartbeatCode::auth_failed},
      {{403, error("InvalidClientTokenId", "The security token included in the request is invalid.")},
       HeartbeatCode::auth_failed},
      {{400, error("RequestExpired", "Request has expired.")}, HeartbeatCode::clock_skew},
      {{403, error("SignatureDoesNotMatch", "Signature expired: 20260101T000000Z is now earlier than ...")},
       HeartbeatCode::clock_skew},
      {{400, error("Throttling", "Rate exceeded")}, HeartbeatCode::throttled},
      {{400, error("InvalidParameterValue", "bad")}, HeartbeatCode::rejected},
      {{503, "Service Unavailable"}, HeartbeatCode::server_error},
      {{302, ""}, HeartbeatCode::bad_reply},
      {{403, error("AccessDenied", "not\x01 allowed")}, HeartbeatCode::auth_failed},
  };
  for (const auto& [reply, code] : rows) {
    CAPTURE(reply.status);
    CAPTURE(reply.body);
    HeartbeatResult r = fb::ddns::parse_cloudwatch_reply(reply);
    CHECK(r.code == code);
    CHECK(r.http_status == reply.status);
    CHECK(r.detail.find('\x01') == std::string::npos);
  }
  CHECK(fb::ddns::code_name(HeartbeatCode::auth_failed) == "HEARTBEAT_AUTH_FAILED");
}

TEST_CASE("the heartbeat reaches the fake CloudWatch signed for its region; metrics, values, dimensions") {
  asio::io_context io;
  FakeDdnsServer server(io);
  TempDir dir;
  fb::test::LogCapture log{fb::Level::debug};
  CloudWatchClient client(io, settings(server, dir));
  HeartbeatResult r = put(io, client, {{"wired", true}, {"cellular", false}});
  CHECK_MESSAGE(r.code == HeartbeatCode::ok, r.detail);
  REQUIRE(fb::test::run_until(
      io, [&] { return server.requests().size() == 1; }, 10s));
  const Json& req = server.requests().back();
  CHECK(req["gen"] == "cloudwatch");
  CHECK(req["status"] == 200);  // the server's own SigV4 check passed
  CHECK(req["headers"]["authorization"].get<std::string>().find("/eu-west-1/monitoring/aws4_request") !=
        std::string::npos);
  const Json& m = req["metrics"];
  CHECK(m["namespace"] == "failberry/test");
  REQUIRE(m["data"].size() == 2);
  CHECK(m["data"][0] ==
        Json{{"name", "UplinkUp"}, {"value", 1.0}, {"unit", "Count"}, {"dimensions", {{"Uplink", "wired"}}}});
  CHECK(m["data"][1] ==
        Json{{"name", "UplinkUp"}, {"value", 0.0}, {"unit", "Count"}, {"dimensions", {{"Uplink", "cellular"}}}});
  // The secret key is in no log line; describe() masks it.
  CHECK_FALSE(log.said(fb::test::kAwsSecret));
  CHECK(client.describe().find(fb::test::kAwsSecret) == std::string::npos);
  CHECK(client.describe().find("access_key_id=AKIDEXAMPLE") != std::string::npos);
}

TEST_CASE("heartbeat failures: signature refused, wrong region, server error, throttling, timeout, TLS") {
  asio::io_context io;
  FakeDdnsServer server(io);
  TempDir dir;
  std::vector<UplinkBeat> beats = {{"cellular", true}};

  SUBCASE("a wrong secret: the server's signature differs") {
    CloudWatchClient client(io, settings(server, dir));
    server.fault("wrong_secret");
    HeartbeatResult r = put(io, client, beats);
    CHECK(r.code == HeartbeatCode::auth_failed);
    CHECK(r.http_status == 403);
    CHECK(r.detail.find("SignatureDoesNotMatch") != std::string::npos);
  }
  SUBCASE("signed for another region") {
    CloudWatchClient client(io, settings(server, dir, "us-west-2"));
    HeartbeatResult r = put(io, client, beats);
    CHECK(r.code == HeartbeatCode::auth_failed);
  }
  SUBCASE("5xx") {
    CloudWatchClient client(io, settings(server, dir));
    server.fault("error5xx");
    CHECK(put(io, client, beats).code == HeartbeatCode::server_error);
  }
  SUBCASE("throttling") {
    CloudWatchClient client(io, settings(server, dir));
    server.fault("throttle");
    CHECK(put(io, client, beats).code == HeartbeatCode::throttled);
  }
  SUBCASE("no answer within the deadline") {
    CloudWatchClient client(io, settings(server, dir));
    server.fault("timeout");
    CHECK(put(io, client, beats).code == HeartbeatCode::timeout);
  }
  SUBCASE("a CA that signed nothing") {
    auto s = settings(server, dir);
    s.ca_file = fb::test::test_pki().other_ca();
    CloudWatchClient client(io, s);
    CHECK(put(io, client, beats).code == HeartbeatCode::tls_failed);
  }
}

TEST_CASE("heartbeat setup refuses bad credentials files and plain http, naming the rule") {
  asio::io_context io;
  TempDir dir;
  CloudWatchSettings s;
  s.target.region = "eu-west-1";
  s.credentials_file = fb::test::write_secret(dir, "open", "AKID\nsecret\n", 0644);
  CHECK_THROWS_WITH_AS(CloudWatchClient(io, s), doctest::Contains("heartbeat_credentials_file"), fb::ddns::SetupError);
  s.credentials_file = fb::test::write_secret(dir, "one-line", "AKIDONLY\n");
  CHECK_THROWS_AS(CloudWatchClient(io, s), fb::ddns::SetupError);
  s.credentials_file = fb::test::write_secret(dir, "good", "AKID\nsecret\n");
  s.target.endpoint = "http://127.0.0.1:1/";
  CHECK_THROWS_WITH_AS(CloudWatchClient(io, s), "the CloudWatch endpoint must be https://", fb::ddns::SetupError);
}
