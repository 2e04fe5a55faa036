// The AT framer: final result codes, CME/CMS mapping to stable codes, echo,
// line endings, garbage, URCs inside responses, byte-by-byte chunking, and
// bounded memory.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fb/at/framing.hpp"

using namespace fb::at;
using fb::modem::Code;
using namespace std::string_literals;

namespace {

std::vector<FramerEvent> feed(Framer& f, std::string_view bytes) {
  std::vector<FramerEvent> out;
  f.feed(bytes, out);
  return out;
}

// Feeds one byte at a time: a USB serial read can end anywhere.
std::vector<FramerEvent> feed_bytewise(Framer& f, std::string_view bytes) {
  std::vector<FramerEvent> out;
  for (char c : bytes) f.feed(std::string_view(&c, 1), out);
  return out;
}

Framer generic_framer() {
  Framer f;
  for (const char* p : {"+CREG:", "+CGREG:", "+CEREG:", "^RSSI:", "^BOOT:", "^MODE:", "^DSFLOWRPT:", "RING",
                        "+ZUSIMR:", "+ZPAS:", "NO CARRIER"})
    f.add_urc_prefix(p);
  return f;
}

}  // namespace

TEST_CASE("final result codes: V.250, 27.007 and vendor spellings") {
  struct Row {
    const char* line;
    std::optional<FinalKind> kind;
    const char* argument;
  };
  const std::vector<Row> rows = {
      {"OK", FinalKind::ok, ""},
      {"ok", FinalKind::ok, ""},
      {"  OK  ", FinalKind::ok, ""},
      {"ERROR", FinalKind::error, ""},
      {"error", FinalKind::error, ""},
      {"COMMAND NOT SUPPORT", FinalKind::error, ""},
      {"+CME ERROR: 10", FinalKind::cme_error, "10"},
      {"+CME ERROR:10", FinalKind::cme_error, "10"},
      {"+CME ERROR: SIM not inserted", FinalKind::cme_error, "SIM not inserted"},
      {"+cme error: sim pin required", FinalKind::cme_error, "sim pin required"},
      {"+CMS ERROR: 500", FinalKind::cms_error, "500"},
      {"NO CARRIER", FinalKind::no_carrier, ""},
      {"BUSY", FinalKind::busy, ""},
      {"NO DIALTONE", FinalKind::no_dialtone, ""},
      {"NO DIAL TONE", FinalKind::no_dialtone, ""},
      {"NO ANSWER", FinalKind::no_answer, ""},
      {"CONNECT", FinalKind::connect, ""},
      {"CONNECT 7200000", FinalKind::connect, "7200000"},
      {"CONNECT 115200", FinalKind::connect, "115200"},
      {"CONNECTED", std::nullopt, ""},
      {"OKAY", std::nullopt, ""},
      {"+CME ERRO: 10", std::nullopt, ""},
      {"+CSQ: 17,99", std::nullopt, ""},
      {"ERROR 5", std::nullopt, ""},
      {"", std::nullopt, ""},
      {"RING", std::nullopt, ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.line);
    auto f = classify_final(row.line);
    REQUIRE(f.has_value() == row.kind.has_value());
    if (!f) continue;
    CHECK(f->kind == *row.kind);
    CHECK(f->argument == row.argument);
    CHECK(f->success() == (*row.kind == FinalKind::ok || *row.kind == FinalKind::connect));
  }
}

