#include "fb/hilink/api.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "fb/text.hpp"
#include "reading.hpp"

namespace fb::hilink {
namespace {

using detail::bad;

Result<void> need_fields(const Reply& reply, std::string_view what) {
  if (reply.ok) return bad(std::string(what) + ": OK where fields belong");
  return {};
}

// A whole number field: absent or empty → nullopt; anything else must parse.
template <class T>
Result<std::optional<T>> number(const Reply& reply, std::string_view name) {
  const std::string* raw = reply.find(name);
  if (!raw) return std::optional<T>{};
  return detail::whole_number<T>(name, trim(*raw));
}

Result<std::optional<IpAddress>> address(const Reply& reply, std::string_view name) {
  const std::string* raw = reply.find(name);
  if (!raw || trim(*raw).empty()) return std::optional<IpAddress>{};
  auto ip = IpAddress::parse(trim(*raw));
  if (!ip) return bad(std::string(name) + " '" + clean_text(*raw, 40) + "' is not an IP address");
  return ip;
}

std::string text(const Reply& reply, std::string_view name) {
  const std::string* raw = reply.find(name);
  return raw ? std::string(trim(*raw)) : std::string();
}

}  // namespace

std::string_view to_string(Connection c) {
  switch (c) {
    case Connection::connecting: return "connecting";
    case Connection::connected: return "connected";
    case Connection::disconnected: return "disconnected";
    case Connection::disconnecting: return "disconnecting";
    case Connection::other: return "other";
  }
  return "other";
}

std::string Status::connection_printed() const {
  if (!connection_word.empty()) return "ppp_status " + clean_text(connection_word, 40);
  return "ConnectionStatus " + std::to_string(connection_code);
}

Connection connection_from_code(int code) {
  switch (code) {
    case 900: return Connection::connecting;
    case 901: return Connection::connected;
    case 902: return Connection::disconnected;
    case 903: return Connection::disconnecting;
    default: return Connection::other;
  }
}

at::AccessTech tech_from_network_type_ex(int type_ex) {
  using at::AccessTech;
  switch (type_ex) {
    case 1: return AccessTech::gsm;
    case 2: return AccessTech::gprs;
    case 3: return AccessTech::edge;
    case 41: return AccessTech::umts;  // WCDMA
    case 42: return AccessTech::hsdpa;
    case 43: return AccessTech::hsupa;
    case 44: return AccessTech::hspa;
    case 45:                                // HSPA+
    case 46: return AccessTech::hspa_plus;  // DC-HSPA+
    case 61:                                // TD-SCDMA
    case 62:                                // TD-HSDPA
    case 63:                                // TD-HSUPA
    case 64:                                // TD-HSPA
    case 65: return AccessTech::umts;       // TD-HSPA+
    case 101:                               // LTE
    case 1011: return AccessTech::lte;      // LTE+ (carrier aggregation)
    default: return AccessTech::unknown;
  }
}

at::AccessTech tech_from_network_type(int type) {
  using at::AccessTech;
  switch (type) {
    case 1: return AccessTech::gsm;
    case 2: return AccessTech::gprs;
    case 3: return AccessTech::edge;
    case 4: return AccessTech::umts;  // WCDMA
    case 5: return AccessTech::hsdpa;
    case 6: return AccessTech::hsupa;
    case 7: return AccessTech::hspa;
    case 8: return AccessTech::umts;  // TD-SCDMA
    case 9:
    case 17:                                // HSPA+ 64QAM
    case 18: return AccessTech::hspa_plus;  // HSPA+ MIMO
    case 19: return AccessTech::lte;
    default: return AccessTech::unknown;
  }
}

Result<Status> parse_status(const Reply& reply) {
  if (auto r = need_fields(reply, "monitoring/status"); !r) return r.error();
  Status s;
  std::optional<int> code;
  FB_HILINK_TRY(code, number<int>(reply, "ConnectionStatus"));
  if (!code) return bad("monitoring/status without ConnectionStatus");
  s.connection_code = *code;
  s.connection = connection_from_code(*code);
  FB_HILINK_TRY(s.signal_icon, number<int>(reply, "SignalIcon"));
  if (!s.signal_icon) FB_HILINK_TRY(s.signal_icon, number<int>(reply, "SignalIconNr"));  // some 5G firmware
  FB_HILINK_TRY(s.max_signal, number<int>(reply, "maxsignal"));
  FB_HILINK_TRY(s.network_type, number<int>(reply, "CurrentNetworkType"));
  FB_HILINK_TRY(s.network_type_ex, number<int>(reply, "CurrentNetworkTypeEx"));
  if (s.network_type_ex) s.tech = tech_from_network_type_ex(*s.network_type_ex);
  if (s.tech == at::AccessTech::unknown && s.network_type) s.tech = tech_from_network_type(*s.network_type);
  FB_HILINK_TRY(s.sim_status, number<int>(reply, "SimStatus"));
  FB_HILINK_TRY(s.service_status, number<int>(reply, "ServiceStatus"));
  FB_HILINK_TRY(s.roaming_status, number<int>(reply, "RoamingStatus"));
  FB_HILINK_TRY(s.wan_ip, address(reply, "WanIPAddress"));
  FB_HILINK_TRY(s.primary_dns, address(reply, "PrimaryDns"));
  FB_HILINK_TRY(s.secondary_dns, address(reply, "SecondaryDns"));
  return s;
}

Result<Level> parse_level(std::string_view name, std::string_view raw, std::string_view unit) {
  std::string_view t = trim(raw);
  Level level;
  if (t.substr(0, 2) == ">=") {
    level.bound = Level::Bound::at_least;
    t.remove_prefix(2);
  } else if (t.substr(0, 2) == "<=") {
    level.bound = Level::Bound::at_most;
    t.remove_prefix(2);
  }
  if (t.size() >= unit.size() && t.substr(t.size() - unit.size()) == unit) t.remove_suffix(unit.size());
  t = trim(t);
  auto refuse = [&] {
    return bad(std::string(name) + " '" + clean_text(raw, 40) + "' is not a level in " + std::string(unit));
  };
  if (t.empty() || t.size() > 16) return refuse();
  // from_chars for double is not in every libstdc++ this builds with; the
  // grammar is small enough to read by hand: -?digits(.digits)?
  std::size_t i = 0;
  bool negative = false;
  if (t[i] == '-' || t[i] == '+') negative = t[i++] == '-';
  double value = 0;
  int digits = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') value = value * 10 + (t[i++] - '0'), ++digits;
  if (i < t.size() && t[i] == '.') {
    ++i;
    double scale = 0.1;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') value += (t[i++] - '0') * scale, scale /= 10, ++digits;
  }
  if (digits == 0 || i != t.size()) return refuse();
  level.value = negative ? -value : value;
  return level;
}

Result<Signal> parse_signal(const Reply& reply) {
  if (auto r = need_fields(reply, "device/signal"); !r) return r.error();
  if (!reply.find("rsrp") && !reply.find("rssi") && !reply.find("rscp") && !reply.find("mode"))
    return bad("device/signal without rsrp, rssi, rscp or mode");
  Signal s;
  auto level = [&](std::string_view name, std::string_view unit, std::optional<Level>& out) -> Result<void> {
    const std::string* raw = reply.find(name);
    if (!raw || trim(*raw).empty()) return {};
    auto l = parse_level(name, *raw, unit);
    if (!l) return l.error();
    out = *l;
    return {};
  };
  for (auto r : {level("rsrp", "dBm", s.rsrp), level("rsrq", "dB", s.rsrq), level("rssi", "dBm", s.rssi),
                 level("sinr", "dB", s.sinr), level("rscp", "dBm", s.rscp), level("ecio", "dB", s.ecio)})
    if (!r) return r.error();
  FB_HILINK_TRY(s.pci, number<int>(reply, "pci"));
  FB_HILINK_TRY(s.band, number<int>(reply, "band"));
  FB_HILINK_TRY(s.mode, number<int>(reply, "mode"));
  s.cell_id = text(reply, "cell_id");
  return s;
}

at::SignalReport signal_report(const Signal& signal, at::AccessTech tech) {
  at::SignalReport r;
  r.tech = tech;
  auto whole = [](const std::optional<Level>& l) -> std::optional<int> {
    if (!l || !std::isfinite(l->value) || std::fabs(l->value) > 1000) return std::nullopt;
    return static_cast<int>(std::floor(l->value));
  };
  r.rsrp_dbm = whole(signal.rsrp);
  r.rssi_dbm = whole(signal.rssi);
  if (signal.rsrq) r.rsrq_db = signal.rsrq->value;
  if (signal.sinr) r.sinr_db = signal.sinr->value;
  return r;
}

Result<Plmn> parse_plmn(const Reply& reply) {
  if (auto r = need_fields(reply, "net/current-plmn"); !r) return r.error();
  if (!reply.find("Numeric") && !reply.find("FullName") && !reply.find("ShortName"))
    return bad("net/current-plmn without Numeric, FullName or ShortName");
  Plmn p;
  FB_HILINK_TRY(p.state, number<int>(reply, "State"));
  FB_HILINK_TRY(p.rat, number<int>(reply, "Rat"));
  p.full_name = text(reply, "FullName");
  p.short_name = text(reply, "ShortName");
  p.numeric = text(reply, "Numeric");
  if (!p.numeric.empty() &&
      (p.numeric.size() < 5 || p.numeric.size() > 6 || p.numeric.find_first_not_of("0123456789") != std::string::npos))
    return bad("Numeric '" + clean_text(p.numeric, 20) + "' is not an MCC and MNC");
  return p;
}

Result<Traffic> parse_traffic(const Reply& reply) {
  if (auto r = need_fields(reply, "monitoring/traffic-statistics"); !r) return r.error();
  if (!reply.find("CurrentDownload") && !reply.find("TotalDownload"))
    return bad("monitoring/traffic-statistics without CurrentDownload or TotalDownload");
  Traffic t;
  FB_HILINK_TRY(t.current_connect_time, number<std::uint64_t>(reply, "CurrentConnectTime"));
  FB_HILINK_TRY(t.current_upload, number<std::uint64_t>(reply, "CurrentUpload"));
  FB_HILINK_TRY(t.current_download, number<std::uint64_t>(reply, "CurrentDownload"));
  FB_HILINK_TRY(t.current_upload_rate, number<std::uint64_t>(reply, "CurrentUploadRate"));
  FB_HILINK_TRY(t.current_download_rate, number<std::uint64_t>(reply, "CurrentDownloadRate"));
  FB_HILINK_TRY(t.total_upload, number<std::uint64_t>(reply, "TotalUpload"));
  FB_HILINK_TRY(t.total_download, number<std::uint64_t>(reply, "TotalDownload"));
  FB_HILINK_TRY(t.total_connect_time, number<std::uint64_t>(reply, "TotalConnectTime"));
  return t;
}

Result<LoginState> parse_login_state(const Reply& reply) {
  if (auto r = need_fields(reply, "user/state-login"); !r) return r.error();
  std::optional<int> state, type;
  FB_HILINK_TRY(state, number<int>(reply, "State"));
  if (!state) return bad("user/state-login without State");
  FB_HILINK_TRY(type, number<int>(reply, "password_type"));
  return LoginState{*state, type.value_or(0)};
}

namespace {
// A token or cookie goes into an HTTP header line: printable ASCII only.
Result<void> header_safe(std::string_view name, std::string_view value) {
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E || c == ';')
      return bad(std::string(name) + " holds characters a header cannot carry");
  if (value.size() > 512) return bad(std::string(name) + " is longer than 512 bytes");
  return {};
}
}  // namespace

