// ModemMachine in virtual time. The harness plays the modem adapter: it
// records every action and answers the ones a test scripts; the machine's
// one timer runs on VirtualTime. The machine and the RecoveryLadder
// together are tested as the daemon wires them, in ModemService itself
// (tests/services/modem_service_test.cpp, tests/modem/daemon_modem_test.cpp).
#include <doctest/doctest.h>

#include <deque>

#include "fb/core/modem_machine.hpp"

using namespace std::chrono_literals;
using fb::core::ModemMachine;
using fb::core::ModemPolicy;
using fb::core::Rung;
using fb::modem::Code;
using fb::modem::Error;
namespace ev = fb::core::modem_event;
namespace act = fb::core::modem_action;
using State = ModemMachine::State;

namespace {

const std::string kIccid = "89324102234690160476";

fb::core::ModemIdentity identity() {
  return {"ZTE INCORPORATED", "MF190", "BD_MF190V1.0.0B05", "354638012345671", kIccid};
}

fb::core::RadioFacts radio(fb::at::RegState state, int rssi = 17) {
  fb::core::RadioFacts f;
  fb::at::Registration r;
  r.domain = fb::at::RegDomain::ps;
  r.state = state;
  f.ps = r;
  fb::at::SignalReport s;
  s.rssi = rssi;
  s.rssi_dbm = -113 + 2 * rssi;
  s.bars = fb::at::bars_from_rssi(rssi);
  f.signal = s;
  if (fb::at::registered(state)) f.network = fb::at::Operator{0, 0, "failberry sim", 2};
  return f;
}

ev::SimChecked sim(fb::at::SimState state, bool pin_available = true, std::string iccid = kIccid) {
  ev::SimChecked s;
  s.sim = state;
  s.iccid = std::move(iccid);
  s.pin_available = pin_available;
  return s;
}

struct Harness {
  explicit Harness(ModemPolicy policy = {}, std::set<std::string> record = {})
      : machine("modem[ttyUSB2]", policy), record(std::move(record)) {
    fb::logging::set_capture([this](fb::Level, std::string_view line) { lines.emplace_back(line); });
    fb::logging::set_threshold(fb::Level::debug);
  }
  ~Harness() {
    fb::logging::set_capture(nullptr);
    fb::logging::set_threshold(fb::Level::info);
  }
  void start() { feed(ev::Start{record, record_problem}); }
  // As the service: events the actions produce are handled after all of them.
  void feed(const fb::core::ModemEvent& e) {
    for (const auto& a : machine.handle(e, time.now())) apply(a);
    while (!pending.empty()) {
      auto next = pending.front();
      pending.pop_front();
      feed(next);
    }
  }
  void apply(const fb::core::ModemAction& a) {
    if (auto* t = std::get_if<act::ArmTimer>(&a)) {
      if (timer) time.cancel(timer);
      timer = time.arm(t->deadline, [this] {
        timer = 0;
        feed(ev::TimerFired{});
      });
      return;
    }
    if (std::holds_alternative<act::CancelTimer>(a)) {
      if (timer) time.cancel(timer);
      timer = 0;
      return;
    }
    if (auto* r = std::get_if<act::Report>(&a)) {
      reports.push_back(r->status);
      return;
    }
    if (auto* p = std::get_if<act::PersistPinRecord>(&a)) {
      if (!record_write_error) record = p->tried;
      pending.push_back(ev::PinRecorded{record_write_error});
    }
    if (auto* f = std::get_if<act::Failure>(&a)) failures.push_back(f->code);
    if (auto* n = std::get_if<act::NeedsUser>(&a)) stops.push_back(n->code);
    actions.push_back(name(a));
    if (on_action) on_action(a);
  }
  static std::string name(const fb::core::ModemAction& a) {
    static const char* names[] = {"Scan",       "ModeSwitch",       "Probe",    "DisableCdrom", "CheckSim",
                                  "EnterPin",   "PersistPinRecord", "Poll",     "Dial",         "HangUp",
                                  "ResetModem", "PowerCycle",       "Close",    "Failure",      "Healthy",
                                  "NeedsUser",  "Resume",           "ArmTimer", "CancelTimer",  "Report"};
    return names[a.index()];
  }
  std::size_t count(const std::string& n) const {
    return static_cast<std::size_t>(std::count(actions.begin(), actions.end(), n));
  }
  bool log_has(const std::string& needle) const {
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
  // Start → found → probed (CD-ROM `cdrom`) → ... up to the SIM check.
  void to_sim(fb::modem::CdromState cdrom = fb::modem::CdromState::off) {
    start();
    REQUIRE(actions.back() == "Scan");
    feed(ev::Scanned{std::nullopt, false, false, "/dev/ttyUSB2", "19d2:0117 MF190 at 1-1.3"});
    REQUIRE(actions.back() == "Probe");
    feed(ev::Probed{std::nullopt, identity(), cdrom});
  }

  fb::VirtualTime time;
  ModemMachine machine;
  std::set<std::string> record;
  std::string record_problem;                     // the record at start could not be read
  std::optional<std::string> record_write_error;  // PersistPinRecord fails with this
  std::deque<fb::core::ModemEvent> pending;
  fb::TimerId timer = 0;
  std::vector<std::string> actions, lines, failures, stops;
  std::vector<fb::core::ModemStatus> reports;
  std::function<void(const fb::core::ModemAction&)> on_action;
};

}  // namespace

TEST_CASE("cold start: found, probed, SIM ready, registered; status has what /status shows") {
  Harness h;
  h.to_sim();
  CHECK(h.actions.back() == "CheckSim");
  CHECK(h.count("DisableCdrom") == 0);  // the stick says CD-ROM is off: nothing to do
  h.feed(sim(fb::at::SimState::ready));
  CHECK(h.actions.back() == "Poll");
  CHECK(h.machine.state() == State::searching);
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::searching)});
  CHECK(h.machine.state() == State::searching);
  h.time.advance(5s);
  CHECK(h.actions.back() == "Poll");
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home, 17)});
  CHECK(h.machine.state() == State::registered);  // this policy cannot dial: registered is the goal
  CHECK(h.count("Healthy") == 1);
  const auto& s = h.machine.status();
  CHECK(s.state == "registered");
  CHECK(s.device == "/dev/ttyUSB2");
  CHECK(s.identity.model == "MF190");
  CHECK(s.identity.imei == "354638012345671");
  CHECK(s.identity.iccid == kIccid);
  CHECK(s.sim == "ready");
  CHECK(s.registration == "home");
  CHECK(s.network == "failberry sim");
  CHECK(s.access_tech == "umts");
  CHECK(s.signal_dbm == -79);
  CHECK(s.signal_bars == 3);
  CHECK(s.cdrom == "off");
  CHECK(s.code.empty());
  CHECK(h.reports.back() == s);
  // Registered: signal polled every 30 s, nothing faster.
  auto polls = h.count("Poll");
  h.time.advance(29s);
  CHECK(h.count("Poll") == polls);
  h.time.advance(1s);
  CHECK(h.count("Poll") == polls + 1);
  CHECK(h.machine.undefined_transitions() == 0);
}

