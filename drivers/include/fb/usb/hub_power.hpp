// HubPower: switches USB hub port power on the daemon's io_context, the way
// uhubctl does: sysfs `<hub>-port<N>/disable` first (kernel >= 6.0; it also
// stops the kernel from powering the port back on by itself), then libusb
// CLEAR_FEATURE/SET_FEATURE(PORT_POWER) on the hub, the off request repeated
// to beat hubs that re-power. Each step is checked: after "off" the watched
// device must vanish from sysfs (or, for the libusb method, the hub's port
// status must say unpowered: some hubs report the disconnect only when power
// returns), and after "on" it must be back in sysfs under a new device
// number, i.e. freshly enumerated.
//
// Contract:
//  - Threading: the one io_context; `done` callbacks are posted, never run
//    inside the call. One operation at a time (a second is refused with
//    BUSY in its report).
//  - libusb: only synchronous control transfers, each bounded by
//    `transfer_timeout` (1 s; a healthy hub answers in well under 1 ms).
//    A power cycle happens a few times a day at most, while the link is down
//    anyway, so a bounded stall of the loop is acceptable and simpler than
//    libusb's pollfd integration. Every wait (device gone, device back, the
//    off time) is an asynchronous timer: sysfs offers no change
//    notification for a device directory, so it is polled every `poll`.
//  - The report says which method worked (logged too) or, on failure, a
//    stable fault (Fault, port_power.hpp) and a message naming what to check.
//  - plan() reads the hub descriptor (libusb) and leaves the rest to
//    fb::usb::plan_cut() (port_cut.hpp): the board, the plan, and a refusal
//    when a network interface other than the modem's own would lose power.
#pragma once

// <utility> first: Boost 1.74's Asio headers need std::exchange (GCC 12, C++20).
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fb/log.hpp"
#include "fb/time.hpp"
#include "fb/usb/port_cut.hpp"
#include "fb/usb/port_power.hpp"

struct libusb_context;

namespace fb::usb {

enum class Method : std::uint8_t { sysfs_disable, libusb_port_power };
std::string_view to_string(Method method);  // "sysfs-disable", "libusb-port-power"

struct Report {
  bool ok = false;
  std::optional<Method> method;  // the method that worked
  std::optional<Fault> fault;
  std::string message;                // what happened / what to do
  std::string evidence;               // how "off" was confirmed
  bool watched = false;               // a device was there to watch
  Duration gone_after{0};             // off request -> device gone
  Duration back_after{0};             // on request -> device back
  std::vector<std::string> attempts;  // "sysfs-disable: device still present after 5000 ms"
};

// What to cut: an explicit hub + port, or the modem's own port.
struct Target {
  std::optional<Location> hub;  // nullopt: the hub the modem hangs off
  int port = 0;                 // 0: the modem's own port
  std::optional<Location> modem;
};

class HubPower {
 public:
  struct Options {
    std::string name = "usb";
    std::string sysfs = "/sys";
    std::string proc = "/proc";
    Duration off_time = std::chrono::seconds(2);
    Duration gone_timeout = std::chrono::seconds(5);
    Duration back_timeout = std::chrono::seconds(30);
    Duration poll = std::chrono::milliseconds(50);
    Duration transfer_timeout = std::chrono::seconds(1);
    int off_repeats = 3;
    bool use_sysfs = true;   // try the sysfs `disable` method
    bool use_libusb = true;  // try the libusb PORT_POWER method (descriptors are always read with libusb)
  };

  HubPower(boost::asio::io_context& io, TimerService& timers, Options options);
  ~HubPower();
  HubPower(const HubPower&) = delete;
  HubPower& operator=(const HubPower&) = delete;

  // The hub's descriptor via libusb (bounded synchronous transfer):
  // BAD_LOCATION (no such hub) or USB_IO.
  fb::Result<HubDescriptor, Fault> read_descriptor(const Location& hub);
  // What to switch for `target`, or REFUSED with why (fail closed: a hub
  // that cannot be read is a refusal too).
  fb::Result<PowerPlan, Fault> plan(const Target& target);

  // Switch the plan's ports off (waits for the watched device to vanish) or
  // on (waits for it to come back).
  void power(const PowerPlan& plan, bool on, std::function<void(Report)> done);
  // off, wait off_time, on.
  void cycle(const PowerPlan& plan, std::function<void(Report)> done);

  bool busy() const { return busy_; }
  bool present(const Location& device) const;

 private:
  struct Op;
  void off_with(std::shared_ptr<Op> op, Method method);
  void turn_on(std::shared_ptr<Op> op);
  void wait_for(std::shared_ptr<Op> op, TimePoint deadline, std::function<void(bool)> then, std::function<bool()> done);
  bool ports_unpowered(const PowerPlan& plan);
  std::string devnum(const Location& device) const;
  void finish(std::shared_ptr<Op> op);
  bool sysfs_available(const PowerPlan& plan, std::string& why) const;
  bool sysfs_write(const PowerPlan& plan, bool disable, std::string& error);
  bool libusb_power(const PowerPlan& plan, bool on, int repeats, std::string& error);
  std::vector<std::pair<Location, int>> expand(const PowerPlan& plan, std::string& error) const;

  boost::asio::io_context& io_;
  TimerService& timers_;
  Options options_;
  Logger log_;
  libusb_context* usb_ = nullptr;
  std::string usb_init_error_;
  bool busy_ = false;
  OneShot step_timer_{timers_};  // the running operation's next poll, or the end of its off time
};

}  // namespace fb::usb
