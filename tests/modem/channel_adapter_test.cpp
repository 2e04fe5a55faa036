// AtChannel + sequencer on a real pty against the modem simulator
// (modemsim.py): every fault the issue lists ends in the right result or
// event code, without a crash, a leak or a spin. Time is real here (the
// channel's timeouts run on fb::core::AsioTimerService); every wait is for
// an event with a bounded limit, never a sleep.
#include <utility>
//
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "fb/at/channel.hpp"
#include "fb/at/sequencer.hpp"
#include "fb/core/asio_timers.hpp"
#include "fb/log.hpp"
#include "fb/modem/sequences.hpp"
#include "fb/modem/sms.hpp"
#include "sim_modem.hpp"

using namespace std::chrono_literals;
using fb::at::AtChannel;
using fb::at::Command;
using fb::at::CommandResult;
using fb::modem::Code;
using fb::modem::ModemSnapshot;
using fb::test::SimModem;

namespace {

AtChannel::Options channel_options(const std::string& vendor, fb::Duration timeout) {
  AtChannel::Options o;
  o.name = "modem[sim-" + vendor + "]";
  o.default_timeout = timeout;
  for (auto p : fb::modem::generic_urcs()) o.urc_prefixes.emplace_back(p);
  auto v = vendor == "zte"       ? fb::modem::Vendor::zte
           : vendor == "huawei"  ? fb::modem::Vendor::huawei
           : vendor == "quectel" ? fb::modem::Vendor::quectel
                                 : fb::modem::Vendor::generic;
  for (auto p : fb::modem::profile(v).urcs) o.urc_prefixes.emplace_back(p);
  return o;
}

fb::modem::UsbId usb_id(const std::string& vendor) {
  if (vendor == "zte") return {0x19d2, 0x0117};
  if (vendor == "huawei") return {0x12d1, 0x1001};
  if (vendor == "quectel") return {0x2c7c, 0x0125};
  return {0x1234, 0x0001};
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Rig {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers{io};
  SimModem sim;
  std::string vendor;
  AtChannel channel;

  explicit Rig(const std::string& vendor_, std::vector<std::string> sets = {}, std::string state = {},
               fb::Duration timeout = 3s)
      : sim(SimModem::Options(vendor_, std::move(sets), std::move(state))),
        vendor(vendor_),
        channel(io, timers, channel_options(vendor_, timeout)) {
    auto opened = channel.open(sim.tty());
    REQUIRE_MESSAGE(opened.ok(), describe(opened.error()));
  }

  // Runs the loop until `done()` or `limit`; false on timeout or when the
  // loop ran out of work first.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 15s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    if (io.stopped()) io.restart();
    while (!done()) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= 0s) return false;
      if (io.run_one_for(left) == 0 && io.stopped()) {  // out of work: nothing more can happen
        io.restart();
        return done();
      }
    }
    return true;
  }

  CommandResult command(Command c) {
    std::optional<CommandResult> out;
    channel.send(std::move(c), [&](CommandResult r) { out.emplace(std::move(r)); });
    REQUIRE(run_until([&] { return out.has_value(); }));
    return std::move(*out);
  }
  CommandResult command(const std::string& text, std::vector<std::string> expect = {}) {
    return command(Command{text, std::move(expect), fb::Duration{0}});
  }

  // Runs a table of steps as a coroutine on the loop; returns its outcome.
  fb::modem::Result<void> steps(const fb::modem::Steps& table, ModemSnapshot& snapshot) {
    std::optional<fb::modem::Result<void>> out;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> { out.emplace(co_await fb::at::run_steps(channel, table, snapshot)); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    REQUIRE(run_until([&] { return out.has_value(); }, 60s));
    return std::move(*out);
  }

  ModemSnapshot full_probe() {
    ModemSnapshot s;
    const auto& profile = fb::modem::profile_for(usb_id(vendor).vendor);
    for (const auto& table :
         {fb::modem::init_steps(profile, usb_id(vendor)), fb::modem::identify_steps(profile), fb::modem::sim_steps(),
          fb::modem::signal_steps(profile), fb::modem::registration_steps()}) {
      auto r = steps(table, s);
      REQUIRE_MESSAGE(r.ok(), describe(r.error()));
    }
    auto m = fb::modem::find_modem(usb_id(vendor));
    if (m) REQUIRE(steps(fb::modem::cdrom_query_steps(m->model->cdrom), s).ok());
    return s;
  }
};

