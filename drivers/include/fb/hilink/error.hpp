// Stable error codes of the HiLink API client (fb::hilink::Code): the API's
// own <error><code>N</code> numbers folded into a few words the daemon can act
// on, and the transport's failures.
//
// Contract: code_name() words (HILINK_NEEDS_LOGIN, HILINK_TOKEN, …) appear in
// logs, /status and tests and never change meaning once shipped (add new
// ones at the end). `Error::detail` is for people: what was asked and what
// came back, the API's number included ("GET /api/monitoring/status: API
// error 100003 (no rights, login needed)"). Pure, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "fb/result.hpp"

namespace fb::hilink {

enum class Code : std::uint8_t {
  needs_login,        // 100003: the stick has a password and we are not logged in
  token,              // 125001 wrong token, 125002 CSRF/session, 125003 wrong session token
  bad_password,       // 108001 wrong username, 108002 wrong password, 108006 both
  too_many_attempts,  // 108007: the stick refuses logins for a while
  busy,               // 100004: system busy, try later
  not_supported,      // 100002: this firmware has no such endpoint
  format_error,       // 100005: the stick could not read our request
  password_change,    // 115002: the stick wants its default password changed first
  api_error,          // any other <error> code (100001 "unknown" among them)
  bad_reply,          // not an API reply: bad XML, an HTML page, an empty or overlong body, missing fields
  timeout,            // no complete answer within the request's deadline
  http,               // an HTTP status other than 200 (a redirect to the web UI, 404, 500)
  unreachable,        // no connection to the stick's web server at all
  config,             // a base URL or setting the client cannot use
  secret_refused,     // the password file is missing, readable by others, or malformed
  login_unsupported,  // a password_type we cannot compute (0 and 4 are known)
};

// "HILINK_NEEDS_LOGIN" etc.; every Code has one.
std::string_view code_name(Code code);
inline constexpr int kCodeCount = static_cast<int>(Code::login_unsupported) + 1;

// The Code for an API <error><code>N</code>: 100003 → needs_login, 125001..3
// → token, …, anything not listed → api_error.
Code code_for_api_error(long api_code);
// The API's words for the numbers the client names ("no rights, login
// needed"); nothing for numbers without a known meaning.
std::optional<std::string_view> api_error_text(long api_code);

using Error = fb::Error<Code>;
template <class T>
using Result = fb::Result<T, Code>;
using fb::describe;

}  // namespace fb::hilink
