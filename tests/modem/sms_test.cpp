// SMS text mode: the commands' text, +CMGS answers (verbatim, in every line
// ending) and what +CMS ERROR numbers mean.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "fb/modem/sms.hpp"
#include "table.hpp"

using namespace fb::modem;
using fb::test::line_end_variants;

TEST_CASE("AT+CMGS and the text after the prompt") {
  CHECK(sms_send_command("+15550100") == "AT+CMGS=\"+15550100\"");
  CHECK(sms_body("wired down 14:02") == "wired down 14:02\x1a");
  CHECK(kSmsTextMode == "AT+CMGF=1");
  CHECK(kSmsGsmCharset == "AT+CSCS=\"GSM\"");
}

TEST_CASE("AT+CSCS=\"GSM\" first unless the port is in IRA or GSM already") {
  using fb::at::Charset;
  CHECK_FALSE(sms_needs_gsm_charset(Charset::ira));
  CHECK_FALSE(sms_needs_gsm_charset(Charset::gsm));
  CHECK(sms_needs_gsm_charset(Charset::ucs2));
  CHECK(sms_needs_gsm_charset(Charset::latin1));
  CHECK(sms_needs_gsm_charset(Charset::utf8));
  CHECK(sms_needs_gsm_charset(Charset::unknown));
}

TEST_CASE("+CMGS table: the message reference, or AT_BAD_RESPONSE") {
  struct Row {
    const char* who;
    const char* text;
    std::optional<std::uint32_t> mr;
  };
  const std::vector<Row> rows = {
      {"27.005", "+CMGS: 12", 12},
      {"Huawei E3372h", "+CMGS: 0", 0},
      {"Quectel EC25, wrapped to 255", "+CMGS: 255", 255},
      {"SIMCom, spaces", "+CMGS:   7  ", 7},
      {"with ATE1 the text is echoed first", "wired down 14:02\r\n+CMGS: 3", 3},
      {"the service centre time stamp (AT+CSMS=1)", "+CMGS: 4,\"26/12/06,14:02:00+00\"", 4},
      {"no reference", "+CMGS:", std::nullopt},
      {"not a number", "+CMGS: x", std::nullopt},
      {"over 255", "+CMGS: 256", std::nullopt},
      {"no +CMGS line at all (only OK came)", "", std::nullopt},
      {"another answer", "+CMSS: 5", std::nullopt},
  };
  for (const Row& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.who);
      CAPTURE(text);
      auto r = parse_cmgs(text);
      REQUIRE(r.ok() == row.mr.has_value());
      if (r)
        CHECK(*r == *row.mr);
      else
        CHECK(r.code() == Code::at_bad_response);
    }
}

TEST_CASE("+CMS ERROR numbers in words; unknown ones and texts are empty") {
  CHECK(cms_meaning("500") == "unknown error");
  CHECK(cms_meaning(" 330 ") == "SMSC address unknown");
  CHECK(cms_meaning("38") == "network out of order");
  CHECK(cms_meaning("304") == "invalid PDU mode parameter");
  CHECK(cms_meaning("999").empty());
  CHECK(cms_meaning("SMSC address unknown").empty());
  CHECK(cms_meaning("").empty());
}
