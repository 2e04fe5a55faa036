// failberryd (dry-run) with [modem] device = a pty served by modemsim.py:
// the whole modem service — discovery, init, SIM and PIN, CD-ROM off,
// registration and signal, the recovery ladder — through the real daemon,
// its control socket (failberryctl) and its HTTP endpoint. Every wait is for
// a line in the daemon's log (inotify, bounded), never a sleep.
#include <doctest/doctest.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <poll.h>
#include <climits>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "../health/http_client.hpp"
#include "daemon_process.hpp"
#include "notify_listener.hpp"
#include "process.hpp"
#include "sim_modem.hpp"

using namespace std::chrono_literals;
using fb::test::SimModem;

namespace {

const std::string kIccidZte = "8944200053671052499";  // modemsim's ZTE SIM

// These daemons run dry-run: after CONNECT they hang up instead of starting
// pppd and stop with DRY_RUN, on any host, with or without /dev/ppp (the
// QEMU guest tests run pppd for real).

struct Setup {
  explicit Setup(std::string vendor_ = "zte", std::vector<std::string> sets_ = {}, std::string pin_ = {},
                 std::string modem_extra_ = {})
      : vendor(std::move(vendor_)),
        sets(std::move(sets_)),
        pin(std::move(pin_)),
        modem_extra(std::move(modem_extra_)) {}
  std::string vendor;
  std::vector<std::string> sets;
  std::string pin;                  // written to pin_file when not empty
  std::string modem_extra;          // more INI lines for [modem]
  std::string recovery_extra = {};  // more INI lines for [recovery]
  std::string ppp_login = {};       // written to a [ppp] credentials_file (mode 0600) when not empty
  std::string uplink = "interface = ppp0\nkind = ppp\n";  // the modem uplink's lines
};

// A path the test owns for the simulator's pty, under /dev/ as [modem] device
// wants (a user's is /dev/serial/by-id/…); the simulator removes it on
// unplug, and it is never a /dev/pts/N the kernel hands to the next pty.
std::string owned_dev_link() {
  static int n = 0;
  std::string path = "/dev/fb-modemsim-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  if (::access("/dev", W_OK) == 0) return path;
  return {};  // not root: the simulator's temp dir (the daemon is then given the pty itself)
}

// The simulator, then failberryd pointed at its pty.
struct Rig {
  fb::test::TempDir dir;
  std::string sim_state = dir / "sim-state.json";
  SimModem sim;
  std::string pty;
  unsigned short port = fb::test::free_tcp_port();
  std::string socket = dir / "control.sock";
  std::string log = dir / "daemon.log";
  fb::test::DaemonProcess daemon{dir / "f.ini", socket, log, dir.path()};
  Setup setup;

  // `prepare` runs on the temp dir before the daemon starts (a state dir to break, say).
  SimModem::Options sim_options(const Setup& s) {
    SimModem::Options o(s.vendor, s.sets, dir / "sim-state.json");
    o.link = owned_dev_link();
    return o;
  }
  explicit Rig(Setup s, const std::function<void(const std::string&)>& prepare = {})
      : sim(sim_options(s)), setup(std::move(s)) {
    if (prepare) prepare(dir.path());
    // The simulator's stable link, which its unplug removes: a path the test owns, as
    // /dev/serial/by-id/... is the user's. Never /dev/pts/N when it can be helped: the
    // kernel gives that number to the next pty opened, by this test or one beside it.
    pty = sim.tty().rfind("/dev/", 0) == 0 ? sim.tty() : std::filesystem::canonical(sim.tty()).string();
    std::string ini = "[general]\ndry_run = true\nlog_level = debug\ncontrol_socket = " + socket +
                      "\nstate_dir = " + (dir / "state") + "\n[modem]\napn = internet\ndevice = " + pty +
                      "\nprofile = " + setup.vendor + "\ncommand_timeout = 1s\n" + setup.modem_extra;
    if (!setup.pin.empty()) {
      fb::test::write_file(dir / "sim.pin", setup.pin + "\n", 0600);
      ini += "pin_file = " + (dir / "sim.pin") + "\n";
    }
    ini += "[uplink.cellular]\n" + setup.uplink +
           "priority = 10\n[health]\nlisten = 127.0.0.1\nport = " + std::to_string(port) +
           "\n[recovery]\nbackoff_initial = 200ms\nbackoff_max = 1s\nreset_attempts = 1\n" + setup.recovery_extra;
    if (!setup.ppp_login.empty()) {
      fb::test::write_file(dir / "ppp.secret", setup.ppp_login, 0600);
      ini += "[ppp]\ncredentials_file = " + (dir / "ppp.secret") + "\n";
    }
    fb::test::write_file(dir / "f.ini", ini);
    start();
  }
  void start() { daemon.start(); }
  void stop() { REQUIRE(daemon.stop() == 0); }
  fb::test::RunResult ctl(std::vector<std::string> args) { return daemon.ctl(std::move(args)); }
  nlohmann::json status() {
    auto r = ctl({"status", "--json"});
    REQUIRE(r.code == 0);
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    REQUIRE(j.is_object());
    return j;
  }
  nlohmann::json sim_state_now() { return nlohmann::json::parse(sim.ok("state")); }
  bool logged(const std::string& needle, std::chrono::milliseconds limit = 20s, std::size_t n = 1) {
    return fb::test::wait_for_text(log, needle, limit, n);
  }
  std::string log_text() { return fb::test::read_file(log); }
};

}  // namespace

