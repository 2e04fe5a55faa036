// plan_cut() against sysfs and proc trees built in a temp dir, laid out as
// the kernel lays them out on each board: which port may be cut, or the
// refusal and its reason. The hub descriptor is passed as the hub reports
// it, which on the Pi boards is not the truth (the board table is).
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fb/usb/port_cut.hpp"
#include "scratch_dir.hpp"

using namespace fb::usb;
namespace fs = std::filesystem;

namespace {

Location loc(const char* text) {
  auto l = parse_location(text);
  REQUIRE_MESSAGE(l, describe(l));
  return *l;
}

HubDescriptor hub(int ports, PowerSwitching switching) {
  HubDescriptor d;
  d.ports = ports;
  d.switching = switching;
  return d;
}

// <root>/sys and <root>/proc. USB devices live under
// sys/devices/<controller>/usbN/<parent chain>, with the links the kernel
// makes: bus/usb/devices/<name>, class/net/<ifname>, and a hub port's `peer`
// (its twin on the other speed's bus).
class FakeTree {
 public:
  FakeTree() {
    fs::create_directories(sys() / "bus" / "usb" / "devices");
    fs::create_directories(sys() / "class" / "net");
    fs::create_directories(sys() / "class" / "block");
    fs::create_directories(proc());
    netdev("lo", "virtual/net/lo");
  }
  fs::path sys() const { return root_ / "sys"; }
  fs::path proc() const { return root_ / "proc"; }
  std::string plan(const HubPort& target, const HubDescriptor& d, bool explicit_port, std::optional<Location> watch,
                   std::optional<PowerPlan>& out) const {
    auto plan = plan_cut(target, d, explicit_port, std::move(watch), sys().string(), proc().string());
    if (plan) {
      out = std::move(plan).value();
      return "";
    }
    out.reset();
    CHECK(plan.code() == Fault::refused);
    return plan.error().detail;
  }

  // /proc/device-tree/model as the firmware writes it (NUL-terminated).
  void model(const std::string& m) {
    fs::create_directories(proc() / "device-tree");
    std::ofstream(proc() / "device-tree" / "model") << m << '\0';
  }
  // Bus `bus`'s host controller under sys/devices (e.g. "platform/soc/3f980000.usb").
  void controller(int bus, const std::string& path) { controllers_[bus] = path; }
  // A USB device; `ports` > 0 makes it a hub with that many port directories.
  void usb(const char* where, int ports = 0) {
    Location l = loc(where);
    fs::path dir = sys() / "devices" / devpath(l);
    fs::create_directories(dir);
    write(dir / "bConfigurationValue", "1");
    fs::create_directory_symlink(fs::path("../../../devices") / devpath(l),
                                 sys() / "bus" / "usb" / "devices" / sysfs_name(l));
    if (ports == 0) return;
    write(dir / "maxchild", std::to_string(ports));
    for (int p = 1; p <= ports; ++p) fs::create_directories(port_dir(l, p));
  }
  // A network interface on interface 0 of the USB device at `where`.
  void usb_net(const char* where, const std::string& ifname) {
    std::string iface = devpath(loc(where)) + "/" + std::string(where) + ":1.0";
    netdev(ifname, iface + "/net/" + ifname);
    fs::create_directory_symlink(fs::path("../../../devices") / iface,
                                 sys() / "bus" / "usb" / "devices" / (std::string(where) + ":1.0"));
  }
  // A disk of a USB storage device at `where` (SCSI host under interface 0).
  void usb_disk(const char* where, const std::string& name) {
    std::string path = devpath(loc(where)) + "/" + std::string(where) + ":1.0/host0/target0:0:0/0:0:0:0/block/" + name;
    fs::create_directories(sys() / "devices" / path);
    fs::create_directory_symlink(fs::path("../../devices") / path, sys() / "class" / "block" / name);
  }
  // Any network interface, by its path under sys/devices.
  void netdev(const std::string& ifname, const std::string& path) {
    fs::create_directories(sys() / "devices" / path);
    fs::create_directory_symlink(fs::path("../../devices") / path, sys() / "class" / "net" / ifname);
  }
  // Port `a_port` of hub `a` and port `b_port` of hub `b` are one physical
  // port (the USB2 and USB3 halves of a hub).
  void peers(const char* a, int a_port, const char* b, int b_port) {
    fs::path pa = port_dir(loc(a), a_port), pb = port_dir(loc(b), b_port);
    fs::create_directory_symlink(fs::relative(pb, pa), pa / "peer");
    fs::create_directory_symlink(fs::relative(pa, pb), pb / "peer");
  }
  void remove(const fs::path& relative) { fs::remove(root_ / relative); }
  // A file that cannot be read (EISDIR even for root).
  void unreadable(const fs::path& relative) {
    fs::remove(root_ / relative);
    fs::create_directories(root_ / relative);
  }
  // A directory that cannot be listed (ELOOP even for root).
  void unlistable(const fs::path& relative) {
    fs::remove_all(root_ / relative);
    fs::create_directory_symlink(relative.filename(), root_ / relative);
  }

