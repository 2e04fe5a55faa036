// fb_modeswitch_tool: runs fb::usb::ModeSwitcher once, for the system test in
// the QEMU guest (and by hand on a real stick).
//
//   fb_modeswitch_tool --device usb:VID:PID|PORT [--method standard-eject|standard-eject-zte|huawei-new-mode]
//                      [--message HEX31]... [--target VID:PID]... [--wait MS] [--transfer-timeout MS]
//                      [--sysfs DIR] [--cancel-after MS]
//
// Without --method/--message the plan comes from the product table (a known
// storage-mode stick). With them, the messages are sent to whatever is at
// the device (QEMU's usb-storage has its own ids, which are deliberately not
// in the table). Prints "found …", one "message …" line per message sent,
// then "SWITCHED …" (exit 0) or the stable error "MODESWITCH_FAILED: …"
// (exit 3); --cancel-after cancels the switch instead ("CANCELLED …", exit 5).
// "idle after the end: yes" says nothing of it was left on the io_context.
// Usage errors exit 2, a device not found exits 4.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "fb/at/fields.hpp"
#include "fb/core/asio_timers.hpp"
#include "fb/modem/discovery.hpp"
#include "fb/usb/switcher.hpp"

namespace {

int usage(const std::string& why) {
  std::cerr << "fb_modeswitch_tool: " << why
            << "\nusage: fb_modeswitch_tool --device usb:VID:PID|PORT [--method "
               "standard-eject|standard-eject-zte|huawei-new-mode] [--message HEX31]... [--target VID:PID]... "
               "[--wait MS] [--transfer-timeout MS] [--sysfs DIR] [--cancel-after MS]\n";
  return 2;
}

std::optional<fb::usb::Cbw31> parse_message(const std::string& hex) {
  if (hex.size() != 62) return std::nullopt;
  fb::usb::Cbw31 out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto byte = fb::at::to_hex(std::string_view(hex).substr(2 * i, 2));
    if (!byte) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(*byte);
  }
  return out;
}

