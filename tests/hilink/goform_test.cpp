// ZTE goform replies (fb/hilink/goform.hpp): the JSON reader and every
// shape it refuses, the typed readings on replies transcribed from public
// captures, the login wall, the LOGIN answers and the form escaping.
//
// Sources of the replies (third-party, public):
//  kMf730     the canned reply of a public Python module for ZTE USB modems
//             ("tested against the ZTE MF730 (3G) device"), its multi_data
//             status query answered field for field.
//  kMf79u*    replies marked "CAPTURED — ZTE MF79U goform" in a public test
//             fixture file: with the Referer, and the same endpoint without
//             it (HTTP 200, every field blank).
//  kWan       the WAN object of a public ZTE web-UI API write-up
//             (realtime_* as decimal strings).
#include <doctest/doctest.h>

#include <string>

#include "fb/hilink/goform.hpp"
#include "fb/text.hpp"

using namespace fb::hilink;

namespace {

constexpr const char* kMf730 =
    R"({"modem_main_state":"modem_init_complete", "pin_status":"0", "loginfo":"ok", "new_version_state":"version_idle", "current_upgrade_state":"fota_idle", "is_mandatory":"", "sms_received_flag":"", "sts_received_flag":"", "signalbar":"2", "network_type":"DC-HSPA+", "network_provider":"3", "ppp_status":"ppp_connected", "EX_SSID1":"", "sta_ip_status":"", "EX_wifi_profile":"", "m_ssid_enable":"", "sms_unread_num":"0", "sms_dev_unread_num":"0", "sms_sim_unread_num":"0", "RadioOff":"1", "simcard_roam":"Home", "lan_ipaddr":"192.168.0.1", "station_mac":"", "battery_charging":"", "battery_vol_percent":"", "battery_pers":"", "spn_display_flag":"0", "plmn_display_flag":"1", "spn_name_data":"0033", "spn_b1_flag":"0", "spn_b2_flag":"0", "realtime_tx_bytes":"240692", "realtime_rx_bytes":"1265438", "realtime_time":"771", "realtime_tx_thrpt":"69", "realtime_rx_thrpt":"69", "monthly_rx_bytes":"39886898", "monthly_tx_bytes":"2365084", "monthly_time":"14028", "date_month":"201705", "data_volume_limit_switch":"0", "data_volume_limit_size":"", "data_volume_alert_percent":"", "data_volume_limit_unit":"", "roam_setting_option":"off", "upg_roam_switch":"0"})";

constexpr const char* kMf79uBench =
    R"({"modem_main_state":"modem_sim_undetected","ppp_status":"ppp_disconnected","signalbar":"","apn_name":""})";
constexpr const char* kMf79uNoReferer = R"({"modem_main_state":"","ppp_status":"","signalbar":"","apn_name":""})";

constexpr const char* kWan = R"({
    "connectionMode": "auto_dial",
    "autoConnectWhenRoaming": "off",
    "ppp_status":"ppp_connected",
    "realtime_rx_bytes": "1116739479",
    "realtime_rx_thrpt": "1580",
    "realtime_time": "63821",
    "realtime_tx_bytes": "99545339",
    "realtime_tx_thrpt": "3024",
    "monthly_rx_bytes": "23120021145",
    "monthly_time": "1062306",
    "monthly_tx_bytes": "2332584668"
})";

Reply read_ok(std::string_view body) {
  auto r = read_goform_reply(body);
  REQUIRE_MESSAGE(r.ok(), describe(r));
  return *r;
}

void check_bad(const auto& result, Code code, std::string_view words) {
  REQUIRE_FALSE(result.ok());
  CHECK_MESSAGE(result.code() == code, describe(result));
  CHECK_MESSAGE(result.error().detail.find(words) != std::string::npos, describe(result));
}

// A reply with the status fields an MF730 printed, plus the ones failberry
// also asks (blank, as multi_data answers a field it does not know).
Reply status_reply(std::string body) {
  Reply r = read_ok(body);
  for (const char* name : {"wan_ipaddr", "simcard_roam", "network_type", "modem_main_state", "ppp_status"})
    if (!r.find(name)) r.fields.push_back(Field{name, ""});
  return r;
}

}  // namespace

