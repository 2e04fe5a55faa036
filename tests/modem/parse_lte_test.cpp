// Table tests of the LTE-era parsers with verbatim transcripts: signal
// (+CESQ, Huawei ^HCSQ, Quectel +QENG="servingcell"), the network's technology from +COPS? <AcT>, and the
// state and address of a network-interface session (Huawei ^NDISSTAT /
// ^NDISSTATQRY and ^DHCP, 27.007 +CGACT? and +CGCONTRDP). Rows marked "MM"
// are ModemManager's test vectors, verbatim (file named in the comment
// above them); "HW" rows are the examples in Huawei's AT command tables
// (shared/reference/LTE-MODEMS.md §2). Every row also runs in the other
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
using fb::IpAddress;
using fb::modem::Code;
using fb::test::line_end_variants;
namespace huawei = fb::modem::huawei;

namespace {

std::optional<IpAddress> ip(const char* text) {
  if (!text) return std::nullopt;
  auto a = IpAddress::parse(text);
  REQUIRE(a);
  return a;
}

constexpr auto kNone = std::nullopt;
constexpr const char* kNo = nullptr;

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

TEST_CASE("Quectel +QENG=\"servingcell\" table: band, RSRP, RSRQ, SINR as printed; '-' and out-of-range unknown") {
  namespace quectel = fb::modem::quectel;
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    AccessTech tech;
    std::optional<int> band;
    std::optional<int> rsrp_dbm;
    std::optional<double> rsrq_db;
    std::optional<int> rssi_dbm;
    std::optional<double> sinr_db;
  };
  const std::vector<Row> rows = {
      // shared/reference/LTE-MODEMS.md §5: an EP06-A capture (third-party), verbatim
      {"EP06-A",
       "+QENG: \"servingcell\",\"NOCONN\",\"LTE\",\"FDD\",310,260,1452808,315,5035,12,2,2,3AFD,-104,-11,-78,12,20",
       true, AccessTech::lte, 12, -104, -11.0, -78, 12.0},
      // an EG25-G's answer quoted in a third-party project's source (openqti, cell.h), its comment's
      // line break after the tag taken out
      {"EG25-G",
       "+QENG: "
       "\"servingcell\",\"NOCONN\",\"LTE\",\"FDD\",214,01,7676A09,188,6300,20,3,3,603,-104,-9,-78,11,23\r\n\r\nOK",
       true, AccessTech::lte, 20, -104, -9.0, -78, 11.0},
      {"connected",
       "+QENG: \"servingcell\",\"CONNECT\",\"LTE\",\"TDD\",460,00,5A3C1,77,38950,40,5,5,1F2,-88,-7,-60,25,45", true,
       AccessTech::lte, 40, -88, -7.0, -60, 25.0},
      {"EN-DC: LTE on its own line",
       "+QENG: \"servingcell\",\"NOCONN\"\r\n+QENG: \"LTE\",\"FDD\",262,01,2B6B01A,52,1300,3,5,5,D5AB,-97,-12,-65,8,"
       "-,-32768,30\r\n+QENG:\"NR5G-NSA\",262,01,629,-92,22,-11,627264,78,12,1",
       true, AccessTech::lte, 3, -97, -12.0, -65, 8.0},
      {"not available fields", "+QENG: \"servingcell\",\"LIMSRV\",\"LTE\",\"FDD\",262,01,-,-,1300,3,5,5,-,-,-,-,-,-",
       true, AccessTech::lte, 3, kNone, kNone, kNone, kNone},
      {"values beyond their range",
       "+QENG: \"servingcell\",\"NOCONN\",\"LTE\",\"FDD\",262,01,1,1,1,0,5,5,1,-30,-40,-5,150,1", true, AccessTech::lte,
       kNone, kNone, kNone, kNone, kNone},
      {"searching", "+QENG: \"servingcell\",\"SEARCH\"", true, AccessTech::unknown, kNone, kNone, kNone, kNone, kNone},
      {"WCDMA", "+QENG: \"servingcell\",\"NOCONN\",\"WCDMA\",262,02,3E9,A3D5B,10588,277,11,-85,-6,-,-,-,-,-", true,
       AccessTech::umts, kNone, kNone, kNone, kNone, kNone},
      {"5G SA",
       "+QENG: \"servingcell\",\"NOCONN\",\"NR5G-SA\",\"TDD\",262,01,12345678,99,1A2B3C,630000,78,12,-90,-11,15", true,
       AccessTech::nr5g, kNone, kNone, kNone, kNone, kNone},
      {"empty", "", false, AccessTech::unknown, kNone, kNone, kNone, kNone, kNone},
      {"OK only", "OK", false, AccessTech::unknown, kNone, kNone, kNone, kNone, kNone},
      {"neighbour cells only", "+QENG: \"neighbourcell intra\",\"LTE\",6300,188,-12,-105,-75,-20,23,4,12,10,62", false,
       AccessTech::unknown, kNone, kNone, kNone, kNone, kNone},
      {"short LTE group", "+QENG: \"servingcell\",\"NOCONN\",\"LTE\",\"FDD\",262,01,1A2D001,123,1300,3", false,
       AccessTech::unknown, kNone, kNone, kNone, kNone, kNone},
      {"letters for RSRP", "+QENG: \"servingcell\",\"NOCONN\",\"LTE\",\"FDD\",262,01,1,1,1,3,5,5,1,-1x4,-9,-78,11,23",
       false, AccessTech::unknown, kNone, kNone, kNone, kNone, kNone},
      {"a lone minus sign is not a number",
       "+QENG: \"servingcell\",\"NOCONN\",\"LTE\",\"FDD\",262,01,1,1,1,3,5,5,1,--,-9,-78,11,23", false,
       AccessTech::unknown, kNone, kNone, kNone, kNone, kNone},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = quectel::parse_qeng_servingcell(text);
      REQUIRE(r.ok() == row.ok);
      if (!row.ok) {
        CHECK(r.code() == Code::at_bad_response);
        continue;
      }
      CHECK(r->tech == row.tech);
      CHECK(r->band == row.band);
      CHECK(r->rsrp_dbm == row.rsrp_dbm);
      CHECK(r->rsrq_db == row.rsrq_db);
      CHECK(r->rssi_dbm == row.rssi_dbm);
      CHECK(r->sinr_db == row.sinr_db);
    }
}

