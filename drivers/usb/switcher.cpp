#include "fb/usb/switcher.hpp"

#include <libusb.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

namespace fb::usb {
namespace {

namespace asio = boost::asio;

Xfer from_libusb_error(int rc) {
  switch (rc) {
    case LIBUSB_SUCCESS: return Xfer::ok;
    case LIBUSB_ERROR_PIPE: return Xfer::stall;
    case LIBUSB_ERROR_TIMEOUT: return Xfer::timeout;
    case LIBUSB_ERROR_NO_DEVICE: return Xfer::no_device;
    default: return Xfer::error;
  }
}

std::string_view transfer_status_name(libusb_transfer_status s) {
  switch (s) {
    case LIBUSB_TRANSFER_COMPLETED: return "completed";
    case LIBUSB_TRANSFER_ERROR: return "transfer error";
    case LIBUSB_TRANSFER_TIMED_OUT: return "timed out";
    case LIBUSB_TRANSFER_CANCELLED: return "cancelled";
    case LIBUSB_TRANSFER_STALL: return "stall";
    case LIBUSB_TRANSFER_NO_DEVICE: return "no device";
    case LIBUSB_TRANSFER_OVERFLOW: return "overflow";
  }
  return "?";
}

// "1-1.2": bus number, then the port chain, as sysfs names the device.
std::string port_name(libusb_device* dev) {
  std::array<std::uint8_t, 8> ports{};
  int n = libusb_get_port_numbers(dev, ports.data(), static_cast<int>(ports.size()));
  if (n <= 0) return {};
  std::string name = std::to_string(libusb_get_bus_number(dev)) + "-";
  for (int i = 0; i < n; ++i) name += (i ? "." : "") + std::to_string(ports[static_cast<std::size_t>(i)]);
  return name;
}

}  // namespace

struct ModeSwitcher::Impl : std::enable_shared_from_this<Impl> {
  struct FdWatch {
    std::unique_ptr<asio::posix::stream_descriptor> sd;
    short events = 0;
    std::uint64_t generation = 0;
  };

  Impl(asio::io_context& io_, TimerService& timers_, Options options_)
      : io(io_), timers(timers_), options(std::move(options_)), log(options.name) {}
  ~Impl() { stop(); }

  asio::io_context& io;
  TimerService& timers;
  Options options;
  Logger log;

  std::unique_ptr<SwitchCore> core;
  Done done;
  bool running = false;
  std::uint64_t run = 0;

  libusb_context* ctx = nullptr;
  libusb_device_handle* handle = nullptr;
  int interface = -1;
  unsigned char ep_out = 0;
  unsigned char ep_in = 0;
  libusb_transfer* transfer = nullptr;
  bool in_flight = false;
  bool reaping = false;  // cancelling: completions are swallowed
  std::vector<unsigned char> buffer;

  std::map<int, FdWatch> fds;
  std::uint64_t generation = 0;
  OneShot usb_timer{timers};       // libusb's next transfer timeout, without timerfd
  OneShot deadline_timer{timers};  // the core's deadline for the switched modem
  OneShot rescan_timer{timers};    // sysfs again, for uevents that were missed
  std::unique_ptr<asio::posix::stream_descriptor> uevents;
  std::array<char, 8192> uevent_buf{};
  bool scan_posted = false;

  // ---- running the core -------------------------------------------------
  void start(SwitchPlan plan, Done d) {
    if (running) {
      modem::Error busy{modem::Code::modeswitch_failed,
                        modem::to_string(plan.storage) + " at " + plan.port + ": busy with another switch"};
      asio::post(io, [d = std::move(d), busy]() { d(busy); });
      return;
    }
    stop();
    ++run;
    log = Logger(options.name + "[" + plan.port + "]");
    core = std::make_unique<SwitchCore>(log.name(), std::move(plan));
    done = std::move(d);
    running = true;
    int rc = libusb_init(&ctx);
    if (rc != 0) {
      ctx = nullptr;
      finish(modem::Error{modem::Code::modeswitch_failed,
                          std::string("libusb_init: ") + libusb_error_name(rc) + " (is usbfs available?)"});
      return;
    }
    libusb_set_pollfd_notifiers(ctx, &Impl::fd_added, &Impl::fd_removed, this);
    if (const libusb_pollfd** list = libusb_get_pollfds(ctx)) {
      for (auto p = list; *p; ++p) watch_fd((*p)->fd, (*p)->events);
      libusb_free_pollfds(list);
    }
    post_event(switch_event::Start{});
  }

  void post_event(SwitchEvent event) {
    asio::post(io, [weak = weak_from_this(), r = run, event = std::move(event)]() {
      if (auto self = weak.lock(); self && self->running && self->run == r) self->feed(event);
    });
  }

