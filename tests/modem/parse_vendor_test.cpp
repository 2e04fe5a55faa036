// Table tests of the Huawei and ZTE parsers with verbatim replies.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "fb/modem/parse_vendor.hpp"
#include "table.hpp"

using namespace fb::modem;
using fb::at::AccessTech;
using fb::test::line_end_variants;

TEST_CASE("Huawei ^SYSINFO table") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    huawei::SysInfo expect;
  };
  const std::vector<Row> rows = {
      {"five fields", "^SYSINFO:2,4,5,3,1", true, {2, 4, 5, 3, 1, std::nullopt, std::nullopt}},
      {"trailing comma", "^SYSINFO:2,4,5,3,1,", true, {2, 4, 5, 3, 1, std::nullopt, std::nullopt}},
      {"two trailing commas", "^SYSINFO:2,4,5,3,1,,", true, {2, 4, 5, 3, 1, std::nullopt, std::nullopt}},
      {"lone sixth is lock state", "^SYSINFO:2,4,5,3,1,6", true, {2, 4, 5, 3, 1, 6, std::nullopt}},
      {"lock state then comma", "^SYSINFO:2,4,5,3,1,6,", true, {2, 4, 5, 3, 1, 6, std::nullopt}},
      {"empty lock, submode", "^SYSINFO:2,4,5,3,1,,6", true, {2, 4, 5, 3, 1, std::nullopt, 6}},
      {"all seven", "^SYSINFO:2,4,5,3,1,0,6", true, {2, 4, 5, 3, 1, 0, 6}},
      {"space after colon", "^SYSINFO: 2,4,5,3,1,0,6", true, {2, 4, 5, 3, 1, 0, 6}},
      {"E1750 WCDMA registered", "^SYSINFO:2,3,0,5,1,,4", true, {2, 3, 0, 5, 1, std::nullopt, 4}},
      {"E173 no SIM", "^SYSINFO:0,0,0,0,255,,0", true, {0, 0, 0, 0, 255, std::nullopt, 0}},
      {"lower case", "^sysinfo:2,2,0,5,1", true, {2, 2, 0, 5, 1, std::nullopt, std::nullopt}},
      {"echo and OK", "AT^SYSINFO\r\r\n^SYSINFO:2,3,0,5,1,,4\r\n\r\nOK", true, {2, 3, 0, 5, 1, std::nullopt, 4}},
      {"short", "^SYSINFO:2,4,5", false, {}},
      {"letters", "^SYSINFO:a,b,c,d,e", false, {}},
      {"empty", "", false, {}},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = huawei::parse_sysinfo(text);
      REQUIRE(r.ok() == row.ok);
      if (r) CHECK(*r == row.expect);
    }
  auto no_sim = huawei::parse_sysinfo("^SYSINFO:0,0,0,0,255,,0");
  REQUIRE(no_sim);
  CHECK_FALSE(no_sim->sim_present());
  CHECK_FALSE(no_sim->has_service());
  CHECK(huawei::parse_sysinfo("^SYSINFO:2,3,0,5,1")->has_service());
}

TEST_CASE("Huawei ^SYSINFOEX table") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    int srv, domain, roam, sim, mode;
    std::optional<int> submode;
    AccessTech tech;
  };
  const std::vector<Row> rows = {
      {"unquoted names", "^SYSINFOEX:2,4,5,1,,3,WCDMA,41,HSPA+", true, 2, 4, 5, 1, 3, 41, AccessTech::hspa_plus},
      {"quoted names", "^SYSINFOEX:2,4,5,1,,3,\"WCDMA\",41,\"HSPA+\"", true, 2, 4, 5, 1, 3, 41, AccessTech::hspa_plus},
      {"lock 0", "^SYSINFOEX: 2,4,5,1,0,3,\"WCDMA\",41,\"HSPA+\"", true, 2, 4, 5, 1, 3, 41, AccessTech::hspa_plus},
      {"E3131 LTE", "^SYSINFOEX:2,3,0,1,,6,\"LTE\",101,\"LTE\"", true, 2, 3, 0, 1, 6, 101, AccessTech::lte},
      {"GSM EDGE", "^SYSINFOEX:2,3,0,1,,1,\"GSM\",3,\"EDGE\"", true, 2, 3, 0, 1, 1, 3, AccessTech::edge},
      {"no names, mode only", "^SYSINFOEX:2,3,0,1,,3", true, 2, 3, 0, 1, 3, std::nullopt, AccessTech::umts},
      {"no service", "^SYSINFOEX:0,0,0,1,,0,,0,", true, 0, 0, 0, 1, 0, 0, AccessTech::unknown},
      {"short", "^SYSINFOEX:2,3,0", false, 0, 0, 0, 0, 0, std::nullopt, AccessTech::unknown},
      {"bad mode", "^SYSINFOEX:2,3,0,1,,x", false, 0, 0, 0, 0, 0, std::nullopt, AccessTech::unknown},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = huawei::parse_sysinfoex(text);
      REQUIRE(r.ok() == row.ok);
      if (!r) continue;
      CHECK(r->srv_status == row.srv);
      CHECK(r->srv_domain == row.domain);
      CHECK(r->roam_status == row.roam);
      CHECK(r->sim_state == row.sim);
      CHECK(r->sys_mode == row.mode);
      CHECK(r->sys_submode == row.submode);
      CHECK(r->tech() == row.tech);
    }
}

