// HostActions, both twins. The system one against a real child process: a
// stand-in `systemctl` first on PATH (the other end; it records how it was
// called and exits as told), spawned, reaped and reported for real. The
// dry-run one must spawn nothing and touch no hub. No root needed.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fb/core/host_actions.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"
#include "log_capture.hpp"
#include "process.hpp"
#include "stand_in.hpp"

using fb::core::HostActions;
using fb::core::PowerCycleResult;

namespace {

// A `systemctl` that exits with `exit_code` first on PATH while this lives;
// with no exit code, PATH holds nothing at all.
struct FakeSystemctl : fb::test::StandIn {
  explicit FakeSystemctl(std::optional<int> exit_code)
      : StandIn("systemctl",
                exit_code ? std::optional<std::string>("exit " + std::to_string(*exit_code) + "\n") : std::nullopt) {}
};

struct Refusal {
  std::string code, why;
};

// One reboot request on its own io_context, run until nothing is pending
// (the child reaped): whether it answered from inside the call, and how.
struct RebootOutcome {
  bool answered_inside = false;
  std::optional<Refusal> refused;
};
RebootOutcome ask_reboot(std::unique_ptr<HostActions> (*make)(boost::asio::io_context&), const std::string& reason) {
  boost::asio::io_context io;
  auto host = make(io);
  RebootOutcome out;
  host->reboot(reason, [&](std::string code, std::string why) { out.refused = Refusal{code, why}; });
  out.answered_inside = out.refused.has_value();
  io.run();
  return out;
}

}  // namespace

TEST_CASE("system reboot: systemctl reboot is run and reaped; success reports nothing") {
  FakeSystemctl systemctl(0);
  fb::test::LogCapture log;
  RebootOutcome r = ask_reboot(fb::core::make_system_host_actions, "REGISTRATION_LOST");
  CHECK(systemctl.called() == "reboot\n");
  CHECK_FALSE(r.refused);
  CHECK(fb::test::no_child_left());
  CHECK(log.said("rebooting: the recovery ladder's last rung, after REGISTRATION_LOST"));
}

TEST_CASE("system reboot: a systemctl that refuses is reported, reaped, and never from inside the call") {
  FakeSystemctl systemctl(1);
  RebootOutcome r = ask_reboot(fb::core::make_system_host_actions, "x");
  CHECK_FALSE(r.answered_inside);
  REQUIRE(r.refused);
  CHECK(r.refused->code == "REBOOT_FAILED");
  CHECK(r.refused->why == "systemctl reboot exited 1");
  CHECK(fb::test::no_child_left());
}

TEST_CASE("system reboot: no systemctl at all is a refusal that says why") {
  FakeSystemctl systemctl(std::nullopt);
  RebootOutcome r = ask_reboot(fb::core::make_system_host_actions, "x");
  CHECK_FALSE(r.answered_inside);
  REQUIRE(r.refused);
  CHECK(r.refused->code == "REBOOT_FAILED");
  CHECK(r.refused->why.find("cannot run systemctl reboot") == 0);
}

TEST_CASE("dry-run: no reboot is asked for, no USB power is cut, and each says so") {
  FakeSystemctl systemctl(0);
  fb::test::LogCapture log;
  RebootOutcome r = ask_reboot(fb::core::make_dry_run_host_actions, "REGISTRATION_LOST");
  CHECK_FALSE(r.answered_inside);
  REQUIRE(r.refused);
  CHECK(r.refused->code == "REBOOT_SKIPPED");
  CHECK_FALSE(systemctl.called());  // nothing was spawned

  boost::asio::io_context io;
  auto host = fb::core::make_dry_run_host_actions(io);

  // A hub whose sysfs `disable` file a real cut would write.
  fb::test::TempDir sysfs;
  std::string port = sysfs / "bus/usb/devices/1-1/1-1:1.0/1-1-port2";
  std::filesystem::create_directories(port);
  std::ofstream(port + "/disable") << "0\n";
  fb::VirtualTime timers;
  fb::usb::HubPower::Options o;
  o.sysfs = sysfs.path();
  fb::usb::HubPower hub(io, timers, o);
  fb::usb::PowerPlan plan;
  plan.switches = {{fb::usb::Location{1, {1}}, 2}};
  std::optional<PowerCycleResult> cycled;
  host->cycle_usb_power(hub, plan, [&](PowerCycleResult r) { cycled = r; });
  CHECK_FALSE(cycled);

  io.run();
  REQUIRE(cycled);
  CHECK_FALSE(cycled->ok);
  CHECK(cycled->code == "DRY_RUN");
  CHECK(cycled->detail == "dry-run: the USB power is not cut (planned: 1-1 port 2)");
  CHECK(fb::test::read_file(port + "/disable") == "0\n");
  CHECK_FALSE(hub.busy());
  CHECK(log.said("dry-run: not rebooting (the recovery ladder asked for it after REGISTRATION_LOST)"));
  CHECK(log.said("dry-run: not cutting USB power (planned: 1-1 port 2)"));
}