TEST_CASE("read_goform_reply: a flat object of strings, numbers and nulls") {
  Reply r = read_ok(kMf730);
  CHECK(r.fields.size() == 46);
  REQUIRE(r.find("ppp_status"));
  CHECK(*r.find("ppp_status") == "ppp_connected");
  CHECK(*r.find("is_mandatory") == "");

  Reply n = read_ok(R"({"realtime_tx_bytes":0,"x":null,"y":true,"z":-7.5})");  // the web UI's simulator prints numbers
  CHECK(*n.find("realtime_tx_bytes") == "0");
  CHECK(*n.find("x") == "");
  CHECK(*n.find("y") == "true");
  CHECK(*n.find("z") == "-7.5");
  Reply nested = read_ok(R"({"list":[1,2],"ppp_status":"ppp_connected"})");  // kept as text, not refused
  CHECK(*nested.find("list") == "[1,2]");
}

TEST_CASE("read_goform_reply refuses what is not a goform answer, saying what came") {
  check_bad(read_goform_reply(""), Code::bad_reply, "empty body");
  check_bad(read_goform_reply(" \r\n"), Code::bad_reply, "empty body");
  check_bad(read_goform_reply("<!DOCTYPE html>\n<html><head><title>MF823</title></head></html>"), Code::bad_reply,
            "HTML page");
  check_bad(read_goform_reply("<html><body>login</body></html>"), Code::bad_reply, "HTML page");
  check_bad(read_goform_reply(R"({"ppp_status":"ppp_connected",)"), Code::bad_reply, "not JSON");
  check_bad(read_goform_reply("ppp_connected"), Code::bad_reply, "not JSON");
  check_bad(read_goform_reply(R"(["ppp_connected"])"), Code::bad_reply, "array where an object belongs");
  check_bad(read_goform_reply(R"("success")"), Code::bad_reply, "string where an object belongs");
  check_bad(read_goform_reply(std::string(R"({"a":")") + std::string(100, 'x') + "\"}", 64), Code::bad_reply,
            "over the limit of 64");
  std::string many = "{";
  for (std::size_t i = 0; i <= kMaxFields; ++i)
    many += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\":1";
  check_bad(read_goform_reply(many + "}"), Code::bad_reply, "more than 256 fields");
}

TEST_CASE("parse_goform_status on an MF730's reply") {
  auto s = parse_goform_status(status_reply(kMf730));
  REQUIRE_MESSAGE(s.ok(), describe(s));
  CHECK(s->connection == Connection::connected);
  CHECK(s->connection_printed() == "ppp_status ppp_connected");
  CHECK(s->tech == fb::at::AccessTech::hspa_plus);
  CHECK(s->signal_icon == 2);
  CHECK(s->max_signal == 5);
  CHECK(s->sim_status == 1);
  CHECK(s->service_status == 2);
  CHECK(s->roaming_status == 0);
  CHECK_FALSE(s->wan_ip);  // not asked by that script: blank, unknown
}

TEST_CASE("parse_goform_status: no SIM, nothing known, is unknown rather than zero") {
  auto s = parse_goform_status(status_reply(kMf79uBench));
  REQUIRE_MESSAGE(s.ok(), describe(s));
  CHECK(s->connection == Connection::disconnected);
  CHECK(s->sim_status == 255);
  CHECK_FALSE(s->signal_icon);
  CHECK_FALSE(s->service_status);
  CHECK(s->tech == fb::at::AccessTech::unknown);
}

