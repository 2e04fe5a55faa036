#include "fb/modem/parse_vendor.hpp"

#include <array>

#include "fb/at/charset.hpp"
#include "fb/at/fields.hpp"

namespace fb::modem {
namespace {

using at::Field;
using at::find_tagged;
using at::split_fields;
using at::to_uint;
using fb::IpAddress;

Error bad(std::string_view what, std::string_view text) {
  std::string detail(what);
  detail.append(": '").append(at::decode_text(text.substr(0, 200))).append("'");
  return Error{Code::at_bad_response, std::move(detail)};
}

std::optional<int> small_int(const Field& f) {
  auto v = to_uint(f);
  if (!v || *v > 0xffff) return std::nullopt;
  return static_cast<int>(*v);
}

std::optional<std::uint64_t> hex64(std::string_view text) {
  text = at::trim(text);
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  return v;
}

}  // namespace

std::string_view to_string(CdromState state) {
  switch (state) {
    case CdromState::on: return "on";
    case CdromState::off: return "off";
    case CdromState::unknown: return "unknown";
  }
  return "unknown";
}

namespace huawei {

Result<SysInfo> parse_sysinfo(std::string_view text) {
  auto rest = find_tagged(text, "^SYSINFO:");
  if (!rest) return bad("no ^SYSINFO line", text);
  auto f = split_fields(*rest);
  if (f.size() < 5) return bad("short ^SYSINFO", *rest);
  SysInfo s;
  std::array<int*, 5> out{&s.srv_status, &s.srv_domain, &s.roam_status, &s.sys_mode, &s.sim_state};
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto v = small_int(f[i]);
    if (!v) return bad("bad ^SYSINFO field", *rest);
    *out[i] = *v;
  }
  // Lock state and submode are optional and often empty ("2,4,5,3,1,,6"); a
  // lone sixth field is the lock state, not a submode.
  if (f.size() > 5 && !f[5].empty()) s.lock_state = small_int(f[5]);
  if (f.size() > 6 && !f[6].empty()) s.sys_submode = small_int(f[6]);
  return s;
}

at::AccessTech SysInfoEx::tech() const {
  auto by_name = at::access_tech_from_name(sys_submode_name);
  if (by_name != at::AccessTech::unknown) return by_name;
  switch (sys_mode) {
    case 1: return at::AccessTech::gsm;
    case 3:
    case 4: return at::AccessTech::umts;
    case 6: return at::AccessTech::lte;
    default: return at::AccessTech::unknown;
  }
}

Result<SysInfoEx> parse_sysinfoex(std::string_view text) {
  auto rest = find_tagged(text, "^SYSINFOEX:");
  if (!rest) return bad("no ^SYSINFOEX line", text);
  auto f = split_fields(*rest);
  if (f.size() < 6) return bad("short ^SYSINFOEX", *rest);
  SysInfoEx s;
  std::array<int*, 4> out{&s.srv_status, &s.srv_domain, &s.roam_status, &s.sim_state};
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto v = small_int(f[i]);
    if (!v) return bad("bad ^SYSINFOEX field", *rest);
    *out[i] = *v;
  }
  if (!f[4].empty()) s.lock_state = small_int(f[4]);
  auto mode = small_int(f[5]);
  if (!mode) return bad("bad ^SYSINFOEX sysmode", *rest);
  s.sys_mode = *mode;
  if (f.size() > 6) s.sys_mode_name = std::string(f[6].text);
  if (f.size() > 7 && !f[7].empty()) s.sys_submode = small_int(f[7]);
  if (f.size() > 8) s.sys_submode_name = std::string(f[8].text);
  return s;
}