TEST_CASE("ZTE with CD-ROM on: found, init, CD-ROM switched off, registration and signal in /status") {
  Rig rig(Setup{});
  REQUIRE_MESSAGE(rig.logged("searching --polled(home)--> dialing"), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());  // pppd has ended: the state is settled
  auto j = rig.status();
  const auto& m = j["modem"];
  CHECK(m["state"] == "stopped");
  CHECK(m["device"] == rig.pty);
  CHECK(m["manufacturer"] == "ZTE INCORPORATED");
  CHECK(m["model"] == "MF190");
  CHECK(m["imei"] == "354638012345671");
  CHECK(m["iccid"] == "894420*********2499");  // masked
  CHECK(m["sim"] == "ready");
  CHECK(m["registration"] == "home");
  CHECK(m["operator"] == "failberry sim");
  CHECK(m["signal_dbm"] == -79);  // modemsim's CSQ 17
  CHECK(m["signal_bars"] == 3);
  CHECK(m["cdrom"] == "off");
  CHECK(m["cdrom_action"] == "disabled");
  CHECK(m["error"] == "DRY_RUN");
  CHECK(j["recovery"]["state"] == "stopped");  // dry-run brings no link up: nothing to retry
  CHECK(j["recovery"]["stopped_by"] == "DRY_RUN");
  CHECK(rig.sim_state_now()["cdrom"] == false);  // the stick's own flash says so
  CHECK(rig.log_text().find("-> AT+ZCDRUN=8") != std::string::npos);
  CHECK(j["recovery"]["failures"] == 0);

  auto text = rig.ctl({"status"});
  CHECK(text.output.find(", ZTE INCORPORATED MF190, IMEI 354638012345671, ICCID 894420*********2499") !=
        std::string::npos);
  CHECK(
      text.output.find("registration home, operator failberry sim, signal -79 dBm (3/4 bars), CD-ROM off: disabled") !=
      std::string::npos);

  auto metrics = fb::test::http_get("127.0.0.1", rig.port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("failberry_modem_signal_dbm -79\n") != std::string::npos);
  CHECK(metrics->body.find("failberry_modem_registered{registration=\"home\"} 1\n") != std::string::npos);
  CHECK(metrics->body.find("failberry_recovery_attempts_total{rung=\"reset_modem\"} 0\n") != std::string::npos);
  CHECK(rig.log_text().find(kIccidZte) == std::string::npos);  // the full ICCID is not logged

  // Left off across a replug: the stick comes back (new pty, same flash) and nothing is sent again.
  rig.stop();
  rig.sim.ok("powercycle");  // a new pty behind the same stable path
  std::filesystem::remove(rig.log);
  rig.start();
  REQUIRE(rig.logged("--> dialing"));
  CHECK(rig.log_text().find("-> AT+ZCDRUN=4") != std::string::npos);
  CHECK(rig.log_text().find("-> AT+ZCDRUN=8") == std::string::npos);
  CHECK(rig.status()["modem"]["cdrom"] == "off");
}

