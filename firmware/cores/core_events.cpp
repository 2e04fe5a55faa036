#include "fb/core/core_events.hpp"

#include <cstdio>

namespace fb::core {
namespace {

std::string seconds(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

std::optional<Event> uplink_event(const std::string& uplink, const TrackerStatus& before, const TrackerStatus& after,
                                  TimePoint now) {
  if (after.state == before.state) return std::nullopt;
  Event e;
  switch (after.state) {
    case UplinkHealth::up: e.kind = EventKind::uplink_up; break;
    case UplinkHealth::down: e.kind = EventKind::uplink_down; break;
    case UplinkHealth::degraded: e.kind = EventKind::uplink_degraded; break;
    case UplinkHealth::unknown: return std::nullopt;
  }
  e.uplink = uplink;
  e.from = health::to_string(before.state);
  e.to = health::to_string(after.state);
  e.reason = after.reason;
  if (before.since) e.duration = std::chrono::duration_cast<Duration>(now - *before.since);
  e.message = "uplink " + uplink + " is " + e.to + (e.reason.empty() ? "" : " (" + e.reason + ")") + ", was " + e.from;
  return e;
}

std::optional<Event> quality_event(const std::string& uplink, const TrackerStatus& before, const TrackerStatus& after,
                                   TimePoint now) {
  if (after.quality_bad == before.quality_bad) return std::nullopt;
  Event e;
  e.kind = after.quality_bad ? EventKind::quality_degraded : EventKind::quality_recovered;
  e.uplink = uplink;
  e.from = before.quality_bad ? "bad" : "good";
  e.to = after.quality_bad ? "bad" : "good";
  e.reason = after.quality_bad ? after.quality_reason : "QUALITY_OK";
  if (before.quality_since) e.duration = std::chrono::duration_cast<Duration>(now - *before.quality_since);
  std::string rtt = after.rtt ? std::to_string(after.rtt->count() / 1000) + " ms" : std::string("unknown");
  char loss[32];
  std::snprintf(loss, sizeof loss, "%.0f%%", after.loss_percent.value_or(0.0));
  e.message = "uplink " + uplink + " link quality " + (after.quality_bad ? "bad (" + e.reason + ")" : "good again") +
              ": median RTT " + rtt + ", loss " + loss + " over " + std::to_string(after.window_rounds) + " rounds";
  return e;
}

std::optional<Event> switch_event(const PolicyStatus& before, const PolicyStatus& after, TimePoint now) {
  if (after.switches == before.switches || !after.last_switch) return std::nullopt;
  const FailoverRecord& r = *after.last_switch;
  Event e;
  e.uplink = r.to;
  e.from = r.from;
  e.to = r.to;
  e.reason = r.reason;
  if (before.last_switch) e.duration = std::chrono::duration_cast<Duration>(now - before.last_switch->at);
  bool ended_failover =
      after.last_failover && after.last_failover->duration &&
      !(before.last_failover && before.last_failover->duration && before.last_failover->at == after.last_failover->at);
  if (after.failovers > before.failovers) {
    e.kind = EventKind::failover;
    e.message = "failover: default route " + r.from + " -> " + r.to + " (" + r.reason + ")";
  } else if (ended_failover) {
    e.kind = EventKind::failback;
    e.message = "failback: default route " + r.from + " -> " + r.to + " after " +
                seconds(*after.last_failover->duration) + " on the backup";
  } else {
    e.kind = EventKind::route_switch;
    e.message = "default route " + (r.from.empty() ? "via " : r.from + " -> ") + r.to + " (" + r.reason + ")";
  }
  return e;
}

std::vector<Event> modem_events(const std::string& uplink, const ModemStatus& before, const ModemStatus& after) {
  std::vector<Event> out;
  if (after.state != before.state) {
    Event e;
    e.kind = EventKind::modem_state;
    e.uplink = uplink;
    e.from = before.state;
    e.to = after.state;
    e.reason = after.code;
    e.message = "modem " + (before.state.empty() ? "" : before.state + " -> ") + after.state;
    out.push_back(std::move(e));
  }
  if (!after.code.empty() && after.code != before.code) {
    Event e;
    e.kind = EventKind::modem_error;
    e.uplink = uplink;
    e.from = before.code;
    e.to = after.code;
    e.reason = after.code;
    e.message = "modem: " + after.code + (after.detail.empty() ? "" : ": " + after.detail);
    out.push_back(std::move(e));
  }
  return out;
}

Event rung_event(const std::string& uplink, const ladder_action::Do& action) {
  Event e;
  e.kind = action.rung == Rung::reboot ? EventKind::reboot_scheduled : EventKind::recovery_rung;
  e.uplink = uplink;
  e.to = to_string(action.rung);
  e.reason = action.reason;
  e.message = std::string(action.rung == Rung::reboot ? "rebooting the host"
                                                      : std::string("recovery: ") + to_string(action.rung)) +
              (action.by_operator ? " (asked by the operator)" : "") +
              (action.reason.empty() ? "" : ": " + action.reason);
  return e;
}

Event ddns_published(const std::string& uplink, const std::string& hostname, const IpAddress& address) {
  Event e;
  e.kind = EventKind::ddns_published;
  e.uplink = uplink;
  e.address = address.text();
  e.message = hostname + " now points at " + e.address;
  return e;
}

std::optional<Event> ddns_failure(const std::string& uplink, const std::string& hostname, const DdnsStatus& before,
                                  const DdnsStatus& after) {
  if (after.failures <= before.failures) return std::nullopt;
  Event e;
  e.kind = EventKind::ddns_failed;
  e.uplink = uplink;
  e.reason = after.code;
  e.to = after.state;
  e.message = "DDNS update of " + hostname + " failed (" + std::to_string(after.failures) + " in a row)" +
              (after.detail.empty() ? "" : ": " + after.detail);
  return e;
}

}  // namespace fb::core
