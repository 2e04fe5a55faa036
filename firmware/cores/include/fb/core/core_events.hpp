// What the network cores' reports mean as events (fb::Event): pure, so the
// service publishes with one line where it handles a report.
//
// Contract:
//  - uplink_event(): a tracker's state change as uplink_up, uplink_down or
//    uplink_degraded (none for a change to unknown, or no change): from and
//    to the states, the tracker's reason, how long the previous state lasted
//    (when known).
//  - switch_event(): a FailoverPolicy report that changed the default route
//    (its `switches` counter grew). failover when the uplink it left was not
//    usable (the policy counted a failover); failback when the switch ended
//    the last failover (the policy set its duration: traffic is back on a
//    better-ranked uplink); switch for the rest (the first choice, an
//    operator's override, a preferred uplink coming up). uplink and to are
//    the uplink now carrying the default, from the one before ("" at the
//    first choice), reason the policy's, duration how long `from` carried
//    the default. None when the route did not change.
#pragma once

#include <optional>
#include <string>

#include "fb/core/failover_policy.hpp"
#include "fb/core/uplink_tracker.hpp"
#include "fb/event.hpp"
#include "fb/time.hpp"

namespace fb::core {

std::optional<Event> uplink_event(const std::string& uplink, const TrackerStatus& before, const TrackerStatus& after,
                                  TimePoint now);
std::optional<Event> switch_event(const PolicyStatus& before, const PolicyStatus& after, TimePoint now);

}  // namespace fb::core