TEST_CASE("an LTE stick (Quectel EC25): rat, band, RSRP, RSRQ and SINR in /status, /metrics and failberryctl") {
  Rig rig(Setup{"quectel", {"rsrp=-95", "rsrq=-9", "sinr=14", "band=20"}});
  REQUIRE_MESSAGE(rig.logged("searching --polled(home)--> dialing"), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
  auto j = rig.status();
  const auto& m = j["modem"];
  CHECK(m["manufacturer"] == "Quectel");
  CHECK(m["registration"] == "home");
  CHECK(m["access_tech"] == "lte");
  CHECK(m["rat"] == "lte");
  CHECK(m["band"] == 20);  // only +QENG="servingcell" names it
  CHECK(m["rsrp_dbm"] == -95);
  CHECK(m["rsrq_db"] == -9.0);
  CHECK(m["sinr_db"] == 14.0);
  CHECK(m["signal_dbm"] == -79);
  CHECK(m["signal_bars"] == 4);  // from RSRP: -95 dBm is at least -98
  CHECK(rig.log_text().find("-> AT+CESQ") != std::string::npos);
  CHECK(rig.log_text().find("-> AT+QENG=\"servingcell\"") != std::string::npos);

  // The PPP defaults (kind = ppp on ppp0) still dial PPP, and say why.
  CHECK(m["data_path"] == "ppp");
  CHECK(m["data_path_reason"] == "[uplink.cellular] kind = ppp");
  CHECK(rig.log_text().find("-> ATD*99#") != std::string::npos);
  CHECK(rig.log_text().find("usbnet") == std::string::npos);  // the net path's mode is not PPP's business
  auto text = rig.ctl({"status"});
  CHECK(text.output.find("  data path ppp ([uplink.cellular] kind = ppp)\n") != std::string::npos);
  CHECK(text.output.find("  radio lte, band 20, RSRP -95 dBm, RSRQ -9 dB, SINR 14 dB\n") != std::string::npos);
  auto metrics = fb::test::http_get("127.0.0.1", rig.port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("failberry_modem_radio_info{rat=\"lte\",band=\"20\"} 1\n") != std::string::npos);
  CHECK(metrics->body.find("failberry_modem_rsrp_dbm -95\n") != std::string::npos);
}

TEST_CASE("a 3G stick (ZTE): rat umts, bars from +CSQ, no LTE values") {
  Rig rig(Setup{"zte", {"cdrom=off"}});
  REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
  auto m = rig.status()["modem"];
  CHECK(m["rat"] == "umts");
  CHECK(m["signal_bars"] == 3);
  CHECK(m["rsrp_dbm"].is_null());
  CHECK(m["band"].is_null());
  CHECK(rig.ctl({"status"}).output.find("  radio umts\n") != std::string::npos);
}

TEST_CASE("pdp_type = ipv4v6: an LTE stick's attach context 1 is set first, radio off around it; the dial uses it") {
  Rig rig(Setup{"generic", {"cdrom=off"}, {}, "pdp_type = ipv4v6\n"});
  REQUIRE_MESSAGE(rig.logged("LTE attach context 1 was IP \"internet\": set to IPV4V6 \"internet\" (radio off for the "
                             "write)"),
                  rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
  std::string log = rig.log_text();
  auto at = [&](const std::string& command) { return log.find("-> " + command + "\n"); };
  REQUIRE(at("AT+CGDCONT?") != std::string::npos);
  CHECK(at("AT+CGDCONT?") < at("AT+CFUN=4"));
  CHECK(at("AT+CFUN=4") < at("AT+CGDCONT=1,\"IPV4V6\",\"internet\""));
  CHECK(at("AT+CGDCONT=1,\"IPV4V6\",\"internet\"") < at("AT+CFUN=1"));
  CHECK(at("AT+CFUN=1") < at("ATD*99#"));
  auto sim = rig.sim_state_now();
  CHECK(sim["contexts"]["1"] == nlohmann::json::array({"IPV4V6", "internet"}));
  CHECK(sim["cfun_history"] == nlohmann::json::array({4, 1}));  // once: the dial found it set

  // A 3G stick (no +CEREG) has no attach context to set: nothing but the dial's own context.
  Rig zte(Setup{"zte", {"cdrom=off"}, {}, "pdp_type = ipv4v6\n"});
  REQUIRE_MESSAGE(zte.logged("--link_down("), zte.log_text());
  CHECK(zte.log_text().find("-> AT+CFUN=4") == std::string::npos);
  CHECK(zte.sim_state_now()["contexts"]["1"] == nlohmann::json::array({"IPV4V6", "internet"}));
}

namespace {

// The line the dry-run link starter logs after CONNECT: pppd's words.
std::string pppd_line(const std::string& log) {
  auto at = log.find("dry-run: not starting ");
  if (at == std::string::npos) return {};
  return log.substr(at, log.find('\n', at) - at);
}

}  // namespace

TEST_CASE("pdp_type unset: IPV4V6 when AT+CGDCONT=? lists it, else IP with the reason; pppd follows the type used") {
  SUBCASE("an LTE stick listing IPV4V6 (the simulator's default)") {
    Rig rig(Setup{"generic", {"cdrom=off"}});
    REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
    std::string log = rig.log_text();
    CHECK(log.find("-> AT+CGDCONT=?\n") != std::string::npos);
    CHECK(log.find("PDP type: pdp_type not written: IPV4V6 (AT+CGDCONT=? lists IP, PPP, IPV6, IPV4V6)") !=
          std::string::npos);
    CHECK(log.find("-> AT+CGDCONT=1,\"IPV4V6\",\"internet\"\n") != std::string::npos);
    CHECK(log.find("-> AT+CGDCONT=1,\"IP\",") == std::string::npos);
    CHECK(pppd_line(log).find(" +ipv6") != std::string::npos);
    CHECK(rig.sim_state_now()["contexts"]["1"] == nlohmann::json::array({"IPV4V6", "internet"}));
    auto m = rig.status()["modem"];
    CHECK(m["pdp_type"] == "IPV4V6");
    CHECK(m["pdp_type_reason"] == "pdp_type not written: IPV4V6 (AT+CGDCONT=? lists IP, PPP, IPV6, IPV4V6)");
  }
  SUBCASE("an older stick listing IP and PPP: IP, a notice, and the reason in /status") {
    Rig rig(Setup{"generic", {"cdrom=off", "pdp_types=IP,PPP"}});
    REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
    std::string log = rig.log_text();
    CHECK(log.find("PDP type: the modem lists no IPV4V6 (AT+CGDCONT=? lists IP, PPP): IP") != std::string::npos);
    CHECK(log.find("-> AT+CGDCONT=1,\"IP\",\"internet\"\n") != std::string::npos);
    CHECK(log.find("IPV4V6\",") == std::string::npos);     // never written
    CHECK(log.find("-> AT+CFUN=4") == std::string::npos);  // context 1 is IP "internet" already
    std::string pppd = pppd_line(log);
    REQUIRE(!pppd.empty());
    CHECK(pppd.find("+ipv6") == std::string::npos);
    auto m = rig.status()["modem"];
    CHECK(m["pdp_type"] == "IP");
    CHECK(m["pdp_type_reason"] == "the modem lists no IPV4V6 (AT+CGDCONT=? lists IP, PPP): IP");
    CHECK(rig.ctl({"status"})
              .output.find("  PDP type IP (the modem lists no IPV4V6 (AT+CGDCONT=? lists IP, PPP): "
                           "IP)\n") != std::string::npos);
  }
  SUBCASE("AT+CGDCONT=? answered ERROR: nothing is known, IP as ModemManager") {
    Rig rig(Setup{"generic", {"cdrom=off", "pdp_types=none"}});
    REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
    std::string log = rig.log_text();
    CHECK(log.find("-> AT+CGDCONT=1,\"IP\",\"internet\"\n") != std::string::npos);
    auto m = rig.status()["modem"];
    CHECK(m["pdp_type"] == "IP");
    CHECK(m["pdp_type_reason"] ==
          "pdp_type not written and the modem's PDP types are unknown (AT+CGDCONT=? failed: AT_ERROR: ERROR): IP, as "
          "ModemManager uses when nothing is known");
  }
}

TEST_CASE("pdp_type = ipv4v6 written, the stick lists no IPV4V6: PDP_TYPE_UNSUPPORTED, nothing attached or dialled") {
  Rig rig(Setup{"generic", {"cdrom=off", "pdp_types=IP,PPP"}, {}, "pdp_type = ipv4v6\n"});
  REQUIRE_MESSAGE(rig.logged("--> stopped [PDP_TYPE_UNSUPPORTED]"), rig.log_text());
  std::string log = rig.log_text();
  const std::string why =
      "pdp_type = ipv4v6 (IPV4V6) is written, but the modem lists no IPV4V6 (AT+CGDCONT=? lists IP, PPP): nothing "
      "is attached or dialled with another type; write a type it lists or remove pdp_type";
  CHECK(log.find("PDP type: PDP_TYPE_UNSUPPORTED: " + why) != std::string::npos);
  CHECK(log.find("-> AT+CGDCONT=1,") == std::string::npos);  // neither the attach context nor the dial's
  CHECK(log.find("-> AT+CFUN=4") == std::string::npos);
  CHECK(log.find("-> ATD") == std::string::npos);
  CHECK(rig.sim_state_now()["contexts"]["1"] == nlohmann::json::array({"IP", "internet"}));  // as it was
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "PDP_TYPE_UNSUPPORTED");
  CHECK(j["modem"]["error_detail"] == why);
  CHECK(j["modem"]["pdp_type"] == "");
  CHECK(j["modem"]["pdp_type_reason"] == why);
  CHECK(j["recovery"]["stopped_by"] == "PDP_TYPE_UNSUPPORTED");
  CHECK(rig.ctl({"status"}).output.find("  PDP type none (" + why + ")\n") != std::string::npos);
}

namespace {

// A Quectel on the net data path (data = net, its interface named): what
// the module's USB mode asks for.
Setup quectel_net(std::vector<std::string> sets) {
  Setup s{"quectel", std::move(sets), {}, "data = net\n"};
  s.uplink = "interface = wwan0\nkind = cellular\n";
  return s;
}

std::size_t times(const std::string& log, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("Quectel in QMI mode on the net path: usbnet set to ECM and one reset, then the session starts") {
  Rig rig(quectel_net({}));
  REQUIRE_MESSAGE(rig.logged("starting the data session on wwan0: AT+QNETDEVCTL=1,1,1", 40s), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)"), rig.log_text());
  std::string log = rig.log_text();
  CHECK(log.find("data path: net ([modem] data = net)") != std::string::npos);
  CHECK(log.find("the module is in mode 0 (AT+QCFG=\"usbnet\"), not ECM (1): AT+QCFG=\"usbnet\",1, then "
                 "AT+CFUN=1,1 (once)") != std::string::npos);
  CHECK(log.find("dialing --dialed(restarting)--> absent") != std::string::npos);
  // Asked twice (before and after the reset), set once, reset once.
  CHECK(times(log, "-> AT+QCFG=\"usbnet\"\n") == 2);
  CHECK(times(log, "-> AT+QCFG=\"usbnet\",1\n") == 1);
  CHECK(times(log, "-> AT+CFUN=1,1\n") == 1);
  CHECK(log.find("-> AT+QCFG=\"usbnet\",1\n") < log.find("-> AT+CFUN=1,1\n"));
  CHECK(log.find("-> AT+CFUN=1,1\n") < log.find("-> AT+QNETDEVCTL=1,1,1\n"));
  auto sim = rig.sim_state_now();
  CHECK(sim["usbnet"] == 1);
  CHECK(sim["usbnet_sets"] == 1);
  CHECK(sim["resets"] == 1);
  CHECK(sim["net_session"] == 1);  // the session went up over AT (dry-run: no DHCP client after)
  auto m = rig.status()["modem"];
  CHECK(m["data_path"] == "net");
  CHECK(m["data_path_reason"] == "[modem] data = net");
  CHECK(m["net_mode"] == "ECM (AT+QCFG=\"usbnet\": 1)");
  CHECK(log.find("asking the recovery ladder") == std::string::npos);  // the switch is no failure
}

TEST_CASE("Quectel that stays in QMI mode after the switch: NET_MODE_UNCHANGED, stopped, no second reset") {
  Rig rig(quectel_net({"usbnet_stuck=1"}));
  REQUIRE_MESSAGE(rig.logged("--> stopped [NET_MODE_UNCHANGED]", 40s), rig.log_text());
  auto j = rig.status();
  std::string log = rig.log_text();
  CHECK(times(log, "-> AT+QCFG=\"usbnet\",1\n") == 1);
  CHECK(times(log, "-> AT+CFUN=1,1\n") == 1);
  CHECK(log.find("QNETDEVCTL") == std::string::npos);  // no session without the interface
  CHECK(log.find("asking the recovery ladder") == std::string::npos);
  auto sim = rig.sim_state_now();
  CHECK(sim["usbnet"] == 0);
  CHECK(sim["usbnet_sets"] == 1);
  CHECK(sim["resets"] == 1);
  const auto& m = j["modem"];
  CHECK(m["state"] == "stopped");
  CHECK(m["error"] == "NET_MODE_UNCHANGED");
  CHECK(m["error_detail"] ==
        "the module still reports mode 0 (AT+QCFG=\"usbnet\") after AT+QCFG=\"usbnet\",1 and AT+CFUN=1,1, so its ECM "
        "network interface never appears; not switched or reset again: set its mode by hand, or use data = ppp");
  CHECK(m["net_mode"] == "still 0 after the switch to 1 and a reset");
  CHECK(j["recovery"]["stopped_by"] == "NET_MODE_UNCHANGED");
  auto text = rig.ctl({"status"});
  CHECK(
      text.output.find("  data path net ([modem] data = net), USB mode still 0 after the switch to 1 and a reset\n") !=
      std::string::npos);
  CHECK(text.output.find("  error NET_MODE_UNCHANGED: the module still reports mode 0") != std::string::npos);
}

TEST_CASE("a Quectel already in ECM: asked, not switched, not reset") {
  Rig rig(quectel_net({"usbnet=1"}));
  REQUIRE_MESSAGE(rig.logged("starting the data session on wwan0: AT+QNETDEVCTL=1,1,1"), rig.log_text());
  std::string log = rig.log_text();
  CHECK(times(log, "-> AT+QCFG=\"usbnet\"\n") == 1);
  CHECK(log.find("-> AT+QCFG=\"usbnet\",1") == std::string::npos);
  CHECK(log.find("-> AT+CFUN=1,1") == std::string::npos);
  CHECK(rig.sim_state_now()["resets"] == 0);
}

TEST_CASE("[modem] rat: Huawei ^SYSCFGEX and Quectel nwscanmode after the probe; a stick without one keeps its own") {
  {
    Rig rig(Setup{"huawei", {"lte=1", "act=7", "cdrom=off"}, {}, "rat = lte-3g\n"});
    REQUIRE_MESSAGE(rig.logged("[modem] rat = lte-3g: AT^SYSCFGEX=\"0302\",3FFFFFFF,2,4,7FFFFFFFFFFFFFFF,,"),
                    rig.log_text());
    CHECK(rig.sim_state_now()["rat_mode"] == "0302");
  }
  {
    Rig rig(Setup{"quectel", {}, {}, "rat = lte\n"});
    REQUIRE_MESSAGE(rig.logged("[modem] rat = lte: AT+QCFG=\"nwscanmode\",3,1"), rig.log_text());
    CHECK(rig.sim_state_now()["rat_mode"] == "3");
  }
  {
    Rig rig(Setup{"quectel", {}, {}, "rat = lte-3g\n"});  // nwscanmode has no LTE-and-3G mode
    REQUIRE_MESSAGE(rig.logged("[modem] rat = lte-3g: the quectel profile has no command for it; the stick keeps its "
                               "own setting"),
                    rig.log_text());
    REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
    CHECK(rig.sim_state_now()["rat_mode"].is_null());
  }
  {
    Rig rig(Setup{"quectel"});  // auto: nothing sent
    REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
    CHECK(rig.log_text().find("nwscanmode") == std::string::npos);
  }
}

TEST_CASE("CD-ROM already off: queried, not touched") {
  Rig rig(Setup{"zte", {"cdrom=off"}});
  REQUIRE(rig.logged("--> dialing"));
  CHECK(rig.log_text().find("-> AT+ZCDRUN=4") != std::string::npos);
  CHECK(rig.log_text().find("-> AT+ZCDRUN=8") == std::string::npos);
  auto m = rig.status()["modem"];
  CHECK(m["cdrom"] == "off");
  CHECK(m["cdrom_action"] == "");
}

TEST_CASE("Huawei with CD-ROM on: ^U2DIAG=0, and disable_cdrom = false leaves it on") {
  {
    Rig rig(Setup{"huawei"});
    REQUIRE(rig.logged("--> dialing"));
    CHECK(rig.sim_state_now()["u2diag"] == 0);
    CHECK(rig.status()["modem"]["cdrom_action"] == "disabled");
  }
  {
    Rig rig(Setup{"huawei", {}, "", "disable_cdrom = false\n"});
    REQUIRE(rig.logged("--> dialing"));
    CHECK(rig.sim_state_now()["u2diag"] == 276);
    CHECK(rig.sim_state_now()["cdrom"] == true);
    auto m = rig.status()["modem"];
    CHECK(m["cdrom"] == "on");
    CHECK(m["cdrom_action"] == "left on (disable_cdrom = false)");
    CHECK(rig.log_text().find("U2DIAG=0") == std::string::npos);
  }
}

TEST_CASE("a wrong PIN is tried once, SIM_PIN_WRONG is reported, and it is never retried (also after a restart)") {
  // The SIM's PIN is 1234. The wrong one is a string no log line holds by chance (dry-run logs 0xfb000001).
  Rig rig(Setup{"zte", {"pin=on"}, "9753"});
  REQUIRE_MESSAGE(rig.logged("--> stopped [SIM_PIN_WRONG]"), rig.log_text());
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "SIM_PIN_WRONG");
  CHECK(j["modem"]["state"] == "stopped");
  CHECK(j["recovery"]["stopped_by"] == "SIM_PIN_WRONG");
  CHECK(rig.sim_state_now()["pin_tries"] == 2);             // exactly one wrong try
  CHECK(rig.log_text().find("9753") == std::string::npos);  // the PIN itself is never logged
  auto record = nlohmann::json::parse(fb::test::read_file(rig.dir / "state/sim-pin.json"));
  CHECK(record["tried"] == nlohmann::json::array({kIccidZte}));
  struct stat st {};
  REQUIRE(::stat((rig.dir / "state/sim-pin.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);

  // An operator reset: the SIM asks for its PIN again, and still gets none.
  auto r = rig.ctl({"reset-modem"});
  CHECK(r.code == 0);
  REQUIRE(rig.logged("--> stopped [SIM_PIN_WRONG]", 20s, 2));
  CHECK(rig.sim_state_now()["pin_tries"] == 2);

  // A restart reads the record: still not retried.
  rig.stop();
  std::filesystem::remove(rig.log);
  rig.start();
  REQUIRE(rig.logged("--> stopped [SIM_PIN_WRONG]"));
  CHECK(rig.log_text().find("1 SIM(s) on record whose PIN is not tried again") != std::string::npos);
  CHECK(rig.sim_state_now()["pin_tries"] == 2);
  CHECK(rig.status()["modem"]["error_detail"].get<std::string>().find("never tried again") != std::string::npos);
}

TEST_CASE("the right PIN unlocks the SIM once and leaves no record") {
  Rig rig(Setup{"zte", {"pin=on"}, "1234"});
  REQUIRE_MESSAGE(rig.logged("--> dialing"), rig.log_text());
  CHECK(rig.sim_state_now()["sim"] == "ready");
  CHECK(rig.sim_state_now()["pin_tries"] == 3);
  auto record = nlohmann::json::parse(fb::test::read_file(rig.dir / "state/sim-pin.json"));
  CHECK(record["tried"].empty());
}

TEST_CASE("the PIN record cannot be written: the PIN is not sent, SIM_PIN_RECORD_UNWRITABLE in /status") {
  Setup setup{"zte", {"pin=on"}, "1234"};
  // The record's temporary file is a directory: no write can succeed, not even as root.
  Rig rig(setup, [](const std::string& dir) { std::filesystem::create_directories(dir + "/state/sim-pin.json.tmp"); });
  REQUIRE_MESSAGE(rig.logged("--> stopped [SIM_PIN_RECORD_UNWRITABLE]"), rig.log_text());
  CHECK(rig.sim_state_now()["pin_tries"] == 3);  // nothing was tried
  CHECK(rig.log_text().find("AT+CPIN=") == std::string::npos);
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "SIM_PIN_RECORD_UNWRITABLE");
  CHECK(j["modem"]["error_detail"].get<std::string>().find("sim-pin.json") != std::string::npos);
  CHECK(j["modem"]["pin_retries"] == 3);
  CHECK(j["recovery"]["stopped_by"] == "SIM_PIN_RECORD_UNWRITABLE");
  CHECK_FALSE(std::filesystem::exists(rig.dir / "state/sim-pin.json"));
}

TEST_CASE("a corrupt PIN record counts as a try for every SIM: SIM_PIN_RECORD_UNREADABLE, nothing sent") {
  Rig rig(Setup{"zte", {"pin=on"}, "1234"}, [](const std::string& dir) {
    std::filesystem::create_directories(dir + "/state");
    fb::test::write_file(dir + "/state/sim-pin.json", "{\"tried\": [\"8944200053", 0600);  // cut short
  });
  REQUIRE_MESSAGE(rig.logged("--> stopped [SIM_PIN_RECORD_UNREADABLE]"), rig.log_text());
  CHECK(rig.sim_state_now()["pin_tries"] == 3);
  CHECK(rig.log_text().find("AT+CPIN=") == std::string::npos);
  CHECK(rig.status()["modem"]["error_detail"].get<std::string>().find("sim-pin.json") != std::string::npos);
  CHECK(fb::test::read_file(rig.dir / "state/sim-pin.json") == "{\"tried\": [\"8944200053");  // left for the user
}

TEST_CASE("one PIN attempt left: not used; SIM_PIN_LAST_ATTEMPT and the count in /status") {
  Rig rig(Setup{"zte", {"pin=on", "pin_tries=1"}, "1234"});
  REQUIRE_MESSAGE(rig.logged("--> stopped [SIM_PIN_LAST_ATTEMPT]"), rig.log_text());
  CHECK(rig.log_text().find("-> AT+ZPINPUK=?") != std::string::npos);  // the profile's own query
  CHECK(rig.sim_state_now()["pin_tries"] == 1);
  auto m = rig.status()["modem"];
  CHECK(m["pin_retries"] == 1);
  CHECK(rig.log_text().find("AT+CPIN=") == std::string::npos);
}

TEST_CASE("Huawei refusing AT+CCID: the ICCID comes from ^ICCID?, and the PIN is keyed by it") {
  Rig rig(Setup{"huawei", {"pin=on", "ccid=cme", "cdrom=off"}, "1234"});
  REQUIRE_MESSAGE(rig.logged("--> dialing"), rig.log_text());
  CHECK(rig.log_text().find("-> AT^ICCID?") != std::string::npos);
  CHECK(rig.log_text().find("-> AT^CPIN?") != std::string::npos);
  CHECK(rig.status()["modem"]["iccid"] == "893241**********0476");
  CHECK(rig.sim_state_now()["pin_tries"] == 3);
}

TEST_CASE("no command tells the ICCID: no PIN is entered (SIM_PIN_NO_ICCID); +CRSM was tried too") {
  Rig rig(Setup{"generic", {"pin=on", "ccid=none"}, "1234"});
  REQUIRE_MESSAGE(rig.logged("--> stopped [SIM_PIN_NO_ICCID]"), rig.log_text());
  CHECK(rig.log_text().find("-> AT+CRSM=176,12258,0,0,10") != std::string::npos);
  CHECK(rig.sim_state_now()["pin_tries"] == 3);
  CHECK(rig.log_text().find("AT+CPIN=") == std::string::npos);
}

TEST_CASE("a SIM that wants a PIN without pin_file: SIM_PIN_REQUIRED, nothing sent") {
  Rig rig(Setup{"generic", {"pin=on"}});
  REQUIRE(rig.logged("--> stopped [SIM_PIN_REQUIRED]"));
  CHECK(rig.sim_state_now()["pin_tries"] == 3);
  CHECK(rig.log_text().find("AT+CPIN=") == std::string::npos);
}

TEST_CASE("SIM missing: SIM_MISSING, and no recovery attempt (a reset cannot put a SIM in)") {
  Rig rig(Setup{"generic", {"sim=absent"}});
  REQUIRE_MESSAGE(rig.logged("sim_checked(missing)"), rig.log_text());
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "SIM_MISSING");
  CHECK(j["modem"]["state"] == "sim");
  CHECK(j["recovery"]["failures"] == 0);
}

TEST_CASE("registration denied: REG_DENIED") {
  Rig rig(Setup{"generic", {"reg=denied"}});
  REQUIRE_MESSAGE(rig.logged("polled(denied)"), rig.log_text());
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "REG_DENIED");
  CHECK(j["modem"]["registration"] == "denied");
  CHECK(j["modem"]["state"] == "searching");
  // A denial is the network's word: no reset, power cycle or reboot can change it.
  CHECK(j["recovery"]["failures"] == 0);
  CHECK(rig.log_text().find("--recover(") == std::string::npos);
}

TEST_CASE("a silent modem: AT_TIMEOUT, the ladder climbs (redial, reset, power cycle), then waits; no crash, no spin") {
  Rig rig(Setup{"zte", {"silent=1"}});
  REQUIRE_MESSAGE(rig.logged("probing --probed(AT_TIMEOUT)--> recovering"), rig.log_text());
  REQUIRE(rig.logged("--recover(reset_modem)--> resetting"));
  REQUIRE_MESSAGE(rig.logged("recovery: acting --failure(BAD_LOCATION)--> exhausted"), rig.log_text());
  double cpu_before = fb::test::cpu_seconds_of(rig.daemon.process().pid());
  REQUIRE(rig.logged("exhausted --timer--> acting"));  // backoff_max later it starts over, once
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "AT_TIMEOUT");
  CHECK(j["recovery"]["attempts"]["redial"] >= 3);  // its budget first (refused at once: not registered)
  CHECK(j["recovery"]["attempts"]["reset_modem"].get<int>() >= 1);
  CHECK(j["recovery"]["attempts"]["power_cycle"].get<int>() >= 2);  // tried, and refused: a pty is not on USB
  CHECK(j["recovery"]["attempts"]["reboot"] == 0);                  // reboot_allowed = false
  CHECK(fb::test::cpu_seconds_of(rig.daemon.process().pid()) - cpu_before <
        0.5);  // about a second of waiting: no busy loop
  CHECK(j["recovery"]["last_power_cycle"].get<std::string>().find("BAD_LOCATION: the modem is not on USB") == 0);
  // The port closed for the refused cycles was opened again: whatever the
  // machine is doing with it now, the verb is refused for the same reason.
  std::string cycle = rig.ctl({"cycle-usb"}).output;
  CHECK(cycle.rfind("failberryctl: BAD_LOCATION: no USB modem found to power-cycle (", 0) == 0);
  CHECK(cycle.find("); set [recovery] hub and hub_port to name the port\n") != std::string::npos);
  CHECK(rig.daemon.process().running());
}

TEST_CASE("the reboot rung with an unwritable record: no reboot (REBOOT_NOT_RECORDED); a written one is kept") {
  {
    Setup s{"zte", {"silent=1"}};
    s.recovery_extra = "reboot_allowed = true\n";
    Rig rig(s, [](const std::string& dir) { std::filesystem::create_directories(dir + "/state/reboots.json.tmp"); });
    REQUIRE_MESSAGE(rig.logged("not rebooting: the reboot could not be recorded first"), rig.log_text());
    REQUIRE_MESSAGE(rig.logged("recorded(REBOOT_NOT_RECORDED)"), rig.log_text());
    CHECK(rig.log_text().find("dry-run: not rebooting") == std::string::npos);  // refused before it got there
    CHECK(rig.daemon.process().running());
  }
  {
    Setup s{"zte", {"silent=1"}};
    s.recovery_extra = "reboot_allowed = true\n";
    Rig rig(s);
    REQUIRE_MESSAGE(rig.logged("dry-run: not rebooting"), rig.log_text());
    auto record = nlohmann::json::parse(fb::test::read_file(rig.dir / "state/reboots.json"));
    REQUIRE(record["reboots"].size() == 1);
    CHECK(record["reboots"][0]["boot_id"] == fb::test::read_file("/proc/sys/kernel/random/boot_id").substr(0, 36));
    CHECK(record["reboots"][0]["uptime"].get<std::int64_t>() > 0);
    CHECK_FALSE(record["last_reason"].get<std::string>().empty());
  }
}

TEST_CASE("unplugged: EOF/EIO becomes MODEM_GONE, the daemon keeps running without spinning") {
  Rig rig(Setup{"zte", {"cdrom=off"}});
  REQUIRE(rig.logged("--> dialing"));
  REQUIRE(rig.logged("--link_down("));
  rig.sim.ok("unplug");
  CHECK_FALSE(std::filesystem::exists(rig.pty));  // gone with the device, whatever pty the kernel hands out next
  REQUIRE_MESSAGE(rig.logged("--> absent [MODEM_GONE]"), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("the modem did not come back"), rig.log_text());
  double cpu_before = fb::test::cpu_seconds_of(rig.daemon.process().pid());
  REQUIRE(rig.logged("scanned(NO_MODEM)", 20s, 1));
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "MODEM_GONE");
  CHECK(j["modem"]["gone"] == 1);
  CHECK(j["modem"]["state"] == "absent");
  CHECK(j["recovery"]["failures"].get<int>() >= 1);
  CHECK(fb::test::cpu_seconds_of(rig.daemon.process().pid()) - cpu_before < 0.5);
  CHECK(rig.daemon.process().running());
  auto r = rig.ctl({"reset-modem"});
  CHECK(r.code == 1);
  CHECK(r.output.find("NO_MODEM: no modem to reset (absent, MODEM_GONE") != std::string::npos);
}

