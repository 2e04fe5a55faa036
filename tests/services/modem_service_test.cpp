// The daemon's ModemService, built as Daemon::restart_modem() builds it
// under dry-run: the dry-run HostActions (make_dry_run_host_actions: the USB
// cut is planned but not made, no reboot is asked for) and the dry-run data
// link (no pppd), with [modem] device = a pty served by modemsim.py.
// Time: the daemon's timers (real time) while the simulator answers — the AT
// channel's deadlines race its replies, which virtual time would turn into a
// test of the scheduler — with short [recovery] backoffs; fb::VirtualTime
// where nothing answers (a silent stick) or nothing may happen (a stopped
// supervisor), so hours pass in an instant with the policy's own values.
// These replace the hand-wired machine-and-ladder pump the supervisor unit
// tests had. Every wait is for a log line or a state, bounded, on the
// service's own io_context. No root.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "event_capture.hpp"
#include "fake_sysfs.hpp"
#include "fb/core/asio_timers.hpp"
#include "fb/core/data_link.hpp"
#include "fb/core/hilink_api.hpp"
#include "fb/core/host_actions.hpp"
#include "fb/core/modem_service.hpp"
#include "log_capture.hpp"
#include "process.hpp"
#include "service_rig.hpp"
#include "sim_modem.hpp"
#include "stand_in.hpp"

using namespace std::chrono_literals;
using fb::test::SimModem;
namespace asio = boost::asio;

namespace {

// A path the test owns for the simulator's pty, under /dev/ as [modem] device
// wants, when it may write there; else the simulator's own link.
std::string owned_dev_link() {
  static int n = 0;
  std::string path = "/dev/fb-svcsim-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  if (::access("/dev", W_OK) == 0) return path;
  return {};
}

enum class Clock { real, virtual_time };

struct Rig {
  fb::test::TempDir dir;
  SimModem sim;
  std::string pty;
  asio::io_context io;
  fb::core::AsioTimerService real_timers{io};
  fb::VirtualTime virtual_timers;
  fb::TimerService& timers;
  fb::test::LogCapture log;
  std::unique_ptr<fb::core::ModemService> service;

  static SimModem::Options sim_options(const std::string& vendor, const std::vector<std::string>& sets,
                                       const std::string& state) {
    SimModem::Options o(vendor, sets, state);
    o.link = owned_dev_link();
    return o;
  }
  // `extra`: more INI lines for [modem], then [recovery] (the defaults are short backoffs).
  Rig(const std::string& vendor, const std::vector<std::string>& sets,
      const std::string& recovery = "backoff_initial = 200ms\nbackoff_max = 1s\nreset_attempts = 1\n",
      Clock clock = Clock::real, const std::string& modem_extra = "",
      const std::string& uplink = "interface = ppp0\nkind = ppp\n")
      : sim(sim_options(vendor, sets, dir / "sim-state.json")),
        timers(clock == Clock::real ? static_cast<fb::TimerService&>(real_timers) : virtual_timers) {
    fb::logging::set_threshold(fb::Level::debug);
    pty = sim.tty().rfind("/dev/", 0) == 0 ? sim.tty() : std::filesystem::canonical(sim.tty()).string();
    fb::core::Config c = fb::test::parse_ini("[general]\ndry_run = true\nstate_dir = " + (dir / "state") +
                                             "\n[modem]\napn = internet\ndevice = " + pty + "\nprofile = " + vendor +
                                             "\ncommand_timeout = 1s\n" + modem_extra + "[uplink.cellular]\n" + uplink +
                                             "priority = 10\n[recovery]\n" + recovery);
    // As Daemon::restart_modem() with dry_run = true.
    service = std::make_unique<fb::core::ModemService>(io, timers, c, fb::core::ModemServiceOptions{},
                                                       fb::core::make_dry_run_host_actions(io),
                                                       fb::core::make_dry_run_data_link_starter(io));
    service->set_dhcp_starter(fb::core::make_dry_run_dhcp_starter(io));
    service->start();
  }
  ~Rig() {
    service.reset();
    fb::logging::set_threshold(fb::Level::info);
  }
  std::size_t said(const std::string& needle) const {
    return static_cast<std::size_t>(std::count_if(
        log.lines.begin(), log.lines.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
  }
  // Runs the service until the log has said `needle` `n` times (bounded).
  bool logged(const std::string& needle, std::chrono::milliseconds limit = 20s, std::size_t n = 1) {
    return fb::test::run_until(
        io, [&] { return said(needle) >= n; }, limit);
  }
  // Where in the log `needle` first stands; lines.size() when it does not.
  std::size_t first(const std::string& needle) const {
    for (std::size_t i = 0; i < log.lines.size(); ++i)
      if (log.lines[i].find(needle) != std::string::npos) return i;
    return log.lines.size();
  }
  // Virtual time only: moves the clock on in `step`s, running what is ready on
  // the loop (the pty's writes, posted results) after each.
  void advance(fb::Duration total, fb::Duration step) {
    for (fb::Duration t{0}; t < total; t += step) {
      virtual_timers.advance(step);
      fb::test::run_ready(io);
    }
  }
  std::string text() const {
    std::string out;
    for (const auto& l : log.lines) out += l + "\n";
    return out;
  }
};

}  // namespace

TEST_CASE("found, probed, SIM ready, registered; the CONNECTed line goes to the dry-run data link, not to pppd") {
  fb::test::EventCapture events;
  Rig rig("zte", {});
  REQUIRE_MESSAGE(rig.logged("searching --polled(home)--> dialing"), rig.text());
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)"), rig.text());

