// ZTE goform replies (fb/hilink/goform.hpp). The facts, each with where it
// was checked (third-party public sources; ZTE publishes no API document):
//
//  - Endpoints and form: the stick's own web UI, js/service.js
//    (michaeldurkee/zteweb2, a copy of the ZTE UFI web UI): reads are GET
//    /goform/goform_get_cmd_process with cmd=a,b,c&multi_data=1, writes POST
//    /goform/goform_set_cmd_process with goformId=…; both send isTest=false
//    (config.IS_TEST), dataType json.
//  - Referer: ArchWiki "ZTE MF 823 (Megafon M100-3) 4G Modem": from a shell
//    the request needs `Referer: http://192.168.0.1/index.html`, "otherwise
//    you'll get response {"result":"faulure"}" (sic); a captured MF79U reply
//    without it has every field blank (a public test fixture). zetxx/router-
//    rpi-4G router-rpi-4g-status.sh sends the same header on its GETs.
//  - CONNECT_NETWORK / DISCONNECT_NETWORK: service.js connect()/disconnect()
//    check data.result == "success", then poll ppp_status for ppp_connecting
//    → ppp_connected (ppp_disconnecting → ppp_disconnected).
//  - REBOOT_DEVICE: service.js restart(); util.js restartDevice() checks
//    result == "success".
//  - LOGIN: service.js login(): goformId=LOGIN, password =
//    Base64.encode(password) when config.PASSWORD_ENCODE (true in the UFI
//    config); result "0" or "4" (already logged in) is success, "1" login
//    fail, "2" duplicate user, "3" bad password. Logged in ⇔ loginfo == "ok"
//    (getLoginStatus(), timerUpdateStatus()). Fields like signalbar,
//    network_type, ppp_status and realtime_* are asked only once logged in
//    (loginTimerQueryString); modem_main_state and loginfo before.
//  - Newer firmware (MC801/MC888 CPEs) logs in with SHA-256 over a salt
//    from cmd=LD (mobot95/ZTE-MC7010-Toolkit tools/login_with_hash.js;
//    a GetSMSZTE write-up: WEB_ATTR_IF_SUPPORT_SHA256). Not spoken here:
//    a non-blank LD is reported as HILINK_LOGIN_UNSUPPORTED.
//  - Field values: modem_main_state modem_init_complete, modem_sim_undetected,
//    modem_sim_destroy, modem_waitpin, modem_waitpuk, modem_imsi_waitnck
//    (zteweb2 js/simulate.js); network_type names and their generations
//    (util.js convertSignal: GSM GPRS EDGE G E / UMTS HSDPA HSUPA HSPA HSPA+
//    DC-HSPA+ WCDMA TD-SCDMA TD 3G TD_SCDMA / LTE 4G FDD TDD TDD-LTE FDD-LTE
//    TDD_LTE FDD_LTE), "no_service" / "limited_service" (timerUpdateStatus);
//    simcard_roam "Internal" or "International" is roaming (getRoamStatus);
//    lte_rsrp/lte_rsrq/lte_snr/rssi as bare numbers ("-95", "-11", "8"),
//    realtime_tx_bytes / realtime_rx_bytes / realtime_time /
//    realtime_*_thrpt as decimal strings (public fixtures, an API write-up of
//    the WAN object: "realtime_rx_bytes": "1116739479"); rmcc/rmnc and
//    lte_band as asked by public ZTE scripts. Blank means unknown
//    (timerUpdateStatus treats '' as not there).
#include "fb/hilink/goform.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cmath>

#include "fb/at/fields.hpp"
#include "fb/text.hpp"
#include "reading.hpp"