TEST_CASE("CD-ROM off only when disable_cdrom = true and the stick says it is on") {
  SUBCASE("on and allowed: disabled, the result kept") {
    Harness h;
    h.to_sim(fb::modem::CdromState::on);
    CHECK(h.actions.back() == "DisableCdrom");
    h.feed(ev::CdromDisabled{});
    CHECK(h.actions.back() == "CheckSim");
    CHECK(h.machine.status().cdrom == "off");
    CHECK(h.machine.status().cdrom_action == "disabled");
  }
  SUBCASE("off: left alone") {
    Harness h;
    h.to_sim(fb::modem::CdromState::off);
    CHECK(h.count("DisableCdrom") == 0);
    CHECK(h.machine.status().cdrom_action.empty());
  }
  SUBCASE("unknown (no query for this stick): left alone") {
    Harness h;
    h.to_sim(fb::modem::CdromState::unknown);
    CHECK(h.count("DisableCdrom") == 0);
  }
  SUBCASE("on but disable_cdrom = false: left on, and status says why") {
    ModemPolicy p;
    p.disable_cdrom = false;
    Harness h(p);
    h.to_sim(fb::modem::CdromState::on);
    CHECK(h.count("DisableCdrom") == 0);
    CHECK(h.machine.status().cdrom == "on");
    CHECK(h.machine.status().cdrom_action == "left on (disable_cdrom = false)");
  }
  SUBCASE("the stick refuses: reported, the modem is used anyway") {
    Harness h;
    h.to_sim(fb::modem::CdromState::on);
    h.feed(ev::CdromDisabled{Error{Code::at_error, "AT+ZCDRUN=8"}});
    CHECK(h.actions.back() == "CheckSim");
    CHECK(h.machine.status().cdrom_action.rfind("CDROM_DISABLE_FAILED: AT_ERROR", 0) == 0);
  }
}

TEST_CASE("PIN: persisted before it is sent; a wrong PIN stops and is never retried for that SIM") {
  Harness h;
  std::set<std::string> record_when_sent;
  h.on_action = [&](const fb::core::ModemAction& a) {
    if (std::holds_alternative<act::EnterPin>(a)) record_when_sent = h.record;
  };
  h.to_sim();
  h.feed(sim(fb::at::SimState::pin_required));
  REQUIRE(h.count("EnterPin") == 1);
  CHECK(record_when_sent == std::set<std::string>{kIccid});  // on record before the PIN went out
  h.feed(ev::PinEntered{Error{Code::sim_pin_wrong, "+CME ERROR: 16"}});
  CHECK(h.machine.state() == State::stopped);
  CHECK(h.machine.status().code == "SIM_PIN_WRONG");
  CHECK(h.stops == std::vector<std::string>{"SIM_PIN_WRONG"});
  CHECK(h.record == std::set<std::string>{kIccid});
  h.time.advance(24h);
  CHECK(h.count("EnterPin") == 1);
  CHECK(h.count("CheckSim") == 1);  // stopped means stopped: no polling of the SIM either

  // The stick is replugged (or reset): the same SIM asks again. Not again.
  h.feed(ev::Gone{Error{Code::modem_gone, "EOF"}});
  h.time.advance(5s);
  h.feed(ev::Scanned{std::nullopt, false, false, "/dev/ttyUSB2", "replugged"});
  h.feed(ev::Probed{std::nullopt, identity(), fb::modem::CdromState::off});
  h.feed(sim(fb::at::SimState::pin_required));
  CHECK(h.count("EnterPin") == 1);
  CHECK(h.machine.status().code == "SIM_PIN_WRONG");
  CHECK(h.machine.status().detail.find("never tried again") != std::string::npos);
}

