// HiLinkClient: the HTTP API of a router-mode stick, with libcurl's multi
// interface (fb::CurlMulti) on the daemon's io_context. Two dialects
// (ClientSettings::api): Huawei's HiLink XML, and ZTE's goform JSON
// (fb/hilink/goform.hpp) — the same readings and switches either way.
//
// Contract:
//  - Threading: the io_context's one thread; nothing blocks it. Every
//    callback runs from an Asio handler, never from inside the call that
//    asked, each exactly once — unless the client is destroyed first, which
//    aborts the request in flight and drops the queue without callbacks.
//  - Requests queue and run one at a time, in order (a session has one token
//    at a time).
//  - Session: before the first request, GET /api/webserver/SesTokInfo gives
//    the SessionID cookie and the request verification token (firmware
//    without it: GET /api/webserver/token, token only). Every request sends
//    the cookie and `__RequestVerificationToken`; cookies the stick sets are
//    kept. After a POST the token(s) in the reply's headers
//    (`__RequestVerificationTokenone`/`two`, or `__RequestVerificationToken`)
//    replace the old one; a POST takes the first of two and keeps the second.
//  - Recovery, each at most once per request: an HILINK_TOKEN reply
//    (125001–125003) drops the session, fetches a fresh one and retries; an
//    HILINK_NEEDS_LOGIN reply (100003), when a password file is configured,
//    logs in (user/state-login, then user/login with password_type 4 or 0)
//    and retries. A second failure is the request's answer.
//  - Errors: fb::hilink::Code. The API's <error> codes as read_reply() names
//    them; HILINK_BAD_REPLY for anything that is not an API reply (HTML, bad
//    XML, a body over max_reply_bytes — the transfer is aborted there);
//    HILINK_HTTP for a status other than 200 (redirects are not followed);
//    HILINK_TIMEOUT past request_timeout; HILINK_UNREACHABLE when no
//    connection is made.
//  - The ZTE dialect has no session or token: every request carries
//    `Referer: <base_url>/index.html` (the stick checks it) and
//    isTest=false. A GET whose fields all come back blank while loginfo is
//    not "ok" is HILINK_NEEDS_LOGIN. With a password file, a GET answered
//    with loginfo other than "ok", or a POST answered other than "success",
//    logs in and is sent once more. The
//    login: GET cmd=LD (a non-blank salt is newer firmware's SHA-256 login:
//    HILINK_LOGIN_UNSUPPORTED), then POST goformId=LOGIN with the password
//    in base64; result 3 or 1 is HILINK_BAD_PASSWORD.
//  - Wire: http (or https) to base_url only, no proxy, a fresh connection
//    per request, connect and total deadlines per request, optionally bound
//    to an interface (CURLOPT_INTERFACE "if!NAME"). The password is read once
//    by create() and never logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/io_context.hpp>

#include "fb/hilink/api.hpp"
#include "fb/hilink/error.hpp"
#include "fb/modem/profile.hpp"

namespace fb::hilink {

inline constexpr std::string_view kDefaultBaseUrl = "http://192.168.8.1";

struct ClientSettings {
  std::string base_url = std::string(kDefaultBaseUrl);  // scheme://host[:port], no path
  std::string username = "admin";
  std::string password_file;  // empty: the stick has no password
  std::string interface;      // the stick's network interface ("eth1"), or an IPv4 address; empty: routing
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{8000};  // per HTTP request, connect included
  std::size_t max_reply_bytes = kMaxReplyBytes;
  modem::RouterApi api = modem::RouterApi::huawei;  // which dialect the stick speaks
};

class HiLinkClient {
 public:
  template <class T>
  using Done = std::function<void(Result<T>)>;

  // A client for `settings`, or why not: HILINK_CONFIG (a base URL that is
  // not http(s)://host[:port], zero timeouts), HILINK_SECRET_REFUSED (the
  // password file, as fb::read_secret_file() judges it, or empty/multi-line).
  static Result<std::unique_ptr<HiLinkClient>> create(boost::asio::io_context& io, ClientSettings settings);
  ~HiLinkClient();
  HiLinkClient(const HiLinkClient&) = delete;
  HiLinkClient& operator=(const HiLinkClient&) = delete;

  // Huawei: GET /api/monitoring/status, /api/device/signal,
  // /api/net/current-plmn, /api/monitoring/traffic-statistics.
  // ZTE: GET /goform/goform_get_cmd_process with kGoform*Cmds.
  void status(Done<Status> done);
  void signal(Done<Signal> done);
  void plmn(Done<Plmn> done);
  void traffic(Done<Traffic> done);
  // Huawei: POST /api/dialup/mobile-dataswitch <dataswitch>1|0</dataswitch>;
  // ZTE: goformId=CONNECT_NETWORK / DISCONNECT_NETWORK.
  void set_data(bool on, Done<void> done);
  // Huawei: POST /api/device/control <Control>1</Control>; ZTE:
  // goformId=REBOOT_DEVICE. The stick reboots (the "modem reset" rung); its
  // web server goes away for a while after the answer.
  void reboot(Done<void> done);

  std::size_t pending() const;  // queued requests, the one in flight included
  const ClientSettings& settings() const;
  // For a log line or /status: "api=huawei base_url=… user=admin password=********".
  std::string describe() const;

 private:
  struct Impl;
  explicit HiLinkClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace fb::hilink