 private:
  std::string devpath(const Location& l) const {
    std::string path = controllers_.at(l.bus) + "/usb" + std::to_string(l.bus);
    Location up{l.bus, {}};
    for (int p : l.ports) {
      up.ports.push_back(p);
      path += "/" + to_string(up);
    }
    return path;
  }
  fs::path port_dir(const Location& hub, int port) const {
    std::string disable = disable_path(hub, 1, port);
    return sys() / fs::path(disable).parent_path();
  }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text << "\n"; }

  fb::test::ScratchDir scratch_{"fbcut"};
  fs::path root_ = scratch_.path();
  std::map<int, std::string> controllers_;
};

// Pi B+/2B/3B: LAN9514 at 1-1, its Ethernet (smsc95xx) on port 1; ports 2-5
// are the four sockets, ganged and switched through port 2.
void lan9514(FakeTree& t, const char* model) {
  t.model(model);
  t.controller(1, "platform/soc/3f980000.usb");
  t.usb("1", 1);
  t.usb("1-1", 5);
  t.usb("1-1.1");
  t.usb_net("1-1.1", "eth0");
  t.netdev("wlan0", "platform/soc/3f300000.mmcnr/mmc_host/mmc1/mmc1:0001/mmc1:0001:1/net/wlan0");
}

// Pi 3B+: LAN7515, hub 1-1 (4 ports, all ganged, switched through port 2);
// port 1 leads to hub 1-1.1, whose port 1 is the Ethernet (lan78xx).
void lan7515(FakeTree& t, bool ethernet = true) {
  t.model("Raspberry Pi 3 Model B Plus Rev 1.3");
  t.controller(1, "platform/soc/3f980000.usb");
  t.usb("1", 1);
  t.usb("1-1", 4);
  t.usb("1-1.1", 3);
  t.usb("1-1.1.1");
  if (ethernet) t.usb_net("1-1.1.1", "eth0");
}

// Pi 4B: VL805 on PCIe; USB2 root 1 -> hub 1-1 (4 ports), USB3 root 2 (4
// ports), each socket one port of both; Ethernet on the SoC (GENET).
void vl805(FakeTree& t) {
  t.model("Raspberry Pi 4 Model B Rev 1.4");
  t.controller(1, "platform/scb/fd500000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0");
  t.controller(2, "platform/scb/fd500000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0");
  t.usb("1", 1);
  t.usb("1-1", 4);
  t.usb("2", 4);
  for (int p = 1; p <= 4; ++p) t.peers("1-1", p, "2", p);
  t.netdev("eth0", "platform/scb/fd580000.ethernet/net/eth0");
}