TEST_CASE("PIN record across a restart: a SIM on record is not tried; another SIM is, once") {
  Harness h(ModemPolicy{}, {kIccid});  // the record a previous run left in the state dir
  h.to_sim();
  h.feed(sim(fb::at::SimState::pin_required));
  CHECK(h.count("EnterPin") == 0);
  CHECK(h.machine.status().code == "SIM_PIN_WRONG");
  CHECK(h.log_has("1 SIM(s) on record whose PIN is not tried again"));

  Harness other(ModemPolicy{}, {kIccid});
  other.to_sim();
  other.feed(sim(fb::at::SimState::pin_required, true, "8944200053671052499"));
  CHECK(other.count("EnterPin") == 1);
  CHECK(other.record == std::set<std::string>{kIccid, "8944200053671052499"});
}

TEST_CASE("PIN: the record cannot be written -> the PIN is not sent; SIM_PIN_RECORD_UNWRITABLE, and wait") {
  Harness h;
  h.record_write_error = "/var/lib/failberry/sim-pin.json.tmp: Read-only file system";
  h.to_sim();
  h.feed(sim(fb::at::SimState::pin_required));
  CHECK(h.count("PersistPinRecord") == 1);
  CHECK(h.count("EnterPin") == 0);
  CHECK(h.machine.state() == State::stopped);
  CHECK(h.machine.status().code == "SIM_PIN_RECORD_UNWRITABLE");
  CHECK(h.machine.status().detail.find("Read-only file system") != std::string::npos);
  CHECK(h.stops == std::vector<std::string>{"SIM_PIN_RECORD_UNWRITABLE"});
  CHECK(h.machine.sim_policy().tried().empty());  // not sent, so not a try
  h.time.advance(24h);
  CHECK(h.count("EnterPin") == 0);
}

TEST_CASE("PIN: a record that cannot be read counts as a try for every SIM") {
  Harness h;
  h.record_problem = "/var/lib/failberry/sim-pin.json: not a record of tried PINs";
  h.to_sim();
  CHECK(h.log_has("the record of tried SIM PINs cannot be read"));
  h.feed(sim(fb::at::SimState::pin_required));
  CHECK(h.count("PersistPinRecord") == 0);
  CHECK(h.count("EnterPin") == 0);
  CHECK(h.machine.status().code == "SIM_PIN_RECORD_UNREADABLE");
  CHECK(h.machine.status().detail.find("sim-pin.json") != std::string::npos);
  // Without a pin_file the user is told what the SIM needs first.
  Harness n;
  n.record_problem = "unreadable";
  n.to_sim();
  n.feed(sim(fb::at::SimState::pin_required, false));
  CHECK(n.machine.status().code == "SIM_PIN_REQUIRED");
}

TEST_CASE("PIN: no ICCID, no PIN (a try could not be put on record for this SIM)") {
  Harness h;
  h.start();
  h.feed(ev::Scanned{std::nullopt, false, false, "/dev/ttyUSB2", "12d1:1001 E173 at 1-1.3"});
  auto id = identity();
  id.iccid.clear();  // no ICCID command answered while identifying either
  h.feed(ev::Probed{std::nullopt, id, fb::modem::CdromState::off});
  h.feed(sim(fb::at::SimState::pin_required, true, ""));
  CHECK(h.count("PersistPinRecord") == 0);
  CHECK(h.count("EnterPin") == 0);
  CHECK(h.machine.status().code == "SIM_PIN_NO_ICCID");
  CHECK(h.record.empty());
}

TEST_CASE("PIN: one attempt left is never used; the count is in the status") {
  for (int left : {3, 2, 1, 0}) {
    CAPTURE(left);
    Harness h;
    h.to_sim();
    auto s = sim(fb::at::SimState::pin_required);
    s.pin_retries = left;
    h.feed(s);
    CHECK(h.machine.status().pin_retries == left);
    CHECK(h.count("EnterPin") == (left >= 2 ? 1u : 0u));
    if (left < 2) CHECK(h.machine.status().code == "SIM_PIN_LAST_ATTEMPT");
  }
  Harness unknown;  // a stick that does not tell: the once-per-SIM rule alone
  unknown.to_sim();
  unknown.feed(sim(fb::at::SimState::pin_required));
  CHECK(unknown.count("EnterPin") == 1);
  CHECK_FALSE(unknown.machine.status().pin_retries.has_value());
}

TEST_CASE("stopped, then unplugged: the ladder is told to resume; the PIN record stays") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::pin_required));
  h.feed(ev::PinEntered{Error{Code::sim_pin_wrong, "+CME ERROR: 16"}});
  REQUIRE(h.machine.state() == State::stopped);
  CHECK(h.count("Resume") == 0);
  h.feed(ev::Gone{Error{Code::modem_gone, "EOF"}});
  CHECK(h.count("Resume") == 1);
  CHECK(h.machine.state() == State::absent);
  CHECK(h.record == std::set<std::string>{kIccid});
}

