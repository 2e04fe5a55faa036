// ZTE's goform API: the second dialect of the router-mode (hilink) path,
// spoken by ZTE router sticks (MF823/MF831/MF833 in 19d2:1405) at
// http://192.168.0.1. Read into the same typed readings as Huawei's HiLink
// XML (fb/hilink/api.hpp), so the modem side does not know which one ran.
//
//   GET  /goform/goform_get_cmd_process?isTest=false&multi_data=1&cmd=a,b,c
//        → {"a":"…","b":"…","c":""}   (a flat object of strings; "" unknown)
//   POST /goform/goform_set_cmd_process   isTest=false&goformId=NAME[&…]
//        → {"result":"success"} or {"result":"failure"}
//   every request carries Referer: http://<stick>/index.html, or the stick
//   answers every field blank (a GET) or failure (a POST).
//
// Facts and their sources are in goform.cpp's opening comment.
//
// Contract: read_goform_reply() is total: a JSON object of scalars becomes a
// Reply's fields (strings as they are, numbers and booleans as their text,
// null as ""); anything else — an empty body, an HTML page, bad JSON, an
// array or a scalar at the top, more than kMaxFields fields, a body over the
// limit — is Code::bad_reply saying what came. The parse_goform_*() readers
// want every field they asked for present (multi_data answers each one,
// blank when unknown): a missing one is bad_reply naming it; a blank one is
// unknown (nullopt), never 0; a value that is not what the stick prints
// there is bad_reply naming field and value. Pure, no I/O; nothing throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fb/hilink/api.hpp"
#include "fb/hilink/xml.hpp"

namespace fb::hilink {

inline constexpr std::string_view kZteDefaultBaseUrl = "http://192.168.0.1";

// The cmd lists each reading asks for (comma-separated, as the web UI sends
// them). Each also asks `loginfo`, so a login wall can be told from a stick
// that knows nothing yet (goform_login_wall()).
inline constexpr std::string_view kGoformStatusCmds =
    "modem_main_state,ppp_status,network_type,network_provider,signalbar,simcard_roam,wan_ipaddr,loginfo";
inline constexpr std::string_view kGoformSignalCmds =
    "network_type,lte_rsrp,lte_rsrq,lte_snr,rssi,rscp,lte_band,cell_id,loginfo";
inline constexpr std::string_view kGoformPlmnCmds = "network_provider,network_type,rmcc,rmnc,loginfo";
inline constexpr std::string_view kGoformTrafficCmds =
    "realtime_tx_bytes,realtime_rx_bytes,realtime_time,realtime_tx_thrpt,realtime_rx_thrpt,loginfo";

// One goform JSON body → its fields (see above).
Result<Reply> read_goform_reply(std::string_view body, std::size_t max_bytes = kMaxReplyBytes);

// A GET the stick would not answer: every field asked for blank.
//  - loginfo is set and not "ok": the stick wants a login → needs_login;
//  - loginfo blank too: the stick refused the request (a missing or wrong
//    Referer answers exactly this) → bad_reply.
// Success otherwise. `what` leads the detail.
Result<void> goform_login_wall(const Reply& reply, std::string_view what);

// network_type as the web UI names it ("LTE", "FDD_LTE", "DC-HSPA+",
// "WCDMA", "EDGE", "GSM", …) → access technology; anything else unknown.
at::AccessTech tech_from_goform_network_type(std::string_view name);

// ppp_status: ppp_connected, ppp_connecting, ppp_disconnected,
// ppp_disconnecting; anything else (blank included) is `other`.
Connection connection_from_ppp_status(std::string_view word);

Result<Status> parse_goform_status(const Reply& reply);
Result<Signal> parse_goform_signal(const Reply& reply);
Result<Plmn> parse_goform_plmn(const Reply& reply);
Result<Traffic> parse_goform_traffic(const Reply& reply);

// {"result":"success"} → success; {"result":"failure"} (and the firmware's
// own misspelling "faulure") or anything else → api_error with the word;
// no result → bad_reply.
Result<void> expect_goform_success(const Reply& reply);

// The answer to goformId=LOGIN: result "0" logged in, "4" already logged in
// → success; "3" wrong password and "1" login failed → bad_password; "2"
// another user is logged in → api_error; anything else api_error; no result
// → bad_reply.
Result<void> goform_login_result(const Reply& reply);

// The LD salt newer firmware hands out for its SHA-256 login: non-blank
// → login_unsupported (failberry speaks only the base64 LOGIN); blank or
// absent → success (the base64 LOGIN applies).
Result<void> goform_login_scheme(const Reply& reply);

}  // namespace fb::hilink
