// The net data path end to end, in the composition root (Daemon) itself:
// the modem is modemsim.py as a Huawei stick on a pty; its "network
// interface" is a veth (fbW) in a "pi" namespace whose peer, in a "carrier"
// namespace, holds the gateway the stick reports (10.64.12.33/29). The wired
// uplink is a veth towards a "peer" namespace. Nothing is dry-run: the
// daemon's NetlinkSystem really puts the modem's address on fbW and moves
// the default route, inside the namespaces the test made.
//   wired: fbA 10.0.1.2/24, gateway 10.0.1.1, priority 10
//   lte:   fbW, kind = cellular, [modem] data = net, priority 20
// The second case is a generic stick (+CGACT) whose interface gets its
// address by DHCP: busybox udhcpd in the carrier namespace serves it, the
// daemon's udhcpc (busybox, with the event script from the source tree)
// asks, and the lease goes on fbW like an address the modem reported.
// The last two say interface = auto: the daemon is given a fake sysfs tree
// (FAILBERRY_SYSFS_ROOT) holding a Huawei E3372h whose PCUI tty resolves
// (FAILBERRY_DEV_ROOT) to the simulator's pty and whose NCM function's
// network interface is fbW — it appears there only once the daemon is
// dialing, as a stick's interface may come up after its ttys — or never.
// Root, else 77.
#include <doctest/doctest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "fake_sysfs.hpp"
#include "fb/core/daemon.hpp"
#include "log_capture.hpp"
#include "log_script.hpp"
#include "netns.hpp"
#include "ns_must.hpp"
#include "process.hpp"
#include "service_rig.hpp"
#include "sim_modem.hpp"

using namespace std::chrono_literals;
using fb::test::must;
using fb::test::NetNamespace;
namespace asio = boost::asio;

namespace {

const fb::test::RootRequired root_required("the net data path namespace test");

std::string dev_link() {
  std::string path = "/dev/fb-netlink-" + std::to_string(::getpid());
  return ::access("/dev", W_OK) == 0 ? path : std::string();
}

// `carrier_address`: the stick's side of fbW (its gateway, its DHCP server).
void build_topology(const NetNamespace& pi, const NetNamespace& peer, const NetNamespace& carrier,
                    const std::string& carrier_address) {
  must(pi, {"ip", "link", "add", "fbA", "type", "veth", "peer", "name", "fbAp", "netns", peer.name()});
  must(pi, {"ip", "link", "add", "fbW", "type", "veth", "peer", "name", "fbWp", "netns", carrier.name()});
  must(pi, {"ip", "addr", "add", "10.0.1.2/24", "dev", "fbA"});
  must(peer, {"ip", "addr", "add", "10.0.1.1/24", "dev", "fbAp"});
  must(carrier, {"ip", "addr", "add", carrier_address, "dev", "fbWp"});
  must(pi, {"ip", "link", "set", "fbA", "up"});
  must(peer, {"ip", "link", "set", "fbAp", "up"});
  must(carrier, {"ip", "link", "set", "fbWp", "up"});
  // fbW stays down: bringing the stick's interface up is the daemon's job.
}

std::string ini(const std::string& dir, const std::string& tty, const std::string& profile = "huawei",
                const std::string& gateway = "10.64.12.33", const std::string& interface = "fbW") {
  return "[general]\nmode = router\nstate_dir = " + dir + "\ncontrol_socket = " + dir +
         "/control.sock\n"
         "[modem]\ndevice = " +
         tty + "\nprofile = " + profile +
         "\napn = internet\ndata = net\ncommand_timeout = 1s\n"
         "[ppp]\nconnect_timeout = 5s\n"
         "[uplink.wired]\ninterface = fbA\ngateway = 10.0.1.1\npriority = 10\nprobe_targets = 10.0.1.1\n"
         "probe_interval = 500ms\nprobe_timeout = 200ms\nup_count = 1\ndown_count = 2\n"
         "[uplink.lte]\ninterface = " +
         interface + "\nkind = cellular\npriority = 20\nprobe_targets = " + gateway +
         "\n"
         "probe_interval = 500ms\nprobe_timeout = 200ms\nup_count = 1\ndown_count = 2\n"
         "[failover]\nfailback_hold = 0s\n"
         "[nat]\nlan_interface = lo\n"
         "[health]\nlisten = 127.0.0.1\nport = 9000\n"
         "[recovery]\nbackoff_initial = 200ms\nbackoff_max = 1s\n";
}

}  // namespace