  fb::health::ModemReport report = rig.service->modem_status();
  const fb::ModemStatus& m = report.status;
  CHECK(m.device == rig.pty);
  CHECK(m.identity.manufacturer == "ZTE INCORPORATED");
  CHECK(m.identity.model == "MF190");
  CHECK(m.identity.iccid == "894420*********2499");  // masked
  CHECK(m.sim == "ready");
  CHECK(m.registration == "home");
  CHECK(m.network == "failberry sim");
  CHECK(m.signal_dbm == -79);  // modemsim's CSQ 17
  CHECK(m.rat == "umts");      // a 3G stick: +COPS <AcT> 2, +CESQ refused
  CHECK_FALSE(m.rsrp_dbm);
  CHECK(m.cdrom == "off");  // the ZTE stick boots with it on: switched off
  CHECK(m.state == "stopped");
  CHECK(m.code == "DRY_RUN");
  CHECK(report.ppp_interface.empty());

  auto sim = nlohmann::json::parse(rig.sim.ok("state"));
  CHECK(sim["dialed"] == "*99#");                                                // the dial really went out, on the pty
  CHECK(sim["contexts"]["1"] == nlohmann::json::array({"IPV4V6", "internet"}));  // unset pdp_type, IPV4V6 listed
  CHECK(rig.said("dry-run: not starting /usr/sbin/pppd") == 1);
  CHECK(rig.said("started pppd") == 0);

