// Table tests of the 3GPP parsers with verbatim modem transcripts: Huawei,
// ZTE, Sierra, Option, Ericsson, u-blox, Novatel, Qualcomm… as they print,
// including odd spacing, lower case, missing fields and garbage. Every row
// also runs in the other line-ending variants (table.hpp).
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "fb/at/parse_3gpp.hpp"
#include "table.hpp"

using namespace fb::at;
using fb::modem::Code;
using fb::test::line_end_variants;

namespace {
struct CsqRow {
  const char* who;
  const char* text;
  bool ok;
  std::optional<int> rssi, dbm, bars, ber;
};
}  // namespace

TEST_CASE("+CSQ table: rssi to dBm and bars, 99 is unknown, bad text is AT_BAD_RESPONSE") {
  const std::vector<CsqRow> rows = {
      {"Huawei E1750", "+CSQ: 17,99", true, 17, -79, 3, std::nullopt},
      {"ZTE MF190", "+CSQ: 0,0", true, 0, -113, 0, 0},
      {"generic", "+CSQ: 1,99", true, 1, -111, 0, std::nullopt},
      {"generic", "+CSQ: 2,99", true, 2, -109, 1, std::nullopt},
      {"generic", "+CSQ: 9,99", true, 9, -95, 1, std::nullopt},
      {"generic", "+CSQ: 10,99", true, 10, -93, 2, std::nullopt},
      {"generic", "+CSQ: 14,99", true, 14, -85, 2, std::nullopt},
      {"generic", "+CSQ: 15,99", true, 15, -83, 3, std::nullopt},
      {"generic", "+CSQ: 19,0", true, 19, -75, 3, 0},
      {"generic", "+CSQ: 20,99", true, 20, -73, 4, std::nullopt},
      {"generic", "+CSQ: 31,99", true, 31, -51, 4, std::nullopt},
      {"not registered", "+CSQ: 99,99", true, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
      {"no space", "+CSQ:17,99", true, 17, -79, 3, std::nullopt},
      {"lower case", "+csq: 17,99", true, 17, -79, 3, std::nullopt},
      {"odd spacing", "+CSQ:  17 , 99 ", true, 17, -79, 3, std::nullopt},
      {"ber missing", "+CSQ: 17", true, 17, -79, 3, std::nullopt},
      {"leading zeros", "+CSQ: 017,099", true, 17, -79, 3, std::nullopt},
      {"TD-SCDMA 100", "+CSQ: 100,99", true, 100, -116, 0, std::nullopt},
      {"TD-SCDMA 191", "+CSQ: 191,99", true, 191, -25, 4, std::nullopt},
      {"TD-SCDMA 150", "+CSQ: 150,99", true, 150, -66, 4, std::nullopt},
      {"ber 7", "+CSQ: 12,7", true, 12, -89, 2, 7},
      {"ber out of range ignored", "+CSQ: 12,8", true, 12, -89, 2, std::nullopt},
      {"echo and OK around", "AT+CSQ\r\r\n+CSQ: 23,99\r\n\r\nOK", true, 23, -67, 4, std::nullopt},
      {"URC before", "^RSSI:17\r\n+CSQ: 18,99", true, 18, -77, 3, std::nullopt},
      {"garbage line before", "~~%%\r\n+CSQ: 5,99", true, 5, -103, 1, std::nullopt},
      {"ZTE MF180 trailing comma", "+CSQ: 21,99,", true, 21, -71, 4, std::nullopt},
      {"empty", "", false, {}, {}, {}, {}},
      {"only OK", "OK", false, {}, {}, {}, {}},
      {"no value", "+CSQ: ", false, {}, {}, {}, {}},
      {"not a number", "+CSQ: xx,99", false, {}, {}, {}, {}},
      {"rssi 32", "+CSQ: 32,99", false, {}, {}, {}, {}},
      {"rssi 98", "+CSQ: 98,99", false, {}, {}, {}, {}},
      {"negative", "+CSQ: -1,99", false, {}, {}, {}, {}},
      {"no colon", "+CSQ 17,99", false, {}, {}, {}, {}},
      {"no plus", "CSQ: 17,99", false, {}, {}, {}, {}},
      {"overflow", "+CSQ: 4294967296,99", false, {}, {}, {}, {}},
      {"trailing letters", "+CSQ: 17a,99", false, {}, {}, {}, {}},
      {"rssi 192", "+CSQ: 192,99", false, {}, {}, {}, {}},
  };
  CHECK(rows.size() >= 35);
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_csq(text);
      REQUIRE(r.ok() == row.ok);
      if (!row.ok) {
        CHECK(r.code() == Code::at_bad_response);
        continue;
      }
      CHECK(r->rssi == row.rssi);
      CHECK(r->rssi_dbm == row.dbm);
      CHECK(r->bars == row.bars);
      CHECK(r->ber == row.ber);
    }
}