TEST_CASE(
    "net data path: the session's address goes on the stick's interface, carries the default, goes with the session") {
  NetNamespace pi{"netlink-pi"};
  NetNamespace peer{"netlink-peer"};
  NetNamespace carrier{"netlink-carrier"};
  build_topology(pi, peer, carrier, "10.64.12.33/29");
  fb::test::TempDir dir;
  fb::test::SimModem::Options so("huawei", {"cdrom=off", "net_ip=10.64.12.34/29,10.64.12.33"}, dir / "sim.json");
  so.link = dev_link();
  fb::test::SimModem sim(so);
  std::string tty = sim.tty().rfind("/dev/", 0) == 0 ? sim.tty() : std::filesystem::canonical(sim.tty()).string();

  NetNamespace::Enter inside{pi};
  fb::test::LogCapture log;
  asio::io_context io;
  std::string path = dir / "f.ini";
  fb::test::write_file(path, ini(dir.path(), tty));
  fb::core::Daemon daemon(io, fb::core::DaemonOptions{path, false}, fb::test::parse_ini(ini(dir.path(), tty)));

  auto address_on_fbW = [&] { return must(pi, {"ip", "-4", "-o", "address", "show", "dev", "fbW"}); };
  std::string addr_up, default_after_cut, addr_after_drop;
  fb::test::LogScript script(
      io, log.lines,
      {
          {{"uplink[lte]: 10.64.12.34/29 on fbW via 10.64.12.33"}, [&] { addr_up = address_on_fbW(); }},
          {{"uplink[lte]", "--> up"},  // its probes went out through fbW and were answered
           [&] {
             must(pi, {"ip", "link", "set", "fbA", "down"});  // the wired line fails
           }},
          {{"default route now via lte"},
           [&] {
             default_after_cut = must(pi, {"ip", "-4", "route", "show", "default", "table", "main"});
             sim.ok("netdrop");  // the network ends the stick's session
           }},
          {{"removed 10.64.12.34/29 from fbW"}, [&] { addr_after_drop = address_on_fbW(); }},
          {{"data session up on fbW"}, [] { ::raise(SIGTERM); }},  // the ladder's redial brought it back
      },
      60s);
  int code = daemon.run();
  std::string all;
  for (const auto& l : log.lines) all += l + "\n";
  INFO(all);
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);

  // The stick's ^NDISSTAT URC ended the session, at once.
  CHECK(all.find("lost: the stick reported the session down: ^NDISSTAT: 0,36,,\"IPV4\"") != std::string::npos);
  CHECK(all.find("online --link_down(NET_DISCONNECTED)--> recovering") != std::string::npos);
  auto state = nlohmann::json::parse(sim.ok("state"));
  CHECK(state["contexts"]["1"] == nlohmann::json::array({"IPV4V6", "internet"}));  // unset pdp_type, IPV4V6 listed
  // The redial had brought the session back; stopping the daemon ended it
  // on the stick (^NDISDUP=1,0) before the port closed.
  CHECK(state["net_session"].is_null());
  CHECK(all.find("stopping: ending the data session on fbW") != std::string::npos);
  CHECK(addr_up.find("inet 10.64.12.34/29") != std::string::npos);
  CHECK(default_after_cut.find("default via 10.64.12.33 dev fbW") != std::string::npos);
  CHECK(addr_after_drop.find("10.64.12.34") == std::string::npos);
  // The daemon stopped: what it put on the stick's interface went with it.
  CHECK(address_on_fbW().find("10.64.12.34") == std::string::npos);
}

