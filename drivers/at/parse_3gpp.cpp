#include "fb/at/parse_3gpp.hpp"

#include <array>

#include "fb/at/charset.hpp"
#include "fb/at/fields.hpp"

namespace fb::at {
namespace {

using modem::Code;

modem::Error bad(std::string_view what, std::string_view text) {
  std::string detail(what);
  detail.append(": '").append(decode_text(text.substr(0, 200))).append("'");
  return modem::Error{Code::at_bad_response, std::move(detail)};
}

std::optional<std::uint32_t> hex_or_none(const Field& field) {
  if (field.empty()) return std::nullopt;
  return to_hex(field);
}

// An <AcT> value as 27.007 prints it: unquoted small decimal.
bool is_act(const Field& field) {
  if (field.quoted || field.text.size() > 3) return false;
  auto v = to_uint(field);
  return v && *v <= 13;
}

// A <stat> or <n> as printed by the query form: unquoted, one or two digits
// up to the highest <stat> 27.007 names (11, attached for RLOS).
bool is_small(const Field& field) {
  if (field.quoted || field.text.size() > 3) return false;
  auto v = to_uint(field);
  return v && *v <= 11;
}

}  // namespace

// ---------------------------------------------------------------- tech

std::string_view to_string(AccessTech tech) {
  switch (tech) {
    case AccessTech::unknown: return "unknown";
    case AccessTech::gsm: return "gsm";
    case AccessTech::gprs: return "gprs";
    case AccessTech::edge: return "edge";
    case AccessTech::umts: return "umts";
    case AccessTech::hsdpa: return "hsdpa";
    case AccessTech::hsupa: return "hsupa";
    case AccessTech::hspa: return "hspa";
    case AccessTech::hspa_plus: return "hspa+";
    case AccessTech::lte: return "lte";
    case AccessTech::nr5g: return "5g";
  }
  return "unknown";
}

AccessTech access_tech_from_act(std::uint32_t act) {
  switch (act) {
    case 0:
    case 1: return AccessTech::gsm;
    case 2: return AccessTech::umts;
    case 3: return AccessTech::edge;
    case 4: return AccessTech::hsdpa;
    case 5: return AccessTech::hsupa;
    case 6: return AccessTech::hspa;
    case 7:
    case 9:
    case 10: return AccessTech::lte;
    case 11:
    case 12:
    case 13: return AccessTech::nr5g;
    default: return AccessTech::unknown;
  }
}

std::string_view rat_name(AccessTech tech) {
  switch (tech) {
    case AccessTech::unknown: return "";
    case AccessTech::gsm:
    case AccessTech::gprs:
    case AccessTech::edge: return "gsm";
    case AccessTech::umts:
    case AccessTech::hsdpa:
    case AccessTech::hsupa:
    case AccessTech::hspa:
    case AccessTech::hspa_plus: return "umts";
    case AccessTech::lte: return "lte";
    case AccessTech::nr5g: return "5g";
  }
  return "";
}

AccessTech access_tech_from_name(std::string_view name) {
  std::string n = to_upper(trim(name));
  struct Entry {
    std::string_view name;
    AccessTech tech;
  };
  // Longest first where one name prefixes another ("HSPA+" before "HSPA").
  static constexpr std::array kNames{
      Entry{"HSPA+", AccessTech::hspa_plus},
      Entry{"HSPAP", AccessTech::hspa_plus},
      Entry{"DC-HSPA+", AccessTech::hspa_plus},
      Entry{"HSDPA&HSUPA", AccessTech::hspa},
      Entry{"HSUPA", AccessTech::hsupa},
      Entry{"HSDPA", AccessTech::hsdpa},
      Entry{"HSPA", AccessTech::hspa},
      Entry{"GPRS/EDGE", AccessTech::edge},
      Entry{"EDGE", AccessTech::edge},
      Entry{"GPRS", AccessTech::gprs},
      Entry{"GSM", AccessTech::gsm},
      Entry{"WCDMA", AccessTech::umts},
      Entry{"UMTS", AccessTech::umts},
      Entry{"3G", AccessTech::umts},
      Entry{"TD-SCDMA", AccessTech::umts},
      Entry{"LTE", AccessTech::lte},
      Entry{"4G", AccessTech::lte},
      Entry{"NR5G-SA", AccessTech::nr5g},
      Entry{"NR5G-NSA", AccessTech::nr5g},
      Entry{"NR", AccessTech::nr5g},
  };
  for (const auto& e : kNames)
    if (n == e.name) return e.tech;
  return AccessTech::unknown;
}

// ---------------------------------------------------------------- CSQ

int bars_from_rsrp(int rsrp_dbm) {
  int bars = 0;
  for (int threshold : {-128, -118, -108, -98})
    if (rsrp_dbm >= threshold) ++bars;
  return bars;
}

void merge(SignalReport& into, const SignalReport& more) {
  if (more.tech != AccessTech::unknown) into.tech = more.tech;
  auto take = [](auto& to, const auto& from) {
    if (from) to = from;
  };
  take(into.rssi, more.rssi);
  take(into.rssi_dbm, more.rssi_dbm);
  take(into.bars, more.bars);
  take(into.ber, more.ber);
  take(into.rsrp_dbm, more.rsrp_dbm);
  take(into.rsrq_db, more.rsrq_db);
  take(into.sinr_db, more.sinr_db);
  take(into.band, more.band);
}

int bars_from_rssi(int rssi) {
  if (rssi < 2) return 0;
  if (rssi < 10) return 1;
  if (rssi < 15) return 2;
  if (rssi < 20) return 3;
  return 4;
}

namespace {
Result<SignalReport> signal_from_rssi(std::uint32_t rssi, std::optional<std::uint32_t> ber, std::string_view text) {
  SignalReport s;
  if (rssi <= 31) {
    s.rssi = static_cast<int>(rssi);
    s.rssi_dbm = -113 + 2 * static_cast<int>(rssi);
    s.bars = bars_from_rssi(static_cast<int>(rssi));
  } else if (rssi >= 100 && rssi <= 191) {
    // 27.007 extension for TD-SCDMA: 100 = -116 dBm … 191 = -25 dBm.
    s.rssi = static_cast<int>(rssi);
    s.rssi_dbm = static_cast<int>(rssi) - 216;
    int equivalent = (*s.rssi_dbm + 113) / 2;
    s.bars = bars_from_rssi(equivalent < 0 ? 0 : equivalent > 31 ? 31 : equivalent);
  } else if (rssi != 99) {
    return bad("rssi out of range", text);
  }
  if (ber && *ber <= 7) s.ber = static_cast<int>(*ber);
  return s;
}
}  // namespace

Result<SignalReport> parse_csq(std::string_view text) {
  auto rest = find_tagged(text, "+CSQ:");
  if (!rest) return bad("no +CSQ line", text);
  auto fields = split_fields(*rest);
  if (fields.empty()) return bad("empty +CSQ", text);
  auto rssi = to_uint(fields[0]);
  if (!rssi) return bad("+CSQ rssi is not a number", *rest);
  std::optional<std::uint32_t> ber;
  if (fields.size() > 1) ber = to_uint(fields[1]);
  return signal_from_rssi(*rssi, ber, *rest);
}

Result<SignalReport> parse_huawei_rssi(std::string_view text) {
  auto rest = find_tagged(text, "^RSSI:");
  if (!rest) return bad("no ^RSSI line", text);
  auto fields = split_fields(*rest);
  if (fields.empty()) return bad("empty ^RSSI", text);
  auto rssi = to_uint(fields[0]);
  if (!rssi) return bad("^RSSI is not a number", *rest);
  return signal_from_rssi(*rssi, std::nullopt, *rest);
}

Result<SignalReport> parse_cesq(std::string_view text) {
  auto rest = find_tagged(text, "+CESQ:");
  if (!rest) return bad("no +CESQ line", text);
  auto f = split_fields(*rest);
  if (f.size() < 6) return bad("short +CESQ", *rest);
  std::array<std::uint32_t, 6> v{};
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto n = to_uint(f[i]);
    if (!n) return bad("+CESQ field is not a number", *rest);
    v[i] = *n;
  }
  const auto [rxlev, ber, rscp, ecno, rsrq, rsrp] = v;
  SignalReport s;
  if (rsrp <= 97) s.rsrp_dbm = -141 + static_cast<int>(rsrp);
  if (rsrq <= 34) s.rsrq_db = -20.0 + static_cast<double>(rsrq) / 2.0;
  if (s.rsrp_dbm || s.rsrq_db) {
    s.tech = AccessTech::lte;
  } else if (rscp <= 96 || ecno <= 49) {
    s.tech = AccessTech::umts;
  } else if (rxlev <= 63) {
    s.tech = AccessTech::gsm;
    s.rssi_dbm = -111 + static_cast<int>(rxlev);
    if (ber <= 7) s.ber = static_cast<int>(ber);
  }
  return s;
}

