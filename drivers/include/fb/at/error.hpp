// Stable error codes of the modem component (fb::modem::Code) and the
// value-or-error type every AT, mode-switch and modem function returns.
//
// Contract: `Code` names are part of the interface: they appear in logs,
// /status and tests as the SCREAMING_CASE words of code_name() and never
// change meaning once shipped (add new ones at the end). `Error::detail` is
// free text for humans (the offending modem line, the errno text). Nothing in
// drivers/ throws for bad modem output: it returns an Error. Pure, no I/O.
//
// The file sits at the bottom of drivers/ (fb/at/, beside the AT layer that
// reports most of these codes) so that drivers/at, drivers/modem and
// drivers/usb may all include it without an include cycle; the namespace
// stays fb::modem. Result is fb::Result (fb/result.hpp) with these codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "fb/result.hpp"

namespace fb::modem {

enum class Code : std::uint8_t {
  no_modem,           // nothing that looks like a modem was found
  modem_gone,         // the tty hit EOF/EIO: unplugged or lost power
  modeswitch_failed,  // storage-mode stick never came back as a modem
  at_timeout,         // no final result within the command's timeout
  at_error,           // plain ERROR (or COMMAND NOT SUPPORT, NA)
  at_bad_response,    // a final OK, but the text could not be understood
  at_cancelled,       // the command was cancelled before it completed
  at_queue_full,      // too many commands queued: the modem is not keeping up
  at_cme_error,       // +CME ERROR without a more specific code below
  at_cms_error,       // +CMS ERROR (SMS layer)
  not_supported,      // CME 4 "operation not supported"
  not_allowed,        // CME 3 "operation not allowed"
  no_carrier,         // dial/final results of V.250
  busy,
  no_dialtone,
  no_answer,
  phone_failure,     // CME 0: the modem's own failure
  sim_missing,       // CME 10, +CPIN: NOT INSERTED, ^SYSINFO sim 255
  sim_pin_required,  // CME 11, +CPIN: SIM PIN
  sim_pin_wrong,     // CME 16 "incorrect password"
  sim_puk_required,  // CME 12, +CPIN: SIM PUK (after 3 wrong PINs)
  sim_failure,       // CME 13/15
  sim_busy,          // CME 14: SIM still initialising, retry later
  device_locked,     // PH-SIM/PH-NET… personalisation locks (CME 5, 40-47)
  reg_denied,        // registration denied / network rejected the SIM
  no_network,        // CME 30 "no network service"
  network_timeout,   // CME 31
  pdp_rejected,      // CME 132-134, 148, 150: data context refused
  pdp_auth_failed,   // CME 149: PAP/CHAP credentials refused
  cdrom_disable_failed,
  bad_dial_settings,  // APN / PDP type / dial string that cannot be sent safely
  no_net_interface,   // the stick has no network interface failberry can use (fb/modem/net_discovery.hpp)
  dhcp_failed,        // a net data session's address did not come by DHCP (the client's code in the detail)
  // A HiLink stick's HTTP API (fb::hilink::Code's word leads the detail):
  hilink_login_refused,  // wrong password, too many logins, password change wanted, unusable password file
  hilink_unreachable,    // no answer: no connection, or none within the request's deadline
  hilink_bad_reply,      // not an API reply: bad XML, an HTML page, an HTTP error status
  hilink_api_error,      // an <error> answer (busy, unknown, token trouble the client could not mend)
  // The module was switched into the USB mode the net data path needs
  // (NetModeSwitch) and reset once, and still reports another mode: final.
  net_mode_unchanged,
  // [modem] pdp_type is written and the stick does not list it for
  // AT+CGDCONT=? (or, unwritten, it lists neither IPV4V6 nor IP): final
  // until the config or the stick changes (fb/modem/pdp_choice.hpp).
  pdp_type_unsupported,
};

// "SIM_PIN_REQUIRED" etc.; every Code has one.
std::string_view code_name(Code code);
std::optional<Code> code_from_string(std::string_view word);
inline constexpr int kCodeCount = static_cast<int>(Code::pdp_type_unsupported) + 1;

using Error = fb::Error<Code>;
// A value or an Error; Result<void> is a success or an Error.
template <class T>
using Result = fb::Result<T, Code>;
// describe(error): "AT_TIMEOUT: AT+CSQ (5000 ms)", code first so logs grep well.
using fb::describe;

}  // namespace fb::modem
