// Finding the network interface of the stick whose AT port failberry drives
// (the `net` data path): the interface of the same USB device, found in
// sysfs as <port>:<config>.<number>/net/<name>, never by name (udev renames
// wwan0 to wwx<MAC>, usb0 to enx<MAC>).
//
// Contract: pure functions over a scanned UsbDevice, and one that scans a
// directory root again (the daemon passes "/sys"; tests build a fake tree).
// They only read files under the root. Deterministic. Nothing usable is
// Code::no_net_interface with a detail that names the stick, its port and
// what to check ("12d1:1506 at 1-1.2 has no network interface: is the
// huawei_cdc_ncm driver loaded?").
//
// Which interface is chosen, when the device has several:
//  1. By the driver of its USB interface (the `driver` link), best first:
//     a. huawei_cdc_ncm, cdc_ncm, cdc_ether, rndis_host: Ethernet-framed
//        interfaces whose session the vendor's AT command starts;
//     b. qmi_wwan: started over AT by some vendors only (SIMCom $QCRMCALL,
//        NetCommands::rmnet), and possibly raw-IP framed; the caller says
//        whether its profile's session is one (`rmnet`): if not, a qmi_wwan
//        interface is listed but never chosen (a Quectel in its default QMI
//        composition: +QNETDEVCTL drives ECM and RNDIS, not QMI);
//     c. never: cdc_mbim (its session is started over MBIM, not AT) and any
//        other or no driver. These are listed but not chosen; with nothing
//        else the answer is no_net_interface saying so.
//  2. Within the best rank, the lowest USB interface number, then the name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/error.hpp"
#include "fb/modem/discovery.hpp"

namespace fb::modem {

struct NetInterface {
  std::string name;              // "wwan0", as the kernel (or udev) named it
  std::string driver;            // its USB interface's driver: "huawei_cdc_ncm"; "" when unbound
  std::uint8_t usb_interface{};  // bInterfaceNumber of that USB interface
  bool operator==(const NetInterface&) const = default;
};

// How well failberry's `net` data path can use an interface of `driver`
// (rule 1 above): lower is better; kNetUnusable is never chosen. `rmnet`:
// the profile's session can start QMI (else qmi_wwan is kNetUnusable).
inline constexpr int kNetUnusable = 3;
int net_driver_rank(std::string_view driver, bool rmnet = true);

// Every network interface of `device`, by USB interface number then name.
std::vector<NetInterface> net_interfaces(const UsbDevice& device);

struct FoundNetInterface {
  NetInterface chosen;
  std::vector<NetInterface> all;  // every one of the device, as net_interfaces() lists them
  std::string how;                // one line for the log: what was chosen, from what, and why
};

// The interface to use, by the rule above (`rmnet` as for net_driver_rank()).
Result<FoundNetInterface> choose_net_interface(const UsbDevice& device, bool rmnet = true);

// Reads the device at `device.port` under `root` again (its network
// interface may appear after its ttys did) and chooses. No device there any
// more, or another one (the stick re-enumerated), is Code::no_modem.
Result<FoundNetInterface> find_net_interface(const std::filesystem::path& root, const UsbDevice& device,
                                             bool rmnet = true);

}  // namespace fb::modem