// ---------------------------------------------------------------- CREG

std::string_view to_string(RegState state) {
  switch (state) {
    case RegState::idle: return "idle";
    case RegState::home: return "home";
    case RegState::searching: return "searching";
    case RegState::denied: return "denied";
    case RegState::unknown: return "unknown";
    case RegState::roaming: return "roaming";
    case RegState::home_sms_only: return "home-sms-only";
    case RegState::roaming_sms_only: return "roaming-sms-only";
    case RegState::emergency_only: return "emergency-only";
    case RegState::home_csfb_not_preferred: return "home-csfb-not-preferred";
    case RegState::roaming_csfb_not_preferred: return "roaming-csfb-not-preferred";
    case RegState::attached_rlos: return "attached-rlos";
  }
  return "unknown";
}

bool registered(RegState s) {
  return s == RegState::home || s == RegState::roaming || s == RegState::home_sms_only ||
         s == RegState::roaming_sms_only || s == RegState::home_csfb_not_preferred ||
         s == RegState::roaming_csfb_not_preferred;
}

bool roaming(RegState s) {
  return s == RegState::roaming || s == RegState::roaming_sms_only || s == RegState::roaming_csfb_not_preferred;
}

Result<Registration> parse_registration(std::string_view text, Solicited solicited) {
  struct Tag {
    std::string_view tag;
    RegDomain domain;
  };
  static constexpr std::array kTags{Tag{"+CREG:", RegDomain::cs}, Tag{"+CGREG:", RegDomain::ps},
                                    Tag{"+CEREG:", RegDomain::eps}, Tag{"+C5GREG:", RegDomain::nr}};
  Registration reg;
  std::optional<std::string_view> rest;
  for (auto line : split_lines(text)) {
    for (const auto& t : kTags)
      if ((rest = after_tag(line, t.tag))) {
        reg.domain = t.domain;
        break;
      }
    if (rest) break;
  }
  if (!rest) return bad("no +CREG/+CGREG/+CEREG/+C5GREG line", text);
  auto f = split_fields(*rest);
  const std::size_t n = f.size();
  if (n == 0) return bad("empty registration", *rest);

  // Index of each field in `f`, or -1 when the layout has none.
  int mode = -1, stat = -1, lac = -1, ci = -1, act = -1;
  auto layout = [&](int m, int s, int l, int c, int a) { mode = m, stat = s, lac = l, ci = c, act = a; };
  auto query_shape_6plus = [&] {
    // n,stat,lac,ci,act[,…] (27.007, optional RAC/cause after) unless <act>
    // is not where it belongs but one further: Novatel E362 puts the RAC
    // between LAC and CI. Samsung S8500 appends junk: keep n,stat,lac,ci.
    if (is_act(f[4])) return layout(0, 1, 2, 3, 4);
    if (is_act(f[5])) return layout(0, 1, 2, 4, 5);
    layout(0, 1, 2, 3, -1);
  };
  if (solicited == Solicited::yes) {
    switch (n) {
      case 1: layout(-1, 0, -1, -1, -1); break;  // answered in URC form
      case 2: layout(0, 1, -1, -1, -1); break;
      case 3: layout(-1, 0, 1, 2, -1); break;  // URC form with location
      case 4: layout(0, 1, 2, 3, -1); break;
      case 5: layout(0, 1, 2, 3, 4); break;
      default: query_shape_6plus();
    }
  } else {
    switch (n) {
      case 1: layout(-1, 0, -1, -1, -1); break;
      case 2: layout(0, 1, -1, -1, -1); break;  // the query form, sent as an event
      case 3: layout(-1, 0, 1, 2, -1); break;
      case 4:
        // stat,lac,ci,act — or the query form n,stat,lac,ci that Huawei
        // E160G and Alcatel X220D send as URCs; <act> tells them apart.
        if (is_act(f[3]))
          layout(-1, 0, 1, 2, 3);
        else
          layout(0, 1, 2, 3, -1);
        break;
      case 5:
        if (is_act(f[3]))
          layout(-1, 0, 1, 2, 3);  // stat,lac,ci,act,rac (CGREG with RAC)
        else if (is_act(f[4]) && is_small(f[0]) && is_small(f[1]))
          layout(0, 1, 2, 3, 4);  // Altair: query form
        else if (is_act(f[4]))
          layout(-1, 0, 1, 3, 4);  // Novatel: stat,tac,rac,ci,act
        else
          layout(-1, 0, 1, 2, -1);
        break;
      default:
        if (is_act(f[3]))
          layout(-1, 0, 1, 2, 3);  // stat,tac,ci,act,cause_type,reject_cause
        else
          query_shape_6plus();
    }
  }

  if (mode >= 0) {
    auto m = to_uint(f[static_cast<std::size_t>(mode)]);
    if (!m || *m > 5) return bad("bad registration <n>", *rest);
    reg.mode = static_cast<int>(*m);
  }
  auto s = to_uint(f[static_cast<std::size_t>(stat)]);
  if (!s) return bad("bad registration <stat>", *rest);
  // A later 27.007 (or a vendor) may add states: not registered as far as
  // we know, and the rest of the line still counts.
  reg.state = *s <= static_cast<std::uint32_t>(RegState::attached_rlos) ? static_cast<RegState>(*s) : RegState::unknown;
  // Location fields are best effort: Gobi prints "  0 5" for a LAC; the
  // registration state is what matters and must not be lost to it.
  if (lac >= 0) reg.lac = hex_or_none(f[static_cast<std::size_t>(lac)]);
  if (ci >= 0) reg.ci = hex_or_none(f[static_cast<std::size_t>(ci)]);
  if (act >= 0 && is_act(f[static_cast<std::size_t>(act)])) reg.act = to_uint(f[static_cast<std::size_t>(act)]);
  return reg;
}

