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
#include "process.hpp"

using fb::core::HostActions;
using fb::core::PowerCycleResult;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// PATH points at `dir` only while this lives.
class FakeSystemctl {
 public:
  explicit FakeSystemctl(int exit_code) : saved_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    std::ofstream script(dir_ / "systemctl");
    script << "#!/bin/sh\necho \"$@\" > '" << (dir_ / "called") << "'\nexit " << exit_code << "\n";
    script.close();
    std::filesystem::permissions(dir_ / "systemctl", std::filesystem::perms::owner_all);
    ::setenv("PATH", (dir_.path() + ":" + saved_).c_str(), 1);
  }
  ~FakeSystemctl() { ::setenv("PATH", saved_.c_str(), 1); }
  std::optional<std::string> called() const {
    if (!std::filesystem::exists(dir_ / "called")) return std::nullopt;
    return read(dir_ / "called");
  }

 private:
  fb::test::TempDir dir_;
  std::string saved_;
};

struct Refusal {
  std::string code, why;
};

// Log lines said while this lives.
struct Capture {
  std::vector<std::string> lines;
  Capture() {
    fb::logging::set_capture([this](fb::Level, std::string_view line) { lines.emplace_back(line); });
  }
  ~Capture() { fb::logging::set_capture({}); }
  bool said(const std::string& text) const {
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

bool no_child_left() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace

TEST_CASE("system reboot: systemctl reboot is run and reaped; success reports nothing") {
  FakeSystemctl systemctl(0);
  Capture log;
  boost::asio::io_context io;
  auto host = fb::core::make_system_host_actions(io);
  std::optional<Refusal> refused;
  host->reboot("REGISTRATION_LOST", [&](std::string code, std::string why) { refused = Refusal{code, why}; });
  io.run();  // returns once the child has been reaped: nothing else is pending
  CHECK(systemctl.called() == "reboot\n");
  CHECK_FALSE(refused);
  CHECK(no_child_left());
  CHECK(log.said("rebooting: the recovery ladder's last rung, after REGISTRATION_LOST"));
}

TEST_CASE("system reboot: a systemctl that refuses is reported, reaped, and never from inside the call") {
  FakeSystemctl systemctl(1);
  boost::asio::io_context io;
  auto host = fb::core::make_system_host_actions(io);
  std::optional<Refusal> refused;
  host->reboot("x", [&](std::string code, std::string why) { refused = Refusal{code, why}; });
  CHECK_FALSE(refused);
  io.run();
  REQUIRE(refused);
  CHECK(refused->code == "REBOOT_FAILED");
  CHECK(refused->why == "systemctl reboot exited 1");
  CHECK(no_child_left());
}

TEST_CASE("system reboot: no systemctl at all is a refusal that says why") {
  fb::test::TempDir empty;
  std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", empty.path().c_str(), 1);
  boost::asio::io_context io;
  auto host = fb::core::make_system_host_actions(io);
  std::optional<Refusal> refused;
  host->reboot("x", [&](std::string code, std::string why) { refused = Refusal{code, why}; });
  ::setenv("PATH", saved.c_str(), 1);
  CHECK_FALSE(refused);
  io.run();
  REQUIRE(refused);
  CHECK(refused->code == "REBOOT_FAILED");
  CHECK(refused->why.find("cannot run systemctl reboot") == 0);
}

TEST_CASE("dry-run: no reboot is asked for, no USB power is cut, and each says so") {
  FakeSystemctl systemctl(0);
  Capture log;
  boost::asio::io_context io;
  auto host = fb::core::make_dry_run_host_actions(io);

  std::optional<Refusal> refused;
  host->reboot("REGISTRATION_LOST", [&](std::string code, std::string why) { refused = Refusal{code, why}; });
  CHECK_FALSE(refused);

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
  REQUIRE(refused);
  CHECK(refused->code == "REBOOT_SKIPPED");
  CHECK_FALSE(systemctl.called());  // nothing was spawned
  REQUIRE(cycled);
  CHECK_FALSE(cycled->ok);
  CHECK(cycled->code == "DRY_RUN");
  CHECK(cycled->detail == "dry-run: the USB power is not cut (planned: 1-1 port 2)");
  CHECK(read(port + "/disable") == "0\n");
  CHECK_FALSE(hub.busy());
  CHECK(log.said("dry-run: not rebooting (the recovery ladder asked for it after REGISTRATION_LOST)"));
  CHECK(log.said("dry-run: not cutting USB power (planned: 1-1 port 2)"));
}
