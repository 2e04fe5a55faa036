// Discovery over a fake sysfs tree built in a temp dir: the modem is found by
// auto, tty, usb:VID:PID and port path; AT and PPP ports come from interface
// numbers (ZTE) or interface protocols (Huawei), never from ttyUSB numbers;
// storage-mode and HiLink sticks are recognised; errors say what is missing.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fake_sysfs.hpp"
#include "fb/modem/discovery.hpp"

using namespace fb::modem;
using fb::modem::test::FakeSysfs;

namespace {

// A Pi 3: LAN chip on the hub, a ZTE MF190 and a Huawei E1750 in modem mode,
// a ZTE in CD-ROM mode, a HiLink, an unknown Sierra stick, and a cdc-acm one.
void build_pi(FakeSysfs& s) {
  s.device("1-1", "0424", "9514", {{0, 9, 0, 2, "hub", {}}});
  s.device("1-1.1", "0424", "ec00", {{0, 0xff, 0, 0xff, "smsc95xx", {}}});
  // ttyUSB numbers deliberately not in interface order.
  s.device("1-1.3", "19d2", "0117",
           {{0, 0xff, 0xff, 0xff, "option", {"ttyUSB7"}},
            {1, 0xff, 0xff, 0xff, "option", {"ttyUSB5"}},
            {2, 0xff, 0xff, 0xff, "option", {"ttyUSB6"}},
            {3, 8, 6, 0x50, "usb-storage", {}}},
           "ZTE WCDMA Technologies MSM");
  s.device("1-1.2", "12d1", "1001",
           {{0, 0xff, 0x02, 0x01, "option", {"ttyUSB3"}},
            {1, 0xff, 0x02, 0x12, "option", {"ttyUSB4"}},
            {2, 0xff, 0x02, 0x02, "option", {"ttyUSB0"}}},
           "HUAWEI Mobile");
}

}  // namespace

TEST_CASE("scan_usb reads devices, interfaces, drivers and ttys; root hubs are skipped") {
  FakeSysfs s;
  build_pi(s);
  auto devices = scan_usb(s.root());
  REQUIRE(devices.size() == 4);
  CHECK(devices[0].port == "1-1");
  CHECK(devices[1].port == "1-1.1");
  CHECK(devices[2].port == "1-1.2");
  CHECK(devices[3].port == "1-1.3");
  const auto& zte = devices[3];
  CHECK(zte.id == UsbId{0x19d2, 0x0117});
  CHECK(zte.product == "ZTE WCDMA Technologies MSM");
  REQUIRE(zte.interfaces.size() == 4);
  CHECK(zte.interface(1)->ttys == std::vector<std::string>{"ttyUSB5"});
  CHECK(zte.interface(1)->driver == "option");
  CHECK(zte.interface(3)->cls == 8);
  CHECK(zte.interface(3)->ttys.empty());
  CHECK_FALSE(zte.interface(9));
  CHECK(devices[2].interface(1)->protocol == 0x12);
  CHECK(scan_usb(s.root() / "nonexistent").empty());
}

TEST_CASE("a stick's descriptor strings are cleaned before they reach the log or /status") {
  FakeSysfs s;
  // Any bytes a stick puts in its descriptor: an escape sequence, a tab, bad UTF-8, far too long.
  std::string product = "Mobile\x1b[2J\tBroadband \xff\xfe" + std::string(300, 'x');
  s.device("1-1", "12d1", "1506", {{0, 0xff, 0x02, 0x12, "option", {"ttyUSB0"}}}, product.c_str());
  auto devices = scan_usb(s.root());
  REQUIRE(devices.size() == 1);
  const std::string& shown = devices[0].product;
  CHECK(shown.size() <= 64 + 3);  // then "..."
  CHECK(shown.rfind("Mobile", 0) == 0);
  for (unsigned char c : shown) CHECK((c >= 0x20 && c != 0x7f));
}

