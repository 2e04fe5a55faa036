// The PDP type choice (fb/modem/pdp_choice.hpp): [modem] pdp_type, written or
// not, against what AT+CGDCONT=? lists. The replies are verbatim transcripts
// from ModemManager's src/tests/test-modem-helpers.c, parsed by the real parser.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "fb/modem/pdp_choice.hpp"

using namespace fb::modem;
using Kind = PdpChoice::Kind;

namespace {

// test_cgdcont_test_response_multiple: an LTE module that lists all three.
const char* const kDualStack =
    "+CGDCONT: (1-10),\"IP\",,,(0,1),(0,1)\r\n+CGDCONT: (1-10),\"IPV6\",,,(0,1),(0,1)\r\n"
    "+CGDCONT: (1-10),\"IPV4V6\",,,(0,1),(0,1)\r\n";
// test_cgdcont_test_response_multiple_and_ignore: IP, PPP, IPV6 (no IPV4V6).
const char* const kNoDual =
    "+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)\r\n+CGDCONT: (1-16),\"PPP\",,,(0-2),(0-4)\r\n"
    "+CGDCONT: (1-16),\"IPV6\",,,(0-2),(0-4)\r\n";
// test_cgdcont_test_response_thuraya: IP alone (its PPP line is unreadable).
const char* const kThuraya = "+CGDCONT: ( 1 ) , \"IP\" ,,, (0-2),(0-3)\r\n+CGDCONT: , \"PPP\" ,,, (0-2),(0-3)\r\n";

Result<std::vector<fb::at::PdpFormat>> reply(const char* text) {
  return fb::at::parse_cgdcont_test(text);
}

}  // namespace

TEST_CASE("PDP type: written or not, against what the stick lists") {
  struct Row {
    const char* what;
    std::optional<PdpType> written;
    Result<std::vector<fb::at::PdpFormat>> listed;
    Kind kind;
    std::optional<PdpType> type;
    const char* reason;
  };
  const Error refused{Code::at_error, "AT+CGDCONT=?"};
  const std::vector<Row> rows = {
      {"default, IPV4V6 listed", std::nullopt, reply(kDualStack), Kind::preferred, PdpType::ipv4v6,
       "pdp_type not written: IPV4V6 (AT+CGDCONT=? lists IP, IPV6, IPV4V6)"},
      {"default, no IPV4V6: IP, and why", std::nullopt, reply(kNoDual), Kind::fallback, PdpType::ip,
       "the modem lists no IPV4V6 (AT+CGDCONT=? lists IP, PPP, IPV6): IP"},
      {"default, IP alone", std::nullopt, reply(kThuraya), Kind::fallback, PdpType::ip,
       "the modem lists no IPV4V6 (AT+CGDCONT=? lists IP): IP"},
      {"written ipv4v6, listed", PdpType::ipv4v6, reply(kDualStack), Kind::as_written, PdpType::ipv4v6,
       "pdp_type = ipv4v6 (IPV4V6) as written; AT+CGDCONT=? lists IP, IPV6, IPV4V6"},
      {"written ipv4v6, not listed: refused", PdpType::ipv4v6, reply(kNoDual), Kind::refused, std::nullopt,
       "pdp_type = ipv4v6 (IPV4V6) is written, but the modem lists no IPV4V6 (AT+CGDCONT=? lists IP, PPP, IPV6): "
       "nothing is attached or dialled with another type; write a type it lists or remove pdp_type"},
      {"written ipv4 on a dual-stack stick: as written", PdpType::ip, reply(kDualStack), Kind::as_written, PdpType::ip,
       "pdp_type = ipv4 (IP) as written; AT+CGDCONT=? lists IP, IPV6, IPV4V6"},
      {"written ipv6, IP alone: refused", PdpType::ipv6, reply(kThuraya), Kind::refused, std::nullopt,
       "pdp_type = ipv6 (IPV6) is written, but the modem lists no IPV6 (AT+CGDCONT=? lists IP): nothing is "
       "attached or dialled with another type; write a type it lists or remove pdp_type"},
      {"\"IPV4\" is IP (as ModemManager maps it)", PdpType::ip, reply("+CGDCONT: (1-4),\"IPV4\",,,(0),(0)"),
       Kind::as_written, PdpType::ip, "pdp_type = ipv4 (IP) as written; AT+CGDCONT=? lists IPV4"},
      {"default, IPV6 alone: refused, the user must write it", std::nullopt,
       reply("+CGDCONT: (1-4),\"IPV6\",,,(0),(0)"), Kind::refused, std::nullopt,
       "pdp_type not written, and the modem lists neither IPV4V6 nor IP (AT+CGDCONT=? lists IPV6): nothing is "
       "dialled; write pdp_type = ipv6 to use IPV6 alone"},
      // The types unknown: as ModemManager, nothing is checked.
      {"default, query ERROR: IP (ModemManager's family when none is named)", std::nullopt, refused, Kind::fallback,
       PdpType::ip,
       "pdp_type not written and the modem's PDP types are unknown (AT+CGDCONT=? failed: AT_ERROR: AT+CGDCONT=?): "
       "IP, as ModemManager uses when nothing is known"},
      {"written, query ERROR: as written", PdpType::ipv4v6, refused, Kind::as_written, PdpType::ipv4v6,
       "pdp_type = ipv4v6 (IPV4V6) as written; the modem's PDP types are unknown (AT+CGDCONT=? failed: AT_ERROR: "
       "AT+CGDCONT=?), so it is not checked"},
      {"default, a reply without +CGDCONT", std::nullopt, reply("OK?"), Kind::fallback, PdpType::ip,
       "pdp_type not written and the modem's PDP types are unknown (AT+CGDCONT=? failed: AT_BAD_RESPONSE: no "
       "+CGDCONT: line in the AT+CGDCONT=? reply: 'OK?'): IP, as ModemManager uses when nothing is known"},
      {"default, only PPP: no IP type, unknown", std::nullopt, reply("+CGDCONT: (1-2),\"PPP\",,,(0),(0)"),
       Kind::fallback, PdpType::ip,
       "pdp_type not written and the modem's PDP types are unknown (AT+CGDCONT=? lists no IP type (PPP)): IP, as "
       "ModemManager uses when nothing is known"},
      {"default, unreadable lines only", std::nullopt, reply("+CGDCONT: x"), Kind::fallback, PdpType::ip,
       "pdp_type not written and the modem's PDP types are unknown (AT+CGDCONT=? lists no PDP type): IP, as "
       "ModemManager uses when nothing is known"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    PdpChoice c = choose_pdp_type(row.written, row.listed);
    CHECK(c.kind == row.kind);
    CHECK(c.type == row.type);
    CHECK(c.reason == row.reason);
  }
}

TEST_CASE("PDP type: text from the stick is cleaned before it reaches the reason") {
  auto c = choose_pdp_type(std::nullopt, fb::at::parse_cgdcont_test("+CGDCONT: (1-2),\"IP\x1b[2J\xff\",,,"));
  CHECK(c.kind == Kind::fallback);  // not an IP type: unknown
  CHECK(c.reason.find('\x1b') == std::string::npos);
  CHECK(c.reason.find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD for the invalid byte
  auto e = choose_pdp_type(std::nullopt, Error{Code::at_error, "line\r\nbreak\x07"});
  CHECK(e.reason.find('\r') == std::string::npos);
  CHECK(e.reason.find('\x07') == std::string::npos);
}
