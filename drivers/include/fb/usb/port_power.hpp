// USB hub port power, the pure part: uhubctl-style locations, where a device
// hangs off, the hub descriptor's power-switching mode, the board table, and
// the plan of which hub ports to switch (or why not).
//
// Facts: USB 2.0 §11.23.2.1 (hub descriptor, wHubCharacteristics bits 1:0:
// 00 ganged, 01 per-port, 1x no switching), USB 3.x §10.15.2.1 (SuperSpeed
// hub descriptor 0x2a); uhubctl (mvp/uhubctl 2.6.0) for the sysfs `disable`
// path and the Raspberry Pi boards; shared/reference/PROTOCOLS.md §3.
//
// Contract: pure, no I/O. Nothing is switched here; fb::usb::HubPower does
// that. An unsafe or impossible request is refused with a message that says
// what to do instead; a user's explicit port is never silently replaced.
// Failures are fb::Result errors coded with Fault (BAD_LOCATION, REFUSED, …).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fb/result.hpp"

namespace fb::usb {

// The stable codes of the USB power path, in /status and the log.
enum class Fault : std::uint8_t {
  busy,            // another operation is running
  bad_location,    // no such hub / port
  refused,         // plan_cut() refused (board rule, no switching, a network behind it, unreadable sysfs)
  usb_io,          // libusb or sysfs write failed for every method
  still_present,   // the device did not vanish after "off" by any method
  did_not_return,  // the device did not come back after "on"
};
std::string_view code_name(Fault fault);  // "BUSY", "STILL_PRESENT", …

// A USB device or hub by topology: bus 1, ports {1, 3} is "1-1.3"; a root
// hub has no ports ("1" as uhubctl writes it, "usb1" in sysfs).
struct Location {
  int bus = 0;
  std::vector<int> ports;
  bool root() const { return ports.empty(); }
  bool operator==(const Location&) const = default;
};

// "1-1.3", "1-1", "2" (a root hub). BAD_LOCATION for anything else (ports
// 1-31, at most 7 tiers, bus 1-255).
fb::Result<Location, Fault> parse_location(std::string_view text);
std::string to_string(const Location& location);   // uhubctl style: "1-1.3", "2"
std::string sysfs_name(const Location& location);  // "1-1.3", "usb2"

struct HubPort {
  Location hub;
  int port = 0;  // 1-based
  bool operator==(const HubPort&) const = default;
};

// The hub port a device is plugged into: 1-1.3 -> hub 1-1 port 3; 1-2 ->
// root hub 1 port 2. Nullopt for a root hub.
std::optional<HubPort> parent_of(const Location& device);

// The deepest USB device in a sysfs path, e.g. the realpath of
// /sys/class/tty/ttyUSB0/device: ".../usb1/1-1/1-1.1/1-1.1:1.0/ttyUSB0" -> 1-1.1.
std::optional<Location> device_in_sysfs_path(std::string_view path);

// <sysfs>/bus/usb/devices/<hub>/<hub iface>/<port>/disable (kernel >= 6.0):
// "1-1:1.0/1-1-port3/disable", root hub "usb1/1-0:1.0/usb1-port2/disable".
std::string disable_path(const Location& hub, int configuration, int port);

// ---- hub descriptor ----
enum class PowerSwitching : std::uint8_t { ganged, per_port, none };
std::string_view to_string(PowerSwitching switching);

struct HubDescriptor {
  int ports = 0;
  PowerSwitching switching = PowerSwitching::none;
  bool compound = false;
  int power_on_to_good_ms = 0;  // bPwrOn2PwrGood * 2
  bool superspeed = false;      // descriptor type 0x2a
};

// A class GET_DESCRIPTOR answer (type 0x29 or 0x2a); USB_IO for anything else.
fb::Result<HubDescriptor, Fault> parse_hub_descriptor(std::span<const std::uint8_t> bytes);

// ---- boards ----
// Ports of `hub` that lose power together: first..last, or every port when
// last is 0.
struct PortRange {
  std::string_view hub;
  int first = 1;
  int last = 0;
};

// One row per board family whose USB hub needs special care; matched by the
// start of /proc/device-tree/model. `hubs` are the hubs the rule governs
// (the modem's own hub must be one of them for the rule to apply). On these
// hubs the table, not the hub descriptor, says what is ganged: the onboard
// hubs' descriptors do not say it (the LAN9514, LAN7515 and Pi 5 roots claim
// per-port switching).
struct BoardRule {
  std::string_view model_prefix;  // "Raspberry Pi 3 Model B"
  std::string_view name;
  std::span<const std::string_view> hubs;
  int control_port = 0;    // ganged hub switched only through this port (0: any)
  int forbidden_port = 0;  // never switch this port (0: none)
  std::string_view forbidden_why;
  // Hubs switched together, all their ports ("1-1", "2" on a Pi 4).
  std::span<const std::string_view> together;
  // The ports that lose power when the rule switches, with everything
  // behind them.
  std::span<const PortRange> dark;
  std::string_view note;  // logged with the plan
};
std::span<const BoardRule> board_table();
// The rule for a device-tree model string (trailing NULs/newline ignored).
const BoardRule* board_for(std::string_view model);
// A model from a family whose onboard hubs need a rule ("Raspberry Pi ..."):
// without one, nobody knows which ports share power or where the Ethernet is.
bool needs_board_rule(std::string_view model);

// ---- the plan ----
struct Switch {
  Location hub;
  int port = 0;  // 0: every port of the hub
  bool operator==(const Switch&) const = default;
};

struct PowerPlan {
  std::vector<Switch> switches;
  // The ports that lose power (port 0: every port of the hub), everything
  // behind them too: more than `switches` on a ganged hub or board.
  std::vector<Switch> dark;
  std::optional<Location> watch;  // the device expected to vanish and come back
  std::string board;              // "" when no board rule applied
  std::string note;
};

// Which ports to switch to cut the power of `target` on a hub described by
// `descriptor`, on `board` (null: none). `explicit_port`: the user named the
// port ([recovery] hub_port) rather than failberryd deriving it from the
// modem's location. REFUSED, with what to do instead, when it must not or
// cannot be done.
fb::Result<PowerPlan, Fault> plan_power(const HubPort& target, const HubDescriptor& descriptor, const BoardRule* board,
                                        bool explicit_port, std::optional<Location> watch);

}  // namespace fb::usb
