#include "fb/usb/hub_power.hpp"

#include <fcntl.h>
#include <libusb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fb::usb {
namespace {

constexpr std::uint8_t kPortPower = 8;  // USB 2.0 table 11-17 PORT_POWER
// bmRequestType: 0xa0 class request to the hub (GET_DESCRIPTOR), 0x23 class
// request to a port (SET/CLEAR_FEATURE). libusb's enums do not mix in C++20.
constexpr std::uint8_t kHubClassIn = LIBUSB_ENDPOINT_IN | static_cast<std::uint8_t>(LIBUSB_REQUEST_TYPE_CLASS) |
                                     static_cast<std::uint8_t>(LIBUSB_RECIPIENT_DEVICE);
constexpr std::uint8_t kPortClassIn = LIBUSB_ENDPOINT_IN | static_cast<std::uint8_t>(LIBUSB_REQUEST_TYPE_CLASS) |
                                      static_cast<std::uint8_t>(LIBUSB_RECIPIENT_OTHER);
constexpr std::uint8_t kPortClassOut =
    static_cast<std::uint8_t>(LIBUSB_REQUEST_TYPE_CLASS) | static_cast<std::uint8_t>(LIBUSB_RECIPIENT_OTHER);

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  std::string out = s.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\0' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string ms(Duration d) {
  return std::to_string(d.count()) + " ms";
}

std::string where(const Location& hub, int port) {
  return "hub " + to_string(hub) + " port " + std::to_string(port);
}

}  // namespace

std::string_view to_string(Method m) {
  switch (m) {
    case Method::sysfs_disable: return "sysfs-disable";
    case Method::libusb_port_power: return "libusb-port-power";
  }
  return "?";
}

struct HubPower::Op {
  PowerPlan plan;
  bool on = false;     // power(on) alone
  bool cycle = false;  // off, wait, on
  std::function<void(Report)> done;
  Report report;
  TimePoint started{};
  bool sysfs_touched = false;
  std::string devnum_before;  // the watched device's address before: "back" means a new one
};

HubPower::HubPower(boost::asio::io_context& io, TimerService& timers, Options options)
    : io_(io), timers_(timers), options_(std::move(options)), log_(options_.name) {
  int rc = libusb_init(&usb_);
  if (rc != 0) {
    usb_ = nullptr;
    usb_init_error_ = std::string("libusb_init: ") + libusb_strerror(rc);
    log_.warning() << usb_init_error_;
  }
}

HubPower::~HubPower() {
  if (usb_) libusb_exit(usb_);
}

bool HubPower::present(const Location& device) const {
  struct stat st {};
  return ::stat((options_.sysfs + "/bus/usb/devices/" + sysfs_name(device)).c_str(), &st) == 0;
}

std::string HubPower::devnum(const Location& device) const {
  return read_text(options_.sysfs + "/bus/usb/devices/" + sysfs_name(device) + "/devnum");
}

namespace {

// Opens the hub at `hub` (bus + port chain): BAD_LOCATION when there is no
// hub there, USB_IO when it cannot be opened.
fb::Result<libusb_device_handle*, Fault> open_hub(libusb_context* usb, const Location& hub, bool& superspeed) {
  libusb_device** list = nullptr;
  ssize_t n = libusb_get_device_list(usb, &list);
  if (n < 0) return {Fault::usb_io, std::string("libusb_get_device_list: ") + libusb_strerror(static_cast<int>(n))};
  libusb_device_handle* handle = nullptr;
  fb::Error<Fault> error{Fault::bad_location, "no USB device at " + to_string(hub)};
  for (ssize_t i = 0; i < n; ++i) {
    std::array<std::uint8_t, 8> ports{};
    int np = libusb_get_port_numbers(list[i], ports.data(), static_cast<int>(ports.size()));
    if (libusb_get_bus_number(list[i]) != hub.bus || np != static_cast<int>(hub.ports.size())) continue;
    bool same = true;
    for (int p = 0; p < np; ++p) same &= ports[p] == hub.ports[p];
    if (!same) continue;
    libusb_device_descriptor dd{};
    libusb_get_device_descriptor(list[i], &dd);
    if (dd.bDeviceClass != LIBUSB_CLASS_HUB) {
      error.detail = to_string(hub) + " is not a hub (device class " + std::to_string(dd.bDeviceClass) + ")";
      break;
    }
    superspeed = dd.bcdUSB >= 0x0300;
    int rc = libusb_open(list[i], &handle);
    if (rc != 0) {
      error = {Fault::usb_io, "cannot open hub " + to_string(hub) + ": " + libusb_strerror(rc) +
                                  (rc == LIBUSB_ERROR_ACCESS ? " (needs root or a udev rule for the hub)" : "")};
      handle = nullptr;
    }
    break;
  }
  libusb_free_device_list(list, 1);
  if (!handle) return error;
  return handle;
}

}  // namespace

