// The DHCP client of a net data session (fb/core/data_link.hpp): udhcpc
// through dhcp::DhcpClientRunner, and its dry-run twin.
#include <boost/asio/post.hpp>

#include "fb/core/data_link.hpp"
#include "fb/log.hpp"

namespace fb::core {
namespace {

namespace asio = boost::asio;

// Posts `on_lost` once, unless the owner is gone by then.
class LostOnce {
 public:
  LostOnce(asio::io_context& io, std::function<void(const std::string&, const std::string&)> on_lost)
      : io_(io), on_lost_(std::move(on_lost)) {}
  void operator()(std::string code, std::string detail) {
    if (said_) return;
    said_ = true;
    asio::post(io_, [alive = std::weak_ptr<bool>(alive_), on_lost = on_lost_, code, detail] {
      if (alive.lock()) on_lost(code, detail);
    });
  }

 private:
  asio::io_context& io_;
  std::function<void(const std::string&, const std::string&)> on_lost_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool said_ = false;
};

class UdhcpcLink final : public DataLink {
 public:
  UdhcpcLink(asio::io_context& io, TimerService& timers, dhcp::DhcpClientRunner::Options options,
             DhcpCallbacks callbacks)
      : lost_(io, callbacks.on_lost) {
    runner_ = std::make_unique<dhcp::DhcpClientRunner>(
        io, timers, std::move(options),
        dhcp::DhcpClientRunner::Callbacks{
            [on_lease = callbacks.on_lease](const dhcp::Lease& lease) { on_lease(lease); },
            [this](const dhcp::Lost& lost) {
              lost_("DHCP_LOST", "udhcpc: " + std::string(dhcp::to_string(lost.kind)) +
                                     (lost.message.empty() ? std::string() : " (" + lost.message + ")"));
            },
            [this](const dhcp::Exit& exit) {
              if (exit.error) lost_(std::string(dhcp::code_name(exit.error->code)), exit.error->detail);
            },
            {}});
  }
  void start() {
    if (auto started = runner_->start(); !started)
      lost_(std::string(dhcp::code_name(started.error().code)), started.error().detail);
  }
  bool running() const override { return runner_->state() != dhcp::DhcpClientRunner::State::idle; }
  void stop() override { runner_->stop(); }

 private:
  LostOnce lost_;
  std::unique_ptr<dhcp::DhcpClientRunner> runner_;  // destroyed first: kills a running udhcpc, no callbacks
};

class UdhcpcStarter final : public DhcpStarter {
 public:
  UdhcpcStarter(asio::io_context& io, TimerService& timers, dhcp::Settings settings)
      : io_(io), timers_(timers), settings_(std::move(settings)) {}
  std::unique_ptr<DataLink> start(const std::string& interface, Duration lease_timeout,
                                  DhcpCallbacks callbacks) override {
    dhcp::DhcpClientRunner::Options o;
    o.name = "dhcp[" + interface + "]";
    o.settings = settings_;
    o.settings.interface = interface;
    o.lease_timeout = lease_timeout;
    auto link = std::make_unique<UdhcpcLink>(io_, timers_, std::move(o), std::move(callbacks));
    link->start();
    return link;
  }

 private:
  asio::io_context& io_;
  TimerService& timers_;
  dhcp::Settings settings_;
};

class DryRunLink final : public DataLink {
 public:
  bool running() const override { return false; }
  void stop() override {}
};

class DryRunDhcpStarter final : public DhcpStarter {
 public:
  explicit DryRunDhcpStarter(asio::io_context& io) : io_(io) {}
  std::unique_ptr<DataLink> start(const std::string& interface, Duration, DhcpCallbacks callbacks) override {
    std::string detail = "dry-run: not starting udhcpc on " + interface + " (it would put the interface on the air)";
    log_.notice() << detail;
    auto link = std::make_unique<DryRunLink>();
    asio::post(io_, [on_lost = callbacks.on_lost, detail] { on_lost("DRY_RUN", detail); });
    return link;
  }

 private:
  asio::io_context& io_;
  Logger log_{"modem"};
};

}  // namespace

std::unique_ptr<DhcpStarter> make_udhcpc_starter(asio::io_context& io, TimerService& timers, dhcp::Settings settings) {
  return std::make_unique<UdhcpcStarter>(io, timers, std::move(settings));
}

std::unique_ptr<DhcpStarter> make_dry_run_dhcp_starter(asio::io_context& io) {
  return std::make_unique<DryRunDhcpStarter>(io);
}

}  // namespace fb::core
