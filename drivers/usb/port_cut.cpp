#include "fb/usb/port_cut.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace fb::usb {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  std::string out = s.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\0' || out.back() == ' ')) out.pop_back();
  return out;
}

Location child(Location hub, int port) {
  hub.ports.push_back(port);
  return hub;
}

// A network interface (other than the watched device's own) that would lose power.
std::optional<std::string> network_behind(const PowerPlan& plan, const HubDescriptor& descriptor,
                                          const std::string& sysfs) {
  // The ports that lose power: the switched ones, or every port of a ganged hub.
  std::vector<std::pair<Location, int>> switched;
  for (const auto& s : plan.switches) {
    if (s.port) {
      switched.emplace_back(s.hub, s.port);
      continue;
    }
    int n = std::atoi(read_text(sysfs + "/bus/usb/devices/" + sysfs_name(s.hub) + "/maxchild").c_str());
    if (n <= 0) {
      switched.clear();
      break;
    }
    for (int p = 1; p <= n; ++p) switched.emplace_back(s.hub, p);
  }
  std::vector<std::string> cut;
  for (const auto& [hub, port] : switched) {
    if (descriptor.switching == PowerSwitching::ganged)
      for (int p = 1; p <= descriptor.ports; ++p) cut.push_back(to_string(child(hub, p)));
    else
      cut.push_back(to_string(child(hub, port)));
  }
  std::string own = plan.watch ? to_string(*plan.watch) : std::string();
  auto under = [](const std::string& name, const std::string& dev) {
    return name == dev || name.rfind(dev + ".", 0) == 0 || name.rfind(dev + ":", 0) == 0;
  };
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sysfs + "/bus/usb/devices", ec)) {
    std::string name = entry.path().filename().string();
    if (name.find(':') == std::string::npos) continue;  // interfaces carry the net/ directory
    if (!own.empty() && under(name, own)) continue;     // the modem's own (wwan) interfaces go anyway
    bool affected = false;
    for (const auto& dev : cut) affected |= under(name, dev);
    if (!affected) continue;
    for (const auto& net : std::filesystem::directory_iterator(entry.path() / "net", ec))
      return net.path().filename().string() + " (" + name.substr(0, name.find(':')) + ")";
  }
  return std::nullopt;
}

}  // namespace

std::optional<PowerPlan> plan_cut(const HubPort& target, const HubDescriptor& descriptor, bool explicit_port,
                                  std::optional<Location> watch, const std::string& sysfs, const std::string& proc,
                                  std::string& error) {
  const BoardRule* board = board_for(read_text(proc + "/device-tree/model"));
  auto plan = plan_power(target, descriptor, board, explicit_port, std::move(watch), error);
  if (!plan) return std::nullopt;
  if (auto victim = network_behind(*plan, descriptor, sysfs)) {
    error = "refusing to cut hub " + to_string(target.hub) + " port " + std::to_string(target.port) +
            ": it would also take down the network interface " + *victim +
            "; move the modem to another hub or set [recovery] hub/hub_port";
    return std::nullopt;
  }
  return plan;
}

}  // namespace fb::usb
