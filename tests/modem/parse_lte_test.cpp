// Table tests of the LTE-era parsers with verbatim transcripts: signal
// (+CESQ, Huawei ^HCSQ) and the network's technology from +COPS? <AcT>.
// Rows marked "MM" are ModemManager's test vectors, verbatim (file named in
// the comment above them). Every row also runs in the other
// line-ending variants (table.hpp), and the hostile rows must come back as
// AT_BAD_RESPONSE, never a crash.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "fb/at/parse_3gpp.hpp"
#include "fb/modem/parse_vendor.hpp"
#include "table.hpp"

using namespace fb::at;
using fb::modem::Code;
using fb::test::line_end_variants;
namespace huawei = fb::modem::huawei;

namespace {

constexpr auto kNone = std::nullopt;

}  // namespace

TEST_CASE("+CESQ table: RSRP/RSRQ on LTE, 99/255 unknown, the technology from what is known") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    AccessTech tech;
    std::optional<int> rssi_dbm;
    std::optional<int> rsrp_dbm;
    std::optional<double> rsrq_db;
  };
  const std::vector<Row> rows = {
      // MM src/tests/test-modem-helpers.c, cesq_response_tests[]
      {"MM LTE", "+CESQ: 99,99,255,255,20,80", true, AccessTech::lte, kNone, -61, -10.0},
      {"MM UMTS", "+CESQ: 99,99,95,40,255,255", true, AccessTech::umts, kNone, kNone, kNone},
      {"MM GSM", "+CESQ: 10,6,255,255,255,255", true, AccessTech::gsm, -101, kNone, kNone},
      {"nothing known", "+CESQ: 99,99,255,255,255,255", true, AccessTech::unknown, kNone, kNone, kNone},
      {"weakest steps", "+CESQ: 99,99,255,255,0,0", true, AccessTech::lte, kNone, -141, -20.0},
      {"strongest steps", "+CESQ: 99,99,255,255,34,97", true, AccessTech::lte, kNone, -44, -3.0},
      {"half-dB RSRQ", "+CESQ: 99,99,255,255,21,45", true, AccessTech::lte, kNone, -96, -9.5},
      {"RSRP only", "+CESQ: 99,99,255,255,255,50", true, AccessTech::lte, kNone, -91, kNone},
      {"RSRP beyond its scale is unknown", "+CESQ: 99,99,255,255,20,98", true, AccessTech::lte, kNone, kNone, -10.0},
      {"RSRQ beyond its scale is unknown", "+CESQ: 99,99,255,255,35,80", true, AccessTech::lte, kNone, -61, kNone},
      {"5G fields after it ignored", "+CESQ: 99,99,255,255,20,80,255,255,255", true, AccessTech::lte, kNone, -61,
       -10.0},
      {"no space, lower case", "+cesq:99,99,255,255,20,80", true, AccessTech::lte, kNone, -61, -10.0},
      {"echo and OK around", "AT+CESQ\r\r\n+CESQ: 99,99,255,255,18,62\r\n\r\nOK", true, AccessTech::lte, kNone, -79,
       -11.0},
      {"URC before", "^HCSQ:\"LTE\",30,19,66,0\r\n+CESQ: 99,99,255,255,20,80", true, AccessTech::lte, kNone, -61,
       -10.0},
      {"empty", "", false, AccessTech::unknown, kNone, kNone, kNone},
      {"only OK", "OK", false, AccessTech::unknown, kNone, kNone, kNone},
      {"no value", "+CESQ:", false, AccessTech::unknown, kNone, kNone, kNone},
      {"truncated", "+CESQ: 99,99,255,255,20", false, AccessTech::unknown, kNone, kNone, kNone},
      {"empty field", "+CESQ: 99,99,255,255,,80", false, AccessTech::unknown, kNone, kNone, kNone},
      {"letters", "+CESQ: 99,99,255,255,LTE,80", false, AccessTech::unknown, kNone, kNone, kNone},
      {"negative", "+CESQ: 99,99,255,255,-3,80", false, AccessTech::unknown, kNone, kNone, kNone},
      {"overflow", "+CESQ: 99,99,255,255,20,99999999999", false, AccessTech::unknown, kNone, kNone, kNone},
      {"test response", "+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)", false,
       AccessTech::unknown, kNone, kNone, kNone},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_cesq(text);
      REQUIRE(r.ok() == row.ok);
      if (!row.ok) {
        CHECK(r.code() == Code::at_bad_response);
        continue;
      }
      CHECK(r->tech == row.tech);
      CHECK(r->rssi_dbm == row.rssi_dbm);
      CHECK(r->rsrp_dbm == row.rsrp_dbm);
      CHECK(r->rsrq_db == row.rsrq_db);
      CHECK_FALSE(r->sinr_db);
      CHECK_FALSE(r->rssi);  // not on the +CSQ scale
      CHECK_FALSE(r->bars);
    }
}

TEST_CASE("+CSQ fills the same SignalReport, without a technology") {
  auto csq = parse_csq("+CSQ: 17,99");
  REQUIRE(csq);
  CHECK(csq->tech == AccessTech::unknown);
  CHECK(csq->rssi_dbm == -79);
  CHECK_FALSE(csq->rsrp_dbm);
  CHECK_FALSE(csq->rsrq_db);
  CHECK_FALSE(csq->sinr_db);
}