// Pi 5: RP1's two xHCIs, USB2 roots 1 and 3 (2 ports), USB3 roots 2 and 4
// (1 port); all four sockets share one power switch. Ethernet on RP1.
void rp1(FakeTree& t, const char* model = "Raspberry Pi 5 Model B Rev 1.0") {
  t.model(model);
  t.controller(1, "platform/axi/1000120000.pcie/1f00200000.usb/xhci-hcd.0");
  t.controller(2, "platform/axi/1000120000.pcie/1f00200000.usb/xhci-hcd.0");
  t.controller(3, "platform/axi/1000120000.pcie/1f00300000.usb/xhci-hcd.1");
  t.controller(4, "platform/axi/1000120000.pcie/1f00300000.usb/xhci-hcd.1");
  t.usb("1", 2);
  t.usb("2", 1);
  t.usb("3", 2);
  t.usb("4", 1);
  t.peers("1", 1, "2", 1);
  t.peers("3", 1, "4", 1);
  t.netdev("eth0", "platform/axi/1000120000.pcie/1f00100000.ethernet/net/eth0");
}

// A PC (no device tree) with a USB3 hub with per-port switching: USB2 half
// 1-1 and USB3 half 2-1, port N of one the twin of port N of the other.
// The modem (its own wwan0) on port 1, a USB3 Ethernet adapter on port 2
// (enumerated on the USB3 half), a small hub with a USB2 Ethernet adapter
// on port 3, port 4 free.
void pc_hub(FakeTree& t) {
  t.controller(1, "pci0000:00/0000:00:14.0");
  t.controller(2, "pci0000:00/0000:00:14.0");
  t.usb("1", 4);
  t.usb("2", 4);
  t.peers("1", 1, "2", 1);
  t.usb("1-1", 4);
  t.usb("2-1", 4);
  for (int p = 1; p <= 4; ++p) t.peers("1-1", p, "2-1", p);
  t.usb("1-1.1");
  t.usb_net("1-1.1", "wwan0");
  t.usb("2-1.2");
  t.usb_net("2-1.2", "eth1");
  t.usb("1-1.3", 4);
  t.usb("1-1.3.1");
  t.usb_net("1-1.3.1", "eth2");
  t.netdev("eth0", "pci0000:00/0000:00:1f.6/net/eth0");
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("Pi 2B: the sockets are cut through port 2; the LAN9514 Ethernet on port 1 stays, whatever the descriptor") {
  FakeTree t;
  lan9514(t, "Raspberry Pi 2 Model B Rev 1.1");
  t.usb("1-1.3");  // the modem, a serial-only stick
  for (auto switching : {PowerSwitching::per_port, PowerSwitching::ganged}) {
    CAPTURE(to_string(switching));
    std::optional<PowerPlan> plan;
    std::string error = t.plan({loc("1-1"), 3}, hub(5, switching), false, loc("1-1.3"), plan);
    REQUIRE_MESSAGE(plan, error);
    CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 2}});
    CHECK(plan->board == "Raspberry Pi 2B (LAN9514)");
  }
  // Port 1 itself is the Ethernet: never.
  std::optional<PowerPlan> plan;
  std::string error = t.plan({loc("1-1"), 1}, hub(5, PowerSwitching::per_port), true, std::nullopt, plan);
  CHECK_FALSE(plan);
  CHECK_MESSAGE(has(error, "refusing to switch port 1 of hub 1-1"), error);
}

TEST_CASE("Pi 3B: a USB Ethernet adapter in another socket shares the ganged power of the modem's socket") {
  FakeTree t;
  lan9514(t, "Raspberry Pi 3 Model B Rev 1.2");
  t.usb("1-1.2");
  t.usb_net("1-1.2", "wwan0");  // the modem's own interface goes with it
  std::optional<PowerPlan> plan;
  std::string error = t.plan({loc("1-1"), 2}, hub(5, PowerSwitching::per_port), false, loc("1-1.2"), plan);
  REQUIRE_MESSAGE(plan, error);
  CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 2}});

  t.usb("1-1.4");
  t.usb_net("1-1.4", "eth1");
  for (auto switching : {PowerSwitching::per_port, PowerSwitching::ganged}) {
    CAPTURE(to_string(switching));
    error = t.plan({loc("1-1"), 2}, hub(5, switching), false, loc("1-1.2"), plan);
    CHECK_FALSE(plan);
    CHECK_MESSAGE(has(error, "refusing to cut hub 1-1 port 2"), error);
    CHECK_MESSAGE(has(error, "network interface eth1 (1-1.4)"), error);
  }
}

