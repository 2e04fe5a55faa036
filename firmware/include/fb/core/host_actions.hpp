// HostActions: the side effects on the host beyond the network (which is
// netcfg::System's): cutting a USB hub port's power and rebooting. Beside
// netcfg::System, with a dry-run twin; which one runs is decided once, where
// the daemon is wired (Daemon::restart_modem()), not inside the services.
//
// Contract:
//  - Asynchronous: every outcome comes back through the callback, on the
//    io_context's thread, never from inside the call (a caller inside its
//    own event loop does not see it re-entered).
//  - cycle_usb_power(): the plan comes from usb::HubPower::plan() (sysfs and
//    hub reads, the fail-closed board rules); this only carries it out.
//  - reboot(): SystemHostActions runs `systemctl reboot` (PID 1 reboots; the
//    unit keeps no CAP_SYS_BOOT) and reaps it; `refused` runs only when the
//    reboot will not happen (systemctl could not start, or exited non-zero).
//  - DryRunHostActions changes nothing: it logs what it would do and answers
//    DRY_RUN (power) or REBOOT_SKIPPED (reboot).
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "fb/usb/hub_power.hpp"

namespace fb::core {

struct PowerCycleResult {
  bool ok = false;
  std::string code;    // "" when ok; a usb::Fault name ("STILL_PRESENT", …) or "DRY_RUN"
  std::string detail;  // ok: "sysfs-disable (evidence)"; else what happened
};

class HostActions {
 public:
  virtual ~HostActions() = default;
  virtual void cycle_usb_power(usb::HubPower& hub, const usb::PowerPlan& plan,
                               std::function<void(PowerCycleResult)> done) = 0;
  virtual void reboot(const std::string& reason, std::function<void(std::string code, std::string why)> refused) = 0;
};

// The real one; `systemctl` is looked up on PATH.
std::unique_ptr<HostActions> make_system_host_actions(boost::asio::io_context& io);
std::unique_ptr<HostActions> make_dry_run_host_actions(boost::asio::io_context& io);

// What the planned cut would switch, for logs and /status: "1-1 port 2, 1 port all".
std::string describe(const usb::PowerPlan& plan);

}  // namespace fb::core
