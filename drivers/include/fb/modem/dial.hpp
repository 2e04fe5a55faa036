// Dialing on the modem's data port, the pure part: the AT commands of a dial
// plan and what the dial command's final result means.
//
// failberryd dials itself and hands the CONNECTed tty to pppd as stdin
// (fb/ppp/pppd.hpp explains the choice); the table that runs these commands
// is fb::modem::dial_steps() in sequences.hpp.
//
// Contract: pure. Nothing the user wrote is rewritten: an APN or dial string
// that cannot be sent safely inside an AT command is refused with
// BAD_DIAL_SETTINGS, never "fixed". Dial failures map to stable codes:
// NO CARRIER -> NO_CARRIER, BUSY -> BUSY, NO DIALTONE -> NO_DIALTONE,
// NO ANSWER -> NO_ANSWER, ERROR -> AT_ERROR, +CME ERROR -> its 27.007 code
// (PDP_REJECTED, PDP_AUTH_FAILED, NO_NETWORK, …), OK without CONNECT ->
// AT_BAD_RESPONSE.
#pragma once

#include <chrono>
#include <string>

#include "fb/at/error.hpp"
#include "fb/at/framing.hpp"

namespace fb::modem {

struct DialPlan {
  std::string apn;
  int cid = 1;
  std::string pdp_type = "IP";                                   // IP, IPV6 or IPV4V6
  std::string dial = "ATD*99#";                                  // or the carrier's, e.g. "ATD*99***1#"
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  // the dial command's
};

struct DialCommands {
  std::string define_context;  // AT+CGDCONT=1,"IP","internet"
  std::string dial;            // ATD*99#
};

Result<DialCommands> dial_commands(const DialPlan& plan);

// CONNECT's text ("7200000", possibly empty) or the error the final stands for.
Result<std::string> dial_outcome(const at::Final& final);

}  // namespace fb::modem
