// The supervisor's part of /status, from the cores' status, in virtual time.
#include <doctest/doctest.h>

#include "fb/core/supervisor_status.hpp"

using namespace std::chrono_literals;
using fb::core::LadderPolicy;
using fb::core::LadderStatus;
using fb::core::ModemStatus;
using fb::core::Rung;

TEST_CASE("modem status: the configured device until there is a tty; the ICCID masked") {
  ModemStatus s;
  s.state = "absent";
  s.code = "NO_MODEM";
  s.detail = "not found";
  auto h = fb::core::modem_health(s, "usb:19d2:0117");
  CHECK(h.status.state == "absent");
  CHECK(h.status.device == "usb:19d2:0117");
  CHECK(h.status.code == "NO_MODEM");
  CHECK(h.status.detail == "not found");

  s.device = "/dev/ttyUSB2";
  s.identity.iccid = "89324102234690160476";
  s.signal_dbm = -79;
  s.gone = 2;
  h = fb::core::modem_health(s, "usb:19d2:0117");
  CHECK(h.status.device == "/dev/ttyUSB2");
  CHECK(h.status.identity.iccid == "893241**********0476");
  CHECK(h.status.signal_dbm == -79);
  CHECK(h.status.gone == 2);
  CHECK(h.at_probe.empty());  // the adapter's to fill
}

TEST_CASE("recovery status: the next attempt counts down in virtual time and never goes below zero") {
  fb::VirtualTime time;
  LadderStatus s;
  s.state = "backoff";
  s.next_rung = "reset_modem";
  s.next_attempt = time.now() + 20s;
  s.used[static_cast<std::size_t>(Rung::redial)] = 3;
  s.total[static_cast<std::size_t>(Rung::redial)] = 7;
  LadderPolicy p;
  auto r = fb::core::recovery_health(s, p, time.now(), "ok by sysfs-disable");
  CHECK(r.next_attempt_in_seconds == 20);
  CHECK(r.attempts.at("redial") == 7);
  CHECK(r.budget_used.at("redial") == 3);
  CHECK(r.attempts.at("reboot") == 0);
  CHECK(r.last_power_cycle == "ok by sysfs-disable");
  CHECK(r.unavailable.empty());

  time.advance(25s);
  CHECK(fb::core::recovery_health(s, p, time.now(), "").next_attempt_in_seconds == 0);
  s.next_attempt.reset();
  CHECK_FALSE(fb::core::recovery_health(s, p, time.now(), "").next_attempt_in_seconds.has_value());
}

TEST_CASE("recovery status: rungs this build cannot perform are listed") {
  LadderPolicy p;
  p.can_redial = false;
  p.can_power_cycle = false;
  auto r = fb::core::recovery_health(LadderStatus{}, p, fb::TimePoint{}, "");
  CHECK(r.unavailable == std::vector<std::string>{"redial", "power_cycle"});
}