TEST_CASE("Huawei ^U2DIAG? table: CD-ROM on, off, or unknown (never guessed)") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    std::uint32_t value;
    CdromState cdrom;
  };
  const std::vector<Row> rows = {
      {"modem only", "^U2DIAG:0", true, 0, CdromState::off},
      {"E173 factory default", "^U2DIAG: 255", true, 255, CdromState::on},
      {"E1750 factory default", "^U2DIAG: 276", true, 276, CdromState::on},
      {"no CD, SD kept", "^U2DIAG:256", true, 256, CdromState::off},
      {"CD + modem + PCUI", "^U2DIAG: 1", true, 1, CdromState::on},
      {"modem + PCUI", "^U2DIAG: 2", true, 2, CdromState::off},
      {"HiLink NDIS", "^U2DIAG: 119", true, 119, CdromState::off},
      {"CD/modem+PCUI+SD", "^U2DIAG: 257", true, 257, CdromState::on},
      {"BT composition", "^U2DIAG: 4372", true, 4372, CdromState::on},
      {"unknown value", "^U2DIAG: 999", true, 999, CdromState::unknown},
      {"lower case", "^u2diag: 0", true, 0, CdromState::off},
      {"echo and OK", "AT^U2DIAG?\r\r\n^U2DIAG: 276\r\n\r\nOK", true, 276, CdromState::on},
      {"empty value", "^U2DIAG:", false, 0, CdromState::unknown},
      {"letters", "^U2DIAG: abc", false, 0, CdromState::unknown},
      {"ERROR on newer sticks", "ERROR", false, 0, CdromState::unknown},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = huawei::parse_u2diag(text);
      REQUIRE(r.ok() == row.ok);
      if (!r) continue;
      CHECK(r->value == row.value);
      CHECK(r->cdrom == row.cdrom);
    }
}

TEST_CASE("Huawei ^SETPORT? table") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    std::vector<std::string> initial, switched;
    CdromState cdrom;
  };
  const std::vector<Row> rows = {
      {"E3131 default",
       "^SETPORT:A1,A2;1,16,3,2,A1,A2",
       true,
       {"A1", "A2"},
       {"1", "16", "3", "2", "A1", "A2"},
       CdromState::on},
      {"E3372s", "^SETPORT:A1,A2;12,10,16,A1,A2", true, {"A1", "A2"}, {"12", "10", "16", "A1", "A2"}, CdromState::on},
      {"dongle with card reader",
       "^SETPORT:A1,A2;1,3,2,A1,A2",
       true,
       {"A1", "A2"},
       {"1", "3", "2", "A1", "A2"},
       CdromState::on},
      {"CD off", "^SETPORT:FF;1,2,3", true, {"FF"}, {"1", "2", "3"}, CdromState::off},
      {"doc example with space", "^SETPORT: A1,A2;1,3,12", true, {"A1", "A2"}, {"1", "3", "12"}, CdromState::on},
      {"only SD first", "^SETPORT: A2;1,12", true, {"A2"}, {"1", "12"}, CdromState::unknown},
      {"quoted", "^SETPORT:\"FF;12,16\"", true, {"FF"}, {"12", "16"}, CdromState::off},
      {"lower case", "^setport:a1,a2;1,16,3,2", true, {"A1", "A2"}, {"1", "16", "3", "2"}, CdromState::on},
      {"empty first", "^SETPORT:;1,2", true, {}, {"1", "2"}, CdromState::off},
      {"no semicolon", "^SETPORT:1,2,3", false, {}, {}, CdromState::unknown},
      {"nothing after", "^SETPORT:A1,A2;", false, {}, {}, CdromState::unknown},
      {"bad port", "^SETPORT:A1;1,BLUETOOTH", false, {}, {}, CdromState::unknown},
      {"empty", "", false, {}, {}, CdromState::unknown},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = huawei::parse_setport(text);
      REQUIRE(r.ok() == row.ok);
      if (!r) continue;
      CHECK(r->initial == row.initial);
      CHECK(r->switched == row.switched);
      CHECK(r->cdrom == row.cdrom);
    }
}

