#include "fb/core/host_actions.hpp"

#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cstring>

#include "fb/log.hpp"

extern char** environ;

namespace fb::core {
namespace {

namespace asio = boost::asio;

class SystemHostActions final : public HostActions {
 public:
  explicit SystemHostActions(asio::io_context& io) : io_(io) {}

  void cycle_usb_power(usb::HubPower& hub, const usb::PowerPlan& plan,
                       std::function<void(PowerCycleResult)> done) override {
    hub.cycle(plan, [&io = io_, done = std::move(done)](usb::Report report) {
      PowerCycleResult r;
      r.ok = report.ok;
      if (report.ok) {
        r.detail = report.method ? std::string(usb::to_string(*report.method)) : std::string("?");
        if (!report.evidence.empty()) r.detail += " (" + report.evidence + ")";
      } else {
        r.code = report.fault ? std::string(usb::code_name(*report.fault)) : std::string("USB_IO");
        r.detail = report.message;
      }
      asio::post(io, [done, r = std::move(r)] { done(r); });
    });
  }

  void reboot(const std::string& reason, std::function<void(std::string, std::string)> refused) override {
    log_.warning() << "rebooting: the recovery ladder's last rung, after " << reason;
    const char* argv[] = {"systemctl", "reboot", nullptr};
    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, "systemctl", nullptr, nullptr, const_cast<char* const*>(argv), environ);
    if (rc != 0) {
      std::string why = std::string("cannot run systemctl reboot: ") + std::strerror(rc);
      asio::post(io_, [refused, why] { refused("REBOOT_FAILED", why); });
      return;
    }
    // Reap systemctl (no zombie) and say so if it refused.
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      int status = 0;
      ::waitpid(pid, &status, 0);  // a kernel without pidfd_open (< 5.3): wait here, systemctl is quick
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        std::string why = "systemctl reboot exited " + std::to_string(WEXITSTATUS(status));
        asio::post(io_, [refused, why] { refused("REBOOT_FAILED", why); });
      }
      return;
    }
    child_ = std::make_unique<asio::posix::stream_descriptor>(io_, pidfd);
    child_->async_wait(asio::posix::stream_descriptor::wait_read,
                       [this, pid, refused = std::move(refused)](const boost::system::error_code& ec) {
                         if (ec) return;  // destroyed: the daemon is going away
                         int status = 0;
                         ::waitpid(pid, &status, 0);
                         child_.reset();
                         if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;  // the system goes down
                         refused("REBOOT_FAILED", "systemctl reboot exited " + std::to_string(WEXITSTATUS(status)));
                       });
  }

 private:
  asio::io_context& io_;
  std::unique_ptr<asio::posix::stream_descriptor> child_;  // systemctl reboot, until reaped
  Logger log_{"modem"};
};

class DryRunHostActions final : public HostActions {
 public:
  explicit DryRunHostActions(asio::io_context& io) : io_(io) {}

  void cycle_usb_power(usb::HubPower&, const usb::PowerPlan& plan,
                       std::function<void(PowerCycleResult)> done) override {
    // The plan (read from sysfs and the hub) is what a real run would do; the power stays on.
    std::string planned = describe(plan);
    log_.notice() << "dry-run: not cutting USB power (planned: " << planned << ")";
    PowerCycleResult r{false, "DRY_RUN", "dry-run: the USB power is not cut (planned: " + planned + ")"};
    asio::post(io_, [done = std::move(done), r = std::move(r)] { done(r); });
  }

  void reboot(const std::string& reason, std::function<void(std::string, std::string)> refused) override {
    log_.notice() << "dry-run: not rebooting (the recovery ladder asked for it after " << reason << ")";
    asio::post(io_, [refused = std::move(refused)] { refused("REBOOT_SKIPPED", "dry-run"); });
  }

 private:
  asio::io_context& io_;
  Logger log_{"modem"};
};

}  // namespace

std::unique_ptr<HostActions> make_system_host_actions(asio::io_context& io) {
  return std::make_unique<SystemHostActions>(io);
}

std::unique_ptr<HostActions> make_dry_run_host_actions(asio::io_context& io) {
  return std::make_unique<DryRunHostActions>(io);
}

std::string describe(const usb::PowerPlan& plan) {
  std::string planned;
  for (const usb::Switch& sw : plan.switches)
    planned += (planned.empty() ? "" : ", ") + usb::to_string(sw.hub) + " port " +
               (sw.port ? std::to_string(sw.port) : std::string("all"));
  return planned;
}

}  // namespace fb::core
