// ModeSwitcher: gets a storage-mode ("ZeroCD") stick out of CD-ROM mode with
// libusb-1.0 and waits until it is back as a modem. The decisions are
// SwitchCore's (switch_core.hpp); this adapter owns the libusb context, the
// device handle, a kernel uevent socket and the timers, and nothing else.
//
// Contract:
//  - Threading: everything runs on the daemon's one io_context. libusb's
//    file descriptors (its event fd, timerfd and the usbfs device fd) are
//    watched with Asio through libusb_set_pollfd_notifiers(); every transfer
//    is asynchronous (libusb_submit_transfer, bounded by `transfer_timeout`)
//    and its completion is handled by libusb_handle_events_timeout_completed
//    with a zero timeout when Asio says an fd is ready: no libusb call ever
//    blocks the loop. Opening the device, detaching the driver, claiming and
//    clear-halt are single usbfs ioctls. (libusb's own udev hotplug monitor
//    may run a thread inside libusb; it never calls into this code.)
//  - start() runs one switch; `done` is posted to the io_context exactly once
//    (never from inside start()) with a SwitchOutcome, or MODESWITCH_FAILED
//    with a detail that names the device, the messages' outcomes and what is
//    at the port at the deadline. Starting while busy completes the new
//    request at once with MODESWITCH_FAILED ("busy").
//  - The kernel driver (usb-storage) is detached and not re-attached, like
//    usb_modeswitch does: the stick is expected to leave the bus. If it does
//    not, a replug (or a port power cycle) gives it back to the kernel.
//  - Re-enumeration is seen through sysfs (modem::scan_usb under `sysfs`):
//    scanned at once, on every kernel uevent (NETLINK_KOBJECT_UEVENT) and at
//    least every `rescan_interval` (also where uevents are not delivered).
//  - cancel() / the destructor: stops at once without calling `done`; a
//    transfer in flight is cancelled and reaped (bounded: libusb returns it
//    within its own timeout), the interface released and the device closed.
//
// Use (discovery found FoundModem::State::storage):
//   auto plan = fb::usb::plan_for(found.device);   // MODESWITCH_FAILED if the table cannot switch it
//   switcher.start(*plan, [&](auto result) { … });  // success: scan_usb() + locate_modem() again
#pragma once

#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "fb/time.hpp"
#include "fb/usb/switch_core.hpp"

namespace fb::usb {

class ModeSwitcher {
 public:
  struct Options {
    std::string name = "modeswitch";  // log object; the port is appended: "modeswitch[1-1.2]"
    std::filesystem::path sysfs = "/sys";
    Duration transfer_timeout = std::chrono::seconds(3);
    Duration rescan_interval = std::chrono::seconds(1);
  };
  using Done = std::function<void(modem::Result<SwitchOutcome>)>;

  ModeSwitcher(boost::asio::io_context& io, TimerService& timers, Options options);
  ~ModeSwitcher();
  ModeSwitcher(const ModeSwitcher&) = delete;
  ModeSwitcher& operator=(const ModeSwitcher&) = delete;

  void start(SwitchPlan plan, Done done);
  void cancel();
  bool busy() const;
  // The core of the run in progress or last finished (state, notes), or null.
  const SwitchCore* core() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fb::usb
