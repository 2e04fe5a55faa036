// USB hub port power, the pure part: locations, descriptors, the board
// table and the plan (what to switch, or why not).
#include <doctest/doctest.h>

#include <vector>

#include "fb/usb/port_power.hpp"

using namespace fb::usb;

namespace {

Location loc(const char* text) {
  auto l = parse_location(text);
  REQUIRE_MESSAGE(l, describe(l));
  return *l;
}

// The detail of a refused plan; a plan that was made fails the check.
std::string refusal(const fb::Result<PowerPlan, Fault>& plan) {
  CHECK_FALSE(plan.ok());
  if (plan.ok()) return "";
  CHECK(plan.code() == Fault::refused);
  return plan.error().detail;
}

HubDescriptor hub(int ports, PowerSwitching switching) {
  HubDescriptor d;
  d.ports = ports;
  d.switching = switching;
  return d;
}

}  // namespace

TEST_CASE("locations: uhubctl style in, sysfs names out") {
  CHECK(loc("1-1.3") == Location{1, {1, 3}});
  CHECK(loc("2") == Location{2, {}});
  CHECK(loc("3-10.2.4") == Location{3, {10, 2, 4}});
  CHECK(to_string(loc("1-1.3")) == "1-1.3");
  CHECK(to_string(loc("2")) == "2");
  CHECK(sysfs_name(loc("2")) == "usb2");
  CHECK(sysfs_name(loc("1-1")) == "1-1");
  for (const char* bad : {"", "-1", "1-", "1-1.", "1..2", "a-1", "1-0", "1-32", "0-1", "256", "1-1.1.1.1.1.1.1.1",
                          "1-1:1.0", " 1-1", "usb1"}) {
    auto l = parse_location(bad);
    CHECK_MESSAGE(!l, bad);
    if (l) continue;
    CHECK(l.code() == Fault::bad_location);
    CHECK(l.error().detail.find("expected BUS") != std::string::npos);
  }
}

TEST_CASE("where a device hangs off, and the device in a sysfs path") {
  CHECK(parent_of(loc("1-1.3")) == HubPort{loc("1-1"), 3});
  CHECK(parent_of(loc("1-2")) == HubPort{loc("1"), 2});
  CHECK_FALSE(parent_of(loc("1")));
  auto d = device_in_sysfs_path("/sys/devices/pci0000:00/0000:00:04.0/usb1/1-1/1-1.1/1-1.1:1.0/ttyUSB0/tty/ttyUSB0");
  REQUIRE(d);
  CHECK(*d == loc("1-1.1"));
  d = device_in_sysfs_path("/sys/devices/platform/soc/3f980000.usb/usb1/1-1/1-1.4/1-1.4:1.2/ttyUSB2");
  REQUIRE(d);
  CHECK(*d == loc("1-1.4"));
  CHECK_FALSE(device_in_sysfs_path("/sys/devices/platform/serial8250/tty/ttyS0"));
}

TEST_CASE("the sysfs disable path (kernel >= 6.0), hubs and root hubs") {
  CHECK(disable_path(loc("1-1"), 1, 3) == "bus/usb/devices/1-1/1-1:1.0/1-1-port3/disable");
  CHECK(disable_path(loc("2"), 1, 4) == "bus/usb/devices/usb2/2-0:1.0/usb2-port4/disable");
  CHECK(disable_path(loc("1-1.2"), 2, 1) == "bus/usb/devices/1-1.2/1-1.2:2.0/1-1.2-port1/disable");
}