TEST_CASE("error details never carry an IMEI or ICCID in full") {
  Harness h;
  h.start();
  h.feed(ev::Scanned{std::nullopt, false, false, "/dev/ttyUSB2", "19d2:0117 MF190 at 1-1.3"});
  h.feed(ev::Probed{Error{Code::at_bad_response, "unexpected answer 'IMEI: 354638012345671 ICCID 8944200053671052499'"},
                    identity(), fb::modem::CdromState::off});
  const std::string& d = h.machine.status().detail;
  CHECK(d.find("354638012345671") == std::string::npos);
  CHECK(d.find("8944200053671052499") == std::string::npos);
  CHECK(d.find("354638*****5671") != std::string::npos);
  for (const auto& l : h.lines) CHECK(l.find("8944200053671052499") == std::string::npos);
}

TEST_CASE("PIN accepted: the SIM comes off the record, the machine goes on") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::pin_required));
  h.feed(ev::PinEntered{});
  CHECK(h.record.empty());
  CHECK(h.actions.back() == "CheckSim");
  h.feed(sim(fb::at::SimState::ready));
  CHECK(h.machine.state() == State::searching);
}

TEST_CASE("no pin_file: SIM_PIN_REQUIRED, nothing sent; PUK: SIM_PUK_REQUIRED") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::pin_required, false));
  CHECK(h.count("EnterPin") == 0);
  CHECK(h.machine.status().code == "SIM_PIN_REQUIRED");
  CHECK(h.machine.state() == State::stopped);

  Harness p;
  p.to_sim();
  p.feed(sim(fb::at::SimState::puk_required));
  CHECK(p.count("EnterPin") == 0);
  CHECK(p.machine.status().code == "SIM_PUK_REQUIRED");
}

TEST_CASE("no SIM: SIM_MISSING, looked at again every 30 s, not in a loop; a SIM put in is picked up") {
  Harness h;
  h.to_sim();
  ev::SimChecked missing;
  missing.sim_error = Code::sim_missing;
  h.on_action = [&](const fb::core::ModemAction& a) {
    if (std::holds_alternative<act::CheckSim>(a) && h.time.now() < fb::TimePoint{} + 10min) h.feed(missing);
  };
  h.feed(missing);
  CHECK(h.machine.status().code == "SIM_MISSING");
  CHECK(h.machine.status().sim == "missing");
  h.time.advance(10min);
  CHECK(h.count("CheckSim") == 1 + 20);
  CHECK(h.failures.empty());  // the ladder cannot put a SIM in
  h.on_action = nullptr;
  h.feed(sim(fb::at::SimState::ready));
  CHECK(h.machine.state() == State::searching);
  CHECK(h.machine.status().code.empty());
}

TEST_CASE("registration denied: REG_DENIED, polled every 30 s; cleared once registered") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::denied)});
  CHECK(h.machine.status().code == "REG_DENIED");
  CHECK(h.machine.status().registration == "denied");
  auto polls = h.count("Poll");
  h.time.advance(29s);
  CHECK(h.count("Poll") == polls);
  h.time.advance(1s);
  CHECK(h.count("Poll") == polls + 1);
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::roaming)});
  CHECK(h.machine.state() == State::registered);
  CHECK(h.machine.status().code.empty());
  CHECK(h.machine.status().registration == "roaming");
}

TEST_CASE("an LTE poll: rat from +COPS <AcT>, RSRP/RSRQ/SINR/band in the status, bars from RSRP") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  auto f = radio(fb::at::RegState::home);  // +CSQ 17: 3 bars from RSSI
  fb::at::Registration eps;
  eps.domain = fb::at::RegDomain::eps;
  eps.state = fb::at::RegState::home;
  f.eps = eps;
  f.network->act = 7u;
  f.signal->tech = fb::at::AccessTech::lte;
  f.signal->rsrp_dbm = -97;
  f.signal->rsrq_db = -8.5;
  f.signal->sinr_db = 13.4;
  f.signal->band = 20;
  h.feed(ev::Polled{std::nullopt, f});
  const auto& st = h.machine.status();
  CHECK(st.registration == "home");
  CHECK(st.access_tech == "lte");
  CHECK(st.rat == "lte");
  CHECK(st.rsrp_dbm == -97);
  CHECK(st.rsrq_db == -8.5);
  CHECK(st.sinr_db == 13.4);
  CHECK(st.band == 20);
  CHECK(st.signal_dbm == -79);
  CHECK(st.signal_bars == 4);  // -97 dBm RSRP is at least -98: 4 bars, though the RSSI alone says 3

  // On 3G the bars stay +CSQ's, and no LTE value lingers.
  auto g = radio(fb::at::RegState::home, 9);
  h.time.advance(30s);
  h.feed(ev::Polled{std::nullopt, g});
  CHECK(h.machine.status().rat == "umts");
  CHECK(h.machine.status().signal_bars == 1);
  CHECK_FALSE(h.machine.status().rsrp_dbm);
  CHECK_FALSE(h.machine.status().band);
}

// A 3G-only stick where 3G is switched off: +CREG/+CGREG searching, no +CEREG at all.
fb::core::RadioFacts no_lte_in_reach() {
  fb::core::RadioFacts f = radio(fb::at::RegState::searching);
  fb::at::Registration cs;
  cs.domain = fb::at::RegDomain::cs;
  cs.state = fb::at::RegState::idle;
  f.cs = cs;
  return f;
}

