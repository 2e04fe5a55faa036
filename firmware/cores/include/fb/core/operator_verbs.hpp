// The control verbs redial / reset-modem / cycle-usb: whether one may go to
// the RecoveryLadder now, and the words of the reply. ModemService asks
// before it feeds ladder_event::Operator, and wraps the answer for the
// control socket.
//
// Contract: pure (no I/O); decides from the ladder's policy, the machine's
// state and status, and whether the modem's USB port is known.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fb/core/modem_machine.hpp"
#include "fb/core/recovery_ladder.hpp"

namespace fb::core {

struct OperatorRefusal {
  std::string code;  // NOT_AVAILABLE, BAD_LOCATION, NO_MODEM, BUSY
  std::string message;
  bool operator==(const OperatorRefusal&) const = default;
};

// [recovery] hub names a hub ("" and "auto": the modem's own).
bool hub_named(std::string_view hub);

// Why `rung` cannot be asked for now; nullopt: feed it to the ladder.
// `usb_port_known`: discovery found the modem on USB, or [recovery] hub names one.
std::optional<OperatorRefusal> refuse_operator_request(Rung rung, const LadderPolicy& policy,
                                                       ModemMachine::State machine, const ModemStatus& modem,
                                                       bool usb_port_known);

// The ladder took the request but did not start it: an attempt is running.
OperatorRefusal operator_busy(const LadderStatus& ladder);
// The ladder started it.
std::string operator_started(Rung rung, const ModemStatus& modem);

}  // namespace fb::core
