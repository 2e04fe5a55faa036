// Table tests of the AT+CSCS parsers and the text decoders with verbatim
// modem text: UCS2 hex (UTF-16BE, surrogate pairs, odd lengths, bad
// digits), ISO-8859-1 bytes, the GSM 7-bit default alphabet with its 0x1B
// extension table, UTF-8, and text of no declared charset. Whatever comes
// in, what comes out is valid UTF-8 without control characters.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fb/at/charset.hpp"
#include "fb/at/parse_3gpp.hpp"
#include "table.hpp"

using namespace fb::at;
using namespace std::string_literals;
using fb::test::line_end_variants;

namespace {

struct Row {
  const char* what;
  std::string in;
  std::string out;
};

const std::string kFffd = "\xEF\xBF\xBD";             // U+FFFD
const std::string kTelefonica = "Telef\xC3\xB3nica";  // "Telefónica" in UTF-8
const std::string kTelefonicaHex = "00540065006C0065006600F3006E006900630061";

void run(const std::vector<Row>& rows, std::string (*decode)(std::string_view)) {
  for (const auto& row : rows) {
    CAPTURE(row.what);
    CAPTURE(row.in);
    auto out = decode(row.in);
    CHECK(out == row.out);
    CHECK(valid_utf8(out));
  }
}

}  // namespace

TEST_CASE("UCS2 hex: UTF-16BE units, surrogate pairs; bad, odd and lone units are U+FFFD") {
  run(
      {
          {"ASCII", "00540065006C00650066006F006E006900630061", "Telefonica"},
          {"Latin-1 range", kTelefonicaHex, kTelefonica},
          {"lower-case digits", "00540065006c0065006600f3006e006900630061", kTelefonica},
          {"Cyrillic (MTS)", "041C04220421", "\xD0\x9C\xD0\xA2\xD0\xA1"},
          {"CJK (China Mobile)", "4E2D56FD79FB52A8", "\xE4\xB8\xAD\xE5\x9B\xBD\xE7\xA7\xBB\xE5\x8A\xA8"},
          {"euro sign", "20AC", "\xE2\x82\xAC"},
          {"surrogate pair", "0048D83DDE00", "H\xF0\x9F\x98\x80"},  // H + U+1F600
          {"highest pair", "DBFFDFFF", "\xF4\x8F\xBF\xBF"},         // U+10FFFF
          {"lone high surrogate before a BMP unit", "D83D0041", kFffd + "A"},
          {"lone high surrogate at the end", "0041D83D", "A" + kFffd},
          {"high surrogate, then a pair", "D83DD83DDE00", kFffd + "\xF0\x9F\x98\x80"},
          {"lone low surrogate", "DE000041", kFffd + "A"},
          {"odd length: 3 trailing digits", "0054006", "T" + kFffd},
          {"odd length: 1 digit", "5", kFffd},
          {"a group with a non-hex digit", "0054XYZW0065", "T" + kFffd + "e"},
          {"a sign is not a digit", "+054", kFffd},
          {"controls become spaces", "0041000A0000007F00850042", "A    B"},
          {"empty", "", ""},
      },
      decode_ucs2_hex);
}

TEST_CASE("ISO-8859-1: each byte is its code point; C0, DEL and C1 controls are spaces") {
  run(
      {
          {"Telefonica", "Telef\xF3nica", kTelefonica},
          {"umlauts", "\xC4\xD6\xDC\xDF", "\xC3\x84\xC3\x96\xC3\x9C\xC3\x9F"},
          {"y diaeresis", "\xFF", "\xC3\xBF"},
          {"C1 and DEL",
           "a\x80\x9F\x7F"
           "b",
           "a   b"},
          {"UTF-8 bytes are two Latin-1 characters", "\xC3\xB3", "\xC3\x83\xC2\xB3"},
          {"empty", "", ""},
      },
      decode_latin1);
}