TEST_CASE("Pi 3B+: port 2 of the LAN7515 cuts hub 1-1.1 too, and with it the Ethernet") {
  FakeTree t;
  lan7515(t);
  t.usb("1-1.2");
  t.usb("1-1.1.2");
  for (const char* modem : {"1-1.2", "1-1.1.2"}) {
    CAPTURE(modem);
    auto at = parent_of(loc(modem));
    REQUIRE(at);
    for (auto switching : {PowerSwitching::per_port, PowerSwitching::ganged}) {
      CAPTURE(to_string(switching));
      std::optional<PowerPlan> plan;
      std::string error = t.plan(*at, hub(at->hub == loc("1-1") ? 4 : 3, switching), false, loc(modem), plan);
      CHECK_FALSE(plan);
      CHECK_MESSAGE(has(error, "network interface eth0 (1-1.1.1)"), error);
    }
  }
  // With the Ethernet not there (no driver bound, no interface) the cut is
  // allowed, through port 2 of hub 1-1.
  FakeTree bare;
  lan7515(bare, false);
  bare.usb("1-1.2");
  std::optional<PowerPlan> plan;
  std::string error = bare.plan({loc("1-1"), 2}, hub(4, PowerSwitching::per_port), false, loc("1-1.2"), plan);
  REQUIRE_MESSAGE(plan, error);
  CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 2}});
}

TEST_CASE("Pi 4B: both VL805 hubs are switched; a USB3 Ethernet adapter in any socket is found") {
  FakeTree t;
  vl805(t);
  t.usb("1-1.3");
  std::optional<PowerPlan> plan;
  std::string error = t.plan({loc("1-1"), 3}, hub(4, PowerSwitching::per_port), false, loc("1-1.3"), plan);
  REQUIRE_MESSAGE(plan, error);  // the SoC's eth0 is not on USB
  CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 0}, {loc("2"), 0}});
  CHECK(plan->board == "Raspberry Pi 4B (VL805)");

  t.usb("2-2");
  t.usb_net("2-2", "eth1");
  error = t.plan({loc("1-1"), 3}, hub(4, PowerSwitching::per_port), false, loc("1-1.3"), plan);
  CHECK_FALSE(plan);
  CHECK_MESSAGE(has(error, "network interface eth1 (2-2)"), error);
}

TEST_CASE("Pi 4B booting from a USB SSD: no socket is cut, the modem's own storage is no reason") {
  FakeTree t;
  vl805(t);
  t.usb("1-1.3");
  t.usb_disk("1-1.3", "sr0");  // the modem's CD-ROM: it may go dark with the modem
  std::optional<PowerPlan> plan;
  std::string error = t.plan({loc("1-1"), 3}, hub(4, PowerSwitching::per_port), false, loc("1-1.3"), plan);
  REQUIRE_MESSAGE(plan, error);

  t.usb("2-1");
  t.usb_disk("2-1", "sda");
  error = t.plan({loc("1-1"), 3}, hub(4, PowerSwitching::per_port), false, loc("1-1.3"), plan);
  CHECK_FALSE(plan);
  CHECK_MESSAGE(has(error, "it would also take down the disk sda (2-1)"), error);
}

TEST_CASE("Pi 5: the four sockets are one power group across root hubs 1-4") {
  FakeTree t;
  rp1(t);
  t.usb("3-1");
  std::optional<PowerPlan> plan;
  std::string error = t.plan({loc("3"), 1}, hub(2, PowerSwitching::per_port), false, loc("3-1"), plan);
  REQUIRE_MESSAGE(plan, error);
  CHECK(plan->switches == std::vector<Switch>{{loc("2"), 0}, {loc("4"), 0}});

  // A USB2 Ethernet adapter in the other controller's black socket (root 1).
  t.usb("1-2");
  t.usb_net("1-2", "eth1");
  error = t.plan({loc("3"), 1}, hub(2, PowerSwitching::per_port), false, loc("3-1"), plan);
  CHECK_FALSE(plan);
  CHECK_MESSAGE(has(error, "network interface eth1 (1-2)"), error);
}