namespace fb::hilink {
namespace {

using at::to_upper;
using detail::bad;

// A field the reading asked for: missing is a bad reply, blank is nullopt.
Result<std::optional<std::string_view>> field(const Reply& reply, std::string_view name) {
  const std::string* raw = reply.find(name);
  if (!raw) return bad("no " + std::string(name) + " in the reply");
  std::string_view t = trim(*raw);
  if (t.empty()) return std::optional<std::string_view>{};
  return std::optional<std::string_view>(t);
}

template <class T>
Result<std::optional<T>> number(const Reply& reply, std::string_view name) {
  auto f = field(reply, name);
  if (!f) return f.error();
  if (!*f) return std::optional<T>{};
  return detail::whole_number<T>(name, **f);
}

// "-95", "-10.5", "8": a bare measurement in `unit`.
Result<std::optional<Level>> level(const Reply& reply, std::string_view name, std::string_view unit) {
  auto f = field(reply, name);
  if (!f) return f.error();
  if (!*f) return std::optional<Level>{};
  auto l = parse_level(name, **f, unit);
  if (!l) return l.error();
  return std::optional<Level>(*l);
}

bool contains_html(std::string_view body) {
  std::string head = to_upper(body.substr(0, 256));
  return head.find("<!DOCTYPE") != std::string::npos || head.find("<HTML") != std::string::npos ||
         head.find("<HEAD") != std::string::npos || head.find("<SCRIPT") != std::string::npos;
}

// The Huawei API's number for a technology, as Signal::mode and Plmn::rat
// carry it: 7 LTE, 0 GSM/GPRS/EDGE, 2 otherwise; none when unknown.
std::optional<int> huawei_rat_number(at::AccessTech tech) {
  if (tech == at::AccessTech::unknown) return std::nullopt;
  if (tech == at::AccessTech::lte) return 7;
  if (tech == at::AccessTech::gsm || tech == at::AccessTech::gprs || tech == at::AccessTech::edge) return 0;
  return 2;
}

}  // namespace

Result<Reply> read_goform_reply(std::string_view body, std::size_t max_bytes) {
  if (body.size() > max_bytes)
    return bad("a reply of " + std::to_string(body.size()) + " bytes, over the limit of " + std::to_string(max_bytes));
  if (trim(body).empty()) return bad("an empty body where JSON belongs");
  if (contains_html(body)) return bad("an HTML page where JSON belongs (the web UI or its login page?)");
  nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) return bad("not JSON: '" + clean_text(body, 60) + "'");
  if (!doc.is_object()) return bad(std::string("JSON ") + doc.type_name() + " where an object belongs");
  if (doc.size() > kMaxFields) return bad("more than " + std::to_string(kMaxFields) + " fields");
  Reply reply;
  for (const auto& [name, value] : doc.items()) {
    Field f;
    f.name = name;
    if (value.is_string())
      f.value = value.get<std::string>();
    else if (value.is_null())
      f.value.clear();
    else if (value.is_number() || value.is_boolean())
      f.value = value.dump();
    else  // an object or array: kept as text; a reading that wants the field refuses it
      f.value = value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    reply.fields.push_back(std::move(f));
  }
  return reply;
}

Result<void> goform_login_wall(const Reply& reply, std::string_view what) {
  bool any = false;
  for (const Field& f : reply.fields)
    if (f.name != "loginfo" && !trim(f.value).empty()) any = true;
  if (any || reply.fields.empty()) return {};
  const std::string* info = reply.find("loginfo");
  std::string loginfo = info ? std::string(trim(*info)) : std::string();
  if (loginfo == "ok") return {};
  if (!loginfo.empty())
    return Error{Code::needs_login, std::string(what) + ": every field blank and loginfo '" + clean_text(loginfo, 20) +
                                        "': the stick wants a login"};
  return bad(std::string(what) +
             ": every field blank, loginfo too: the stick refused the request (it answers so without the "
             "Referer it checks)");
}