TEST_CASE("GSM 7-bit default alphabet and its 0x1B extension table") {
  run(
      {
          {"letters and digits are ASCII", "Orange F 20801", "Orange F 20801"},
          {"o grave (0x08)", "Telef\x08nica", "Telef\xC3\xB2nica"},
          {"0x00 is @",
           "a\x00"
           "b"s,
           "a@b"},
          {"$ _ and the pound", "\x02\x11\x01", "$_\xC2\xA3"},
          {"0x24 is the currency sign, 0x40 inverted !", "\x24\x40", "\xC2\xA4\xC2\xA1"},
          {"national letters at ASCII's brackets", "\x5B\x5C\x5D\x5E\x60", "\xC3\x84\xC3\x96\xC3\x91\xC3\x9C\xC2\xBF"},
          {"0x7B..0x7F", "\x7B\x7C\x7D\x7E\x7F", "\xC3\xA4\xC3\xB6\xC3\xB1\xC3\xBC\xC3\xA0"},
          {"Greek capitals", "\x10\x12\x13\x14\x15\x16\x17\x18\x19\x1A",
           "\xCE\x94\xCE\xA6\xCE\x93\xCE\x9B\xCE\xA9\xCE\xA0\xCE\xA8\xCE\xA3\xCE\x98\xCE\x9E"},
          {"escape: euro", "5\x1B\x65", "5\xE2\x82\xAC"},
          {"escape: brackets, braces, backslash, tilde, caret, bar",
           "\x1B\x3C\x1B\x3E\x1B\x28\x1B\x29\x1B\x2F\x1B\x3D\x1B\x14\x1B\x40", "[]{}\\~^|"},
          {"escape before a code the extension lacks: the default character",
           "\x1B\x41"
           "b",
           "Ab"},
          {"escape escape: reserved, a space",
           "a\x1B\x1B"
           "b",
           "a b"},
          {"escape form feed: a control, a space",
           "a\x1B\x0A"
           "b",
           "a b"},
          {"trailing escape", "abc\x1B", "abc" + kFffd},
          {"escape then a byte >= 0x80", "\x1B\x80", kFffd + kFffd},
          {"LF and CR are controls: spaces",
           "a\x0A\x0D"
           "b",
           "a  b"},
          {"bytes >= 0x80 are no septets",
           "a\xF3"
           "b",
           "a" + kFffd + "b"},
          {"empty", "", ""},
      },
      decode_gsm7);
}