CdromState u2diag_cdrom(std::uint32_t value) {
  // Huawei's ^U2DIAG table: "CDROM/…" compositions start as a CD-ROM.
  static constexpr std::array<std::uint32_t, 9> kOff{0, 2, 6, 7, 36, 118, 119, 256, 258};
  static constexpr std::array<std::uint32_t, 21> kOn{1,   5,   11,  12,  19,  20,  25,  32,  41,   255, 257,
                                                     261, 262, 263, 267, 268, 276, 281, 288, 2316, 4372};
  for (auto v : kOff)
    if (v == value) return CdromState::off;
  for (auto v : kOn)
    if (v == value) return CdromState::on;
  return CdromState::unknown;
}

Result<U2Diag> parse_u2diag(std::string_view text) {
  auto rest = find_tagged(text, "^U2DIAG:");
  if (!rest) return bad("no ^U2DIAG line", text);
  auto f = split_fields(*rest);
  if (f.empty()) return bad("empty ^U2DIAG", *rest);
  auto v = to_uint(f[0]);
  if (!v) return bad("bad ^U2DIAG value", *rest);
  return U2Diag{*v, u2diag_cdrom(*v)};
}

Result<SetPort> parse_setport(std::string_view text) {
  auto rest = find_tagged(text, "^SETPORT:");
  if (!rest) return bad("no ^SETPORT line", text);
  std::string_view value = *rest;
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  auto semi = value.find(';');
  if (semi == std::string_view::npos) return bad("^SETPORT without ';'", *rest);
  SetPort sp;
  auto split = [](std::string_view list, std::vector<std::string>& out) {
    for (const auto& f : split_fields(list))
      if (!f.empty()) out.push_back(at::to_upper(f.text));
  };
  split(value.substr(0, semi), sp.initial);
  split(value.substr(semi + 1), sp.switched);
  if (sp.switched.empty()) return bad("^SETPORT without ports", *rest);
  for (const auto& port : sp.switched)
    if (port.empty() || port.size() > 2) return bad("bad ^SETPORT port", *rest);
  bool ff = sp.initial.size() == 1 && sp.initial[0] == "FF";
  bool a1 = false;
  for (const auto& port : sp.initial) a1 = a1 || port == "A1";
  if (ff || sp.initial.empty())
    sp.cdrom = CdromState::off;
  else if (a1)
    sp.cdrom = CdromState::on;
  else
    sp.cdrom = CdromState::unknown;
  return sp;
}

Result<at::SignalReport> parse_hcsq(std::string_view text) {
  auto rest = find_tagged(text, "^HCSQ:");
  if (!rest) return bad("no ^HCSQ line", text);
  auto f = split_fields(*rest);
  if (f.empty() || f[0].empty()) return bad("empty ^HCSQ", *rest);
  std::string mode = at::to_upper(f[0].text);
  at::SignalReport s;
  std::size_t wanted = 0;  // values the mode must have
  if (mode == "NOSERVICE") {
    return s;
  } else if (mode == "LTE") {
    s.tech = at::AccessTech::lte, wanted = 4;
  } else if (mode == "WCDMA" || mode == "TD-SCDMA") {
    s.tech = at::AccessTech::umts, wanted = 1;
  } else if (mode == "GSM") {
    s.tech = at::AccessTech::gsm, wanted = 1;
  } else {
    return bad("unknown ^HCSQ mode", *rest);
  }
  if (f.size() < 1 + wanted) return bad("short ^HCSQ", *rest);
  std::array<std::uint32_t, 4> v{};
  for (std::size_t i = 0; i < wanted; ++i) {
    auto n = to_uint(f[1 + i]);
    if (!n) return bad("^HCSQ value is not a number", *rest);
    v[i] = *n;
  }
  if (v[0] <= 96) s.rssi_dbm = -121 + static_cast<int>(v[0]);
  if (s.tech == at::AccessTech::lte) {
    if (v[1] <= 97) s.rsrp_dbm = -141 + static_cast<int>(v[1]);
    // -20.2 + v/5 in tenths of a dB, so that 0.2 steps stay exact in text.
    if (v[2] <= 251) s.sinr_db = (static_cast<double>(v[2]) * 2.0 - 202.0) / 10.0;
    if (v[3] <= 34) s.rsrq_db = -20.0 + static_cast<double>(v[3]) / 2.0;
  }
  return s;
}

