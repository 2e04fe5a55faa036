#include "fb/at/charset.hpp"

#include <algorithm>
#include <array>

#include "fb/at/fields.hpp"

namespace fb::at {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Appends `cp` as UTF-8; controls become a space, what is no Unicode scalar
// value U+FFFD.
void put(std::string& out, char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) cp = ' ';
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacement;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

unsigned char byte(std::string_view s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}

// Length of the valid UTF-8 sequence at the start of `s`, 0 when invalid
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_length(std::string_view s) {
  unsigned char c = byte(s, 0);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if ((byte(s, i) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && byte(s, 1) < 0xA0) return 0;  // overlong
  if (c == 0xED && byte(s, 1) > 0x9F) return 0;  // surrogates
  if (c == 0xF0 && byte(s, 1) < 0x90) return 0;  // overlong
  if (c == 0xF4 && byte(s, 1) > 0x8F) return 0;  // above U+10FFFF
  return n;
}

// The code point of a valid sequence of `n` bytes.
char32_t utf8_value(std::string_view s, std::size_t n) {
  static constexpr std::array<unsigned char, 5> kLead{0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t cp = byte(s, 0) & kLead[n];
  for (std::size_t i = 1; i < n; ++i) cp = (cp << 6) | (byte(s, i) & 0x3F);
  return cp;
}

// UTF-8 sequences kept; a byte that starts none is U+FFFD, or its
// ISO-8859-1 character when `latin1_fallback`.
std::string decode_utf8_or(std::string_view bytes, bool latin1_fallback) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t n = utf8_length(bytes.substr(i));
    if (n == 0) {
      put(out, latin1_fallback ? byte(bytes, i) : kReplacement);
      ++i;
      continue;
    }
    char32_t cp = utf8_value(bytes.substr(i), n);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
      put(out, cp);
    else
      out.append(bytes.substr(i, n));
    i += n;
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The 16-bit unit spelled by the 4 hex digits at `at`, -1 when there are
// fewer than 4 or one is not hex.
long hex_unit(std::string_view hex, std::size_t at) {
  if (hex.size() < at + 4) return -1;
  long unit = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    int d = hex_digit(hex[i]);
    if (d < 0) return -1;
    unit = unit * 16 + d;
  }
  return unit;
}

bool is_ucs2_hex(std::string_view field) {
  return !field.empty() && field.size() % 4 == 0 &&
         std::all_of(field.begin(), field.end(), [](char c) { return hex_digit(c) >= 0; });
}

// TS 23.038 §6.2.1: the GSM 7-bit default alphabet.
constexpr std::array<char16_t, 128> kGsmBasic{
    0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,  // @ £ $ ¥ è é ù ì
    0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,  // ò Ç LF Ø ø CR Å å
    0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,  // Δ _ Φ Γ Λ Ω Π Ψ
    0x03A3, 0x0398, 0x039E, 0x00A0, 0x00C6, 0x00E6, 0x00DF, 0x00C9,  // Σ Θ Ξ (escape) Æ æ ß É
    0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,  //   ! " # ¤ % & '
    0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,  // ( ) * + , - . /
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,  // 0-7
    0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,  // 8 9 : ; < = > ?
    0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,  // ¡ A-G
    0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,  // H-O
    0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,  // P-W
    0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,  // X Y Z Ä Ö Ñ Ü §
    0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,  // ¿ a-g
    0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,  // h-o
    0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,  // p-w
    0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,  // x y z ä ö ñ ü à
};

// TS 23.038 §6.2.1.1: the extension table after 0x1B; 0 where it has
// nothing (the default character is shown instead).
char32_t gsm_extension(unsigned char code) {
  switch (code) {
    case 0x0A: return 0x000C;  // form feed
    case 0x14: return '^';
    case 0x1B: return ' ';  // reserved for a further table: a space until one exists
    case 0x28: return '{';
    case 0x29: return '}';
    case 0x2F: return '\\';
    case 0x3C: return '[';
    case 0x3D: return '~';
    case 0x3E: return ']';
    case 0x40: return '|';
    case 0x65: return 0x20AC;  // €
    default: return 0;
  }
}

modem::Error bad(std::string_view what, std::string_view text) {
  std::string detail(what);
  detail.append(": '").append(decode_text(text.substr(0, 200))).append("'");
  return modem::Error{modem::Code::at_bad_response, std::move(detail)};
}

}  // namespace

std::string_view to_string(Charset charset) {
  switch (charset) {
    case Charset::ira: return "IRA";
    case Charset::gsm: return "GSM";
    case Charset::ucs2: return "UCS2";
    case Charset::latin1: return "8859-1";
    case Charset::utf8: return "UTF-8";
    case Charset::unknown: break;
  }
  return "";
}

Charset charset_from_name(std::string_view name) {
  name = trim(name);
  if (iequals(name, "IRA") || iequals(name, "ASCII")) return Charset::ira;
  if (iequals(name, "GSM")) return Charset::gsm;
  if (iequals(name, "UCS2")) return Charset::ucs2;
  if (iequals(name, "8859-1")) return Charset::latin1;
  if (iequals(name, "UTF-8") || iequals(name, "UTF8")) return Charset::utf8;
  return Charset::unknown;
}

modem::Result<Charset> parse_cscs(std::string_view text) {
  auto rest = find_tagged(text, "+CSCS:");
  if (!rest) return bad("no +CSCS line", text);
  if (!rest->empty() && rest->front() == '(') return bad("+CSCS list where one charset was asked", *rest);
  auto f = split_fields(*rest);
  if (f.empty() || f[0].empty()) return bad("empty +CSCS", *rest);
  return charset_from_name(f[0].text);
}

modem::Result<std::vector<Charset>> parse_cscs_supported(std::string_view text) {
  auto rest = find_tagged(text, "+CSCS:");
  if (!rest) return bad("no +CSCS line", text);
  std::string_view list = *rest;
  if (!list.empty() && list.front() == '(') {
    list.remove_prefix(1);
    if (auto close = list.find(')'); close != std::string_view::npos) list = list.substr(0, close);
  }
  auto fields = split_fields(list);
  if (fields.empty()) return bad("empty +CSCS list", *rest);
  std::vector<Charset> out;
  for (const auto& f : fields) {
    Charset c = charset_from_name(f.text);
    if (c != Charset::unknown && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string decode_ucs2_hex(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  std::size_t i = 0;
  while (i < hex.size()) {
    long unit = hex_unit(hex, i);
    i = std::min(i + 4, hex.size());
    if (unit < 0) {
      put(out, kReplacement);
    } else if (unit >= 0xD800 && unit <= 0xDBFF) {
      long low = hex_unit(hex, i);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        put(out, 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) + (static_cast<char32_t>(low) - 0xDC00));
        i += 4;
      } else {
        put(out, kReplacement);  // a lone high surrogate; what follows is decoded on its own
      }
    } else {
      put(out, static_cast<char32_t>(unit));  // a lone low surrogate comes out as U+FFFD
    }
  }
  return out;
}

std::string decode_latin1(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) put(out, byte(bytes, i));
  return out;
}

std::string decode_gsm7(std::string_view septets) {
  std::string out;
  out.reserve(septets.size() * 2);
  for (std::size_t i = 0; i < septets.size(); ++i) {
    unsigned char c = byte(septets, i);
    if (c >= 0x80) {
      put(out, kReplacement);
    } else if (c != 0x1B) {
      put(out, kGsmBasic[c]);
    } else if (i + 1 == septets.size() || byte(septets, i + 1) >= 0x80) {
      put(out, kReplacement);  // an escape with nothing after it
    } else {
      unsigned char next = byte(septets, ++i);
      char32_t ext = gsm_extension(next);
      put(out, ext ? ext : kGsmBasic[next]);
    }
  }
  return out;
}

std::string decode_utf8(std::string_view bytes) {
  return decode_utf8_or(bytes, false);
}

std::string decode_text(std::string_view bytes) {
  return decode_utf8_or(bytes, true);
}

std::string decode_string(Charset charset, std::string_view field) {
  switch (charset) {
    case Charset::ucs2: return is_ucs2_hex(field) ? decode_ucs2_hex(field) : decode_text(field);
    case Charset::gsm: return decode_gsm7(field);
    case Charset::latin1: return decode_latin1(field);
    case Charset::utf8: return decode_utf8(field);
    case Charset::ira:
    case Charset::unknown: break;
  }
  return decode_text(field);
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_length(text.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace fb::at