TEST_CASE("Huawei ^RSSI URC uses the +CSQ scale") {
  struct Row {
    const char* text;
    std::optional<int> dbm;
    bool ok;
  };
  const std::vector<Row> rows = {
      {"^RSSI:17", -79, true},           {"^RSSI: 31", -51, true},        {"^RSSI:99", std::nullopt, true},
      {"^rssi:0", -113, true},           {"^RSSI:", std::nullopt, false}, {"^RSSI:abc", std::nullopt, false},
      {"^RSSI:40", std::nullopt, false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    auto r = parse_huawei_rssi(row.text);
    REQUIRE(r.ok() == row.ok);
    if (r) CHECK(r->rssi_dbm == row.dbm);
  }
}

namespace {
struct RegRow {
  const char* who;
  const char* text;
  Solicited solicited;
  bool ok;
  RegDomain domain;
  std::optional<int> mode;
  RegState state;
  std::optional<std::uint32_t> lac, ci, act;
};
constexpr auto kS = Solicited::yes;
constexpr auto kU = Solicited::no;
constexpr auto kNone = std::nullopt;
}  // namespace

TEST_CASE("+CREG/+CGREG/+CEREG table: query and URC forms, quoted and bare hex, vendor oddities") {
  using R = RegState;
  using D = RegDomain;
  const std::vector<RegRow> rows = {
      // n,stat
      {"CREG=1 query", "+CREG: 1,3", kS, true, D::cs, 1, R::denied, kNone, kNone, kNone},
      {"CREG=0 query registered", "+CREG: 0,1", kS, true, D::cs, 0, R::home, kNone, kNone, kNone},
      {"CREG=0 roaming", "+CREG: 0,5", kS, true, D::cs, 0, R::roaming, kNone, kNone, kNone},
      {"CREG searching", "+CREG: 2,2", kS, true, D::cs, 2, R::searching, kNone, kNone, kNone},
      {"CREG idle", "+CREG: 0,0", kS, true, D::cs, 0, R::idle, kNone, kNone, kNone},
      {"CREG unknown", "+CREG: 0,4", kS, true, D::cs, 0, R::unknown, kNone, kNone, kNone},
      {"CGREG=1 query", "+CGREG: 1,3", kS, true, D::ps, 1, R::denied, kNone, kNone, kNone},
      {"CEREG=1 query", "+CEREG: 1,3", kS, true, D::eps, 1, R::denied, kNone, kNone, kNone},
      {"no space", "+CREG:0,1", kS, true, D::cs, 0, R::home, kNone, kNone, kNone},
      {"lower case", "+creg: 0,1", kS, true, D::cs, 0, R::home, kNone, kNone, kNone},
      {"spaces", "+CREG:  0 ,  5 ", kS, true, D::cs, 0, R::roaming, kNone, kNone, kNone},
      // unsolicited stat only
      {"CREG=1 URC", "\r\n+CREG: 3\r\n", kU, true, D::cs, kNone, R::denied, kNone, kNone, kNone},
      {"CGREG=1 URC", "+CGREG: 3", kU, true, D::ps, kNone, R::denied, kNone, kNone, kNone},
      {"CEREG=1 URC", "+CEREG: 3", kU, true, D::eps, kNone, R::denied, kNone, kNone, kNone},
      {"URC registered", "+CREG: 1", kU, true, D::cs, kNone, R::home, kNone, kNone, kNone},
      {"query answered in URC form", "+CREG: 1", kS, true, D::cs, kNone, R::home, kNone, kNone, kNone},
      // n=2 query forms
      {"Sierra Mercury", "+CREG: 0,1,84CD,00D30173", kS, true, D::cs, 0, R::home, 0x84cd, 0xd30173, kNone},
      {"Sony Ericsson K850i", "+CREG: 2,1,\"CE00\",\"01CEAD8F\"", kS, true, D::cs, 2, R::home, 0xce00, 0x01cead8f,
       kNone},
      {"Huawei E160G unregistered", "+CREG: 2,0,00,0", kS, true, D::cs, 2, R::idle, 0, 0, kNone},
      {"Huawei E160G", "+CREG: 2,1,8BE3,2BAF", kS, true, D::cs, 2, R::home, 0x8be3, 0x2baf, kNone},
      {"Sony Ericsson TM-506 leading zeros", "+CREG: 2,1,\"8BE3\",\"00002BAF\"", kS, true, D::cs, 2, R::home, 0x8be3,
       0x2baf, kNone},
      {"Iridium", "+CREG:002,001,\"18d8\",\"ffff\"", kS, true, D::cs, 2, R::home, 0x18d8, 0xffff, kNone},
      {"no leading zeros", "+CREG:2,1,0001,0010", kS, true, D::cs, 2, R::home, 1, 0x10, kNone},
      {"leading zeros quoted", "+CREG:002,001,\"0001\",\"0010\"", kS, true, D::cs, 2, R::home, 1, 0x10, kNone},
      {"u-blox TOBY-L2 on LTE", "\r\n+CREG: 2,6,\"8B37\",\"0A265185\",7\r\n", kS, true, D::cs, 2, R::home_sms_only,
       0x8b37, 0x0a265185, 7},
      {"Ericsson F3607gw", "+CGREG: 2,1,\"8BE3\",\"00002B5D\",3", kS, true, D::ps, 2, R::home, 0x8be3, 0x2b5d, 3},
      {"Qualcomm Gobi 1000 weird lac", "\r\n+CREG: 2,1,  0 5, 2715\r\n", kS, true, D::cs, 2, R::home, kNone, 0x2715,
       kNone},
      {"CEREG=2 spaces", "\r\n+CEREG: 2,1, 1F00, 79D903 ,7\r\n", kS, true, D::eps, 2, R::home, 0x1f00, 0x79d903, 7},
      {"Novatel E362 with RAC", "\r\n+CEREG: 2,1, 1F00, 20 ,79D903 ,7\r\n", kS, true, D::eps, 2, R::home, 0x1f00,
       0x79d903, 7},
      {"Thuraya", "+CGREG: 2, 1, \"0426\", \"F00F\"", kS, true, D::ps, 2, R::home, 0x0426, 0xf00f, kNone},
      {"CEREG with TAC and cause", "+CEREG: 4,1,\"002F\",\"0012BEEF\",7,0,0", kS, true, D::eps, 4, R::home, 0x2f,
       0x12beef, 7},
      {"CGREG with RAC (27.007)", "+CGREG: 2,1,\"1422\",\"00000142\",3,\"00\"", kS, true, D::ps, 2, R::home, 0x1422,
       0x142, 3},
      {"Samsung S8500 junk after ci", "+CREG: 2,1,000B,2816, B, C2816", kS, true, D::cs, 2, R::home, 0x000b, 0x2816,
       kNone},
      {"Quectel EC25 CEREG", "+CEREG: 2,5,\"A1B2\",\"0123ABCD\",7", kS, true, D::eps, 2, R::roaming, 0xa1b2, 0x0123abcd,
       7},
      {"ZTE MF190 CREG=2 searching", "+CREG: 2,2", kS, true, D::cs, 2, R::searching, kNone, kNone, kNone},
      {"missing location", "+CREG: 2,1,,", kS, true, D::cs, 2, R::home, kNone, kNone, kNone},
      {"lower-case hex", "+creg: 2,1,\"8be3\",\"2baf\"", kS, true, D::cs, 2, R::home, 0x8be3, 0x2baf, kNone},
      {"0x prefixed hex", "+CREG: 2,1,0x8BE3,0x2BAF", kS, true, D::cs, 2, R::home, 0x8be3, 0x2baf, kNone},
      // unsolicited with location
      {"Sierra Mercury URC", "\r\n+CREG: 1,84CD,00D30156\r\n", kU, true, D::cs, kNone, R::home, 0x84cd, 0xd30156,
       kNone},
      {"K850i URC", "+CREG: 1,\"CE00\",\"00005449\"", kU, true, D::cs, kNone, R::home, 0xce00, 0x5449, kNone},
      {"Huawei E160G URC", "+CREG: 1,8BE3,2BAF", kU, true, D::cs, kNone, R::home, 0x8be3, 0x2baf, kNone},
      {"Novatel XU870 URC unregistered", "\r\n+CREG: 2,,\r\n", kU, true, D::cs, kNone, R::searching, kNone, kNone,
       kNone},
      {"URC no leading zeros with act", "+CREG: 1,0001,0010,0", kU, true, D::cs, kNone, R::home, 1, 0x10, 0},
      {"URC leading zeros", "+CREG: 001,\"0001\",\"0010\",000", kU, true, D::cs, kNone, R::home, 1, 0x10, 0},
      {"u-blox URC on LTE", "+CREG: 6,\"8B37\",\"0A265185\",7", kU, true, D::cs, kNone, R::home_sms_only, 0x8b37,
       0x0a265185, 7},
      {"F3607gw CGREG URC", "+CGREG: 1,\"8BE3\",\"00002B5D\",3", kU, true, D::ps, kNone, R::home, 0x8be3, 0x2b5d, 3},
      {"MD400 URC in query shape", "+CREG: 2,5,\"0502\",\"0404736D\"", kU, true, D::cs, 2, R::roaming, 0x0502,
       0x0404736d, kNone},
      {"MD400 CGREG URC", "+CGREG: 5,\"0502\",\"0404736D\",2", kU, true, D::ps, kNone, R::roaming, 0x0502, 0x0404736d,
       2},
      {"Alcatel X220D URC in query shape", "+CGREG: 2,1, 81ED, 1A9CEB", kU, true, D::ps, 2, R::home, 0x81ed, 0x1a9ceb,
       kNone},
      {"Samsung S8500 URC", "+CREG: 2,1,000B,2816, B, C2816", kU, true, D::cs, 2, R::home, 0x000b, 0x2816, kNone},
      {"CGREG URC with RAC", "+CGREG: 1,\"1422\",\"00000142\",3,\"00\"", kU, true, D::ps, kNone, R::home, 0x1422, 0x142,
       3},
      {"CEREG URC spaces", "+CEREG: 1, 1F00, 79D903 ,7", kU, true, D::eps, kNone, R::home, 0x1f00, 0x79d903, 7},
      {"Altair LTE URC in query shape", "\r\n+CEREG: 1, 2, 0001, 00000100, 7\r\n", kU, true, D::eps, 1, R::searching, 1,
       0x100, 7},
      {"Altair LTE URC", "+CEREG: 2, 0001, 00000100, 7", kU, true, D::eps, kNone, R::searching, 1, 0x100, 7},
      {"Novatel E362 URC", "+CEREG: 1, 1F00, 20 ,79D903 ,7", kU, true, D::eps, kNone, R::home, 0x1f00, 0x79d903, 7},
      {"Thuraya URC", "+CGREG: 1, \"0426\", \"F00F\"", kU, true, D::ps, kNone, R::home, 0x0426, 0xf00f, kNone},
      {"CEREG URC with cause", "+CEREG: 3,\"002F\",\"0012BEEF\",7,0,15", kU, true, D::eps, kNone, R::denied, 0x2f,
       0x12beef, 7},
      {"multi: first line wins", "\r\n+CREG: 5\r\n\r\n+CGREG: 0\r\n", kU, true, D::cs, kNone, R::roaming, kNone, kNone,
       kNone},
      {"multi #2", "\r\n+CGREG: 0\r\n\r\n+CREG: 5\r\n", kU, true, D::ps, kNone, R::idle, kNone, kNone, kNone},
      {"garbage before", "\x7e\x7e\r\n+CREG: 0,1", kS, true, D::cs, 0, R::home, kNone, kNone, kNone},
      {"stat 10", "+CEREG: 2,10", kS, true, D::eps, 2, R::roaming_csfb_not_preferred, kNone, kNone, kNone},
      {"emergency only", "+CREG: 0,8", kS, true, D::cs, 0, R::emergency_only, kNone, kNone, kNone},
      // <stat> 11 (27.007: attached for RLOS) and later values: the line still counts.
      // ModemManager's vectors (src/tests/test-modem-helpers.c), verbatim.
      {"MM CREG=1 multidigit stat", "\r\n+CREG: 11\r\n", kU, true, D::cs, kNone, R::attached_rlos, kNone, kNone, kNone},
      {"MM CREG=2 multidigit stat", "\r\n+CREG: 11,\"33FE\",\"a3fb477\"\r\n", kU, true, D::cs, kNone, R::attached_rlos,
       0x33fe, 0xa3fb477, kNone},
      {"MM CEREG=2 multidigit stat with RAC", "\r\n+CEREG: 11, 78FE, 20 ,14419E ,7\r\n", kU, true, D::eps, kNone,
       R::attached_rlos, 0x78fe, 0x14419e, 7},
      {"stat 11 answered", "+CREG: 0,11", kS, true, D::cs, 0, R::attached_rlos, kNone, kNone, kNone},
      {"stat 11 in the query shape", "+CEREG: 2,11,\"78FE\",\"0014419E\",7", kS, true, D::eps, 2, R::attached_rlos,
       0x78fe, 0x14419e, 7},
      {"a later stat is unknown", "+CEREG: 2,12,\"78FE\",\"0014419E\",7", kS, true, D::eps, 2, R::unknown, 0x78fe,
       0x14419e, 7},
      {"a later stat in a URC", "+CGREG: 99,\"0426\",\"F00F\",2", kU, true, D::ps, kNone, R::unknown, 0x0426, 0xf00f,
       2},
      // +C5GREG (27.007 §10.1.73): the 5GS domain, read like the others
      {"C5GREG denied", "+C5GREG: 1,3", kS, true, D::nr, 1, R::denied, kNone, kNone, kNone},
      {"C5GREG with NSSAI", "+C5GREG: 2,1,\"00A1B2\",\"0123ABCD\",11,0,\"\"", kS, true, D::nr, 2, R::home, 0xa1b2,
       0x0123abcd, 11},
      {"C5GREG URC", "+C5GREG: 5,\"00A1B2\",\"0123ABCD\",11", kU, true, D::nr, kNone, R::roaming, 0xa1b2, 0x0123abcd,
       11},
      // garbage and missing fields
      {"empty", "", kS, false, D::cs, kNone, R::unknown, kNone, kNone, kNone},
      {"no value", "+CREG: ", kS, false, D::cs, kNone, R::unknown, kNone, kNone, kNone},
      {"stat letters", "+CREG: 0,x", kS, false, D::cs, kNone, R::unknown, kNone, kNone, kNone},
      {"mode 9", "+CREG: 9,1", kS, false, D::cs, kNone, R::unknown, kNone, kNone, kNone},
      {"only OK", "OK", kU, false, D::cs, kNone, R::unknown, kNone, kNone, kNone},
      {"URC of letters", "+CGREG: home", kU, false, D::ps, kNone, R::unknown, kNone, kNone, kNone},
      {"negative stat", "+CEREG: -1", kU, false, D::eps, kNone, R::unknown, kNone, kNone, kNone},
  };
  CHECK(rows.size() >= 60);
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_registration(text, row.solicited);
      REQUIRE(r.ok() == row.ok);
      if (!row.ok) {
        CHECK(r.code() == Code::at_bad_response);
        continue;
      }
      CHECK(r->domain == row.domain);
      CHECK(r->mode == row.mode);
      CHECK(r->state == row.state);
      CHECK(r->lac == row.lac);
      CHECK(r->ci == row.ci);
      CHECK(r->act == row.act);
    }
}

