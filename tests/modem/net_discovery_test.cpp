// The stick's network interface over fake sysfs trees: found beside the AT
// tty on the same USB device (never by name), with its driver; among several
// the data-path drivers win, then the lowest interface number; without one,
// the error names the stick, its port and the driver to check.
//
// The trees follow what the kernel shows for each stick (interface classes
// from the drivers' id tables, shared/reference/LTE-MODEMS.md §1-§5): the
// Huawei E3372h in stick mode (12d1:1506, huawei_cdc_ncm) and as
// E3372h-320 (12d1:155e, cdc_ncm), the ZTE MF823 (19d2:1405, cdc_ether, no
// tty), the Quectel EC25 in ECM (AT+QCFG="usbnet",1) and in its default QMI
// composition, and a Huawei E1750 (12d1:1001), which has no network function.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fake_sysfs.hpp"
#include "fb/modem/discovery.hpp"
#include "fb/modem/net_discovery.hpp"
#include "fb/modem/profile.hpp"

using namespace fb::modem;
using fb::modem::test::FakeSysfs;
namespace fs = std::filesystem;

namespace {

// Huawei E3372h, stick firmware: modem, NCM (huawei_cdc_ncm, whose data is
// an alternate setting of the same interface), PCUI (AT), DIAG, CD-ROM and SD.
void e3372h_stick(FakeSysfs& s, const char* ncm_driver = "huawei_cdc_ncm", std::vector<const char*> nets = {"wwan0"}) {
  s.device("1-1.2", "12d1", "1506",
           {{0, 0xff, 0x02, 0x01, "option", {"ttyUSB0"}},
            {1, 0xff, 0x02, 0x16, ncm_driver, {}, false, nets},
            {2, 0xff, 0x02, 0x02, "option", {"ttyUSB1"}},
            {3, 0xff, 0x02, 0x03, "option", {"ttyUSB2"}},
            {4, 0x08, 0x06, 0x50, "usb-storage", {}},
            {5, 0x08, 0x06, 0x50, "usb-storage", {}}},
           "HUAWEI_MOBILE");
}

// Huawei E3372h-320 after HuaweiAltMode: a standard NCM function (control +
// data interface, both claimed by cdc_ncm) and three option ttys. udev has
// renamed wwan0 by its MAC.
void e3372h_320(FakeSysfs& s) {
  s.device("1-1.4", "12d1", "155e",
           {{0, 0x02, 0x0d, 0x00, "cdc_ncm", {}, false, {"wwx0c5b8f279a64"}},
            {1, 0x0a, 0x00, 0x01, "cdc_ncm", {}},
            {2, 0xff, 0xff, 0xff, "option", {"ttyUSB0"}},
            {3, 0xff, 0xff, 0xff, "option", {"ttyUSB1"}},
            {4, 0xff, 0xff, 0xff, "option", {"ttyUSB2"}}},
           "HUAWEI_MOBILE");
}

// ZTE MF823 in router mode: cdc_ether (ZTE's id table) and storage, no tty.
void mf823(FakeSysfs& s) {
  s.device("1-1.3", "19d2", "1405",
           {{0, 0x02, 0x06, 0x00, "cdc_ether", {}, false, {"usb0"}},
            {1, 0x0a, 0x00, 0x00, "cdc_ether", {}},
            {2, 0x08, 0x06, 0x50, "usb-storage", {}}},
           "ZTE Mobile Broadband");
}

// Quectel EC25 after AT+QCFG="usbnet",1 (ECM): DM, NMEA, AT (if2), AT
// secondary, then the ECM function.
void ec25_ecm(FakeSysfs& s) {
  s.device("1-1.2", "2c7c", "0125",
           {{0, 0xff, 0xff, 0xff, "option", {"ttyUSB0"}},
            {1, 0xff, 0x00, 0x00, "option", {"ttyUSB1"}},
            {2, 0xff, 0x00, 0x00, "option", {"ttyUSB2"}},
            {3, 0xff, 0x00, 0x00, "option", {"ttyUSB3"}},
            {4, 0x02, 0x06, 0x00, "cdc_ether", {}, false, {"usb0"}},
            {5, 0x0a, 0x00, 0x00, "cdc_ether", {}}},
           "EC25");
}

// Quectel EC25 in its default composition: the same ttys, QMI on if4.
void ec25_qmi(FakeSysfs& s, const char* qmi_driver = "qmi_wwan", std::vector<const char*> nets = {"wwan0"}) {
  s.device("1-1.2", "2c7c", "0125",
           {{0, 0xff, 0xff, 0xff, "option", {"ttyUSB0"}},
            {1, 0xff, 0x00, 0x00, "option", {"ttyUSB1"}},
            {2, 0xff, 0x00, 0x00, "option", {"ttyUSB2"}},
            {3, 0xff, 0x00, 0x00, "option", {"ttyUSB3"}},
            {4, 0xff, 0xff, 0xff, qmi_driver, {}, false, nets}},
           "EC25");
}

// Huawei E1750: a 3G stick with serial ports only.
void e1750(FakeSysfs& s) {
  s.device("1-1.2", "12d1", "1001",
           {{0, 0xff, 0x02, 0x01, "option", {"ttyUSB0"}},
            {1, 0xff, 0x02, 0x12, "option", {"ttyUSB1"}},
            {2, 0xff, 0x02, 0x02, "option", {"ttyUSB2"}}},
           "HUAWEI Mobile");
}

// The device of the modem locate_modem() finds in the tree, as the daemon has it.
UsbDevice modem_device(const FakeSysfs& s, const char* selector = "auto") {
  auto found = locate_modem(scan_usb(s.root()), *parse_selector(selector));
  REQUIRE_MESSAGE(found.ok(), describe(found));
  return found->device;
}

// What find_net_interface() makes of the modem in the tree: the interface it
// chooses, or (net_error) why there is none.
NetInterface chosen_net(const FakeSysfs& s) {
  auto net = find_net_interface(s.root(), modem_device(s));
  REQUIRE_MESSAGE(net.ok(), describe(net));
  return net->chosen;
}

fb::modem::Error net_error(const FakeSysfs& s) {
  auto net = find_net_interface(s.root(), modem_device(s));
  REQUIRE_FALSE(net.ok());
  CHECK(describe(net).rfind("NO_NET_INTERFACE: ", 0) == 0);
  return net.error();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("scan_usb lists each USB interface's network interfaces") {
  FakeSysfs s;
  e3372h_stick(s);
  auto devices = scan_usb(s.root());
  REQUIRE(devices.size() == 1);
  CHECK(devices[0].interface(1)->nets == std::vector<std::string>{"wwan0"});
  CHECK(devices[0].interface(1)->driver == "huawei_cdc_ncm");
  CHECK(devices[0].interface(2)->nets.empty());
  CHECK(net_interfaces(devices[0]) == std::vector<NetInterface>{{"wwan0", "huawei_cdc_ncm", 1}});
}

TEST_CASE("E3372h stick mode: wwan0 of huawei_cdc_ncm beside the PCUI tty") {
  FakeSysfs s;
  e3372h_stick(s);
  auto found = locate_modem(scan_usb(s.root()), ModemSelector{});
  REQUIRE(found.ok());
  CHECK(found->at_tty == "ttyUSB1");
  auto net = find_net_interface(s.root(), found->device);
  REQUIRE_MESSAGE(net.ok(), describe(net));
  CHECK(net->chosen == NetInterface{"wwan0", "huawei_cdc_ncm", 1});
  CHECK(net->all.size() == 1);
  CHECK(net->how == "wwan0 (huawei_cdc_ncm, USB interface 1) of 12d1:1506 at 1-1.2");
}

TEST_CASE("E3372h stick mode without its driver: the error names the stick, the port and the driver") {
  FakeSysfs s;
  e3372h_stick(s, "", {});
  auto error = net_error(s);
  CHECK(error.code == Code::no_net_interface);
  CHECK(error.detail == "12d1:1506 at 1-1.2 has no network interface: is the huawei_cdc_ncm driver loaded?");
}

TEST_CASE("E3372h-320 (155e): the cdc_ncm interface under the name udev gave it") {
  FakeSysfs s;
  e3372h_320(s);
  CHECK(chosen_net(s) == NetInterface{"wwx0c5b8f279a64", "cdc_ncm", 0});
}

TEST_CASE("ZTE MF823 (1405): usb0 of cdc_ether, on a stick without any tty") {
  FakeSysfs s;
  mf823(s);
  auto found = locate_modem(scan_usb(s.root()), ModemSelector{});
  REQUIRE(found.ok());
  CHECK(found->state == FoundModem::State::no_at_port);
  auto net = choose_net_interface(found->device);
  REQUIRE_MESSAGE(net.ok(), describe(net));
  CHECK(net->chosen == NetInterface{"usb0", "cdc_ether", 0});
}

TEST_CASE("Quectel EC25 in ECM: usb0 of cdc_ether, on the device of the AT tty the user named") {
  FakeSysfs s;
  ec25_ecm(s);
  mf823(s);  // another network stick on the hub: not the modem's
  auto found = locate_modem(scan_usb(s.root()), *parse_selector("/dev/ttyUSB2"));
  REQUIRE(found.ok());
  CHECK(found->device.port == "1-1.2");
  auto net = find_net_interface(s.root(), found->device);
  REQUIRE_MESSAGE(net.ok(), describe(net));
  CHECK(net->chosen == NetInterface{"usb0", "cdc_ether", 4});
  CHECK(net->all.size() == 1);
}

TEST_CASE("Quectel EC25 in QMI: wwan0 of qmi_wwan; without the driver, the error names qmi_wwan") {
  {
    FakeSysfs s;
    ec25_qmi(s);
    CHECK(chosen_net(s) == NetInterface{"wwan0", "qmi_wwan", 4});
  }
  FakeSysfs s;
  ec25_qmi(s, "", {});
  CHECK(net_error(s).detail == "2c7c:0125 at 1-1.2 has no network interface: is the qmi_wwan driver loaded?");
}

TEST_CASE("a serial-only stick has no network interface, and the error says to use ppp") {
  FakeSysfs s;
  e1750(s);
  auto error = net_error(s);
  CHECK(error.code == Code::no_net_interface);
  CHECK(contains(error.detail,
                 "12d1:1001 at 1-1.2 has no network interface: none of its 3 USB interfaces is a "
                 "network function"));
  CHECK(contains(error.detail, "use the ppp data path"));
}

TEST_CASE("a driver bound without a network interface yet is told apart from a missing driver") {
  FakeSysfs s;
  e3372h_stick(s, "huawei_cdc_ncm", {});
  auto net = find_net_interface(s.root(), modem_device(s));
  REQUIRE_FALSE(net.ok());
  CHECK(net.error().detail ==
        "12d1:1506 at 1-1.2 has no network interface: USB interface 1 is bound to "
        "huawei_cdc_ncm but shows no network interface yet (is it still coming up?)");
}

TEST_CASE("several interfaces: the data-path driver wins over MBIM and QMI, then the lowest interface number") {
  FakeSysfs s;
  // A composite stick (made up, as a laptop module might enumerate): MBIM
  // first, then QMI, then two ECM functions out of name order.
  s.device("1-1.2", "1199", "9091",
           {{0, 0x02, 0x0e, 0x00, "cdc_mbim", {}, false, {"wwan0"}},
            {1, 0x0a, 0x00, 0x02, "cdc_mbim", {}},
            {3, 0xff, 0x00, 0x00, "option", {"ttyUSB0"}},
            {6, 0xff, 0xff, 0xff, "qmi_wwan", {}, false, {"wwan1"}},
            {10, 0x02, 0x06, 0x00, "cdc_ether", {}, false, {"usb0"}},
            {8, 0x02, 0x06, 0x00, "cdc_ether", {}, false, {"usb1"}}});
  auto net = find_net_interface(s.root(), modem_device(s));
  REQUIRE_MESSAGE(net.ok(), describe(net));
  CHECK(net->chosen == NetInterface{"usb1", "cdc_ether", 8});
  CHECK(net->all ==
        std::vector<NetInterface>{
            {"wwan0", "cdc_mbim", 0}, {"wwan1", "qmi_wwan", 6}, {"usb1", "cdc_ether", 8}, {"usb0", "cdc_ether", 10}});
  CHECK(net->how ==
        "usb1 (cdc_ether, USB interface 8) of 1199:9091 at 1-1.2, chosen by driver and interface number "
        "from wwan0 (cdc_mbim, USB interface 0), wwan1 (qmi_wwan, USB interface 6), usb1 (cdc_ether, USB "
        "interface 8), usb0 (cdc_ether, USB interface 10)");

  // Without the ECM functions, QMI beats MBIM.
  UsbDevice d = modem_device(s);
  std::erase_if(d.interfaces, [](const UsbInterface& i) { return i.driver == "cdc_ether"; });
  auto qmi = choose_net_interface(d);
  REQUIRE(qmi.ok());
  CHECK(qmi->chosen.name == "wwan1");

  // Two names on one interface: by name.
  UsbDevice two = modem_device(s);
  two.interfaces = {UsbInterface{4, 0x02, 0x0d, 0x00, "cdc_ncm", {}, {"wwan9", "wwan2"}}};
  auto by_name = choose_net_interface(two);
  REQUIRE(by_name.ok());
  CHECK(by_name->chosen.name == "wwan2");
}

TEST_CASE("an MBIM-only stick, or an unknown driver, is listed but not chosen") {
  FakeSysfs s;
  s.device("1-1.2", "12d1", "15c1",
           {{0, 0x02, 0x0e, 0x00, "cdc_mbim", {}, false, {"wwan0"}},
            {1, 0x0a, 0x00, 0x02, "cdc_mbim", {}},
            {2, 0xff, 0x02, 0x02, "option", {"ttyUSB0"}}});
  auto net = find_net_interface(s.root(), modem_device(s));
  REQUIRE_FALSE(net.ok());
  CHECK(net.code() == Code::no_net_interface);
  CHECK(net.error().detail ==
        "12d1:15c1 at 1-1.2 has only wwan0 (cdc_mbim, USB interface 0): its session is "
        "started over MBIM, not AT: switch the stick to NCM or ECM, or use ppp");

  UsbDevice odd = modem_device(s);
  odd.interfaces = {UsbInterface{0, 0xff, 0xff, 0xff, "", {}, {"eth7"}}};
  auto unbound = choose_net_interface(odd);
  REQUIRE_FALSE(unbound.ok());
  CHECK(contains(unbound.error().detail, "has only eth7 (no driver, USB interface 0): no driver failberry can start"));
  CHECK(net_driver_rank("huawei_cdc_ncm") == 0);
  CHECK(net_driver_rank("rndis_host") == 0);
  CHECK(net_driver_rank("qmi_wwan") == 1);
  CHECK(net_driver_rank("cdc_mbim") == kNetUnusable);
  CHECK(net_driver_rank("") == kNetUnusable);
}

TEST_CASE("find_net_interface reads sysfs again: a late interface is found; a stick gone or changed is NO_MODEM") {
  FakeSysfs s;
  e3372h_stick(s, "huawei_cdc_ncm", {});
  UsbDevice device = modem_device(s);  // found while its network interface was still coming up
  CHECK(find_net_interface(s.root(), device).code() == Code::no_net_interface);
  fs::create_directories(s.root() / "bus" / "usb" / "devices" / "1-1.2:1.1" / "net" / "wwan0");
  auto late = find_net_interface(s.root(), device);
  REQUIRE_MESSAGE(late.ok(), describe(late));
  CHECK(late->chosen.name == "wwan0");

  FakeSysfs empty;
  auto gone = find_net_interface(empty.root(), device);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.code() == Code::no_modem);
  CHECK(gone.error().detail == "12d1:1506 at 1-1.2 is no longer on USB (unplugged, or re-enumerating)");

  FakeSysfs changed;
  changed.device("1-1.2", "12d1", "14dc", {{0, 2, 6, 0, "cdc_ether", {}, false, {"eth1"}}});
  auto other = find_net_interface(changed.root(), device);
  REQUIRE_FALSE(other.ok());
  CHECK(other.code() == Code::no_modem);
  CHECK(other.error().detail == "the USB device at 1-1.2 is now 12d1:14dc, not 12d1:1506 (the stick re-enumerated)");
}

TEST_CASE("qmi_wwan is chosen only for a profile whose session starts an RmNet call (SIMCom), never for Quectel") {
  // The profiles say it, not the caller: $QCRMCALL drives RmNet, +QNETDEVCTL
  // ECM and RNDIS.
  CHECK(profile(Vendor::simcom).net.rmnet);
  CHECK_FALSE(profile(Vendor::quectel).net.rmnet);
  CHECK_FALSE(profile(Vendor::huawei).net.rmnet);
  CHECK_FALSE(profile(Vendor::zte).net.rmnet);
  CHECK_FALSE(profile(Vendor::generic).net.rmnet);
  CHECK(net_driver_rank("qmi_wwan", false) == kNetUnusable);
  CHECK(net_driver_rank("cdc_ether", false) == 0);

  FakeSysfs s;
  ec25_qmi(s);  // Quectel EC25 in its default (QMI) composition
  auto quectel = find_net_interface(s.root(), modem_device(s), profile(Vendor::quectel).net.rmnet);
  REQUIRE_FALSE(quectel.ok());
  CHECK(quectel.code() == Code::no_net_interface);
  CHECK(quectel.error().detail ==
        "2c7c:0125 at 1-1.2 has only wwan0 (qmi_wwan, USB interface 4): this stick's profile starts its session on "
        "an NCM, ECM or RNDIS interface, not on QMI: switch the stick to ECM (Quectel: AT+QCFG=\"usbnet\",1), or use "
        "ppp");
  // Without its driver, the advice is the same (loading qmi_wwan would not help).
  FakeSysfs unbound;
  ec25_qmi(unbound, "", {});
  auto no_driver = find_net_interface(unbound.root(), modem_device(unbound), false);
  REQUIRE_FALSE(no_driver.ok());
  CHECK(contains(no_driver.error().detail,
                 "its network function (USB interface 4) is QMI, which this stick's "
                 "profile does not start over AT"));

  // SIMCom SIM7600 (1e0e:9001): the RmNet function on interface 5, beside the AT tty.
  FakeSysfs simcom;
  simcom.device("1-1.2", "1e0e", "9001",
                {{0, 0xff, 0xff, 0xff, "option", {"ttyUSB0"}},
                 {1, 0xff, 0x00, 0x00, "option", {"ttyUSB1"}},
                 {2, 0xff, 0x00, 0x00, "option", {"ttyUSB2"}},
                 {3, 0xff, 0x00, 0x00, "option", {"ttyUSB3"}},
                 {4, 0xff, 0x00, 0x00, "option", {"ttyUSB4"}},
                 {5, 0xff, 0xff, 0xff, "qmi_wwan", {}, false, {"wwan0"}}},
                "SimTech");
  auto found = locate_modem(scan_usb(simcom.root()), *parse_selector("/dev/ttyUSB2"));
  REQUIRE_MESSAGE(found.ok(), describe(found));
  auto sim7600 = find_net_interface(simcom.root(), found->device, profile(Vendor::simcom).net.rmnet);
  REQUIRE_MESSAGE(sim7600.ok(), describe(sim7600));
  CHECK(sim7600->chosen == NetInterface{"wwan0", "qmi_wwan", 5});

  // An ECM function beside QMI still wins for either kind of profile.
  UsbDevice both = modem_device(s);
  both.interfaces.push_back(UsbInterface{6, 0x02, 0x06, 0x00, "cdc_ether", {}, {"usb0"}});
  for (bool rmnet : {true, false}) {
    auto ecm = choose_net_interface(both, rmnet);
    REQUIRE(ecm.ok());
    CHECK(ecm->chosen.name == "usb0");
  }
}

TEST_CASE("two sticks of one model: the interface is the one beside the AT tty, never the other stick's") {
  FakeSysfs s;
  e3372h_stick(s, "huawei_cdc_ncm", {"wwan0"});  // at 1-1.2: ttyUSB0..2
  s.device("1-1.4", "12d1", "1506",
           {{0, 0xff, 0x02, 0x01, "option", {"ttyUSB3"}},
            {1, 0xff, 0x02, 0x16, "huawei_cdc_ncm", {}, false, {"wwan1"}},
            {2, 0xff, 0x02, 0x02, "option", {"ttyUSB4"}},
            {3, 0xff, 0x02, 0x03, "option", {"ttyUSB5"}}},
           "HUAWEI_MOBILE");
  auto second = locate_modem(scan_usb(s.root()), *parse_selector("/dev/ttyUSB4"));
  REQUIRE_MESSAGE(second.ok(), describe(second));
  CHECK(second->device.port == "1-1.4");
  auto net = find_net_interface(s.root(), second->device, false);
  REQUIRE_MESSAGE(net.ok(), describe(net));
  CHECK(net->chosen == NetInterface{"wwan1", "huawei_cdc_ncm", 1});
  CHECK(net->all.size() == 1);
  auto first = locate_modem(scan_usb(s.root()), *parse_selector("/dev/ttyUSB1"));
  REQUIRE(first.ok());
  CHECK(find_net_interface(s.root(), first->device, false)->chosen.name == "wwan0");

  // The second stick replugged with its interface not there yet: no borrowing
  // the first stick's.
  fs::remove_all(s.root() / "bus" / "usb" / "devices" / "1-1.4:1.1" / "net");
  auto late = find_net_interface(s.root(), second->device, false);
  REQUIRE_FALSE(late.ok());
  CHECK(late.code() == Code::no_net_interface);
  CHECK(contains(late.error().detail, "12d1:1506 at 1-1.4 has no network interface"));
}
