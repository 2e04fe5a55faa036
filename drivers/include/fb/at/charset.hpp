// The TE character set (3GPP TS 27.007 §5.5, AT+CSCS) and turning modem
// text into UTF-8.
//
// A <string> parameter of a response (+COPS <oper>, …) is in the character
// set the stick was told to use with AT+CSCS: "IRA" (7-bit ASCII), "GSM"
// (the 3GPP TS 23.038 default alphabet, one septet per byte), "8859-1",
// "UTF-8", or "UCS2" — 16-bit units printed as hex ("0054" is "T"). Some
// firmwares ignore their own setting for some fields (Huawei prints +COPS
// names in ASCII while in UCS2), so a UCS2 field that is not hex is taken
// as plain text. Information text (ATI, +CGMx), error lines and anything
// else without a declared charset is ASCII in practice; where it is not, it
// is UTF-8 when that is valid and ISO-8859-1 otherwise.
//
// Contract: pure, never throw, any input bytes. Every decoder returns valid
// UTF-8: a byte or unit that is not valid in its charset (bad hex, a lone
// surrogate, a GSM byte ≥ 0x80, a cut sequence) becomes U+FFFD, and control
// characters (C0, DEL, C1) become a space, so the result can go to a log
// line or /status as it is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/error.hpp"

namespace fb::at {

enum class Charset : std::uint8_t { unknown, ira, gsm, ucs2, latin1, utf8 };

// The AT+CSCS name: "IRA", "GSM", "UCS2", "8859-1", "UTF-8"; "" for unknown.
std::string_view to_string(Charset charset);
// Case-insensitive; the spellings sticks print ("ASCII" for IRA, "UTF8").
// Charsets failberry cannot decode ("HEX", "PCCP437") are unknown.
Charset charset_from_name(std::string_view name);

// AT+CSCS? -> '+CSCS: "UCS2"'. A name failberry does not know is
// Charset::unknown (still ok: the stick answered).
modem::Result<Charset> parse_cscs(std::string_view text);
// AT+CSCS=? -> '+CSCS: ("IRA","GSM","UCS2")', with or without the
// parentheses or quotes; the charsets failberry knows, in the stick's order.
modem::Result<std::vector<Charset>> parse_cscs_supported(std::string_view text);

// UTF-16BE as hex, 4 digits a unit, either case: surrogate pairs combine;
// a group that is not 4 hex digits, a lone surrogate or 1-3 trailing digits
// is U+FFFD each.
std::string decode_ucs2_hex(std::string_view hex);
// Each byte is U+0000..U+00FF.
std::string decode_latin1(std::string_view bytes);
// GSM 7-bit default alphabet, unpacked (a septet a byte), with the 0x1B
// extension table (€, [, ], {, }, \, ~, ^, |). An escape before a code the
// extension table does not have gives that code's default character (TS
// 23.038 §6.2.1.1); a trailing escape, and bytes ≥ 0x80, are U+FFFD.
std::string decode_gsm7(std::string_view septets);
// Valid UTF-8 kept; each byte of an invalid sequence (overlong, surrogate,
// above U+10FFFF, cut) is U+FFFD.
std::string decode_utf8(std::string_view bytes);
// Text of no declared charset: ASCII, and bytes ≥ 0x80 as UTF-8 where they
// form valid sequences, else as ISO-8859-1.
std::string decode_text(std::string_view bytes);

// A <string> field of a response from a stick in `charset`: UCS2 hex when
// it is hex in whole units (else plain text, see above), the GSM alphabet,
// ISO-8859-1 or UTF-8; IRA and unknown as decode_text().
std::string decode_string(Charset charset, std::string_view field);

bool valid_utf8(std::string_view text);

}  // namespace fb::at