fb::Result<HubDescriptor, Fault> HubPower::read_descriptor(const Location& hub) {
  if (!usb_) return {Fault::usb_io, usb_init_error_};
  bool superspeed = false;
  auto opened = open_hub(usb_, hub, superspeed);
  if (!opened) return opened.error();
  libusb_device_handle* h = *opened;
  std::array<std::uint8_t, 64> buf{};
  std::uint8_t type = superspeed ? LIBUSB_DT_SUPERSPEED_HUB : LIBUSB_DT_HUB;
  int n = libusb_control_transfer(h, kHubClassIn, LIBUSB_REQUEST_GET_DESCRIPTOR, static_cast<std::uint16_t>(type << 8),
                                  0, buf.data(), static_cast<std::uint16_t>(buf.size()),
                                  static_cast<unsigned>(options_.transfer_timeout.count()));
  libusb_close(h);
  if (n < 0) return {Fault::usb_io, "hub " + to_string(hub) + " descriptor: " + libusb_strerror(n)};
  auto d = parse_hub_descriptor(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
  if (!d) return {d.code(), "hub " + to_string(hub) + ": " + d.error().detail};
  return d;
}

fb::Result<PowerPlan, Fault> HubPower::plan(const Target& target) {
  HubPort hp;
  if (target.hub) {
    hp.hub = *target.hub;
    hp.port = target.port;
    if (hp.port == 0 && target.modem) {
      auto parent = parent_of(*target.modem);
      if (parent && parent->hub == hp.hub) hp.port = parent->port;
    }
    if (hp.port == 0)
      return {Fault::refused, "hub " + to_string(hp.hub) +
                                  " given without a port, and the modem is not on it: set [recovery] hub_port"};
  } else {
    auto parent = target.modem ? parent_of(*target.modem) : std::nullopt;
    if (!parent)
      return {Fault::refused,
              "cannot tell which hub port feeds the modem (no USB location known); set [recovery] hub and hub_port"};
    hp = *parent;
    if (target.port) hp.port = target.port;
  }
  // Fail closed: a hub that cannot be read is a refusal.
  auto descriptor = read_descriptor(hp.hub);
  if (!descriptor) return {Fault::refused, descriptor.error().detail};
  auto plan = plan_cut(hp, *descriptor, target.port != 0, target.modem, options_.sysfs, options_.proc);
  if (!plan) return plan;
  log_.info() << "plan: " << where(hp.hub, hp.port) << " (" << to_string(descriptor->switching) << ", "
              << descriptor->ports << " ports" << (plan->board.empty() ? "" : ", " + plan->board) << ")"
              << (plan->note.empty() ? "" : ": " + plan->note);
  return plan;
}

std::vector<std::pair<Location, int>> HubPower::expand(const PowerPlan& plan, std::string& error) const {
  std::vector<std::pair<Location, int>> out;
  for (const auto& s : plan.switches) {
    if (s.port) {
      out.emplace_back(s.hub, s.port);
      continue;
    }
    std::string maxchild = read_text(options_.sysfs + "/bus/usb/devices/" + sysfs_name(s.hub) + "/maxchild");
    int n = std::atoi(maxchild.c_str());
    if (n <= 0) {
      error = "hub " + to_string(s.hub) + ": no port count in sysfs (is it there?)";
      return {};
    }
    for (int p = 1; p <= n; ++p) out.emplace_back(s.hub, p);
  }
  return out;
}

bool HubPower::sysfs_available(const PowerPlan& plan, std::string& why) const {
  auto ports = expand(plan, why);
  if (ports.empty()) return false;
  for (const auto& [hub, port] : ports) {
    std::string cfg = read_text(options_.sysfs + "/bus/usb/devices/" + sysfs_name(hub) + "/bConfigurationValue");
    std::string path = options_.sysfs + "/" + disable_path(hub, cfg.empty() ? 1 : std::atoi(cfg.c_str()), port);
    if (::access(path.c_str(), W_OK) != 0) {
      why = path + ": " + std::strerror(errno) + (errno == ENOENT ? " (kernel older than 6.0?)" : "");
      return false;
    }
  }
  return true;
}

bool HubPower::sysfs_write(const PowerPlan& plan, bool disable, std::string& error) {
  auto ports = expand(plan, error);
  if (ports.empty()) return false;
  bool ok = true;
  for (const auto& [hub, port] : ports) {
    std::string cfg = read_text(options_.sysfs + "/bus/usb/devices/" + sysfs_name(hub) + "/bConfigurationValue");
    std::string path = options_.sysfs + "/" + disable_path(hub, cfg.empty() ? 1 : std::atoi(cfg.c_str()), port);
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, disable ? "1" : "0", 1) != 1) {
      error = path + ": " + std::strerror(errno);
      ok = false;
    } else {
      log_.info() << "sysfs: " << where(hub, port) << (disable ? " disabled" : " enabled");
    }
    if (fd >= 0) ::close(fd);
  }
  return ok;
}