// ---------------------------------------------------------------- COPS

Result<Operator> parse_cops(std::string_view text, Charset charset) {
  auto rest = find_tagged(text, "+COPS:");
  if (!rest) return bad("no +COPS line", text);
  auto f = split_fields(*rest);
  if (f.empty()) return bad("empty +COPS", *rest);
  Operator op;
  auto mode = to_uint(f[0]);
  if (!mode || *mode > 4) return bad("bad +COPS mode", *rest);
  op.mode = static_cast<int>(*mode);
  if (f.size() > 1 && !f[1].empty()) {
    auto format = to_uint(f[1]);
    if (!format || *format > 2) return bad("bad +COPS format", *rest);
    op.format = static_cast<int>(*format);
  }
  if (f.size() > 2) op.name = decode_string(charset, f[2].text);
  if (f.size() > 3 && !f[3].empty()) {
    auto act = to_uint(f[3]);
    if (!act || *act > 13) return bad("bad +COPS act", *rest);
    op.act = *act;
  }
  return op;
}

AccessTech Operator::tech() const {
  return act ? access_tech_from_act(*act) : AccessTech::unknown;
}

// ---------------------------------------------------------------- CPIN

std::string_view to_string(SimState state) {
  switch (state) {
    case SimState::ready: return "ready";
    case SimState::pin_required: return "pin-required";
    case SimState::puk_required: return "puk-required";
    case SimState::pin2_required: return "pin2-required";
    case SimState::puk2_required: return "puk2-required";
    case SimState::device_locked: return "device-locked";
    case SimState::missing: return "missing";
    case SimState::not_ready: return "not-ready";
  }
  return "unknown";
}

