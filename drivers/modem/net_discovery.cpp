#include "fb/modem/net_discovery.hpp"

#include <algorithm>
#include <array>

namespace fb::modem {
namespace {

struct DriverRank {
  std::string_view driver;
  int rank;
};
// Rule 1 of the header; anything not here ranks kNetUnusable.
constexpr std::array kRanks{
    DriverRank{"huawei_cdc_ncm", 0}, DriverRank{"cdc_ncm", 0},  DriverRank{"cdc_ether", 0},
    DriverRank{"rndis_host", 0},     DriverRank{"qmi_wwan", 1},
};

// QMI functions have no class of their own (ff/ff/ff): qmi_wwan binds them
// by id and interface number (linux drivers/net/usb/qmi_wwan.c).
struct QmiFunction {
  UsbId id;
  std::uint8_t number;
};
constexpr std::array kQmiFunctions{
    QmiFunction{{0x2c7c, 0x0125}, 4},  // Quectel EC25, EG25-G
    QmiFunction{{0x2c7c, 0x0306}, 4},  // Quectel EP06, EG06, EM06
    QmiFunction{{0x1e0e, 0x9001}, 5},  // SIMCom SIM7600
};

// The driver that binds a USB interface of this class, when it is a network
// function (linux drivers/net/usb: the id tables of these drivers); "" else.
std::string_view network_driver_for(const UsbDevice& d, const UsbInterface& i) {
  if (i.cls == 0x02 && i.subclass == 0x0d) return "cdc_ncm";
  if (i.cls == 0x02 && i.subclass == 0x0e) return "cdc_mbim";
  if (i.cls == 0x02 && i.subclass == 0x06) return "cdc_ether";
  if ((i.cls == 0x02 && i.subclass == 0x02 && i.protocol == 0xff) ||
      (i.cls == 0xe0 && i.subclass == 0x01 && i.protocol == 0x03) ||
      (i.cls == 0xef && i.subclass == 0x01 && i.protocol == 0x01) ||
      (i.cls == 0xef && i.subclass == 0x04 && i.protocol == 0x01))
    return "rndis_host";
  // huawei_cdc_ncm.c: vendor 12d1, ff/02/16, ff/02/46, ff/02/76, ff/03/16.
  if (d.id.vendor == 0x12d1 && i.cls == 0xff &&
      ((i.subclass == 0x02 && (i.protocol == 0x16 || i.protocol == 0x46 || i.protocol == 0x76)) ||
       (i.subclass == 0x03 && i.protocol == 0x16)))
    return "huawei_cdc_ncm";
  for (const auto& q : kQmiFunctions)
    if (q.id == d.id && q.number == i.number) return "qmi_wwan";
  return "";
}

std::string stick(const UsbDevice& d) {
  return to_string(d.id) + " at " + d.port;
}

std::string describe(const NetInterface& n) {
  return n.name + " (" + (n.driver.empty() ? "no driver" : n.driver) + ", USB interface " +
         std::to_string(n.usb_interface) + ")";
}

std::string list(const std::vector<NetInterface>& all) {
  std::string s;
  for (const auto& n : all) s += (s.empty() ? "" : ", ") + describe(n);
  return s;
}

// Why a device without a network interface has none, and what to check.
std::string missing_reason(const UsbDevice& d, bool rmnet) {
  for (const auto& i : d.interfaces) {
    std::string_view driver = network_driver_for(d, i);
    if (driver.empty()) continue;
    if (driver == "qmi_wwan" && !rmnet)
      return "its network function (USB interface " + std::to_string(i.number) +
             ") is QMI, which this stick's profile does not start over AT: switch the stick to ECM (Quectel: "
             "AT+QCFG=\"usbnet\",1), or use ppp";
    if (i.driver.empty()) return "is the " + std::string(driver) + " driver loaded?";
    return "USB interface " + std::to_string(i.number) + " is bound to " + i.driver +
           " but shows no network interface yet (is it still coming up?)";
  }
  return "none of its " + std::to_string(d.interfaces.size()) +
         " USB interfaces is a network function (NCM, ECM, RNDIS, QMI, MBIM): "
         "use the ppp data path, or switch the stick to a mode with a network interface";
}

std::string unusable_reason(const std::vector<NetInterface>& all) {
  for (const auto& n : all)
    if (n.driver == "cdc_mbim")
      return "its session is started over MBIM, not AT: switch the stick to NCM or ECM, or use ppp";
  for (const auto& n : all)
    if (n.driver == "qmi_wwan")
      return "this stick's profile starts its session on an NCM, ECM or RNDIS interface, not on QMI: switch the "
             "stick to ECM (Quectel: AT+QCFG=\"usbnet\",1), or use ppp";
  return "no driver failberry can start a session on over AT (huawei_cdc_ncm, cdc_ncm, cdc_ether, rndis_host, "
         "qmi_wwan)";
}

}  // namespace

int net_driver_rank(std::string_view driver, bool rmnet) {
  if (driver == "qmi_wwan" && !rmnet) return kNetUnusable;
  for (const auto& r : kRanks)
    if (r.driver == driver) return r.rank;
  return kNetUnusable;
}

std::vector<NetInterface> net_interfaces(const UsbDevice& device) {
  std::vector<NetInterface> out;
  for (const auto& i : device.interfaces)
    for (const auto& name : i.nets) out.push_back(NetInterface{name, i.driver, i.number});
  std::stable_sort(out.begin(), out.end(), [](const NetInterface& a, const NetInterface& b) {
    return a.usb_interface != b.usb_interface ? a.usb_interface < b.usb_interface : a.name < b.name;
  });
  return out;
}

Result<FoundNetInterface> choose_net_interface(const UsbDevice& device, bool rmnet) {
  std::vector<NetInterface> all = net_interfaces(device);
  if (all.empty())
    return Result<FoundNetInterface>(Code::no_net_interface,
                                     stick(device) + " has no network interface: " + missing_reason(device, rmnet));
  // net_interfaces() is in interface-number-then-name order: the first of
  // the best rank is rule 2's choice.
  auto best = std::min_element(all.begin(), all.end(), [rmnet](const NetInterface& a, const NetInterface& b) {
    return net_driver_rank(a.driver, rmnet) < net_driver_rank(b.driver, rmnet);
  });
  if (net_driver_rank(best->driver, rmnet) >= kNetUnusable)
    return Result<FoundNetInterface>(Code::no_net_interface,
                                     stick(device) + " has only " + list(all) + ": " + unusable_reason(all));
  FoundNetInterface found;
  found.chosen = *best;
  found.all = all;
  found.how = describe(found.chosen) + " of " + stick(device);
  if (all.size() > 1) found.how += ", chosen by driver and interface number from " + list(all);
  return found;
}

Result<FoundNetInterface> find_net_interface(const std::filesystem::path& root, const UsbDevice& device, bool rmnet) {
  for (const auto& now : scan_usb(root)) {
    if (now.port != device.port) continue;
    if (now.id != device.id)
      return Result<FoundNetInterface>(Code::no_modem, "the USB device at " + device.port + " is now " +
                                                           to_string(now.id) + ", not " + to_string(device.id) +
                                                           " (the stick re-enumerated)");
    return choose_net_interface(now, rmnet);
  }
  return Result<FoundNetInterface>(Code::no_modem,
                                   stick(device) + " is no longer on USB (unplugged, or re-enumerating)");
}

}  // namespace fb::modem
