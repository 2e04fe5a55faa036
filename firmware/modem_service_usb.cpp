// ModemService: finding the stick — sysfs discovery from [modem] device, the
// profile that applies, the AT port probe when the profile does not name the
// port — and the mode switch of a stick still in storage (CD-ROM) mode.
#include <sys/stat.h>

#include <filesystem>

#include "fb/modem/discovery.hpp"
#include "modem_service_internal.hpp"

namespace fb::core {

namespace fs = std::filesystem;
using modem::Code;
using modem::Error;

namespace {

modem::CdromControl cdrom_control_for(const modem::Profile& profile, std::optional<modem::UsbId> id) {
  if (id)
    for (const auto& m : profile.modems)
      if (m.id == *id) return m.cdrom;
  for (const auto& m : profile.modems)
    if (m.cdrom != modem::CdromControl::none) return m.cdrom;
  return modem::CdromControl::none;
}

const modem::Profile* configured_profile(std::optional<modem::Vendor> vendor) {
  return vendor ? &modem::profile(*vendor) : nullptr;
}

}  // namespace

std::optional<ModemServiceOptions::TestSwitch> parse_test_switch(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  auto from = modem::parse_selector("usb:" + std::string(text.substr(0, eq)));
  auto to = modem::parse_selector("usb:" + std::string(text.substr(eq + 1)));
  if (!from || !to || from->kind != modem::ModemSelector::Kind::usb_id ||
      to->kind != modem::ModemSelector::Kind::usb_id)
    return std::nullopt;
  return ModemServiceOptions::TestSwitch{from->id, to->id};
}

void ModemService::scan() {
  if (hilink_configured()) return hilink_scan();
  auto_hilink_ = false;  // data = auto decides again for what is found now
  const ModemDevice& d = config_.modem.device;
  mev::Scanned s;
  auto devices = modem::scan_usb(options_.sysfs_root);
  std::optional<modem::FoundModem> found;
  std::string direct_tty;
  if (d.selector.kind == modem::ModemSelector::Kind::tty) {
    std::error_code ec;
    fs::path canon = fs::canonical(d.text, ec);
    struct stat st {};
    if (ec || ::stat(canon.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) {
      s.error = Error{Code::no_modem, d.text + (ec ? ": " + ec.message() : std::string(" is not a tty"))};
      feed(ModemEvent{s});
      return;
    }
    modem::ModemSelector by_name{modem::ModemSelector::Kind::tty, canon.filename().string(), {}};
    if (auto f = modem::locate_modem(devices, by_name)) found = *f;
    if (!found) direct_tty = d.text;  // a tty outside USB (or a test pty): the configured profile applies
  } else {
    auto f = modem::locate_modem(devices, d.selector);
    if (!f) {
      s.error = f.error();
      feed(ModemEvent{s});
      return;
    }
    found = *f;
  }
  const modem::Profile* chosen = configured_profile(config_.modem.profile);
  if (found && found->state != modem::FoundModem::State::storage) {
    // The path is chosen for the stick as it is now: a unit may come back
    // from its mode switch as a HiLink stick or with AT ports.
    const modem::Profile& p =
        chosen ? *chosen : (found->profile ? *found->profile : modem::profile(modem::Vendor::generic));
    set_path_choice(choose_path(p, &found->device));
    if (path_choice_->path == modem::DataPath::hilink && !config_.modem.data) return hilink_found(*found, p);
  } else if (found) {
    path_choice_.reset();  // a storage-mode stick: chosen once it is switched
  } else {
    set_path_choice(choose_path(chosen ? *chosen : modem::profile(modem::Vendor::generic), nullptr));
  }
  if (found) {
    usb_id_ = found->device.id;
    if (!chosen) chosen = found->profile ? found->profile : &modem::profile(modem::Vendor::generic);
    s.description = modem::to_string(found->device.id) + " " + found->device.product + " at " + found->device.port +
                    (found->how.empty() ? "" : " (" + found->how + ")");
    s.storage = found->state == modem::FoundModem::State::storage;
    if (options_.test_switch && found->device.id == options_.test_switch->storage) {
      s.storage = true;  // tests only (ModemServiceOptions::test_switch)
      s.description += " (storage mode: test override)";
    }
    s.no_at_port = found->state == modem::FoundModem::State::no_at_port;
    data_tty_ = found->data_tty.empty() ? std::string() : dev_path(found->data_tty);
    usb_port_ = found->device.port;
    usb_device_ = found->device;
    if (found->at_tty.empty() && found->candidates.size() == 1) {
      found->at_tty = found->candidates.front();  // one serial port: it carries AT and data
      s.description += "; its only tty " + found->at_tty + " is AT";
    }
    if (s.storage)
      storage_device_ = found->device;
    else
      storage_device_.reset();
    if (!found->at_tty.empty()) {
      s.at_tty = dev_path(found->at_tty);
    } else if (!s.storage && !s.no_at_port) {
      // The profile does not name the AT port: ask each tty (discovery's interface order).
      profile_ = chosen;
      cdrom_control_ = cdrom_control_for(*profile_, usb_id_);
      modem::AtPortFinder::Options o;
      o.name = "modem-probe[" + found->device.port + "]";
      o.dev = options_.dev_root;
      o.timeout = config_.modem.command_timeout;
      if (at_port_finder_) at_port_finder_->cancel();  // a newer scan replaces an unfinished search
      at_port_finder_ = std::make_unique<modem::AtPortFinder>(io_, timers_, o);
      log_.info() << s.description << ": the profile does not name the AT port; probing " << found->candidates.size()
                  << " ttys";
      at_port_finder_->start(
          found->candidates, [this, s, alive = alive_](modem::Result<modem::AtPortSearch> r) mutable {
            if (!*alive) return;
            std::string summary = at_port_finder_ ? at_port_finder_->report().summary() : std::string();
            bool again = summary == last_port_search_;  // the same outcome as last time: no news for the log
            last_port_search_ = summary;
            if (r) {
              s.at_tty = dev_path(r->at_tty);
              s.description += "; AT port probed: " + r->at_tty;
              log_.notice() << "AT port probe: " << last_port_search_ << " -> " << r->at_tty;
            } else {
              s.error = Error{r.error().code, s.description + ": " + r.error().detail};
              (again ? log_.debug() : log_.warning()) << "AT port probe: " << describe(r.error());
            }
            feed(ModemEvent{std::move(s)});
          });
      return;
    }
  } else {
    storage_device_.reset();
    usb_id_.reset();
    data_tty_.clear();
    usb_port_.clear();
    usb_device_.reset();
    if (!chosen) chosen = &modem::profile(modem::Vendor::generic);
    s.at_tty = direct_tty;
    s.description = direct_tty + " (not a USB tty: " + std::string(chosen->name) + " profile)";
  }
  profile_ = chosen;
  cdrom_control_ = cdrom_control_for(*profile_, usb_id_);
  feed(ModemEvent{std::move(s)});
}

std::string ModemService::dev_path(const std::string& tty) const {
  if (!tty.empty() && tty.front() == '/') return tty;
  return (fs::path(options_.dev_root) / tty).string();
}

// The stick the last scan found in storage mode: the product table's plan,
// then fb::usb::ModeSwitcher until it is back as a modem (or its deadline).
// Success: the machine scans again. Failure: MODESWITCH_FAILED with the
// switcher's detail; the machine's scan timer decides when to look again.
void ModemService::mode_switch() {
  auto report = [this](std::optional<Error> error) { events_.feed(ModemEvent{mev::ModeSwitched{std::move(error)}}); };
  if (!storage_device_) {
    last_switch_ = "no storage-mode stick to switch";
    report(Error{Code::modeswitch_failed, last_switch_});
    return;
  }
  auto plan = usb::plan_for(*storage_device_, options_.modeswitch_wait);
  if (options_.test_switch && storage_device_->id == options_.test_switch->storage) {
    usb::SwitchPlan p;  // tests only (ModemServiceOptions::test_switch)
    p.port = storage_device_->port;
    p.storage = storage_device_->id;
    p.method = "StandardEject (test override)";
    p.messages = usb::switch_messages(usb::SwitchMethod::standard_eject);
    p.targets = {options_.test_switch->target};
    p.wait = options_.modeswitch_wait;
    plan = std::move(p);
  }
  if (!plan) {
    last_switch_ = plan.error().detail;
    log_.info() << "no mode switch: " << describe(plan.error());
    report(plan.error());
    return;
  }
  if (!switcher_) {
    usb::ModeSwitcher::Options o;
    o.sysfs = options_.sysfs_root;
    switcher_ = std::make_unique<usb::ModeSwitcher>(io_, timers_, o);
  }
  log_.notice() << "mode switch of " << modem::to_string(plan->storage) << " at " << plan->port << " (" << plan->method
                << "): starting";
  switcher_->start(*plan, [this, alive = alive_](modem::Result<usb::SwitchOutcome> r) {
    if (!*alive) return;
    if (r) {
      last_switch_ = "switched: " + r->summary;
      log_.notice() << "mode switch done: " << r->summary << "; now " << modem::to_string(r->modem.id) << " at "
                    << r->modem.port;
      events_.post(ModemEvent{mev::ModeSwitched{}});
    } else {
      last_switch_ = std::string(modem::code_name(r.error().code)) + ": " + r.error().detail;
      log_.info() << "mode switch ended: " << describe(r.error());
      events_.post(ModemEvent{mev::ModeSwitched{r.error()}});
    }
    events_.run();
  });
}

}  // namespace fb::core