TEST_CASE("auto finds the known modem; ZTE ports by interface number, Huawei by interface protocol") {
  FakeSysfs s;
  build_pi(s);
  auto devices = scan_usb(s.root());
  auto found = locate_modem(devices, ModemSelector{});
  REQUIRE(found);
  CHECK(found->state == FoundModem::State::modem);
  CHECK(found->device.port == "1-1.2");  // first known modem in sysfs order
  CHECK(found->profile->vendor == Vendor::huawei);
  CHECK(found->at_tty == "ttyUSB0");    // PCUI: protocol 0x02
  CHECK(found->data_tty == "ttyUSB3");  // modem: protocol 0x01
  CHECK(found->how.find("bInterfaceProtocol") != std::string::npos);

  auto zte = locate_modem(devices, *parse_selector("1-1.3"));
  REQUIRE(zte);
  CHECK(zte->profile->vendor == Vendor::zte);
  CHECK(zte->at_tty == "ttyUSB5");    // interface 1, whatever its number
  CHECK(zte->data_tty == "ttyUSB6");  // interface 2
  CHECK(zte->candidates == std::vector<std::string>{"ttyUSB7", "ttyUSB5", "ttyUSB6"});

  auto by_id = locate_modem(devices, *parse_selector("usb:19d2:0117"));
  REQUIRE(by_id);
  CHECK(by_id->device.port == "1-1.3");

  auto by_tty = locate_modem(devices, *parse_selector("/dev/ttyUSB6"));
  REQUIRE(by_tty);
  CHECK(by_tty->device.port == "1-1.3");
  CHECK(by_tty->at_tty == "ttyUSB6");  // configured explicitly
}

TEST_CASE("storage-mode and HiLink sticks are recognised for what they are") {
  FakeSysfs s;
  s.device("1-1.4", "19d2", "2000", {{0, 8, 6, 0x50, "usb-storage", {}}});
  s.device("1-1.5", "12d1", "14dc", {{0, 2, 6, 0, "cdc_ether", {}}, {1, 0x0a, 0, 0, "cdc_ether", {}}});
  auto devices = scan_usb(s.root());
  auto cd = locate_modem(devices, ModemSelector{});
  REQUIRE(cd);
  CHECK(cd->state == FoundModem::State::storage);
  REQUIRE(cd->storage);
  CHECK(cd->storage->method == fb::modem::SwitchMethod::standard_eject_zte);
  CHECK(cd->how.find("storage mode") != std::string::npos);

  auto hilink = locate_modem(devices, *parse_selector("1-1.5"));
  REQUIRE(hilink);
  CHECK(hilink->state == FoundModem::State::no_at_port);

  FakeSysfs only_hilink;  // alone, auto still finds it, to say why it is no use
  only_hilink.device("1-1.5", "12d1", "14dc", {{0, 2, 6, 0, "cdc_ether", {}}});
  auto alone = locate_modem(scan_usb(only_hilink.root()), ModemSelector{});
  REQUIRE(alone);
  CHECK(alone->state == FoundModem::State::no_at_port);
  CHECK(alone->how.find("no serial AT port") != std::string::npos);
}

TEST_CASE("an unknown stick is probed: every tty is a candidate, none is assumed") {
  FakeSysfs s;
  s.device("1-1.2", "1199", "68a3",
           {{0, 0xff, 0xff, 0xff, "sierra", {"ttyUSB0"}}, {3, 0xff, 0xff, 0xff, "sierra", {"ttyUSB1"}}});
  s.device("1-1.3", "1546", "1141", {{0, 2, 2, 1, "cdc_acm", {"ttyACM0"}, true}, {1, 0x0a, 0, 0, "cdc_acm", {}}});
  auto devices = scan_usb(s.root());
  auto sierra = locate_modem(devices, ModemSelector{});
  REQUIRE(sierra);
  CHECK(sierra->profile->vendor == Vendor::generic);
  CHECK(sierra->at_tty.empty());
  CHECK(sierra->candidates == std::vector<std::string>{"ttyUSB0", "ttyUSB1"});
  auto acm = locate_modem(devices, *parse_selector("1-1.3"));
  REQUIRE(acm);
  CHECK(acm->candidates == std::vector<std::string>{"ttyACM0"});
}

