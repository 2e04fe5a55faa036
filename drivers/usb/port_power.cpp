#include "fb/usb/port_power.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace fb::usb {
namespace {

std::optional<int> number(std::string_view s, int min, int max) {
  int v = 0;
  if (s.empty() || s.size() > 3) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < min || v > max) return std::nullopt;
  return v;
}

bool contains(std::span<const std::string_view> list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

Location parsed(std::string_view text) {
  return *parse_location(text);
}

// ---- the board table: one row per board family (see port_power.hpp) ----
constexpr std::array<std::string_view, 2> kLan7515Hubs{"1-1", "1-1.1"};
constexpr std::array<std::string_view, 1> kLan9514Hubs{"1-1"};
constexpr std::array<std::string_view, 2> kVl805Hubs{"1-1", "2"};
constexpr std::array<std::string_view, 4> kPi5Hubs{"1", "2", "3", "4"};
constexpr std::array<std::string_view, 2> kPi5Together{"2", "4"};
// What goes dark. LAN7515: all four ports of 1-1, so hub 1-1.1 behind port 1
// and the Ethernet on its port 1 (uhubctl README: port 2 "turns off
// secondary hub ports as well"). LAN9514: the four sockets; port 1, the
// Ethernet, has its own switch. Pi 5: VBUS is one switch for the sockets
// of both RP1 controllers, USB2 roots 1, 3 and USB3 roots 2, 4.
constexpr std::array kLan7515Dark{PortRange{"1-1"}};
constexpr std::array kLan9514Dark{PortRange{"1-1", 2, 5}};
constexpr std::array kVl805Dark{PortRange{"1-1"}, PortRange{"2"}};
constexpr std::array kPi5Dark{PortRange{"1"}, PortRange{"2"}, PortRange{"3"}, PortRange{"4"}};

constexpr std::array kBoards{
    // 3B+: LAN7515, hub 1-1 ganged and switched through port 2; port 1 leads
    // to the Ethernet (uhubctl README; its issue #491: a Pi lost by cutting it).
    // Listed before the 3B, whose model string is a prefix of this one.
    BoardRule{"Raspberry Pi 3 Model B Plus",
              "Raspberry Pi 3B+ (LAN7515)",
              kLan7515Hubs,
              2,
              1,
              "port 1 of hub 1-1 leads to the Ethernet adapter: the Pi would drop off the network",
              {},
              kLan7515Dark,
              "ganged: switching port 2 of hub 1-1 cuts every USB socket, and hub 1-1.1 with the Ethernet"},
    BoardRule{"Raspberry Pi 3 Model B",
              "Raspberry Pi 3B (LAN9514)",
              kLan9514Hubs,
              2,
              1,
              "port 1 of hub 1-1 is the LAN9514's Ethernet: the Pi would drop off the network",
              {},
              kLan9514Dark,
              "LAN9514: ports 2-5 are ganged and switched only through port 2: all four USB sockets go dark"},
    BoardRule{"Raspberry Pi 2 Model B",
              "Raspberry Pi 2B (LAN9514)",
              kLan9514Hubs,
              2,
              1,
              "port 1 of hub 1-1 is the LAN9514's Ethernet: the Pi would drop off the network",
              {},
              kLan9514Dark,
              "LAN9514: ports 2-5 are ganged and switched only through port 2: all four USB sockets go dark"},
    BoardRule{"Raspberry Pi Model B Plus",
              "Raspberry Pi B+ (LAN9514)",
              kLan9514Hubs,
              2,
              1,
              "port 1 of hub 1-1 is the LAN9514's Ethernet: the Pi would drop off the network",
              {},
              kLan9514Dark,
              "LAN9514: ports 2-5 are ganged and switched only through port 2: all four USB sockets go dark"},
    // 4B: VL805; the USB2 hub 1-1 and the USB3 root hub 2 are both ganged and
    // must both be switched (VL805 firmware >= 00137ad).
    BoardRule{"Raspberry Pi 4 Model B",
              "Raspberry Pi 4B (VL805)",
              kVl805Hubs,
              0,
              0,
              {},
              kVl805Hubs,
              kVl805Dark,
              "VL805: USB2 hub 1-1 and USB3 hub 2 switched together; all four sockets go dark"},
    // 5: the four ports are ganged across root hubs 2 and 4. Not the Pi
    // 500 ("Raspberry Pi 500"): its keyboard and sockets are wired otherwise.
    BoardRule{"Raspberry Pi 5 Model B",
              "Raspberry Pi 5",
              kPi5Hubs,
              0,
              0,
              {},
              kPi5Together,
              kPi5Dark,
              "all four ports are ganged across root hubs 2 and 4: all go dark"},
};

}  // namespace