TEST_CASE("net data path by DHCP: the stick's DHCP server leases the address; the daemon's udhcpc asks for it") {
  const char* busybox = "/bin/busybox";
  if (::access(busybox, X_OK) != 0) {
    MESSAGE("SKIPPED: " << busybox << " missing (busybox-static, tests/setup_deps.sh)");
    return;
  }
  NetNamespace pi{"netdhcp-pi"};
  NetNamespace peer{"netdhcp-peer"};
  NetNamespace carrier{"netdhcp-carrier"};
  build_topology(pi, peer, carrier, "192.0.2.1/24");
  fb::test::TempDir dir;
  fb::test::write_file(dir / "udhcpd.conf", "start 192.0.2.50\nend 192.0.2.50\ninterface fbWp\nlease_file " +
                                                dir / "leases" + "\npidfile " + dir / "udhcpd.pid" +
                                                "\noption subnet 255.255.255.0\noption router 192.0.2.1\n"
                                                "option dns 192.0.2.1\noption lease 600\n");
  fb::test::write_file(dir / "leases", "");
  fb::test::SpawnOptions so_server;
  so_server.stdout_path = so_server.stderr_path = dir / "udhcpd.log";
  fb::test::Process udhcpd(carrier.wrap({busybox, "udhcpd", "-f", "-a", "200", dir / "udhcpd.conf"}), so_server);
  REQUIRE(fb::test::wait_for_text(dir / "udhcpd.log", "started", 10s));

  fb::test::SimModem::Options so("generic", {"cdrom=off"}, dir / "sim.json");
  so.link = dev_link();
  fb::test::SimModem sim(so);
  std::string tty = sim.tty().rfind("/dev/", 0) == 0 ? sim.tty() : std::filesystem::canonical(sim.tty()).string();
  ::setenv("FAILBERRY_UDHCPC", busybox, 1);
  ::setenv("FAILBERRY_UDHCPC_EVENT", FB_SOURCE_DIR "/image/overlay/usr/libexec/failberry/udhcpc-event", 1);

  NetNamespace::Enter inside{pi};
  fb::test::LogCapture log;
  asio::io_context io;
  std::string path = dir / "f.ini";
  std::string text = ini(dir.path(), tty, "generic", "192.0.2.1");
  fb::test::write_file(path, text);
  fb::core::Daemon daemon(io, fb::core::DaemonOptions{path, false}, fb::test::parse_ini(text));
  auto address_on_fbW = [&] { return must(pi, {"ip", "-4", "-o", "address", "show", "dev", "fbW"}); };
  std::string addr_up, default_after_cut;
  fb::test::LogScript script(
      io, log.lines,
      {
          {{"data session up on fbW: 192.0.2.50/24 via 192.0.2.1 (DHCP)"}, [] {}},
          {{"uplink[lte]: 192.0.2.50/24 on fbW via 192.0.2.1"}, [&] { addr_up = address_on_fbW(); }},
          {{"uplink[lte]", "--> up"},
           [&] {
             must(pi, {"ip", "link", "set", "fbA", "down"});
           }},
          {{"default route now via lte"},
           [&] {
             default_after_cut = must(pi, {"ip", "-4", "route", "show", "default", "table", "main"});
             ::raise(SIGTERM);
           }},
      },
      60s);
  int code = daemon.run();
  ::unsetenv("FAILBERRY_UDHCPC");
  ::unsetenv("FAILBERRY_UDHCPC_EVENT");
  std::string all;
  for (const auto& l : log.lines) all += l + "\n";
  INFO(all);
  INFO(fb::test::read_file(dir / "udhcpd.log"));
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);
  CHECK(all.find("+CGACT=1,1") != std::string::npos);  // the session was started over AT first
  CHECK(addr_up.find("inet 192.0.2.50/24") != std::string::npos);
  CHECK(default_after_cut.find("default via 192.0.2.1 dev fbW") != std::string::npos);
  CHECK(address_on_fbW().find("192.0.2.50") == std::string::npos);  // gone with the daemon
}