at::AccessTech tech_from_goform_network_type(std::string_view name) {
  using at::AccessTech;
  // The 3GPP and vendor names the AT parsers know, then ZTE's own words.
  if (AccessTech known = at::access_tech_from_name(name); known != AccessTech::unknown) return known;
  std::string n = to_upper(trim(name));
  struct Row {
    std::string_view name;
    AccessTech tech;
  };
  static constexpr std::array kZteNames{
      Row{"G", AccessTech::gprs},      Row{"E", AccessTech::edge},      Row{"TD_SCDMA", AccessTech::umts},
      Row{"TD", AccessTech::umts},     Row{"FDD", AccessTech::lte},     Row{"TDD", AccessTech::lte},
      Row{"FDD-LTE", AccessTech::lte}, Row{"TDD-LTE", AccessTech::lte}, Row{"FDD_LTE", AccessTech::lte},
      Row{"TDD_LTE", AccessTech::lte},
  };
  for (const Row& r : kZteNames)
    if (r.name == n) return r.tech;
  return AccessTech::unknown;
}

Connection connection_from_ppp_status(std::string_view word) {
  std::string_view w = trim(word);
  if (w == "ppp_connected") return Connection::connected;
  if (w == "ppp_connecting") return Connection::connecting;
  if (w == "ppp_disconnected") return Connection::disconnected;
  if (w == "ppp_disconnecting") return Connection::disconnecting;
  return Connection::other;
}

Result<Status> parse_goform_status(const Reply& reply) {
  Status s;
  std::optional<std::string_view> ppp, main_state, type, roam, wan;
  FB_HILINK_TRY(ppp, field(reply, "ppp_status"));
  FB_HILINK_TRY(main_state, field(reply, "modem_main_state"));
  FB_HILINK_TRY(type, field(reply, "network_type"));
  FB_HILINK_TRY(roam, field(reply, "simcard_roam"));
  FB_HILINK_TRY(wan, field(reply, "wan_ipaddr"));
  s.connection = connection_from_ppp_status(ppp.value_or(""));
  s.connection_word = std::string(ppp.value_or(""));
  FB_HILINK_TRY(s.signal_icon, number<int>(reply, "signalbar"));
  if (s.signal_icon) s.max_signal = 5;  // signalbar runs 0..5 (the web UI's signal images)
  if (s.signal_icon && (*s.signal_icon < 0 || *s.signal_icon > 5))
    return bad("signalbar '" + std::to_string(*s.signal_icon) + "' is outside 0..5");
  if (type) {
    s.tech = tech_from_goform_network_type(*type);
    std::string t = to_upper(*type);
    bool no_service = t.find("NO_SERVICE") != std::string::npos || t.find("NO SERVICE") != std::string::npos ||
                      t.find("LIMITED") != std::string::npos;
    if (no_service)
      s.service_status = 0;
    else if (s.tech != at::AccessTech::unknown)
      s.service_status = 2;  // registered on a known technology
  }
  if (main_state) {
    if (*main_state == "modem_init_complete")
      s.sim_status = 1;
    else if (*main_state == "modem_sim_undetected" || *main_state == "modem_sim_destroy")
      s.sim_status = 255;
    else
      s.sim_status = 0;  // PIN, PUK, network lock, still starting: not ready
  }
  if (roam && s.service_status == 2) s.roaming_status = (*roam == "Internal" || *roam == "International") ? 1 : 0;
  if (wan && *wan != "0.0.0.0") {
    auto ip = IpAddress::parse(*wan);
    if (!ip) return bad("wan_ipaddr '" + clean_text(*wan, 40) + "' is not an IP address");
    s.wan_ip = ip;
  }
  return s;
}