TEST_CASE("no service on any technology for 3 min: NO_SERVICE_ON_ANY_RAT in words, never the ladder") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));  // -> searching, first poll out
  h.on_action = [&](const fb::core::ModemAction& a) {
    if (std::holds_alternative<act::Poll>(a)) h.feed(ev::Polled{std::nullopt, no_lte_in_reach()});
  };
  h.feed(ev::Polled{std::nullopt, no_lte_in_reach()});
  CHECK(h.machine.state() == State::searching);
  CHECK(h.machine.status().code.empty());
  h.time.advance(2min + 55s);  // polled every 5 s until then: still only searching
  CHECK(h.machine.status().code.empty());
  CHECK(h.machine.status().registration == "searching");
  h.time.advance(5s);
  CHECK(h.machine.state() == State::searching);
  CHECK(h.machine.status().code == "NO_SERVICE_ON_ANY_RAT");
  const std::string& why = h.machine.status().detail;
  CHECK(why.find("no network on any technology the stick supports after 3 min of searching") != std::string::npos);
  CHECK(why.find("GSM/UMTS (+CREG) not registered, not searching, GPRS/UMTS data (+CGREG) searching") !=
        std::string::npos);
  CHECK(why.find("the stick has no LTE (it does not answer +CEREG): a 3G-only stick finds no network where 3G has "
                 "been switched off") != std::string::npos);
  CHECK(why.find("no reset, power cycle or reboot can change this") != std::string::npos);
  CHECK(h.log_has("NO_SERVICE_ON_ANY_RAT: no network on any technology"));

  // From now on looked at every 30 s, for as long as it takes, and never a step up the ladder.
  auto polls = h.count("Poll");
  h.time.advance(1h);
  CHECK(h.count("Poll") == polls + 120);
  CHECK(h.failures.empty());
  CHECK(h.stops.empty());
  CHECK(h.count("ResetModem") == 0);
  CHECK(h.count("PowerCycle") == 0);
  CHECK(h.count("Dial") == 0);
  CHECK(h.machine.undefined_transitions() == 0);

  // The network comes (back): registered, the code cleared.
  h.on_action = nullptr;
  h.time.advance(30s);
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
  CHECK(h.machine.state() == State::registered);
  CHECK(h.machine.status().code.empty());
}

TEST_CASE("an LTE stick that finds no LTE either: NO_SERVICE_ON_ANY_RAT names each technology's state") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  auto f = no_lte_in_reach();
  fb::at::Registration eps;
  eps.domain = fb::at::RegDomain::eps;
  eps.state = fb::at::RegState::searching;
  f.eps = eps;
  h.on_action = [&](const fb::core::ModemAction& a) {
    if (std::holds_alternative<act::Poll>(a)) h.feed(ev::Polled{std::nullopt, f});
  };
  h.feed(ev::Polled{std::nullopt, f});
  h.time.advance(3min);
  CHECK(h.machine.status().code == "NO_SERVICE_ON_ANY_RAT");
  CHECK(h.machine.status().detail.find("LTE (+CEREG) searching; no coverage for it here, or the SIM is not allowed "
                                       "on it") != std::string::npos);
  CHECK(h.failures.empty());
}

TEST_CASE("searching time counts from the last time the machine entered searching") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  fb::core::RadioFacts facts = radio(fb::at::RegState::home);
  h.on_action = [&](const fb::core::ModemAction& a) {
    if (std::holds_alternative<act::Poll>(a)) h.feed(ev::Polled{std::nullopt, facts});
  };
  h.feed(ev::Polled{std::nullopt, facts});  // registered at once
  CHECK(h.machine.state() == State::registered);
  h.time.advance(10min);  // registered for a while
  facts = no_lte_in_reach();
  h.time.advance(30s);  // the next poll finds registration lost
  CHECK(h.machine.state() == State::searching);
  h.time.advance(2min + 50s);
  CHECK(h.machine.status().code.empty());  // not 3 min of searching yet
  h.time.advance(10s);
  CHECK(h.machine.status().code == "NO_SERVICE_ON_ANY_RAT");
}

TEST_CASE("registration denied for an hour: REG_DENIED in words, never a step up the ladder") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.on_action = [&](const fb::core::ModemAction& a) {
    if (std::holds_alternative<act::Poll>(a)) h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::denied)});
  };
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::denied)});
  h.time.advance(1h);
  CHECK(h.machine.state() == State::searching);
  CHECK(h.machine.status().code == "REG_DENIED");
  CHECK(h.machine.status().detail.find("the network denied registration") != std::string::npos);
  CHECK(h.failures.empty());
  CHECK(h.stops.empty());
  CHECK(h.count("ResetModem") == 0);
  CHECK(h.count("PowerCycle") == 0);
}

TEST_CASE("a registration URC while searching triggers a poll at once") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::searching)});
  auto polls = h.count("Poll");
  fb::at::Registration r;
  r.domain = fb::at::RegDomain::cs;
  r.state = fb::at::RegState::home;
  h.feed(ev::RegistrationUrc{r});
  CHECK(h.count("Poll") == polls + 1);
}

