// failberryd (dry-run) with [modem] device = a USB port path in a fake sysfs
// tree (FAILBERRY_SYSFS_ROOT) whose stick has three ttys and a profile that
// does not name the AT port. The tty names resolve under FAILBERRY_DEV_ROOT
// to real ptys: modemsim.py behind one of them, silent ptys behind the
// others. The daemon's AtPortFinder must pick the one that answers, report
// what it tried in the log and /status, and reach registration; with no
// answering port it must say so clearly and wait without spinning.
// Every wait is for a line in the daemon's log (inotify, bounded), never a sleep.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon_process.hpp"
#include "notify_listener.hpp"
#include "process.hpp"
#include "sim_modem.hpp"

using namespace std::chrono_literals;
using fb::test::SimModem;
namespace fs = std::filesystem;

namespace {

// A pty whose master the test holds and never reads: whatever is written to
// its slave goes unanswered (a diagnostics or GPS port that ignores AT).
struct SilentPty {
  SilentPty() {
    fd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::grantpt(fd) == 0);
    REQUIRE(::unlockpt(fd) == 0);
    path = ::ptsname(fd);
  }
  ~SilentPty() { ::close(fd); }
  int fd = -1;
  std::string path;
};

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text << "\n";
}

// One stick at 1-1.3 (a Sierra id: the generic profile, which names no AT
// port) with interfaces 0, 2, 3, each with one tty; `targets` are the ptys
// behind ttyUSB0, ttyUSB1, ttyUSB2 in that order.
void build_tree(const fs::path& sysfs, const fs::path& dev, const std::vector<std::string>& targets) {
  fs::path devices = sysfs / "bus" / "usb" / "devices";
  fs::create_directories(devices / "usb1");
  write_text(devices / "usb1" / "idVendor", "1d6b");
  write_text(devices / "usb1" / "idProduct", "0002");
  fs::path d = devices / "1-1.3";
  fs::create_directories(d);
  write_text(d / "idVendor", "1199");
  write_text(d / "idProduct", "68a3");
  write_text(d / "product", "Test stick");
  const int numbers[] = {0, 2, 3};
  fs::create_directories(dev);
  for (int i = 0; i < 3; ++i) {
    fs::path idir = devices / ("1-1.3:1." + std::to_string(numbers[i]));
    fs::create_directories(idir);
    write_text(idir / "bInterfaceNumber", "0" + std::to_string(numbers[i]));
    write_text(idir / "bInterfaceClass", "ff");
    write_text(idir / "bInterfaceSubClass", "ff");
    write_text(idir / "bInterfaceProtocol", "ff");
    fs::create_symlink("../../../bus/usb/drivers/sierra", idir / "driver");
    std::string tty = "ttyUSB" + std::to_string(i);
    fs::create_directories(idir / tty);
    fs::create_symlink(targets[static_cast<std::size_t>(i)], dev / tty);
  }
}

struct Rig {
  fb::test::TempDir dir;
  std::string socket = dir / "control.sock";
  std::string log = dir / "daemon.log";
  fb::test::DaemonProcess daemon{dir / "f.ini", socket, log, dir.path()};

  explicit Rig(const std::vector<std::string>& targets) {
    build_tree(dir / "sys", dir / "dev", targets);
    std::string ini = "[general]\ndry_run = true\nlog_level = debug\ncontrol_socket = " + socket +
                      "\nstate_dir = " + (dir / "state") +
                      "\n[modem]\napn = internet\ndevice = 1-1.3\ncommand_timeout = 1s\n"
                      "[uplink.cellular]\ninterface = ppp0\nkind = ppp\npriority = 10\n"
                      "[health]\nlisten = 127.0.0.1\nport = " +
                      std::to_string(fb::test::free_tcp_port()) + "\n";
    fb::test::write_file(dir / "f.ini", ini);
    daemon.start({"FAILBERRY_SYSFS_ROOT=" + (dir / "sys"), "FAILBERRY_DEV_ROOT=" + (dir / "dev")});
  }
  ~Rig() {
    if (daemon.running()) daemon.stop();
  }
  nlohmann::json status() {
    auto r = daemon.ctl({"status", "--json"});
    REQUIRE_MESSAGE(r.code == 0, r.output << "\n" << log_text());
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    REQUIRE(j.is_object());
    return j;
  }
  bool logged(const std::string& needle, std::chrono::milliseconds limit = 30s, std::size_t n = 1) {
    return fb::test::wait_for_text(log, needle, limit, n);
  }
  std::string log_text() { return fb::test::read_file(log); }
};

}  // namespace

TEST_CASE("three ttys, one answers AT: the daemon searches, picks it, reports the search and registers") {
  SilentPty first, second;
  fb::test::TempDir simdir;
  SimModem sim(SimModem::Options("generic", {}, simdir / "sim-state.json"));
  std::string sim_pty = fs::canonical(sim.tty()).string();
  Rig rig({first.path, second.path, sim_pty});

  REQUIRE_MESSAGE(rig.logged("--polled(home)-->"), rig.log_text());
  std::string text = rig.log_text();
  CHECK(text.find("probing 3 ttys") != std::string::npos);
  CHECK(text.find("AT port probe: ttyUSB0: no answer") != std::string::npos);
  CHECK(text.find("ttyUSB2: OK -> ttyUSB2") != std::string::npos);
  // The silent ports were asked (their masters hold the AT the finder wrote) and not chosen.
  char buf[64];
  CHECK(::read(first.fd, buf, sizeof buf) > 0);
  CHECK(::read(second.fd, buf, sizeof buf) > 0);

  auto m = rig.status()["modem"];
  CHECK(m["device"] == rig.dir / "dev" + "/ttyUSB2");
  CHECK(m["registration"] == "home");
  std::string probe = m["at_probe"].get<std::string>();
  CHECK(probe.find("ttyUSB0: no answer") != std::string::npos);
  CHECK(probe.find("ttyUSB1: no answer") != std::string::npos);
  CHECK(probe.find("ttyUSB2: OK") != std::string::npos);
  CHECK(m["mode_switch"] == "");
}

TEST_CASE("three ttys, none answers: AT_TIMEOUT naming each port, looked at again on a timer, no spin") {
  SilentPty a, b, c;
  Rig rig({a.path, b.path, c.path});

  REQUIRE_MESSAGE(rig.logged("AT port probe: AT_TIMEOUT"), rig.log_text());
  auto m = rig.status()["modem"];
  CHECK(m["state"] == "absent");
  CHECK(m["error"] == "AT_TIMEOUT");
  std::string detail = m["error_detail"].get<std::string>();
  CHECK(detail.find("1199:68a3") != std::string::npos);
  CHECK(detail.find("ttyUSB0") != std::string::npos);
  CHECK(detail.find("ttyUSB1") != std::string::npos);
  CHECK(detail.find("ttyUSB2") != std::string::npos);
  std::string probe = m["at_probe"].get<std::string>();
  CHECK(fb::test::count_in(probe, "no answer") == 3);

  // The next look comes from the machine's scan timer (10 s), not a loop.
  double cpu_before = fb::test::cpu_seconds_of(rig.daemon.process().pid());
  REQUIRE_MESSAGE(rig.logged("AT port probe: AT_TIMEOUT", 40s, 2), rig.log_text());
  CHECK(fb::test::cpu_seconds_of(rig.daemon.process().pid()) - cpu_before < 0.5);  // ~16 s of waiting: no busy loop
  CHECK(fb::test::count_in(rig.log_text(), "AT port probe: AT_TIMEOUT") <= 3);
  CHECK(rig.status()["modem"]["error"] == "AT_TIMEOUT");
}