std::optional<Code> sim_blocker(SimState state) {
  switch (state) {
    case SimState::ready:
    case SimState::pin2_required:
    case SimState::puk2_required: return std::nullopt;
    case SimState::pin_required: return Code::sim_pin_required;
    case SimState::puk_required: return Code::sim_puk_required;
    case SimState::device_locked: return Code::device_locked;
    case SimState::missing: return Code::sim_missing;
    case SimState::not_ready: return Code::sim_busy;
  }
  return Code::sim_failure;
}

namespace {
std::optional<SimState> sim_state_word(std::string_view word) {
  std::string w;
  for (char c : to_upper(trim(word))) {
    if (c == '"') continue;
    if ((c == ' ' || c == '_') && (w.empty() || w.back() == ' ')) continue;
    w.push_back(c == '_' ? ' ' : c);
  }
  while (!w.empty() && w.back() == ' ') w.pop_back();
  if (w == "READY") return SimState::ready;
  if (w == "SIM PIN") return SimState::pin_required;
  if (w == "SIM PUK") return SimState::puk_required;
  if (w == "SIM PIN2") return SimState::pin2_required;
  if (w == "SIM PUK2") return SimState::puk2_required;
  if (w.rfind("PH-", 0) == 0 || w.rfind("PH ", 0) == 0) return SimState::device_locked;
  if (w == "NOT INSERTED" || w == "SIM NOT INSERTED" || w == "NO SIM" || w == "SIM REMOVED" || w == "SIM ABSENT")
    return SimState::missing;
  if (w == "NOT READY" || w == "SIM NOT READY" || w == "SIM BUSY") return SimState::not_ready;
  return std::nullopt;
}
}  // namespace