TEST_CASE("+CME ERROR maps numbers and verbose texts to the same stable codes") {
  struct Row {
    const char* argument;
    Code code;
  };
  const std::vector<Row> rows = {
      {"0", Code::phone_failure},
      {"3", Code::not_allowed},
      {"4", Code::not_supported},
      {"5", Code::device_locked},
      {"10", Code::sim_missing},
      {"SIM not inserted", Code::sim_missing},
      {"SIM NOT INSERTED", Code::sim_missing},
      {"SIM_NOT_INSERTED", Code::sim_missing},
      {"11", Code::sim_pin_required},
      {"SIM PIN required", Code::sim_pin_required},
      {"12", Code::sim_puk_required},
      {"SIM PUK required", Code::sim_puk_required},
      {"13", Code::sim_failure},
      {"sim failure", Code::sim_failure},
      {"14", Code::sim_busy},
      {"SIM busy", Code::sim_busy},
      {"15", Code::sim_failure},
      {"16", Code::sim_pin_wrong},
      {"incorrect password", Code::sim_pin_wrong},
      {"Incorrect  Password", Code::sim_pin_wrong},
      {"30", Code::no_network},
      {"no network service", Code::no_network},
      {"31", Code::network_timeout},
      {"32", Code::reg_denied},
      {"40", Code::device_locked},
      {"103", Code::reg_denied},
      {"Illegal MS", Code::reg_denied},
      {"106", Code::reg_denied},
      {"107", Code::reg_denied},
      {"GPRS services not allowed", Code::reg_denied},
      {"111", Code::reg_denied},
      {"PLMN not allowed", Code::reg_denied},
      {"112", Code::reg_denied},
      {"113", Code::reg_denied},
      {"132", Code::pdp_rejected},
      {"133", Code::pdp_rejected},
      {"134", Code::pdp_rejected},
      {"148", Code::pdp_rejected},
      {"149", Code::pdp_auth_failed},
      {"PDP authentication failure", Code::pdp_auth_failed},
      {"operation not allowed", Code::not_allowed},
      {"operation not supported", Code::not_supported},
      {"phone failure", Code::phone_failure},
      {"100", Code::at_cme_error},
      {"unknown", Code::at_cme_error},
      {"99999999999", Code::at_cme_error},
      {"", Code::at_cme_error},
      {"\x01\x02", Code::at_cme_error},
  };
  for (const auto& row : rows) {
    CAPTURE(row.argument);
    CHECK(cme_code(row.argument) == row.code);
  }
  auto error = final_error(*classify_final("+CME ERROR: 10"));
  REQUIRE(error);
  CHECK(error->code == Code::sim_missing);
  CHECK(error->detail == "+CME ERROR: 10");
  CHECK(final_error(*classify_final("ERROR"))->code == Code::at_error);
  CHECK(final_error(*classify_final("+CMS ERROR: 321"))->code == Code::at_cms_error);
  CHECK(final_error(*classify_final("NO CARRIER"))->code == Code::no_carrier);
  CHECK(final_error(*classify_final("BUSY"))->code == Code::busy);
  CHECK(final_error(*classify_final("NO ANSWER"))->code == Code::no_answer);
  CHECK(final_error(*classify_final("NO DIALTONE"))->code == Code::no_dialtone);
  CHECK_FALSE(final_error(*classify_final("OK")));
  CHECK_FALSE(final_error(*classify_final("CONNECT 7200000")));
}

TEST_CASE("a response completes on its final result, in any chunking and line ending") {
  const std::vector<std::string> transcripts = {
      "\r\n+CSQ: 17,99\r\n\r\nOK\r\n"s,          // V.250 with ATE0
      "AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n"s,  // echo on
      "\n+CSQ: 17,99\n\nOK\n"s,                  // \n only
      "\r+CSQ: 17,99\r\rOK\r"s,                  // \r only
      "AT+CSQ\r\n+CSQ: 17,99\r\nOK\r\n"s,        // echo, no blank lines
      "\r\n\r\n\r\n+CSQ: 17,99\r\n\r\n\r\nOK\r\n"s,
      "\x00\xff\r\n+CSQ: 17,99\r\n\xfe\r\nOK\r\n"s,  // line noise bytes
      "\r\n+CSQ: 17,\x01\x02\x03"
      "99\r\nOK\r\n"s,  // noise inside a line is dropped
      "\r\n\t+CSQ: 17,99\t\r\nOK\r\n"s,
      "at+csq\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n"s,  // echo in other case
  };
  for (const auto& t : transcripts) {
    for (bool bytewise : {false, true}) {
      CAPTURE(t);
      CAPTURE(bytewise);
      Framer f = generic_framer();
      f.begin("AT+CSQ", {"+CSQ:"});
      auto events = bytewise ? feed_bytewise(f, t) : feed(f, t);
      REQUIRE(events.size() == 1);
      CHECK(events[0].kind == FramerEvent::Kind::completed);
      CHECK(events[0].response.lines == std::vector<std::string>{"+CSQ: 17,99"});
      CHECK(events[0].response.final.kind == FinalKind::ok);
      CHECK_FALSE(f.busy());
    }
  }
}

TEST_CASE("NUL and high bytes are noise; an all-noise line vanishes") {
  Framer f = generic_framer();
  f.begin("AT", {});
  std::string noisy = "\x00\x80\xff\r\n\x00OK\x00\r\n"s;
  auto events = feed(f, noisy);
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines.empty());
  CHECK(events[0].response.final.kind == FinalKind::ok);
  CHECK(f.stats().noise_bytes == 5);
}