TEST_CASE("dialing: the APN's context, ATD*99#, CONNECT, and the line handed to pppd") {
  Rig rig(Setup{"generic", {"cdrom=off"}});
  REQUIRE_MESSAGE(rig.logged("--> dialing"), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--link_down("), rig.log_text());
  auto sim = rig.sim_state_now();
  CHECK(sim["dialed"] == "*99#");
  CHECK(sim["contexts"]["1"] == nlohmann::json::array({"IPV4V6", "internet"}));  // unset pdp_type, IPV4V6 listed
  CHECK(sim["data_mode"] == true);
  CHECK(rig.log_text().find("CONNECT 7200000; dry-run: not starting /usr/sbin/pppd nodetach") != std::string::npos);
  CHECK(rig.log_text().find("started pppd") == std::string::npos);  // dry-run spawns no pppd
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "DRY_RUN");
  CHECK(j["modem"]["error_detail"].get<std::string>().find("dry-run: the data link is not started") == 0);
  CHECK(j["recovery"]["stopped_by"] == "DRY_RUN");
  CHECK(j["recovery"]["attempts"]["redial"] == 0);

  // Stopped, then the stick is unplugged and comes back: it starts over, without a restart.
  rig.sim.ok("powercycle");
  REQUIRE_MESSAGE(rig.logged("the stick was unplugged while stopped by DRY_RUN: starting over"), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--> dialing", 20s, 2), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)", 20s, 2), rig.log_text());
  CHECK(rig.log_text().find("recovery: stopped --resume--> idle") != std::string::npos);
}

