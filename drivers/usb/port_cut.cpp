#include "fb/usb/port_cut.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <vector>

namespace fb::usb {
namespace {

namespace fs = std::filesystem;

// A sysfs or proc attribute, trailing NULs/newlines cut; nullopt + error
// ("<path>: <reason>") when it cannot be read, `missing` set for ENOENT.
std::optional<std::string> read_attr(const std::string& path, std::string& error, bool* missing = nullptr) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (missing) *missing = fd < 0 && errno == ENOENT;
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string out;
  std::array<char, 256> buf{};
  ssize_t n = 0;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0) out.append(buf.data(), static_cast<std::size_t>(n));
  int read_errno = errno;
  ::close(fd);
  if (n < 0) {
    error = path + ": " + std::strerror(read_errno);
    return std::nullopt;
  }
  while (!out.empty() && (out.back() == '\0' || out.back() == '\n')) out.pop_back();
  return out;
}

std::optional<int> number(const std::string& text) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// The board rule for <proc>/device-tree/model. Null without a device tree
// (a PC, an x86 VM: no onboard hub to know about); nullopt + error when the
// model cannot be read or names a board family the table must cover but
// does not.
std::optional<const BoardRule*> read_board(const std::string& proc, std::string& error) {
  std::string path = proc + "/device-tree/model", why;
  bool missing = false;
  auto model = read_attr(path, why, &missing);
  if (!model && missing) {
    struct stat st {};
    if (::stat((proc + "/device-tree").c_str(), &st) != 0 && errno == ENOENT) return nullptr;
    why = path + ": missing beside a device tree";
  }
  if (!model) {
    error = "cannot tell which board this is (" + why + ")";
    return std::nullopt;
  }
  const BoardRule* rule = board_for(*model);
  if (!rule && needs_board_rule(*model)) {
    error = "'" + *model + "' is a Raspberry Pi the board table does not know: which sockets share power and " +
            "where the Ethernet hangs are unknown";
    return std::nullopt;
  }
  return rule;
}

// A sysfs attribute holding a whole number of at least 1; otherwise nothing
// and `error` says why (`unless`: what any other value means).
std::optional<int> read_count(const std::string& path, const char* unless, std::string& error) {
  auto text = read_attr(path, error);
  if (!text) return std::nullopt;
  auto n = number(*text);
  if (!n || *n < 1) {
    error = path + ": '" + *text + "' (" + unless + ")";
    return std::nullopt;
  }
  return n;
}

// Port `p` of `hub` as in `<hub>-port<p>` ("2-1-port3", "usb2-port1").
std::optional<HubPort> port_named(const std::string& name) {
  auto at = name.rfind("-port");
  if (at == std::string::npos) return std::nullopt;
  auto port = number(name.substr(at + 5));
  std::string hub = name.substr(0, at);
  std::optional<Location> l;
  if (hub.starts_with("usb")) {
    if (auto bus = number(hub.substr(3))) l = Location{*bus, {}};
  } else if (auto parsed = parse_location(hub)) {
    l = *parsed;
  }
  if (!port || !l) return std::nullopt;
  return HubPort{*l, *port};
}

// Every port in `plan.dark`, one by one, each with its twin on the other
// speed's bus (a USB3 hub is a USB2 and a USB3 hub sharing each socket's
// power; sysfs links the two as `peer`).
std::optional<std::vector<HubPort>> dark_ports(const PowerPlan& plan, const std::string& sysfs, std::string& error) {
  std::vector<HubPort> out;
  // A plan that names no port going dark cannot be checked: refused, never "nothing behind".
  if (plan.dark.empty()) {
    error = "the plan names no port that goes dark";
    return std::nullopt;
  }
  for (const auto& d : plan.dark) {
    std::string dir = sysfs + "/bus/usb/devices/" + sysfs_name(d.hub);
    auto configuration = read_count(dir + "/bConfigurationValue", "hub not configured", error);
    if (!configuration) return std::nullopt;
    int first = d.port, last = d.port;
    if (d.port == 0) {
      auto n = read_count(dir + "/maxchild", "not a hub?", error);
      if (!n) return std::nullopt;
      first = 1;
      last = *n;
    }
    for (int p = first; p <= last; ++p) {
      out.push_back({d.hub, p});
      std::string port_dir = fs::path(sysfs + "/" + disable_path(d.hub, *configuration, p)).parent_path().string();
      struct stat st {};
      if (::stat(port_dir.c_str(), &st) != 0) {
        error = port_dir + ": " + std::strerror(errno);
        return std::nullopt;
      }
      std::error_code ec;
      fs::path peer = fs::read_symlink(port_dir + "/peer", ec);
      if (ec == std::errc::no_such_file_or_directory) continue;  // no twin: a USB2-only hub
      auto twin = ec ? std::nullopt : port_named(peer.filename().string());
      if (!twin) {
        error = port_dir + "/peer: " + (ec ? ec.message() : "'" + peer.string() + "' is not a hub port");
        return std::nullopt;
      }
      out.push_back(*twin);
    }
  }
  return out;
}