TEST_CASE("silence (AT_TIMEOUT) becomes a Failure for the ladder; a reset brings the stick back") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
  h.time.advance(30s);
  h.feed(ev::Polled{Error{Code::at_timeout, "AT+CREG? (5000 ms)"}, {}});
  CHECK(h.machine.state() == State::recovering);
  CHECK(h.failures == std::vector<std::string>{"AT_TIMEOUT"});
  CHECK(h.machine.status().code == "AT_TIMEOUT");
  h.time.advance(1h);  // nothing of its own while it waits for the ladder
  CHECK(h.failures.size() == 1);
  h.feed(ev::Recover{Rung::reset_modem});
  CHECK(h.actions.back() == "ResetModem");
  h.feed(ev::ResetDone{});
  CHECK(h.machine.state() == State::absent);
  CHECK(h.count("Close") == 1);
  h.time.advance(5s);
  CHECK(h.actions.back() == "Scan");
  h.feed(ev::Scanned{std::nullopt, false, false, "/dev/ttyUSB2", "back"});
  CHECK(h.machine.state() == State::probing);
}

TEST_CASE("unplugged: MODEM_GONE, looked for again; still gone is a Failure for the ladder") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Gone{Error{Code::modem_gone, "EOF on /dev/ttyUSB2"}});
  CHECK(h.machine.state() == State::absent);
  CHECK(h.machine.status().code == "MODEM_GONE");
  CHECK(h.machine.status().gone == 1);
  CHECK(h.failures.empty());
  h.feed(ev::Polled{Error{Code::modem_gone, ""}, {}});  // the poll that was out: stale
  CHECK(h.machine.undefined_transitions() == 0);
  h.time.advance(5s);
  CHECK(h.actions.back() == "Scan");
  h.feed(ev::Scanned{Error{Code::no_modem, "no USB modem"}, false, false, "", ""});
  CHECK(h.failures == std::vector<std::string>{"MODEM_GONE"});
  CHECK(h.machine.status().code == "MODEM_GONE");
  // Then quietly every scan_interval, one Failure only.
  h.on_action = [&](const fb::core::ModemAction& a) {
    if (std::holds_alternative<act::Scan>(a)) h.feed(ev::Scanned{Error{Code::no_modem, "none"}, false, false, "", ""});
  };
  h.time.advance(10min);
  CHECK(h.count("Scan") == 2 + 60);
  CHECK(h.failures.size() == 1);
}

TEST_CASE("a storage-mode stick this build cannot switch: MODESWITCH_FAILED, looked at again") {
  Harness h;
  h.start();
  h.feed(ev::Scanned{std::nullopt, true, false, "", "19d2:2000 at 1-1.3"});
  CHECK(h.machine.status().code == "MODESWITCH_FAILED");
  CHECK(h.count("ModeSwitch") == 0);
  h.time.advance(10s);
  CHECK(h.actions.back() == "Scan");
}

TEST_CASE("a storage-mode stick is switched, then looked for again and probed") {
  ModemPolicy p;
  p.can_mode_switch = true;
  Harness h(p);
  h.start();
  h.feed(ev::Scanned{std::nullopt, true, false, "", "19d2:2000 at 1-1.3"});
  CHECK(h.machine.state() == State::mode_switching);
  CHECK(h.actions.back() == "ModeSwitch");
  CHECK(h.machine.status().device == "19d2:2000 at 1-1.3");
  h.time.advance(1h);  // the switch has its own deadline: no timer of the machine runs meanwhile
  CHECK(h.count("ModeSwitch") == 1);
  CHECK(h.count("Scan") == 1);
  h.feed(ev::ModeSwitched{});
  CHECK(h.actions.back() == "Scan");
  CHECK(h.machine.state() == State::absent);
  CHECK(h.log_has("mode_switching --mode_switched(ok)--> absent"));
  h.feed(ev::Scanned{std::nullopt, false, false, "/dev/ttyUSB2", "19d2:0117 MF190 at 1-1.3"});
  CHECK(h.actions.back() == "Probe");
  CHECK(h.machine.status().code.empty());
}

TEST_CASE("a failed mode switch: MODESWITCH_FAILED with the switcher's text, tried again on the slow timer only") {
  ModemPolicy p;
  p.can_mode_switch = true;
  Harness h(p);
  h.start();
  h.feed(ev::Scanned{std::nullopt, true, false, "", "19d2:2000 at 1-1.3"});
  h.feed(ev::ModeSwitched{Error{Code::modeswitch_failed, "19d2:2000 at 1-1.3 still in storage mode after 20 s"}});
  CHECK(h.machine.state() == State::absent);
  CHECK(h.machine.status().code == "MODESWITCH_FAILED");
  CHECK(h.machine.status().detail == "19d2:2000 at 1-1.3 still in storage mode after 20 s");
  CHECK(h.log_has("still in storage mode after 20 s (trying again in 60s)"));
  CHECK(h.failures.empty());  // the ladder's rungs (redial, reset) cannot act on a storage-mode stick
  h.time.advance(59s);
  CHECK(h.count("Scan") == 1);  // no loop: nothing until the retry timer
  h.time.advance(1s);
  CHECK(h.count("Scan") == 2);
  h.feed(ev::Scanned{std::nullopt, true, false, "", "19d2:2000 at 1-1.3"});
  CHECK(h.count("ModeSwitch") == 2);
  // Results that come while switching and are not the switch's are stale, not acted upon.
  h.feed(ev::TimerFired{});
  CHECK(h.machine.state() == State::mode_switching);
  h.feed(ev::ModeSwitched{});
  CHECK(h.actions.back() == "Scan");
  CHECK(h.machine.undefined_transitions() == 0);
}