bool HubPower::libusb_power(const PowerPlan& plan, bool on, int repeats, std::string& error) {
  if (!usb_ || !options_.use_libusb) {
    error = usb_init_error_.empty() ? "libusb switching disabled" : usb_init_error_;
    return false;
  }
  auto ports = expand(plan, error);
  if (ports.empty()) return false;
  bool ok = true;
  for (const auto& [hub, port] : ports) {
    bool superspeed = false;
    auto opened = open_hub(usb_, hub, superspeed);
    if (!opened) {
      error = opened.error().detail;
      ok = false;
      continue;
    }
    libusb_device_handle* h = *opened;
    for (int i = 0; i < std::max(1, repeats); ++i) {
      int rc = libusb_control_transfer(h, kPortClassOut, on ? LIBUSB_REQUEST_SET_FEATURE : LIBUSB_REQUEST_CLEAR_FEATURE,
                                       kPortPower, static_cast<std::uint16_t>(port), nullptr, 0,
                                       static_cast<unsigned>(options_.transfer_timeout.count()));
      if (rc < 0) {
        error = where(hub, port) + (on ? " SET_FEATURE" : " CLEAR_FEATURE") + "(PORT_POWER): " + libusb_strerror(rc);
        ok = false;
        break;
      }
    }
    libusb_close(h);
    if (ok) log_.info() << "libusb: " << where(hub, port) << " power " << (on ? "on" : "off");
  }
  return ok;
}

bool HubPower::ports_unpowered(const PowerPlan& plan) {
  std::string error;
  auto ports = expand(plan, error);
  if (!usb_ || ports.empty()) return false;
  for (const auto& [hub, port] : ports) {
    bool superspeed = false;
    auto opened = open_hub(usb_, hub, superspeed);
    if (!opened) return false;
    libusb_device_handle* h = *opened;
    std::array<std::uint8_t, 4> st{};
    int n = libusb_control_transfer(h, kPortClassIn, LIBUSB_REQUEST_GET_STATUS, 0, static_cast<std::uint16_t>(port),
                                    st.data(), st.size(), static_cast<unsigned>(options_.transfer_timeout.count()));
    libusb_close(h);
    if (n != 4) return false;
    unsigned status = st[0] | (st[1] << 8);
    if (status & (superspeed ? 0x0200u : 0x0100u)) return false;  // PORT_POWER still set
  }
  return true;
}