TEST_CASE("LTE bars from RSRP: Android's default thresholds -128/-118/-108/-98 dBm") {
  struct Row {
    int rsrp_dbm;
    int bars;
  };
  for (auto row : {Row{-141, 0}, Row{-129, 0}, Row{-128, 1}, Row{-119, 1}, Row{-118, 2}, Row{-109, 2}, Row{-108, 3},
                   Row{-99, 3}, Row{-98, 4}, Row{-44, 4}}) {
    CAPTURE(row.rsrp_dbm);
    CHECK(bars_from_rsrp(row.rsrp_dbm) == row.bars);
  }
}

TEST_CASE("signal reports merge: what a later query knows wins, what it does not know stays") {
  auto csq = parse_csq("+CSQ: 17,99");
  auto cesq = parse_cesq("+CESQ: 99,99,255,255,20,36");
  auto hcsq = huawei::parse_hcsq("^HCSQ: \"LTE\",42,37,161,22");
  REQUIRE(csq);
  REQUIRE(cesq);
  REQUIRE(hcsq);
  SignalReport s = *csq;
  merge(s, *cesq);
  CHECK(s.tech == AccessTech::lte);
  CHECK(s.rssi_dbm == -79);  // +CESQ on LTE has no RSSI: +CSQ's stays
  CHECK(s.bars == 3);
  CHECK(s.rsrp_dbm == -105);
  CHECK(s.rsrq_db == -10.0);
  CHECK_FALSE(s.sinr_db);
  merge(s, *hcsq);
  CHECK(s.rsrp_dbm == -104);
  CHECK(s.rsrq_db == -9.0);
  REQUIRE(s.sinr_db);
  CHECK(*s.sinr_db == doctest::Approx(12.0));
  merge(s, SignalReport{});  // a report that knows nothing changes nothing
  CHECK(s.rsrp_dbm == -104);
  CHECK(s.tech == AccessTech::lte);
}

TEST_CASE("the radio access technology of each access tech") {
  CHECK(rat_name(AccessTech::edge) == "gsm");
  CHECK(rat_name(AccessTech::hspa_plus) == "umts");
  CHECK(rat_name(access_tech_from_act(7)) == "lte");
  CHECK(rat_name(access_tech_from_act(12)) == "5g");
  CHECK(rat_name(AccessTech::unknown).empty());
}

