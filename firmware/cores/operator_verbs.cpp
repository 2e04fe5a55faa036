#include "fb/core/operator_verbs.hpp"

namespace fb::core {

bool hub_named(std::string_view hub) {
  return !hub.empty() && hub != "auto";
}

std::optional<OperatorRefusal> refuse_operator_request(Rung rung, const LadderPolicy& p, ModemMachine::State m,
                                                       const ModemStatus& st, bool usb_port_known) {
  if (rung == Rung::redial && !p.can_redial)
    return OperatorRefusal{"NOT_AVAILABLE", "redial is not available in this build"};
  if (rung == Rung::power_cycle && !p.can_power_cycle)
    return OperatorRefusal{"NOT_AVAILABLE", "cycle-usb is not available in this build"};
  if (rung == Rung::reboot) return OperatorRefusal{"NOT_AVAILABLE", "reboot is not an operator verb"};
  if (rung == Rung::power_cycle && !usb_port_known)
    return OperatorRefusal{"BAD_LOCATION", "no USB modem found to power-cycle (" + st.state +
                                               "); set [recovery] hub and hub_port to name the port"};
  using S = ModemMachine::State;
  if (rung != Rung::power_cycle &&
      (m == S::absent || m == S::mode_switching || m == S::power_cycling || m == S::resetting))
    return OperatorRefusal{"NO_MODEM", std::string("no modem to ") + (rung == Rung::redial ? "dial" : "reset") + " (" +
                                           st.state + (st.code.empty() ? "" : ", " + st.code + ": " + st.detail) + ")"};
  return std::nullopt;
}

OperatorRefusal operator_busy(const LadderStatus& ladder) {
  return {"BUSY", "a recovery attempt is running (" + ladder.state + "); try again when it has reported back"};
}

std::string operator_started(Rung rung, const ModemStatus& modem) {
  return std::string(to_string(rung)) + " started (modem: " + modem.state + ")";
}

}  // namespace fb::core