TEST_CASE("registration helpers: registered, roaming, names") {
  CHECK(registered(RegState::home));
  CHECK(registered(RegState::roaming));
  CHECK(registered(RegState::home_sms_only));
  CHECK_FALSE(registered(RegState::searching));
  CHECK_FALSE(registered(RegState::denied));
  CHECK_FALSE(registered(RegState::emergency_only));
  CHECK(roaming(RegState::roaming_sms_only));
  CHECK_FALSE(roaming(RegState::home));
  CHECK(to_string(RegState::denied) == "denied");
  CHECK(to_string(RegState::attached_rlos) == "attached-rlos");
  CHECK_FALSE(registered(RegState::attached_rlos));  // RLOS is not the operator's network
  CHECK(access_tech_from_act(7) == AccessTech::lte);
  CHECK(access_tech_from_act(2) == AccessTech::umts);
  CHECK(access_tech_from_act(6) == AccessTech::hspa);
  CHECK(access_tech_from_act(42) == AccessTech::unknown);
}

TEST_CASE("+COPS? table") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    int mode;
    std::optional<int> format;
    const char* name;
    std::optional<std::uint32_t> act;
  };
  const std::vector<Row> rows = {
      {"Huawei E1750 UMTS", "+COPS: 0,0,\"vodafone ES\",2", true, 0, 0, "vodafone ES", 2},
      {"ZTE MF190 GSM", "+COPS: 0,0,\"Orange F\",0", true, 0, 0, "Orange F", 0},
      {"numeric", "+COPS: 0,2,\"21401\",7", true, 0, 2, "21401", 7},
      {"no act (2G-only firmware)", "+COPS: 0,0,\"T-Mobile\"", true, 0, 0, "T-Mobile", std::nullopt},
      {"not registered", "+COPS: 0", true, 0, std::nullopt, "", std::nullopt},
      {"deregistered", "+COPS: 2", true, 2, std::nullopt, "", std::nullopt},
      {"manual", "+COPS: 1,2,\"23415\",2", true, 1, 2, "23415", 2},
      {"comma in name", "+COPS: 0,0,\"AT&T, Inc\",2", true, 0, 0, "AT&T, Inc", 2},
      {"short format", "+COPS: 0,1,\"TMO\",0", true, 0, 1, "TMO", 0},
      {"unquoted name", "+COPS: 0,0,Movistar,2", true, 0, 0, "Movistar", 2},
      {"spaces", "+COPS:  0 , 0 , \"O2 - UK\" , 2 ", true, 0, 0, "O2 - UK", 2},
      {"lower case tag", "+cops: 0,0,\"Vodafone\",7", true, 0, 0, "Vodafone", 7},
      {"ZM9000 act 11", "+COPS: 0,0,\"CHINA MOBILE CMCC\",11", true, 0, 0, "CHINA MOBILE CMCC", 11},
      {"empty name", "+COPS: 0,0,\"\",2", true, 0, 0, "", 2},
      {"empty format", "+COPS: 0,,\"x\"", true, 0, std::nullopt, "x", std::nullopt},
      {"echo and OK", "AT+COPS?\r\n+COPS: 0,0,\"EE\",7\r\n\r\nOK", true, 0, 0, "EE", 7},
      {"test response is not a read", "+COPS: (2,\"T-Mobile\",\"TMO\",\"31026\",0),,(0,1,2,3,4),(0,1,2)", false, 0,
       std::nullopt, "", std::nullopt},
      {"mode 5", "+COPS: 5", false, 0, std::nullopt, "", std::nullopt},
      {"format 3", "+COPS: 0,3,\"x\"", false, 0, std::nullopt, "", std::nullopt},
      {"act letters", "+COPS: 0,0,\"x\",LTE", false, 0, std::nullopt, "", std::nullopt},
      {"empty", "", false, 0, std::nullopt, "", std::nullopt},
      {"no value", "+COPS:", false, 0, std::nullopt, "", std::nullopt},
  };
  CHECK(rows.size() >= 20);
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_cops(text);
      REQUIRE(r.ok() == row.ok);
      if (!row.ok) continue;
      CHECK(r->mode == row.mode);
      CHECK(r->format == row.format);
      CHECK(r->name == row.name);
      CHECK(r->act == row.act);
    }
}

