// Typed readings of the HiLink replies, the error-code table and the login
// password, on verbatim replies where a public capture exists.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>

#include "fb/hilink/api.hpp"

using namespace fb::hilink;
using fb::at::AccessTech;

namespace {
Reply reply(std::string_view body) {
  auto r = read_reply(body);
  INFO(describe(r));
  REQUIRE(r.ok());
  return *r;
}

template <class T>
void bad_reply(const Result<T>& r, std::string_view words) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == Code::bad_reply);
  CHECK_MESSAGE(r.error().detail.find(words) != std::string::npos, r.error().detail);
}

// GET /api/monitoring/status, verbatim from vzakharchenko/huawei-hilink
// README.md ("get status export result as xml"), an LTE stick in HiLink mode.
constexpr const char* kStatusCapture = R"(<?xml version="1.0" encoding="UTF-8"?>
<response>
<ConnectionStatus>901</ConnectionStatus>
<WifiConnectionStatus></WifiConnectionStatus>
<SignalStrength></SignalStrength>
<SignalIcon>3</SignalIcon>
<CurrentNetworkType>19</CurrentNetworkType>
<CurrentServiceDomain>3</CurrentServiceDomain>
<RoamingStatus>0</RoamingStatus>
<BatteryStatus></BatteryStatus>
<BatteryLevel></BatteryLevel>
<BatteryPercent></BatteryPercent>
<simlockStatus>0</simlockStatus>
<PrimaryDns>195.38.164.15</PrimaryDns>
<SecondaryDns>195.38.164.16</SecondaryDns>
<wififrequence>0</wififrequence>
<flymode>0</flymode>
<PrimaryIPv6Dns></PrimaryIPv6Dns>
<SecondaryIPv6Dns></SecondaryIPv6Dns>
<CurrentWifiUser></CurrentWifiUser>
<TotalWifiUser></TotalWifiUser>
<currenttotalwifiuser>0</currenttotalwifiuser>
<ServiceStatus>2</ServiceStatus>
<SimStatus>1</SimStatus>
<WifiStatus></WifiStatus>
<CurrentNetworkTypeEx>101</CurrentNetworkTypeEx>
<maxsignal>5</maxsignal>
<wifiindooronly>0</wifiindooronly>
<classify>hilink</classify>
<usbup>0</usbup>
<wifiswitchstatus>0</wifiswitchstatus>
<WifiStatusExCustom>0</WifiStatusExCustom>
<hvdcp_online>0</hvdcp_online>
<speedLimitStatus>0</speedLimitStatus>
<poorSignalStatus>0</poorSignalStatus>
</response>
)";

// GET /api/device/signal in the shape of public E3372h captures (a clipped
// RSSI is printed as "&gt;=-51dBm"); the values are ours.
constexpr const char* kSignalLte = R"(<?xml version="1.0" encoding="UTF-8"?>
<response>
<pci>144</pci>
<sc></sc>
<cell_id>136003329</cell_id>
<rsrq>-8dB</rsrq>
<rsrp>-86dBm</rsrp>
<rssi>&gt;=-51dBm</rssi>
<sinr>13dB</sinr>
<rscp></rscp>
<ecio></ecio>
<mode>7</mode>
<band>20</band>
</response>
)";
}  // namespace

TEST_CASE("monitoring/status, verbatim capture") {
  auto s = parse_status(reply(kStatusCapture));
  REQUIRE(s.ok());
  CHECK(s->connection == Connection::connected);
  CHECK(s->connection_code == 901);
  CHECK(to_string(s->connection) == "connected");
  CHECK(s->signal_icon == 3);
  CHECK(s->max_signal == 5);
  CHECK(s->network_type == 19);
  CHECK(s->network_type_ex == 101);
  CHECK(s->tech == AccessTech::lte);
  CHECK(s->rat() == "lte");
  CHECK(s->sim_status == 1);
  CHECK(s->service_status == 2);
  CHECK(s->roaming_status == 0);
  CHECK_FALSE(s->wan_ip.has_value());  // this capture has no WanIPAddress
  REQUIRE(s->primary_dns.has_value());
  CHECK(s->primary_dns->text() == "195.38.164.15");
  CHECK(s->secondary_dns->text() == "195.38.164.16");
}