TEST_CASE("Huawei ^HCSQ table: LTE rssi/rsrp/sinr/rsrq with Huawei's scales") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    AccessTech tech;
    std::optional<int> rssi_dbm;
    std::optional<int> rsrp_dbm;
    std::optional<double> sinr_db;
    std::optional<double> rsrq_db;
  };
  const std::vector<Row> rows = {
      // MM plugins/huawei/tests/test-modem-helpers-huawei.c, hcsq_tests[]
      {"MM LTE", "^HCSQ:\"LTE\",30,19,66,0", true, AccessTech::lte, -91, -122, -7.0, -20.0},
      {"MM WCDMA", "^HCSQ: \"WCDMA\",30,30,58", true, AccessTech::umts, -91, kNone, kNone, kNone},
      {"MM GSM", "^HCSQ: \"GSM\",36,255", true, AccessTech::gsm, -85, kNone, kNone, kNone},
      {"MM LTE unquoted", "^HCSQ: LTE,33,40,135,11", true, AccessTech::lte, -88, -101, 6.8, -14.5},
      // MM rejects these two; here "no service" is a report with nothing known.
      {"MM no service", "^HCSQ: \"NOSERVICE\"", true, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"MM no service unquoted", "^HCSQ: NOSERVICE", true, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"LTE all unknown", "^HCSQ: \"LTE\",255,255,255,255", true, AccessTech::lte, kNone, kNone, kNone, kNone},
      {"LTE scale ends", "^HCSQ: \"LTE\",96,97,251,34", true, AccessTech::lte, -25, -44, 30.0, -3.0},
      {"LTE lowest", "^HCSQ: \"LTE\",0,0,0,0", true, AccessTech::lte, -121, -141, -20.2, -20.0},
      {"TD-SCDMA", "^HCSQ: \"TD-SCDMA\",40,30,20", true, AccessTech::umts, -81, kNone, kNone, kNone},
      {"lower case mode", "^hcsq: \"lte\",30,19,66,0", true, AccessTech::lte, -91, -122, -7.0, -20.0},
      {"echo and OK", "AT^HCSQ?\r\r\n^HCSQ: \"LTE\",52,42,151,15\r\n\r\nOK", true, AccessTech::lte, -69, -99, 10.0,
       -12.5},
      {"empty", "", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"no value", "^HCSQ:", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"empty mode", "^HCSQ: \"\",30,19,66,0", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"LTE truncated", "^HCSQ: \"LTE\",30,19", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"GSM without a value", "^HCSQ: \"GSM\"", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"letters", "^HCSQ: \"LTE\",x,19,66,0", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"negative", "^HCSQ: \"LTE\",30,-19,66,0", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"CDMA is not read", "^HCSQ: \"CDMA\",30", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
      {"unterminated quote", "^HCSQ: \"LTE,30,19,66,0", false, AccessTech::unknown, kNone, kNone, kNone, kNone},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = huawei::parse_hcsq(text);
      REQUIRE(r.ok() == row.ok);
      if (!row.ok) {
        CHECK(r.code() == Code::at_bad_response);
        continue;
      }
      CHECK(r->tech == row.tech);
      CHECK(r->rssi_dbm == row.rssi_dbm);
      CHECK(r->rsrp_dbm == row.rsrp_dbm);
      CHECK(r->rsrq_db == row.rsrq_db);
      REQUIRE(r->sinr_db.has_value() == row.sinr_db.has_value());
      if (row.sinr_db) CHECK(*r->sinr_db == doctest::Approx(*row.sinr_db));
    }
}

TEST_CASE("+COPS? <AcT> gives the network's technology") {
  struct Row {
    const char* text;
    AccessTech tech;
  };
  const std::vector<Row> rows = {
      // MM src/tests/test-modem-helpers.c, cops_query_data[]
      {"+COPS: 1,0,\"CHINA MOBILE\"", AccessTech::unknown},
      {"+COPS: 1,0,\"CHINA MOBILE\",7", AccessTech::lte},
      {"+COPS: 1,2,\"46000\"", AccessTech::unknown},
      {"+COPS: 1,2,\"46000\",7", AccessTech::lte},
      {"+COPS: 0,0,\"vodafone ES\",2", AccessTech::umts},
      {"+COPS: 0,0,\"Orange F\",0", AccessTech::gsm},
      {"+COPS: 0,0,\"x\",9", AccessTech::lte},  // E-UTRAN NB-S1
      {"+COPS: 0,0,\"x\",13", AccessTech::nr5g},
      {"+COPS: 0", AccessTech::unknown},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    auto op = parse_cops(row.text);
    REQUIRE(op);
    CHECK(op->tech() == row.tech);
  }
  auto ex = huawei::parse_sysinfoex("^SYSINFOEX:2,3,0,1,,6,\"LTE\",101,\"LTE\"");
  REQUIRE(ex);
  CHECK(ex->tech() == AccessTech::lte);
}