TEST_CASE("+CPIN? table and what blocks getting online") {
  struct Row {
    const char* who;
    const char* text;
    std::optional<SimState> state;  // nullopt: AT_BAD_RESPONSE
  };
  using S = SimState;
  const std::vector<Row> rows = {
      {"ready", "+CPIN: READY", S::ready},
      {"no space", "+CPIN:READY", S::ready},
      {"lower case", "+cpin: ready", S::ready},
      {"bare word (old Huawei)", "READY", S::ready},
      {"PIN", "+CPIN: SIM PIN", S::pin_required},
      {"PUK", "+CPIN: SIM PUK", S::puk_required},
      {"PIN2", "+CPIN: SIM PIN2", S::pin2_required},
      {"PUK2", "+CPIN: SIM PUK2", S::puk2_required},
      {"PH-SIM", "+CPIN: PH-SIM PIN", S::device_locked},
      {"PH-NET", "+CPIN: PH-NET PIN", S::device_locked},
      {"PH-NETSUB", "+CPIN: PH-NETSUB PIN", S::device_locked},
      {"PH-SP", "+CPIN: PH-SP PUK", S::device_locked},
      {"Telit not inserted", "+CPIN: NOT INSERTED", S::missing},
      {"SIM not inserted", "+CPIN: SIM NOT INSERTED", S::missing},
      {"no SIM", "+CPIN: NO SIM", S::missing},
      {"SIM removed", "+CPIN: SIM REMOVED", S::missing},
      {"not ready", "+CPIN: NOT READY", S::not_ready},
      {"quoted", "+CPIN: \"READY\"", S::ready},
      {"double space", "+CPIN: SIM  PIN", S::pin_required},
      {"underscore", "+CPIN: SIM_PIN", S::pin_required},
      {"trailing space", "+CPIN: READY  ", S::ready},
      {"echo and OK", "AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK", S::pin_required},
      {"URC before", "+ZUSIMR:2\r\n+CPIN: READY", S::ready},
      {"unknown word", "+CPIN: BANANA", std::nullopt},
      {"empty value", "+CPIN:", std::nullopt},
      {"empty", "", std::nullopt},
      {"garbage", "#$%^", std::nullopt},
  };
  CHECK(rows.size() >= 25);
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_cpin(text);
      REQUIRE(r.ok() == row.state.has_value());
      if (r)
        CHECK(*r == *row.state);
      else
        CHECK(r.code() == Code::at_bad_response);
    }
  CHECK_FALSE(sim_blocker(SimState::ready));
  CHECK_FALSE(sim_blocker(SimState::pin2_required));
  CHECK(sim_blocker(SimState::pin_required) == Code::sim_pin_required);
  CHECK(sim_blocker(SimState::puk_required) == Code::sim_puk_required);
  CHECK(sim_blocker(SimState::missing) == Code::sim_missing);
  CHECK(sim_blocker(SimState::device_locked) == Code::device_locked);
  CHECK(sim_blocker(SimState::not_ready) == Code::sim_busy);
}

