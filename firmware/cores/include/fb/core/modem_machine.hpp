// ModemMachine: the modem supervisor. Decides what the modem adapter does
// next — scan sysfs, mode-switch, probe, switch the CD-ROM off, check the
// SIM, enter the PIN, poll registration and signal, dial, hang up, reset —
// from the results the adapters report (modem driver, pppd runner, netlink)
// and its one timer.
//
// Contract: a pure decision core — no fds, no clocks read, no sleeping;
// events + `now` in, actions out. Single-threaded. An explicit state × event
// table (modem_machine.cpp); an event it does not define for the current
// state is logged as a BUG, counted and ignored. Results that arrive after
// the machine moved on (a poll finishing after the stick vanished) are
// "stale": logged at debug level and ignored. Every transition is logged.
//
// What it decides, and what it leaves to others:
//  - the SIM policy (SimPolicy: a wrong PIN is never retried for that SIM);
//  - CD-ROM off only when the policy says so and the stick reports it on;
//  - failures that recovery can address (AT_TIMEOUT, a failed dial, the link
//    dropping, the stick vanishing) become a Failure action for the
//    RecoveryLadder, which answers with Recover events; states that retrying
//    cannot fix (wrong PIN, PUK) become NeedsUser (the ladder stops);
//  - waiting states the user or the network may end (no SIM, registration
//    denied or searching) are re-checked on a slow timer, never a loop;
//  - a HiLink stick that refuses the login (HILINK_LOGIN_REFUSED, at any
//    step) is NeedsUser, like a wrong PIN: a retry only adds failed logins;
//  - no registration on any technology the stick supports for
//    `no_service_after` (a 3G-only stick where 3G is switched off) is
//    NO_SERVICE_ON_ANY_RAT, and a denial is REG_DENIED: each says so in
//    words, is looked at again on the slow timer, and is never a Failure
//    (no reset, power cycle or reboot brings a network back).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "fb/at/error.hpp"
#include "fb/at/parse_3gpp.hpp"
#include "fb/core/recovery_ladder.hpp"
#include "fb/core/sim_policy.hpp"
#include "fb/log.hpp"
#include "fb/modem/parse_vendor.hpp"
#include "fb/modem_status.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct ModemPolicy {
  bool disable_cdrom = true;     // [modem] disable_cdrom
  bool can_mode_switch = false;  // what this build's adapters can do
  bool can_dial = false;
  Duration scan_interval = std::chrono::seconds(10);  // nothing found: look again
  Duration sim_recheck = std::chrono::seconds(30);    // no SIM / registration denied
  Duration sim_busy_retry = std::chrono::seconds(2);  // SIM still initialising
  Duration search_poll = std::chrono::seconds(5);     // waiting for registration
  // Searching this long with no service on any technology: NO_SERVICE_ON_ANY_RAT.
  Duration no_service_after = std::chrono::minutes(3);
  Duration signal_poll = std::chrono::seconds(30);  // registered: signal and registration
  Duration reset_settle = std::chrono::seconds(5);  // after a reset, before looking for the stick

  // A failed mode switch: look (and switch) again only after this.
  Duration modeswitch_retry = std::chrono::seconds(60);
};

using fb::ModemIdentity;

// What the adapter learnt from one registration/signal poll.
struct RadioFacts {
  std::optional<at::Registration> cs, ps, eps, nr;
  std::optional<at::SignalReport> signal;
  std::optional<at::Operator> network;
};

enum class RegSummary { unknown, searching, home, roaming, denied, idle };
const char* to_string(RegSummary r);
RegSummary summarize(const RadioFacts& facts);

// The status the machine keeps (fb/modem_status.hpp): one type from here to /status.
using fb::ModemStatus;