Result<SimState> parse_cpin(std::string_view text) {
  auto lines = split_lines(text);
  for (auto line : lines)
    if (auto rest = after_tag(line, "+CPIN:")) {
      if (auto s = sim_state_word(*rest)) return *s;
      return bad("unknown +CPIN state", *rest);
    }
  // Some firmwares answer the query with the bare word.
  for (auto line : lines)
    if (auto s = sim_state_word(line)) return *s;
  return bad("no +CPIN line", text);
}

// ---------------------------------------------------------------- IMEI

namespace {
bool luhn_ok(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}
}  // namespace

Result<Imei> parse_imei(std::string_view text) {
  for (auto line : split_lines(text)) {
    for (std::string_view tag : {"+CGSN:", "+GSN:", "IMEI:", "^IMEI:"})
      if (auto rest = after_tag(line, tag)) {
        line = *rest;
        break;
      }
    // First run of digits, which must be exactly 15 long ("IMEI SV: 6" and
    // serial numbers after a comma are other runs).
    std::size_t i = 0;
    while (i < line.size() && (line[i] == '"' || line[i] == ' ')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
    std::string_view run = line.substr(start, i - start);
    bool clean_end = i == line.size() || line[i] == '"' || line[i] == ',' || line[i] == ' ';
    if (run.size() == 15 && clean_end) return Imei{std::string(run), luhn_ok(run)};
  }
  return bad("no 15-digit IMEI", text);
}

// ---------------------------------------------------------------- ICCID

namespace {
Result<std::string> normalise_iccid(std::string_view raw, bool always_swapped) {
  std::string hex;
  for (char c : raw) {
    if (c == '"' || c == ' ') continue;
    hex.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return bad("ICCID has non-hex characters", raw);
  // EF_ICCID stores BCD with swapped nibbles; firmwares that print the file
  // as-is give "98…" where the real number starts with the MII "89".
  if (always_swapped || hex.rfind("98", 0) == 0) {
    if (hex.size() % 2 != 0) return bad("swapped ICCID of odd length", raw);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) std::swap(hex[i], hex[i + 1]);
  }
  while (!hex.empty() && hex.back() == 'F') hex.pop_back();
  if (hex.rfind("89", 0) != 0) return bad("ICCID does not start with 89", raw);
  if (hex.size() < 19 || hex.size() > 20) return bad("ICCID length is not 19-20", raw);
  return hex;
}
}  // namespace

Result<std::string> parse_iccid(std::string_view text) {
  std::optional<modem::Error> first_error;
  auto lines = split_lines(text);
  for (auto line : lines) {
    if (auto rest = after_tag(line, "+CRSM:")) {
      auto f = split_fields(*rest);
      if (f.size() < 3) return bad("short +CRSM", *rest);
      auto sw1 = to_uint(f[0]);
      if (!sw1 || !(*sw1 == 0x90 || *sw1 == 0x91 || *sw1 == 0x92 || *sw1 == 0x9f))
        return bad("SIM refused the EF_ICCID read", *rest);
      return normalise_iccid(f[2].text, true);
    }
    for (std::string_view tag : {"+CCID:", "^ICCID:", "+ICCID:", "+QCCID:", "!ICCID:", "ICCID:", "+ZGETICCID:"})
      if (auto rest = after_tag(line, tag)) {
        auto r = normalise_iccid(*rest, false);
        if (r) return r;
        if (!first_error) first_error = r.error();
      }
  }
  if (first_error) return *first_error;
  // Untagged: the bare number on a line of its own.
  for (auto line : lines) {
    auto r = normalise_iccid(line, false);
    if (r) return r;
  }
  return bad("no ICCID", text);
}

// ---------------------------------------------------------------- PIN attempts

Result<int> parse_pin_retries(std::string_view text) {
  for (auto line : split_lines(text)) {
    // tag, index of the SIM PIN count, and the code the line must be about (empty: any)
    struct Form {
      std::string_view tag;
      std::size_t field;
      std::string_view code;
    };
    for (const Form& form :
         {Form{"+CPINR:", 1, "SIM PIN"}, Form{"^CPIN:", 3, ""}, Form{"+ZPINPUK:", 0, ""}, Form{"+QPINC:", 1, "SC"}}) {
      auto rest = after_tag(line, form.tag);
      if (!rest) continue;
      auto f = split_fields(*rest);
      if (!form.code.empty() && (f.empty() || f[0].text != form.code)) continue;  // another PIN (PIN2, PUK)
      if (f.size() <= form.field) return bad("short PIN attempts answer", line);
      auto n = to_uint(f[form.field].text);
      if (!n || *n > 15) return bad("PIN attempts not a small number", line);
      return static_cast<int>(*n);
    }
  }
  return bad("no SIM PIN attempts", text);
}

// ---------------------------------------------------------------- CGDCONT

Result<std::vector<PdpContext>> parse_cgdcont(std::string_view text) {
  std::vector<PdpContext> contexts;
  for (auto line : split_lines(text)) {
    auto rest = after_tag(line, "+CGDCONT:");
    if (!rest) continue;
    auto f = split_fields(*rest);
    if (f.empty()) return bad("empty +CGDCONT", *rest);
    auto cid = to_uint(f[0]);
    if (!cid || *cid > 255) return bad("bad +CGDCONT cid", *rest);
    PdpContext ctx;
    ctx.cid = static_cast<int>(*cid);
    if (f.size() > 1) ctx.type = to_upper(f[1].text);
    if (f.size() > 2) ctx.apn = std::string(f[2].text);
    contexts.push_back(std::move(ctx));
  }
  return contexts;
}

namespace {

// "(1-16),\"IP\",,,(0-2),(0-4)" after the tag; nullopt when the cid range or
// the quoted type is not there (ModemManager's regex
// \(\s*(\d+)\s*-?\s*(\d+)?[^\)]*\)\s*,\s*\(?"(\S+)").
std::optional<PdpFormat> pdp_format(std::string_view rest) {
  rest = trim(rest);
  if (rest.empty() || rest.front() != '(') return std::nullopt;
  auto close = rest.find(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view range = trim(rest.substr(1, close - 1));
  range = range.substr(0, range.find(','));  // "1-17,101-116": the first range
  auto dash = range.find('-');
  auto min = to_uint(trim(range.substr(0, dash)));
  if (!min || *min > 255) return std::nullopt;
  std::uint32_t max = *min;
  if (dash != std::string_view::npos) {
    auto m = to_uint(trim(range.substr(dash + 1)));
    if (!m || *m > 255 || *m < *min) return std::nullopt;
    max = *m;
  }
  rest = trim(rest.substr(close + 1));
  if (rest.empty() || rest.front() != ',') return std::nullopt;
  rest = trim(rest.substr(1));
  if (!rest.empty() && rest.front() == '(') rest = trim(rest.substr(1));
  if (rest.empty() || rest.front() != '"') return std::nullopt;
  auto end = rest.find('"', 1);
  if (end == std::string_view::npos || end == 1) return std::nullopt;
  std::string_view type = rest.substr(1, end - 1);
  for (char c : type)
    if (c == ' ' || c == '\t') return std::nullopt;
  return PdpFormat{static_cast<int>(*min), static_cast<int>(max), to_upper(type)};
}

}  // namespace

Result<std::vector<PdpFormat>> parse_cgdcont_test(std::string_view text) {
  std::vector<PdpFormat> formats;
  bool tagged = false;
  for (auto line : split_lines(text)) {
    auto rest = after_tag(line, "+CGDCONT:");
    if (!rest) continue;
    tagged = true;
    if (auto f = pdp_format(*rest)) formats.push_back(std::move(*f));
  }
  if (!tagged) return bad("no +CGDCONT: line in the AT+CGDCONT=? reply", text);
  return formats;
}

// ---------------------------------------------------------------- CGACT

Result<std::vector<ContextState>> parse_cgact(std::string_view text) {
  std::vector<ContextState> states;
  for (auto line : split_lines(text)) {
    auto rest = after_tag(line, "+CGACT:");
    if (!rest) continue;
    auto f = split_fields(*rest);
    if (f.size() < 2) return bad("short +CGACT", *rest);
    auto cid = to_uint(f[0]);
    auto state = to_uint(f[1]);
    if (!cid || *cid > 255) return bad("bad +CGACT cid", *rest);
    if (!state || *state > 1) return bad("bad +CGACT state", *rest);
    states.push_back(ContextState{static_cast<int>(*cid), *state == 1});
  }
  return states;
}

// ---------------------------------------------------------------- CGCONTRDP

namespace {

// Dotted decimal numbers 0..255 ("2.197.17.49.255.255.255.255"); nullopt
// when anything else is in the text.
std::optional<std::vector<std::uint8_t>> dotted_bytes(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::size_t start = 0;
  while (true) {
    auto dot = text.find('.', start);
    auto part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || part.size() > 3 || !all_digits(part)) return std::nullopt;
    auto n = to_uint(part);
    if (!n || *n > 255) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(*n));
    if (out.size() > 32) return std::nullopt;
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

IpAddress address_of(const std::uint8_t* bytes, std::size_t n) {
  return IpAddress::from_bytes(n == 16 ? AF_INET6 : AF_INET, bytes);
}

bool all_zero(const IpAddress& a) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a.bytes[i] != 0) return false;
  return true;
}

std::optional<IpAddress> unless_zero(const IpAddress& a) {
  if (all_zero(a)) return std::nullopt;
  return a;
}

// Leading ones of a mask; nullopt when a one follows a zero.
std::optional<int> prefix_of_mask(const IpAddress& mask) {
  int length = 0;
  bool zero_seen = false;
  for (std::size_t i = 0; i < mask.size(); ++i)
    for (int bit = 7; bit >= 0; --bit) {
      bool one = (mask.bytes[i] >> bit) & 1;
      if (one && zero_seen) return std::nullopt;
      if (one)
        ++length;
      else
        zero_seen = true;
    }
  return length;
}

// One address field: dotted (4 or 16 numbers; with `allow_mask` also 8 or 32,
// the address then the mask) or colon-form IPv6 (+CGPIAF), with `allow_mask`
// also "addr/len" or "addr mask". Empty is no address.
struct AddressField {
  std::optional<IpAddress> address;
  std::optional<IpAddress> mask;
  std::optional<int> length;  // "/len"
  bool colon = false;
  bool ok = true;
};

AddressField read_address(const Field& field, bool allow_mask) {
  AddressField r;
  if (field.empty()) return r;
  if (field.text.find(':') != std::string_view::npos) {
    r.colon = true;
    std::string_view text = field.text;
    auto cut = text.find_first_of("/ ");
    if (cut != std::string_view::npos) {
      if (!allow_mask) {
        r.ok = false;
        return r;
      }
      auto tail = trim(text.substr(cut + 1));
      if (text[cut] == '/') {
        auto len = to_uint(tail);
        if (!len || *len > 128 || tail.size() > 3) r.ok = false;
        if (len) r.length = static_cast<int>(*len);
      } else {
        r.mask = IpAddress::parse(tail);
        if (!r.mask || r.mask->family != AF_INET6) r.ok = false;
      }
      text = text.substr(0, cut);
    }
    r.address = IpAddress::parse(text);
    if (!r.address || r.address->family != AF_INET6) r.ok = false;
    return r;
  }
  auto bytes = dotted_bytes(field.text);
  if (!bytes) {
    r.ok = false;
    return r;
  }
  std::size_t n = bytes->size();
  if (n == 4 || n == 16) {
    r.address = address_of(bytes->data(), n);
  } else if (allow_mask && (n == 8 || n == 32)) {
    r.address = address_of(bytes->data(), n / 2);
    r.mask = address_of(bytes->data() + n / 2, n / 2);
  } else {
    r.ok = false;
  }
  return r;
}

}  // namespace