TEST_CASE("a reload applies [modem] changes (the supervisor restarts); one that changes nothing leaves it be") {
  Rig rig(Setup{"generic", {"cdrom=off"}});
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)"), rig.log_text());
  rig.daemon.process().signal(SIGHUP);  // the same file
  REQUIRE(rig.logged("reloaded:"));
  CHECK(rig.log_text().find("restarting the modem supervisor") == std::string::npos);
  std::string ini = fb::test::read_file(rig.dir / "f.ini");
  auto at = ini.find("apn = internet");
  REQUIRE(at != std::string::npos);
  ini.replace(at, 14, "apn = example.net");
  fb::test::write_file(rig.dir / "f.ini", ini);
  rig.sim.ok("hangup");  // the stick back in command mode, as a real hang-up leaves it
  rig.daemon.process().signal(SIGHUP);
  REQUIRE_MESSAGE(rig.logged("restarting the modem supervisor"), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)", 20s, 2), rig.log_text());
  CHECK(rig.sim_state_now()["contexts"]["1"] == nlohmann::json::array({"IPV4V6", "example.net"}));
}

TEST_CASE("no secret of the config reaches the log: PIN, PPP password") {
  // The SIM's PIN is 1234 (a number a pid could hold: looked for as the channel would write it);
  // the password is a string no log line holds by chance.
  Rig rig(Setup{"zte", {"pin=on"}, "1234"}, [](const std::string& dir) {
    fb::test::write_file(dir + "/ppp.secret", "user fb-user\npassword pw-7Hq2xZ9\n", 0600);
  });
  // The Rig's config has no [ppp] yet: add one and reload (the supervisor restarts and dials again).
  std::string ini = fb::test::read_file(rig.dir / "f.ini");
  ini += "[ppp]\ncredentials_file = " + (rig.dir / "ppp.secret") + "\n";
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)"), rig.log_text());
  fb::test::write_file(rig.dir / "f.ini", ini);
  rig.sim.ok("hangup");
  rig.daemon.process().signal(SIGHUP);
  REQUIRE_MESSAGE(rig.logged("--link_down(DRY_RUN)", 20s, 2), rig.log_text());
  std::string log = rig.log_text();
  CHECK(log.find("AT+CPIN=") != std::string::npos);  // the PIN went out, masked
  CHECK(log.find("\"1234\"") == std::string::npos);
  CHECK(log.find("pw-7Hq2xZ9") == std::string::npos);
  CHECK(rig.ctl({"status", "--json"}).output.find("pw-7Hq2xZ9") == std::string::npos);
}

