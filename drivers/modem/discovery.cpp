#include "fb/modem/discovery.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <system_error>

#include "fb/at/fields.hpp"
#include "fb/text.hpp"

namespace fb::modem {
namespace fs = std::filesystem;
namespace {

std::string read_attr(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return std::string(at::trim(line));
}

std::optional<std::uint32_t> hex_attr(const fs::path& path) {
  return at::to_hex(read_attr(path));
}

// "1-1.3" is a device; "1-1.3:1.2" an interface; "usb1" a root hub.
bool is_device_name(const std::string& name) {
  return !name.empty() && name[0] >= '0' && name[0] <= '9' && name.find(':') == std::string::npos;
}

std::vector<std::string> ttys_of(const fs::path& interface_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  // usb-serial (option, qcserial, ftdi_sio): <if>/ttyUSB2; cdc-acm: <if>/tty/ttyACM0.
  for (const auto& dir : {interface_dir, interface_dir / "tty"}) {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("tty", 0) == 0 && name.size() > 3) out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// usbnet drivers (cdc_ncm, cdc_ether, qmi_wwan, …): <if>/net/wwan0.
std::vector<std::string> nets_of(const fs::path& interface_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(interface_dir / "net", ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string tty_list(const std::vector<std::string>& ttys) {
  std::string s;
  for (const auto& t : ttys) s += (s.empty() ? "" : ", ") + t;
  return s.empty() ? "none" : s;
}

const UsbInterface* by_protocol(const UsbDevice& d, std::uint8_t protocol) {
  for (const auto& i : d.interfaces)
    if (i.cls == 0xff && i.protocol == protocol && !i.ttys.empty()) return &i;
  return nullptr;
}

FoundModem resolve_ports(const UsbDevice& device) {
  FoundModem f;
  f.device = device;
  f.profile = &profile_for(device.id.vendor);
  for (const auto& i : device.interfaces) f.candidates.insert(f.candidates.end(), i.ttys.begin(), i.ttys.end());
  if (has_quirk(device.id, Quirk::no_at_port)) {
    f.state = FoundModem::State::no_at_port;
    f.how = to_string(device.id) + " has no serial AT port (quirk)";
    return f;
  }
  if (auto storage = find_storage(device.id)) {
    f.state = FoundModem::State::storage;
    f.profile = storage->profile;
    f.storage = storage->model;
    f.how = to_string(device.id) + " (" + std::string(storage->model->models) + ") is in storage mode";
    return f;
  }
  auto model = find_modem(device.id);
  PortMap ports = model ? model->model->ports : PortMap{};
  const UsbInterface* at = nullptr;
  const UsbInterface* data = nullptr;
  switch (ports.by) {
    case PortMap::By::interface_number:
      at = device.interface(ports.at);
      data = device.interface(ports.data);
      f.how = "interface " + std::to_string(ports.at) + " is AT, " + std::to_string(ports.data) + " is PPP (profile)";
      break;
    case PortMap::By::interface_protocol:
      at = by_protocol(device, ports.at);
      data = by_protocol(device, ports.data);
      f.how = "bInterfaceProtocol " + std::to_string(ports.at) + " is AT, " + std::to_string(ports.data) +
              " is PPP (profile)";
      break;
    case PortMap::By::search: f.how = "unknown stick: probe " + tty_list(f.candidates); break;
  }
  if (at && !at->ttys.empty()) f.at_tty = at->ttys.front();
  if (data && !data->ttys.empty()) f.data_tty = data->ttys.front();
  if (ports.by != PortMap::By::search && f.at_tty.empty())
    f.how += "; the AT interface has no tty (driver not bound?): probe " + tty_list(f.candidates);
  return f;
}

bool looks_like_modem(const UsbDevice& d) {
  for (const auto& i : d.interfaces)
    if ((i.cls == 0xff || i.cls == 0x02 || i.cls == 0x0a) && !i.ttys.empty()) return true;
  return false;
}

}  // namespace

const UsbInterface* UsbDevice::interface(std::uint8_t number) const {
  for (const auto& i : interfaces)
    if (i.number == number) return &i;
  return nullptr;
}

std::vector<UsbDevice> scan_usb(const fs::path& root) {
  std::vector<UsbDevice> devices;
  fs::path base = root / "bus" / "usb" / "devices";
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(base, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (!is_device_name(name)) continue;
    fs::path dir = base / name;
    auto vendor = hex_attr(dir / "idVendor");
    auto product = hex_attr(dir / "idProduct");
    if (!vendor || !product || *vendor > 0xffff || *product > 0xffff) continue;
    UsbDevice d;
    d.port = name;
    d.id = UsbId{static_cast<std::uint16_t>(*vendor), static_cast<std::uint16_t>(*product)};
    // The stick's own descriptor strings: any bytes; they reach the log and /status.
    d.manufacturer = clean_text(read_attr(dir / "manufacturer"), 64);
    d.product = clean_text(read_attr(dir / "product"), 64);
    for (const auto& other : names) {
      // Interfaces of this device: "<name>:<config>.<number>".
      if (other.size() <= name.size() + 1 || other.compare(0, name.size(), name) != 0 || other[name.size()] != ':')
        continue;
      fs::path idir = base / other;
      UsbInterface i;
      auto number = hex_attr(idir / "bInterfaceNumber");
      if (!number || *number > 0xff) continue;
      i.number = static_cast<std::uint8_t>(*number);
      i.cls = static_cast<std::uint8_t>(hex_attr(idir / "bInterfaceClass").value_or(0) & 0xff);
      i.subclass = static_cast<std::uint8_t>(hex_attr(idir / "bInterfaceSubClass").value_or(0) & 0xff);
      i.protocol = static_cast<std::uint8_t>(hex_attr(idir / "bInterfaceProtocol").value_or(0) & 0xff);
      std::error_code link_ec;
      auto driver = fs::read_symlink(idir / "driver", link_ec);
      if (!link_ec) i.driver = driver.filename().string();
      i.ttys = ttys_of(idir);
      i.nets = nets_of(idir);
      d.interfaces.push_back(std::move(i));
    }
    std::sort(d.interfaces.begin(), d.interfaces.end(),
              [](const UsbInterface& a, const UsbInterface& b) { return a.number < b.number; });
    devices.push_back(std::move(d));
  }
  return devices;
}

Result<ModemSelector> parse_selector(std::string_view text) {
  text = at::trim(text);
  ModemSelector s;
  auto refuse = [&](std::string_view why) { return Result<ModemSelector>(Code::no_modem, std::string(why)); };
  if (text.empty() || text == "auto") return s;
  if (text.rfind("/dev/", 0) == 0 || text.rfind("tty", 0) == 0) {
    s.kind = ModemSelector::Kind::tty;
    s.text = std::string(text.substr(text.rfind('/') == std::string_view::npos ? 0 : text.rfind('/') + 1));
    if (s.text.empty()) return refuse(kSelectorForms);
    return s;
  }
  if (at::istarts_with(text, "usb:")) {
    auto rest = text.substr(4);
    auto hex4 = [](std::string_view h) {
      return std::all_of(h.begin(), h.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
    };
    if (rest.size() != 9 || rest[4] != ':' || !hex4(rest.substr(0, 4)) || !hex4(rest.substr(5)))
      return refuse("USB ids must look like usb:19d2:0031 (four hex digits each)");
    auto v = at::to_hex(rest.substr(0, 4));
    auto p = at::to_hex(rest.substr(5));
    s.kind = ModemSelector::Kind::usb_id;
    s.id = UsbId{static_cast<std::uint16_t>(*v), static_cast<std::uint16_t>(*p)};
    s.text = std::string(text);
    return s;
  }
  // A port path as sysfs and uhubctl write it: bus "-" port ("." port)*,
  // a bus of 1-3 digits, ports of 1-2 digits, at most 7 tiers (USB's limit).
  auto digits = [](std::string_view d, std::size_t most) {
    return !d.empty() && d.size() <= most &&
           std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  auto dash = text.find('-');
  bool ok = dash != std::string_view::npos && digits(text.substr(0, dash), 3);
  std::string_view ports = ok ? text.substr(dash + 1) : std::string_view();
  for (int tier = 1; ok; ++tier) {
    auto dot = ports.find('.');
    ok = tier <= 7 && digits(ports.substr(0, dot), 2);
    if (dot == std::string_view::npos) break;
    ports.remove_prefix(dot + 1);
  }
  if (!ok) return refuse(kSelectorForms);
  s.kind = ModemSelector::Kind::usb_port;
  s.text = std::string(text);
  return s;
}

Result<FoundModem> locate_modem(const std::vector<UsbDevice>& devices, const ModemSelector& selector) {
  using Kind = ModemSelector::Kind;
  switch (selector.kind) {
    case Kind::usb_port:
      for (const auto& d : devices)
        if (d.port == selector.text) return resolve_ports(d);
      return Result<FoundModem>(Code::no_modem, "no USB device at port " + selector.text + " (check the cable/hub)");
    case Kind::usb_id:
      for (const auto& d : devices)
        if (d.id == selector.id) return resolve_ports(d);
      return Result<FoundModem>(Code::no_modem, "no USB device " + to_string(selector.id) + " (is it plugged in?)");
    case Kind::tty:
      for (const auto& d : devices)
        for (const auto& i : d.interfaces)
          if (std::find(i.ttys.begin(), i.ttys.end(), selector.text) != i.ttys.end()) {
            FoundModem f = resolve_ports(d);
            f.at_tty = selector.text;  // the user said so
            f.how = selector.text + " is AT (configured)";
            return f;
          }
      return Result<FoundModem>(Code::no_modem, selector.text + " is not a USB tty");
    case Kind::automatic: break;
  }
  // A usable known modem first, then one still in CD-ROM mode, then anything
  // with a serial port; a HiLink last, only to say why it cannot be used.
  for (const auto& d : devices)
    if (find_modem(d.id) && !has_quirk(d.id, Quirk::no_at_port)) return resolve_ports(d);
  for (const auto& d : devices)
    if (find_storage(d.id)) return resolve_ports(d);
  for (const auto& d : devices)
    if (looks_like_modem(d)) return resolve_ports(d);
  for (const auto& d : devices)
    if (find_modem(d.id)) return resolve_ports(d);
  std::string seen;
  for (const auto& d : devices) seen += (seen.empty() ? "" : ", ") + to_string(d.id);
  return Result<FoundModem>(Code::no_modem, "no modem among USB devices (" + (seen.empty() ? "none" : seen) + ")");
}

}  // namespace fb::modem