TEST_CASE("bytes >= 0x80 inside a line are text in the stick's charset: kept as sent") {
  Framer f = generic_framer();
  f.begin("AT+COPS?", {"+COPS:"});
  auto events = feed(f, "\r\n+COPS: 0,0,\"Telef\xF3nica\",2\r\n\r\nOK\r\n"s);  // an 8859-1 stick
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines == std::vector<std::string>{"+COPS: 0,0,\"Telef\xF3nica\",2"});
  CHECK(f.stats().noise_bytes == 0);
  f.begin("ATI", {});
  events = feed(f, "\r\nModel: Telef\xC3\xB3nica \xE2\x82\xAC\r\nOK\r\n"s);  // UTF-8, ending in a non-ASCII character
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines == std::vector<std::string>{"Model: Telef\xC3\xB3nica \xE2\x82\xAC"});
}

TEST_CASE("bytes >= 0x80 before a line's first ASCII character are noise; after a final or echo they do not hide it") {
  Framer f = generic_framer();
  f.begin("AT+CSQ", {"+CSQ:"});
  auto events = feed(f, "\xFF\xFE+CSQ: 17,99\r\n \xFF\r\nAT+CSQ\xFF\r\nOK\xFE\xFF\r\n"s);
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines == std::vector<std::string>{"+CSQ: 17,99"});
  CHECK(events[0].response.final.kind == FinalKind::ok);
  CHECK(events[0].response.final.line == "OK");
  CHECK(f.stats().noise_bytes == 3);
  CHECK(f.stats().echoes == 1);
  CHECK_FALSE(f.busy());
}

TEST_CASE("a noise byte >= 0x80 inside an echo or a final result code does not hide it") {
  Framer f = generic_framer();
  f.begin("AT+CSQ", {"+CSQ:"});
  auto events = feed(f,
                     "AT+\xFF"
                     "CSQ\r\n+CSQ: 17,99\r\nO\xFFK\r\n"s);
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines == std::vector<std::string>{"+CSQ: 17,99"});
  CHECK(events[0].response.final.kind == FinalKind::ok);
  CHECK(f.stats().echoes == 1);
  CHECK_FALSE(f.busy());
}

TEST_CASE("a final line's text in an error is UTF-8") {
  auto final = classify_final("+CME ERROR: SIM \xF3");
  REQUIRE(final);
  CHECK(final_error(*final)->detail == "+CME ERROR: SIM \xC3\xB3");
}

TEST_CASE("URCs are delivered in the middle of a response; the response stays whole") {
  Framer f = generic_framer();
  f.begin("ATI", {});
  auto events = feed(f,
                     "\r\nManufacturer: huawei\r\n\r\n^RSSI:17\r\nModel: E1750\r\n+CREG: 1,\"8BE3\",\"2BAF\"\r\n"
                     "Revision: 11.126\r\n\r\nOK\r\n");
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == FramerEvent::Kind::urc);
  CHECK(events[0].line == "^RSSI:17");
  CHECK(events[1].kind == FramerEvent::Kind::urc);
  CHECK(events[1].line == "+CREG: 1,\"8BE3\",\"2BAF\"");
  CHECK(events[2].kind == FramerEvent::Kind::completed);
  CHECK(events[2].response.lines ==
        std::vector<std::string>{"Manufacturer: huawei", "Model: E1750", "Revision: 11.126"});
}

TEST_CASE("the expected prefix wins over a URC prefix: +CREG: answers AT+CREG?") {
  Framer f = generic_framer();
  f.begin("AT+CREG?", {"+CREG:"});
  auto events = feed(f, "\r\n^BOOT:1234,0,0,0,6\r\n+CREG: 2,1,\"8BE3\",\"2BAF\"\r\n\r\nOK\r\n");
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == FramerEvent::Kind::urc);
  CHECK(events[1].response.lines == std::vector<std::string>{"+CREG: 2,1,\"8BE3\",\"2BAF\""});
  // The same line while idle is an event.
  events = feed(f, "\r\n+CREG: 1,\"8BE3\",\"2BAF\"\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == FramerEvent::Kind::urc);
}

TEST_CASE("errors complete the command with their final; idle finals are strays") {
  Framer f = generic_framer();
  f.begin("AT+CPIN?", {"+CPIN:"});
  auto events = feed(f, "\r\n+CME ERROR: 10\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.final.kind == FinalKind::cme_error);
  CHECK(final_error(events[0].response.final)->code == Code::sim_missing);

  events = feed(f, "\r\nOK\r\nhello\r\n");  // a late OK after a timeout
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == FramerEvent::Kind::stray);
  CHECK(events[0].line == "OK");
  CHECK(events[1].kind == FramerEvent::Kind::stray);
  CHECK(f.stats().strays == 2);
}