TEST_CASE("Huawei ^NDISSTAT URC and ^NDISSTATQRY? table: per-family state, all three forms") {
  using huawei::NdisState;
  constexpr auto kC = NdisState::connected;
  constexpr auto kD = NdisState::disconnected;
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    std::optional<NdisState> ipv4, ipv6;  // nullopt: not mentioned
    std::optional<std::uint32_t> ipv4_cause, ipv6_cause;
  };
  const std::vector<Row> rows = {
      // MM plugins/huawei/tests/test-modem-helpers-huawei.c, ndisstatqry_tests[]
      {"MM URC v4 up", "^NDISSTAT: 1,,,IPV4", true, kC, kNone, kNone, kNone},
      {"MM URC v4 down", "^NDISSTAT: 0,,,IPV4", true, kD, kNone, kNone, kNone},
      {"MM URC v6 up", "^NDISSTAT: 1,,,IPV6", true, kNone, kC, kNone, kNone},
      {"MM URC v6 down", "^NDISSTAT: 0,,,IPV6", true, kNone, kD, kNone, kNone},
      {"MM URC two lines", "^NDISSTAT: 1,,,IPV4\r\n^NDISSTAT: 0,,,IPV6", true, kC, kD, kNone, kNone},
      {"MM URC one line", "^NDISSTAT: 0,,,\"IPV4\",1,,,\"IPV6\"", true, kD, kC, kNone, kNone},
      {"MM URC one line both down", "^NDISSTAT: 0,,,\"IPV4\",0,,,\"IPV6\"", true, kD, kD, kNone, kNone},
      {"MM query v4 up", "^NDISSTATQRY: 1,,,IPV4", true, kC, kNone, kNone, kNone},
      {"MM query two lines", "^NDISSTATQRY: 0,,,IPV4\r\n^NDISSTATQRY: 1,,,IPV6", true, kD, kC, kNone, kNone},
      {"MM query one line", "^NDISSTATQRY: 1,,,\"IPV4\",0,,,\"IPV6\"", true, kC, kD, kNone, kNone},
      {"MM query one line up", "^NDISSTATQRY: 1,,,\"IPV4\",1,,,\"IPV6\"", true, kC, kC, kNone, kNone},
      {"MM bare form up", "^NDISSTATQry:1", true, kC, kNone, kNone, kNone},
      {"MM bare form down", "^NDISSTATQry:0", true, kD, kNone, kNone, kNone},
      // Newer firmware, no space (LTE-MODEMS.md §2.2, as ModemManager's comment shows it).
      {"no space", "^NDISSTATQRY:0,,,\"IPV4\",0,,,\"IPV6\"", true, kD, kD, kNone, kNone},
      // ModemManager's comment: a failed dial carries the 24.008 cause.
      {"MM comment: cause 33", "^NDISSTAT: 0,33,,IPV6", true, kNone, kD, kNone, 33},
      {"cause on both", "^NDISSTATQRY: 0,33,,\"IPV4\",0,33,,\"IPV6\"", true, kD, kD, 33, 33},
      // HW: the table's example has an extra field before the type.
      {"HW example", "^NDISSTATQRY: 1,0,,,\"IPV4\",1,,,\"IPV6\"", true, kC, kC, kNone, kNone},
      {"connecting", "^NDISSTAT: 2,,,IPV4", true, NdisState::connecting, kNone, kNone, kNone},
      {"trailing comma", "^NDISSTAT: 1,,,IPV4,", true, kC, kNone, kNone, kNone},
      {"echo and OK", "AT^NDISSTATQRY?\r\r\n^NDISSTATQRY: 1,,,\"IPV4\",0,,,\"IPV6\"\r\n\r\nOK", true, kC, kD, kNone,
       kNone},
      {"other URC first", "^RSSI:17\r\n^NDISSTAT: 0,,,IPV4", true, kD, kNone, kNone, kNone},
      {"empty", "", false, kNone, kNone, kNone, kNone},
      {"only OK", "OK", false, kNone, kNone, kNone, kNone},
      {"no value", "^NDISSTAT:", false, kNone, kNone, kNone, kNone},
      {"group without type", "^NDISSTAT: 1,,,", false, kNone, kNone, kNone, kNone},
      {"second group truncated", "^NDISSTATQRY: 1,,,\"IPV4\",0,,", false, kNone, kNone, kNone, kNone},
      {"state 4", "^NDISSTAT: 4,,,IPV4", false, kNone, kNone, kNone, kNone},
      {"state letters", "^NDISSTAT: x,,,IPV4", false, kNone, kNone, kNone, kNone},
      {"unknown family", "^NDISSTAT: 1,,,\"PPP\"", false, kNone, kNone, kNone, kNone},
      {"overflow", "^NDISSTAT: 1,99999999999,,IPV4", false, kNone, kNone, kNone, kNone},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = huawei::parse_ndisstat(text);
      REQUIRE(r.ok() == row.ok);
      if (!row.ok) {
        CHECK(r.code() == Code::at_bad_response);
        continue;
      }
      REQUIRE(r->ipv4.has_value() == row.ipv4.has_value());
      REQUIRE(r->ipv6.has_value() == row.ipv6.has_value());
      if (row.ipv4) {
        CHECK(r->ipv4->state == *row.ipv4);
        CHECK(r->ipv4->cause == row.ipv4_cause);
      }
      if (row.ipv6) {
        CHECK(r->ipv6->state == *row.ipv6);
        CHECK(r->ipv6->cause == row.ipv6_cause);
      }
      CHECK(r->connected() == (row.ipv4 == kC || row.ipv6 == kC));
    }
  CHECK(to_string(NdisState::disconnecting) == "disconnecting");
}