  fb::health::RecoveryStatus r = rig.service->recovery_status();
  CHECK(r.stopped_by == "DRY_RUN");
  CHECK(r.attempts["redial"] == 0);
  // Each state change was an event, in order; the stop's code a modem_error.
  std::size_t dialing = events.first(fb::EventKind::modem_state, "dialing");
  std::size_t stopped = events.first(fb::EventKind::modem_state, "stopped");
  CHECK(dialing < stopped);
  REQUIRE(stopped < events.events.size());
  CHECK(events.events[stopped].from == "dialing");
  CHECK(events.events[stopped].reason == "DRY_RUN");
  CHECK(events.first(fb::EventKind::modem_error, "DRY_RUN") < events.events.size());
  CHECK(events.of(fb::EventKind::recovery_rung).empty());
}

TEST_CASE("the modem stops answering: the ladder climbs to the reboot through the dry-run twin; the host untouched") {
  // A systemctl first on PATH that records being run: the dry-run twin must never run it.
  fb::test::StandIn systemctl("systemctl", "exit 0\n");
  // The network refuses the dial, so the machine goes to the ladder instead
  // of stopping at the dry-run data link; then the stick goes silent.
  fb::test::EventCapture events;
  Rig rig("generic", {"cdrom=off", "dial=no_carrier"},
          "backoff_initial = 200ms\nbackoff_max = 1s\nreset_attempts = 1\nreboot_allowed = true\n");
  REQUIRE_MESSAGE(rig.logged("dialing --dialed(NO_CARRIER)--> recovering"), rig.text());
  rig.sim.ok("set silent=1");
  REQUIRE_MESSAGE(rig.logged("dry-run: not rebooting (the recovery ladder asked for it after", 60s), rig.text());
  REQUIRE_MESSAGE(rig.logged("failure(REBOOT_SKIPPED)"), rig.text());

  // Each rung in turn: redial, reset, the USB power cycle (planned, refused:
  // a pty is on no USB port), then the reboot, which the twin does not ask for.
  std::size_t redial = rig.first("--recover(redial)-->");
  std::size_t reset = rig.first("--recover(reset_modem)-->");
  std::size_t cycle = rig.first("--recover(power_cycle)-->");
  std::size_t reboot = rig.first("dry-run: not rebooting");
  CHECK(redial < reset);
  CHECK(reset < cycle);
  CHECK(cycle < reboot);
  CHECK(reboot < rig.log.lines.size());
  CHECK(rig.said("AT_TIMEOUT") >= 1);

  fb::health::RecoveryStatus r = rig.service->recovery_status();
  CHECK(r.attempts["redial"] >= 1);
  CHECK(r.attempts["reset_modem"] >= 1);
  CHECK(r.attempts["power_cycle"] >= 1);
  CHECK(r.attempts["reboot"] == 1);
  CHECK(r.last_power_cycle.rfind("BAD_LOCATION: the modem is not on USB", 0) == 0);
  CHECK(r.reboots_last_day == 1);
  // The reboot was put on record first (what keeps the daily limit across a real one).
  auto record = nlohmann::json::parse(fb::test::read_file(rig.dir / "state/reboots.json"));
  CHECK(record["reboots"].size() == 1);
  CHECK(rig.service->modem_status().status.code == "AT_TIMEOUT");
  CHECK_FALSE(systemctl.called());
  // Each rung taken was an event, in the same order, the reboot as reboot_scheduled.
  std::size_t e_redial = events.first(fb::EventKind::recovery_rung, "redial");
  std::size_t e_reset = events.first(fb::EventKind::recovery_rung, "reset_modem");
  std::size_t e_cycle = events.first(fb::EventKind::recovery_rung, "power_cycle");
  std::size_t e_reboot = events.first(fb::EventKind::reboot_scheduled);
  CHECK(e_redial < e_reset);
  CHECK(e_reset < e_cycle);
  CHECK(e_cycle < e_reboot);
  CHECK(e_reboot < events.events.size());
  CHECK(events.first(fb::EventKind::modem_error, "AT_TIMEOUT") < events.events.size());
}

TEST_CASE("a silent stick, an hour of virtual time: every rung after its backoff, then every backoff_max; no spin") {
  // The [recovery] defaults: redial 3, reset 2, power cycle 2, backoff 5 s doubling to 10 min, no reboot.
  Rig rig("zte", {"silent=1"}, "", Clock::virtual_time);
  rig.advance(1h, 100ms);
  INFO(rig.text());
  CHECK(rig.said("probing --probed(AT_TIMEOUT)--> recovering") >= 1);
  fb::health::RecoveryStatus r = rig.service->recovery_status();
  CHECK(r.attempts["redial"] >= 3);  // refused at once (not registered), each after its backoff
  CHECK(r.attempts["reset_modem"] >= 2);
  CHECK(r.attempts["power_cycle"] >= 2);  // BAD_LOCATION: a pty is on no USB port
  // The port closed for each refused cycle is opened again, so the next rung
  // meets a modem, not a closed channel.
  CHECK(rig.said("power_cycling --power_cycled(BAD_LOCATION)--> absent") >= 2);
  CHECK(rig.said("NO_MODEM: no channel") == 0);
  CHECK(r.attempts["reboot"] == 0);  // reboot_allowed = false
  // A whole ladder (3 + 2 + 2 rungs, at least 5 s + 10 s + 20 s + ... apart)
  // at the start and then at most once per backoff_max (10 min).
  std::uint64_t total = 0;
  for (const auto& [rung, n] : r.attempts) total += n;
  CHECK(total <= 7 * (1 + 6));
  // Into exhausted (not its own failures noted while it waits, which every
  // re-opened silent port adds).
  std::size_t exhausted = rig.said("--> exhausted") - rig.said("exhausted --failure(");
  CHECK(exhausted >= 1);
  CHECK(exhausted <= 7);
  CHECK(rig.said("BUG") == 0);               // no undefined transition in the machine or the ladder
  CHECK(rig.virtual_timers.pending() <= 4);  // timers are replaced, never piled up
  CHECK(rig.service->modem_status().status.state == "recovering");
}

TEST_CASE("a wrong PIN stops the supervisor: two days later nothing was retried, reset or cycled") {
  // The SIM's PIN is 1234; the file holds another.
  fb::test::TempDir secrets;
  fb::test::write_file(secrets / "sim.pin", "9753\n", 0600);
  Rig rig("zte", {"pin=on"}, "", Clock::virtual_time, "pin_file = " + (secrets / "sim.pin") + "\n");
  // The simulator answers: no clock moves until the supervisor has stopped.
  REQUIRE_MESSAGE(rig.logged("--> stopped [SIM_PIN_WRONG]"), rig.text());
  rig.advance(48h, 1min);
  fb::health::RecoveryStatus r = rig.service->recovery_status();
  CHECK(r.stopped_by == "SIM_PIN_WRONG");
  for (const auto& [rung, n] : r.attempts) CHECK_MESSAGE(n == 0, rung);
  CHECK(rig.said("--recover(") == 0);
  CHECK(rig.service->modem_status().status.state == "stopped");
  CHECK(nlohmann::json::parse(rig.sim.ok("state"))["pin_tries"] == 2);  // exactly one wrong try
}

TEST_CASE("data = auto on a kind = cellular uplink named ppp0: PPP is chosen, and dialed") {
  Rig rig("zte", {"cdrom=off"}, "backoff_initial = 200ms\nbackoff_max = 1s\nreset_attempts = 1\n", Clock::real, "",
          "interface = ppp0\nkind = cellular\n");
  REQUIRE_MESSAGE(rig.logged("data path: ppp (auto: interface = ppp0 is PPP)"), rig.text());
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)"), rig.text());        // CONNECT, then no pppd under dry-run
  CHECK(nlohmann::json::parse(rig.sim.ok("state"))["dialed"] == "*99#");  // the dial went out on the pty
  auto report = rig.service->modem_status();
  CHECK(report.data_path == "ppp");
  CHECK(report.data_path_why == "auto: interface = ppp0 is PPP");
}

