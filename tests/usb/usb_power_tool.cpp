// usb_power_tool: fb::usb::HubPower as a command, for the QEMU system test
// (tests/system/test_usb_power_guest.py runs it inside the guest) and by hand.
//
//   usb_power_tool status --hub LOC
//   usb_power_tool off|on|cycle [--hub LOC] [--port N] [--modem LOC | --tty ttyUSB0]
//                  [--method auto|sysfs|libusb] [--off-ms N] [--gone-ms N] [--repeats N]
//
// Prints "DESCRIPTOR …", "PLAN …" and one "RESULT ok=0|1 …" line; exits 0
// when the operation worked, 1 when it failed, 2 on bad usage.
#include <utility>
//
#include <limits.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "fb/core/asio_timers.hpp"
#include "fb/usb/hub_power.hpp"

using namespace fb::usb;

namespace {

int usage(const std::string& why) {
  std::cerr << "usb_power_tool: " << why
            << "\nusage: usb_power_tool status --hub LOC\n"
               "       usb_power_tool off|on|cycle [--hub LOC] [--port N] [--modem LOC | --tty ttyUSBn]\n"
               "                      [--method auto|sysfs|libusb] [--off-ms N] [--gone-ms N] [--repeats N]\n";
  return 2;
}

std::string switches(const PowerPlan& plan) {
  std::string out;
  for (const auto& s : plan.switches)
    out += (out.empty() ? "" : ",") + to_string(s.hub) + ":" + (s.port ? std::to_string(s.port) : "all");
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("no command");
  std::string command = argv[1];
  std::optional<Location> hub, modem;
  int port = 0;
  std::string method = "auto";
  HubPower::Options options;
  options.name = "usb[tool]";
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage("missing value for " + arg);
    std::string value = argv[++i];
    if (arg == "--hub" || arg == "--modem") {
      auto l = parse_location(value);
      if (!l) return usage(l.error().detail);
      (arg == "--hub" ? hub : modem) = *l;
    } else if (arg == "--tty") {
      std::string link = "/sys/class/tty/" + value.substr(value.rfind('/') + 1) + "/device";
      char real[PATH_MAX];
      if (!::realpath(link.c_str(), real)) return usage("no such tty in sysfs: " + link);
      modem = device_in_sysfs_path(real);
      if (!modem) return usage(std::string("not a USB tty: ") + real);
    } else if (arg == "--port") {
      port = std::atoi(value.c_str());
    } else if (arg == "--method") {
      method = value;
    } else if (arg == "--repeats") {
      options.off_repeats = std::atoi(value.c_str());
    } else if (arg == "--gone-ms") {
      options.gone_timeout = fb::Duration(std::atoi(value.c_str()));
    } else if (arg == "--off-ms") {
      options.off_time = fb::Duration(std::atoi(value.c_str()));
    } else {
      return usage("unknown option " + arg);
    }
  }
  if (method == "sysfs")
    options.use_libusb = false;
  else if (method == "libusb")
    options.use_sysfs = false;
  else if (method != "auto")
    return usage("method must be auto, sysfs or libusb");

  boost::asio::io_context io;
  fb::core::AsioTimerService timers(io);
  HubPower power(io, timers, options);
  if (command == "status") {
    if (!hub) return usage("status needs --hub");
    auto d = power.read_descriptor(*hub);
    if (!d) {
      std::cout << "RESULT ok=0 message=" << d.error().detail << std::endl;
      return 1;
    }
    std::cout << "DESCRIPTOR hub=" << to_string(*hub) << " ports=" << d->ports
              << " switching=" << to_string(d->switching) << " superspeed=" << d->superspeed << std::endl;
    std::cout << "RESULT ok=1" << std::endl;
    return 0;
  }
  if (command != "off" && command != "on" && command != "cycle") return usage("unknown command " + command);
  Target target{hub, port, modem};
  auto plan = power.plan(target);
  if (!plan) {
    std::cout << "RESULT ok=0 fault=" << code_name(plan.code()) << " message=" << plan.error().detail << std::endl;
    return 1;
  }
  std::cout << "PLAN switches=" << switches(*plan) << " watch=" << (plan->watch ? to_string(*plan->watch) : "-")
            << " board=" << (plan->board.empty() ? "-" : plan->board) << std::endl;
  std::optional<Report> report;
  auto done = [&](Report r) { report = std::move(r); };
  if (command == "cycle")
    power.cycle(*plan, done);
  else
    power.power(*plan, command == "on", done);
  while (!report && io.run_one()) {
  }
  if (!report) {
    std::cout << "RESULT ok=0 message=no report" << std::endl;
    return 1;
  }
  std::cout << "RESULT ok=" << report->ok << " method=" << (report->method ? to_string(*report->method) : "-")
            << " fault=" << (report->fault ? code_name(*report->fault) : "-") << " watched=" << report->watched
            << " evidence=" << (report->evidence.empty() ? "-" : "'" + report->evidence + "'")
            << " gone_ms=" << report->gone_after.count() << " back_ms=" << report->back_after.count()
            << " message=" << report->message << std::endl;
  for (const auto& a : report->attempts) std::cout << "ATTEMPT " << a << std::endl;
  return report->ok ? 0 : 1;
}
