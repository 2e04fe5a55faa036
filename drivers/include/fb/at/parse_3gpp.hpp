// Parsers for the 3GPP TS 27.007 responses failberry reads from any stick:
// +CSQ, +CESQ, +CREG/+CGREG/+CEREG, +COPS?, +CPIN?, IMEI, ICCID, +CGDCONT?,
// +CGACT?, +CGCONTRDP, ATI.
//
// Contract: pure functions `text -> Result<value>`; `text` is a response's
// information text (Response::text(), or a verbatim transcript with any mix
// of \r/\n, blank lines and the echo-free lines around it). They look for
// their own tagged line and ignore other lines, so a URC or garbage line in
// the text does not break them. Bad or missing data is Code::at_bad_response
// with the offending text (as UTF-8) in the detail; a state the modem
// reports (SIM PIN required, registration denied) is a value, not an error —
// the caller decides what it means.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/charset.hpp"
#include "fb/at/error.hpp"
#include "fb/net_types.hpp"

namespace fb::at {

using modem::Result;

// ---- access technology, shared by +CREG act, +COPS act, vendor modes ----
enum class AccessTech : std::uint8_t { unknown, gsm, gprs, edge, umts, hsdpa, hsupa, hspa, hspa_plus, lte, nr5g };
std::string_view to_string(AccessTech tech);
// 27.007 <AcT>: 0 GSM, 2 UTRAN, 3 EGPRS, 4 HSDPA, 5 HSUPA, 6 HSPA, 7 E-UTRAN, …
AccessTech access_tech_from_act(std::uint32_t act);
// Names in +ZPAS, ^SYSINFOEX, +COPS=? lists: "GPRS/EDGE", "HSPA+", "WCDMA", "LTE"…
AccessTech access_tech_from_name(std::string_view name);
// The radio access technology a tech belongs to, as /status names it: "gsm"
// (GSM, GPRS, EDGE), "umts" (UMTS and the HSPA family), "lte", "5g"; "" for
// unknown.
std::string_view rat_name(AccessTech tech);

// ---- signal: +CSQ, +CESQ (and Huawei ^RSSI, ^HCSQ in parse_vendor.hpp) ----
// One report whatever command measured it. Every value is optional: a value
// the modem marks "not known" (99, 255) or prints beyond its scale is
// nullopt, so a partial answer still carries what it knows.
struct SignalReport {
  AccessTech tech = AccessTech::unknown;  // what the values were measured on; unknown for +CSQ
  std::optional<int> rssi;                // +CSQ scale: 0..31 (or 100..191 TD-SCDMA extension)
  std::optional<int> rssi_dbm;            // received signal strength, dBm
  std::optional<int> bars;                // 0..4 from the +CSQ scale, see bars_from_rssi
  std::optional<int> ber;                 // 0..7
  std::optional<int> rsrp_dbm;            // LTE reference signal received power, -141..-44 dBm
  std::optional<double> rsrq_db;          // LTE reference signal received quality, -20..-3 dB
  std::optional<double> sinr_db;          // LTE signal to interference plus noise, dB
  std::optional<int> band;                // E-UTRA operating band (3 = 1800 MHz, 20 = 800 MHz…), when told
  bool operator==(const SignalReport&) const = default;
};
// What `more` knows replaces what `into` had; what it does not know stays
// (+CSQ's RSSI, then +CESQ's RSRP/RSRQ, then the vendor's query on top).
void merge(SignalReport& into, const SignalReport& more);
// rssi <2: 0 bars (≤ -111 dBm), 2-9: 1 (marginal), 10-14: 2 (ok), 15-19: 3
// (good), ≥20: 4 (excellent) — the ranges modem vendors print in manuals.
int bars_from_rssi(int rssi);
// LTE bars from RSRP, with Android's default thresholds
// (CarrierConfigManager KEY_LTE_RSRP_THRESHOLDS_INT_ARRAY = -128, -118,
// -108, -98 dBm; AOSP frameworks/base): below -128 dBm 0 bars, from -128 1,
// from -118 2, from -108 3, from -98 dBm 4.
int bars_from_rsrp(int rsrp_dbm);
// +CSQ: <rssi>,<ber>: -113 + 2*rssi dBm, 99 unknown; other values are errors.
Result<SignalReport> parse_csq(std::string_view text);
// Huawei "^RSSI:17" URC (same 0..31/99 scale).
Result<SignalReport> parse_huawei_rssi(std::string_view text);
// +CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>[,<NR fields>…] (27.007
// §8.69), with ModemManager's conversions (the lower edge of each step):
// RSRP = -141 + n dBm (n ≤ 97), RSRQ = -20 + n/2 dB (n ≤ 34), GSM RSSI =
// -111 + rxlev dBm (rxlev ≤ 63); 99 and 255 are "not known". `tech` is LTE
// when RSRP or RSRQ is known, else UMTS when RSCP or Ec/No is, else GSM when
// rxlev is. Fewer than six numbers is an error; 5G fields after them are
// ignored.
Result<SignalReport> parse_cesq(std::string_view text);

// ---- +CREG / +CGREG / +CEREG / +C5GREG ----
enum class RegDomain : std::uint8_t { cs, ps, eps, nr };  // CREG, CGREG, CEREG, C5GREG
enum class RegState : std::uint8_t {
  idle = 0,  // not registered, not searching
  home = 1,
  searching = 2,
  denied = 3,
  unknown = 4,
  roaming = 5,
  home_sms_only = 6,
  roaming_sms_only = 7,
  emergency_only = 8,
  home_csfb_not_preferred = 9,
  roaming_csfb_not_preferred = 10,
  attached_rlos = 11,  // attached for access to RLOS (restricted local operator services) only
};
std::string_view to_string(RegState state);
bool registered(RegState state);  // home or roaming, in any variant
bool roaming(RegState state);

struct Registration {
  RegDomain domain = RegDomain::cs;
  std::optional<int> mode;  // <n> of the query form
  RegState state = RegState::unknown;
  std::optional<std::uint32_t> lac;  // LAC, or TAC for CEREG
  std::optional<std::uint32_t> ci;
  std::optional<std::uint32_t> act;  // raw 27.007 <AcT>
  bool operator==(const Registration&) const = default;
};

// Solicited is the answer to AT+CxREG? ("<n>,<stat>[,<lac>,<ci>[,<act>]]");
// unsolicited is the URC ("<stat>[,<lac>,<ci>[,<act>]]"). Field counts alone
// are ambiguous, so the caller says which one it has.
// A <stat> beyond the ones 27.007 names today (0..11) is RegState::unknown,
// not an error: the location and <AcT> are still read.
enum class Solicited : bool { no = false, yes = true };
Result<Registration> parse_registration(std::string_view text, Solicited solicited);

// ---- +COPS? ----
struct Operator {
  int mode = 0;               // 0 automatic, 1 manual, 2 deregistered, 4 manual/automatic
  std::optional<int> format;  // 0 long, 1 short, 2 numeric
  std::string name;           // UTF-8; empty when not registered
  std::optional<std::uint32_t> act;
  // The network's technology from <AcT> (7: LTE); unknown without one.
  AccessTech tech() const;
  bool operator==(const Operator&) const = default;
};
// <oper> is a <string> in the stick's AT+CSCS `charset`; `name` is UTF-8
// (see fb/at/charset.hpp).
Result<Operator> parse_cops(std::string_view text, Charset charset = Charset::unknown);

// ---- +CPIN? ----
enum class SimState : std::uint8_t {
  ready,
  pin_required,
  puk_required,
  pin2_required,  // only for PIN2-protected files; data works
  puk2_required,
  device_locked,  // PH-SIM, PH-NET… personalisation
  missing,        // "NOT INSERTED", "SIM REMOVED", "NO SIM"
  not_ready,      // "NOT READY": still initialising
};
std::string_view to_string(SimState state);
// The error a SIM state puts in the way of getting online (nullopt: none).
std::optional<modem::Code> sim_blocker(SimState state);
Result<SimState> parse_cpin(std::string_view text);

// ---- identities ----
struct Imei {
  std::string digits;        // 15 digits
  bool checksum_ok = false;  // Luhn check digit matches
  bool operator==(const Imei&) const = default;
};
// AT+CGSN / AT+GSN replies: bare digits, "+CGSN: …", quoted, "IMEI: …", or
// Option's "<imei>,<serial>". The first 15-digit run wins.
Result<Imei> parse_imei(std::string_view text);

// ICCID from +CCID / ^ICCID / +ICCID / +QCCID / !ICCID / ICCID: replies, a
// bare number, or "+CRSM: 144,0,<EF_ICCID hex>". Accepts the nibble-swapped
// form (starts "98") that some firmwares and every EF_ICCID read return,
// drops the 'F' filler, keeps China Mobile's hex account digits. Valid
// results start with the telecom MII "89" and have 19 or 20 characters.
Result<std::string> parse_iccid(std::string_view text);
// SIM PIN attempts left: "+CPINR: SIM PIN,3,3" (27.007), Huawei
// "^CPIN: SIM PIN,3,10,3,10,3" (code, times, puk, pin, puk2, pin2), ZTE
// "+ZPINPUK: 3,10" (pin, puk), Quectel '+QPINC: "SC",3,10' (pin, puk).
Result<int> parse_pin_retries(std::string_view text);

// ---- +CGDCONT? ----
struct PdpContext {
  int cid = 0;
  std::string type;  // "IP", "IPV6", "IPV4V6", "PPP"
  std::string apn;
  bool operator==(const PdpContext&) const = default;
};
Result<std::vector<PdpContext>> parse_cgdcont(std::string_view text);

// ---- +CGDCONT=? ----
// The PDP types the stick can define, one line each with its cid range:
// +CGDCONT: (1-16),"IP",,,(0-2),(0-4). As ModemManager's
// mm_3gpp_parse_cgdcont_test_response: a line whose cid range or quoted type
// cannot be read is skipped (a Thuraya's `+CGDCONT: , "PPP" ,,,`), only the
// first range of a list counts ("(1-17,101-116)": 1-17), and a reply with no
// +CGDCONT: line at all is AT_BAD_RESPONSE. The types are kept as the stick
// names them, upper-cased ("IP", "PPP", "IPV4V6", "NON-IP"…), in its order.
struct PdpFormat {
  int min_cid = 0;
  int max_cid = 0;
  std::string type;
  bool operator==(const PdpFormat&) const = default;
};
Result<std::vector<PdpFormat>> parse_cgdcont_test(std::string_view text);

// ---- +CGACT? ----
struct ContextState {
  int cid = 0;
  bool active = false;
  bool operator==(const ContextState&) const = default;
};
// "+CGACT: <cid>,<state>" lines; no line (no context defined) is an empty list.
Result<std::vector<ContextState>> parse_cgact(std::string_view text);

// ---- the address of a data session: +CGCONTRDP (and Huawei ^DHCP) ----
// What the network gave the context. An address the modem prints as all
// zeros ("0.0.0.0", "::") means "none" and is nullopt.
struct IpConfig {
  std::optional<IpAddress> address;
  std::optional<int> prefix_length;  // from the subnet mask; nullopt without one
  std::optional<IpAddress> gateway;
  std::optional<IpAddress> dns1;
  std::optional<IpAddress> dns2;
  bool operator==(const IpConfig&) const = default;
};

struct ContextAddress {
  int cid = 0;
  int bearer_id = 0;
  std::string apn;  // UTF-8 (decode_text)
  IpConfig ip;
  bool operator==(const ContextAddress&) const = default;
};
// "+CGCONTRDP: <cid>,<bearer_id>,<apn>[,<local_addr and subnet_mask>[,<gw_addr>
// [,<DNS_prim_addr>[,<DNS_sec_addr>…]]]]", one line per context and address
// family. Addresses are dotted decimal: 4 numbers for IPv4, 16 for IPv6,
// twice as many when the subnet mask is appended to the address (27.007
// v9.4.0 and later); before that the mask had its own field, which is told
// apart as ModemManager does (an address without a mask is followed by the
// mask). Colon-form IPv6 (AT+CGPIAF) is read too. A mask that is not a
// contiguous prefix, or a malformed address, is an error; no line (the
// context is not active) is an empty list.
Result<std::vector<ContextAddress>> parse_cgcontrdp(std::string_view text);

// ---- ATI (and AT+CGMI/CGMM/CGMR) ----
struct DeviceInfo {
  std::string manufacturer;
  std::string model;
  std::string revision;
  std::string imei;
  std::string gcap;
  bool operator==(const DeviceInfo&) const = default;
};
// "Manufacturer: …" style (Huawei, ZTE, Qualcomm, Sierra); a single
// untagged line is taken as the model. Errors only on empty text. The
// strings are UTF-8: information text has no AT+CSCS charset (decode_text).
Result<DeviceInfo> parse_ati(std::string_view text);
// +CGMI/+CGMM/+CGMR: the first line, without an echoed "+CGMx:" tag or
// quotes, as UTF-8 (decode_text).
Result<std::string> parse_identity_line(std::string_view text, std::string_view tag);

}  // namespace fb::at