namespace {

// The E3372h in stick mode at 1-1.2 (as in tests/modem/net_discovery_test.cpp):
// modem, NCM (huawei_cdc_ncm, no network interface yet), PCUI (AT), DIAG.
// Its ttys resolve under `dev` to the simulator's pty.
void e3372h_tree(fb::modem::test::FakeSysfs& sysfs, const std::filesystem::path& dev, const std::string& pty) {
  sysfs.device("1-1.2", "12d1", "1506",
               {{0, 0xff, 0x02, 0x01, "option", {"ttyUSB0"}},
                {1, 0xff, 0x02, 0x16, "huawei_cdc_ncm", {}},
                {2, 0xff, 0x02, 0x02, "option", {"ttyUSB1"}},
                {3, 0xff, 0x02, 0x03, "option", {"ttyUSB2"}}},
               "HUAWEI_MOBILE");
  std::filesystem::create_directories(dev);
  for (const char* tty : {"ttyUSB0", "ttyUSB1", "ttyUSB2"}) std::filesystem::create_symlink(pty, dev / tty);
}

// The daemon's view of sysfs and /dev for one test, taken back after it.
struct FakeRoots {
  FakeRoots(const std::string& sysfs, const std::string& dev) {
    ::setenv("FAILBERRY_SYSFS_ROOT", sysfs.c_str(), 1);
    ::setenv("FAILBERRY_DEV_ROOT", dev.c_str(), 1);
  }
  ~FakeRoots() {
    ::unsetenv("FAILBERRY_SYSFS_ROOT");
    ::unsetenv("FAILBERRY_DEV_ROOT");
  }
};

}  // namespace

TEST_CASE("interface = auto: the interface beside the AT port, appearing while the daemon dials, carries the default") {
  NetNamespace pi{"netauto-pi"};
  NetNamespace peer{"netauto-peer"};
  NetNamespace carrier{"netauto-carrier"};
  build_topology(pi, peer, carrier, "10.64.12.33/29");
  fb::test::TempDir dir;
  fb::test::SimModem::Options so("huawei", {"cdrom=off", "net_ip=10.64.12.34/29,10.64.12.33"}, dir / "sim.json");
  fb::test::SimModem sim(so);
  std::string pty = std::filesystem::canonical(sim.tty()).string();
  fb::modem::test::FakeSysfs sysfs;
  e3372h_tree(sysfs, dir / "dev", pty);
  FakeRoots roots(sysfs.root().string(), dir / "dev");

  NetNamespace::Enter inside{pi};
  fb::test::LogCapture log;
  asio::io_context io;
  std::string path = dir / "f.ini";
  std::string text = ini(dir.path(), "auto", "huawei", "10.64.12.33", "auto");
  fb::test::write_file(path, text);
  fb::core::Daemon daemon(io, fb::core::DaemonOptions{path, false}, fb::test::parse_ini(text));

  auto address_on_fbW = [&] { return must(pi, {"ip", "-4", "-o", "address", "show", "dev", "fbW"}); };
  std::string addr_up, default_after_cut, nft_table;
  fb::test::LogScript script(
      io, log.lines,
      {
          {{"--> dialing"},
           [&] {
             // The NCM function's interface comes up now, after the ttys.
             std::filesystem::create_directories(sysfs.root() / "bus/usb/devices/1-1.2:1.1/net/fbW");
           }},
          {{"uplink[lte]: bound to fbW"}, [] {}},
          {{"uplink[lte]: 10.64.12.34/29 on fbW via 10.64.12.33"}, [&] { addr_up = address_on_fbW(); }},
          {{"uplink[lte]", "--> up"},  // its probes went out through fbW and were answered
           [&] {
             nft_table = must(pi, {"nft", "list", "table", "inet", "failberry"});
             must(pi, {"ip", "link", "set", "fbA", "down"});  // the wired line fails
           }},
          {{"default route now via lte"},
           [&] {
             default_after_cut = must(pi, {"ip", "-4", "route", "show", "default", "table", "main"});
             ::raise(SIGTERM);
           }},
      },
      60s);
  int code = daemon.run();
  std::string all;
  for (const auto& l : log.lines) all += l + "\n";
  INFO(all);
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);

  CHECK(all.find("uplink[lte] interface = auto: fbW (huawei_cdc_ncm, USB interface 1) of 12d1:1506 at 1-1.2") !=
        std::string::npos);
  CHECK(all.find("starting the data session on fbW: AT^NDISDUP=1,1,\"internet\"") != std::string::npos);
  CHECK(all.find("NO_NET_INTERFACE") == std::string::npos);  // it came within the wait
  CHECK(addr_up.find("inet 10.64.12.34/29") != std::string::npos);
  CHECK(nft_table.find("iifname \"fbW\" ct state new ct mark set 0xfb000002") != std::string::npos);
  CHECK(nft_table.find("oifname \"fbW\"") != std::string::npos);
  CHECK(default_after_cut.find("default via 10.64.12.33 dev fbW") != std::string::npos);
  CHECK(address_on_fbW().find("10.64.12.34") == std::string::npos);  // gone with the daemon
}