  void feed(const SwitchEvent& event) {
    if (!running || !core) return;
    for (auto& action : core->handle(event, timers.now())) {
      if (!running) return;
      perform(action);
    }
  }

  void perform(SwitchAction& action) {
    std::visit(
        [&](auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, switch_action::Open>) {
            post_event(open());
          } else if constexpr (std::is_same_v<A, switch_action::SendCbw>) {
            submit(ep_out, std::vector<unsigned char>(a.bytes.begin(), a.bytes.end()), 0);
          } else if constexpr (std::is_same_v<A, switch_action::ReadData>) {
            submit(ep_in, {}, a.length);
          } else if constexpr (std::is_same_v<A, switch_action::ReadCsw>) {
            submit(ep_in, {}, 13);
          } else if constexpr (std::is_same_v<A, switch_action::ClearHalt>) {
            int rc = handle ? libusb_clear_halt(handle, a.in ? ep_in : ep_out) : LIBUSB_ERROR_NO_DEVICE;
            post_event(switch_event::HaltCleared{from_libusb_error(rc)});
          } else if constexpr (std::is_same_v<A, switch_action::Release>) {
            close_device();
          } else if constexpr (std::is_same_v<A, switch_action::Watch>) {
            watch(a.deadline);
          } else if constexpr (std::is_same_v<A, switch_action::Finish>) {
            finish(std::move(a.result));
          }
        },
        action);
  }

