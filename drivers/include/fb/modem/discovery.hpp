// Finding the modem in sysfs: which USB device it is, whether it is still a
// CD-ROM that needs a mode switch, and which of its ttys carry AT and PPP
// (its network interfaces: fb/modem/net_discovery.hpp).
//
// Contract: functions over a directory root (the daemon passes "/sys"; tests
// build a fake tree in a temp dir); they only read files under it, never
// open a tty and never trust ttyUSB numbering — ports come from interface
// numbers and classes. Deterministic: devices are considered in sysfs name
// order. Nothing found is Code::no_modem with a detail that says what was
// looked for and what to check.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/error.hpp"
#include "fb/modem/profile.hpp"

namespace fb::modem {

struct UsbInterface {
  std::uint8_t number = 0;
  std::uint8_t cls = 0;
  std::uint8_t subclass = 0;
  std::uint8_t protocol = 0;
  std::string driver;             // "option", "cdc_acm", "usb-storage", "" when unbound
  std::vector<std::string> ttys;  // "ttyUSB2", "ttyACM0"
  std::vector<std::string> nets;  // network interfaces ("wwan0"): <if>/net/<name>, sorted
};

struct UsbDevice {
  std::string port;  // sysfs name: "1-1.3" (bus 1, hub port 1, port 3)
  UsbId id;
  std::string manufacturer;
  std::string product;
  std::vector<UsbInterface> interfaces;  // by interface number
  const UsbInterface* interface(std::uint8_t number) const;
};

// All USB devices (not root hubs) under root/bus/usb/devices.
std::vector<UsbDevice> scan_usb(const std::filesystem::path& root);

// The [modem] device setting: "auto", a tty path, "usb:VID:PID", or a USB
// port path such as "1-1.3". parse_selector() is the one reader of this
// syntax: the config validates [modem] device with it and keeps the result.
struct ModemSelector {
  enum class Kind : std::uint8_t { automatic, tty, usb_id, usb_port };
  Kind kind = Kind::automatic;
  std::string text;  // tty name ("ttyUSB2") or port ("1-1.3")
  UsbId id;
  bool operator==(const ModemSelector&) const = default;
};
inline constexpr std::string_view kSelectorForms =
    "expected auto, a /dev/ path, usb:VID:PID or a USB port path like 1-1.3";
// A refused text gives NO_MODEM whose detail is why, in words (the caller
// names the text and where it came from).
Result<ModemSelector> parse_selector(std::string_view text);

struct FoundModem {
  enum class State : std::uint8_t {
    modem,       // ready for AT
    storage,     // still a CD-ROM: mode-switch it first
    no_at_port,  // known stick without a serial AT port (HiLink)
  };
  State state = State::modem;
  UsbDevice device;
  const Profile* profile = nullptr;
  const StorageModel* storage = nullptr;  // for State::storage
  std::string at_tty;                     // empty: probe the candidates
  std::string data_tty;
  std::vector<std::string> candidates;  // every tty of the device, interface order
  std::string how;                      // one line for the log: how the ports were chosen
};

Result<FoundModem> locate_modem(const std::vector<UsbDevice>& devices, const ModemSelector& selector);

}  // namespace fb::modem