TEST_CASE("IMEI table: AT+CGSN and ATI forms") {
  struct Row {
    const char* who;
    const char* text;
    const char* imei;  // null: error
    bool luhn;
  };
  const std::vector<Row> rows = {
      {"Huawei E1550", "\n235012412595195\n", "235012412595195", false},
      {"bare, valid check digit", "490154203237518", "490154203237518", true},
      {"+CGSN tag", "+CGSN: 490154203237518", "490154203237518", true},
      {"+CGSN quoted", "+CGSN: \"490154203237518\"", "490154203237518", true},
      {"Motorola quoted bare", "\"626936926396996\"", "626936926396996", false},
      {"Option serial after comma", "129512359199159,SE393939TS", "129512359199159", false},
      {"Option 452", "000125491259519,PH2155R3TR", "000125491259519", false},
      {"ATI IMEI line", "IMEI: 354638012345671", "354638012345671", false},
      {"lower case tag", "+cgsn: 490154203237518", "490154203237518", true},
      {"+GSN", "+GSN: 490154203237518", "490154203237518", true},
      {"ZTE MF627", "023589923858188", "023589923858188", false},
      {"echo and OK", "AT+CGSN\r\r\n354638012345671\r\n\r\nOK", "354638012345671", false},
      {"URC first", "^RSSI:17\r\n354638012345671", "354638012345671", false},
      {"spaces", "  490154203237518  ", "490154203237518", true},
      {"CDMA ESN", "0x3B0C4B98", nullptr, false},
      {"EC121 ESN", "ESN: +GSN:12de4fa6", nullptr, false},
      {"14 digits", "49015420323751", nullptr, false},
      {"16 digits (IMEISV)", "4901542032375100", nullptr, false},
      {"letters in it", "49015420323A518", nullptr, false},
      {"empty", "", nullptr, false},
      {"ERROR text", "ERROR", nullptr, false},
  };
  CHECK(rows.size() >= 20);
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_imei(text);
      REQUIRE(r.ok() == (row.imei != nullptr));
      if (!r) continue;
      CHECK(r->digits == row.imei);
      CHECK(r->checksum_ok == row.luhn);
    }
}