  // ---- the device ---------------------------------------------------------
  SwitchEvent open() {
    const SwitchPlan& plan = core->plan();
    libusb_device** list = nullptr;
    ssize_t n = libusb_get_device_list(ctx, &list);
    if (n < 0) return switch_event::OpenFailed{std::string("libusb_get_device_list: ") + libusb_error_name(int(n))};
    libusb_device* dev = nullptr;
    std::string seen;
    for (ssize_t i = 0; i < n; ++i) {
      std::string name = port_name(list[i]);
      if (name.empty()) continue;
      seen += (seen.empty() ? "" : ", ") + name;
      if (name == plan.port) dev = list[i];
    }
    if (!dev) {
      libusb_free_device_list(list, 1);
      return switch_event::OpenFailed{"libusb sees no device at " + plan.port + " (it sees " +
                                      (seen.empty() ? "none" : seen) + ")"};
    }
    libusb_device_descriptor desc{};
    libusb_get_device_descriptor(dev, &desc);
    modem::UsbId id{desc.idVendor, desc.idProduct};
    std::string problem;
    if (id != plan.storage) problem = plan.port + " is " + modem::to_string(id) + " now";
    libusb_config_descriptor* config = nullptr;
    if (problem.empty()) {
      int rc = libusb_get_active_config_descriptor(dev, &config);
      if (rc != 0) problem = std::string("no active configuration: ") + libusb_error_name(rc);
    }
    std::uint8_t config_value = 1;
    if (config) {
      config_value = config->bConfigurationValue;
      // The mass-storage interface (class 08) with a bulk-out and a bulk-in
      // endpoint; usb_modeswitch's MessageEndpoint/ResponseEndpoint defaults.
      for (int i = 0; i < config->bNumInterfaces && interface < 0; ++i) {
        if (config->interface[i].num_altsetting < 1) continue;
        const libusb_interface_descriptor& alt = config->interface[i].altsetting[0];
        if (alt.bInterfaceClass != LIBUSB_CLASS_MASS_STORAGE) continue;
        unsigned char out = 0, in = 0;
        for (int e = 0; e < alt.bNumEndpoints; ++e) {
          const libusb_endpoint_descriptor& ep = alt.endpoint[e];
          if ((ep.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_BULK) continue;
          if ((ep.bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN) {
            if (!in) in = ep.bEndpointAddress;
          } else if (!out) {
            out = ep.bEndpointAddress;
          }
        }
        if (in && out) {
          interface = alt.bInterfaceNumber;
          ep_in = in;
          ep_out = out;
        }
      }
      libusb_free_config_descriptor(config);
      if (interface < 0) problem = "no mass-storage interface with bulk endpoints";
    }
    if (problem.empty()) {
      int rc = libusb_open(dev, &handle);
      if (rc != 0) {
        handle = nullptr;
        problem = std::string("libusb_open: ") + libusb_error_name(rc);
      }
    }
    libusb_free_device_list(list, 1);
    if (!problem.empty()) return switch_event::OpenFailed{problem};

    std::string detached;
    if (libusb_kernel_driver_active(handle, interface) == 1) {
      std::error_code ec;
      auto link = std::filesystem::read_symlink(
          options.sysfs / "bus/usb/devices" /
              (core->plan().port + ":" + std::to_string(config_value) + "." + std::to_string(interface)) / "driver",
          ec);
      detached = ec ? std::string("the kernel driver") : link.filename().string();
      int rc = libusb_detach_kernel_driver(handle, interface);
      if (rc != 0) return switch_event::OpenFailed{"cannot detach " + detached + ": " + libusb_error_name(rc)};
      log.info() << "detached " << detached << " from interface " << interface;
    }
    int rc = libusb_claim_interface(handle, interface);
    if (rc != 0)
      return switch_event::OpenFailed{"cannot claim interface " + std::to_string(interface) + ": " +
                                      libusb_error_name(rc)};
    return switch_event::Claimed{static_cast<std::uint8_t>(interface), detached};
  }

  void submit(unsigned char endpoint, std::vector<unsigned char> out, std::size_t in_length) {
    if (!handle) {
      post_event(switch_event::Transferred{Xfer::no_device, {}, "device closed"});
      return;
    }
    if (!transfer) transfer = libusb_alloc_transfer(0);
    buffer = out.empty() ? std::vector<unsigned char>(in_length) : std::move(out);
    libusb_fill_bulk_transfer(transfer, handle, endpoint, buffer.data(), static_cast<int>(buffer.size()),
                              &Impl::on_transfer, this, static_cast<unsigned>(options.transfer_timeout.count()));
    int rc = libusb_submit_transfer(transfer);
    if (rc != 0) {
      post_event(switch_event::Transferred{from_libusb_error(rc), {}, std::string("submit: ") + libusb_error_name(rc)});
      return;
    }
    in_flight = true;
  }

  static void LIBUSB_CALL on_transfer(libusb_transfer* t) {
    auto* self = static_cast<Impl*>(t->user_data);
    self->in_flight = false;
    if (self->reaping) return;
    switch_event::Transferred ev;
    switch (t->status) {
      case LIBUSB_TRANSFER_COMPLETED: ev.status = Xfer::ok; break;
      case LIBUSB_TRANSFER_STALL: ev.status = Xfer::stall; break;
      case LIBUSB_TRANSFER_TIMED_OUT: ev.status = Xfer::timeout; break;
      case LIBUSB_TRANSFER_NO_DEVICE: ev.status = Xfer::no_device; break;
      default:
        ev.status = Xfer::error;
        ev.detail = std::string(transfer_status_name(t->status));
        break;
    }
    bool in = (t->endpoint & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN;
    if (ev.status == Xfer::ok && in) ev.data.assign(t->buffer, t->buffer + t->actual_length);
    if (ev.status == Xfer::ok && !in && t->actual_length != t->length) {
      ev.status = Xfer::error;
      ev.detail = "short write " + std::to_string(t->actual_length) + "/" + std::to_string(t->length);
    }
    // Never act inside libusb's event handling: the core's next action may close the device.
    self->post_event(std::move(ev));
  }

  void close_device() {
    if (in_flight && ctx) {
      reaping = true;
      libusb_cancel_transfer(transfer);
      // Bounded: a cancelled URB is given back by the kernel promptly; libusb's
      // own transfer timeout is the outer limit.
      for (int i = 0; in_flight && i < 100; ++i) {
        timeval tv{0, 100 * 1000};
        libusb_handle_events_timeout_completed(ctx, &tv, nullptr);
      }
      reaping = false;
    }
    if (transfer && !in_flight) {
      libusb_free_transfer(transfer);
      transfer = nullptr;
    }
    if (handle) {
      if (interface >= 0) libusb_release_interface(handle, interface);
      libusb_close(handle);
      handle = nullptr;
    }
    interface = -1;
  }

  // ---- libusb's fds on the io_context ---------------------------------------
  static void LIBUSB_CALL fd_added(int fd, short events, void* user) { static_cast<Impl*>(user)->watch_fd(fd, events); }
  static void LIBUSB_CALL fd_removed(int fd, void* user) { static_cast<Impl*>(user)->unwatch_fd(fd); }

  void watch_fd(int fd, short events) {
    unwatch_fd(fd);
    FdWatch w;
    w.sd = std::make_unique<asio::posix::stream_descriptor>(io, fd);
    w.events = events;
    w.generation = ++generation;
    auto& slot = fds[fd] = std::move(w);
    if (events & POLLIN) arm(fd, slot, asio::posix::descriptor_base::wait_read);
    if (events & POLLOUT) arm(fd, slot, asio::posix::descriptor_base::wait_write);
  }

  void unwatch_fd(int fd) {
    auto it = fds.find(fd);
    if (it == fds.end()) return;
    boost::system::error_code ignored;
    it->second.sd->cancel(ignored);
    it->second.sd->release();  // libusb owns and closes the fd
    fds.erase(it);
  }

  void arm(int fd, FdWatch& w, asio::posix::descriptor_base::wait_type type) {
    w.sd->async_wait(type, [weak = weak_from_this(), fd, gen = w.generation, type](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      auto it = self->fds.find(fd);
      if (it == self->fds.end() || it->second.generation != gen) return;
      // Re-arm before handling: a completion after this point wakes the new
      // wait; one before it is reaped by the call below (libusb polls all fds).
      self->arm(fd, it->second, type);
      self->handle_usb_events();
    });
  }

  void handle_usb_events() {
    if (!ctx) return;
    timeval zero{0, 0};
    libusb_handle_events_timeout_completed(ctx, &zero, nullptr);
    if (!ctx || libusb_pollfds_handle_timeouts(ctx)) return;
    // Platforms without timerfd: libusb's next transfer timeout on our timers.
    usb_timer.cancel();
    timeval next{};
    if (libusb_get_next_timeout(ctx, &next) == 1) {
      auto delay = std::chrono::duration_cast<Duration>(std::chrono::seconds(next.tv_sec) +
                                                        std::chrono::microseconds(next.tv_usec));
      usb_timer.arm_after(delay, [this] { handle_usb_events(); });
    }
  }

  // ---- waiting for the modem ------------------------------------------------
  void watch(TimePoint deadline) {
    deadline_timer.arm(deadline, [this] { feed(switch_event::TimedOut{}); });
    open_uevents();
    request_scan();
    arm_rescan();
  }

  void open_uevents() {
    int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
    if (fd < 0) {
      log.debug() << "no uevent socket (" << std::strerror(errno) << "): rescanning every "
                  << options.rescan_interval.count() << " ms";
      return;
    }
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = 1;  // the kernel's uevent multicast group
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      log.debug() << "uevent bind: " << std::strerror(errno);
      ::close(fd);
      return;
    }
    uevents = std::make_unique<asio::posix::stream_descriptor>(io, fd);
    read_uevent();
  }

  void read_uevent() {
    uevents->async_read_some(asio::buffer(uevent_buf),
                             [weak = weak_from_this()](boost::system::error_code ec, std::size_t) {
                               auto self = weak.lock();
                               if (!self || ec == asio::error::operation_aborted || !self->uevents) return;
                               self->request_scan();
                               if (!ec || ec == asio::error::no_buffer_space)
                                 self->read_uevent();  // ENOBUFS: events lost, rescan covers it
                             });
  }

  void arm_rescan() {
    rescan_timer.arm_after(options.rescan_interval, [this] {
      if (!running) return;
      request_scan();
      arm_rescan();
    });
  }

  void request_scan() {
    if (scan_posted) return;
    scan_posted = true;
    asio::post(io, [weak = weak_from_this(), r = run]() {
      auto self = weak.lock();
      if (!self || self->run != r) return;
      self->scan_posted = false;
      if (self->running) self->feed(switch_event::Scanned{modem::scan_usb(self->options.sysfs)});
    });
  }

  // ---- the end ----------------------------------------------------------------
  void finish(modem::Result<SwitchOutcome> result) {
    stop();
    if (!done) return;
    if (result)
      log.notice() << "switched: " << result->summary;
    else
      log.error() << modem::describe(result.error());
    asio::post(io, [weak = weak_from_this(), r = run, d = std::move(done), result = std::move(result)]() mutable {
      if (auto self = weak.lock(); self && self->run == r) d(std::move(result));
    });
    done = nullptr;
  }

  void stop() {
    running = false;
    close_device();
    for (auto* t : {&usb_timer, &deadline_timer, &rescan_timer}) t->cancel();
    if (uevents) {
      boost::system::error_code ignored;
      uevents->close(ignored);
      uevents.reset();
    }
    if (ctx) {
      libusb_set_pollfd_notifiers(ctx, nullptr, nullptr, nullptr);
      while (!fds.empty()) unwatch_fd(fds.begin()->first);
      libusb_exit(ctx);
      ctx = nullptr;
    }
  }
};

ModeSwitcher::ModeSwitcher(boost::asio::io_context& io, TimerService& timers, Options options)
    : impl_(std::make_shared<Impl>(io, timers, std::move(options))) {}

ModeSwitcher::~ModeSwitcher() {
  impl_->done = nullptr;
  impl_->stop();
}

void ModeSwitcher::start(SwitchPlan plan, Done done) {
  impl_->start(std::move(plan), std::move(done));
}

void ModeSwitcher::cancel() {
  impl_->done = nullptr;
  impl_->stop();
  ++impl_->run;  // drops posted events and results of the cancelled run
}

bool ModeSwitcher::busy() const {
  return impl_->running;
}

const SwitchCore* ModeSwitcher::core() const {
  return impl_->core.get();
}

}  // namespace fb::usb
