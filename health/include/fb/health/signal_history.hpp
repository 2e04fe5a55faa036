// The modem's signal over the last hour, for the status page's chart: a
// bounded ring of readings the daemon takes every `spacing` (30 s).
//
// Contract: pure; time is the caller's monotonic clock. add() records one
// reading — RSRP on LTE when the modem reports it, else the RSSI from +CSQ,
// else a gap (no reading: the modem is gone or says nothing), so the chart
// shows when the signal was unknown — and forgets readings older than
// `span`. It never holds more than span / spacing + 1 readings, whatever the
// caller does. points() gives them oldest first with their age at `now`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "fb/modem_status.hpp"
#include "fb/time.hpp"

namespace fb::health {

struct SignalPoint {
  std::int64_t age_seconds = 0;  // how long before the snapshot it was read
  std::optional<int> dbm;        // none: a gap
  std::string kind;              // "RSRP" or "RSSI"; "" for a gap
  std::optional<int> bars;       // 0..4 when known
};

class SignalHistory {
 public:
  explicit SignalHistory(Duration span = std::chrono::hours(1), Duration spacing = std::chrono::seconds(30));
  void add(TimePoint now, const ModemStatus& modem);
  // A gap: no modem at all.
  void add_gap(TimePoint now);
  std::vector<SignalPoint> points(TimePoint now) const;
  Duration spacing() const { return spacing_; }
  std::size_t size() const { return readings_.size(); }

 private:
  struct Reading {
    TimePoint at;
    std::optional<int> dbm;
    std::string kind;
    std::optional<int> bars;
  };
  void push(Reading r);
  Duration span_;
  Duration spacing_;
  std::size_t capacity_;
  std::deque<Reading> readings_;
};

}  // namespace fb::health