fb::Result<Location, Fault> parse_location(std::string_view text) {
  auto bad = [&](std::string why) -> fb::Result<Location, Fault> {
    return {Fault::bad_location, "USB location '" + std::string(text.substr(0, 40)) + "': " + why +
                                     " (expected BUS or BUS-PORT[.PORT...], e.g. 1-1 or 1-1.3)"};
  };
  Location l;
  auto dash = text.find('-');
  auto bus = number(text.substr(0, dash), 1, 255);
  if (!bus) return bad("bus must be 1-255");
  l.bus = *bus;
  if (dash == std::string_view::npos) return l;
  auto rest = text.substr(dash + 1);
  while (true) {
    auto dot = rest.find('.');
    auto port = number(rest.substr(0, dot), 1, 31);
    if (!port) return bad("ports must be 1-31");
    l.ports.push_back(*port);
    if (l.ports.size() > 7) return bad("more than 7 tiers");
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
  }
  return l;
}

std::string_view code_name(Fault f) {
  switch (f) {
    case Fault::busy: return "BUSY";
    case Fault::bad_location: return "BAD_LOCATION";
    case Fault::refused: return "REFUSED";
    case Fault::usb_io: return "USB_IO";
    case Fault::still_present: return "STILL_PRESENT";
    case Fault::did_not_return: return "DID_NOT_RETURN";
  }
  return "?";
}

std::string to_string(const Location& l) {
  std::string out = std::to_string(l.bus);
  for (std::size_t i = 0; i < l.ports.size(); ++i) out += (i == 0 ? "-" : ".") + std::to_string(l.ports[i]);
  return out;
}

std::string sysfs_name(const Location& l) {
  return l.root() ? "usb" + std::to_string(l.bus) : to_string(l);
}

std::optional<HubPort> parent_of(const Location& device) {
  if (device.root()) return std::nullopt;
  HubPort hp;
  hp.hub = device;
  hp.port = hp.hub.ports.back();
  hp.hub.ports.pop_back();
  return hp;
}

std::optional<Location> device_in_sysfs_path(std::string_view path) {
  std::optional<Location> found;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (part.find(':') != std::string_view::npos) continue;  // an interface ("1-1.1:1.0")
    if (part.find('-') != std::string_view::npos)
      if (auto l = parse_location(part)) found = *l;
  }
  return found;
}

std::string disable_path(const Location& hub, int configuration, int port) {
  std::string iface =
      (hub.root() ? std::to_string(hub.bus) + "-0" : to_string(hub)) + ":" + std::to_string(configuration) + ".0";
  return "bus/usb/devices/" + sysfs_name(hub) + "/" + iface + "/" + sysfs_name(hub) + "-port" + std::to_string(port) +
         "/disable";
}

std::string_view to_string(PowerSwitching s) {
  switch (s) {
    case PowerSwitching::ganged: return "ganged";
    case PowerSwitching::per_port: return "per-port";
    case PowerSwitching::none: return "none";
  }
  return "?";
}