TEST_CASE("with dialing: registered → dialing → online; link down → Failure; redial hangs up first") {
  ModemPolicy p;
  p.can_dial = true;
  Harness h(p);
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
  CHECK(h.actions.back() == "Dial");
  h.feed(ev::Dialed{});
  CHECK(h.machine.state() == State::online);
  CHECK(h.count("Healthy") == 1);
  h.feed(ev::Recover{Rung::redial});  // an operator's redial while online
  CHECK(h.actions.back() == "HangUp");
  h.feed(ev::LinkDown{"PPP_USER_REQUEST", "pppd exited 5"});
  CHECK(h.actions.back() == "Dial");
  h.feed(ev::Dialed{});
  h.feed(ev::LinkDown{"PPP_MODEM_HANGUP", "pppd exited 16"});
  CHECK(h.machine.state() == State::recovering);
  CHECK(h.failures == std::vector<std::string>{"PPP_MODEM_HANGUP"});
  h.feed(ev::Recover{Rung::redial});
  CHECK(h.actions.back() == "Dial");
  h.feed(ev::Dialed{Error{Code::no_carrier, "NO CARRIER"}});
  CHECK(h.failures.back() == "NO_CARRIER");
}

TEST_CASE("pppd's end by its disposition: link failures go to the ladder, auth and local ones stop it") {
  ModemPolicy p;
  p.can_dial = true;
  auto online = [](Harness& h, bool busy) {
    h.to_sim();
    h.feed(sim(fb::at::SimState::ready));
    h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
    REQUIRE(h.actions.back() == "Dial");
    h.feed(ev::Dialed{std::nullopt, busy});
    REQUIRE(h.machine.state() == State::online);
  };
  SUBCASE("one port held by pppd: no polls while online") {
    Harness h(p);
    online(h, true);
    auto polls = h.count("Poll");
    h.time.advance(10min);
    CHECK(h.count("Poll") == polls);
    h.feed(ev::LinkDown{"LCP_ECHO_TIMEOUT", "pppd exited 15", ev::LinkDown::Kind::link});
    CHECK(h.failures == std::vector<std::string>{"LCP_ECHO_TIMEOUT"});
    CHECK(h.machine.state() == State::recovering);
  }
  SUBCASE("a second port keeps polling while online") {
    Harness h(p);
    online(h, false);
    auto polls = h.count("Poll");
    h.time.advance(30s);
    CHECK(h.count("Poll") == polls + 1);
  }
  SUBCASE("credentials refused: stop, no redial") {
    Harness h(p);
    online(h, false);
    h.feed(ev::LinkDown{"AUTH_FAILED", "pppd exited 19", ev::LinkDown::Kind::auth});
    CHECK(h.machine.state() == State::stopped);
    CHECK(h.stops == std::vector<std::string>{"AUTH_FAILED"});
    CHECK(h.failures.empty());
  }
  SUBCASE("no kernel PPP while dialing: stop with that code") {
    Harness h(p);
    h.to_sim();
    h.feed(sim(fb::at::SimState::ready));
    h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
    h.feed(ev::LinkDown{"NO_KERNEL_PPP", "pppd exited 4", ev::LinkDown::Kind::local});
    CHECK(h.machine.status().code == "NO_KERNEL_PPP");
    CHECK(h.stops == std::vector<std::string>{"NO_KERNEL_PPP"});
  }
}

TEST_CASE(
    "a USB power cycle: the stick is looked for at once, also after a refused cycle, which keeps the modem's own "
    "code") {
  Harness h;
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Polled{Error{Code::at_timeout, "AT+CREG? (5000 ms)"}, {}});
  h.feed(ev::Recover{Rung::power_cycle});
  CHECK(h.actions[h.actions.size() - 2] == "Close");
  CHECK(h.actions.back() == "PowerCycle");
  h.feed(ev::PowerCycled{std::string("REFUSED"), "port 1 is the Ethernet"});
  // The port was closed for the cycle: it is looked for and opened again.
  CHECK(h.machine.state() == State::absent);
  CHECK(h.actions.back() == "Scan");
  CHECK(h.machine.status().code == "AT_TIMEOUT");
  CHECK(h.failures == std::vector<std::string>{"AT_TIMEOUT", "REFUSED"});
  h.feed(ev::Recover{Rung::power_cycle});
  h.feed(ev::PowerCycled{});
  CHECK(h.actions.back() == "Scan");
  h.feed(ev::Scanned{std::nullopt, false, false, "/dev/ttyUSB2", "back"});
  CHECK(h.machine.state() == State::probing);
}