namespace modem_event {
struct Start {
  std::set<std::string> pin_tried;      // SimPolicy's record from the state dir
  std::string pin_record_problem = {};  // why that record could not be read ("" = read, or none yet)
};
struct Scanned {
  std::optional<modem::Error> error;  // NO_MODEM and why
  bool storage = false;               // still a CD-ROM: needs a mode switch
  bool no_at_port = false;            // a stick without a serial AT port (HiLink)
  std::string at_tty;
  std::string description;  // "19d2:0117 ZTE MF190 at 1-1.3"
};
struct ModeSwitched {
  std::optional<modem::Error> error;
};
struct Probed {  // init, identify and the CD-ROM query
  std::optional<modem::Error> error;
  ModemIdentity identity;
  modem::CdromState cdrom = modem::CdromState::unknown;
};
struct CdromDisabled {
  std::optional<modem::Error> error;
};
struct SimChecked {
  std::optional<modem::Error> error;  // transport failure only
  std::optional<at::SimState> sim;
  std::optional<modem::Code> sim_error;  // a CME answer to +CPIN? (SIM_MISSING…)
  std::string iccid;                     // may be read again now that the SIM is there
  bool pin_available = false;            // pin_file set and readable
  std::optional<int> pin_retries = {};   // PIN attempts left (asked only when the SIM wants its PIN)
};
struct PinRecorded {                 // PersistPinRecord's outcome
  std::optional<std::string> error;  // the record is not (durably) on disk, and why
};
struct PinEntered {
  std::optional<modem::Error> error;  // none: accepted
};
struct Polled {
  std::optional<modem::Error> error;
  RadioFacts facts;
};
struct RegistrationUrc {
  at::Registration registration;
};
struct Dialed {  // pppd reported the link up, or the dial (AT part) failed
  std::optional<modem::Error> error;
  bool at_port_busy = false;  // the stick has one port and pppd holds it: no polls while online
  // No link: the module was switched into the USB mode the net path needs
  // and reset (it re-enumerates); it is looked for again as after a reset.
  bool restarting = false;
};
struct LinkDown {                                    // pppd ended, or never came up (reason code from the runner)
  enum class Kind { requested, link, auth, local };  // fb::ppp::Disposition, as the runner classifies
  std::string code;
  std::string detail;
  Kind kind = Kind::link;
};
struct Gone {  // EOF/EIO on the tty
  modem::Error error;
};
struct ResetDone {
  std::optional<modem::Error> error;
};
struct PowerCycled {                // the USB port was switched off and on (or not)
  std::optional<std::string> code;  // a stable fault (STILL_PRESENT, REFUSED, ...) when it failed
  std::string detail;
};
struct Recover {  // the ladder's Do (redial, reset, power cycle)
  Rung rung;
};
struct TimerFired {};
}  // namespace modem_event
using ModemEvent =
    std::variant<modem_event::Start, modem_event::Scanned, modem_event::ModeSwitched, modem_event::Probed,
                 modem_event::CdromDisabled, modem_event::SimChecked, modem_event::PinRecorded, modem_event::PinEntered,
                 modem_event::Polled, modem_event::RegistrationUrc, modem_event::Dialed, modem_event::LinkDown,
                 modem_event::Gone, modem_event::ResetDone, modem_event::PowerCycled, modem_event::Recover,
                 modem_event::TimerFired>;

namespace modem_action {
struct Scan {};
struct ModeSwitch {};
struct Probe {  // open the tty (if not open), run init + identify + CD-ROM query
  std::string at_tty;
};
struct DisableCdrom {};
struct CheckSim {};
struct EnterPin {};        // read pin_file and send it; the machine never holds the PIN
struct PersistPinRecord {  // written, fsynced, renamed, directory fsynced; answered by PinRecorded
  std::set<std::string> tried;
};
struct Resume {};  // for the RecoveryLadder: what stopped it is gone (the stick was unplugged)
struct Poll {};    // registration, operator, signal
struct Dial {};
struct HangUp {};
struct ResetModem {};  // the profile's reset command
struct PowerCycle {};
struct Close {};  // close the tty
struct Failure {  // for the RecoveryLadder
  std::string code;
  std::string detail;
};
struct Healthy {};  // for the RecoveryLadder: the goal state was reached
struct NeedsUser {  // for the RecoveryLadder: stop
  std::string code;
  std::string detail;
};
struct ArmTimer {
  TimePoint deadline;
};
struct CancelTimer {};
struct Report {
  ModemStatus status;
};
}  // namespace modem_action
using ModemAction =
    std::variant<modem_action::Scan, modem_action::ModeSwitch, modem_action::Probe, modem_action::DisableCdrom,
                 modem_action::CheckSim, modem_action::EnterPin, modem_action::PersistPinRecord, modem_action::Poll,
                 modem_action::Dial, modem_action::HangUp, modem_action::ResetModem, modem_action::PowerCycle,
                 modem_action::Close, modem_action::Failure, modem_action::Healthy, modem_action::NeedsUser,
                 modem_action::Resume, modem_action::ArmTimer, modem_action::CancelTimer, modem_action::Report>;