fb::Result<HubDescriptor, Fault> parse_hub_descriptor(std::span<const std::uint8_t> b) {
  auto bad = [](std::string why) -> fb::Result<HubDescriptor, Fault> { return {Fault::usb_io, std::move(why)}; };
  if (b.size() < 7) {
    return bad("hub descriptor too short (" + std::to_string(b.size()) + " bytes, need at least 7)");
  }
  if (b[1] != 0x29 && b[1] != 0x2a) {
    return bad("not a hub descriptor (type 0x" + std::string(1, "0123456789abcdef"[b[1] >> 4]) +
               std::string(1, "0123456789abcdef"[b[1] & 15]) + ")");
  }
  if (b[0] < 7 || b[0] > b.size()) {
    return bad("hub descriptor length " + std::to_string(b[0]) + " does not match the " + std::to_string(b.size()) +
               " bytes read");
  }
  HubDescriptor d;
  d.superspeed = b[1] == 0x2a;
  d.ports = b[2];
  if (d.ports < 1 || d.ports > (d.superspeed ? 15 : 255)) {
    return bad("hub descriptor says " + std::to_string(d.ports) + " ports");
  }
  unsigned characteristics = b[3] | (b[4] << 8);
  switch (characteristics & 0x3) {
    case 0: d.switching = PowerSwitching::ganged; break;
    case 1: d.switching = PowerSwitching::per_port; break;
    default: d.switching = PowerSwitching::none; break;
  }
  // A one-port hub's ganged switching is per-port in effect (uhubctl does the same).
  if (d.switching == PowerSwitching::ganged && d.ports == 1) d.switching = PowerSwitching::per_port;
  d.compound = (characteristics & 0x4) != 0;
  d.power_on_to_good_ms = b[5] * 2;
  return d;
}

std::span<const BoardRule> board_table() {
  return kBoards;
}

const BoardRule* board_for(std::string_view model) {
  while (!model.empty() && (model.back() == '\0' || model.back() == '\n')) model.remove_suffix(1);
  for (const auto& b : kBoards)
    if (model.substr(0, b.model_prefix.size()) == b.model_prefix) return &b;
  return nullptr;
}

bool needs_board_rule(std::string_view model) {
  return model.starts_with("Raspberry Pi");
}

fb::Result<PowerPlan, Fault> plan_power(const HubPort& target, const HubDescriptor& descriptor, const BoardRule* board,
                                        bool explicit_port, std::optional<Location> watch) {
  auto refuse = [](std::string why) -> fb::Result<PowerPlan, Fault> { return {Fault::refused, std::move(why)}; };
  std::string where = "port " + std::to_string(target.port) + " of hub " + to_string(target.hub);
  if (target.port < 1 || target.port > descriptor.ports) {
    return refuse("hub " + to_string(target.hub) + " has " + std::to_string(descriptor.ports) + " ports; there is no " +
                  where.substr(0, where.find(" of")));
  }
  PowerPlan plan;
  plan.watch = std::move(watch);
  if (board && contains(board->hubs, to_string(target.hub))) {
    plan.board = std::string(board->name);
    plan.note = std::string(board->note);
    for (const auto& range : board->dark) {
      if (range.last == 0) plan.dark.push_back({parsed(range.hub), 0});
      for (int p = range.first; range.last && p <= range.last; ++p) plan.dark.push_back({parsed(range.hub), p});
    }
    if (!board->together.empty()) {
      for (auto hub : board->together) plan.switches.push_back({parsed(hub), 0});
      return plan;
    }
    Location control_hub = parsed(board->hubs.front());
    if (board->forbidden_port && target.hub == control_hub && target.port == board->forbidden_port) {
      return refuse("refusing to switch " + where + " on a " + std::string(board->name) + ": " +
                    std::string(board->forbidden_why) + "; use hub_port = " + std::to_string(board->control_port));
    }
    if (explicit_port && target.hub == control_hub && board->control_port && target.port != board->control_port) {
      return refuse("on a " + std::string(board->name) + " only port " + std::to_string(board->control_port) +
                    " of hub " + to_string(control_hub) + " switches power (" + std::string(board->note) +
                    "); set hub_port = " + std::to_string(board->control_port));
    }
    plan.switches.push_back({control_hub, board->control_port ? board->control_port : target.port});
    return plan;
  }
  if (descriptor.switching == PowerSwitching::none) {
    return refuse("hub " + to_string(target.hub) +
                  " cannot switch port power (its descriptor says no power switching); plug the modem into a hub with "
                  "per-port power switching, or set [recovery] hub/hub_port to one");
  }
  bool ganged = descriptor.switching == PowerSwitching::ganged;
  if (ganged)
    plan.note = "hub " + to_string(target.hub) + " is ganged: all its " + std::to_string(descriptor.ports) +
                " ports lose power together";
  plan.switches.push_back({target.hub, target.port});
  plan.dark.push_back({target.hub, ganged ? 0 : target.port});
  return plan;
}

}  // namespace fb::usb