TEST_CASE("a PPP login file opened to others after the config check: the dial refuses it, nothing is dialled") {
  Setup setup{"generic", {"cdrom=off", "reg=searching"}};
  setup.ppp_login = "user fb-user\npassword pw-7Hq2xZ9\n";
  Rig rig(setup);  // started: the config check accepted the file (mode 0600)
  REQUIRE_MESSAGE(rig.logged("--> searching"), rig.log_text());
  ::chmod((rig.dir / "ppp.secret").c_str(), 0644);
  rig.sim.ok("set reg=home");
  REQUIRE_MESSAGE(rig.logged("BAD_DIAL_SETTINGS"), rig.log_text());
  auto j = rig.status();
  CHECK(j["modem"]["error"] == "BAD_DIAL_SETTINGS");
  CHECK(j["modem"]["error_detail"].get<std::string>().find(
            "ppp.secret: accessible by group or others (mode 0644); run: chmod 600") != std::string::npos);
  CHECK(rig.sim_state_now()["dialed"].is_null());  // no ATD
  CHECK(rig.log_text().find("pw-7Hq2xZ9") == std::string::npos);
}

TEST_CASE("a dial the network refuses (NO CARRIER) climbs the redial rung with its backoff") {
  Rig rig(Setup{"generic", {"cdrom=off", "dial=no_carrier"}});
  REQUIRE_MESSAGE(rig.logged("dialing --dialed(NO_CARRIER)--> recovering"), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("recovering --recover(redial)--> dialing", 20s, 3), rig.log_text());
  REQUIRE_MESSAGE(rig.logged("--recover(reset_modem)--> resetting"), rig.log_text());
  auto j = rig.status();
  CHECK(j["recovery"]["attempts"]["redial"].get<int>() >= 3);
  CHECK(j["recovery"]["attempts"]["reset_modem"].get<int>() >= 1);
  CHECK(j["recovery"]["last_failure"] == "NO_CARRIER");
  CHECK(rig.log_text().find("redial attempt 2/3 in 400ms") != std::string::npos);  // the backoff doubled
}