TEST_CASE("Huawei ^DHCP? table: little-endian hex addresses") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    const char* address;
    std::optional<int> prefix;
    const char* gateway;
    const char* dns1;
    const char* dns2;
    std::optional<std::uint32_t> rx, tx;
  };
  const std::vector<Row> rows = {
      // MM plugins/huawei/tests/test-modem-helpers-huawei.c, dhcp_tests[]
      {"MM", "^DHCP:a3ec5c64,f8ffffff,a1ec5c64,a1ec5c64,2200b10a,74bba80a,236800,236800", true, "100.92.236.163", 29,
       "100.92.236.161", "10.177.0.34", "10.168.187.116", 236800, 236800},
      {"MM 0x", "^DHCP:0xa3ec5c64,0xf8ffffff,0xa1ec5c64,0xa1ec5c64,0x2200b10a,0x74bba80a,236800,236800", true,
       "100.92.236.163", 29, "100.92.236.161", "10.177.0.34", "10.168.187.116", 236800, 236800},
      {"MM leading zero dropped, no DNS", "^DHCP: 1010A0A,FCFFFFFF,2010A0A,2010A0A,0,0,150000000,150000000", true,
       "10.10.1.1", 30, "10.10.1.2", kNo, kNo, 150000000, 150000000},
      {"MM upper case", "^DHCP: CCDB080A,F8FFFFFF,C9DB080A,C9DB080A,E67B59C0,E77B59C0,85600,85600", true,
       "10.8.219.204", 29, "10.8.219.201", "192.89.123.230", "192.89.123.231", 85600, 85600},
      {"MM 0X", "^DHCP: 0XCCDB080A,0XF8FFFFFF,0XC9DB080A,0XC9DB080A,0XE67B59C0,0XE77B59C0,85600,85600", true,
       "10.8.219.204", 29, "10.8.219.201", "192.89.123.230", "192.89.123.231", 85600, 85600},
      // HW: the table's example.
      {"HW example", "^DHCP: 16007e0a,fcffffff,15007e0a,15007e0a,6537480a,64ff480a,7200000,384000", true, "10.126.0.22",
       30, "10.126.0.21", "10.72.55.101", "10.72.255.100", 7200000, 384000},
      // ModemManager's comment: "2032A8C0" is 192.168.50.32.
      {"MM comment", "^DHCP: 2032A8C0,00FFFFFF,0132A8C0,0132A8C0,0132A8C0,0,0,0", true, "192.168.50.32", 24,
       "192.168.50.1", "192.168.50.1", kNo, 0, 0},
      {"/24 mask with its zeros dropped", "^DHCP: 2032A8C0,FFFFFF,0132A8C0,0132A8C0,0,0", true, "192.168.50.32", 24,
       "192.168.50.1", kNo, kNo, kNone, kNone},
      {"rates not numbers", "^DHCP: 2032A8C0,00FFFFFF,0132A8C0,0132A8C0,0,0,fast,slow", true, "192.168.50.32", 24,
       "192.168.50.1", kNo, kNo, kNone, kNone},
      {"echo and OK",
       "AT^DHCP?\r\r\n^DHCP: 16007e0a,fcffffff,15007e0a,15007e0a,6537480a,64ff480a,7200000,384000\r\n"
       "\r\nOK",
       true, "10.126.0.22", 30, "10.126.0.21", "10.72.55.101", "10.72.255.100", 7200000, 384000},
      {"empty", "", false, kNo, kNone, kNo, kNo, kNo, kNone, kNone},
      {"ERROR when not connected", "ERROR", false, kNo, kNone, kNo, kNo, kNo, kNone, kNone},
      {"no value", "^DHCP:", false, kNo, kNone, kNo, kNo, kNo, kNone, kNone},
      {"truncated", "^DHCP: 16007e0a,fcffffff,15007e0a", false, kNo, kNone, kNo, kNo, kNo, kNone, kNone},
      {"not hex", "^DHCP: 16007e0g,fcffffff,15007e0a,15007e0a,6537480a,64ff480a", false, kNo, kNone, kNo, kNo, kNo,
       kNone, kNone},
      {"nine digits", "^DHCP: 116007e0a,fcffffff,15007e0a,15007e0a,6537480a,64ff480a", false, kNo, kNone, kNo, kNo, kNo,
       kNone, kNone},
      {"dotted instead of hex", "^DHCP: 10.0.0.1,fcffffff,15007e0a,15007e0a,6537480a,64ff480a", false, kNo, kNone, kNo,
       kNo, kNo, kNone, kNone},
      {"mask not a prefix", "^DHCP: 16007e0a,ff00ffff,15007e0a,15007e0a,6537480a,64ff480a", false, kNo, kNone, kNo, kNo,
       kNo, kNone, kNone},
      {"empty field", "^DHCP: 16007e0a,,15007e0a,15007e0a,6537480a,64ff480a", false, kNo, kNone, kNo, kNo, kNo, kNone,
       kNone},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = huawei::parse_dhcp(text);
      REQUIRE(r.ok() == row.ok);
      if (!row.ok) {
        CHECK(r.code() == Code::at_bad_response);
        continue;
      }
      CHECK(r->ip.address == ip(row.address));
      CHECK(r->ip.prefix_length == row.prefix);
      CHECK(r->ip.gateway == ip(row.gateway));
      CHECK(r->ip.dns1 == ip(row.dns1));
      CHECK(r->ip.dns2 == ip(row.dns2));
      CHECK(r->max_rx_bps == row.rx);
      CHECK(r->max_tx_bps == row.tx);
    }
}

