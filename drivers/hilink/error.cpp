#include "fb/hilink/error.hpp"

namespace fb::hilink {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::needs_login: return "HILINK_NEEDS_LOGIN";
    case Code::token: return "HILINK_TOKEN";
    case Code::bad_password: return "HILINK_BAD_PASSWORD";
    case Code::too_many_attempts: return "HILINK_TOO_MANY_ATTEMPTS";
    case Code::busy: return "HILINK_BUSY";
    case Code::not_supported: return "HILINK_NOT_SUPPORTED";
    case Code::format_error: return "HILINK_FORMAT_ERROR";
    case Code::password_change: return "HILINK_PASSWORD_CHANGE";
    case Code::api_error: return "HILINK_API_ERROR";
    case Code::bad_reply: return "HILINK_BAD_REPLY";
    case Code::timeout: return "HILINK_TIMEOUT";
    case Code::http: return "HILINK_HTTP";
    case Code::unreachable: return "HILINK_UNREACHABLE";
    case Code::config: return "HILINK_CONFIG";
    case Code::secret_refused: return "HILINK_SECRET_REFUSED";
    case Code::login_unsupported: return "HILINK_LOGIN_UNSUPPORTED";
  }
  return "HILINK_API_ERROR";
}

// The numbers: huawei-lte-api enums/client.py and enums/user.py, which match
// the constants of Huawei's web UI (shared/reference/LTE-MODEMS.md §3).
Code code_for_api_error(long api_code) {
  switch (api_code) {
    case 100002: return Code::not_supported;
    case 100003: return Code::needs_login;
    case 100004: return Code::busy;
    case 100005: return Code::format_error;
    case 125001:
    case 125002:
    case 125003: return Code::token;
    case 108001:
    case 108002:
    case 108006: return Code::bad_password;
    case 108007: return Code::too_many_attempts;
    case 115002: return Code::password_change;
    default: return Code::api_error;
  }
}

std::optional<std::string_view> api_error_text(long api_code) {
  switch (api_code) {
    case 100001: return "unknown";
    case 100002: return "not supported";
    case 100003: return "no rights, login needed";
    case 100004: return "system busy";
    case 100005: return "request format error";
    case 108001: return "wrong username";
    case 108002: return "wrong password";
    case 108003: return "already logged in";
    case 108006: return "wrong username or password";
    case 108007: return "too many login attempts";
    case 115002: return "the password must be changed";
    case 125001: return "wrong token";
    case 125002: return "session or CSRF token error";
    case 125003: return "wrong session token";
    default: return std::nullopt;
  }
}

}  // namespace fb::hilink