Result<SessionToken> parse_token(const Reply& reply) {
  if (auto r = need_fields(reply, "webserver/token"); !r) return r.error();
  SessionToken t;
  t.token = text(reply, "token");
  if (t.token.empty()) return bad("webserver/token without a token");
  if (auto r = header_safe("token", t.token); !r) return r.error();
  return t;
}

Result<SessionToken> parse_ses_tok_info(const Reply& reply) {
  if (auto r = need_fields(reply, "webserver/SesTokInfo"); !r) return r.error();
  SessionToken t;
  t.cookie = text(reply, "SesInfo");
  t.token = text(reply, "TokInfo");
  if (t.token.empty()) return bad("webserver/SesTokInfo without TokInfo");
  if (t.cookie.empty()) return bad("webserver/SesTokInfo without SesInfo");
  auto eq = t.cookie.find('=');
  if (eq == std::string::npos || eq == 0) return bad("SesInfo '" + clean_text(t.cookie, 40) + "' is not name=value");
  if (auto r = header_safe("TokInfo", t.token); !r) return r.error();
  if (auto r = header_safe("SesInfo", t.cookie); !r) return r.error();
  return t;
}

Result<void> expect_ok(const Reply& reply) {
  if (reply.ok) return {};
  if (reply.fields.empty()) return bad("an empty <response> where OK belongs");
  return bad("fields (" + clean_text(reply.fields.front().name, 40) + ", …) where OK belongs");
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

Result<std::string> login_password(int password_type, std::string_view user, std::string_view password,
                                   std::string_view token) {
  switch (password_type) {
    case 0: return base64(password);
    case 4: {
      if (token.empty()) return Error{Code::token, "no request verification token to log in with"};
      std::string inner = std::string(user) + base64(sha256_hex(password)) + std::string(token);
      return base64(sha256_hex(inner));
    }
    default:
      return Error{Code::login_unsupported,
                   "password_type " + std::to_string(password_type) + " (known: 0 base64, 4 SHA-256 with the token)"};
  }
}

#undef FB_HILINK_TRY

}  // namespace fb::hilink
