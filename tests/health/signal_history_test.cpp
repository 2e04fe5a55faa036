// SignalHistory: the modem's signal readings for the status page's chart,
// in virtual time.
#include <doctest/doctest.h>

#include "fb/health/signal_history.hpp"

using namespace std::chrono_literals;
using fb::health::SignalHistory;

namespace {
fb::ModemStatus lte(int rsrp, int bars) {
  fb::ModemStatus m;
  m.rsrp_dbm = rsrp;
  m.signal_dbm = -60;  // RSSI is there too: RSRP wins on LTE
  m.signal_bars = bars;
  return m;
}
}  // namespace

TEST_CASE("readings: RSRP when known, else RSSI, else a gap; oldest first with their age") {
  fb::VirtualTime t;
  SignalHistory h;
  h.add(t.now(), lte(-95, 3));
  t.advance(30s);
  fb::ModemStatus umts;
  umts.signal_dbm = -81;
  umts.signal_bars = 2;
  h.add(t.now(), umts);
  t.advance(30s);
  h.add(t.now(), fb::ModemStatus{});  // the modem says nothing
  t.advance(30s);
  h.add_gap(t.now());  // no modem
  auto p = h.points(t.now());
  REQUIRE(p.size() == 4);
  CHECK(p[0].age_seconds == 90);
  CHECK(p[0].dbm == -95);
  CHECK(p[0].kind == "RSRP");
  CHECK(p[0].bars == 3);
  CHECK(p[1].age_seconds == 60);
  CHECK(p[1].dbm == -81);
  CHECK(p[1].kind == "RSSI");
  CHECK_FALSE(p[2].dbm);
  CHECK(p[2].kind.empty());
  CHECK_FALSE(p[3].dbm);
  CHECK_FALSE(p[3].bars);
  CHECK(p[3].age_seconds == 0);
}

TEST_CASE("an hour is kept, never more: old readings go, and the ring stays bounded") {
  fb::VirtualTime t;
  SignalHistory h(1h, 30s);
  for (int i = 0; i < 500; ++i) {  // over four hours
    h.add(t.now(), lte(-100 + i % 20, 2));
    t.advance(30s);
  }
  CHECK(h.size() <= 121);
  auto p = h.points(t.now());
  REQUIRE_FALSE(p.empty());
  CHECK(p.front().age_seconds <= 3600);
  CHECK(p.back().age_seconds == 30);
  // A caller that samples far too often still cannot grow it.
  for (int i = 0; i < 10000; ++i) h.add(t.now(), lte(-90, 3));
  CHECK(h.size() <= 121);
  // Readings age out even when nothing new comes.
  t.advance(2h);
  CHECK(h.points(t.now()).empty());
}