std::string_view to_string(NdisState state) {
  switch (state) {
    case NdisState::disconnected: return "disconnected";
    case NdisState::connected: return "connected";
    case NdisState::connecting: return "connecting";
    case NdisState::disconnecting: return "disconnecting";
  }
  return "disconnected";
}

bool NdisStat::connected() const {
  return (ipv4 && ipv4->state == NdisState::connected) || (ipv6 && ipv6->state == NdisState::connected);
}

Result<NdisStat> parse_ndisstat(std::string_view text) {
  NdisStat out;
  bool any = false;
  for (auto line : at::split_lines(text)) {
    auto rest = at::after_tag(line, "^NDISSTAT:");
    if (!rest) rest = at::after_tag(line, "^NDISSTATQRY:");
    if (!rest) continue;
    auto f = split_fields(*rest);
    std::size_t i = 0;
    while (i < f.size()) {
      if (f[i].empty()) {  // a trailing comma
        ++i;
        continue;
      }
      // <stat>,<err>,<wx_state>,…,"<PDP_type>": a group runs to its type name.
      const std::size_t start = i;
      auto stat = to_uint(f[i]);
      if (!stat || *stat > 3) return bad("bad ^NDISSTAT state", *rest);
      NdisFamily family{static_cast<NdisState>(*stat), std::nullopt};
      std::optional<NdisFamily>* slot = nullptr;
      for (++i; i < f.size() && !slot; ++i) {
        if (f[i].empty()) continue;
        if (at::iequals(f[i].text, "IPV4")) {
          slot = &out.ipv4;
        } else if (at::iequals(f[i].text, "IPV6")) {
          slot = &out.ipv6;
        } else if (auto n = to_uint(f[i]); !n || f[i].quoted) {
          return bad("unknown ^NDISSTAT PDP type", *rest);
        } else if (i == start + 1 && *n != 0) {
          family.cause = *n;
        }
      }
      if (!slot) {
        // The bare form "^NDISSTATQry:1" speaks of IPv4.
        if (f.size() != 1) return bad("^NDISSTAT group without a PDP type", *rest);
        slot = &out.ipv4;
      }
      *slot = family;
      any = true;
    }
  }
  if (!any) return bad("no ^NDISSTAT line", text);
  return out;
}

namespace {
// A ^DHCP address: hex, first octet in the low byte.
std::optional<IpAddress> dhcp_address(const Field& field) {
  auto v = at::to_hex(field);
  if (!v) return std::nullopt;
  std::uint8_t bytes[4] = {static_cast<std::uint8_t>(*v & 0xff), static_cast<std::uint8_t>((*v >> 8) & 0xff),
                           static_cast<std::uint8_t>((*v >> 16) & 0xff), static_cast<std::uint8_t>(*v >> 24)};
  return IpAddress::from_bytes(AF_INET, bytes);
}
}  // namespace

Result<Dhcp> parse_dhcp(std::string_view text) {
  auto rest = find_tagged(text, "^DHCP:");
  if (!rest) return bad("no ^DHCP line", text);
  auto f = split_fields(*rest);
  if (f.size() < 6) return bad("short ^DHCP", *rest);
  std::array<IpAddress, 6> a;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto addr = dhcp_address(f[i]);
    if (!addr) return bad("^DHCP field is not a hex address", *rest);
    a[i] = *addr;
  }
  auto zero = [](const IpAddress& x) { return x == IpAddress::any(AF_INET); };
  Dhcp d;
  if (!zero(a[0])) d.ip.address = a[0];
  if (!zero(a[1])) {
    std::uint32_t mask = (std::uint32_t{a[1].bytes[0]} << 24) | (std::uint32_t{a[1].bytes[1]} << 16) |
                         (std::uint32_t{a[1].bytes[2]} << 8) | a[1].bytes[3];
    int length = 0;
    while (length < 32 && (mask & (0x80000000u >> length))) ++length;
    if (length < 32 && (mask << length) != 0) return bad("^DHCP netmask is not a prefix", *rest);
    d.ip.prefix_length = length;
  }
  if (!zero(a[2])) d.ip.gateway = a[2];
  if (!zero(a[4])) d.ip.dns1 = a[4];
  if (!zero(a[5])) d.ip.dns2 = a[5];
  if (f.size() > 6) d.max_rx_bps = to_uint(f[6]);
  if (f.size() > 7) d.max_tx_bps = to_uint(f[7]);
  return d;
}

