#include "fb/health/uplink_health.hpp"

namespace fb::health {

const char* to_string(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::icmp: return "icmp";
    case ProbeKind::http: return "http";
    case ProbeKind::dns: return "dns";
  }
  return "?";
}

const char* to_string(UplinkState s) {
  switch (s) {
    case UplinkState::unknown: return "unknown";
    case UplinkState::up: return "up";
    case UplinkState::degraded: return "degraded";
    case UplinkState::down: return "down";
  }
  return "unknown";
}

}  // namespace fb::health