void HubPower::power(const PowerPlan& plan, bool on, std::function<void(Report)> done) {
  auto op = std::make_shared<Op>();
  op->plan = plan;
  op->on = on;
  op->done = std::move(done);
  op->started = timers_.now();
  if (busy_) {
    op->report.fault = Fault::busy;
    op->report.message = "a port power operation is already running";
    boost::asio::post(io_, [op] { op->done(op->report); });
    return;
  }
  busy_ = true;
  op->report.watched = plan.watch.has_value() && (on || present(*plan.watch));
  if (plan.watch) op->devnum_before = devnum(*plan.watch);
  if (on)
    turn_on(op);
  else
    off_with(op, options_.use_sysfs ? Method::sysfs_disable : Method::libusb_port_power);
}

void HubPower::cycle(const PowerPlan& plan, std::function<void(Report)> done) {
  if (busy_) return power(plan, false, std::move(done));  // reports BUSY
  auto op = std::make_shared<Op>();
  op->plan = plan;
  op->cycle = true;
  op->done = std::move(done);
  op->started = timers_.now();
  busy_ = true;
  op->report.watched = plan.watch.has_value() && present(*plan.watch);
  if (plan.watch) op->devnum_before = devnum(*plan.watch);
  off_with(op, options_.use_sysfs ? Method::sysfs_disable : Method::libusb_port_power);
}

void HubPower::off_with(std::shared_ptr<Op> op, Method method) {
  auto& r = op->report;
  auto fail = [&](Fault fault, std::string message) {
    r.fault = fault;
    r.message = std::move(message);
    finish(op);
  };
  auto next = [&](std::string attempt) {
    log_.warning() << to_string(method) << ": " << attempt;
    r.attempts.push_back(std::string(to_string(method)) + ": " + attempt);
    if (method == Method::sysfs_disable && options_.use_libusb) return off_with(op, Method::libusb_port_power);
    bool tried_away = false;
    for (const auto& a : r.attempts) tried_away |= a.find("still present") != std::string::npos;
    fail(tried_away ? Fault::still_present : Fault::usb_io,
         "could not cut the power: " + r.attempts.back() +
             (tried_away ? "; the hub may not really switch port power (check it with uhubctl)" : ""));
  };
  std::string error;
  if (method == Method::sysfs_disable) {
    if (!sysfs_available(op->plan, error)) return next("not available: " + error);
    op->sysfs_touched = true;
    if (!sysfs_write(op->plan, true, error)) {
      sysfs_write(op->plan, false, error);
      return next("write failed: " + error);
    }
  } else if (!libusb_power(op->plan, false, options_.off_repeats, error)) {
    return next(error);
  }
  TimePoint sent = timers_.now();
  auto then = [this, op, method, sent](bool gone) {
    auto& r = op->report;
    if (!gone) {
      std::string attempt = "device " + to_string(*op->plan.watch) + " still present " + ms(options_.gone_timeout) +
                            " after switching off";
      std::string ignored;
      if (method == Method::sysfs_disable) sysfs_write(op->plan, false, ignored);
      if (method == Method::libusb_port_power) libusb_power(op->plan, true, 1, ignored);
      log_.warning() << to_string(method) << ": " << attempt;
      r.attempts.push_back(std::string(to_string(method)) + ": " + attempt);
      if (method == Method::sysfs_disable && options_.use_libusb) return off_with(op, Method::libusb_port_power);
      r.fault = Fault::still_present;
      r.message = "the device did not lose power (" + r.attempts.front() +
                  "); the hub may not really switch port power (check it with uhubctl)";
      return finish(op);
    }
    r.method = method;
    r.gone_after = std::chrono::duration_cast<Duration>(timers_.now() - sent);
    if (r.evidence.empty()) r.evidence = r.watched ? "sysfs: device gone" : "nothing to watch";
    log_.notice() << "power off by " << to_string(method)
                  << (r.watched ? ": " + to_string(*op->plan.watch) + " gone after " + ms(r.gone_after) : "");
    if (!op->cycle) {
      r.ok = true;
      r.message = "off by " + std::string(to_string(method));
      return finish(op);
    }
    step_timer_.arm_after(options_.off_time, [this, op] { turn_on(op); });
  };
  if (!op->report.watched) return then(true);
  // Gone: the kernel dropped the device; or, after libusb's request, the
  // hub's own port status says unpowered (a hub may not report the
  // disconnect until power returns — QEMU 7.2's usb-hub does not — and the
  // kernel then keeps listing the dead device until it re-enumerates).
  wait_for(op, timers_.now() + options_.gone_timeout, then, [this, op, method] {
    if (!present(*op->plan.watch)) return true;
    if (method != Method::libusb_port_power || !ports_unpowered(op->plan)) return false;
    if (op->report.evidence.empty()) op->report.evidence = "hub port status: power off (kernel still lists the device)";
    return true;
  });
}