TEST_CASE("ICCID table: tags, nibble-swapped forms, F filler, CRSM reads") {
  struct Row {
    const char* who;
    const char* text;
    const char* iccid;  // null: error
  };
  const std::vector<Row> rows = {
      {"quoted swapped 19 digits", "+CCID: \"984402003576012594F9\"", "8944200053671052499"},
      {"unquoted swapped 20", "+CCID: 98231420326409614067", "89324102234690160476"},
      {"unswapped 19 with F", "+CCID: 8944200053671052499F", "8944200053671052499"},
      {"unswapped 19 no F", "+CCID: 8944200053671052499", "8944200053671052499"},
      {"quoted unswapped 20", "+CCID: \"89324102234690160476\"", "89324102234690160476"},
      {"China Mobile hex account", "+CCID: \"898602F9091830030220\"", "898602F9091830030220"},
      {"China Mobile hex 2", "+CCID: \"898602C0123456789012\"", "898602C0123456789012"},
      {"Huawei ^ICCID swapped", "^ICCID: 98231420326409614067", "89324102234690160476"},
      {"Huawei ^ICCID plain", "^ICCID: 89324102234690160476", "89324102234690160476"},
      {"+ICCID", "+ICCID: 89324102234690160476", "89324102234690160476"},
      {"Quectel +QCCID", "+QCCID: 8944200053671052499F", "8944200053671052499"},
      {"Sierra !ICCID", "!ICCID: 89324102234690160476", "89324102234690160476"},
      {"ZTE +ZGETICCID", "+ZGETICCID: 89324102234690160476", "89324102234690160476"},
      {"ICCID: tag", "ICCID: 8944200053671052499", "8944200053671052499"},
      {"lower case tag and f", "+ccid: 8944200053671052499f", "8944200053671052499"},
      {"bare number", "89324102234690160476", "89324102234690160476"},
      {"bare swapped", "98231420326409614067", "89324102234690160476"},
      {"CRSM EF_ICCID read", "+CRSM: 144,0,\"98231420326409614067\"", "89324102234690160476"},
      {"CRSM with F", "+CRSM: 144,0,\"984402003576012594F9\"", "8944200053671052499"},
      {"echo and OK", "AT+CCID\r\r\n+CCID: 89324102234690160476\r\n\r\nOK", "89324102234690160476"},
      {"spaces inside quotes", "+CCID: \" 89324102234690160476 \"", "89324102234690160476"},
      {"too short", "+CCID: 982314203264096", nullptr},
      {"bad characters", "+CCID: 98231420326pl9614067", nullptr},
      {"quoted bad MII", "+CCID: \"0044200053671052499\"", nullptr},
      {"bad MII", "0044200053671052499", nullptr},
      {"CRSM refused", "+CRSM: 106,130,\"\"", nullptr},
      {"CRSM short", "+CRSM: 144", nullptr},
      {"swapped odd length", "+CCID: 9823142032640961406", nullptr},
      {"21 digits", "+CCID: 893241022346901604761", nullptr},
      {"empty", "", nullptr},
      {"ERROR", "ERROR", nullptr},
  };
  CHECK(rows.size() >= 30);
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_iccid(text);
      REQUIRE(r.ok() == (row.iccid != nullptr));
      if (r)
        CHECK(*r == row.iccid);
      else
        CHECK(r.code() == Code::at_bad_response);
    }
}

TEST_CASE("+CGDCONT? table") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    std::vector<PdpContext> contexts;
  };
  const std::vector<Row> rows = {
      {"Nokia", "+CGDCONT: 1,\"IP\",,,0,0", true, {{1, "IP", ""}}},
      {"Samsung three",
       "+CGDCONT: 1,\"IP\",\"nate.sktelecom.com\",\"\",0,0\r\n+CGDCONT: 2,\"IP\",\"epc.tmobile.com\",\"\",0,0\r\n"
       "+CGDCONT: 3,\"IP\",\"MAXROAM.com\",\"\",0,0",
       true,
       {{1, "IP", "nate.sktelecom.com"}, {2, "IP", "epc.tmobile.com"}, {3, "IP", "MAXROAM.com"}}},
      {"Huawei E1750", "+CGDCONT: 1,\"IP\",\"internet\",\"0.0.0.0\",0,0", true, {{1, "IP", "internet"}}},
      {"ZTE MF190 two",
       "+CGDCONT: 1,\"IP\",\"web.vodafone.de\",\"\",0,0\r\n+CGDCONT: 2,\"IPV4V6\",\"ims\",\"\",0,0",
       true,
       {{1, "IP", "web.vodafone.de"}, {2, "IPV4V6", "ims"}}},
      {"lower case type", "+cgdcont: 1,\"ip\",\"internet\"", true, {{1, "IP", "internet"}}},
      {"spaces", "+CGDCONT:  1 , \"IP\" , \"a.b\" ", true, {{1, "IP", "a.b"}}},
      {"no contexts (just OK)", "", true, {}},
      {"URC between",
       "+CGDCONT: 1,\"IP\",\"x\"\r\n^RSSI:17\r\n+CGDCONT: 2,\"PPP\",\"y\"",
       true,
       {{1, "IP", "x"}, {2, "PPP", "y"}}},
      {"only cid", "+CGDCONT: 5", true, {{5, "", ""}}},
      {"bad cid", "+CGDCONT: x,\"IP\",\"a\"", false, {}},
      {"cid too big", "+CGDCONT: 300,\"IP\",\"a\"", false, {}},
      {"empty line value", "+CGDCONT:", false, {}},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_cgdcont(text);
      REQUIRE(r.ok() == row.ok);
      if (r) CHECK(*r == row.contexts);
    }
}