// Everything a healthy stick's probe finds, the operator name aside.
void check_healthy_snapshot_but_name(const ModemSnapshot& s) {
  CHECK_FALSE(s.manufacturer.empty());
  CHECK_FALSE(s.model.empty());
  CHECK(s.imei.size() == 15);
  CHECK(s.iccid.rfind("89", 0) == 0);
  REQUIRE(s.sim);
  CHECK(*s.sim == fb::at::SimState::ready);
  REQUIRE(s.signal);
  CHECK(s.signal->rssi == 17);
  CHECK(s.signal->rssi_dbm == -79);
  CHECK(s.signal->bars == 3);
  REQUIRE(s.cs);
  CHECK(s.cs->state == fb::at::RegState::home);
  CHECK(s.cs->lac == 0x8be3u);
  CHECK(s.cs->ci == 0x2bafu);
  REQUIRE(s.ps);
  CHECK(s.ps->state == fb::at::RegState::home);
  CHECK(s.registered());
  CHECK_FALSE(s.denied());
}

void check_healthy_snapshot(const ModemSnapshot& s, const std::string& vendor) {
  CAPTURE(vendor);
  check_healthy_snapshot_but_name(s);
  CHECK(s.charset == fb::at::Charset::ucs2);  // the simulator offers IRA, GSM and UCS2
  REQUIRE(s.network);
  CHECK(s.network->name == "failberry sim");
}

}  // namespace

TEST_CASE("init, identify, SIM, signal, registration and CD-ROM query on each vendor's stick") {
  for (std::string vendor : {"generic", "zte", "huawei"}) {
    Rig rig(vendor);
    auto s = rig.full_probe();
    check_healthy_snapshot(s, vendor);
    if (vendor == "generic") {
      REQUIRE(s.eps);
      CHECK(s.eps->act == 7u);
      CHECK(s.cdrom == fb::modem::CdromState::unknown);
    } else {
      CHECK_FALSE(s.eps);  // 3G sticks answer ERROR to +CEREG: tolerated
      CHECK(s.cdrom == fb::modem::CdromState::on);
    }
    if (vendor == "zte") CHECK(s.model == "MF190");
    if (vendor == "huawei") CHECK(s.manufacturer == "huawei");
    CHECK(rig.channel.stats().echoes >= 1);  // the stick starts with ATE1
  }
}

TEST_CASE("LTE sticks: registration from +CEREG, RSRP/RSRQ from +CESQ, the vendor's query on top") {
  struct Case {
    const char* vendor;
    std::vector<std::string> sets;
    std::optional<double> sinr_db;
    std::optional<int> band;
  };
  for (const auto& c : {Case{"generic", {}, std::nullopt, std::nullopt},         // +CESQ only
                        Case{"huawei", {"lte=1", "act=7"}, 12.0, std::nullopt},  // an E3372h in stick mode: ^HCSQ
                        Case{"quectel", {"rsrp=-95"}, 12.0, 3}}) {               // +QENG="servingcell" names the band
    CAPTURE(c.vendor);
    Rig rig(c.vendor, c.sets);
    auto s = rig.full_probe();
    REQUIRE(s.eps);
    CHECK(s.eps->state == fb::at::RegState::home);
    CHECK(s.eps->act == 7u);
    CHECK_FALSE(s.nr);  // no 5G: +C5GREG? answered ERROR, tolerated
    REQUIRE(s.signal);
    CHECK(s.signal->tech == fb::at::AccessTech::lte);
    CHECK(s.signal->rsrp_dbm == (std::string(c.vendor) == "quectel" ? -95 : -105));
    CHECK(s.signal->rsrq_db == -10.0);
    CHECK(s.signal->rssi_dbm == -79);  // +CSQ's, kept
    CHECK(s.signal->sinr_db == c.sinr_db);
    CHECK(s.signal->band == c.band);
    REQUIRE(s.network);
    CHECK(s.network->tech() == fb::at::AccessTech::lte);
  }
  // Registered on 3G only (the network's LTE is out of reach): nothing LTE is measured.
  Rig rig("generic", {"act=2"});
  auto s = rig.full_probe();
  REQUIRE(s.signal);
  CHECK_FALSE(s.signal->rsrp_dbm);
  CHECK(s.signal->tech == fb::at::AccessTech::unknown);  // +CSQ's report, +CESQ knew nothing
}