TEST_CASE("monitoring/status: connection codes, network types, addresses") {
  auto s =
      parse_status(reply("<response><ConnectionStatus>902</ConnectionStatus><SignalIcon></SignalIcon>"
                         "<CurrentNetworkType>9</CurrentNetworkType><CurrentNetworkTypeEx></CurrentNetworkTypeEx>"
                         "<WanIPAddress>10.115.89.118</WanIPAddress></response>"));
  REQUIRE(s.ok());
  CHECK(s->connection == Connection::disconnected);
  CHECK_FALSE(s->signal_icon.has_value());
  CHECK(s->tech == AccessTech::hspa_plus);  // no _Ex: the older field
  CHECK(s->wan_ip->text() == "10.115.89.118");

  CHECK(connection_from_code(900) == Connection::connecting);
  CHECK(connection_from_code(903) == Connection::disconnecting);
  CHECK(connection_from_code(904) == Connection::other);  // "connect failed" on some firmware: kept, not an error
  auto other = parse_status(reply("<response><ConnectionStatus>904</ConnectionStatus></response>"));
  REQUIRE(other.ok());
  CHECK(other->connection == Connection::other);
  CHECK(other->connection_code == 904);

  CHECK(tech_from_network_type_ex(1011) == AccessTech::lte);
  CHECK(tech_from_network_type_ex(41) == AccessTech::umts);
  CHECK(tech_from_network_type_ex(46) == AccessTech::hspa_plus);
  CHECK(tech_from_network_type_ex(3) == AccessTech::edge);
  CHECK(tech_from_network_type_ex(81) == AccessTech::unknown);
  CHECK(tech_from_network_type(19) == AccessTech::lte);
  CHECK(tech_from_network_type(4) == AccessTech::umts);
  CHECK(tech_from_network_type(0) == AccessTech::unknown);
  // An unknown _Ex falls back to the older field.
  auto fallback =
      parse_status(reply("<response><ConnectionStatus>901</ConnectionStatus><CurrentNetworkType>19</CurrentNetworkType>"
                         "<CurrentNetworkTypeEx>1234</CurrentNetworkTypeEx></response>"));
  CHECK(fallback->tech == AccessTech::lte);
}

TEST_CASE("monitoring/status: what does not fit is a bad reply naming the field") {
  bad_reply(parse_status(reply("<response><SignalIcon>4</SignalIcon></response>")), "without ConnectionStatus");
  bad_reply(parse_status(reply("<response><ConnectionStatus>90l</ConnectionStatus></response>")),
            "ConnectionStatus '90l' is not a number");
  bad_reply(
      parse_status(reply("<response><ConnectionStatus>901</ConnectionStatus><SignalIcon>x</SignalIcon></response>")),
      "SignalIcon 'x'");
  bad_reply(parse_status(reply(
                "<response><ConnectionStatus>901</ConnectionStatus><WanIPAddress>10.1.1</WanIPAddress></response>")),
            "WanIPAddress '10.1.1' is not an IP address");
  bad_reply(parse_status(reply("<response>OK</response>")), "OK where fields belong");
}

TEST_CASE("device/signal: levels with units and bounds") {
  auto s = parse_signal(reply(kSignalLte));
  REQUIRE(s.ok());
  CHECK(s->rsrp == Level{-86, Level::Bound::exact});
  CHECK(s->rsrq == Level{-8, Level::Bound::exact});
  CHECK(s->rssi == Level{-51, Level::Bound::at_least});
  CHECK(s->sinr == Level{13, Level::Bound::exact});
  CHECK_FALSE(s->rscp.has_value());
  CHECK_FALSE(s->ecio.has_value());
  CHECK(s->pci == 144);
  CHECK(s->band == 20);
  CHECK(s->cell_id == "136003329");
  CHECK(s->mode == 7);

  auto report = signal_report(*s, AccessTech::lte);
  CHECK(report.tech == AccessTech::lte);
  CHECK(report.rsrp_dbm == -86);
  CHECK(report.rssi_dbm == -51);
  CHECK(report.rsrq_db == doctest::Approx(-8));
  CHECK(report.sinr_db == doctest::Approx(13));

  CHECK(parse_level("rsrq", "-15.0dB", "dB")->value == doctest::Approx(-15.0));
  CHECK(parse_level("rsrq", "-10.5dB", "dB")->value == doctest::Approx(-10.5));
  CHECK(parse_level("rsrp", "-140", "dBm")->value == -140);  // a bare number
  CHECK(parse_level("rssi", "<=-113dBm", "dBm")->bound == Level::Bound::at_most);
  CHECK(parse_level("sinr", " 0dB ", "dB")->value == 0);
  bad_reply(parse_level("rsrp", "-86dB", "dBm"), "rsrp '-86dB' is not a level in dBm");
  bad_reply(parse_level("rsrp", "dBm", "dBm"), "rsrp 'dBm'");
  bad_reply(parse_level("rsrp", "-8-6dBm", "dBm"), "rsrp '-8-6dBm'");
  bad_reply(parse_level("rsrp", "--86dBm", "dBm"), "rsrp");
  bad_reply(parse_level("rsrp", "-86 dBm!", "dBm"), "rsrp");
  bad_reply(parse_level("sinr", "1e9dB", "dB"), "sinr");
}

