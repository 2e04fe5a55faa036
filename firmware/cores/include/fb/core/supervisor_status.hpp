// What /status, /metrics and failberryctl show of the modem supervisor: the
// cores' own status in the health vocabulary. The modem's part carries the
// machine's ModemStatus as it is (the ICCID masked); ModemService adds what
// only the adapters know (the AT port probe, the mode switch, pppd's link).
//
// Contract: pure (no I/O, no clock read: `now` is passed in).
#pragma once

#include <string>

#include "fb/core/modem_machine.hpp"
#include "fb/core/recovery_ladder.hpp"
#include "fb/health/handler.hpp"
#include "fb/time.hpp"

namespace fb::core {

// `configured_device`: [modem] device, shown while the machine has no tty.
// The ICCID is masked.
health::ModemReport modem_health(const ModemStatus& status, const std::string& configured_device);

// `last_power_cycle`: what the adapter's last USB power cycle did.
health::RecoveryStatus recovery_health(const LadderStatus& status, const LadderPolicy& policy, TimePoint now,
                                       const std::string& last_power_cycle);

}  // namespace fb::core