Result<Mode> parse_mode(std::string_view text) {
  auto rest = find_tagged(text, "^MODE:");
  if (!rest) return bad("no ^MODE line", text);
  auto f = split_fields(*rest);
  if (f.empty()) return bad("empty ^MODE", *rest);
  auto mode = small_int(f[0]);
  if (!mode) return bad("bad ^MODE", *rest);
  Mode m{*mode, std::nullopt};
  if (f.size() > 1 && !f[1].empty()) m.sys_submode = small_int(f[1]);
  return m;
}

Result<FlowReport> parse_dsflowrpt(std::string_view text) {
  auto rest = find_tagged(text, "^DSFLOWRPT:");
  if (!rest) return bad("no ^DSFLOWRPT line", text);
  auto f = split_fields(*rest);
  if (f.size() < 5) return bad("short ^DSFLOWRPT", *rest);
  std::array<std::optional<std::uint64_t>, 5> v;
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = hex64(f[i].text);
    if (!v[i]) return bad("bad ^DSFLOWRPT field", *rest);
  }
  if (*v[0] > 0xffffffffu || *v[1] > 0xffffffffu || *v[2] > 0xffffffffu) return bad("^DSFLOWRPT overflow", *rest);
  return FlowReport{static_cast<std::uint32_t>(*v[0]), static_cast<std::uint32_t>(*v[1]),
                    static_cast<std::uint32_t>(*v[2]), *v[3], *v[4]};
}

}  // namespace huawei

namespace zte {

bool Zpas::service() const {
  auto n = at::to_upper(network);
  return !n.empty() && n != "NO SERVICE" && n != "LIMITED SERVICE";
}

Result<Zpas> parse_zpas(std::string_view text) {
  auto rest = find_tagged(text, "+ZPAS:");
  if (!rest) return bad("no +ZPAS line", text);
  auto f = split_fields(*rest);
  if (f.empty() || f[0].empty()) return bad("empty +ZPAS", *rest);
  Zpas z;
  z.network = std::string(f[0].text);
  if (f.size() > 1) z.domain = at::to_upper(f[1].text);
  z.tech = at::access_tech_from_name(z.network);
  return z;
}

CdromState Zcdrun::cdrom() const {
  switch (operation) {
    case Operation::query: return result == 1 ? CdromState::on : CdromState::off;
    case Operation::close: return result == 1 ? CdromState::off : CdromState::unknown;
    case Operation::open: return result == 1 ? CdromState::on : CdromState::unknown;
    case Operation::other: return CdromState::unknown;
  }
  return CdromState::unknown;
}

Result<Zcdrun> parse_zcdrun(std::string_view text) {
  for (auto line : at::split_lines(text)) {
    if (auto rest = at::after_tag(line, "+ZCDRUN:")) line = *rest;
    std::string upper = at::to_upper(line);
    auto mark = upper.find("RESULT(");
    if (mark == std::string::npos) continue;
    auto close = upper.find("):", mark);
    if (close == std::string::npos) return bad("+ZCDRUN without result", line);
    auto value = at::trim(line.substr(close + 2));
    auto r = to_uint(value);
    if (!r || *r > 1) return bad("bad +ZCDRUN result", line);
    Zcdrun z;
    z.result = static_cast<int>(*r);
    if (upper.find("INQUIRY") != std::string::npos)
      z.operation = Zcdrun::Operation::query;
    else if (upper.find("CLOSE") != std::string::npos)
      z.operation = Zcdrun::Operation::close;
    else if (upper.find("OPEN") != std::string::npos && upper.find("AUTORUN") != std::string::npos)
      z.operation = Zcdrun::Operation::open;
    return z;
  }
  return bad("no +ZCDRUN result line", text);
}

}  // namespace zte