TEST_CASE("+CGCONTRDP table: address and mask in one dotted field or two, IPv4 and IPv6") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    int cid, bearer;
    const char* apn;
    const char* address;
    std::optional<int> prefix;
    const char* gateway;
    const char* dns1;
    const char* dns2;
  };
  constexpr const char* kTim = "ibox.tim.it.mnc001.mcc222.gprs";
  const std::vector<Row> rows = {
      // MM src/tests/test-modem-helpers.c, cgcontrdp_response_tests[]: after 27.007 v9.4.0
      {"MM new, full",
       "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\",\"2.197.17.49.255.255.255.255\",\"2.197.17.49\","
       "\"10.207.43.46\",\"10.206.56.132\",\"0.0.0.0\",\"0.0.0.0\",0",
       true, 4, 5, kTim, "2.197.17.49", 32, "2.197.17.49", "10.207.43.46", "10.206.56.132"},
      {"MM new, one DNS",
       "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\",\"2.197.17.49.255.255.255.255\",\"2.197.17.49\","
       "\"10.207.43.46\"",
       true, 4, 5, kTim, "2.197.17.49", 32, "2.197.17.49", "10.207.43.46", kNo},
      {"MM new, no DNS",
       "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\",\"2.197.17.49.255.255.255.255\",\"2.197.17.49\"", true, 4, 5,
       kTim, "2.197.17.49", 32, "2.197.17.49", kNo, kNo},
      {"MM new, address only", "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\",\"2.197.17.49.255.255.255.255\"",
       true, 4, 5, kTim, "2.197.17.49", 32, kNo, kNo, kNo},
      // … and before 27.007 v9.4.0: the mask in a field of its own
      {"MM old, full",
       "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\",\"2.197.17.49\",\"255.255.255.255\",\"2.197.17.49\","
       "\"10.207.43.46\",\"10.206.56.132\",\"0.0.0.0\",\"0.0.0.0\"",
       true, 4, 5, kTim, "2.197.17.49", 32, "2.197.17.49", "10.207.43.46", "10.206.56.132"},
      {"MM old, one DNS",
       "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\",\"2.197.17.49\",\"255.255.255.255\",\"2.197.17.49\","
       "\"10.207.43.46\"",
       true, 4, 5, kTim, "2.197.17.49", 32, "2.197.17.49", "10.207.43.46", kNo},
      {"MM old, mask", "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\",\"2.197.17.49\",\"255.255.255.255\"", true,
       4, 5, kTim, "2.197.17.49", 32, kNo, kNo, kNo},
      {"MM old, address only", "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\",\"2.197.17.49\"", true, 4, 5, kTim,
       "2.197.17.49", kNone, kNo, kNo, kNo},
      {"MM APN only", "+CGCONTRDP: 4,5,\"ibox.tim.it.mnc001.mcc222.gprs\"", true, 4, 5, kTim, kNo, kNone, kNo, kNo,
       kNo},
      {"MM empty APN", "+CGCONTRDP: 4,5,\"\"", true, 4, 5, "", kNo, kNone, kNo, kNo, kNo},
      {"/24 with a real gateway",
       "+CGCONTRDP: 1,5,\"internet\",\"10.64.64.64.255.255.255.0\",\"10.64.64.1\",\"8.8.8.8\",\"8.8.4.4\"", true, 1, 5,
       "internet", "10.64.64.64", 24, "10.64.64.1", "8.8.8.8", "8.8.4.4"},
      // IPv6 as 16 dotted bytes (address and /64 mask, 32 numbers).
      {"IPv6 dotted",
       "+CGCONTRDP: 1,5,\"internet\",\"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1.255.255.255.255.255.255.255.255.0.0.0.0."
       "0.0.0.0\",\"\",\"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.53\"",
       true, 1, 5, "internet", "2001:db8::1", 64, kNo, "2001:db8::35", kNo},
      {"IPv6 colon form (+CGPIAF)", "+CGCONTRDP: 1,5,\"internet\",\"2001:DB8::1\",\"\",\"2001:DB8::35\"", true, 1, 5,
       "internet", "2001:db8::1", kNone, kNo, "2001:db8::35", kNo},
      {"IPv6 colon form with /len", "+CGCONTRDP: 1,5,\"internet\",\"2001:DB8::1/64\",\"FE80::1\"", true, 1, 5,
       "internet", "2001:db8::1", 64, "fe80::1", kNo, kNo},
      {"IPv6 colon form with a mask", "+CGCONTRDP: 1,5,\"internet\",\"2001:DB8::1 FFFF:FFFF:FFFF:FFFF::\"", true, 1, 5,
       "internet", "2001:db8::1", 64, kNo, kNo, kNo},
      {"dual stack: two lines",
       "+CGCONTRDP: 1,5,\"internet\",\"10.1.2.3.255.255.255.255\",\"10.1.2.3\"\r\n"
       "+CGCONTRDP: 1,5,\"internet\",\"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1.255.255.255.255.255.255.255.255.0.0.0.0.0."
       "0.0.0\"",
       true, 1, 5, "internet", "10.1.2.3", 32, "10.1.2.3", kNo, kNo},
      {"echo and OK", "AT+CGCONTRDP=1\r\r\n+CGCONTRDP: 1,5,\"web\",\"10.0.0.2.255.0.0.0\",\"10.0.0.1\"\r\n\r\nOK", true,
       1, 5, "web", "10.0.0.2", 8, "10.0.0.1", kNo, kNo},
      {"truncated", "+CGCONTRDP: 4,5", false, 0, 0, kNo, kNo, kNone, kNo, kNo, kNo},
      {"cid letters", "+CGCONTRDP: x,5,\"apn\"", false, 0, 0, kNo, kNo, kNone, kNo, kNo, kNo},
      {"bearer overflow", "+CGCONTRDP: 1,99999999999,\"apn\"", false, 0, 0, kNo, kNo, kNone, kNo, kNo, kNo},
      {"octet 256", "+CGCONTRDP: 1,5,\"apn\",\"10.0.0.256.255.255.255.0\"", false, 0, 0, kNo, kNo, kNone, kNo, kNo,
       kNo},
      {"five numbers", "+CGCONTRDP: 1,5,\"apn\",\"10.0.0.1.255\"", false, 0, 0, kNo, kNo, kNone, kNo, kNo, kNo},
      {"empty octet", "+CGCONTRDP: 1,5,\"apn\",\"10..0.1\"", false, 0, 0, kNo, kNo, kNone, kNo, kNo, kNo},
      {"mask not a prefix", "+CGCONTRDP: 1,5,\"apn\",\"10.0.0.1.255.0.255.0\"", false, 0, 0, kNo, kNo, kNone, kNo, kNo,
       kNo},
      {"bad gateway", "+CGCONTRDP: 1,5,\"apn\",\"10.0.0.1.255.255.255.0\",\"gateway\"", false, 0, 0, kNo, kNo, kNone,
       kNo, kNo, kNo},
      {"bad colon address", "+CGCONTRDP: 1,5,\"apn\",\"2001:db8:::1:::\"", false, 0, 0, kNo, kNo, kNone, kNo, kNo, kNo},
      {"colon length 129", "+CGCONTRDP: 1,5,\"apn\",\"2001:db8::1/129\"", false, 0, 0, kNo, kNo, kNone, kNo, kNo, kNo},
      {"colon mask not a prefix", "+CGCONTRDP: 1,5,\"apn\",\"2001:db8::1 ffff::ffff\"", false, 0, 0, kNo, kNo, kNone,
       kNo, kNo, kNo},
      {"a thousand dots",
       "+CGCONTRDP: 1,5,\"apn\",\"1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1\"", false, 0, 0,
       kNo, kNo, kNone, kNo, kNo, kNo},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_cgcontrdp(text);
      if (!row.ok) {
        REQUIRE_FALSE(r);
        CHECK(r.code() == Code::at_bad_response);
        continue;
      }
      REQUIRE(r);
      REQUIRE_FALSE(r->empty());
      const auto& c = r->front();
      CHECK(c.cid == row.cid);
      CHECK(c.bearer_id == row.bearer);
      CHECK(c.apn == row.apn);
      CHECK(c.ip.address == ip(row.address));
      CHECK(c.ip.prefix_length == row.prefix);
      CHECK(c.ip.gateway == ip(row.gateway));
      CHECK(c.ip.dns1 == ip(row.dns1));
      CHECK(c.ip.dns2 == ip(row.dns2));
    }
  auto none = parse_cgcontrdp("OK");  // no line: the context is not active, not an error
  REQUIRE(none);
  CHECK(none->empty());
  auto dual = parse_cgcontrdp(
      "+CGCONTRDP: 1,5,\"internet\",\"10.1.2.3.255.255.255.255\"\r\n+CGCONTRDP: 1,5,\"internet\",\"32.1.13.184.0.0.0.0."
      "0.0.0.0.0.0.0.1.255.255.255.255.255.255.255.255.0.0.0.0.0.0.0.0\"");
  REQUIRE(dual);
  REQUIRE(dual->size() == 2);
  CHECK((*dual)[1].ip.address == ip("2001:db8::1"));
  CHECK((*dual)[1].ip.prefix_length == 64);
  auto zeros = parse_cgcontrdp("+CGCONTRDP: 1,5,\"internet\",\"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\"");
  REQUIRE(zeros);
  CHECK_FALSE(zeros->front().ip.address);  // all zeros: no address yet
}

TEST_CASE("+CGACT? table") {
  auto r = parse_cgact("AT+CGACT?\r\r\n+CGACT: 1,1\r\n+CGACT: 2,0\r\n\r\nOK");
  REQUIRE(r);
  CHECK(*r == std::vector<ContextState>{{1, true}, {2, false}});
  auto none = parse_cgact("OK");
  REQUIRE(none);
  CHECK(none->empty());
  for (const char* hostile : {"+CGACT: 1", "+CGACT: 1,2", "+CGACT: x,1", "+CGACT: 1,x", "+CGACT: 256,1",
                              "+CGACT: 1,99999999999", "+CGACT:"}) {
    CAPTURE(hostile);
    auto bad = parse_cgact(hostile);
    REQUIRE_FALSE(bad);
    CHECK(bad.code() == Code::at_bad_response);
  }
}