TEST_CASE("Huawei ^MODE and ^DSFLOWRPT URCs") {
  auto m = huawei::parse_mode("^MODE:5,4");
  REQUIRE(m);
  CHECK(m->sys_mode == 5);
  CHECK(m->sys_submode == 4);
  m = huawei::parse_mode("^MODE: 3");
  REQUIRE(m);
  CHECK(m->sys_mode == 3);
  CHECK_FALSE(m->sys_submode);
  CHECK_FALSE(huawei::parse_mode("^MODE:"));
  CHECK_FALSE(huawei::parse_mode("^MODE:x,1"));

  auto f = huawei::parse_dsflowrpt(
      "^DSFLOWRPT:00000174,00000000,00000000,00000000000000E8,00000000000000BE,0003E800,0003E800");
  REQUIRE(f);
  CHECK(f->seconds == 0x174);
  CHECK(f->tx_bytes == 0xe8);
  CHECK(f->rx_bytes == 0xbe);
  f = huawei::parse_dsflowrpt("^DSFLOWRPT: 0000000A,00000100,00000200,0000000100000000,0000000200000000,0,0");
  REQUIRE(f);
  CHECK(f->tx_rate == 0x100);
  CHECK(f->rx_rate == 0x200);
  CHECK(f->tx_bytes == 0x100000000ULL);  // past 4 GiB: the counters are 64-bit
  CHECK(f->rx_bytes == 0x200000000ULL);
  CHECK_FALSE(huawei::parse_dsflowrpt("^DSFLOWRPT:1,2,3"));
  CHECK_FALSE(huawei::parse_dsflowrpt("^DSFLOWRPT:1,2,3,G,5"));
  CHECK_FALSE(huawei::parse_dsflowrpt("^DSFLOWRPT:100000000,2,3,4,5"));
}