TEST_CASE("dry-run, net data path by DHCP: the session starts over AT, no udhcpc runs, the modem stops with DRY_RUN") {
  Rig rig("generic", {"cdrom=off"}, "backoff_initial = 200ms\nbackoff_max = 1s\nreset_attempts = 1\n", Clock::real,
          "data = net\n", "interface = wwan0\nkind = cellular\n");
  REQUIRE_MESSAGE(rig.logged("dry-run: not starting udhcpc on wwan0"), rig.text());
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)"), rig.text());
  auto sim = nlohmann::json::parse(rig.sim.ok("state"));
  CHECK(sim["net_session"] == 1);  // the session really went up on the stick, over AT
  CHECK(rig.said("starting the data session on wwan0: AT+CGACT=1,1") == 1);
  CHECK(rig.service->recovery_status().stopped_by == "DRY_RUN");
  CHECK_FALSE(rig.service->data_link().up);
}

// A HiLink stick (12d1:14dc, cdc_ether, no tty) on a fake sysfs tree.
struct HiLinkOnUsb {
  fb::modem::test::FakeSysfs sysfs;
  asio::io_context io;
  fb::core::AsioTimerService timers{io};
  fb::test::LogCapture log;
  std::unique_ptr<fb::core::ModemService> service;
  explicit HiLinkOnUsb(const std::string& modem_and_uplink) {
    fb::logging::set_threshold(fb::Level::debug);
    sysfs.device("1-1.5", "12d1", "14dc", {{0, 2, 6, 0, "cdc_ether", {}}});
    fb::core::Config c = fb::test::parse_ini("[general]\ndry_run = true\nstate_dir = " + (dir / "state") +
                                             "\n[modem]\ncommand_timeout = 1s\n" + modem_and_uplink +
                                             "priority = 10\n[recovery]\nbackoff_initial = 200ms\nbackoff_max = 1s\n");
    fb::core::ModemServiceOptions o;
    o.sysfs_root = sysfs.root().string();
    service = std::make_unique<fb::core::ModemService>(io, timers, c, o, fb::core::make_dry_run_host_actions(io),
                                                       fb::core::make_dry_run_data_link_starter(io));
    service->set_dhcp_starter(fb::core::make_dry_run_dhcp_starter(io));
    service->set_hilink_opener(fb::core::make_dry_run_hilink_opener(io));
    service->start();
  }
  ~HiLinkOnUsb() {
    service.reset();
    fb::logging::set_threshold(fb::Level::info);
  }
  bool logged(const std::string& needle) {
    return fb::test::run_until(
        io,
        [&] {
          return std::any_of(log.lines.begin(), log.lines.end(),
                             [&](const std::string& l) { return l.find(needle) != std::string::npos; });
        },
        20s);
  }
  std::string text() const {
    std::string out;
    for (const auto& l : log.lines) out += l + "\n";
    return out;
  }
  fb::test::TempDir dir;
};