void HubPower::turn_on(std::shared_ptr<Op> op) {
  auto& r = op->report;
  std::string error, why;
  bool any = false;
  // Whatever switched the port off, undo both: a port disabled in sysfs
  // stays off for the kernel even after SET_FEATURE, and SET_FEATURE on a
  // powered port is harmless.
  if (options_.use_sysfs && (op->sysfs_touched || op->on) && sysfs_available(op->plan, why) &&
      sysfs_write(op->plan, false, error)) {
    any = true;
    if (!r.method) r.method = Method::sysfs_disable;
  }
  if (options_.use_libusb && (r.method == Method::libusb_port_power || op->on) &&
      libusb_power(op->plan, true, 1, error)) {
    any = true;
    if (!r.method) r.method = Method::libusb_port_power;
  }
  if (!any) {
    r.fault = Fault::usb_io;
    r.message = "could not switch the power back on: " + (error.empty() ? why : error);
    return finish(op);
  }
  TimePoint sent = timers_.now();
  auto then = [this, op, sent](bool back) {
    auto& r = op->report;
    if (!back) {
      r.fault = Fault::did_not_return;
      r.message = "device " + to_string(*op->plan.watch) + " did not come back within " + ms(options_.back_timeout) +
                  " after power on";
      return finish(op);
    }
    r.back_after = std::chrono::duration_cast<Duration>(timers_.now() - sent);
    r.ok = true;
    r.message = (op->cycle ? "power cycled by " : "on by ") + std::string(to_string(*r.method));
    log_.notice() << r.message
                  << (op->plan.watch ? ": " + to_string(*op->plan.watch) + " back after " + ms(r.back_after) : "");
    finish(op);
  };
  if (!op->plan.watch) return then(true);
  // Back: present again under a new device number (a fresh enumeration),
  // not merely never dropped.
  wait_for(op, timers_.now() + options_.back_timeout, then, [this, op] {
    return present(*op->plan.watch) && (op->devnum_before.empty() || devnum(*op->plan.watch) != op->devnum_before);
  });
}

void HubPower::wait_for(std::shared_ptr<Op> op, TimePoint deadline, std::function<void(bool)> then,
                        std::function<bool()> done) {
  if (done()) return then(true);
  if (timers_.now() >= deadline) return then(false);
  step_timer_.arm_after(options_.poll, [this, op, deadline, then, done] { wait_for(op, deadline, then, done); });
}

void HubPower::finish(std::shared_ptr<Op> op) {
  busy_ = false;
  if (!op->report.ok)
    log_.error() << "port power: " << (op->report.fault ? code_name(*op->report.fault) : "?") << ": "
                 << op->report.message;
  boost::asio::post(io_, [op] { op->done(op->report); });
}

}  // namespace fb::usb