TEST_CASE("parse_goform_status: states, roaming, no service and bad values") {
  Reply r = read_ok(
      R"({"modem_main_state":"modem_waitpin","ppp_status":"ppp_connecting","network_type":"FDD_LTE","signalbar":"5","simcard_roam":"International","wan_ipaddr":"10.1.2.3"})");
  auto s = parse_goform_status(r);
  REQUIRE(s.ok());
  CHECK(s->connection == Connection::connecting);
  CHECK(s->sim_status == 0);  // PIN wanted: not ready
  CHECK(s->tech == fb::at::AccessTech::lte);
  CHECK(s->roaming_status == 1);
  CHECK(s->wan_ip->text() == "10.1.2.3");

  auto limited = parse_goform_status(read_ok(
      R"({"modem_main_state":"modem_init_complete","ppp_status":"ppp_disconnected","network_type":"limited_service","signalbar":"0","simcard_roam":"Home","wan_ipaddr":"0.0.0.0"})"));
  REQUIRE(limited.ok());
  CHECK(limited->service_status == 0);
  CHECK_FALSE(limited->roaming_status);
  CHECK_FALSE(limited->wan_ip);  // 0.0.0.0: none yet

  check_bad(parse_goform_status(read_ok(R"({"loginfo":"ok"})")), Code::bad_reply, "no ppp_status");
  check_bad(
      parse_goform_status(read_ok(
          R"({"modem_main_state":"","ppp_status":"","network_type":"","signalbar":"four","simcard_roam":"","wan_ipaddr":""})")),
      Code::bad_reply, "signalbar 'four' is not a number");
  check_bad(
      parse_goform_status(read_ok(
          R"({"modem_main_state":"","ppp_status":"","network_type":"","signalbar":"9","simcard_roam":"","wan_ipaddr":""})")),
      Code::bad_reply, "outside 0..5");
  check_bad(
      parse_goform_status(read_ok(
          R"({"modem_main_state":"","ppp_status":"","network_type":"","signalbar":"","simcard_roam":"","wan_ipaddr":"10.1.2"})")),
      Code::bad_reply, "wan_ipaddr '10.1.2' is not an IP address");
}

TEST_CASE("tech_from_goform_network_type: the web UI's names by generation") {
  using fb::at::AccessTech;
  CHECK(tech_from_goform_network_type("LTE") == AccessTech::lte);
  CHECK(tech_from_goform_network_type("TDD-LTE") == AccessTech::lte);
  CHECK(tech_from_goform_network_type("4G") == AccessTech::lte);
  CHECK(tech_from_goform_network_type("DC-HSPA+") == AccessTech::hspa_plus);
  CHECK(tech_from_goform_network_type("WCDMA") == AccessTech::umts);
  CHECK(tech_from_goform_network_type("EDGE") == AccessTech::edge);
  CHECK(tech_from_goform_network_type("GSM") == AccessTech::gsm);
  CHECK(tech_from_goform_network_type("") == AccessTech::unknown);
  CHECK(tech_from_goform_network_type("No Service") == AccessTech::unknown);
  CHECK(tech_from_goform_network_type("ENDC") == AccessTech::unknown);  // not one the UI's table names
}

TEST_CASE("parse_goform_signal: bare numbers, blanks unknown, band with or without B") {
  auto s = parse_goform_signal(read_ok(
      R"({"network_type":"LTE","lte_rsrp":"-95","lte_rsrq":"-10.5","lte_snr":"12","rssi":"-71","rscp":"","lte_band":"B3","cell_id":"123456"})"));
  REQUIRE_MESSAGE(s.ok(), describe(s));
  CHECK(s->rsrp->value == -95);
  CHECK(s->rsrq->value == -10.5);
  CHECK(s->sinr->value == 12);
  CHECK(s->rssi->value == -71);
  CHECK_FALSE(s->rscp);
  CHECK(s->band == 3);
  CHECK(s->cell_id == "123456");
  CHECK(s->mode == 7);
  auto report = signal_report(*s, fb::at::AccessTech::lte);
  CHECK(report.rsrp_dbm == -95);

  auto blank = parse_goform_signal(read_ok(
      R"({"network_type":"","lte_rsrp":"","lte_rsrq":"","lte_snr":"","rssi":"","rscp":"","lte_band":"","cell_id":""})"));
  REQUIRE(blank.ok());
  CHECK(*blank == Signal{});

  check_bad(
      parse_goform_signal(read_ok(
          R"({"network_type":"LTE","lte_rsrp":"n/a","lte_rsrq":"","lte_snr":"","rssi":"","rscp":"","lte_band":"","cell_id":""})")),
      Code::bad_reply, "lte_rsrp");
  check_bad(
      parse_goform_signal(read_ok(
          R"({"network_type":"LTE","lte_rsrp":"","lte_rsrq":"","lte_snr":"","rssi":"","rscp":"","lte_band":"LTE BAND 3","cell_id":""})")),
      Code::bad_reply, "lte_band 'LTE BAND 3' is not a band number");
  check_bad(parse_goform_signal(read_ok(R"({"network_type":"LTE"})")), Code::bad_reply, "no lte_rsrp");
}