TEST_CASE("ATI and +CGMx table") {
  struct Row {
    const char* who;
    const char* text;
    DeviceInfo info;
  };
  const std::vector<Row> rows = {
      {"Huawei E1550",
       "\nManufacturer: huawei\nModel: E1550\nRevision: 11.608.09.01.21\nIMEI: 235012412595195\n+GCAP: "
       "+CGSM,+FCLASS,+DS\n",
       {"huawei", "E1550", "11.608.09.01.21", "235012412595195", "+CGSM,+FCLASS,+DS"}},
      {"ZTE MF627",
       "Manufacturer: ZTE INCORPORATED\r\nModel: MF627\r\nRevision: BD_3GHAP673A4V1.0.0B02\r\nIMEI: "
       "023589923858188\r\n+GCAP: +CGSM,+FCLASS,+DS",
       {"ZTE INCORPORATED", "MF627", "BD_3GHAP673A4V1.0.0B02", "023589923858188", "+CGSM,+FCLASS,+DS"}},
      {"Sierra Mercury with IMEI SV",
       "Manufacturer: Sierra Wireless, Inc.\nModel: C885\nRevision: J1_0_1_26AP C:/WS/FW/J1_0_1_26AP/MSM7200A/SRC/AMSS "
       "2009/01/30 07:58:06\nIMEI: 987866969112306\nIMEI SV: 6\nFSN: D603478104511\n3GPP Release 6\n+GCAP: "
       "+CGSM,+DS,+ES",
       {"Sierra Wireless, Inc.", "C885", "J1_0_1_26AP C:/WS/FW/J1_0_1_26AP/MSM7200A/SRC/AMSS 2009/01/30 07:58:06",
        "987866969112306", "+CGSM,+DS,+ES"}},
      {"Option without IMEI",
       "Manufacturer: Option N.V.\nModel: GTM378\nRevision: 2.5.21Hd (Date: Jun 17 2008, Time: 12:30:47)",
       {"Option N.V.", "GTM378", "2.5.21Hd (Date: Jun 17 2008, Time: 12:30:47)", "", ""}},
      {"C-MOTECH \\r\\r\\n",
       "Manufacturer: C-MOTECH Co., Ltd.\r\r\nModel: CDX-650 \r\r\nRevision: CDX65UAC03\r\r\n",
       {"C-MOTECH Co., Ltd.", "CDX-650", "CDX65UAC03", "", ""}},
      {"LG repeated tags",
       "Manufacturer: +GMI: LG Electronics Inc.\nModel: +GMI: LG Electronics Inc.+GMM: Model:LG-LX265\nRevision: "
       "+GMR: LX265V05, 50571",
       {"LG Electronics Inc.", "Model:LG-LX265", "LX265V05, 50571", "", ""}},
      {"Sony Ericsson MD300 single line", "\nMD300\n", {"", "MD300", "", "", ""}},
      {"Nokia", "Nokia", {"", "Nokia", "", "", ""}},
      {"lower-case keys",
       "manufacturer: huawei\nmodel: E173\nrevision: 11.126.85.00.209",
       {"huawei", "E173", "11.126.85.00.209", "", ""}},
      {"URC in the middle",
       "Manufacturer: huawei\r\n^RSSI:17\r\nModel: E1750\r\nRevision: 11.126.10.00.00",
       {"huawei", "E1750", "11.126.10.00.00", "", ""}},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_ati(text);
      REQUIRE(r.ok());
      CHECK(*r == row.info);
    }
  CHECK_FALSE(parse_ati(""));
  CHECK_FALSE(parse_ati("\r\n\r\n"));

  struct Id {
    const char* text;
    const char* tag;
    const char* value;
  };
  const std::vector<Id> ids = {
      {"huawei", "+CGMI:", "huawei"},
      {"+CGMM: MF190", "+CGMM:", "MF190"},
      {"\"Motorola\"", "+CGMI:", "Motorola"},
      {"\n11.608.09.01.21\n", "+CGMR:", "11.608.09.01.21"},
      {"+CGMR: \"R564_G_12.00.47P\"", "+CGMR:", "R564_G_12.00.47P"},
      {"ZTE INCORPORATED\r\n", "+CGMI:", "ZTE INCORPORATED"},
      {"+GMM: Model:LG-LX265", "+CGMM:", "Model:LG-LX265"},
  };
  for (const auto& id : ids) {
    CAPTURE(id.text);
    auto r = parse_identity_line(id.text, id.tag);
    REQUIRE(r.ok());
    CHECK(*r == id.value);
  }
  CHECK_FALSE(parse_identity_line("", "+CGMI:"));
  CHECK_FALSE(parse_identity_line("+CGMI:", "+CGMI:"));
}