TEST_CASE("a HiLink stick refusing the login stops the ladder at any step, like a wrong PIN; other API errors don't") {
  ModemPolicy p;
  p.can_dial = true;
  const Error refused{Code::hilink_login_refused, "HILINK_BAD_PASSWORD: POST /api/user/login: API error 108006"};
  SUBCASE("at the probe") {
    Harness h(p);
    h.start();
    h.feed(ev::Scanned{std::nullopt, false, false, "", "HiLink API at http://192.168.8.1"});
    REQUIRE(h.actions.back() == "Probe");
    h.feed(ev::Probed{refused, {}, fb::modem::CdromState::unknown});
    CHECK(h.machine.state() == State::stopped);
    CHECK(h.stops == std::vector<std::string>{"HILINK_LOGIN_REFUSED"});
    CHECK(h.failures.empty());
    CHECK(h.machine.status().detail.find("hilink_password_file") != std::string::npos);
  }
  SUBCASE("at a poll while online (a session that expired and a password changed since)") {
    Harness h(p);
    h.to_sim();
    h.feed(sim(fb::at::SimState::ready));
    h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
    h.feed(ev::Dialed{});
    REQUIRE(h.machine.state() == State::online);
    h.feed(ev::Polled{refused, {}});
    CHECK(h.machine.state() == State::stopped);
    CHECK(h.stops == std::vector<std::string>{"HILINK_LOGIN_REFUSED"});
  }
  SUBCASE("at the data switch") {
    Harness h(p);
    h.to_sim();
    h.feed(sim(fb::at::SimState::ready));
    h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
    REQUIRE(h.actions.back() == "Dial");
    h.feed(ev::Dialed{refused});
    CHECK(h.machine.state() == State::stopped);
    CHECK(h.failures.empty());
  }
  SUBCASE("a bad reply at a poll is reported and polling goes on; at the probe it is a failure for the ladder") {
    Harness h(p);
    h.to_sim();
    h.feed(sim(fb::at::SimState::ready));
    h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
    h.feed(ev::Dialed{});
    h.feed(ev::Polled{Error{Code::hilink_bad_reply, "HILINK_BAD_REPLY: an HTML page"}, {}});
    CHECK(h.machine.state() == State::online);
    CHECK(h.machine.status().code == "HILINK_BAD_REPLY");
    CHECK(h.failures.empty());
    Harness h2(p);
    h2.start();
    h2.feed(ev::Scanned{std::nullopt, false, false, "", "HiLink API"});
    h2.feed(ev::Probed{Error{Code::hilink_unreachable, "HILINK_TIMEOUT: no answer"}, {}, {}});
    CHECK(h2.machine.state() == State::recovering);
    CHECK(h2.failures == std::vector<std::string>{"HILINK_UNREACHABLE"});
  }
}

TEST_CASE("the net path's USB mode: a switch and reset is looked for again, no failure; unchanged after it stops") {
  ModemPolicy p;
  p.can_dial = true;
  Harness h(p);
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
  REQUIRE(h.actions.back() == "Dial");
  ev::Dialed restarting{};
  restarting.restarting = true;
  h.feed(restarting);  // the module was switched and restarts
  CHECK(h.machine.state() == State::absent);
  CHECK(h.actions.back() == "Close");
  CHECK(h.failures.empty());  // not a failure: the ladder hears nothing
  h.time.advance(5s);         // reset_settle
  CHECK(h.actions.back() == "Scan");
  h.feed(ev::Scanned{std::nullopt, false, false, "/dev/ttyUSB2", "2c7c:0125 at 1-1.2"});
  REQUIRE(h.actions.back() == "Probe");
  h.feed(ev::Probed{std::nullopt, identity(), fb::modem::CdromState::off});
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
  REQUIRE(h.actions.back() == "Dial");
  h.feed(ev::Dialed{Error{Code::net_mode_unchanged, "the module still reports mode 0"}});
  CHECK(h.machine.state() == State::stopped);
  CHECK(h.stops == std::vector<std::string>{"NET_MODE_UNCHANGED"});
  CHECK(h.failures.empty());
  CHECK(h.machine.status().code == "NET_MODE_UNCHANGED");
  CHECK(h.machine.status().detail == "the module still reports mode 0");
}

TEST_CASE("PDP_TYPE_UNSUPPORTED: the written type is not one the stick lists; stopped, no ladder, until the user") {
  ModemPolicy p;
  p.can_dial = true;
  Harness h(p);
  h.to_sim();
  h.feed(sim(fb::at::SimState::ready));
  h.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
  REQUIRE(h.actions.back() == "Dial");
  const std::string why = "pdp_type = ipv4v6 (IPV4V6) is written, but the modem lists no IPV4V6";
  h.feed(ev::Dialed{Error{Code::pdp_type_unsupported, why}});
  CHECK(h.machine.state() == State::stopped);
  CHECK(h.stops == std::vector<std::string>{"PDP_TYPE_UNSUPPORTED"});
  CHECK(h.failures.empty());  // a reset or a power cycle lists the same types
  CHECK(h.machine.status().code == "PDP_TYPE_UNSUPPORTED");
  CHECK(h.machine.status().detail == why);
  // A BAD_DIAL_SETTINGS dial failure still goes to the ladder, as before.
  Harness other(p);
  other.to_sim();
  other.feed(sim(fb::at::SimState::ready));
  other.feed(ev::Polled{std::nullopt, radio(fb::at::RegState::home)});
  other.feed(ev::Dialed{Error{Code::bad_dial_settings, "APN"}});
  CHECK(other.machine.state() != State::stopped);
  CHECK_FALSE(other.failures.empty());
}
