#include "fb/health/signal_history.hpp"

#include <algorithm>

namespace fb::health {

SignalHistory::SignalHistory(Duration span, Duration spacing)
    : span_(span),
      spacing_(std::max(spacing, Duration(1))),
      capacity_(static_cast<std::size_t>(std::max<Duration::rep>(0, span.count()) / spacing_.count()) + 1) {}

void SignalHistory::add(TimePoint now, const ModemStatus& modem) {
  Reading r{now, {}, {}, modem.signal_bars};
  if (modem.rsrp_dbm) {
    r.dbm = modem.rsrp_dbm;
    r.kind = "RSRP";
  } else if (modem.signal_dbm) {
    r.dbm = modem.signal_dbm;
    r.kind = "RSSI";
  }
  push(std::move(r));
}

void SignalHistory::add_gap(TimePoint now) {
  push(Reading{now, {}, {}, {}});
}

void SignalHistory::push(Reading r) {
  TimePoint now = r.at;
  readings_.push_back(std::move(r));
  while (!readings_.empty() && (now - readings_.front().at > span_ || readings_.size() > capacity_))
    readings_.pop_front();
}

std::vector<SignalPoint> SignalHistory::points(TimePoint now) const {
  std::vector<SignalPoint> out;
  out.reserve(readings_.size());
  for (const Reading& r : readings_) {
    if (now - r.at > span_) continue;
    out.push_back({std::chrono::duration_cast<std::chrono::seconds>(now - r.at).count(), r.dbm, r.kind, r.bars});
  }
  return out;
}

}  // namespace fb::health
