#include "fb/core/supervisor_status.hpp"

#include <algorithm>

#include "fb/core/sim_policy.hpp"

namespace fb::core {

health::ModemReport modem_health(const ModemStatus& s, const std::string& configured_device) {
  health::ModemReport h;
  h.status = s;
  if (s.device.empty()) h.status.device = configured_device;
  h.status.identity.iccid = mask_iccid(s.identity.iccid);
  return h;
}

health::RecoveryStatus recovery_health(const LadderStatus& s, const LadderPolicy& p, TimePoint now,
                                       const std::string& last_power_cycle) {
  health::RecoveryStatus r;
  r.state = s.state;
  r.next_rung = s.next_rung;
  if (s.next_attempt)
    r.next_attempt_in_seconds =
        std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(*s.next_attempt - now).count());
  for (Rung rung : {Rung::redial, Rung::reset_modem, Rung::power_cycle, Rung::reboot}) {
    r.attempts[to_string(rung)] = s.total[static_cast<std::size_t>(rung)];
    r.budget_used[to_string(rung)] = s.used[static_cast<std::size_t>(rung)];
  }
  r.failures = s.failures;
  r.ladder_resets = s.ladder_resets;
  r.last_failure = s.last_failure;
  r.stopped_by = s.stopped_by;
  r.reboots_last_day = s.reboots_last_day;
  r.last_reboot_reason = s.last_reboot_reason;
  r.last_reboot_unix = s.last_reboot_unix;
  if (!p.can_redial) r.unavailable.emplace_back("redial");
  r.last_power_cycle = last_power_cycle;
  if (!p.can_power_cycle) r.unavailable.emplace_back("power_cycle");
  return r;
}

}  // namespace fb::core