TEST_CASE("a HiLink stick found on USB: with data = hilink its API is asked (no AT port looked for); else words") {
  SUBCASE("data = hilink, device = auto") {
    // The API's address has nothing behind it and the interface does not
    // exist here: the probe's question fails at once, with its code.
    HiLinkOnUsb rig(
        "data = hilink\nhilink_url = http://127.0.0.1:9\n[uplink.lte]\ninterface = fbnoif0\nkind = cellular\n");
    REQUIRE_MESSAGE(rig.logged("1-1.5; HiLink API at http://127.0.0.1:9)--> probing"), rig.text());
    REQUIRE_MESSAGE(rig.logged("dry-run: no DHCP client on the stick's interface"), rig.text());
    REQUIRE_MESSAGE(rig.logged("probing --probed(HILINK_UNREACHABLE)--> recovering"), rig.text());
    CHECK(rig.service->modem_status().status.code == "HILINK_UNREACHABLE");
    CHECK(rig.text().find("no serial AT port") == std::string::npos);
  }
  SUBCASE("data = auto: discovery chooses the HiLink path for it, and /status says why") {
    HiLinkOnUsb rig(
        "apn = internet\nhilink_url = http://127.0.0.1:9\n[uplink.lte]\ninterface = fbnoif0\nkind = "
        "cellular\n");
    REQUIRE_MESSAGE(rig.logged("data path: hilink (auto: HiLink stick 12d1:14dc E3131, E3372h, E8372 HiLink)"),
                    rig.text());
    REQUIRE_MESSAGE(rig.logged("1-1.5; HiLink API at http://127.0.0.1:9 on fbnoif0)--> probing"), rig.text());
    REQUIRE_MESSAGE(rig.logged("probing --probed(HILINK_UNREACHABLE)--> recovering"), rig.text());
    auto report = rig.service->modem_status();
    CHECK(report.data_path == "hilink");
    CHECK(report.data_path_why == "auto: HiLink stick 12d1:14dc E3131, E3372h, E8372 HiLink");
    CHECK(rig.text().find("no serial AT port") == std::string::npos);
  }
  SUBCASE("the router API: a vendor without one is refused by name; router_api = zte names ZTE's default address") {
    // device = api: the stick's USB id is not looked at, [modem] profile decides.
    HiLinkOnUsb unknown(
        "data = hilink\ndevice = api\nprofile = quectel\n[uplink.lte]\ninterface = fbnoif0\nkind = "
        "cellular\n");
    REQUIRE_MESSAGE(unknown.logged("the quectel profile (no USB id: device = api) speaks no router API failberry "
                                   "knows; set [modem] router_api = huawei or zte"),
                    unknown.text());
    CHECK(unknown.service->modem_status().router_api == "unknown");
    CHECK(unknown.text().find("router API: api=") == std::string::npos);  // nothing was opened

    HiLinkOnUsb zte(
        "data = hilink\ndevice = api\nrouter_api = zte\n[uplink.lte]\ninterface = fbnoif0\nkind = "
        "cellular\n");
    REQUIRE_MESSAGE(zte.logged("ZTE goform API at http://192.168.0.1 (device = api: not looked for on USB)"),
                    zte.text());
    REQUIRE_MESSAGE(zte.logged("router API: api=zte base_url=http://192.168.0.1 "), zte.text());
    auto report = zte.service->modem_status();
    CHECK(report.router_api == "zte");
    CHECK(report.router_api_why == "[modem] router_api = zte");

    // An address written down is the address used, even Huawei's for a ZTE stick.
    HiLinkOnUsb kept(
        "data = hilink\ndevice = api\nrouter_api = zte\nhilink_url = http://192.168.8.1\n[uplink.lte]\ninterface = "
        "fbnoif0\nkind = cellular\n");
    REQUIRE_MESSAGE(kept.logged("router API: api=zte base_url=http://192.168.8.1 "), kept.text());
    CHECK(kept.text().find("192.168.0.1") == std::string::npos);
  }
  SUBCASE("data = auto, interface = auto, and no interface beside the stick: NO_NET_INTERFACE, looked for again") {
    HiLinkOnUsb rig("apn = internet\n[uplink.lte]\ninterface = auto\nkind = cellular\n");
    REQUIRE_MESSAGE(rig.logged("NO_NET_INTERFACE: HiLink stick 12d1:14dc"), rig.text());
    CHECK(rig.service->modem_status().status.code == "NO_NET_INTERFACE");
    CHECK(rig.text().find("--> probing") == std::string::npos);  // nothing to reach the API through
  }
  SUBCASE("data = ppp: not usable, and the words say what is") {
    HiLinkOnUsb rig("apn = internet\n[uplink.cellular]\ninterface = ppp0\nkind = ppp\n");
    REQUIRE_MESSAGE(rig.logged("has no serial AT port (quirk)))--> absent"), rig.text());
    fb::ModemStatus st = rig.service->modem_status().status;
    CHECK(st.code == "NO_MODEM");
    CHECK(st.detail.find("set [modem] data = hilink") != std::string::npos);
  }
}
