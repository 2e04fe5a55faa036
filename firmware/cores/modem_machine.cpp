#include "fb/core/modem_machine.hpp"

#include <array>

namespace fb::core {

namespace ev = modem_event;
namespace act = modem_action;
using modem::Code;
using State = ModemMachine::State;

namespace {

constexpr std::size_t kStates = 13;
constexpr std::size_t kEvents = std::variant_size_v<ModemEvent>;

// The channel could not get an answer at all (as fb::at::transport_failure,
// which lives with the Asio sequencer).
bool transport_failure(Code code) {
  return code == Code::modem_gone || code == Code::at_timeout || code == Code::at_cancelled ||
         code == Code::at_queue_full || code == Code::no_modem;
}

std::string err_text(const std::optional<modem::Error>& e) {
  return e ? std::string(modem::code_name(e->code)) : std::string("ok");
}

std::string event_text(const ModemEvent& e) {
  struct Visitor {
    std::string operator()(const ev::Start&) const { return "start"; }
    std::string operator()(const ev::Scanned& s) const {
      if (s.error) return "scanned(" + err_text(s.error) + ")";
      return "scanned(" + std::string(s.storage ? "storage " : "") + s.description + ")";
    }
    std::string operator()(const ev::ModeSwitched& m) const { return "mode_switched(" + err_text(m.error) + ")"; }
    std::string operator()(const ev::Probed& p) const { return "probed(" + err_text(p.error) + ")"; }
    std::string operator()(const ev::CdromDisabled& c) const { return "cdrom_disabled(" + err_text(c.error) + ")"; }
    std::string operator()(const ev::SimChecked& s) const {
      if (s.error) return "sim_checked(" + err_text(s.error) + ")";
      if (s.sim) return "sim_checked(" + std::string(at::to_string(*s.sim)) + ")";
      return "sim_checked(" + (s.sim_error ? std::string(modem::code_name(*s.sim_error)) : std::string("?")) + ")";
    }
    std::string operator()(const ev::PinRecorded& p) const {
      return "pin_recorded(" + std::string(p.error ? "failed" : "ok") + ")";
    }
    std::string operator()(const ev::PinEntered& p) const { return "pin_entered(" + err_text(p.error) + ")"; }
    std::string operator()(const ev::Polled& p) const {
      return "polled(" + (p.error ? err_text(p.error) : std::string(to_string(summarize(p.facts)))) + ")";
    }
    std::string operator()(const ev::RegistrationUrc& r) const {
      return "registration_urc(" + std::string(at::to_string(r.registration.state)) + ")";
    }
    std::string operator()(const ev::Dialed& d) const {
      return "dialed(" + (d.restarting ? std::string("restarting") : err_text(d.error)) + ")";
    }
    std::string operator()(const ev::LinkDown& l) const { return "link_down(" + l.code + ")"; }
    std::string operator()(const ev::Gone& g) const { return "gone(" + err_text(g.error) + ")"; }
    std::string operator()(const ev::ResetDone& r) const { return "reset_done(" + err_text(r.error) + ")"; }
    std::string operator()(const ev::PowerCycled& p) const { return "power_cycled(" + p.code.value_or("ok") + ")"; }
    std::string operator()(const ev::Recover& r) const { return std::string("recover(") + to_string(r.rung) + ")"; }
    std::string operator()(const ev::TimerFired&) const { return "timer"; }
  };
  return std::visit(Visitor{}, e);
}

}  // namespace

// The state × event table. nullptr = undefined = a caller bug; `stale` = a
// result of an operation the machine has since abandoned (logged, ignored).
struct ModemTable {
  using M = ModemMachine;
  static constexpr M::Handler U = nullptr;
  static constexpr M::Handler S = &M::stale;
  // clang-format off
  static constexpr std::array<std::array<M::Handler, kEvents>, kStates> kTable{{
      //                     Start      Scanned      ModeSwitched  Probed      CdromDisabled   SimChecked       PinRecorded       PinEntered    Polled      RegUrc       Dialed      LinkDown       Gone        ResetDone       PowerCycled       Recover      TimerFired
      /* absent */         {{&M::begin, &M::scanned, S,            S,          S,              S,               S,                S,            S,          S,           S,          S,             &M::ignore, S,              S,                &M::recover, &M::timer}},
      /* mode_switching */ {{U,         S,           &M::switched, S,          S,              S,               S,                S,            S,          S,           S,          S,             &M::ignore, S,              S,                &M::recover, S}},
      /* probing */        {{U,         S,           S,            &M::probed, &M::cdrom_done, S,               S,                S,            S,          &M::reg_urc, S,          S,             &M::gone,   S,              S,                &M::recover, S}},
      /* sim */            {{U,         S,           S,            S,          S,              &M::sim_checked, &M::pin_recorded, &M::pin_done, S,          &M::reg_urc, S,          S,             &M::gone,   S,              S,                &M::recover, &M::timer}},
      /* searching */      {{U,         S,           S,            S,          S,              S,               S,                S,            &M::polled, &M::reg_urc, S,          S,             &M::gone,   S,              S,                &M::recover, &M::timer}},
      /* registered */     {{U,         S,           S,            S,          S,              S,               S,                S,            &M::polled, &M::reg_urc, S,          S,             &M::gone,   S,              S,                &M::recover, &M::timer}},
      /* dialing */        {{U,         S,           S,            S,          S,              S,               S,                S,            &M::polled, &M::reg_urc, &M::dialed, &M::link_down, &M::gone,   S,              S,                &M::recover, S}},
      /* online */         {{U,         S,           S,            S,          S,              S,               S,                S,            &M::polled, &M::reg_urc, S,          &M::link_down, &M::gone,   S,              S,                &M::recover, &M::timer}},
      /* hangup */         {{U,         S,           S,            S,          S,              S,               S,                S,            &M::polled, &M::reg_urc, S,          &M::link_down, &M::gone,   S,              S,                &M::recover, S}},
      /* resetting */      {{U,         S,           S,            S,          S,              S,               S,                S,            S,          S,           S,          S,             &M::gone,   &M::reset_done, S,                &M::recover, S}},
      /* power_cycling */  {{U,         S,           S,            S,          S,              S,               S,                S,            S,          S,           S,          S,             &M::ignore, S,              &M::power_cycled, &M::recover, S}},
      /* recovering */     {{U,         S,           S,            S,          S,              S,               S,                S,            S,          &M::reg_urc, S,          S,             &M::gone,   S,              S,                &M::recover, S}},
      /* stopped */        {{U,         S,           S,            S,          S,              S,               S,                S,            S,          &M::reg_urc, S,          S,             &M::gone,   S,              S,                &M::recover, S}},
  }};
  // clang-format on
};

const char* to_string(State s) {
  switch (s) {
    case State::absent: return "absent";
    case State::mode_switching: return "mode_switching";
    case State::probing: return "probing";
    case State::sim: return "sim";
    case State::searching: return "searching";
    case State::registered: return "registered";
    case State::dialing: return "dialing";
    case State::online: return "online";
    case State::hangup: return "hangup";
    case State::resetting: return "resetting";
    case State::power_cycling: return "power_cycling";
    case State::recovering: return "recovering";
    case State::stopped: return "stopped";
  }
  return "?";
}

const char* to_string(RegSummary r) {
  switch (r) {
    case RegSummary::unknown: return "unknown";
    case RegSummary::searching: return "searching";
    case RegSummary::home: return "home";
    case RegSummary::roaming: return "roaming";
    case RegSummary::denied: return "denied";
    case RegSummary::idle: return "not_searching";
  }
  return "unknown";
}

RegSummary summarize(const RadioFacts& f) {
  bool any = false, denied = true, searching = false, idle = false;
  for (const auto* r : {&f.nr, &f.eps, &f.ps, &f.cs}) {  // the data domains first: roaming there is what counts
    if (!*r) continue;
    any = true;
    at::RegState s = (*r)->state;
    if (at::registered(s)) return at::roaming(s) ? RegSummary::roaming : RegSummary::home;
    if (s != at::RegState::denied) denied = false;
    if (s == at::RegState::searching) searching = true;
    if (s == at::RegState::idle) idle = true;
  }
  if (!any) return RegSummary::unknown;
  if (denied) return RegSummary::denied;
  if (searching) return RegSummary::searching;
  return idle ? RegSummary::idle : RegSummary::unknown;
}

ModemMachine::ModemMachine(std::string name, ModemPolicy policy) : log_(std::move(name)), policy_(policy) {
  status_.state = to_string(state_);
}

std::vector<ModemAction> ModemMachine::handle(const ModemEvent& event, TimePoint now) {
  now_ = now;
  out_.clear();
  Handler cell = ModemTable::kTable[static_cast<std::size_t>(state_)][event.index()];
  if (!cell) {
    ++undefined_;
    log_.error() << "BUG: undefined transition: " << to_string(state_) << " × " << event_text(event) << " (ignored)";
    return {};
  }
  State from = state_;
  ModemStatus before = status_;
  state_ = (this->*cell)(event);
  if (from != state_)
    log_.info() << to_string(from) << " --" << event_text(event) << "--> " << to_string(state_)
                << (status_.code.empty() ? "" : " [" + status_.code + "]");
  else
    log_.debug() << to_string(from) << " --" << event_text(event) << "--> " << to_string(state_);
  status_.state = to_string(state_);
  if (state_ != State::searching)
    searching_since_.reset();
  else if (from != State::searching || !searching_since_)
    searching_since_ = now_;
  if (!(before == status_)) emit<act::Report>(status_);
  return std::move(out_);
}

// ---- cells ----

State ModemMachine::begin(const ModemEvent& e) {
  const auto& start = std::get<ev::Start>(e);
  sim_policy_ = SimPolicy(start.pin_tried, start.pin_record_problem);
  if (!start.pin_record_problem.empty())
    log_.warning() << "the record of tried SIM PINs cannot be read (" << start.pin_record_problem
                   << "): no PIN is entered until it is fixed or removed";
  else if (!sim_policy_.tried().empty())
    log_.info() << sim_policy_.tried().size() << " SIM(s) on record whose PIN is not tried again";
  return scan();
}

State ModemMachine::scanned(const ModemEvent& e) {
  const auto& s = std::get<ev::Scanned>(e);
  if (s.error) {
    if (expect_modem_) {
      expect_modem_ = false;
      report(std::string(modem::code_name(Code::modem_gone)), "the modem did not come back: " + s.error->detail);
      log_.warning() << status_.code << ": " << status_.detail;
      emit<act::Failure>(status_.code, status_.detail);
    } else if (status_.code != "MODEM_GONE") {
      report(std::string(modem::code_name(s.error->code)), s.error->detail);
      if (!no_modem_logged_)
        log_.notice() << describe(*s.error) << " (looking again every " << policy_.scan_interval.count() / 1000 << "s)";
    }
    no_modem_logged_ = true;
    arm(policy_.scan_interval);
    return State::absent;
  }
  no_modem_logged_ = false;
  status_.device = s.at_tty.empty() ? s.description : s.at_tty;
  if (s.storage) {
    if (policy_.can_mode_switch) {
      emit<act::ModeSwitch>();
      return State::mode_switching;
    }
    report("MODESWITCH_FAILED", s.description +
                                    " is in storage (CD-ROM) mode and this build cannot switch it; usb_modeswitch "
                                    "can, or switch CD-ROM mode off once on another machine");
    arm(policy_.scan_interval);
    return State::absent;
  }
  if (s.no_at_port) {
    report("NO_MODEM", s.description +
                           " has no serial AT port (a HiLink/router-mode stick): set [modem] data = hilink (or "
                           "auto) and kind = cellular on its uplink, naming the stick's network interface (or "
                           "interface = auto)");
    arm(policy_.scan_interval);
    return State::absent;
  }
  expect_modem_ = false;
  ++status_.probes;
  emit<act::Probe>(s.at_tty);
  return State::probing;
}

State ModemMachine::switched(const ModemEvent& e) {
  const auto& m = std::get<ev::ModeSwitched>(e);
  if (m.error) {
    // Switching again at once would only repeat what just failed (and each
    // try holds the stick for up to its deadline): look again on the slower
    // timer; a replug or a port power cycle may have given it a fresh start.
    report(std::string(modem::code_name(m.error->code)), m.error->detail);
    log_.warning() << status_.code << ": " << status_.detail << " (trying again in "
                   << policy_.modeswitch_retry.count() / 1000 << "s)";
    arm(policy_.modeswitch_retry);
    return State::absent;
  }
  log_.notice() << "mode switch done: looking for the modem";
  return scan();
}

State ModemMachine::probed(const ModemEvent& e) {
  const auto& p = std::get<ev::Probed>(e);
  if (p.error) return fail(*p.error);
  status_.identity = p.identity;
  status_.cdrom = std::string(modem::to_string(p.cdrom));
  if (p.cdrom == modem::CdromState::on) {
    if (policy_.disable_cdrom) {
      log_.notice() << "CD-ROM mode is on: switching it off for good";
      emit<act::DisableCdrom>();
      return State::probing;
    }
    status_.cdrom_action = "left on (disable_cdrom = false)";
  }
  return check_sim();
}

State ModemMachine::cdrom_done(const ModemEvent& e) {
  const auto& c = std::get<ev::CdromDisabled>(e);
  if (c.error && transport_failure(c.error->code)) return fail(*c.error);
  if (c.error) {
    status_.cdrom_action = "CDROM_DISABLE_FAILED: " + describe(*c.error);
    log_.warning() << status_.cdrom_action << " (the modem works; it may come up as a CD-ROM after a replug)";
  } else {
    status_.cdrom = "off";
    status_.cdrom_action = "disabled";
    log_.notice() << "CD-ROM mode switched off";
  }
  return check_sim();
}

State ModemMachine::sim_checked(const ModemEvent& e) {
  const auto& s = std::get<ev::SimChecked>(e);
  if (s.error) return fail(*s.error);
  if (!s.iccid.empty()) status_.identity.iccid = s.iccid;
  std::optional<at::SimState> sim = s.sim;
  if (!sim && s.sim_error == Code::sim_missing) sim = at::SimState::missing;
  status_.sim = sim ? std::string(at::to_string(*sim)) : std::string("error");
  if (!sim) {
    Code code = s.sim_error.value_or(Code::sim_failure);
    report(std::string(modem::code_name(code)), "the SIM does not answer +CPIN?");
    arm(code == Code::sim_busy ? policy_.sim_busy_retry : policy_.sim_recheck);
    return State::sim;
  }
  switch (*sim) {
    case at::SimState::ready:
    case at::SimState::pin2_required:  // PIN2 guards phonebook files only; data works
    case at::SimState::puk2_required: report("", ""); return poll();
    case at::SimState::missing:
      report("SIM_MISSING",
             "no SIM in the stick (looking again every " + std::to_string(policy_.sim_recheck.count() / 1000) + "s)");
      arm(policy_.sim_recheck);
      return State::sim;
    case at::SimState::not_ready: arm(policy_.sim_busy_retry); return State::sim;
    case at::SimState::puk_required:
      return needs_user(Code::sim_puk_required, "the SIM is locked to its PUK; unlock it in a phone");
    case at::SimState::device_locked:
      return needs_user(Code::device_locked, "the stick is locked to another network or SIM");
    case at::SimState::pin_required: break;
  }
  const std::string& iccid = status_.identity.iccid;
  status_.pin_retries = s.pin_retries;
  std::string sim_name = iccid.empty() ? std::string("(ICCID unknown)") : mask_iccid(iccid);
  switch (sim_policy_.on_pin_required(iccid, s.pin_available, s.pin_retries)) {
    case SimPolicy::Decision::no_pin_file:
      return needs_user(Code::sim_pin_required, "the SIM needs a PIN: put it in a file named by [modem] pin_file");
    case SimPolicy::Decision::already_tried:
      return needs_user(Code::sim_pin_wrong, "a PIN was already tried once for SIM " + sim_name +
                                                 " and refused (or not confirmed); it is never tried again "
                                                 "automatically: fix pin_file, then remove the SIM from the "
                                                 "record in the state dir");
    case SimPolicy::Decision::record_unreadable:
      return needs_user("SIM_PIN_RECORD_UNREADABLE",
                        "the PIN was not sent: the record of tried PINs cannot be read (" +
                            sim_policy_.record_problem() +
                            "), so any SIM may have had its try already; fix or remove that file, then reload");
    case SimPolicy::Decision::no_iccid:
      return needs_user("SIM_PIN_NO_ICCID",
                        "the PIN was not sent: the stick does not tell the SIM's ICCID, so the try could not be "
                        "recorded for this SIM; unlock the SIM once by hand or remove its PIN in a phone");
    case SimPolicy::Decision::last_attempt:
      return needs_user("SIM_PIN_LAST_ATTEMPT",
                        "the PIN was not sent: SIM " + sim_name +
                            " has one PIN attempt left, and a wrong one would lock it to its PUK; enter the PIN "
                            "by hand once you are sure of it");
    case SimPolicy::Decision::enter_pin: break;
  }
  sim_policy_.trying(iccid);
  pin_iccid_ = iccid;
  awaiting_pin_record_ = true;
  emit<act::PersistPinRecord>(sim_policy_.tried());  // the PIN waits until this is on disk
  return State::sim;
}

State ModemMachine::pin_recorded(const ModemEvent& e) {
  const auto& r = std::get<ev::PinRecorded>(e);
  if (!awaiting_pin_record_) return state_;  // the record after an accepted PIN: nothing waits for it
  awaiting_pin_record_ = false;
  if (r.error) {
    sim_policy_.not_tried(pin_iccid_);
    return needs_user("SIM_PIN_RECORD_UNWRITABLE", "the PIN was not sent: its try must be on record first, and " +
                                                       *r.error + "; make [general] state_dir writable, then reload");
  }
  log_.notice() << "entering the PIN from pin_file for SIM " << mask_iccid(pin_iccid_) << " (once for this SIM)";
  emit<act::EnterPin>();
  return State::sim;
}

State ModemMachine::pin_done(const ModemEvent& e) {
  const auto& p = std::get<ev::PinEntered>(e);
  if (!p.error) {
    sim_policy_.accepted(pin_iccid_);
    emit<act::PersistPinRecord>(sim_policy_.tried());
    log_.notice() << "the SIM accepted the PIN";
    return check_sim();
  }
  if (transport_failure(p.error->code)) return fail(*p.error);  // the try stays on record
  if (p.error->code == Code::sim_puk_required)
    return needs_user(Code::sim_puk_required, "the SIM is locked to its PUK; unlock it in a phone");
  return needs_user(Code::sim_pin_wrong, "the SIM refused the PIN in pin_file (" + describe(*p.error) +
                                             "); it is not tried again for SIM " + mask_iccid(pin_iccid_));
}

State ModemMachine::polled(const ModemEvent& e) {
  const auto& p = std::get<ev::Polled>(e);
  poll_in_flight_ = false;
  if (p.error) {
    if (transport_failure(p.error->code) || p.error->code == Code::hilink_login_refused) return fail(*p.error);
    report(std::string(modem::code_name(p.error->code)), p.error->detail);
    arm(state_ == State::searching ? policy_.search_poll : policy_.signal_poll);
    return state_;
  }
  apply_facts(p.facts);
  RegSummary reg = summarize(p.facts);
  bool registered = reg == RegSummary::home || reg == RegSummary::roaming;
  switch (state_) {
    case State::searching:
      if (registered) return reached_registration();
      if (reg == RegSummary::denied) {
        report("REG_DENIED", "the network denied registration (looking again every " +
                                 std::to_string(policy_.sim_recheck.count() / 1000) + "s)");
        arm(policy_.sim_recheck);
      } else if (searching_since_ && now_ - *searching_since_ >= policy_.no_service_after) {
        bool first = status_.code != "NO_SERVICE_ON_ANY_RAT";
        report("NO_SERVICE_ON_ANY_RAT", no_service_text(p.facts));
        if (first) log_.warning() << status_.code << ": " << status_.detail;
        arm(policy_.sim_recheck);
      } else {
        report(status_.code == "REG_DENIED" ? "" : status_.code, status_.code == "REG_DENIED" ? "" : status_.detail);
        arm(policy_.search_poll);
      }
      return State::searching;
    case State::registered:
      if (!registered) {
        report(reg == RegSummary::denied ? "REG_DENIED" : "", "registration lost");
        arm(policy_.search_poll);
        return State::searching;
      }
      arm(policy_.signal_poll);
      return State::registered;
    case State::online:
      if (!at_port_busy_) arm(policy_.signal_poll);
      return State::online;
    default: return state_;
  }
}

State ModemMachine::reg_urc(const ModemEvent& e) {
  const auto& r = std::get<ev::RegistrationUrc>(e).registration;
  RadioFacts f;
  switch (r.domain) {
    case at::RegDomain::cs: f.cs = r; break;
    case at::RegDomain::ps: f.ps = r; break;
    case at::RegDomain::eps: f.eps = r; break;
    case at::RegDomain::nr: f.nr = r; break;
  }
  RegSummary reg = summarize(f);
  status_.registration = to_string(reg);
  bool registered = reg == RegSummary::home || reg == RegSummary::roaming;
  // A change worth a full look (operator, signal) at once, instead of at the next poll.
  if ((state_ == State::searching && registered) || (state_ == State::registered && !registered)) {
    if (!poll_in_flight_) {
      cancel_timer();
      return poll();
    }
  }
  return state_;
}

State ModemMachine::dialed(const ModemEvent& e) {
  const auto& d = std::get<ev::Dialed>(e);
  if (d.error && d.error->code == Code::net_mode_unchanged)  // another reset would only repeat it
    return needs_user(Code::net_mode_unchanged, d.error->detail);
  if (d.error && d.error->code == Code::pdp_type_unsupported)  // the same stick lists the same types after a reset
    return needs_user(Code::pdp_type_unsupported, d.error->detail);
  if (d.error) return fail(*d.error);
  if (d.restarting) {
    log_.notice() << "the modem restarts in the mode its network interface needs: looking for it again";
    emit<act::Close>();
    expect_modem_ = true;
    arm(policy_.reset_settle);
    return State::absent;
  }
  report("", "");
  at_port_busy_ = d.at_port_busy;
  emit<act::Healthy>();
  if (!at_port_busy_) arm(policy_.signal_poll);
  return State::online;
}

State ModemMachine::link_down(const ModemEvent& e) {
  const auto& l = std::get<ev::LinkDown>(e);
  using Kind = ev::LinkDown::Kind;
  at_port_busy_ = false;
  if (state_ == State::hangup && pending_redial_) {
    pending_redial_ = false;
    emit<act::Dial>();
    return State::dialing;
  }
  switch (l.kind) {
    case Kind::auth:     // the same credentials will be refused again
    case Kind::local: {  // our side (kernel, options, permissions): redialing cannot fix it
      cancel_timer();
      report(l.code, l.detail);
      log_.error() << l.code << ": " << l.detail << "; not redialing until it is fixed";
      emit<act::NeedsUser>(l.code, l.detail);
      return State::stopped;
    }
    case Kind::requested:
    case Kind::link: break;
  }
  return fail(l.code, l.detail);
}

State ModemMachine::gone(const ModemEvent& e) {
  const auto& g = std::get<ev::Gone>(e);
  cancel_timer();
  poll_in_flight_ = false;
  pending_redial_ = false;
  at_port_busy_ = false;
  emit<act::Close>();
  expect_modem_ = true;
  if (state_ == State::stopped) {
    // What stopped it (NO_KERNEL_PPP, a PUK, a locked stick) may be what the
    // user fixed with this replug: whatever comes back starts over. The SIM
    // PIN record stays: a refused PIN is still not retried for that SIM.
    log_.notice() << "the stick was unplugged while stopped by " << status_.code << ": starting over";
    emit<act::Resume>();
  }
  if (state_ == State::resetting) {  // the stick restarts: it re-enumerates
    log_.info() << "the modem restarts after the reset";
    arm(policy_.reset_settle);
    return State::absent;
  }
  ++status_.gone;
  status_.registration = "unknown";
  forget_signal();
  report("MODEM_GONE", g.error.detail.empty() ? "the tty reported EOF/EIO" : g.error.detail);
  log_.warning() << "the modem is gone (" << status_.detail << "); looking for it again";
  arm(policy_.reset_settle);
  return State::absent;
}

State ModemMachine::reset_done(const ModemEvent& e) {
  const auto& r = std::get<ev::ResetDone>(e);
  if (r.error && r.error->code != Code::modem_gone) return fail(*r.error);
  emit<act::Close>();
  expect_modem_ = true;
  arm(policy_.reset_settle);
  return State::absent;
}

State ModemMachine::power_cycled(const ModemEvent& e) {
  const auto& p = std::get<ev::PowerCycled>(e);
  if (p.code) {  // the modem's own problem stays what it was; the ladder hears of the cycle's
    cancel_timer();
    log_.warning() << "USB power cycle failed: " << *p.code << ": " << p.detail
                   << "; looking for the modem again (its port was closed for the cycle)";
    emit<act::Failure>(*p.code, p.detail);
  }
  // Either way the AT port was closed for the cycle: find and open it again,
  // or every later rung would meet a closed channel.
  expect_modem_ = true;
  return scan();
}

State ModemMachine::recover(const ModemEvent& e) {
  Rung rung = std::get<ev::Recover>(e).rung;
  switch (rung) {
    case Rung::redial:
      if (!policy_.can_dial) {
        emit<act::Failure>("NOT_AVAILABLE", "this build cannot dial");
        return state_;
      }
      if (state_ == State::online) {
        cancel_timer();
        pending_redial_ = true;
        emit<act::HangUp>();
        return State::hangup;
      }
      if (state_ == State::registered ||
          (state_ == State::recovering && (status_.registration == "home" || status_.registration == "roaming"))) {
        cancel_timer();
        emit<act::Dial>();
        return State::dialing;
      }
      emit<act::Failure>("NOT_REGISTERED", std::string("cannot dial while ") + to_string(state_));
      return state_;
    case Rung::reset_modem:
      if (state_ == State::absent || state_ == State::mode_switching || state_ == State::power_cycling ||
          state_ == State::resetting) {
        emit<act::Failure>("NO_MODEM", std::string("nothing to reset while ") + to_string(state_));
        return state_;
      }
      cancel_timer();
      poll_in_flight_ = false;
      emit<act::ResetModem>();
      return State::resetting;
    case Rung::power_cycle:
      cancel_timer();
      poll_in_flight_ = false;
      emit<act::Close>();
      emit<act::PowerCycle>();
      return State::power_cycling;
    case Rung::reboot: break;
  }
  log_.error() << "BUG: the machine was asked to " << to_string(rung);
  return state_;
}

State ModemMachine::timer(const ModemEvent&) {
  timer_armed_ = false;
  switch (state_) {
    case State::absent: return scan();
    case State::sim: return check_sim();
    case State::searching:
    case State::registered:
    case State::online: return poll_in_flight_ || at_port_busy_ ? state_ : poll();
    default: return state_;
  }
}

State ModemMachine::stale(const ModemEvent& e) {
  log_.debug() << "stale in " << to_string(state_) << ": " << event_text(e) << " (ignored)";
  return state_;
}

State ModemMachine::ignore(const ModemEvent&) {
  return state_;
}

// ---- helpers ----

State ModemMachine::scan() {
  emit<act::Scan>();
  return State::absent;
}

State ModemMachine::check_sim() {
  awaiting_pin_record_ = false;
  emit<act::CheckSim>();
  return State::sim;
}

State ModemMachine::poll() {
  poll_in_flight_ = true;
  emit<act::Poll>();
  return state_ == State::sim || state_ == State::probing ? State::searching : state_;
}

State ModemMachine::reached_registration() {
  report("", "");
  if (policy_.can_dial) {
    emit<act::Dial>();
    return State::dialing;
  }
  emit<act::Healthy>();  // the best this build reaches
  arm(policy_.signal_poll);
  return State::registered;
}

State ModemMachine::fail(const std::string& code, const std::string& detail) {
  cancel_timer();
  poll_in_flight_ = false;
  pending_redial_ = false;
  at_port_busy_ = false;
  report(code, detail);
  log_.warning() << code << (status_.detail.empty() ? "" : ": " + status_.detail) << "; asking the recovery ladder";
  emit<act::Failure>(code, status_.detail);
  return State::recovering;
}

State ModemMachine::needs_user(const std::string& code, const std::string& detail) {
  cancel_timer();
  report(code, detail);
  log_.error() << status_.code << ": " << status_.detail;
  emit<act::NeedsUser>(status_.code, status_.detail);
  return State::stopped;
}

void ModemMachine::apply_facts(const RadioFacts& f) {
  status_.registration = to_string(summarize(f));
  if (f.network) {
    status_.network = f.network->name;
    if (f.network->act) {
      at::AccessTech tech = at::access_tech_from_act(*f.network->act);
      status_.access_tech = std::string(at::to_string(tech));
      status_.rat = std::string(at::rat_name(tech));
    }
  }
  if (f.signal) {
    const at::SignalReport& s = *f.signal;
    if (status_.rat.empty()) status_.rat = std::string(at::rat_name(s.tech));  // no +COPS <AcT>: what was measured
    status_.signal_dbm = s.rssi_dbm;
    status_.rsrp_dbm = s.rsrp_dbm;
    status_.rsrq_db = s.rsrq_db;
    status_.sinr_db = s.sinr_db;
    status_.band = s.band;
    // On LTE RSSI says little (it counts the whole channel's load): bars from RSRP.
    bool lte = status_.rat == "lte" || s.tech == at::AccessTech::lte;
    status_.signal_bars = lte && s.rsrp_dbm ? std::optional<int>(at::bars_from_rsrp(*s.rsrp_dbm)) : s.bars;
  }
}

std::string ModemMachine::no_service_text(const RadioFacts& f) const {
  auto word = [](at::RegState s) -> std::string {
    if (s == at::RegState::idle) return "not registered, not searching";
    return std::string(at::to_string(s));
  };
  std::string each;
  auto add = [&](const char* what, const std::optional<at::Registration>& r) {
    if (!r) return;
    each += (each.empty() ? "" : ", ") + std::string(what) + " " + word(r->state);
  };
  add("GSM/UMTS (+CREG)", f.cs);
  add("GPRS/UMTS data (+CGREG)", f.ps);
  add("LTE (+CEREG)", f.eps);
  add("5G (+C5GREG)", f.nr);
  auto minutes = std::chrono::duration_cast<std::chrono::seconds>(policy_.no_service_after).count();
  std::string text = "no network on any technology the stick supports after " +
                     (minutes % 60 == 0 ? std::to_string(minutes / 60) + " min" : std::to_string(minutes) + " s") +
                     " of searching: " + (each.empty() ? "no registration answer" : each);
  if (!f.eps && !f.nr)
    text +=
        "; the stick has no LTE (it does not answer +CEREG): a 3G-only stick finds no network where 3G has been "
        "switched off, use an LTE stick";
  else
    text += "; no coverage for it here, or the SIM is not allowed on it";
  text += " (looking again every " + std::to_string(policy_.sim_recheck.count() / 1000) +
          "s; no reset, power cycle or reboot can change this)";
  return text;
}

void ModemMachine::forget_signal() {
  status_.signal_dbm.reset();
  status_.signal_bars.reset();
  status_.rsrp_dbm.reset();
  status_.rsrq_db.reset();
  status_.sinr_db.reset();
  status_.band.reset();
}

void ModemMachine::arm(Duration delay) {
  timer_armed_ = true;
  emit<act::ArmTimer>(now_ + delay);
}

void ModemMachine::cancel_timer() {
  if (!timer_armed_) return;
  timer_armed_ = false;
  emit<act::CancelTimer>();
}

void ModemMachine::report(const std::string& code, const std::string& detail) {
  status_.code = code;
  status_.detail = mask_long_numbers(detail);  // details quote the modem: no IMEI or ICCID in full
}

}  // namespace fb::core