TEST_CASE("a known stick whose AT interface has no tty falls back to probing and says why") {
  FakeSysfs s;
  s.device("2-1", "19d2", "0031", {{0, 0xff, 0xff, 0xff, "option", {"ttyUSB0"}}, {1, 0xff, 0xff, 0xff, "", {}}});
  auto found = locate_modem(scan_usb(s.root()), ModemSelector{});
  REQUIRE(found);
  CHECK(found->at_tty.empty());
  CHECK(found->candidates == std::vector<std::string>{"ttyUSB0"});
  CHECK(found->how.find("driver not bound") != std::string::npos);
}

TEST_CASE("nothing found is NO_MODEM with what was looked for") {
  FakeSysfs s;
  s.device("1-1.1", "0424", "ec00", {{0, 0xff, 0, 0xff, "smsc95xx", {}}});
  auto devices = scan_usb(s.root());
  auto none = locate_modem(devices, ModemSelector{});
  REQUIRE_FALSE(none);
  CHECK(none.code() == Code::no_modem);
  CHECK(none.error().detail == "no modem among USB devices (0424:ec00)");
  auto port = locate_modem(devices, *parse_selector("1-1.3"));
  CHECK(port.error().detail == "no USB device at port 1-1.3 (check the cable/hub)");
  auto id = locate_modem(devices, *parse_selector("usb:12d1:1001"));
  CHECK(id.error().detail == "no USB device 12d1:1001 (is it plugged in?)");
  auto tty = locate_modem(devices, *parse_selector("/dev/ttyUSB2"));
  CHECK(tty.error().detail == "ttyUSB2 is not a USB tty");
  CHECK(locate_modem({}, ModemSelector{}).error().detail == "no modem among USB devices (none)");
}

TEST_CASE("the [modem] device setting: auto, tty, usb:VID:PID, port path; bad ones are refused") {
  using K = ModemSelector::Kind;
  CHECK(parse_selector("auto")->kind == K::automatic);
  CHECK(parse_selector("")->kind == K::automatic);
  auto tty = parse_selector("/dev/ttyUSB2");
  REQUIRE(tty);
  CHECK(tty->kind == K::tty);
  CHECK(tty->text == "ttyUSB2");
  CHECK(parse_selector("ttyACM0")->text == "ttyACM0");
  auto id = parse_selector("usb:12D1:1c05");
  REQUIRE(id);
  CHECK(id->kind == K::usb_id);
  CHECK(id->id == UsbId{0x12d1, 0x1c05});
  auto port = parse_selector("1-1.3");
  REQUIRE(port);
  CHECK(port->kind == K::usb_port);
  CHECK(port->text == "1-1.3");
  CHECK(parse_selector("3-2")->kind == K::usb_port);
  CHECK(parse_selector("1-1.2.4")->kind == K::usb_port);
  for (const char* bad :
       {"usb:zz:0001", "usb:12d1", "usb:12d1:10011", "1-", "-1", "1-1..2", "1-1.", "1-a", "modem", "1.1-2"}) {
    CAPTURE(bad);
    auto r = parse_selector(bad);
    REQUIRE_FALSE(r);
    CHECK(r.code() == Code::no_modem);
  }
}

TEST_CASE("the [modem] device grammar follows sysfs: bus 1-3 digits, ports 1-2 digits, at most 7 tiers") {
  CHECK(parse_selector("1-1.2.3.4.5.6.7"));
  for (const char* bad : {"1-1.2.3.4.5.6.7.8", "1234-1", "1-123", "usb:0x12:0031", "usb:12d1: 001", "/dev/"}) {
    CAPTURE(bad);
    auto r = parse_selector(bad);
    REQUIRE_FALSE(r);
    CHECK(r.code() == Code::no_modem);
    CHECK_FALSE(r.error().detail.empty());
  }
  CHECK(parse_selector("usb:0x12:0031").error().detail ==
        "USB ids must look like usb:19d2:0031 (four hex digits each)");
  CHECK(parse_selector("1-123").error().detail == kSelectorForms);
}