TEST_CASE("ZTE +ZPAS? table") {
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    const char* network;
    const char* domain;
    AccessTech tech;
    bool service;
  };
  const std::vector<Row> rows = {
      {"MF626", "+ZPAS: \"GPRS/EDGE\",\"CS_ONLY\"", true, "GPRS/EDGE", "CS_ONLY", AccessTech::edge, true},
      {"HSDPA", "+ZPAS: \"HSDPA\",\"CS_PS\"", true, "HSDPA", "CS_PS", AccessTech::hsdpa, true},
      {"3G", "+ZPAS: \"3G\",\"CS_PS\"", true, "3G", "CS_PS", AccessTech::umts, true},
      {"UMTS", "+ZPAS: \"UMTS\",\"PS_ONLY\"", true, "UMTS", "PS_ONLY", AccessTech::umts, true},
      {"HSPA+", "+ZPAS: \"HSPA+\",\"CS_PS\"", true, "HSPA+", "CS_PS", AccessTech::hspa_plus, true},
      {"LTE", "+ZPAS: \"LTE\",\"PS_ONLY\"", true, "LTE", "PS_ONLY", AccessTech::lte, true},
      {"ZM9000 5G", "+ZPAS: \"NR5G-SA\",\"PS_ONLY\"", true, "NR5G-SA", "PS_ONLY", AccessTech::nr5g, true},
      {"no service", "+ZPAS: \"No Service\",\"CS_ONLY\"", true, "No Service", "CS_ONLY", AccessTech::unknown, false},
      {"limited", "+ZPAS: \"Limited Service\",\"CAMPED\"", true, "Limited Service", "CAMPED", AccessTech::unknown,
       false},
      {"unquoted", "+ZPAS: GSM,CS_ONLY", true, "GSM", "CS_ONLY", AccessTech::gsm, true},
      {"no domain", "+ZPAS: \"EDGE\"", true, "EDGE", "", AccessTech::edge, true},
      {"lower case domain", "+zpas: \"UMTS\",\"cs_ps\"", true, "UMTS", "CS_PS", AccessTech::umts, true},
      {"unknown tech kept", "+ZPAS: \"CDMA\",\"CS_ONLY\"", true, "CDMA", "CS_ONLY", AccessTech::unknown, true},
      {"echo and OK", "AT+ZPAS?\r\r\n+ZPAS: \"HSDPA\",\"CS_PS\"\r\n\r\nOK", true, "HSDPA", "CS_PS", AccessTech::hsdpa,
       true},
      {"empty value", "+ZPAS:", false, "", "", AccessTech::unknown, false},
      {"empty first", "+ZPAS: ,\"CS_PS\"", false, "", "", AccessTech::unknown, false},
      {"empty", "", false, "", "", AccessTech::unknown, false},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = zte::parse_zpas(text);
      REQUIRE(r.ok() == row.ok);
      if (!r) continue;
      CHECK(r->network == row.network);
      CHECK(r->domain == row.domain);
      CHECK(r->tech == row.tech);
      CHECK(r->service() == row.service);
    }
}

TEST_CASE("ZTE +ZCDRUN replies are sentences, parsed by their result digit") {
  using Op = zte::Zcdrun::Operation;
  struct Row {
    const char* who;
    const char* text;
    bool ok;
    Op op;
    int result;
    CdromState cdrom;
  };
  const std::vector<Row> rows = {
      {"query on", "Inquiry autorun open state result(0:NO 1:YES):1", true, Op::query, 1, CdromState::on},
      {"query off", "Inquiry autorun open state result(0:NO 1:YES):0", true, Op::query, 0, CdromState::off},
      {"close ok", "Close autorun state result(0:FAIL 1:SUCCESS):1", true, Op::close, 1, CdromState::off},
      {"close failed", "Close autorun state result(0:FAIL 1:SUCCESS):0", true, Op::close, 0, CdromState::unknown},
      {"open ok", "Open autorun state result(0:FAIL 1:SUCCESS):1", true, Op::open, 1, CdromState::on},
      {"download mode", "Open download mode result(0:FAIL 1:SUCCESS):1", true, Op::other, 1, CdromState::unknown},
      {"with OK", "\r\nClose autorun state result(0:FAIL 1:SUCCESS):1\r\n\r\nOK\r\n", true, Op::close, 1,
       CdromState::off},
      {"tagged firmware", "+ZCDRUN: Inquiry autorun open state result(0:NO 1:YES):1", true, Op::query, 1,
       CdromState::on},
      {"space before digit", "Inquiry autorun open state result(0:NO 1:YES): 1", true, Op::query, 1, CdromState::on},
      {"upper case", "INQUIRY AUTORUN OPEN STATE RESULT(0:NO 1:YES):0", true, Op::query, 0, CdromState::off},
      {"echo first", "AT+ZCDRUN=4\r\r\nInquiry autorun open state result(0:NO 1:YES):1", true, Op::query, 1,
       CdromState::on},
      {"result 2", "Close autorun state result(0:FAIL 1:SUCCESS):2", false, Op::other, 0, CdromState::unknown},
      {"cut off", "Inquiry autorun open state result(0:NO 1:YES", false, Op::other, 0, CdromState::unknown},
      {"missing digit", "Inquiry autorun open state result(0:NO 1:YES):", false, Op::other, 0, CdromState::unknown},
      {"plain OK", "OK", false, Op::other, 0, CdromState::unknown},
      {"empty", "", false, Op::other, 0, CdromState::unknown},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = zte::parse_zcdrun(text);
      REQUIRE(r.ok() == row.ok);
      if (!r) continue;
      CHECK(r->operation == row.op);
      CHECK(r->result == row.result);
      CHECK(r->cdrom() == row.cdrom);
    }
}