TEST_CASE("hub descriptors: switching modes, USB2 and SuperSpeed") {
  // QEMU usb-hub (port-power=on): 8 ports, per-port switching.
  std::vector<std::uint8_t> qemu{0x0a, 0x29, 0x08, 0x09, 0x00, 0x32, 0x64, 0x00, 0x00, 0xff};
  auto d = parse_hub_descriptor(qemu);
  REQUIRE_MESSAGE(d, describe(d));
  CHECK(d->ports == 8);
  CHECK(d->switching == PowerSwitching::per_port);
  CHECK(d->power_on_to_good_ms == 100);
  CHECK_FALSE(d->superspeed);
  // LAN9514 style: 5 ports, ganged (bits 1:0 = 00), compound.
  std::vector<std::uint8_t> lan{0x09, 0x29, 0x05, 0x04, 0x00, 0x32, 0x01, 0x02, 0xff};
  d = parse_hub_descriptor(lan);
  REQUIRE(d);
  CHECK(d->switching == PowerSwitching::ganged);
  CHECK(d->compound);
  // No switching (bits 1:0 = 1x).
  std::vector<std::uint8_t> none{0x09, 0x29, 0x04, 0x02, 0x00, 0x32, 0x01, 0x00, 0xff};
  d = parse_hub_descriptor(none);
  REQUIRE(d);
  CHECK(d->switching == PowerSwitching::none);
  // A one-port ganged hub switches its one port.
  std::vector<std::uint8_t> one{0x09, 0x29, 0x01, 0x00, 0x00, 0x32, 0x01, 0x00, 0xff};
  d = parse_hub_descriptor(one);
  REQUIRE(d);
  CHECK(d->switching == PowerSwitching::per_port);
  // SuperSpeed (0x2a), 12 bytes.
  std::vector<std::uint8_t> ss{0x0c, 0x2a, 0x04, 0x09, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  d = parse_hub_descriptor(ss);
  REQUIRE(d);
  CHECK(d->superspeed);
  CHECK(d->ports == 4);
  CHECK(d->switching == PowerSwitching::per_port);
}

TEST_CASE("hub descriptors: bad bytes give a clear error") {
  struct Row {
    std::vector<std::uint8_t> bytes;
    const char* error_has;
  };
  for (const auto& row :
       {Row{{}, "too short"}, Row{{0x09, 0x29, 0x04, 0x00}, "too short"},
        Row{{0x09, 0x02, 0x04, 0x00, 0x00, 0x32, 0x01, 0x00, 0xff}, "not a hub descriptor (type 0x02)"},
        Row{{0x20, 0x29, 0x04, 0x00, 0x00, 0x32, 0x01, 0x00, 0xff}, "length 32"},
        Row{{0x09, 0x29, 0x00, 0x00, 0x00, 0x32, 0x01, 0x00, 0xff}, "0 ports"}}) {
    auto d = parse_hub_descriptor(row.bytes);
    CHECK_FALSE(d);
    if (d) continue;
    CHECK(d.code() == Fault::usb_io);
    CHECK_MESSAGE(d.error().detail.find(row.error_has) != std::string::npos, d.error().detail);
  }
}

TEST_CASE("board table: device-tree models") {
  auto name = [](const char* model) {
    const auto* b = board_for(model);
    return b ? std::string(b->name) : std::string("-");
  };
  CHECK(name("Raspberry Pi 3 Model B Rev 1.2") == "Raspberry Pi 3B (LAN9514)");
  CHECK(name(std::string_view("Raspberry Pi 3 Model B Plus Rev 1.3\0", 36).data()) == "Raspberry Pi 3B+ (LAN7515)");
  CHECK(name("Raspberry Pi 2 Model B Rev 1.1") == "Raspberry Pi 2B (LAN9514)");
  CHECK(name("Raspberry Pi Model B Plus Rev 1.2") == "Raspberry Pi B+ (LAN9514)");
  CHECK(name("Raspberry Pi 4 Model B Rev 1.4") == "Raspberry Pi 4B (VL805)");
  CHECK(name("Raspberry Pi 5 Model B Rev 1.0") == "Raspberry Pi 5");
  CHECK(name("Raspberry Pi 500 Rev 1.0") == "-");  // not a Pi 5's wiring
  CHECK(name("") == "-");
  CHECK(needs_board_rule("Raspberry Pi 500 Rev 1.0"));
  CHECK_FALSE(needs_board_rule("linux,dummy-virt"));
  CHECK(name("QEMU Virtual Machine") == "-");
  for (const auto& b : board_table()) {
    CHECK(!b.hubs.empty());
    CHECK(!b.dark.empty());
    CHECK(!b.note.empty());
    if (b.forbidden_port) CHECK(!b.forbidden_why.empty());
  }
}

TEST_CASE("plan: Pi 2B/3B/3B+ — port 1 is the Ethernet and is never cut") {
  for (const char* model :
       {"Raspberry Pi 3 Model B Rev 1.2", "Raspberry Pi 2 Model B Rev 1.1", "Raspberry Pi 3 Model B Plus Rev 1.3"}) {
    CAPTURE(model);
    const BoardRule* pi = board_for(model);
    REQUIRE(pi);
    std::string error;
    for (bool explicit_port : {true, false}) {
      error = refusal(plan_power({loc("1-1"), 1}, hub(5, PowerSwitching::ganged), pi, explicit_port, {}));
      CHECK_MESSAGE(error.find("refusing to switch port 1 of hub 1-1") != std::string::npos, error);
      CHECK(error.find("Ethernet") != std::string::npos);
      CHECK(error.find("hub_port = 2") != std::string::npos);
    }
    // The modem found on socket port 4: the ganged hub is switched through port 2.
    auto plan = plan_power({loc("1-1"), 4}, hub(5, PowerSwitching::ganged), pi, false, loc("1-1.4"));
    REQUIRE_MESSAGE(plan, describe(plan));
    CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 2}});
    CHECK(plan->watch == loc("1-1.4"));
    // What goes dark is the board's, not the descriptor's: the LAN9514's
    // four sockets; on the LAN7515 every port, hub 1-1.1 (the Ethernet) too.
    auto per_port = plan_power({loc("1-1"), 4}, hub(5, PowerSwitching::per_port), pi, false, {});
    REQUIRE(per_port);
    CHECK(per_port->dark == plan->dark);
    if (std::string(pi->name).find("LAN7515") != std::string::npos)
      CHECK(plan->dark == std::vector<Switch>{{loc("1-1"), 0}});
    else
      CHECK(plan->dark == std::vector<Switch>{{loc("1-1"), 2}, {loc("1-1"), 3}, {loc("1-1"), 4}, {loc("1-1"), 5}});
    CHECK(plan->note.find("port 2") != std::string::npos);
    // A user who wrote hub_port = 4 is told, not overruled.
    error = refusal(plan_power({loc("1-1"), 4}, hub(5, PowerSwitching::ganged), pi, true, {}));
    CHECK_MESSAGE(error.find("only port 2 of hub 1-1 switches power") != std::string::npos, error);
    plan = plan_power({loc("1-1"), 2}, hub(5, PowerSwitching::ganged), pi, true, {});
    REQUIRE(plan);
    CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 2}});
  }
}