Result<std::vector<ContextAddress>> parse_cgcontrdp(std::string_view text) {
  std::vector<ContextAddress> out;
  for (auto line : split_lines(text)) {
    auto rest = after_tag(line, "+CGCONTRDP:");
    if (!rest) continue;
    auto f = split_fields(*rest);
    if (f.size() < 3) return bad("short +CGCONTRDP", *rest);
    auto cid = to_uint(f[0]);
    auto bearer = to_uint(f[1]);
    if (!cid || *cid > 255) return bad("bad +CGCONTRDP cid", *rest);
    if (!bearer || *bearer > 255) return bad("bad +CGCONTRDP bearer id", *rest);
    ContextAddress ctx;
    ctx.cid = static_cast<int>(*cid);
    ctx.bearer_id = static_cast<int>(*bearer);
    ctx.apn = decode_text(f[2].text);
    std::size_t next = 3;
    std::optional<IpAddress> mask;
    int family = 0;
    if (f.size() > next) {
      auto local = read_address(f[next++], true);
      if (!local.ok) return bad("bad +CGCONTRDP address", *rest);
      if (local.address) {
        family = local.address->family;
        ctx.ip.address = unless_zero(*local.address);
      }
      mask = local.mask;
      if (local.length && *local.length > 0) ctx.ip.prefix_length = *local.length;
      // Before 27.007 v9.4.0 the mask was a field of its own.
      if (local.address && !local.colon && !local.mask && f.size() > next) {
        auto own = read_address(f[next++], false);
        if (!own.ok) return bad("bad +CGCONTRDP subnet mask", *rest);
        mask = own.address;
      }
    }
    if (mask) {
      if (mask->family != family) return bad("+CGCONTRDP mask of another family", *rest);
      auto length = prefix_of_mask(*mask);
      if (!length) return bad("+CGCONTRDP mask is not a prefix", *rest);
      if (*length > 0) ctx.ip.prefix_length = *length;
    }
    for (auto* slot : {&ctx.ip.gateway, &ctx.ip.dns1, &ctx.ip.dns2}) {
      if (f.size() <= next) break;
      auto a = read_address(f[next++], false);
      if (!a.ok) return bad("bad +CGCONTRDP gateway or DNS address", *rest);
      if (a.address) *slot = unless_zero(*a.address);
    }
    out.push_back(std::move(ctx));
  }
  return out;
}