TEST_CASE("interface = auto with no network interface beside the AT port: NO_NET_INTERFACE, and the ladder climbs") {
  NetNamespace pi{"netnone-pi"};
  NetNamespace peer{"netnone-peer"};
  NetNamespace carrier{"netnone-carrier"};
  build_topology(pi, peer, carrier, "10.64.12.33/29");
  fb::test::TempDir dir;
  fb::test::SimModem::Options so("huawei", {"cdrom=off", "net_ip=10.64.12.34/29,10.64.12.33"}, dir / "sim.json");
  fb::test::SimModem sim(so);
  std::string pty = std::filesystem::canonical(sim.tty()).string();
  fb::modem::test::FakeSysfs sysfs;
  e3372h_tree(sysfs, dir / "dev", pty);
  FakeRoots roots(sysfs.root().string(), dir / "dev");

  NetNamespace::Enter inside{pi};
  fb::test::LogCapture log;
  asio::io_context io;
  std::string path = dir / "f.ini";
  std::string text = ini(dir.path(), "auto", "huawei", "10.64.12.33", "auto");
  fb::test::write_file(path, text);
  fb::core::Daemon daemon(io, fb::core::DaemonOptions{path, false}, fb::test::parse_ini(text));
  std::string nft_table;
  fb::test::LogScript script(io, log.lines,
                             {
                                 {{"NO_NET_INTERFACE", "asking the recovery ladder"},
                                  [&] {
                                    nft_table = must(pi, {"nft", "list", "table", "inet", "failberry"});
                                    ::raise(SIGTERM);
                                  }},
                             },
                             60s);
  int code = daemon.run();
  std::string all;
  for (const auto& l : log.lines) all += l + "\n";
  INFO(all);
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);
  CHECK(all.find("NO_NET_INTERFACE: no network interface beside the AT port " + (dir / "dev/ttyUSB1") +
                 ": 12d1:1506 at 1-1.2 has no network interface: USB interface 1 is bound to huawei_cdc_ncm but "
                 "shows no network interface yet") != std::string::npos);
  CHECK(all.find("NDISDUP=1,1") == std::string::npos);  // no session without an interface
  CHECK(all.find("uplink[lte]: bound to") == std::string::npos);
  CHECK(nft_table.find("uplink lte") == std::string::npos);  // unbound: no rule names it
  CHECK(nft_table.find("uplink wired") != std::string::npos);
}