TEST_CASE("access technology names from vendor replies") {
  struct Row {
    const char* name;
    AccessTech tech;
  };
  const std::vector<Row> rows = {
      {"GSM", AccessTech::gsm},
      {"GPRS", AccessTech::gprs},
      {"EDGE", AccessTech::edge},
      {"GPRS/EDGE", AccessTech::edge},
      {"UMTS", AccessTech::umts},
      {"WCDMA", AccessTech::umts},
      {"3G", AccessTech::umts},
      {"HSDPA", AccessTech::hsdpa},
      {"HSUPA", AccessTech::hsupa},
      {"HSPA", AccessTech::hspa},
      {"HSPA+", AccessTech::hspa_plus},
      {"hspa+", AccessTech::hspa_plus},
      {"HSDPA&HSUPA", AccessTech::hspa},
      {"LTE", AccessTech::lte},
      {" lte ", AccessTech::lte},
      {"NR5G-SA", AccessTech::nr5g},
      {"No Service", AccessTech::unknown},
      {"", AccessTech::unknown},
      {"CDMA", AccessTech::unknown},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    CHECK(access_tech_from_name(row.name) == row.tech);
  }
  CHECK(to_string(AccessTech::hspa_plus) == "hspa+");
}

TEST_CASE("PIN attempts left: 27.007 +CPINR, Huawei ^CPIN, ZTE +ZPINPUK, Quectel +QPINC") {
  struct Row {
    const char* who;
    const char* text;
    int left;  // -1: error
  };
  const std::vector<Row> rows = {
      {"+CPINR", "+CPINR: SIM PIN,3,3", 3},
      {"+CPINR quoted", "+CPINR: \"SIM PIN\",1,3", 1},
      {"+CPINR PIN2 first", "+CPINR: SIM PIN2,3,3\r\n+CPINR: SIM PIN,2,3", 2},
      {"+CPINR only PUK", "+CPINR: SIM PUK,10,10", -1},
      {"Huawei ^CPIN locked", "^CPIN: SIM PIN,3,10,3,10,3", 3},
      {"Huawei ^CPIN ready", "^CPIN: READY,,10,2,10,3", 2},
      {"Huawei ^CPIN short", "^CPIN: READY,,10", -1},
      {"ZTE +ZPINPUK", "+ZPINPUK: 1,10", 1},
      {"Quectel +QPINC", "+QPINC: \"SC\",3,10\r\n+QPINC: \"P2\",3,10", 3},
      {"Quectel +QPINC P2 only", "+QPINC: \"P2\",3,10", -1},
      {"not a number", "+CPINR: SIM PIN,x,3", -1},
      {"out of range", "+CPINR: SIM PIN,99,3", -1},
      {"nothing", "OK", -1},
  };
  for (const auto& row : rows) {
    CAPTURE(row.who);
    auto r = fb::at::parse_pin_retries(row.text);
    if (row.left < 0) {
      CHECK_FALSE(r);
    } else {
      REQUIRE(r);
      CHECK(*r == row.left);
    }
  }
}

TEST_CASE("+CGDCONT=? table: the PDP types a stick can define") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    std::vector<PdpFormat> formats;
  };
  // Verbatim replies from ModemManager's src/tests/test-modem-helpers.c
  // (test_cgdcont_test_response_*), its parser's expectations beside them,
  // except that the types it ignores (PPP) are kept here: failberry names them.
  const std::vector<Row> rows = {
      {"MM 'Single'", "+CGDCONT: (1-10),\"IP\",,,(0,1),(0,1)", true, {{1, 10, "IP"}}},
      {"MM 'Multiple'",
       "+CGDCONT: (1-10),\"IP\",,,(0,1),(0,1)\r\n+CGDCONT: (1-10),\"IPV6\",,,(0,1),(0,1)\r\n"
       "+CGDCONT: (1-10),\"IPV4V6\",,,(0,1),(0,1)\r\n",
       true,
       {{1, 10, "IP"}, {1, 10, "IPV6"}, {1, 10, "IPV4V6"}}},
      {"MM 'Multiple and Ignore'",
       "+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)\r\n+CGDCONT: (1-16),\"PPP\",,,(0-2),(0-4)\r\n"
       "+CGDCONT: (1-16),\"IPV6\",,,(0-2),(0-4)\r\n",
       true,
       {{1, 16, "IP"}, {1, 16, "PPP"}, {1, 16, "IPV6"}}},
      {"MM 'Single Context'",
       "+CGDCONT: (1),\"IP\",,,(0),(0)\r\n+CGDCONT: (1),\"IPV6\",,,(0),(0)\r\n",
       true,
       {{1, 1, "IP"}, {1, 1, "IPV6"}}},
      {"MM 'Thuraya' (the PPP line has no cid range: skipped)",
       "+CGDCONT: ( 1 ) , \"IP\" ,,, (0-2),(0-3)\r\n+CGDCONT: , \"PPP\" ,,, (0-2),(0-3)\r\n",
       true,
       {{1, 1, "IP"}}},
      {"MM 'Cinterion PHS8-USA REVISION 03.001' (the first range counts)",
       "+CGDCONT: (1-17,101-116),\"IP\",,,(0),(0-4)\r\n",
       true,
       {{1, 17, "IP"}}},
      {"lower case, a parenthesised type", "+cgdcont: (1-5),(\"ipv4v6\"),,,(0),(0)", true, {{1, 5, "IPV4V6"}}},
      {"URC between",
       "+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)\r\n^RSSI:17\r\n+CGDCONT: (1-16),\"IPV4V6\"",
       true,
       {{1, 16, "IP"}, {1, 16, "IPV4V6"}}},
      {"only unreadable lines: a reply, no types", "+CGDCONT: x,\"IP\"\r\n+CGDCONT: (1-3),IP", true, {}},
      {"an empty type", "+CGDCONT: (1-3),\"\",,,", true, {}},
      {"a range upside down", "+CGDCONT: (9-3),\"IP\"", true, {}},
      {"no +CGDCONT line (just OK)", "", false, {}},
      {"garbage", "\x01\xff junk", false, {}},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_cgdcont_test(text);
      REQUIRE(r.ok() == row.ok);
      if (r)
        CHECK(*r == row.formats);
      else
        CHECK(r.code() == Code::at_bad_response);
    }
}