TEST_CASE("device/signal: no service and 3G") {
  // Every level empty, as a stick without service prints them.
  auto none =
      parse_signal(reply("<response><rssi></rssi><rsrp></rsrp><rsrq></rsrq><sinr></sinr><pci></pci><cell_id></cell_id>"
                         "<mode>7</mode></response>"));
  REQUIRE(none.ok());
  CHECK_FALSE(none->rsrp.has_value());
  CHECK_FALSE(none->pci.has_value());
  CHECK(none->cell_id.empty());
  auto umts =
      parse_signal(reply("<response><rssi>-67dBm</rssi><rscp>-79dBm</rscp><ecio>-6dB</ecio><mode>2</mode></response>"));
  REQUIRE(umts.ok());
  CHECK(umts->rscp->value == -79);
  CHECK(umts->ecio->value == -6);
  bad_reply(parse_signal(reply("<response><ConnectionStatus>901</ConnectionStatus></response>")),
            "without rsrp, rssi, rscp or mode");
  bad_reply(parse_signal(reply("<response><rsrp>strong</rsrp></response>")), "rsrp 'strong'");
  bad_reply(parse_signal(reply("<response><rsrp>-90dBm</rsrp><band>B3</band></response>")), "band 'B3'");
}

TEST_CASE("net/current-plmn") {
  auto p =
      parse_plmn(reply("<response><State>0</State><FullName>Telekom.de</FullName><ShortName>TDG</ShortName>"
                       "<Numeric>26201</Numeric><Rat>7</Rat><Spn></Spn></response>"));
  REQUIRE(p.ok());
  CHECK(p->state == 0);
  CHECK(p->full_name == "Telekom.de");
  CHECK(p->short_name == "TDG");
  CHECK(p->numeric == "26201");
  CHECK(p->rat == 7);
  auto noservice = parse_plmn(reply("<response><State>1</State><FullName></FullName><Numeric></Numeric></response>"));
  REQUIRE(noservice.ok());
  CHECK(noservice->numeric.empty());
  bad_reply(parse_plmn(reply("<response><Numeric>2620</Numeric></response>")), "not an MCC and MNC");
  bad_reply(parse_plmn(reply("<response><State>0</State></response>")), "without Numeric");
}

TEST_CASE("monitoring/traffic-statistics") {
  auto t = parse_traffic(
      reply("<response><CurrentConnectTime>3612</CurrentConnectTime><CurrentUpload>12345</CurrentUpload>"
            "<CurrentDownload>987654321</CurrentDownload><CurrentDownloadRate>1250000</CurrentDownloadRate>"
            "<CurrentUploadRate>125000</CurrentUploadRate><TotalUpload>123456789012</TotalUpload>"
            "<TotalDownload>9876543210</TotalDownload><TotalConnectTime>86400</TotalConnectTime>"
            "<showtraffic>1</showtraffic></response>"));
  REQUIRE(t.ok());
  CHECK(t->current_connect_time == 3612u);
  CHECK(t->current_download == 987654321u);
  CHECK(t->total_upload == 123456789012u);
  CHECK(t->total_download == 9876543210u);
  CHECK(t->current_download_rate == 1250000u);
  bad_reply(parse_traffic(reply("<response><CurrentDownload>-1</CurrentDownload></response>")),
            "CurrentDownload '-1' is not a number");
  bad_reply(parse_traffic(reply("<response><CurrentDownload>99999999999999999999999</CurrentDownload></response>")),
            "CurrentDownload");
  bad_reply(parse_traffic(reply("<response><ConnectionStatus>901</ConnectionStatus></response>")),
            "without CurrentDownload or TotalDownload");
}

