// A text message in SMS text mode (3GPP TS 27.005 §3.5.1): the commands'
// text and the answers' parsers. Pure: ModemService runs them on its
// AtChannel (firmware/modem_service_sms.cpp).
//
// The exchange: AT+CMGF=1 (text mode), AT+CSCS="GSM" when the port's
// character set is one a text cannot go out in as typed (UCS2 wants hex),
// then AT+CMGS="<number>", the modem's "> " prompt, the text and Ctrl-Z
// (0x1A), and "+CMGS: <mr>" with OK, or "+CMS ERROR: <n>" / ERROR. The text
// must be in the GSM 7-bit subset that is the same bytes in IRA and GSM
// (fb::core::sms_text() makes it so), so either charset sends it unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fb/at/charset.hpp"
#include "fb/at/error.hpp"

namespace fb::modem {

inline constexpr std::string_view kSmsTextMode = "AT+CMGF=1";
inline constexpr std::string_view kSmsGsmCharset = "AT+CSCS=\"GSM\"";

// True when a text cannot go out in `charset` as typed: AT+CSCS="GSM" first.
// IRA and GSM take the subset as is; an unknown one (AT+CSCS? not answered)
// is switched too, to be sure.
bool sms_needs_gsm_charset(at::Charset charset);

// AT+CMGS="+15550100" (the number as given: + and digits).
std::string sms_send_command(std::string_view number);
// What is written after the prompt: the text, then Ctrl-Z.
std::string sms_body(std::string_view text);

// The message reference of "+CMGS: <mr>" in a response's text; an
// AT_BAD_RESPONSE when there is no such line or its number is not one.
Result<std::uint32_t> parse_cmgs(std::string_view text);

// What a "+CMS ERROR: <n>" argument means in words (27.005 §3.2.5 and the
// network causes of 24.011 that senders meet): "SMSC address unknown";
// "" for a number not in the table or a text argument.
std::string_view cms_meaning(std::string_view argument);

}  // namespace fb::modem