TEST_CASE("a Raspberry Pi the board table does not know: no port is cut") {
  for (const char* model :
       {"Raspberry Pi 500 Rev 1.0", "Raspberry Pi Compute Module 4 Rev 1.0", "Raspberry Pi Model B Rev 2"}) {
    CAPTURE(model);
    FakeTree t;
    rp1(t, model);
    t.usb("3-1");
    std::optional<PowerPlan> plan;
    std::string error = t.plan({loc("3"), 1}, hub(2, PowerSwitching::per_port), false, loc("3-1"), plan);
    CHECK_FALSE(plan);
    CHECK_MESSAGE(has(error, "board table does not know"), error);
    CHECK(has(error, model));
  }
}

TEST_CASE("a per-port hub on a PC: only the switched port counts, and its USB3 twin") {
  FakeTree t;
  pc_hub(t);
  std::optional<PowerPlan> plan;
  // The modem's own port: its wwan0 goes with it, nothing else.
  std::string error = t.plan({loc("1-1"), 1}, hub(4, PowerSwitching::per_port), false, loc("1-1.1"), plan);
  REQUIRE_MESSAGE(plan, error);
  CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 1}});
  CHECK(plan->board.empty());
  error = t.plan({loc("1-1"), 4}, hub(4, PowerSwitching::per_port), true, loc("1-1.1"), plan);
  REQUIRE_MESSAGE(plan, error);
  CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 4}});
  // Port 2 of the USB2 half is the socket of the USB3 adapter on 2-1.2.
  error = t.plan({loc("1-1"), 2}, hub(4, PowerSwitching::per_port), true, loc("1-1.1"), plan);
  CHECK_FALSE(plan);
  CHECK_MESSAGE(has(error, "network interface eth1 (2-1.2)"), error);
  // Port 3 feeds a hub with an adapter behind it.
  error = t.plan({loc("1-1"), 3}, hub(4, PowerSwitching::per_port), true, loc("1-1.1"), plan);
  CHECK_FALSE(plan);
  CHECK_MESSAGE(has(error, "network interface eth2 (1-1.3.1)"), error);
  // The same hub, ganged: every port goes, so every adapter counts.
  error = t.plan({loc("1-1"), 1}, hub(4, PowerSwitching::ganged), false, loc("1-1.1"), plan);
  CHECK_FALSE(plan);
  CHECK_MESSAGE(has(error, "network interface eth"), error);
}

TEST_CASE("a sysfs or proc read error refuses the cut and says what could not be read") {
  SUBCASE("a ganged hub's port count") {
    FakeTree t;
    vl805(t);
    t.usb("1-1.3");
    t.remove("sys/devices/platform/scb/fd500000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0/usb2/maxchild");
    std::optional<PowerPlan> plan;
    std::string error = t.plan({loc("1-1"), 3}, hub(4, PowerSwitching::per_port), false, loc("1-1.3"), plan);
    CHECK_FALSE(plan);
    CHECK_MESSAGE(has(error, "usb2/maxchild"), error);
    CHECK(has(error, "refusing to cut hub 1-1 port 3"));
  }
  SUBCASE("the list of network interfaces") {
    FakeTree t;
    pc_hub(t);
    t.unlistable("sys/class/net");
    std::optional<PowerPlan> plan;
    std::string error = t.plan({loc("1-1"), 1}, hub(4, PowerSwitching::per_port), false, loc("1-1.1"), plan);
    CHECK_FALSE(plan);
    CHECK_MESSAGE(has(error, "class/net"), error);
  }
  SUBCASE("the board model") {
    FakeTree t;
    pc_hub(t);
    t.model("Raspberry Pi 3 Model B Rev 1.2");
    t.unreadable("proc/device-tree/model");
    std::optional<PowerPlan> plan;
    std::string error = t.plan({loc("1-1"), 1}, hub(4, PowerSwitching::per_port), false, loc("1-1.1"), plan);
    CHECK_FALSE(plan);
    CHECK_MESSAGE(has(error, "device-tree/model"), error);
  }
}
