// Typed readings of the HiLink API replies failberry uses, and the login
// password: monitoring/status, device/signal, net/current-plmn,
// monitoring/traffic-statistics, user/state-login, webserver/token and
// webserver/SesTokInfo (facts: shared/reference/LTE-MODEMS.md §3, checked
// against Salamek/huawei-lte-api).
//
// Contract: each parse_*() takes a Reply from read_reply() and returns the
// typed value, or Code::bad_reply naming the field when a field the reply
// must have is missing (or the reply is OK instead of fields) or a value is
// not what the API prints there ("SignalIcon 'x' is not a number"). Fields
// the API leaves empty are nullopt/empty; unknown fields are ignored.
// Numbers the API may add later (a new ConnectionStatus, a new network type)
// are kept as numbers with "unknown" text, never an error. Pure apart from
// OpenSSL's SHA-256 and base64 in login_password(); nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fb/at/parse_3gpp.hpp"
#include "fb/hilink/error.hpp"
#include "fb/hilink/xml.hpp"
#include "fb/net_types.hpp"

namespace fb::hilink {

// ---- monitoring/status ----
// ConnectionStatus: 900 connecting, 901 connected, 902 disconnected, 903
// disconnecting (Huawei's web UI constants); any other number is `other`.
enum class Connection : std::uint8_t { connecting, connected, disconnected, disconnecting, other };
std::string_view to_string(Connection c);  // "connecting", …, "other"
Connection connection_from_code(int code);

// CurrentNetworkTypeEx (41–46 WCDMA…DC-HSPA+, 61–65 TD-*, 101 LTE, 1011
// LTE+) or the older CurrentNetworkType (1 GSM … 9 HSPA+, 17/18 HSPA+, 19
// LTE) as the modem layer's access technology; unknown numbers → unknown.
at::AccessTech tech_from_network_type_ex(int type_ex);
at::AccessTech tech_from_network_type(int type);

struct Status {
  Connection connection = Connection::other;
  int connection_code = 0;                        // the number as printed (904 "connect failed" on some firmware)
  std::optional<int> signal_icon;                 // bars, 0..max_signal
  std::optional<int> max_signal;                  // usually 5
  std::optional<int> network_type;                // CurrentNetworkType
  std::optional<int> network_type_ex;             // CurrentNetworkTypeEx
  at::AccessTech tech = at::AccessTech::unknown;  // from _Ex when known, else the older field
  std::optional<int> sim_status;                  // 1 valid, 255 absent
  std::optional<int> service_status;              // 2 = service available
  std::optional<int> roaming_status;              // 0 home, 1 roaming
  std::optional<IpAddress> wan_ip;
  std::optional<IpAddress> primary_dns;
  std::optional<IpAddress> secondary_dns;
  std::string connection_word;  // the ZTE dialect's ppp_status as printed; empty for Huawei's number
  // For logs and /status: "ConnectionStatus 902", or "ppp_status ppp_disconnected".
  std::string connection_printed() const;
  std::string_view rat() const { return at::to_string(tech); }  // "lte", "umts", …, "unknown"
  bool operator==(const Status&) const = default;
};
Result<Status> parse_status(const Reply& reply);

// ---- device/signal ----
// A measurement as the stick prints it: "-86dBm", "-10.5dB", ">=-51dBm"
// (a clipped reading: the real value is at least this).
struct Level {
  enum class Bound : std::uint8_t { exact, at_least, at_most };
  double value = 0;
  Bound bound = Bound::exact;
  bool operator==(const Level&) const = default;
};
// "-86dBm" with unit "dBm" → {-86, exact}; "&gt;=" decoded first by the
// reader, so ">=-51dBm" → {-51, at_least}; a bare number is accepted; another
// unit, or no number, is an error naming `name`.
Result<Level> parse_level(std::string_view name, std::string_view text, std::string_view unit);

struct Signal {
  std::optional<Level> rsrp;  // dBm
  std::optional<Level> rsrq;  // dB
  std::optional<Level> rssi;  // dBm
  std::optional<Level> sinr;  // dB
  std::optional<Level> rscp;  // dBm (3G)
  std::optional<Level> ecio;  // dB (3G)
  std::optional<int> pci;
  std::optional<int> band;  // LTE band number where the firmware reports it
  std::string cell_id;      // as printed (decimal on most firmware)
  std::optional<int> mode;  // 7 LTE, 2 WCDMA, 0 GSM
  bool operator==(const Signal&) const = default;
};
Result<Signal> parse_signal(const Reply& reply);
// The readings in the modem layer's shape (whole dBm, rounded toward −∞ as a
// clipped ">=-51dBm" still means at least −51), for /status and /metrics.
at::SignalReport signal_report(const Signal& signal, at::AccessTech tech);

// ---- net/current-plmn ----
struct Plmn {
  std::optional<int> state;  // as printed (its meaning differs between firmware)
  std::string full_name;
  std::string short_name;
  std::string numeric;     // MCC+MNC, "26201"
  std::optional<int> rat;  // 0 GSM, 2 UMTS, 7 LTE
  bool operator==(const Plmn&) const = default;
};
Result<Plmn> parse_plmn(const Reply& reply);

// ---- monitoring/traffic-statistics ----
// Byte counters and seconds; the rates are what the stick prints (bytes/s on
// the firmware seen so far).
struct Traffic {
  std::optional<std::uint64_t> current_connect_time;
  std::optional<std::uint64_t> current_upload;
  std::optional<std::uint64_t> current_download;
  std::optional<std::uint64_t> current_upload_rate;
  std::optional<std::uint64_t> current_download_rate;
  std::optional<std::uint64_t> total_upload;
  std::optional<std::uint64_t> total_download;
  std::optional<std::uint64_t> total_connect_time;
  bool operator==(const Traffic&) const = default;
};
Result<Traffic> parse_traffic(const Reply& reply);

// ---- user/state-login ----
struct LoginState {
  int state = -1;         // 0 logged in, -1 logged out, -2 repeat
  int password_type = 0;  // 4: SHA-256 with the token; 0: base64 (absent on old firmware: 0)
  bool logged_in() const { return state == 0; }
  bool operator==(const LoginState&) const = default;
};
Result<LoginState> parse_login_state(const Reply& reply);

// ---- webserver/token, webserver/SesTokInfo ----
struct SessionToken {
  std::string cookie;  // "SessionID=…" (SesTokInfo's SesInfo); empty from webserver/token
  std::string token;   // the __RequestVerificationToken value
  bool operator==(const SessionToken&) const = default;
};
Result<SessionToken> parse_token(const Reply& reply);         // <token>
Result<SessionToken> parse_ses_tok_info(const Reply& reply);  // <SesInfo>, <TokInfo>

// A request that must answer <response>OK</response> (login, data switch,
// reboot): success, or bad_reply saying what came instead.
Result<void> expect_ok(const Reply& reply);

// The Password field of POST /api/user/login:
//   type 4: base64(sha256_hex(user + base64(sha256_hex(password)) + token))
//   type 0: base64(password)
// (hex lowercase; huawei-lte-api api/User.py). Other types: login_unsupported.
Result<std::string> login_password(int password_type, std::string_view user, std::string_view password,
                                   std::string_view token);
// Standard base64 with padding, and SHA-256 as lowercase hex (OpenSSL).
std::string base64(std::string_view bytes);
std::string sha256_hex(std::string_view bytes);

}  // namespace fb::hilink