// ---------------------------------------------------------------- ATI

namespace {
// LG and others repeat the +GMx: tag inside the value.
std::string_view strip_gm_tags(std::string_view value) {
  for (std::string_view tag : {"+GMM:", "+GMR:", "+GMI:", "+GSN:", "+CGMM:", "+CGMR:", "+CGMI:"}) {
    std::string upper = to_upper(value);
    auto pos = upper.rfind(tag);
    if (pos != std::string::npos) value = trim(value.substr(pos + tag.size()));
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return trim(value);
}
}  // namespace

Result<DeviceInfo> parse_ati(std::string_view text) {
  auto lines = split_lines(text);
  if (lines.empty()) return bad("empty ATI", text);
  DeviceInfo info;
  bool tagged = false;
  for (auto line : lines) {
    if (auto v = after_tag(line, "Manufacturer:")) {
      info.manufacturer = decode_text(strip_gm_tags(*v)), tagged = true;
    } else if (auto v2 = after_tag(line, "Model:")) {
      info.model = decode_text(strip_gm_tags(*v2)), tagged = true;
    } else if (auto v3 = after_tag(line, "Revision:")) {
      info.revision = decode_text(strip_gm_tags(*v3)), tagged = true;
    } else if (auto v4 = after_tag(line, "IMEI:")) {
      if (auto imei = parse_imei(*v4)) info.imei = imei->digits;
      tagged = true;
    } else if (auto v5 = after_tag(line, "+GCAP:")) {
      info.gcap = decode_text(*v5), tagged = true;
    }
  }
  if (!tagged) info.model = decode_text(strip_gm_tags(lines.front()));
  return info;
}

Result<std::string> parse_identity_line(std::string_view text, std::string_view tag) {
  auto lines = split_lines(text);
  if (lines.empty()) return bad("empty reply", text);
  std::string_view value = lines.front();
  if (auto rest = after_tag(value, tag)) value = *rest;
  value = strip_gm_tags(value);
  if (value.empty()) return bad("empty reply", text);
  return decode_text(value);
}

}  // namespace fb::at
