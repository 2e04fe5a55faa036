// What the network cores' reports mean as events (fb::Event): pure, so the
// service publishes with one line where it handles a report.
//
// Contract:
//  - uplink_event(): a tracker's state change as uplink_up, uplink_down or
//    uplink_degraded (none for a change to unknown, or no change): from and
//    to the states, the tracker's reason, how long the previous state lasted
//    (when known).
//  - quality_event(): a tracker's quality verdict changed: quality_degraded
//    (reason HIGH_LATENCY or HIGH_LOSS) or quality_recovered (reason
//    QUALITY_OK); from and to "good"/"bad", how long the previous verdict
//    lasted (when known), the median RTT and the loss in the message.
//  - switch_event(): a FailoverPolicy report that changed the default route
//    (its `switches` counter grew). failover when the uplink it left was not
//    usable or was degraded for its quality (the policy counted a failover); failback when the switch ended
//    the last failover (the policy set its duration: traffic is back on a
//    better-ranked uplink); switch for the rest (the first choice, an
//    operator's override, a preferred uplink coming up). uplink and to are
//    the uplink now carrying the default, from the one before ("" at the
//    first choice), reason the policy's, duration how long `from` carried
//    the default. None when the route did not change.
//  - modem_events(): the modem supervisor's status before and after a
//    report: modem_state when its state changed (from, to; the code as the
//    reason), modem_error when a new problem code appeared (reason the code,
//    the message its detail). uplink is the modem's uplink name.
//  - rung_event(): the ladder's Do: recovery_rung (to the rung, the
//    ladder's reason), or reboot_scheduled for the reboot rung.
//  - ddns_published(): the record now holds `address` (the scheduler asked
//    to persist it: a set succeeded or the server already had it).
//  - ddns_failure(): a DdnsScheduler report whose consecutive failures grew:
//    ddns_failed with the code and its detail.
#pragma once

#include <optional>
#include <string>

#include <vector>

#include "fb/core/ddns_scheduler.hpp"
#include "fb/core/failover_policy.hpp"
#include "fb/core/recovery_ladder.hpp"
#include "fb/core/uplink_tracker.hpp"
#include "fb/event.hpp"
#include "fb/modem_status.hpp"
#include "fb/time.hpp"

namespace fb::core {

std::optional<Event> uplink_event(const std::string& uplink, const TrackerStatus& before, const TrackerStatus& after,
                                  TimePoint now);
std::optional<Event> quality_event(const std::string& uplink, const TrackerStatus& before, const TrackerStatus& after,
                                   TimePoint now);
std::optional<Event> switch_event(const PolicyStatus& before, const PolicyStatus& after, TimePoint now);
std::vector<Event> modem_events(const std::string& uplink, const ModemStatus& before, const ModemStatus& after);
Event rung_event(const std::string& uplink, const ladder_action::Do& action);
Event ddns_published(const std::string& uplink, const std::string& hostname, const IpAddress& address);
std::optional<Event> ddns_failure(const std::string& uplink, const std::string& hostname, const DdnsStatus& before,
                                  const DdnsStatus& after);

}  // namespace fb::core