namespace quectel {
namespace {

// A signed integer field; "-" (Quectel's "not available") is nullopt in
// `value`; false when the field is neither.
bool signed_field(const Field& f, std::optional<int>& value) {
  std::string_view t = at::trim(f.text);
  value.reset();
  if (t == "-") return true;
  bool negative = !t.empty() && t[0] == '-';
  if (negative) t.remove_prefix(1);
  auto n = at::to_uint(t);
  if (!n || *n > 100000) return false;
  value = negative ? -static_cast<int>(*n) : static_cast<int>(*n);
  return true;
}

std::optional<int> within(std::optional<int> v, int low, int high) {
  return v && *v >= low && *v <= high ? v : std::nullopt;
}

}  // namespace

Result<at::SignalReport> parse_qeng_servingcell(std::string_view text) {
  std::optional<std::vector<Field>> serving;  // after "servingcell"
  std::optional<std::vector<Field>> lte;      // from "LTE" on
  std::string_view line_seen;
  for (auto line : at::split_lines(text)) {
    auto rest = at::after_tag(line, "+QENG:");
    if (!rest) continue;
    auto f = split_fields(*rest);
    if (f.empty()) continue;
    std::string first = at::to_upper(f[0].text);
    if (first == "SERVINGCELL") {
      serving = std::vector<Field>(f.begin() + 1, f.end());
      line_seen = *rest;
      if (serving->size() >= 2 && at::to_upper((*serving)[1].text) == "LTE")
        lte = std::vector<Field>(serving->begin() + 1, serving->end());
    } else if (first == "LTE" && serving && !lte) {
      lte = f;
      line_seen = *rest;
    }
  }
  if (!serving) return bad("no +QENG: \"servingcell\" line", text);
  at::SignalReport s;
  if (lte) {
    // "LTE",<FDD|TDD>,<MCC>,<MNC>,<cellID>,<PCID>,<EARFCN>,<band>,<UL_bw>,<DL_bw>,<TAC>,<RSRP>,<RSRQ>,<RSSI>,<SINR>
    if (lte->size() < 15) return bad("short +QENG LTE group", line_seen);
    std::optional<int> band, rsrp, rsrq, rssi, sinr;
    if (!signed_field((*lte)[7], band) || !signed_field((*lte)[11], rsrp) || !signed_field((*lte)[12], rsrq) ||
        !signed_field((*lte)[13], rssi) || !signed_field((*lte)[14], sinr))
      return bad("+QENG LTE value is not a number", line_seen);
    s.tech = at::AccessTech::lte;
    s.band = within(band, 1, 255);
    s.rsrp_dbm = within(rsrp, -141, -44);
    if (auto q = within(rsrq, -20, -3)) s.rsrq_db = static_cast<double>(*q);
    s.rssi_dbm = within(rssi, -125, -20);
    if (auto n = within(sinr, -20, 30)) s.sinr_db = static_cast<double>(*n);
    return s;
  }
  if (serving->size() >= 2) {
    std::string mode = at::to_upper((*serving)[1].text);
    if (mode == "WCDMA")
      s.tech = at::AccessTech::umts;
    else if (mode == "GSM")
      s.tech = at::AccessTech::gsm;
    else if (mode.rfind("NR5G", 0) == 0)
      s.tech = at::AccessTech::nr5g;
  }
  return s;
}

}  // namespace quectel
}  // namespace fb::modem