TEST_CASE("UTF-8: valid sequences kept, each byte of an invalid one is U+FFFD") {
  run(
      {
          {"valid", kTelefonica, kTelefonica},
          {"4-byte", "\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
          {"a Latin-1 byte", "Telef\xF3nica", "Telef" + kFffd + "nica"},
          {"overlong slash", "\xC0\xAF", kFffd + kFffd},
          {"encoded surrogate", "\xED\xA0\x80", kFffd + kFffd + kFffd},
          {"above U+10FFFF", "\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},
          {"cut at the end", "ab\xE2\x82", "ab" + kFffd + kFffd},
          {"C1 control (NEL) is a space",
           "a\xC2\x85"
           "b",
           "a b"},
      },
      decode_utf8);
}

TEST_CASE("text of no declared charset: UTF-8 where valid, else ISO-8859-1") {
  run(
      {
          {"ASCII", "Manufacturer: huawei", "Manufacturer: huawei"},
          {"Latin-1 byte", "Telef\xF3nica", kTelefonica},
          {"UTF-8 sequence", kTelefonica, kTelefonica},
          {"both in one line", "\xC3\xB3\xF3", "\xC3\xB3\xC3\xB3"},
          {"a cut UTF-8 sequence is Latin-1 (U+0082 a control)", "\xE2\x82", "\xC3\xA2 "},
          {"controls", "a\tb\x1B[31m", "a b [31m"},
      },
      decode_text);
}

TEST_CASE("a <string> field is decoded from the stick's charset") {
  struct Case {
    const char* what;
    Charset charset;
    std::string field;
    std::string out;
  };
  const std::vector<Case> cases = {
      {"UCS2 hex", Charset::ucs2, kTelefonicaHex, kTelefonica},
      {"UCS2 stick printing ASCII anyway (Huawei +COPS)", Charset::ucs2, "vodafone ES", "vodafone ES"},
      {"UCS2 stick, numeric operator not in hex", Charset::ucs2, "21407", "21407"},
      {"UCS2 stick, numeric operator in hex", Charset::ucs2, "00320031003400300037", "21407"},
      {"UCS2 stick, 6 digits are not whole units", Charset::ucs2, "310410", "310410"},
      {"UCS2 stick, Latin-1 bytes", Charset::ucs2, "Telef\xF3nica", kTelefonica},
      {"8859-1", Charset::latin1, "Telef\xF3nica", kTelefonica},
      {"8859-1 is strict: no UTF-8 guess", Charset::latin1, "\xC3\xB3", "\xC3\x83\xC2\xB3"},
      {"GSM", Charset::gsm, "Telef\x08nica", "Telef\xC3\xB2nica"},
      {"UTF-8", Charset::utf8, kTelefonica, kTelefonica},
      {"IRA with a Latin-1 byte", Charset::ira, "Telef\xF3nica", kTelefonica},
      {"IRA with UTF-8", Charset::ira, kTelefonica, kTelefonica},
      {"unknown, hex is left alone", Charset::unknown, kTelefonicaHex, kTelefonicaHex},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    CHECK(decode_string(c.charset, c.field) == c.out);
  }
}

TEST_CASE("charset names, AT+CSCS? and AT+CSCS=? tables") {
  for (auto c : {Charset::ira, Charset::gsm, Charset::ucs2, Charset::latin1, Charset::utf8})
    CHECK(charset_from_name(to_string(c)) == c);
  CHECK(charset_from_name("ascii") == Charset::ira);
  CHECK(charset_from_name("UTF8") == Charset::utf8);
  CHECK(charset_from_name("HEX") == Charset::unknown);
  CHECK(charset_from_name("PCCP437") == Charset::unknown);
  CHECK(to_string(Charset::unknown).empty());

  struct Query {
    const char* what;
    const char* text;
    bool ok;
    Charset charset;
  };
  const std::vector<Query> queries = {
      {"27.007", "+CSCS: \"IRA\"", true, Charset::ira},
      {"UCS2", "+CSCS: \"UCS2\"", true, Charset::ucs2},
      {"GSM, lower case", "+cscs: \"gsm\"", true, Charset::gsm},
      {"8859-1", "+CSCS: \"8859-1\"", true, Charset::latin1},
      {"UTF8 spelling", "+CSCS: \"UTF8\"", true, Charset::utf8},
      {"unquoted, no space", "+CSCS:UCS2", true, Charset::ucs2},
      {"echo and OK", "AT+CSCS?\r\r\n+CSCS: \"UCS2\"\r\n\r\nOK", true, Charset::ucs2},
      {"a charset failberry cannot decode", "+CSCS: \"HEX\"", true, Charset::unknown},
      {"the test form's list", "+CSCS: (\"IRA\",\"GSM\",\"UCS2\")", false, Charset::unknown},
      {"empty value", "+CSCS: ", false, Charset::unknown},
      {"empty quotes", "+CSCS: \"\"", false, Charset::unknown},
      {"no line", "OK", false, Charset::unknown},
      {"empty", "", false, Charset::unknown},
  };
  for (const auto& q : queries)
    for (const auto& text : line_end_variants(q.text)) {
      CAPTURE(q.what);
      CAPTURE(text);
      auto r = parse_cscs(text);
      REQUIRE(r.ok() == q.ok);
      if (q.ok) CHECK(*r == q.charset);
    }

  struct List {
    const char* what;
    const char* text;
    bool ok;
    std::vector<Charset> charsets;
  };
  const std::vector<List> lists = {
      {"27.007", "+CSCS: (\"IRA\",\"GSM\",\"UCS2\")", true, {Charset::ira, Charset::gsm, Charset::ucs2}},
      {"other order", "+CSCS: (\"GSM\",\"IRA\",\"UCS2\")", true, {Charset::gsm, Charset::ira, Charset::ucs2}},
      {"unknown names skipped",
       "+CSCS: (\"IRA\",\"GSM\",\"UCS2\",\"PCCP437\",\"HEX\")",
       true,
       {Charset::ira, Charset::gsm, Charset::ucs2}},
      {"aliases",
       "+CSCS: (\"8859-1\",\"ASCII\",\"GSM\",\"UCS2\",\"UTF8\")",
       true,
       {Charset::latin1, Charset::ira, Charset::gsm, Charset::ucs2, Charset::utf8}},
      {"no parentheses", "+CSCS: \"IRA\",\"UCS2\"", true, {Charset::ira, Charset::ucs2}},
      {"one, no parentheses", "+CSCS: \"IRA\"", true, {Charset::ira}},
      {"unquoted, spaces", "+CSCS: ( IRA , GSM , UCS2 )", true, {Charset::ira, Charset::gsm, Charset::ucs2}},
      {"repeated", "+CSCS: (\"IRA\",\"ira\")", true, {Charset::ira}},
      {"only unknown", "+CSCS: (\"HEX\")", true, {}},
      {"echo and OK", "AT+CSCS=?\r\r\n+CSCS: (\"IRA\",\"UCS2\")\r\n\r\nOK", true, {Charset::ira, Charset::ucs2}},
      {"empty list", "+CSCS: ()", false, {}},
      {"no line", "OK", false, {}},
  };
  for (const auto& l : lists)
    for (const auto& text : line_end_variants(l.text)) {
      CAPTURE(l.what);
      CAPTURE(text);
      auto r = parse_cscs_supported(text);
      REQUIRE(r.ok() == l.ok);
      if (l.ok) CHECK(*r == l.charsets);
    }
}

TEST_CASE("+COPS? <oper> in the stick's charset comes out as UTF-8") {
  struct Row {
    const char* what;
    std::string text;
    Charset charset;
    std::string name;
  };
  const std::vector<Row> rows = {
      {"UCS2", "+COPS: 0,0,\"" + kTelefonicaHex + "\",7", Charset::ucs2, kTelefonica},
      {"UCS2, Huawei printing ASCII", "+COPS: 0,0,\"vodafone ES\",2", Charset::ucs2, "vodafone ES"},
      {"UCS2, numeric", "+COPS: 0,2,\"21407\",7", Charset::ucs2, "21407"},
      {"UCS2, CJK", "+COPS: 0,0,\"4E2D56FD79FB52A8\",7", Charset::ucs2,
       "\xE4\xB8\xAD\xE5\x9B\xBD\xE7\xA7\xBB\xE5\x8A\xA8"},
      {"8859-1", "+COPS: 0,0,\"Telef\xF3nica\",7", Charset::latin1, kTelefonica},
      {"GSM with an escape", "+COPS: 0,0,\"Test\x1B\x65\",2", Charset::gsm, "Test\xE2\x82\xAC"},
      {"IRA stick sending Latin-1 anyway", "+COPS: 0,0,\"Telef\xF3nica\",7", Charset::ira, kTelefonica},
      {"unknown charset", "+COPS: 0,0,\"Telef\xC3\xB3nica\",7", Charset::unknown, kTelefonica},
  };
  for (const auto& row : rows)
    for (const auto& text : line_end_variants(row.text)) {
      CAPTURE(row.what);
      CAPTURE(text);
      auto r = parse_cops(text, row.charset);
      REQUIRE(r.ok());
      CHECK(r->name == row.name);
    }
  // Identity lines are information text: no hex decoding ("E173" is a model, not U+E173).
  auto ati = parse_ati("Manufacturer: Telef\xF3nica\r\nModel: E173\r\nRevision: 11.126");
  REQUIRE(ati.ok());
  CHECK(ati->manufacturer == kTelefonica);
  CHECK(ati->model == "E173");
  CHECK(*parse_identity_line("+CGMI: \"Telef\xF3nica\"", "+CGMI:") == kTelefonica);
  // An error's detail is UTF-8 too: it goes to the log and /status.
  auto bad = parse_csq("+CSQ: \xF3\xF3");
  REQUIRE_FALSE(bad.ok());
  CHECK(valid_utf8(bad.error().detail));
}
