// Whether a hub port may be cut, read from the machine, failing closed:
//  - the board: <proc>/device-tree/model against the board table. No device
//    tree (a PC): the hub descriptor decides. A Raspberry Pi the table does
//    not know, or a model that cannot be read: refused.
//  - the plan: fb::usb::plan_power(); on a board's hubs the table, not the
//    descriptor, says which ports go dark together.
//  - the network and the disks: every network interface in <sysfs>/class/net
//    and every disk in <sysfs>/class/block whose device
//    is behind a port that goes dark (directly, behind a downstream hub, or
//    behind the port's USB3/USB2 twin, its sysfs `peer`) refuses the cut,
//    named; only the watched device's (the modem's) own interfaces and
//    disks (its CD-ROM) may go.
//
// Contract: reads files under the given sysfs and proc roots ("/sys",
// "/proc"; a test passes a tree of its own), switches nothing. REFUSED with
// a sentence saying what to do when the port must not be cut, also whenever
// something it needs cannot be read: never "assume safe".
#pragma once

#include <optional>
#include <string>

#include "fb/usb/port_power.hpp"

namespace fb::usb {

// `target` on a hub described by `descriptor`; `explicit_port` and `watch`
// as for plan_power().
fb::Result<PowerPlan, Fault> plan_cut(const HubPort& target, const HubDescriptor& descriptor, bool explicit_port,
                                      std::optional<Location> watch, const std::string& sysfs, const std::string& proc);

}  // namespace fb::usb