class ModemMachine {
 public:
  enum class State {
    absent,          // no stick (yet): scanning on a timer
    mode_switching,  // a storage-mode stick is being switched
    probing,         // init, identify, CD-ROM query (and disable)
    sim,             // +CPIN? and the PIN
    searching,       // waiting for registration
    registered,      // registered; dialing is the next step when this build can dial
    dialing,
    online,
    hangup,     // pppd is being stopped (redial)
    resetting,  // the reset command is out
    power_cycling,
    recovering,  // a failure was reported: waiting for the ladder's next rung
    stopped,     // needs the user (wrong PIN, PUK, locked device)
  };

  ModemMachine(std::string name, ModemPolicy policy);

  std::vector<ModemAction> handle(const ModemEvent& event, TimePoint now);

  State state() const { return state_; }
  const ModemStatus& status() const { return status_; }
  const SimPolicy& sim_policy() const { return sim_policy_; }
  std::uint64_t undefined_transitions() const { return undefined_; }

 private:
  using Handler = State (ModemMachine::*)(const ModemEvent&);
  friend struct ModemTable;

  // cells
  State begin(const ModemEvent& e);
  State scanned(const ModemEvent& e);
  State switched(const ModemEvent& e);
  State probed(const ModemEvent& e);
  State cdrom_done(const ModemEvent& e);
  State sim_checked(const ModemEvent& e);
  State pin_recorded(const ModemEvent& e);
  State pin_done(const ModemEvent& e);
  State polled(const ModemEvent& e);
  State reg_urc(const ModemEvent& e);
  State dialed(const ModemEvent& e);
  State link_down(const ModemEvent& e);
  State gone(const ModemEvent& e);
  State reset_done(const ModemEvent& e);
  State power_cycled(const ModemEvent& e);
  State recover(const ModemEvent& e);
  State timer(const ModemEvent& e);
  State stale(const ModemEvent& e);
  State ignore(const ModemEvent& e);

  template <class A, class... Args>
  void emit(Args&&... args) {
    out_.emplace_back(std::in_place_type<A>, std::forward<Args>(args)...);
  }
  State scan();
  State check_sim();
  State poll();
  State fail(const std::string& code, const std::string& detail);
  // A failure no retry can mend (a HiLink stick refusing the login: each try
  // only counts against it) stops the ladder; any other goes to it.
  State fail(const modem::Error& error) {
    if (error.code == modem::Code::hilink_login_refused)
      return needs_user(error.code, error.detail + "; fix [modem] hilink_password_file, then restart failberryd");
    return fail(std::string(modem::code_name(error.code)), error.detail);
  }
  State needs_user(modem::Code code, const std::string& detail) {
    return needs_user(std::string(modem::code_name(code)), detail);
  }
  State needs_user(const std::string& code, const std::string& detail);
  State reached_registration();
  void arm(Duration delay);
  void cancel_timer();
  void report(const std::string& code, const std::string& detail);
  void apply_facts(const RadioFacts& facts);
  void forget_signal();                                        // the stick is gone: no signal values it measured stay
  std::string no_service_text(const RadioFacts& facts) const;  // NO_SERVICE_ON_ANY_RAT's words
  std::optional<TimePoint> searching_since_;                   // when the machine last entered `searching`

  Logger log_;
  ModemPolicy policy_;
  SimPolicy sim_policy_;
  State state_ = State::absent;
  TimePoint now_{};
  std::vector<ModemAction> out_;
  ModemStatus status_;
  bool timer_armed_ = false;
  bool poll_in_flight_ = false;
  bool expect_modem_ = false;  // a reset/power cycle/unplug: not finding it is a failure
  bool no_modem_logged_ = false;
  bool pending_redial_ = false;       // hangup: dial when the link is down
  bool at_port_busy_ = false;         // online on the only port: polls would fail
  bool awaiting_pin_record_ = false;  // PersistPinRecord is out; the PIN waits for PinRecorded
  std::string pin_iccid_;             // the SIM the PIN was sent to
  std::uint64_t undefined_ = 0;
};

const char* to_string(ModemMachine::State s);

}  // namespace fb::core