TEST_CASE("user/state-login and the session token replies") {
  auto l =
      parse_login_state(reply("<response><State>-1</State><Username></Username><password_type>4</password_type>"
                              "<extern_password_type>1</extern_password_type><firstlogin>1</firstlogin></response>"));
  REQUIRE(l.ok());
  CHECK(l->state == -1);
  CHECK_FALSE(l->logged_in());
  CHECK(l->password_type == 4);
  auto old = parse_login_state(reply("<response><State>0</State></response>"));
  CHECK(old->logged_in());
  CHECK(old->password_type == 0);
  bad_reply(parse_login_state(reply("<response><password_type>4</password_type></response>")), "without State");

  auto st =
      parse_ses_tok_info(reply("<response><SesInfo>SessionID=abc123</SesInfo><TokInfo>tok987</TokInfo></response>"));
  REQUIRE(st.ok());
  CHECK(st->cookie == "SessionID=abc123");
  CHECK(st->token == "tok987");
  bad_reply(parse_ses_tok_info(reply("<response><SesInfo>SessionID=a</SesInfo></response>")), "without TokInfo");
  bad_reply(parse_ses_tok_info(reply("<response><SesInfo>abc</SesInfo><TokInfo>t</TokInfo></response>")),
            "is not name=value");
  bad_reply(parse_ses_tok_info(reply("<response><SesInfo>S=a</SesInfo><TokInfo>t t</TokInfo></response>")),
            "characters a header cannot carry");
  // A token with CR/LF would split the header line: refused.
  bad_reply(parse_token(reply("<response><token>a&#13;&#10;X-Evil: 1</token></response>")),
            "characters a header cannot carry");
  auto t = parse_token(reply("<response><token>Zx6bQ1Ck2pJd9wYqX0mHf4Ls7aGvRtEu</token></response>"));
  REQUIRE(t.ok());
  CHECK(t->token == "Zx6bQ1Ck2pJd9wYqX0mHf4Ls7aGvRtEu");
  CHECK(t->cookie.empty());
}

TEST_CASE("expect_ok") {
  CHECK(expect_ok(reply("<response>OK</response>")).ok());
  bad_reply(expect_ok(reply("<response><a>1</a></response>")), "fields (a, …) where OK belongs");
  bad_reply(expect_ok(reply("<response/>")), "an empty <response> where OK belongs");
}

TEST_CASE("login password") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  // Known answers computed with Python's hashlib and base64 from
  // huawei-lte-api's formula (api/User.py).
  auto four = login_password(4, "admin", "s3cret!", "Zx6bQ1Ck2pJd9wYqX0mHf4Ls7aGvRtEu");
  REQUIRE(four.ok());
  CHECK(*four == "ZGRhMmJjOTAzNWE2N2Q4MDVmZmIzZDA0NjAyM2QwZTYwYzk5YmY0NmE0YWQ2ZjBhZjY3YjMwMjZkMjgzNDMwYQ==");
  CHECK(*login_password(0, "admin", "s3cret!", "ignored") == "czNjcmV0IQ==");
  auto other = login_password(3, "admin", "x", "t");
  REQUIRE_FALSE(other.ok());
  CHECK(other.code() == Code::login_unsupported);
  CHECK(login_password(4, "admin", "x", "").code() == Code::token);
}

TEST_CASE("every code has a stable HILINK_ name") {
  for (int i = 0; i < kCodeCount; ++i) {
    auto name = code_name(static_cast<Code>(i));
    CHECK(name.rfind("HILINK_", 0) == 0);
    for (int j = 0; j < i; ++j) CHECK(name != code_name(static_cast<Code>(j)));
  }
  const std::pair<Code, std::string_view> names[] = {
      {Code::needs_login, "HILINK_NEEDS_LOGIN"},
      {Code::token, "HILINK_TOKEN"},
      {Code::bad_password, "HILINK_BAD_PASSWORD"},
      {Code::too_many_attempts, "HILINK_TOO_MANY_ATTEMPTS"},
      {Code::busy, "HILINK_BUSY"},
      {Code::bad_reply, "HILINK_BAD_REPLY"},
      {Code::timeout, "HILINK_TIMEOUT"},
      {Code::http, "HILINK_HTTP"},
  };
  for (auto [code, name] : names) CHECK(code_name(code) == name);
  CHECK(code_for_api_error(100003) == Code::needs_login);
  CHECK(code_for_api_error(125002) == Code::token);
  CHECK(code_for_api_error(108003) == Code::api_error);  // "already logged in": no name of its own
  CHECK(api_error_text(108003) == std::optional<std::string_view>("already logged in"));
  CHECK_FALSE(api_error_text(1).has_value());
}