TEST_CASE("plan: Pi 4 switches the USB2 hub 1-1 and the USB3 hub 2 together; Pi 5 hubs 2 and 4") {
  const BoardRule* pi4 = board_for("Raspberry Pi 4 Model B Rev 1.4");
  for (const char* h : {"1-1", "2"}) {
    auto plan = plan_power({loc(h), 3}, hub(4, PowerSwitching::ganged), pi4, false, {});
    REQUIRE_MESSAGE(plan, describe(plan));
    CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 0}, {loc("2"), 0}});
    CHECK(plan->dark == plan->switches);
    CHECK(plan->board == "Raspberry Pi 4B (VL805)");
  }
  const BoardRule* pi5 = board_for("Raspberry Pi 5 Model B Rev 1.0");
  auto plan = plan_power({loc("3"), 1}, hub(2, PowerSwitching::ganged), pi5, false, {});
  REQUIRE_MESSAGE(plan, describe(plan));
  CHECK(plan->switches == std::vector<Switch>{{loc("2"), 0}, {loc("4"), 0}});
  CHECK(plan->dark == std::vector<Switch>{{loc("1"), 0}, {loc("2"), 0}, {loc("3"), 0}, {loc("4"), 0}});
}

TEST_CASE("plan: any other hub follows its descriptor") {
  std::string error;
  auto plan = plan_power({loc("1-1"), 1}, hub(8, PowerSwitching::per_port), nullptr, false, loc("1-1.1"));
  REQUIRE_MESSAGE(plan, describe(plan));
  CHECK(plan->switches == std::vector<Switch>{{loc("1-1"), 1}});
  CHECK(plan->dark == plan->switches);
  CHECK(plan->board.empty());
  CHECK(plan->note.empty());
  plan = plan_power({loc("1-3"), 2}, hub(4, PowerSwitching::ganged), nullptr, true, {});
  REQUIRE(plan);
  CHECK(plan->note.find("ganged") != std::string::npos);
  CHECK(plan->dark == std::vector<Switch>{{loc("1-3"), 0}});
  error = refusal(plan_power({loc("1-3"), 2}, hub(4, PowerSwitching::none), nullptr, true, {}));
  CHECK(error.find("cannot switch port power") != std::string::npos);
  error = refusal(plan_power({loc("1-3"), 5}, hub(4, PowerSwitching::per_port), nullptr, true, {}));
  CHECK(error.find("has 4 ports; there is no port 5") != std::string::npos);
  // A Pi rule only governs its own hubs: a hub plugged into a Pi 3 socket is generic.
  const BoardRule* pi3 = board_for("Raspberry Pi 3 Model B Rev 1.2");
  plan = plan_power({loc("1-1.3"), 1}, hub(4, PowerSwitching::per_port), pi3, true, {});
  REQUIRE(plan);
  CHECK(plan->switches == std::vector<Switch>{{loc("1-1.3"), 1}});
}
