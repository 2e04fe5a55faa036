// ModemService: the recovery actions the ladder and the machine ask for that
// leave the AT session — the USB power cycle (fb::usb::HubPower through
// HostActions) and the reboot — and the state files in [general] state_dir
// (sim-pin.json, reboots.json) they depend on.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fb/at/fields.hpp"
#include "fb/core/operator_verbs.hpp"
#include "fb/core/state_records.hpp"
#include "modem_service_internal.hpp"

namespace fb::core {

namespace fs = std::filesystem;

std::string ModemService::state_path(const char* name) const {
  return (fs::path(config_.general.state_dir) / name).string();
}

// The PIN record: anything but a clean read of a well-formed file (or no
// file at all) is a problem, and SimPolicy then enters no PIN.
modem_event::Start ModemService::read_pin_record() const {
  mev::Start start;
  std::string path = state_path("sim-pin.json");
  auto text = read_state_file(path);
  if (!text)
    start.pin_record_problem = text.error().detail;
  else if (*text && !parse_pin_record(**text, start.pin_tried))
    start.pin_record_problem = path + ": not a record of tried PINs ({\"tried\": [ICCID, ...]})";
  return start;
}

ladder_event::Start ModemService::read_reboot_record() {
  lev::Start ladder_start;
  std::string reboots_path = state_path("reboots.json");
  auto text = read_state_file(reboots_path);
  if (!text) {
    ladder_start.record_problem = text.error().detail;
  } else if (*text) {
    if (auto record = parse_reboot_record(**text))
      ladder_start.reboots = *record;
    else
      ladder_start.record_problem = reboots_path + ": not a reboot record";
  }
  auto id = read_state_file(options_.proc_root + "/sys/kernel/random/boot_id");
  boot_id_problem_ = id ? std::string() : id.error().detail;
  if (id && *id) ladder_start.boot_id = std::string(at::trim(**id));
  return ladder_start;
}

void ModemService::persist_pin_record(const std::set<std::string>& tried) {
  mev::PinRecorded done;
  if (auto err = write_atomically(state_path("sim-pin.json"), pin_record_json(tried)); !err.empty()) {
    log_.error() << "cannot keep the SIM PIN record: " << err;
    done.error = err;
  }
  events_.post(ModemEvent{done});
}

// The ladder requests the reboot only when this reports the record on disk.
void ModemService::persist_reboots(const RebootRecord& record) {
  std::string error = write_atomically(state_path("reboots.json"), reboot_record_json(record));
  if (!error.empty()) log_.error() << "cannot record the reboot: " << error;
  events_.post(LadderEvent{lev::Recorded{std::move(error), unix_now()}});  // the ladder decides
}

void ModemService::power_cycle() {
  auto fail = [this](std::string code, std::string detail) {
    last_power_cycle_ = code + ": " + detail;
    events_.post(ModemEvent{mev::PowerCycled{std::move(code), std::move(detail)}});
  };
  usb::Target target;
  const RecoveryConfig& r = config_.recovery;
  if (hub_named(r.hub)) {
    auto hub = usb::parse_location(r.hub);
    if (!hub) return fail(std::string(code_name(hub.code())), "[recovery] hub = " + r.hub + ": " + hub.error().detail);
    target.hub = *hub;
  }
  target.port = r.hub_port;
  if (!usb_port_.empty())
    if (auto port = usb::parse_location(usb_port_)) target.modem = *port;
  if (!target.hub && !target.modem)
    return fail("BAD_LOCATION", "the modem is not on USB as far as sysfs shows (" + config_.modem.device.text +
                                    "); set [recovery] hub and hub_port to power-cycle it");
  if (!hub_power_) {
    usb::HubPower::Options o;
    o.name = "usb";
    o.sysfs = options_.sysfs_root;
    hub_power_ = std::make_unique<usb::HubPower>(io_, timers_, o);
  }
  auto plan = hub_power_->plan(target);
  if (!plan) return fail(std::string(code_name(plan.code())), plan.error().detail);  // REFUSED
  host_->cycle_usb_power(*hub_power_, *plan, [this, alive = alive_](PowerCycleResult r) {
    if (!*alive) return;
    if (r.ok) {
      last_power_cycle_ = "ok by " + r.detail;
      log_.notice() << "USB power cycle done by " << r.detail;
      feed(ModemEvent{mev::PowerCycled{}});
      return;
    }
    last_power_cycle_ = r.code + ": " + r.detail;
    feed(ModemEvent{mev::PowerCycled{r.code, r.detail}});
  });
}

void ModemService::reboot(const std::string& reason) {
  host_->reboot(reason, [this, alive = alive_](std::string code, std::string why) {
    if (!*alive) return;
    if (code != "REBOOT_SKIPPED") log_.error() << why;
    feed(LadderEvent{lev::Failure{std::move(code), std::move(why), unix_now()}});
  });
}

}  // namespace fb::core
