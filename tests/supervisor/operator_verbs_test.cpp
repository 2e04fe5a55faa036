// The control verbs' rules as a literal table: rung × machine state (and the
// build's abilities, the USB location) → the refusal code, or none.
#include <doctest/doctest.h>

#include "fb/core/operator_verbs.hpp"

using fb::core::LadderPolicy;
using fb::core::ModemStatus;
using fb::core::Rung;
using State = fb::core::ModemMachine::State;

namespace {

struct Row {
  Rung rung;
  State machine;
  bool usb_port_known;
  bool can_redial, can_power_cycle;
  const char* refused;  // "" = may go to the ladder
};

// clang-format off
const Row kRows[] = {
    // rung               machine                 usb    redial cycle  refused
    {Rung::redial,        State::registered,      true,  true,  true,  ""},
    {Rung::redial,        State::online,          false, true,  true,  ""},
    {Rung::redial,        State::stopped,         true,  true,  true,  ""},
    {Rung::redial,        State::absent,          true,  true,  true,  "NO_MODEM"},
    {Rung::redial,        State::mode_switching,  true,  true,  true,  "NO_MODEM"},
    {Rung::redial,        State::power_cycling,   true,  true,  true,  "NO_MODEM"},
    {Rung::redial,        State::resetting,       true,  true,  true,  "NO_MODEM"},
    {Rung::redial,        State::registered,      true,  false, true,  "NOT_AVAILABLE"},
    {Rung::reset_modem,   State::searching,       false, true,  true,  ""},
    {Rung::reset_modem,   State::absent,          true,  true,  true,  "NO_MODEM"},
    {Rung::reset_modem,   State::resetting,       true,  true,  true,  "NO_MODEM"},
    {Rung::reset_modem,   State::registered,      true,  false, false, ""},
    {Rung::power_cycle,   State::absent,          true,  true,  true,  ""},
    {Rung::power_cycle,   State::resetting,       true,  true,  true,  ""},
    {Rung::power_cycle,   State::online,          false, true,  true,  "BAD_LOCATION"},
    {Rung::power_cycle,   State::online,          true,  true,  false, "NOT_AVAILABLE"},
    {Rung::reboot,        State::online,          true,  true,  true,  "NOT_AVAILABLE"},
};
// clang-format on

}  // namespace

TEST_CASE("operator verbs: rung x machine state -> refused or passed to the ladder") {
  ModemStatus st;
  st.state = "some-state";
  for (const Row& row : kRows) {
    LadderPolicy p;
    p.can_redial = row.can_redial;
    p.can_power_cycle = row.can_power_cycle;
    auto r = fb::core::refuse_operator_request(row.rung, p, row.machine, st, row.usb_port_known);
    CAPTURE(fb::core::to_string(row.rung));
    CAPTURE(fb::core::to_string(row.machine));
    CHECK((r ? r->code : std::string()) == row.refused);
  }
}

TEST_CASE("operator verbs: the replies say what to do next") {
  LadderPolicy p;
  ModemStatus st;
  st.state = "absent";
  st.code = "NO_MODEM";
  st.detail = "usb:19d2:0117 not found";
  CHECK(*fb::core::refuse_operator_request(Rung::redial, p, State::absent, st, true) ==
        fb::core::OperatorRefusal{"NO_MODEM", "no modem to dial (absent, NO_MODEM: usb:19d2:0117 not found)"});
  st.code.clear();
  CHECK(fb::core::refuse_operator_request(Rung::reset_modem, p, State::absent, st, true)->message ==
        "no modem to reset (absent)");
  CHECK(fb::core::refuse_operator_request(Rung::power_cycle, p, State::absent, st, false)->message ==
        "no USB modem found to power-cycle (absent); set [recovery] hub and hub_port to name the port");
  p.can_power_cycle = false;
  CHECK(fb::core::refuse_operator_request(Rung::power_cycle, p, State::absent, st, true)->message ==
        "cycle-usb is not available in this build");

  fb::core::LadderStatus ladder;
  ladder.state = "acting";
  CHECK(
      fb::core::operator_busy(ladder) ==
      fb::core::OperatorRefusal{"BUSY", "a recovery attempt is running (acting); try again when it has reported back"});
  st.state = "registered";
  CHECK(fb::core::operator_started(Rung::reset_modem, st) == "reset_modem started (modem: registered)");
}

TEST_CASE("operator verbs: [recovery] hub names a hub unless empty or auto") {
  CHECK_FALSE(fb::core::hub_named(""));
  CHECK_FALSE(fb::core::hub_named("auto"));
  CHECK(fb::core::hub_named("1-1"));
}