TEST_CASE("idle NO CARRIER and RING are URCs; during a dial NO CARRIER is the final") {
  Framer f = generic_framer();
  auto events = feed(f, "\r\nRING\r\n\r\nNO CARRIER\r\n\r\nRINGBACK\r\n");
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == FramerEvent::Kind::urc);
  CHECK(events[1].kind == FramerEvent::Kind::urc);
  CHECK(events[2].kind == FramerEvent::Kind::stray);  // a bare-word prefix is a whole word
  f.begin("ATD*99#", {});
  events = feed(f, "\r\nNO CARRIER\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == FramerEvent::Kind::completed);
  CHECK(events[0].response.final.kind == FinalKind::no_carrier);
  f.begin("ATD*99#", {});
  events = feed(f, "\r\nCONNECT 7200000\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.final.kind == FinalKind::connect);
  CHECK(events[0].response.final.argument == "7200000");
}

TEST_CASE("abandon(): the late answer of a timed-out command is stray, the next command is clean") {
  Framer f = generic_framer();
  f.begin("AT+CSQ", {"+CSQ:"});
  auto events = feed(f, "\r\n+CSQ: 1");  // half a line, then silence
  CHECK(events.empty());
  f.abandon();
  CHECK_FALSE(f.busy());
  events = feed(f, "7,99\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == FramerEvent::Kind::stray);
  f.begin("AT+CGSN", {});
  events = feed(f, "\r\n354638012345671\r\n\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines == std::vector<std::string>{"354638012345671"});
}

TEST_CASE("memory is bounded: overlong lines are cut, responses keep at most kMaxResponseLines") {
  Framer f = generic_framer();
  f.begin("AT+GARBAGE", {});
  std::string huge(Framer::kMaxLine * 3, 'x');
  auto events = feed(f, huge + "\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].response.lines.size() == 1);
  CHECK(events[0].response.lines[0].size() == Framer::kMaxLine);
  CHECK(f.stats().overlong_lines == 1);

  f.begin("AT+FLOOD", {});
  std::string flood;
  for (std::size_t i = 0; i < Framer::kMaxResponseLines + 100; ++i) flood += "line " + std::to_string(i) + "\r\n";
  events = feed(f, flood + "OK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines.size() == Framer::kMaxResponseLines);
  CHECK(f.stats().dropped_lines == 100);
}

TEST_CASE("a flood costs linear work: no byte makes the framer re-read the pending line") {
  // Stats::examined counts the bytes the byte loop reads. Re-reading the
  // pending line (up to kMaxLine bytes) to decide on each new byte would
  // show here as up to ~kMaxLine times `bytes`: the first two floods are the
  // worst case of the rule for bytes >= 0x80, the third is plain garbage.
  // Work, not time, so it holds on a loaded machine.
  const std::size_t n = 1 << 18;
  std::string spaces_then_high(Framer::kMaxLine - 1, ' ');
  spaces_then_high.append(n, '\x80');           // never a line end: all noise, one pending line of spaces
  std::string line(Framer::kMaxLine / 2, ' ');  // spaces, a letter, then text >= 0x80 past the cut
  line += "A" + std::string(Framer::kMaxLine / 2 + 10, '\xE9') + "\r\n";
  std::string lines;
  while (lines.size() < n) lines += line;
  std::string garbage;
  std::uint32_t x = 1;
  while (garbage.size() < n) {
    x = x * 1103515245u + 12345u;
    garbage.push_back(static_cast<char>(x >> 24));
  }
  for (const std::string* flood : {&spaces_then_high, &lines, &garbage}) {
    for (bool busy : {false, true}) {
      Framer f = generic_framer();
      if (busy) f.begin("AT+CSQ", {"+CSQ:"});
      std::vector<FramerEvent> out;
      for (std::size_t i = 0; i < flood->size(); i += 4096) {  // AtChannel's read size
        f.feed(std::string_view(*flood).substr(i, 4096), out);
        out.clear();
      }
      CHECK(f.stats().bytes == flood->size());
      CHECK(f.stats().examined <= f.stats().bytes);
    }
  }
  // And the noise rule still holds on the flood: every high byte after the spaces was noise.
  Framer f = generic_framer();
  auto events = feed(f, spaces_then_high + "\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].line == "OK");
  CHECK(f.stats().noise_bytes == n);
}

TEST_CASE("a URC storm in the middle of a response loses nothing") {
  Framer f = generic_framer();
  f.begin("AT+CGSN", {});
  std::string storm;
  for (int i = 0; i < 5000; ++i) storm += "\r\n^RSSI:" + std::to_string(i % 32) + "\r\n";
  auto events = feed(f, storm + "\r\n354638012345671\r\n" + storm + "\r\nOK\r\n");
  REQUIRE(events.size() == 10001);
  CHECK(events.back().kind == FramerEvent::Kind::completed);
  CHECK(events.back().response.lines == std::vector<std::string>{"354638012345671"});
  CHECK(f.stats().urcs == 10000);
}

TEST_CASE("Response::text joins lines for the parsers") {
  Response r;
  r.lines = {"Manufacturer: huawei", "Model: E1750"};
  CHECK(r.text() == "Manufacturer: huawei\nModel: E1750");
  CHECK(Response{}.text().empty());
}

TEST_CASE("AT+CMGS: the \"> \" prompt without a line end, then +CMGS and OK; verbatim transcripts") {
  struct Row {
    std::string_view note;
    std::string before;  // up to and including the prompt
    std::string after;   // after the text was written
    FinalKind final;
    std::vector<std::string> lines;
  };
  const std::vector<Row> rows = {
      {"ATE0, as 27.005 frames it", "\r\n> ", "\r\n+CMGS: 12\r\n\r\nOK\r\n", FinalKind::ok, {"+CMGS: 12"}},
      {"echo on: the command, then the prompt; the text echoed back",
       "AT+CMGS=\"+15550100\"\r\r\n> ",
       "wired down 14:02\x1a\r\n+CMGS: 3\r\n\r\nOK\r\n",
       FinalKind::ok,
       {"wired down 14:02", "+CMGS: 3"}},
      {"a bare '>' (no space) and \\n only (a Quectel EC25)",
       "\n>",
       "\n+CMGS: 250\n\nOK\n",
       FinalKind::ok,
       {"+CMGS: 250"}},
      {"the network refused it", "\r\n> ", "\r\n+CMS ERROR: 500\r\n", FinalKind::cms_error, {}},
      {"refused before the prompt: no SIM service", "\r\n+CMS ERROR: 330\r\n", "", FinalKind::cms_error, {}},
      {"a plain ERROR after the text", "\r\n> ", "\r\nERROR\r\n", FinalKind::error, {}},
  };
  for (const Row& row : rows) {
    for (bool bytewise : {false, true}) {
      CAPTURE(row.note);
      CAPTURE(bytewise);
      Framer f = generic_framer();
      f.begin("AT+CMGS=\"+15550100\"", {"+CMGS:"}, true);
      auto first = bytewise ? feed_bytewise(f, row.before) : feed(f, row.before);
      bool prompted = row.before.find('>') != std::string::npos;
      if (prompted) {
        REQUIRE(first.size() == 1);
        CHECK(first[0].kind == FramerEvent::Kind::prompt);
        CHECK(f.busy());  // still waiting for the final result
        CHECK(f.stats().prompts == 1);
      }
      auto events = bytewise ? feed_bytewise(f, row.after) : feed(f, row.after);
      if (!prompted) events = first;
      REQUIRE(events.size() == 1);
      CHECK(events[0].kind == FramerEvent::Kind::completed);
      CHECK(events[0].response.final.kind == row.final);
      CHECK(events[0].response.lines == row.lines);
      CHECK_FALSE(f.busy());
    }
  }
}

TEST_CASE("'>' is a prompt only for a command that waits for one, and only at a line's start") {
  Framer f = generic_framer();
  f.begin("AT+CSQ", {"+CSQ:"});
  auto events = feed(f, "\r\n> \r\n+CSQ: 17,99\r\nOK\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines == std::vector<std::string>{">", "+CSQ: 17,99"});
  CHECK(f.stats().prompts == 0);

  f.begin("AT+CMGS=\"+15550100\"", {"+CMGS:"}, true);
  events = feed(f, "\r\nfoo > bar\r\n> ");
  REQUIRE(events.size() == 1);  // the '>' inside a line is text; the one at a line's start the prompt
  CHECK(events[0].kind == FramerEvent::Kind::prompt);
  events = feed(f, "> \r\nOK\r\n");  // a second one is not a prompt again
  REQUIRE(events.size() == 1);
  CHECK(events[0].response.lines == std::vector<std::string>{"foo > bar", ">"});

  f.abandon();
  events = feed(f, "> ");  // idle: nothing, and no prompt
  CHECK(events.empty());
  CHECK(f.stats().prompts == 1);
}
