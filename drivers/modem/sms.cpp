#include "fb/modem/sms.hpp"

#include <array>

#include "fb/at/fields.hpp"

namespace fb::modem {

namespace {

struct CmsEntry {
  std::uint32_t number;
  std::string_view meaning;
};

// 27.005 §3.2.5 (300-500) and the 24.011 / 23.040 causes a sender meets.
constexpr std::array kCms{
    CmsEntry{8, "operator determined barring"},
    CmsEntry{10, "call barred"},
    CmsEntry{21, "short message transfer rejected"},
    CmsEntry{27, "destination out of service"},
    CmsEntry{28, "unidentified subscriber"},
    CmsEntry{38, "network out of order"},
    CmsEntry{41, "temporary failure"},
    CmsEntry{42, "congestion"},
    CmsEntry{50, "requested facility not subscribed"},
    CmsEntry{300, "ME failure"},
    CmsEntry{301, "SMS service of ME reserved"},
    CmsEntry{302, "operation not allowed"},
    CmsEntry{303, "operation not supported"},
    CmsEntry{304, "invalid PDU mode parameter"},
    CmsEntry{305, "invalid text mode parameter"},
    CmsEntry{310, "SIM not inserted"},
    CmsEntry{311, "SIM PIN required"},
    CmsEntry{313, "SIM failure"},
    CmsEntry{314, "SIM busy"},
    CmsEntry{320, "memory failure"},
    CmsEntry{322, "memory full"},
    CmsEntry{330, "SMSC address unknown"},
    CmsEntry{331, "no network service"},
    CmsEntry{332, "network timeout"},
    CmsEntry{500, "unknown error"},
};

}  // namespace

bool sms_needs_gsm_charset(at::Charset charset) {
  return charset != at::Charset::ira && charset != at::Charset::gsm;
}

std::string sms_send_command(std::string_view number) {
  return "AT+CMGS=\"" + std::string(number) + "\"";
}

std::string sms_body(std::string_view text) {
  return std::string(text) + "\x1a";
}

Result<std::uint32_t> parse_cmgs(std::string_view text) {
  for (std::string_view line : at::split_lines(text)) {
    if (auto rest = at::after_tag(line, "+CMGS:")) {
      // "+CMGS: <mr>[,<scts>]": the time stamp only with AT+CSMS=1.
      if (auto mr = at::to_uint(at::trim(rest->substr(0, rest->find(',')))); mr && *mr <= 255) return *mr;
      return Error{Code::at_bad_response, "+CMGS without a message reference: " + std::string(line)};
    }
  }
  return Error{Code::at_bad_response, "no +CMGS line in the answer"};
}

std::string_view cms_meaning(std::string_view argument) {
  auto number = at::to_uint(at::trim(argument));
  if (!number) return {};
  for (const CmsEntry& e : kCms)
    if (e.number == *number) return e.meaning;
  return {};
}

}  // namespace fb::modem