TEST_CASE("parse_goform_plmn and parse_goform_traffic") {
  auto p = parse_goform_plmn(read_ok(R"({"network_provider":"3","network_type":"DC-HSPA+","rmcc":"","rmnc":""})"));
  REQUIRE(p.ok());
  CHECK(p->full_name == "3");
  CHECK(p->numeric.empty());
  CHECK(p->rat == 2);
  auto q = parse_goform_plmn(read_ok(R"({"network_provider":"MTS","network_type":"LTE","rmcc":"250","rmnc":"01"})"));
  REQUIRE(q.ok());
  CHECK(q->numeric == "25001");
  CHECK(q->rat == 7);
  check_bad(parse_goform_plmn(read_ok(R"({"network_provider":"","network_type":"","rmcc":"2x0","rmnc":"01"})")),
            Code::bad_reply, "not an MCC and MNC");

  auto t = parse_goform_traffic(read_ok(kWan));
  REQUIRE_MESSAGE(t.ok(), describe(t));
  CHECK(t->current_download == 1116739479u);
  CHECK(t->current_upload == 99545339u);
  CHECK(t->current_connect_time == 63821u);
  CHECK(t->current_download_rate == 1580u);
  CHECK(t->current_upload_rate == 3024u);
  CHECK_FALSE(t->total_download);  // monthly_* is per month, not the stick's total: not mapped
  check_bad(
      parse_goform_traffic(read_ok(
          R"({"realtime_tx_bytes":"-1","realtime_rx_bytes":"","realtime_time":"","realtime_tx_thrpt":"","realtime_rx_thrpt":""})")),
      Code::bad_reply, "realtime_tx_bytes '-1' is not a number");
}

TEST_CASE("goform_login_wall: blank behind a login, blank without the Referer, or an answer") {
  CHECK(goform_login_wall(read_ok(kMf730), "GET status").ok());
  CHECK(goform_login_wall(read_ok(kMf79uBench), "GET status").ok());  // no SIM is an answer
  check_bad(goform_login_wall(read_ok(kMf79uNoReferer), "GET status"), Code::bad_reply, "Referer");
  check_bad(goform_login_wall(read_ok(R"({"ppp_status":"","signalbar":"","loginfo":"no"})"), "GET status"),
            Code::needs_login, "GET status: every field blank and loginfo 'no'");
  CHECK(goform_login_wall(read_ok(R"({"ppp_status":"","loginfo":"ok"})"), "GET status").ok());
}

TEST_CASE("set and LOGIN answers") {
  CHECK(expect_goform_success(read_ok(R"({"result":"success"})")).ok());
  check_bad(expect_goform_success(read_ok(R"({"result":"failure"})")), Code::api_error, "result 'failure'");
  check_bad(expect_goform_success(read_ok(R"({"result":"faulure"})")), Code::api_error, "faulure");  // ArchWiki's
  check_bad(expect_goform_success(read_ok(R"({"ppp_status":"ppp_connected"})")), Code::bad_reply, "no result");

  CHECK(goform_login_result(read_ok(R"({"result":"0"})")).ok());
  CHECK(goform_login_result(read_ok(R"({"result":"4"})")).ok());  // already logged in
  check_bad(goform_login_result(read_ok(R"({"result":"3"})")), Code::bad_password, "bad password");
  check_bad(goform_login_result(read_ok(R"({"result":"1"})")), Code::bad_password, "login failed");
  check_bad(goform_login_result(read_ok(R"({"result":"2"})")), Code::api_error, "another user");
  check_bad(goform_login_result(read_ok(R"({})")), Code::bad_reply, "no result");

  CHECK(goform_login_scheme(read_ok(R"({"LD":""})")).ok());
  CHECK(goform_login_scheme(read_ok(R"({})")).ok());
  check_bad(goform_login_scheme(read_ok(R"({"LD":"7A3C9E21B04D5F68"})")), Code::login_unsupported, "SHA-256");
}

TEST_CASE("the LOGIN password: base64, then form-encoded by fb::url_encode") {
  CHECK(fb::url_encode("czNjcmV0Ky89") == "czNjcmV0Ky89");
  CHECK(fb::url_encode("YWRtaW4=") == "YWRtaW4%3D");
  CHECK(fb::url_encode("a+b/c d") == "a%2Bb%2Fc%20d");
  CHECK(base64("admin") == "YWRtaW4=");
}