TEST_CASE("LTE attach context 1: set only when it differs, the radio off around the write (verbatim transcripts)") {
  using fb::modem::PdpType;
  struct Case {
    const char* what;
    std::string apn;
    PdpType type;
    std::vector<std::string> sim;   // control commands before the table runs
    std::vector<std::string> sent;  // what went to the stick, verbatim
    bool ok;
    std::vector<std::string> context_1;  // the simulator's context 1 after
    std::vector<int> cfun;               // the AT+CFUN values the simulator saw
  };
  const std::vector<Case> cases = {
      {"already the plan's", "internet", PdpType::ip, {}, {"AT+CGDCONT?"}, true, {"IP", "internet"}, {}},
      {"the APN compared without case", "INTERNET", PdpType::ip, {}, {"AT+CGDCONT?"}, true, {"IP", "internet"}, {}},
      {"another PDP type",
       "internet",
       PdpType::ipv4v6,
       {},
       {"AT+CGDCONT?", "AT+CFUN=4", "AT+CGDCONT=1,\"IPV4V6\",\"internet\"", "AT+CFUN=1"},
       true,
       {"IPV4V6", "internet"},
       {4, 1}},
      {"another APN",
       "web.example",
       PdpType::ip,
       {},
       {"AT+CGDCONT?", "AT+CFUN=4", "AT+CGDCONT=1,\"IP\",\"web.example\"", "AT+CFUN=1"},
       true,
       {"IP", "web.example"},
       {4, 1}},
      {"context 1 not defined",
       "internet",
       PdpType::ip,
       {"answer AT+CGDCONT? +CGDCONT: 2,\"IP\",\"ims\",\"0.0.0.0\",0,0"},
       {"AT+CGDCONT?", "AT+CFUN=4", "AT+CGDCONT=1,\"IP\",\"internet\"", "AT+CFUN=1"},
       true,
       {"IP", "internet"},
       {4, 1}},
      {"the read refused: nothing else",
       "web.example",
       PdpType::ip,
       {"cme AT+CGDCONT? 4"},
       {"AT+CGDCONT?"},
       true,
       {"IP", "internet"},
       {}},
      {"radio off refused: no write, no radio on",
       "web.example",
       PdpType::ip,
       {"cme AT+CFUN=4 4"},
       {"AT+CGDCONT?", "AT+CFUN=4"},
       true,
       {"IP", "internet"},
       {}},
      {"the write refused: the radio still comes back",
       "web.example",
       PdpType::ip,
       {"cme AT+CGDCONT=1 4"},
       {"AT+CGDCONT?", "AT+CFUN=4", "AT+CGDCONT=1,\"IP\",\"web.example\"", "AT+CFUN=1"},
       true,
       {"IP", "internet"},
       {4, 1}},
      {"radio on refused: the table stops with the error",
       "web.example",
       PdpType::ip,
       {"cme AT+CFUN=1 3"},
       {"AT+CGDCONT?", "AT+CFUN=4", "AT+CGDCONT=1,\"IP\",\"web.example\"", "AT+CFUN=1"},
       false,
       {"IP", "web.example"},
       {4}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    Rig rig("generic");
    for (const auto& command : c.sim) rig.sim.ok(command);
    fb::modem::DialPlan plan;
    plan.apn = c.apn;
    plan.pdp_type = c.type;
    auto table = fb::modem::attach_context_steps(plan);
    REQUIRE(table);
    std::vector<std::string> sent;
    fb::logging::set_threshold(fb::Level::debug);
    fb::logging::set_capture([&](fb::Level, std::string_view line) {
      auto at = line.find("-> ");
      if (at != std::string_view::npos) sent.emplace_back(line.substr(at + 3));
    });
    fb::modem::AttachState state;
    std::optional<fb::modem::Result<void>> out;
    boost::asio::co_spawn(
        rig.io,
        [&]() -> boost::asio::awaitable<void> { out.emplace(co_await fb::at::run_steps(rig.channel, *table, state)); },
        boost::asio::detached);
    bool done = rig.run_until([&] { return out.has_value(); });
    fb::logging::set_capture(nullptr);
    fb::logging::set_threshold(fb::Level::info);
    REQUIRE(done);
    CHECK(out->ok() == c.ok);
    CHECK(sent == c.sent);
    auto sim = nlohmann::json::parse(rig.sim.ok("state"));
    CHECK(sim["contexts"]["1"] == c.context_1);
    CHECK(sim["cfun_history"] == c.cfun);
  }
}

TEST_CASE("a non-ASCII operator name reaches the snapshot as UTF-8 in the charset init chose or found") {
  using fb::at::Charset;
  const std::string telefonica = "Telef\xC3\xB3nica";
  struct Case {
    const char* what;
    std::vector<std::string> sets;
    Charset charset;
    const char* sim_cscs;  // what the stick is in afterwards
    std::string name;
  };
  const std::string op = "operator=Telef%C3%B3nica";
  const std::vector<Case> cases = {
      {"UCS2 offered: set, the name comes as hex", {op}, Charset::ucs2, "UCS2", telefonica},
      {"8859-1 offered, UCS2 not", {op, "cscs_supported=IRA,GSM,8859-1"}, Charset::latin1, "8859-1", telefonica},
      {"no AT+CSCS=?, already in UCS2: AT+CSCS? tells",
       {op, "cscs=UCS2", "cscs_supported=none"},
       Charset::ucs2,
       "UCS2",
       telefonica},
      {"no AT+CSCS=?, in 8859-1", {op, "cscs=8859-1", "cscs_supported=none"}, Charset::latin1, "8859-1", telefonica},
      {"GSM and IRA only: off GSM, and IRA has no o acute",
       {op, "cscs=GSM", "cscs_supported=GSM,IRA"},
       Charset::ira,
       "IRA",
       "Telef?nica"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    Rig rig("generic", c.sets);
    auto s = rig.full_probe();
    check_healthy_snapshot_but_name(s);
    CHECK(s.charset == c.charset);
    REQUIRE(s.network);
    CHECK(s.network->name == c.name);
    CHECK(rig.sim.ok("state").find(std::string("\"cscs\": \"") + c.sim_cscs + "\"") != std::string::npos);
    // A poll runs registration_steps() on a fresh snapshot with the charset
    // the probe found (as ModemService does): the same name.
    ModemSnapshot poll;
    poll.charset = s.charset;
    REQUIRE(rig.steps(fb::modem::registration_steps(), poll).ok());
    REQUIRE(poll.network);
    CHECK(poll.network->name == c.name);
  }
}

TEST_CASE("a stick that refuses ATE0 and ATV1 still initialises: those are optional, only AT is required") {
  Rig rig("zte");
  rig.sim.ok("cme ATV1 4");
  rig.sim.ok("cme ATE0 4");
  ModemSnapshot s;
  const auto& profile = fb::modem::profile(fb::modem::Vendor::zte);
  auto r = rig.steps(fb::modem::init_steps(profile, usb_id("zte")), s);
  CHECK_MESSAGE(r.ok(), (r.ok() ? std::string() : describe(r.error())));
  rig.sim.ok("set silent=1");
  auto dead = rig.steps(fb::modem::init_steps(profile, usb_id("zte")), s);
  REQUIRE_FALSE(dead.ok());  // a silent stick still fails at AT
  CHECK(dead.error().code == fb::modem::Code::at_timeout);
}

TEST_CASE("tolerates echo that ATE0 does not turn off, \\n-only and \\r-only line ends, and garbage") {
  for (std::vector<std::string> sets : {std::vector<std::string>{"force_echo=1"},
                                        {"eol=lf"},
                                        {"eol=cr"},
                                        {"garbage=1"},
                                        {"garbage=1", "eol=lf", "force_echo=1"}}) {
    CAPTURE(sets.front());
    Rig rig("huawei", sets);
    auto s = rig.full_probe();
    check_healthy_snapshot(s, "huawei");
    if (sets.size() == 1 && sets[0] == "garbage=1") CHECK(rig.channel.stats().noise_bytes > 0);
    if (sets.back() == "force_echo=1") CHECK(rig.channel.stats().echoes > 10);
  }
}

TEST_CASE("a URC in the middle of a response reaches its subscriber and leaves the response intact") {
  Rig rig("generic");
  std::vector<std::string> seen;
  rig.channel.subscribe("+CREG:", [&](const std::string& line) { seen.push_back(line); });
  rig.sim.ok("midurc +CREG: 1,\"8BE3\",\"00002BAF\",7");
  auto r = rig.command("ATI");
  REQUIRE(r.ok());
  auto info = fb::at::parse_ati(r->text());
  REQUIRE(info);
  CHECK(info->manufacturer == "Generic");
  CHECK(info->imei == "490154203237518");
  for (const auto& line : r->lines) CHECK(line.find("+CREG") == std::string::npos);
  REQUIRE(rig.run_until([&] { return !seen.empty(); }));
  auto reg = fb::at::parse_registration(seen[0], fb::at::Solicited::no);
  REQUIRE(reg);
  CHECK(reg->state == fb::at::RegState::home);
  CHECK(reg->act == 7u);
}

TEST_CASE("+CME ERROR in numeric and text form maps to the same stable code") {
  Rig rig("generic");
  rig.sim.ok("cme AT+CSQ 10");
  for (const char* cmee : {"AT+CMEE=1", "AT+CMEE=2"}) {
    CAPTURE(cmee);
    REQUIRE(rig.command(cmee).ok());
    auto r = rig.command("AT+CSQ", {"+CSQ:"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.code() == Code::sim_missing);
    CHECK(r.error().detail.find("+CME ERROR") != std::string::npos);
  }
  REQUIRE(rig.command("AT+CMEE=0").ok());
  CHECK(rig.command("AT+CSQ").code() == Code::at_error);  // CMEE=0: plain ERROR
  rig.sim.ok("cme AT+CSQ off");
  CHECK(rig.command("AT+CSQ").ok());
  CHECK(rig.command("AT+NOSUCHTHING").code() == Code::at_error);
}

TEST_CASE("SIM missing, PIN required, wrong PIN and PUK show up as SIM states and codes") {
  {
    Rig rig("zte", {"sim=absent"});
    ModemSnapshot s;
    REQUIRE(rig.steps(fb::modem::init_steps(fb::modem::profile(fb::modem::Vendor::zte), usb_id("zte")), s).ok());
    REQUIRE(rig.steps(fb::modem::sim_steps(), s).ok());
    REQUIRE(s.sim);
    CHECK(*s.sim == fb::at::SimState::missing);
    CHECK(s.sim_error == Code::sim_missing);
    REQUIRE(rig.steps(fb::modem::registration_steps(), s).ok());
    CHECK_FALSE(s.registered());
  }
  {
    Rig rig("huawei", {"pin=on"});
    ModemSnapshot s;
    REQUIRE(rig.steps(fb::modem::init_steps(fb::modem::profile(fb::modem::Vendor::huawei), usb_id("huawei")), s).ok());
    REQUIRE(rig.steps(fb::modem::sim_steps(), s).ok());
    REQUIRE(s.sim);
    CHECK(*s.sim == fb::at::SimState::pin_required);
    CHECK(fb::at::sim_blocker(*s.sim) == Code::sim_pin_required);
    CHECK(rig.command("AT+CSQ").ok());
    // The ICCID is readable before the PIN: that is how a SIM is recognised
    // before deciding whether its PIN may be tried.
    auto iccid = rig.command("AT+CCID", {"+CCID:"});
    REQUIRE(iccid.ok());
    CHECK(fb::at::parse_iccid(iccid->text()).ok());
    CHECK(rig.command("AT+COPS?", {"+COPS:"})->text() == "+COPS: 0");  // not registered while locked
    auto wrong = rig.command("AT+CPIN=\"0000\"");
    CHECK(wrong.code() == Code::sim_pin_wrong);
    CHECK(wrong.error().detail.find("0000") == std::string::npos);  // never in logs or errors
    CHECK(rig.sim.ok("state").find("\"pin_tries\": 2") != std::string::npos);
    CHECK(rig.command("AT+CPIN=\"0001\"").code() == Code::sim_pin_wrong);
    CHECK(rig.command("AT+CPIN=\"0002\"").code() == Code::sim_pin_wrong);
    REQUIRE(rig.steps(fb::modem::sim_steps(), s).ok());
    CHECK(*s.sim == fb::at::SimState::puk_required);
    CHECK(rig.command("AT+CPIN=\"12345678\",\"4321\"").ok());
    REQUIRE(rig.steps(fb::modem::sim_steps(), s).ok());
    CHECK(*s.sim == fb::at::SimState::ready);
  }
}

TEST_CASE("registration denied: the query says so and the URC arrives as an event") {
  Rig rig("generic");
  ModemSnapshot s;
  REQUIRE(rig.steps(fb::modem::init_steps(fb::modem::profile(fb::modem::Vendor::generic), usb_id("generic")), s).ok());
  std::vector<std::string> urcs;
  rig.channel.subscribe("+CREG:", [&](const std::string& line) { urcs.push_back(line); });
  rig.sim.ok("set reg=denied");
  REQUIRE(rig.run_until([&] { return !urcs.empty(); }));
  auto urc = fb::at::parse_registration(urcs[0], fb::at::Solicited::no);
  REQUIRE(urc);
  CHECK(urc->state == fb::at::RegState::denied);
  REQUIRE(rig.steps(fb::modem::registration_steps(), s).ok());
  CHECK(s.denied());
  CHECK_FALSE(s.registered());
  REQUIRE(s.network);
  CHECK(s.network->name.empty());
}

TEST_CASE("registration: an answer an optional row cannot read fails that row alone; <stat> 11 is read") {
  Rig rig("generic");
  ModemSnapshot s;
  REQUIRE(rig.steps(fb::modem::init_steps(fb::modem::profile(fb::modem::Vendor::generic), usb_id("generic")), s).ok());
  rig.sim.ok("answer AT+CGREG? +CGREG: 2,home");
  rig.sim.ok("answer AT+CEREG? +CEREG: 2,11,\"78FE\",\"0014419E\",7");
  ModemSnapshot poll;
  poll.charset = s.charset;  // as ModemService polls: in the charset init chose
  REQUIRE(rig.steps(fb::modem::registration_steps(), poll).ok());
  REQUIRE(poll.cs);
  CHECK(poll.cs->state == fb::at::RegState::home);
  CHECK_FALSE(poll.ps);  // the unreadable answer: nothing, and the rows after it still ran
  REQUIRE(poll.eps);
  CHECK(poll.eps->state == fb::at::RegState::attached_rlos);
  CHECK(poll.eps->lac == 0x78fe);
  CHECK(poll.eps->act == 7u);
  REQUIRE(poll.network);
  CHECK(poll.network->name == "failberry sim");
  CHECK(poll.registered());

  // The required row still stops the table on an answer it cannot read.
  rig.sim.ok("answer AT+CREG? +CREG: 2,home");
  ModemSnapshot stopped;
  auto r = rig.steps(fb::modem::registration_steps(), stopped);
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == Code::at_bad_response);
  CHECK_FALSE(stopped.network);
}

TEST_CASE("a silent modem gives AT_TIMEOUT, and the channel recovers when it talks again") {
  Rig rig("generic", {}, {}, 300ms);
  rig.sim.ok("set silent=1");
  auto start = std::chrono::steady_clock::now();
  auto r = rig.command("AT+CSQ", {"+CSQ:"});
  CHECK(r.code() == Code::at_timeout);
  CHECK(r.error().detail == "AT+CSQ (300 ms)");
  CHECK(std::chrono::steady_clock::now() - start >= 300ms);
  CHECK_FALSE(rig.channel.gone());
  rig.sim.ok("set silent=0");
  auto again = rig.command("AT+CSQ", {"+CSQ:"});
  REQUIRE(again.ok());
  CHECK(fb::at::parse_csq(again->text())->rssi == 17);
}

TEST_CASE("unplug: pending commands fail with MODEM_GONE, one gone event, and no spinning on the dead fd") {
  Rig rig("huawei", {}, {}, 5s);
  rig.sim.ok("set silent=1");  // keep a command in flight
  std::vector<CommandResult> results;
  for (const char* c : {"AT+CSQ", "AT+CGSN", "AT+COPS?"})
    rig.channel.send(Command{c, {}, fb::Duration{0}}, [&](CommandResult r) { results.push_back(std::move(r)); });
  int gone_events = 0;
  std::optional<fb::modem::Error> gone;
  rig.channel.on_gone([&](const fb::modem::Error& e) {
    ++gone_events;
    gone = e;
  });
  // Make sure the first command was written before pulling the plug.
  REQUIRE(rig.run_until([&] { return rig.channel.queued() == 2; }, 5s));
  rig.sim.ok("unplug");
  REQUIRE(rig.run_until([&] { return gone_events > 0 && results.size() == 3; }, 5s));
  CHECK(gone->code == Code::modem_gone);
  for (const auto& r : results) CHECK(r.code() == Code::modem_gone);
  CHECK(rig.channel.gone());

  // CPU, not wall time: over half a second of loop time a spinning reader
  // would burn ~0.5 s; a parked one burns next to nothing.
  boost::asio::steady_timer window(rig.io, 500ms);
  bool window_over = false;
  window.async_wait([&](const boost::system::error_code&) { window_over = true; });
  double cpu_before = cpu_seconds();
  REQUIRE(rig.run_until([&] { return window_over; }, 5s));
  double cpu_used = cpu_seconds() - cpu_before;
  CAPTURE(cpu_used);
  CHECK(cpu_used < 0.1);
  CHECK(gone_events == 1);

  auto late = rig.command("AT");
  CHECK(late.code() == Code::modem_gone);
}

TEST_CASE("a URC storm does not starve commands") {
  Rig rig("huawei", {}, {}, 5s);
  std::size_t rssi = 0;
  rig.channel.subscribe("^RSSI:", [&](const std::string&) { ++rssi; });
  REQUIRE(rig.command("ATE0").ok());
  rig.sim.ok("storm 20000 ^RSSI:17");
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = rig.command("AT+CSQ", {"+CSQ:"});
    REQUIRE_MESSAGE(r.ok(), describe(r.error()));
    CHECK(fb::at::parse_csq(r->text())->rssi == 17);
    ++ok;
  }
  CHECK(ok == 20);
  rig.sim.ok("urc ^RSSI:18");  // the storm is over when this one arrives
  REQUIRE(rig.run_until([&] { return rssi >= 20001; }, 20s));
  CHECK(rssi == 20001);
}

TEST_CASE("the queue: cancel a queued and an in-flight command; the next answer is never a late one") {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers(io);
  SimModem sim(SimModem::Options("generic", {"delay_ms=200"}));
  auto options = channel_options("generic", 3s);
  options.max_queue = 3;
  AtChannel channel(io, timers, options);
  REQUIRE(channel.open(sim.tty()).ok());

  std::map<std::string, CommandResult> done;
  auto send = [&](const std::string& text, std::vector<std::string> expect = {}) {
    return channel.send(Command{text, std::move(expect), fb::Duration{0}},
                        [&done, text](CommandResult r) { done.emplace(text, std::move(r)); });
  };
  auto in_flight = send("AT+CSQ", {"+CSQ:"});
  auto queued = send("AT+COPS?", {"+COPS:"});
  send("AT+CGSN");
  send("AT+CGMI");
  send("AT+CGMM");  // the fifth: queue of 3 behind the one in flight is full
  CHECK(channel.cancel(queued));
  CHECK(channel.cancel(in_flight));
  CHECK_FALSE(channel.cancel(in_flight));  // already cancelled
  CHECK_FALSE(channel.cancel(999));

  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (done.size() < 5 && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(deadline - std::chrono::steady_clock::now());
  REQUIRE(done.size() == 5);
  CHECK(done.at("AT+CSQ").code() == Code::at_cancelled);
  CHECK(done.at("AT+COPS?").code() == Code::at_cancelled);
  CHECK(done.at("AT+CGMM").code() == Code::at_queue_full);
  // The cancelled AT+CSQ's late "+CSQ:…OK" did not answer AT+CGSN.
  REQUIRE(done.at("AT+CGSN").ok());
  CHECK(fb::at::parse_imei(done.at("AT+CGSN")->text())->digits == "490154203237518");
  REQUIRE(done.at("AT+CGMI").ok());
  CHECK(done.at("AT+CGMI")->lines == std::vector<std::string>{"Generic"});
}

TEST_CASE("a firmware hang needs a power cycle; the CD-ROM flag survives it") {
  fb::test::TempDir dir;
  std::string state = dir / "stick.json";
  Rig rig("zte", {}, state, 500ms);
  REQUIRE(rig.command("ATE0").ok());
  auto q = rig.command("AT+ZCDRUN=4");
  REQUIRE(q.ok());
  CHECK(fb::modem::zte::parse_zcdrun(q->text())->cdrom() == fb::modem::CdromState::on);
  auto close = rig.command("AT+ZCDRUN=8");
  REQUIRE(close.ok());
  CHECK(fb::modem::zte::parse_zcdrun(close->text())->succeeded());

  rig.sim.ok("hang");
  CHECK(rig.command("AT").code() == Code::at_timeout);
  CHECK(rig.command("AT+CFUN=1,1").code() == Code::at_timeout);  // a hang ignores soft resets
  bool gone = false;
  rig.channel.on_gone([&](const fb::modem::Error&) { gone = true; });
  std::string tty = rig.sim.ok("powercycle");
  REQUIRE(rig.run_until([&] { return gone; }, 5s));  // the old tty vanished with the power
  REQUIRE(rig.channel.open(tty).ok());
  CHECK_FALSE(rig.channel.gone());
  REQUIRE(rig.command("AT").ok());
  auto after = rig.command("AT+ZCDRUN=4");
  REQUIRE(after.ok());
  CHECK(fb::modem::zte::parse_zcdrun(after->text())->cdrom() == fb::modem::CdromState::off);
}

TEST_CASE("Huawei: ^U2DIAG=0 turns the CD-ROM off for good, and AT^RESET brings the echo back") {
  fb::test::TempDir dir;
  Rig rig("huawei", {}, dir / "e1750.json");
  ModemSnapshot s;
  REQUIRE(rig.steps(fb::modem::init_steps(fb::modem::profile(fb::modem::Vendor::huawei), usb_id("huawei")), s).ok());
  REQUIRE(rig.steps(fb::modem::cdrom_query_steps(fb::modem::CdromControl::huawei_u2diag), s).ok());
  CHECK(s.cdrom == fb::modem::CdromState::on);
  REQUIRE(rig.command(std::string(fb::modem::cdrom_commands(fb::modem::CdromControl::huawei_u2diag)->disable)).ok());
  auto echoes = rig.channel.stats().echoes;
  REQUIRE(rig.command("AT^RESET").ok());
  REQUIRE(rig.command("AT+CSQ", {"+CSQ:"}).ok());  // echoed again after the reset, still understood
  CHECK(rig.channel.stats().echoes > echoes);
  std::string tty = rig.sim.ok("powercycle");
  bool gone = false;
  rig.channel.on_gone([&](const fb::modem::Error&) { gone = true; });
  REQUIRE(rig.run_until([&] { return gone; }, 5s));
  REQUIRE(rig.channel.open(tty).ok());
  ModemSnapshot after;
  REQUIRE(rig.steps(fb::modem::cdrom_query_steps(fb::modem::CdromControl::huawei_u2diag), after).ok());
  CHECK(after.cdrom == fb::modem::CdromState::off);
}

TEST_CASE("a slow modem's late answer is dropped, never taken for the next command's") {
  Rig rig("generic", {"delay_ms=500"});
  std::optional<CommandResult> first, second;
  rig.channel.send(Command{"AT+CGSN", {}, 300ms}, [&](CommandResult r) { first.emplace(std::move(r)); });
  rig.channel.send(Command{"AT+CGMI", {}, 3s}, [&](CommandResult r) { second.emplace(std::move(r)); });
  REQUIRE(rig.run_until([&] { return first && second; }, 10s));
  CHECK(first->code() == Code::at_timeout);
  REQUIRE(second->ok());
  CHECK((*second)->lines == std::vector<std::string>{"Generic"});  // not the IMEI
}

TEST_CASE("SMS text mode: AT+CMGS waits for the \"> \" prompt, the text and Ctrl-Z follow; +CMS ERROR ends it") {
  for (bool echo : {true, false}) {
    CAPTURE(echo);
    Rig rig("huawei");
    if (!echo) REQUIRE(rig.command("ATE0").ok());
    const std::string text = "failberry pi (UTC): wired down 14:02, now cellular";
    auto cmgs = [&] {
      return rig.command(Command{fb::modem::sms_send_command("+15550100"), {"+CMGS:"}, 10s, fb::modem::sms_body(text)});
    };
    auto texts = [&] { return nlohmann::json::parse(rig.sim.ok("state"))["sms_texts"]; };

    CommandResult pdu = cmgs();  // PDU mode after power-on: refused before any prompt
    REQUIRE_FALSE(pdu.ok());
    CHECK(pdu.code() == Code::at_cms_error);
    CHECK(pdu.error().detail == "+CMS ERROR: 304");
    CHECK(texts().empty());
    CHECK(rig.command("AT").ok());  // the text was never written: nothing answers for it

    REQUIRE(rig.command(std::string(fb::modem::kSmsTextMode)).ok());
    CommandResult sent = cmgs();
    REQUIRE_MESSAGE(sent.ok(), describe(sent.error()));
    auto mr = fb::modem::parse_cmgs(sent->text());
    REQUIRE(mr.ok());
    CHECK(*mr == 1);
    auto logged = texts();
    REQUIRE(logged.size() == 1);
    CHECK(logged[0]["to"] == "+15550100");
    CHECK(logged[0]["text"] == text);

    rig.sim.ok("set sms=cms:500");
    CommandResult refused = cmgs();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.code() == Code::at_cms_error);
    CHECK(refused.error().detail == "+CMS ERROR: 500");
    CHECK(fb::modem::cms_meaning("500") == "unknown error");
    CHECK(texts().size() == 2);
    CHECK(texts()[1]["result"] == "cms:500");
    CHECK(rig.channel.stats().prompts == 2);
    auto after = rig.command("AT+CGMI");  // the channel answers the next command with its own answer
    REQUIRE(after.ok());
    CHECK(after->lines == std::vector<std::string>{"huawei"});
  }
}

TEST_CASE("the simulator's unix-socket side (QEMU's usb-serial chardev) carries AT and unplugs like a pty") {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers(io);
  SimModem sim(SimModem::Options("zte", {}, {}, true));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  REQUIRE(fd >= 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  REQUIRE(sim.tty().size() < sizeof sa.sun_path);
  std::copy(sim.tty().begin(), sim.tty().end(), sa.sun_path);
  int connected = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  std::string why = connected == 0 ? "" : std::strerror(errno);
  CAPTURE(why);
  CAPTURE(sim.tty());
  REQUIRE(connected == 0);
  AtChannel channel(io, timers, channel_options("zte", 3s));
  channel.attach(fd);
  std::optional<CommandResult> r;
  channel.send(Command{"AT+ZCDRUN=4", {}, fb::Duration{0}}, [&](CommandResult x) { r.emplace(std::move(x)); });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!r && std::chrono::steady_clock::now() < deadline) io.run_one_for(deadline - std::chrono::steady_clock::now());
  REQUIRE(r);
  REQUIRE(r->ok());
  CHECK(fb::modem::zte::parse_zcdrun((*r)->text())->cdrom() == fb::modem::CdromState::on);
  bool gone = false;
  channel.on_gone([&](const fb::modem::Error& e) { gone = e.code == Code::modem_gone; });
  sim.ok("unplug");
  while (!gone && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(deadline - std::chrono::steady_clock::now());
  CHECK(gone);
}

TEST_CASE("ICCID and PIN attempts tables: the profile's query first, each row only until one answered") {
  const auto& huawei = fb::modem::profile(fb::modem::Vendor::huawei);
  auto rows = fb::modem::iccid_steps(huawei);
  std::vector<std::string> sent;
  for (const auto& r : rows) sent.push_back(r.command.text);
  CHECK(sent == std::vector<std::string>{"AT^ICCID?", "AT+CCID", "AT+ICCID", "AT+CRSM=176,12258,0,0,10"});
  fb::modem::ModemSnapshot m;
  CHECK_FALSE(rows[1].skip(m));
  m.iccid = "89324102234690160476";
  for (const auto& r : rows) CHECK(r.skip(m));
  auto generic = fb::modem::iccid_steps(fb::modem::profile(fb::modem::Vendor::generic));
  CHECK(generic.front().command.text == "AT+CCID");
  CHECK(generic.size() == 4);
  auto pins = fb::modem::pin_retries_steps(fb::modem::profile(fb::modem::Vendor::zte));
  REQUIRE(pins.size() == 2);
  CHECK(pins[0].command.text == "AT+ZPINPUK=?");
  CHECK(pins[1].command.text == "AT+CPINR=\"SIM PIN\"");
}