Result<Signal> parse_goform_signal(const Reply& reply) {
  Signal s;
  std::optional<std::string_view> type, band, cell;
  FB_HILINK_TRY(type, field(reply, "network_type"));
  FB_HILINK_TRY(s.rsrp, level(reply, "lte_rsrp", "dBm"));
  FB_HILINK_TRY(s.rsrq, level(reply, "lte_rsrq", "dB"));
  FB_HILINK_TRY(s.sinr, level(reply, "lte_snr", "dB"));
  FB_HILINK_TRY(s.rssi, level(reply, "rssi", "dBm"));
  FB_HILINK_TRY(s.rscp, level(reply, "rscp", "dBm"));
  FB_HILINK_TRY(band, field(reply, "lte_band"));
  FB_HILINK_TRY(cell, field(reply, "cell_id"));
  if (band) {
    std::string_view b = *band;
    if (!b.empty() && (b.front() == 'B' || b.front() == 'b')) b.remove_prefix(1);
    int n = 0;
    auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), n);
    if (ec != std::errc() || end != b.data() + b.size() || n <= 0)
      return bad("lte_band '" + clean_text(*band, 20) + "' is not a band number");
    s.band = n;
  }
  if (cell) s.cell_id = clean_text(*cell, 40);
  if (type) s.mode = huawei_rat_number(tech_from_goform_network_type(*type));
  return s;
}

Result<Plmn> parse_goform_plmn(const Reply& reply) {
  Plmn p;
  std::optional<std::string_view> name, type, mcc, mnc;
  FB_HILINK_TRY(name, field(reply, "network_provider"));
  FB_HILINK_TRY(type, field(reply, "network_type"));
  FB_HILINK_TRY(mcc, field(reply, "rmcc"));
  FB_HILINK_TRY(mnc, field(reply, "rmnc"));
  if (name) p.full_name = clean_text(*name, 64);
  if (mcc && mnc) {
    std::string numeric = std::string(*mcc) + std::string(*mnc);
    for (char c : numeric)
      if (c < '0' || c > '9') return bad("rmcc/rmnc '" + clean_text(numeric, 20) + "' is not an MCC and MNC in digits");
    p.numeric = numeric;
  }
  if (type) p.rat = huawei_rat_number(tech_from_goform_network_type(*type));
  return p;
}

Result<Traffic> parse_goform_traffic(const Reply& reply) {
  Traffic t;
  FB_HILINK_TRY(t.current_upload, number<std::uint64_t>(reply, "realtime_tx_bytes"));
  FB_HILINK_TRY(t.current_download, number<std::uint64_t>(reply, "realtime_rx_bytes"));
  FB_HILINK_TRY(t.current_connect_time, number<std::uint64_t>(reply, "realtime_time"));
  FB_HILINK_TRY(t.current_upload_rate, number<std::uint64_t>(reply, "realtime_tx_thrpt"));
  FB_HILINK_TRY(t.current_download_rate, number<std::uint64_t>(reply, "realtime_rx_thrpt"));
  return t;
}

Result<void> expect_goform_success(const Reply& reply) {
  const std::string* result = reply.find("result");
  if (!result) return bad("no result in the reply");
  if (trim(*result) == "success") return {};
  return Error{Code::api_error, "result '" + clean_text(*result, 40) + "'"};
}

Result<void> goform_login_result(const Reply& reply) {
  const std::string* result = reply.find("result");
  if (!result) return bad("no result in the LOGIN reply");
  std::string_view r = trim(*result);
  if (r == "0" || r == "4") return {};
  if (r == "3") return Error{Code::bad_password, "LOGIN result 3 (bad password)"};
  if (r == "1") return Error{Code::bad_password, "LOGIN result 1 (login failed)"};
  if (r == "2") return Error{Code::api_error, "LOGIN result 2 (another user is logged in)"};
  return Error{Code::api_error, "LOGIN result '" + clean_text(r, 40) + "'"};
}

Result<void> goform_login_scheme(const Reply& reply) {
  const std::string* ld = reply.find("LD");
  if (!ld || trim(*ld).empty()) return {};
  return Error{Code::login_unsupported,
               "the stick hands out a login salt (cmd LD): its firmware wants the SHA-256 login of newer ZTE "
               "firmware, which failberry does not speak (only the base64 LOGIN of MF823/MF831/MF833 firmware)"};
}

}  // namespace fb::hilink