std::optional<long> parse_ms(const std::string& text) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || v <= 0) return std::nullopt;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string device_text, sysfs = "/sys", method;
  std::vector<fb::usb::Cbw31> messages;
  std::vector<fb::modem::UsbId> targets;
  long wait_ms = 20000, transfer_ms = 3000, cancel_ms = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage(arg + " needs a value");
    std::string value = argv[++i];
    if (arg == "--device") {
      device_text = value;
    } else if (arg == "--sysfs") {
      sysfs = value;
    } else if (arg == "--method") {
      method = value;
    } else if (arg == "--message") {
      auto m = parse_message(value);
      if (!m) return usage("--message wants 31 bytes as 62 hex digits: " + value);
      messages.push_back(*m);
    } else if (arg == "--target") {
      auto sel = fb::modem::parse_selector("usb:" + value);
      if (!sel || sel->kind != fb::modem::ModemSelector::Kind::usb_id) return usage("bad --target " + value);
      targets.push_back(sel->id);
    } else if (arg == "--wait" || arg == "--transfer-timeout" || arg == "--cancel-after") {
      auto ms = parse_ms(value);
      if (!ms) return usage(arg + " wants milliseconds: " + value);
      (arg == "--wait" ? wait_ms : arg == "--cancel-after" ? cancel_ms : transfer_ms) = *ms;
    } else {
      return usage("unknown option " + arg);
    }
  }
  if (device_text.empty()) return usage("--device is required");
  auto selector = fb::modem::parse_selector(device_text);
  if (!selector || (selector->kind != fb::modem::ModemSelector::Kind::usb_id &&
                    selector->kind != fb::modem::ModemSelector::Kind::usb_port))
    return usage("--device wants usb:VID:PID or a USB port path: " + device_text);

  const fb::modem::UsbDevice* device = nullptr;
  auto devices = fb::modem::scan_usb(sysfs);
  for (const auto& d : devices)
    if ((selector->kind == fb::modem::ModemSelector::Kind::usb_id && d.id == selector->id) ||
        (selector->kind == fb::modem::ModemSelector::Kind::usb_port && d.port == selector->text))
      device = &d;
  if (!device) {
    std::string seen;
    for (const auto& d : devices) seen += " " + fb::modem::to_string(d.id) + "@" + d.port;
    std::cout << "NOT FOUND: " << device_text << " (USB devices:" << (seen.empty() ? " none" : seen) << ")\n";
    return 4;
  }
  std::cout << "found " << fb::modem::to_string(device->id) << " at " << device->port << " (" << device->manufacturer
            << " " << device->product << ")";
  for (const auto& i : device->interfaces)
    std::cout << ", interface " << int(i.number) << " class " << int(i.cls) << " driver "
              << (i.driver.empty() ? "none" : i.driver);
  std::cout << std::endl;

  fb::usb::SwitchPlan plan;
  if (method.empty() && messages.empty()) {
    auto from_table = fb::usb::plan_for(*device, fb::Duration(wait_ms));
    if (!from_table) {
      std::cout << fb::modem::describe(from_table.error()) << std::endl;
      return 3;
    }
    plan = *from_table;
  } else {
    plan.port = device->port;
    plan.storage = device->id;
    plan.wait = fb::Duration(wait_ms);
    plan.method = method.empty() ? "explicit" : method;
    if (method == "standard-eject")
      plan.messages = fb::usb::switch_messages(fb::usb::SwitchMethod::standard_eject);
    else if (method == "standard-eject-zte")
      plan.messages = fb::usb::switch_messages(fb::usb::SwitchMethod::standard_eject_zte);
    else if (method == "huawei-new-mode")
      plan.messages = fb::usb::switch_messages(fb::usb::SwitchMethod::huawei_new_mode);
    else if (!method.empty())
      return usage("unknown --method " + method);
    plan.messages.insert(plan.messages.end(), messages.begin(), messages.end());
  }
  if (!targets.empty()) plan.targets = targets;
  std::string target_text;
  for (const auto& t : plan.targets) target_text += " " + fb::modem::to_string(t);
  std::cout << "plan " << plan.method << ": " << plan.messages.size() << " message(s), targets"
            << (target_text.empty() ? " any" : target_text) << ", wait " << plan.wait.count() << " ms" << std::endl;

  boost::asio::io_context io;
  fb::core::AsioTimerService timers(io);
  fb::usb::ModeSwitcher::Options options;
  options.sysfs = sysfs;
  options.transfer_timeout = fb::Duration(transfer_ms);
  fb::usb::ModeSwitcher switcher(io, timers, options);
  std::optional<fb::modem::Result<fb::usb::SwitchOutcome>> result;
  switcher.start(plan, [&](fb::modem::Result<fb::usb::SwitchOutcome> r) { result.emplace(std::move(r)); });
  std::optional<fb::TimerId> cancel_timer;
  if (cancel_ms > 0)
    cancel_timer = timers.arm_after(fb::Duration(cancel_ms), [&]() {
      std::cout << "cancelling in state " << fb::usb::to_string(switcher.core()->state()) << std::endl;
      switcher.cancel();
    });
  while (!result && io.run_one() > 0) {
  }
  if (cancel_timer) timers.cancel(*cancel_timer);
  // Nothing of the switch may outlive its end: no timer, no watched fd, no
  // uevent socket. With all of that gone the loop runs out of work at once.
  io.restart();
  io.run_for(std::chrono::seconds(2));
  std::cout << "idle after the end: " << (io.stopped() ? "yes" : "no") << std::endl;
  if (const auto* core = switcher.core())
    for (const auto& n : core->notes()) std::cout << "message " << n << "\n";
  if (!result && cancel_ms > 0) {
    std::cout << "CANCELLED without a result" << std::endl;
    return 5;
  }
  if (!result) {
    std::cout << "BUG: the switch ended without a result\n";
    return 1;
  }
  if (*result) {
    std::cout << "SWITCHED " << fb::modem::to_string((*result)->modem.id) << " at " << (*result)->modem.port << ": "
              << (*result)->summary << std::endl;
    return 0;
  }
  std::cout << fb::modem::describe(result->error()) << std::endl;
  return 3;
}
