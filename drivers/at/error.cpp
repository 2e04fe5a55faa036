#include "fb/at/error.hpp"

#include "fb/enum_names.hpp"

namespace fb::modem {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::no_modem: return "NO_MODEM";
    case Code::modem_gone: return "MODEM_GONE";
    case Code::modeswitch_failed: return "MODESWITCH_FAILED";
    case Code::at_timeout: return "AT_TIMEOUT";
    case Code::at_error: return "AT_ERROR";
    case Code::at_bad_response: return "AT_BAD_RESPONSE";
    case Code::at_cancelled: return "AT_CANCELLED";
    case Code::at_queue_full: return "AT_QUEUE_FULL";
    case Code::at_cme_error: return "AT_CME_ERROR";
    case Code::at_cms_error: return "AT_CMS_ERROR";
    case Code::not_supported: return "NOT_SUPPORTED";
    case Code::not_allowed: return "NOT_ALLOWED";
    case Code::no_carrier: return "NO_CARRIER";
    case Code::busy: return "BUSY";
    case Code::no_dialtone: return "NO_DIALTONE";
    case Code::no_answer: return "NO_ANSWER";
    case Code::phone_failure: return "PHONE_FAILURE";
    case Code::sim_missing: return "SIM_MISSING";
    case Code::sim_pin_required: return "SIM_PIN_REQUIRED";
    case Code::sim_pin_wrong: return "SIM_PIN_WRONG";
    case Code::sim_puk_required: return "SIM_PUK_REQUIRED";
    case Code::sim_failure: return "SIM_FAILURE";
    case Code::sim_busy: return "SIM_BUSY";
    case Code::device_locked: return "DEVICE_LOCKED";
    case Code::reg_denied: return "REG_DENIED";
    case Code::no_network: return "NO_NETWORK";
    case Code::network_timeout: return "NETWORK_TIMEOUT";
    case Code::pdp_rejected: return "PDP_REJECTED";
    case Code::pdp_auth_failed: return "PDP_AUTH_FAILED";
    case Code::cdrom_disable_failed: return "CDROM_DISABLE_FAILED";
    case Code::bad_dial_settings: return "BAD_DIAL_SETTINGS";
    case Code::no_net_interface: return "NO_NET_INTERFACE";
    case Code::dhcp_failed: return "DHCP_FAILED";
    case Code::hilink_login_refused: return "HILINK_LOGIN_REFUSED";
    case Code::hilink_unreachable: return "HILINK_UNREACHABLE";
    case Code::hilink_bad_reply: return "HILINK_BAD_REPLY";
    case Code::hilink_api_error: return "HILINK_API_ERROR";
    case Code::net_mode_unchanged: return "NET_MODE_UNCHANGED";
    case Code::pdp_type_unsupported: return "PDP_TYPE_UNSUPPORTED";
  }
  return "UNKNOWN";
}

std::optional<Code> code_from_string(std::string_view word) {
  return value_named<Code>(word, kCodeCount, code_name);
}

}  // namespace fb::modem
