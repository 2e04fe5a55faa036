// Parsers for the vendor commands failberry relies on: Huawei ^SYSINFO,
// ^SYSINFOEX, ^U2DIAG?, ^SETPORT?, ^HCSQ, ^NDISSTATQRY? and the ^NDISSTAT
// URC, ^DHCP?, ^MODE/^DSFLOWRPT URCs; ZTE +ZPAS?, +ZCDRUN; Quectel
// +QENG="servingcell".
//
// Contract: as fb/at/parse_3gpp.hpp — pure `text -> Result<value>`, any line
// endings, other lines ignored, Code::at_bad_response with the text for
// anything that cannot be understood. The CD-ROM answers are a tri-state: a
// value no table knows is `unknown`, and unknown never triggers a write to
// the stick's flash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/error.hpp"
#include "fb/at/parse_3gpp.hpp"

namespace fb::modem {

enum class CdromState : std::uint8_t { on, off, unknown };
std::string_view to_string(CdromState state);

namespace huawei {

// ^SYSINFO: srv_status,srv_domain,roam_status,sys_mode,sim_state[,lock_state[,sys_submode]]
struct SysInfo {
  int srv_status = 0;  // 0 none, 1 restricted, 2 valid, 3 restricted regional, 4 power saving
  int srv_domain = 0;  // 0 none, 1 CS, 2 PS, 3 CS+PS, 4 searching
  int roam_status = 0;
  int sys_mode = 0;   // 0 none, 3 GSM/GPRS, 5 WCDMA, 7 GSM/WCDMA, 9 TD-SCDMA (E3131: 17 LTE)
  int sim_state = 0;  // 0 invalid, 1 valid, 2-4 invalid for CS/PS, 240 ROMSIM, 255 absent
  std::optional<int> lock_state;
  std::optional<int> sys_submode;
  bool has_service() const { return srv_status == 2; }
  bool sim_present() const { return sim_state != 255; }
  bool operator==(const SysInfo&) const = default;
};
Result<SysInfo> parse_sysinfo(std::string_view text);

// ^SYSINFOEX: srv_status,srv_domain,roam_status,sim_state,lock_state,sysmode,"name",submode,"name"
struct SysInfoEx {
  int srv_status = 0;
  int srv_domain = 0;
  int roam_status = 0;
  int sim_state = 0;
  std::optional<int> lock_state;
  int sys_mode = 0;  // 0 none, 1 GSM, 2 CDMA, 3 WCDMA, 4 TD-SCDMA, 6 LTE
  std::string sys_mode_name;
  std::optional<int> sys_submode;
  std::string sys_submode_name;
  at::AccessTech tech() const;
  bool operator==(const SysInfoEx&) const = default;
};
Result<SysInfoEx> parse_sysinfoex(std::string_view text);

// ^U2DIAG: <val>. Whether the stick first shows a CD-ROM, from Huawei's
// table of port compositions (0, 2, 6, 7, 36, 118, 119, 256, 258 have none;
// 255/276 are the E173/E1750 factory defaults with one).
struct U2Diag {
  std::uint32_t value = 0;
  CdromState cdrom = CdromState::unknown;
  bool operator==(const U2Diag&) const = default;
};
CdromState u2diag_cdrom(std::uint32_t value);
Result<U2Diag> parse_u2diag(std::string_view text);

// ^SETPORT: <first composition>;<switched composition>, e.g. "A1,A2;1,16,3,2,A1,A2".
// The stick enumerates with the first one (A1 = CD-ROM, A2 = SD) and switches
// to the second; "FF" as the first means "start in the second at once".
struct SetPort {
  std::vector<std::string> initial;
  std::vector<std::string> switched;
  CdromState cdrom = CdromState::unknown;  // on when the stick starts as a CD-ROM
  bool operator==(const SetPort&) const = default;
};
Result<SetPort> parse_setport(std::string_view text);

// ^HCSQ: "<sysmode>",<v1>[,<v2>[,<v3>[,<v4>]]] (query answer and URC), with
// ModemManager's conversions (mm-broadband-modem-huawei.c):
//   "LTE",rssi,rsrp,sinr,rsrq: RSSI = -121 + v1 dBm (v1 ≤ 96), RSRP = -141 +
//     v2 dBm (v2 ≤ 97), SINR = -20.2 + v3/5 dB (v3 ≤ 251), RSRQ = -20 + v4/2
//     dB (v4 ≤ 34);
//   "WCDMA"/"TD-SCDMA",rssi,rscp,ecio and "GSM",rssi: RSSI as above (RSCP and
//     Ec/Io are not reported);
//   "NOSERVICE": a report with nothing known.
// A value beyond its scale (255 is Huawei's "unknown") is nullopt; a mode
// name not listed (CDMA, EVDO) or a field that is not a number is an error.
Result<at::SignalReport> parse_hcsq(std::string_view text);

// ^NDISSTAT: (URC) and ^NDISSTATQRY: (answer to AT^NDISSTATQRY?): the state
// of the NDIS/NCM data session, per address family. Each group is
// <stat>,<err>,<wx_state>,"<PDP_type>"; one group per line (older firmware)
// or both on one line ("0,,,"IPV4",0,,,"IPV6""); the bare "^NDISSTATQry:1"
// is IPv4 (ModemManager's reading). Huawei's table also shows an extra
// field before the type ("1,0,,,"IPV4""), so a group runs to its type name.
enum class NdisState : std::uint8_t { disconnected = 0, connected = 1, connecting = 2, disconnecting = 3 };
std::string_view to_string(NdisState state);
struct NdisFamily {
  NdisState state = NdisState::disconnected;
  std::optional<std::uint32_t> cause;  // 3GPP TS 24.008 SM cause after a failed connect (33…); 0/empty: none
  bool operator==(const NdisFamily&) const = default;
};
struct NdisStat {
  std::optional<NdisFamily> ipv4;  // nullopt: the line did not mention the family
  std::optional<NdisFamily> ipv6;
  bool connected() const;  // either family connected
  bool operator==(const NdisStat&) const = default;
};
Result<NdisStat> parse_ndisstat(std::string_view text);

// ^DHCP: <ip>,<netmask>,<gateway>,<dhcp server>,<dns1>,<dns2>,<max rx bit/s>,<max tx bit/s>.
// The addresses are 32-bit hex numbers with the first octet in the LOW byte
// ("2032A8C0" is 192.168.50.32), optionally "0x"-prefixed, leading zeros
// often dropped ("1010A0A" is 10.10.1.1). A netmask that is not a prefix is
// an error; "0" for an address means none.
struct Dhcp {
  at::IpConfig ip;
  std::optional<std::uint32_t> max_rx_bps;
  std::optional<std::uint32_t> max_tx_bps;
  bool operator==(const Dhcp&) const = default;
};
Result<Dhcp> parse_dhcp(std::string_view text);

// ^MODE:<sys_mode>[,<sys_submode>] URC.
struct Mode {
  int sys_mode = 0;
  std::optional<int> sys_submode;
  bool operator==(const Mode&) const = default;
};
Result<Mode> parse_mode(std::string_view text);

// ^DSFLOWRPT: 7 hex fields (connected seconds, tx/rx rate B/s, tx/rx bytes,
// negotiated tx/rx rate); the byte counters are 64-bit on the wire.
struct FlowReport {
  std::uint32_t seconds = 0;
  std::uint32_t tx_rate = 0;
  std::uint32_t rx_rate = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t rx_bytes = 0;
  bool operator==(const FlowReport&) const = default;
};
Result<FlowReport> parse_dsflowrpt(std::string_view text);

}  // namespace huawei

namespace zte {

// +ZPAS: "<network>","<domain>", e.g. "+ZPAS: "GPRS/EDGE","CS_ONLY"".
struct Zpas {
  std::string network;  // as printed: "HSDPA", "No Service", "LTE"
  std::string domain;   // "CS_ONLY", "PS_ONLY", "CS_PS", "CAMPED", may be empty
  at::AccessTech tech = at::AccessTech::unknown;
  bool service() const;  // not "No Service"/"Limited Service"
  bool operator==(const Zpas&) const = default;
};
Result<Zpas> parse_zpas(std::string_view text);

// AT+ZCDRUN replies are sentences, not tagged lines:
//   =4 "Inquiry autorun open state result(0:NO 1:YES):1"
//   =8 "Close autorun state result(0:FAIL 1:SUCCESS):1"
//   =9 "Open autorun state result(0:FAIL 1:SUCCESS):1"
//   =E/=F "… download … result(0:FAIL 1:SUCCESS):1"
struct Zcdrun {
  enum class Operation : std::uint8_t { query, close, open, other } operation = Operation::other;
  int result = 0;  // the digit after "):"
  // For a query: the CD-ROM (autorun) state; for close/open: whether it worked.
  CdromState cdrom() const;
  bool succeeded() const { return result == 1; }
  bool operator==(const Zcdrun&) const = default;
};
Result<Zcdrun> parse_zcdrun(std::string_view text);

}  // namespace zte

namespace quectel {

// AT+QENG="servingcell" (EC25, EG25-G, EP06; RM500Q): the serving cell. LTE:
//   +QENG: "servingcell",<state>,"LTE",<FDD|TDD>,<MCC>,<MNC>,<cellID>,<PCID>,
//   <EARFCN>,<band>,<UL_bw>,<DL_bw>,<TAC>,<RSRP>,<RSRQ>,<RSSI>,<SINR>,<srxlev>
// with RSRP and RSSI in dBm, RSRQ and SINR in dB, as printed (<state> is
// SEARCH, LIMSRV, NOCONN or CONNECT). An EN-DC module prints the state alone
// on the servingcell line and the LTE group on its own '+QENG: "LTE",…' line
// (NR after it). "WCDMA", "GSM", "NR5G-SA": the technology only. A state
// without a group (SEARCH): a report with nothing known. "-" (not available)
// and a value outside its range (RSRP -141..-44, RSRQ -20..-3, RSSI
// -125..-20, SINR -20..30, band 1..255) are nullopt. No servingcell line, a
// short LTE group or a field that is not a number: an error.
Result<at::SignalReport> parse_qeng_servingcell(std::string_view text);

}  // namespace quectel
}  // namespace fb::modem
