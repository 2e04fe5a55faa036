// Whether a hub port may be cut, read from the machine: the board (its
// device-tree model), fb::usb::plan_power(), then the network interfaces in
// sysfs that would lose power with it.
//
// Contract: reads files under the given sysfs and proc roots ("/sys",
// "/proc"; a test passes a tree of its own), switches nothing. Nullopt +
// `error` (a sentence saying what to do) when the port must not be cut.
#pragma once

#include <optional>
#include <string>

#include "fb/usb/port_power.hpp"

namespace fb::usb {

// `target` on a hub described by `descriptor`; `explicit_port` and `watch`
// as for plan_power().
std::optional<PowerPlan> plan_cut(const HubPort& target, const HubDescriptor& descriptor, bool explicit_port,
                                  std::optional<Location> watch, const std::string& sysfs, const std::string& proc,
                                  std::string& error);

}  // namespace fb::usb