// `device` is `ancestor` or behind it.
bool within(const Location& device, const Location& ancestor) {
  return device.bus == ancestor.bus && device.ports.size() >= ancestor.ports.size() &&
         std::equal(ancestor.ports.begin(), ancestor.ports.end(), device.ports.begin());
}

// An entry of <sysfs>/class/<cls> ("net": an interface, "block": a disk or
// partition), other than the watched device's own, on a USB device behind
// one of `ports`: "eth0 (1-1.1)"; "" when there is none.
std::optional<std::string> class_device_behind(const std::vector<HubPort>& ports, const std::optional<Location>& watch,
                                               const std::string& sysfs, const std::string& cls, std::string& error) {
  std::string dir = sysfs + "/class/" + cls;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& entry = it->path();
    if (!it->is_symlink(ec)) {
      if (ec) break;
      continue;  // bonding_masters and the like: not a device
    }
    fs::path target = fs::read_symlink(entry, ec);
    if (ec) {
      error = entry.string() + ": " + ec.message();
      return std::nullopt;
    }
    // ../../devices/platform/soc/3f980000.usb/usb1/1-1/1-1.1/1-1.1:1.0/net/eth0,
    // ../../devices/.../usb2/2-1/2-1:1.0/host0/target0:0:0/0:0:0:0/block/sda;
    // not on USB (lo, SoC Ethernet, SDIO Wi-Fi, the SD card, NVMe): nothing to find.
    auto device = device_in_sysfs_path(target.string());
    if (!device || (watch && within(*device, *watch))) continue;
    for (const auto& [hub, port] : ports) {
      Location behind = hub;
      behind.ports.push_back(port);
      if (within(*device, behind)) return entry.filename().string() + " (" + to_string(*device) + ")";
    }
  }
  if (ec) {
    error = dir + ": " + ec.message();
    return std::nullopt;
  }
  return std::string();
}

}  // namespace

fb::Result<PowerPlan, Fault> plan_cut(const HubPort& target, const HubDescriptor& descriptor, bool explicit_port,
                                      std::optional<Location> watch, const std::string& sysfs,
                                      const std::string& proc) {
  std::string refusing = "refusing to cut hub " + to_string(target.hub) + " port " + std::to_string(target.port);
  std::string why;
  auto board = read_board(proc, why);
  if (!board) return {Fault::refused, refusing + ": " + why + "; on an unknown board no port is cut"};
  auto plan = plan_power(target, descriptor, *board, explicit_port, std::move(watch));
  if (!plan) return plan.error();
  // Never "assume safe": whatever cannot be read refuses the cut.
  auto ports = dark_ports(*plan, sysfs, why);
  // The network the box is reached by, and the disks it runs from (a Pi 4 or
  // 5 booting from a USB SSD): neither may lose power with the modem.
  for (const auto& [cls, what] : {std::pair{"net", "the network interface"}, std::pair{"block", "the disk"}}) {
    auto victim = ports ? class_device_behind(*ports, plan->watch, sysfs, cls, why) : std::nullopt;
    if (!victim) return {Fault::refused, refusing + ": cannot tell what else would lose power (" + why + ")"};
    if (!victim->empty()) {
      return {Fault::refused, refusing + ": it would also take down " + what + " " + *victim +
                                  (plan->board.empty() ? "" : " (" + plan->board + ": " + plan->note + ")") +
                                  "; move the modem to another hub or set [recovery] hub/hub_port"};
    }
  }
  return plan;
}

}  // namespace fb::usb
