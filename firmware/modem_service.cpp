#include "fb/core/modem_service.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "fb/at/fields.hpp"
#include "fb/config/values.hpp"
#include "fb/core/control.hpp"
#include "fb/core/operator_verbs.hpp"
#include "fb/core/state_records.hpp"
#include "fb/core/supervisor_status.hpp"
#include "fb/modem/dial.hpp"
#include "fb/modem/discovery.hpp"
#include "fb/secret_file.hpp"

extern char** environ;

namespace fb::core {

namespace fs = std::filesystem;
namespace mev = modem_event;
namespace mact = modem_action;
namespace lev = ladder_event;
namespace lact = ladder_action;
using modem::Code;
using modem::Error;

namespace {

LadderPolicy ladder_policy(const RecoveryConfig& r) {
  LadderPolicy p;
  p.redial_attempts = r.redial_attempts;
  p.reset_attempts = r.reset_attempts;
  p.power_cycle_attempts = r.power_cycle_attempts;
  p.backoff_initial = r.backoff_initial;
  p.backoff_max = r.backoff_max;
  p.stable_after = r.stable_after;
  p.reboot_allowed = r.reboot_allowed;
  p.reboot_max_per_day = r.reboot_max_per_day;
  return p;
}

ModemPolicy modem_policy(const ModemConfig& m) {
  ModemPolicy p;
  p.disable_cdrom = m.disable_cdrom;
  p.can_mode_switch = true;  // fb::usb::ModeSwitcher
  p.can_dial = true;
  return p;
}

// A state file: nullopt with `problem` empty when it does not exist (no
// record yet); nullopt with `problem` set when it exists but cannot be read.
std::optional<std::string> read_state_file(const std::string& path, std::string& problem) {
  problem.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) problem = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) problem = path + ": " + std::strerror(errno);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 65536) {
      problem = path + ": larger than 64 KiB";
      break;
    }
  }
  ::close(fd);
  if (!problem.empty()) return std::nullopt;
  return text;
}

// Atomic: a temporary file beside it, fsync, rename, fsync of the directory.
std::string write_atomically(const std::string& path, const std::string& body) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return tmp + ": " + std::strerror(errno);
  std::string err;
  for (std::size_t done = 0; err.empty() && done < body.size();) {
    ssize_t n = ::write(fd, body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      err = std::strerror(errno);
    else
      done += static_cast<std::size_t>(n);
  }
  if (err.empty() && ::fsync(fd) != 0) err = std::strerror(errno);
  if (::close(fd) != 0 && err.empty()) err = std::strerror(errno);
  if (err.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) err = std::strerror(errno);
  if (!err.empty()) {
    ::unlink(tmp.c_str());
    return path + ": " + err;
  }
  // The rename is durable only once the directory is.
  int dfd = ::open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fs::path(path).parent_path().string() + ": " + std::strerror(errno);
  if (::fsync(dfd) != 0) err = std::strerror(errno);
  ::close(dfd);
  if (!err.empty()) return fs::path(path).parent_path().string() + ": fsync: " + err;
  return "";
}

// The PIN in pin_file, by the rule --check-config applied (parse_sim_pin).
std::optional<std::string> read_pin(const std::string& path, std::string& why) {
  if (path.empty()) {
    why = "no [modem] pin_file";
    return std::nullopt;
  }
  auto file = read_secret_file(path);
  if (auto* error = std::get_if<std::string>(&file)) {
    why = *error;
    return std::nullopt;
  }
  auto pin = parse_sim_pin(std::get<Secret>(file).reveal(), why);
  if (!pin) why = path + ": " + why;
  return pin;
}

at::Command plain_command(std::string text) {
  return at::Command{std::move(text), {}, Duration{0}};
}

modem::CdromControl cdrom_control_for(const modem::Profile& profile, std::optional<modem::UsbId> id) {
  if (id)
    for (const auto& m : profile.modems)
      if (m.id == *id) return m.cdrom;
  for (const auto& m : profile.modems)
    if (m.cdrom != modem::CdromControl::none) return m.cdrom;
  return modem::CdromControl::none;
}

const modem::Profile* configured_profile(ModemProfile p) {
  switch (p) {
    case ModemProfile::generic: return &modem::profile(modem::Vendor::generic);
    case ModemProfile::zte: return &modem::profile(modem::Vendor::zte);
    case ModemProfile::huawei: return &modem::profile(modem::Vendor::huawei);
    case ModemProfile::automatic: break;
  }
  return nullptr;
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

ModemService::ModemService(boost::asio::io_context& io, TimerService& timers, const Config& config,
                           ModemServiceOptions options, std::unique_ptr<HostActions> host,
                           std::unique_ptr<DataLinkStarter> link)
    : io_(io),
      timers_(timers),
      config_(config),
      options_(std::move(options)),
      machine_("modem", modem_policy(config.modem)),
      ladder_("recovery", ladder_policy(config.recovery)),
      link_starter_(std::move(link)),
      host_(std::move(host)) {}

ModemService::~ModemService() {
  *alive_ = false;
  data_link_.reset();  // SIGKILLs a running pppd
  if (machine_timer_) timers_.cancel(machine_timer_);
  if (ladder_timer_) timers_.cancel(ladder_timer_);
  if (channel_) channel_->close();
}

std::string ModemService::state_path(const char* name) const {
  return (fs::path(config_.general.state_dir) / name).string();
}

std::int64_t ModemService::unix_now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void ModemService::start() {
  // The PIN record: anything but a clean read of a well-formed file (or no
  // file at all) is a problem, and SimPolicy then enters no PIN.
  mev::Start start;
  std::string path = state_path("sim-pin.json");
  if (auto text = read_state_file(path, start.pin_record_problem))
    if (!parse_pin_record(*text, start.pin_tried))
      start.pin_record_problem = path + ": not a record of tried PINs ({\"tried\": [ICCID, ...]})";
  lev::Start ladder_start;
  std::string reboots_path = state_path("reboots.json");
  if (auto text = read_state_file(reboots_path, ladder_start.record_problem)) {
    if (auto record = parse_reboot_record(*text))
      ladder_start.reboots = *record;
    else
      ladder_start.record_problem = reboots_path + ": not a reboot record";
  }
  if (auto id = read_state_file(options_.proc_root + "/sys/kernel/random/boot_id", boot_id_problem_))
    ladder_start.boot_id = std::string(at::trim(*id));
  feed(LadderEvent{ladder_start});
  feed(ModemEvent{start});
}

// ---- event pump: one event at a time, actions may queue more ----

void ModemService::feed(const ModemEvent& event) {
  events_.feed(event);
}

void ModemService::feed(const LadderEvent& event) {
  events_.feed(event);
}

// A handler that throws (a bug; the daemon exits for systemd to restart it)
// does not leave the pump marked busy: fb::EventPump resets it.
void ModemService::handle(const Event& next) {
  if (auto* m = std::get_if<ModemEvent>(&next)) {
    for (const auto& a : machine_.handle(*m, timers_.now())) apply(a);
  } else {
    for (const auto& a : ladder_.handle(std::get<LadderEvent>(next), timers_.now())) apply(a);
  }
}

void ModemService::apply(const ModemAction& action) {
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, mact::Scan>) {
          scan();
        } else if constexpr (std::is_same_v<A, mact::ModeSwitch>) {
          mode_switch();
        } else if constexpr (std::is_same_v<A, mact::Probe>) {
          probe(a.at_tty);
        } else if constexpr (std::is_same_v<A, mact::DisableCdrom>) {
          disable_cdrom();
        } else if constexpr (std::is_same_v<A, mact::CheckSim>) {
          check_sim();
        } else if constexpr (std::is_same_v<A, mact::EnterPin>) {
          enter_pin();
        } else if constexpr (std::is_same_v<A, mact::PersistPinRecord>) {
          mev::PinRecorded done;
          if (auto err = write_atomically(state_path("sim-pin.json"), pin_record_json(a.tried)); !err.empty()) {
            log_.error() << "cannot keep the SIM PIN record: " << err;
            done.error = err;
          }
          events_.post(ModemEvent{done});
        } else if constexpr (std::is_same_v<A, mact::Poll>) {
          poll();
        } else if constexpr (std::is_same_v<A, mact::Dial>) {
          dial();
        } else if constexpr (std::is_same_v<A, mact::HangUp>) {
          hang_up();
        } else if constexpr (std::is_same_v<A, mact::ResetModem>) {
          reset_modem();
        } else if constexpr (std::is_same_v<A, mact::PowerCycle>) {
          power_cycle();
        } else if constexpr (std::is_same_v<A, mact::Close>) {
          close_channel();
        } else if constexpr (std::is_same_v<A, mact::Failure>) {
          events_.post(LadderEvent{lev::Failure{a.code, a.detail, unix_now()}});
        } else if constexpr (std::is_same_v<A, mact::Healthy>) {
          events_.post(LadderEvent{lev::Recovered{}});
        } else if constexpr (std::is_same_v<A, mact::NeedsUser>) {
          events_.post(LadderEvent{lev::Stop{a.code, a.detail}});
        } else if constexpr (std::is_same_v<A, mact::Resume>) {
          events_.post(LadderEvent{lev::Resume{}});
        } else if constexpr (std::is_same_v<A, mact::ArmTimer>) {
          if (machine_timer_) timers_.cancel(machine_timer_);
          machine_timer_ = timers_.arm(a.deadline, [this] {
            machine_timer_ = 0;
            feed(ModemEvent{mev::TimerFired{}});
          });
        } else if constexpr (std::is_same_v<A, mact::CancelTimer>) {
          if (machine_timer_) timers_.cancel(machine_timer_);
          machine_timer_ = 0;
        } else if constexpr (std::is_same_v<A, mact::Report>) {
          // status is read from the machine when asked
        }
      },
      action);
}

void ModemService::apply(const LadderAction& action) {
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, lact::Do>) {
          last_do_ = true;
          if (a.rung == Rung::reboot)
            reboot(a.reason);
          else
            events_.post(ModemEvent{mev::Recover{a.rung}});
        } else if constexpr (std::is_same_v<A, lact::PersistReboots>) {
          // The reboot that follows goes ahead only if this is on disk (see reboot()).
          reboot_record_error_ = write_atomically(state_path("reboots.json"), reboot_record_json(a.record));
          if (!reboot_record_error_.empty()) log_.error() << "cannot record the reboot: " << reboot_record_error_;
        } else if constexpr (std::is_same_v<A, lact::ArmTimer>) {
          if (ladder_timer_) timers_.cancel(ladder_timer_);
          ladder_timer_ = timers_.arm(a.deadline, [this] {
            ladder_timer_ = 0;
            feed(LadderEvent{lev::TimerFired{unix_now()}});
          });
        } else if constexpr (std::is_same_v<A, lact::CancelTimer>) {
          if (ladder_timer_) timers_.cancel(ladder_timer_);
          ladder_timer_ = 0;
        } else if constexpr (std::is_same_v<A, lact::Report>) {
        }
      },
      action);
}

// ---- adapter work ----

template <class Work>
void ModemService::spawn(Work work) {
  boost::asio::co_spawn(io_, std::move(work), [log = log_](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log.error() << "BUG: modem operation threw: " << ex.what();
    }
  });
}

void ModemService::scan() {
  const ModemDevice& d = config_.modem.device;
  mev::Scanned s;
  auto devices = modem::scan_usb(options_.sysfs_root);
  std::optional<modem::FoundModem> found;
  std::string direct_tty;
  if (d.kind == ModemDevice::Kind::tty_path) {
    std::error_code ec;
    fs::path canon = fs::canonical(d.text, ec);
    struct stat st {};
    if (ec || ::stat(canon.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) {
      s.error = Error{Code::no_modem, d.text + (ec ? ": " + ec.message() : std::string(" is not a tty"))};
      feed(ModemEvent{s});
      return;
    }
    if (auto sel = modem::parse_selector(canon.string()))
      if (auto f = modem::locate_modem(devices, *sel)) found = *f;
    if (!found) direct_tty = d.text;  // a tty outside USB (or a test pty): the configured profile applies
  } else {
    auto sel = modem::parse_selector(d.text);
    if (!sel) {
      s.error = sel.error();
      feed(ModemEvent{s});
      return;
    }
    auto f = modem::locate_modem(devices, *sel);
    if (!f) {
      s.error = f.error();
      feed(ModemEvent{s});
      return;
    }
    found = *f;
  }
  const modem::Profile* chosen = configured_profile(config_.modem.profile);
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
      modem::AtPortProber::Options o;
      o.name = "modem-probe[" + found->device.port + "]";
      o.dev = options_.dev_root;
      o.timeout = config_.modem.command_timeout;
      if (prober_) prober_->cancel();  // a newer scan replaces an unfinished probe
      prober_ = std::make_unique<modem::AtPortProber>(io_, timers_, o);
      log_.info() << s.description << ": the profile does not name the AT port; probing " << found->candidates.size()
                  << " ttys";
      prober_->start(found->candidates, [this, s, alive = alive_](modem::Result<modem::ProbeResult> r) mutable {
        if (!*alive) return;
        std::string summary = prober_ ? prober_->report().summary() : std::string();
        bool again = summary == last_probe_;  // the same outcome as last time: no news for the log
        last_probe_ = summary;
        if (r) {
          s.at_tty = dev_path(r->at_tty);
          s.description += "; AT port probed: " + r->at_tty;
          log_.notice() << "AT port probe: " << last_probe_ << " -> " << r->at_tty;
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
      last_switch_ = std::string(modem::to_string(r.error().code)) + ": " + r.error().detail;
      log_.info() << "mode switch ended: " << describe(r.error());
      events_.post(ModemEvent{mev::ModeSwitched{r.error()}});
    }
    events_.run();
  });
}

void ModemService::close_channel() {
  if (!channel_) return;
  channel_->close();
  channel_.reset();
  ++generation_;
}

bool ModemService::open_channel(const std::string& tty) {
  close_channel();
  ++generation_;
  at_tty_ = tty;
  charset_ = at::Charset::unknown;  // until the probe's init sets one
  at::AtChannel::Options o;
  o.name = "modem[" + fs::path(tty).filename().string() + "]";
  o.default_timeout = config_.modem.command_timeout;
  for (auto p : modem::generic_urcs()) o.urc_prefixes.emplace_back(p);
  for (auto p : profile_->urcs) o.urc_prefixes.emplace_back(p);
  channel_ = std::make_shared<at::AtChannel>(io_, timers_, o);
  auto opened = channel_->open(tty);
  if (!opened) {
    log_.error() << "cannot open " << tty << ": " << describe(opened.error());
    events_.post(ModemEvent{mev::Probed{opened.error(), {}, modem::CdromState::unknown}});
    return false;
  }
  std::uint64_t gen = generation_;
  auto alive = alive_;
  channel_->on_gone([this, gen, alive](const Error& e) {
    if (*alive && gen == generation_) feed(ModemEvent{mev::Gone{e}});
  });
  for (const char* prefix : {"+CREG:", "+CGREG:", "+CEREG:"})
    channel_->subscribe(prefix, [this, gen, alive](const std::string& line) {
      if (*alive) on_urc(gen, line);
    });
  return true;
}

void ModemService::probe(const std::string& tty) {
  if (!open_channel(tty)) return;
  std::uint64_t gen = generation_;
  auto alive = alive_;
  auto ch = channel_;
  modem::UsbId id = usb_id_.value_or(modem::UsbId{});
  const modem::Profile* profile = profile_;
  modem::CdromControl control = cdrom_control_;
  spawn([this, ch, gen, alive, id, profile, control]() -> boost::asio::awaitable<void> {
    modem::ModemSnapshot snap;
    auto r = co_await at::run_steps(*ch, modem::init_steps(*profile, id), snap);
    if (r) r = co_await at::run_steps(*ch, modem::identify_steps(*profile), snap);
    if (r) r = co_await at::run_steps(*ch, modem::cdrom_query_steps(control), snap);
    if (!*alive || gen != generation_) co_return;
    mev::Probed p;
    if (!r) p.error = r.error();
    p.identity = ModemIdentity{snap.manufacturer, snap.model, snap.revision, snap.imei, snap.iccid};
    p.cdrom = snap.cdrom;
    setport_ = snap.setport;
    charset_ = snap.charset;
    feed(ModemEvent{p});
  });
}

void ModemService::on_urc(std::uint64_t generation, const std::string& line) {
  if (generation != generation_) return;
  auto reg = at::parse_registration(line, at::Solicited::no);
  if (!reg) return;  // the channel logged the line; nothing to decide on
  feed(ModemEvent{mev::RegistrationUrc{*reg}});
}

void ModemService::disable_cdrom() {
  const modem::CdromCommands* c = modem::cdrom_commands(cdrom_control_);
  std::optional<std::string> command;
  if (cdrom_control_ == modem::CdromControl::huawei_setport && setport_)
    command = modem::setport_disable_command(*setport_);
  else if (c && !c->disable.empty())
    command = std::string(c->disable);
  if (!command || !channel_) {
    events_.post(
        ModemEvent{mev::CdromDisabled{Error{Code::cdrom_disable_failed, "no disable command for this stick"}}});
    return;
  }
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  modem::CdromControl control = cdrom_control_;
  log_.notice() << "CD-ROM off: " << *command;
  spawn([this, ch, gen, alive, control, command = plain_command(*command)]() -> boost::asio::awaitable<void> {
    const std::string& cmd = command.text;
    mev::CdromDisabled done;
    at::CommandResult r = co_await ch->run(command);
    if (!r) {
      done.error = r.error();
    } else {
      modem::ModemSnapshot check;  // ask again: only the stick's own answer says it is off
      auto q = co_await at::run_steps(*ch, modem::cdrom_query_steps(control), check);
      if (!q)
        done.error = q.error();
      else if (check.cdrom == modem::CdromState::on)
        done.error = Error{Code::cdrom_disable_failed, cmd + " answered OK but the stick still reports CD-ROM on"};
    }
    if (!*alive || gen != generation_) co_return;
    feed(ModemEvent{done});
  });
}

void ModemService::check_sim() {
  if (!channel_) {
    events_.post(ModemEvent{mev::SimChecked{Error{Code::no_modem, "no channel"}, {}, {}, {}, false, {}}});
    return;
  }
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  const modem::Profile* profile = profile_ ? profile_ : &modem::profile(modem::Vendor::generic);
  spawn([this, ch, gen, alive, profile]() -> boost::asio::awaitable<void> {
    modem::ModemSnapshot snap;
    mev::SimChecked s;
    auto r = co_await at::run_steps(*ch, modem::sim_steps(), snap);
    if (r && snap.sim && *snap.sim != at::SimState::missing)
      r = co_await at::run_steps(*ch, modem::iccid_steps(*profile), snap);
    if (r && snap.sim == at::SimState::pin_required)
      r = co_await at::run_steps(*ch, modem::pin_retries_steps(*profile), snap);
    if (!r) {
      s.error = r.error();
    } else {
      s.sim = snap.sim;
      s.sim_error = snap.sim_error;
      s.iccid = snap.iccid;
      s.pin_retries = snap.pin_retries;
    }
    std::string why;
    s.pin_available = read_pin(config_.modem.pin_file, why).has_value();
    if (!s.pin_available && !config_.modem.pin_file.empty() && snap.sim == at::SimState::pin_required)
      log_.error() << "the SIM needs its PIN but pin_file is not usable: " << why;
    if (!*alive || gen != generation_) co_return;
    feed(ModemEvent{s});
  });
}

template <class Done>
void ModemService::run_command(std::string command) {
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  spawn([this, ch, gen, alive, command = plain_command(std::move(command))]() -> boost::asio::awaitable<void> {
    at::CommandResult r = co_await ch->run(command);
    if (!*alive || gen != generation_) co_return;
    Done done;
    if (!r) done.error = r.error();
    feed(ModemEvent{done});
  });
}

void ModemService::enter_pin() {
  std::string why;
  auto pin = read_pin(config_.modem.pin_file, why);
  if (!pin || !channel_) {
    events_.post(ModemEvent{mev::PinEntered{Error{Code::at_error, "PIN not sent: " + why}}});
    return;
  }
  run_command<mev::PinEntered>("AT+CPIN=\"" + *pin + "\"");
}

void ModemService::poll() {
  if (!channel_) {
    events_.post(ModemEvent{mev::Polled{Error{Code::no_modem, "no channel"}, {}}});
    return;
  }
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  spawn([this, ch, gen, alive]() -> boost::asio::awaitable<void> {
    modem::ModemSnapshot snap;
    snap.charset = charset_;  // what init set: the operator name is in it
    auto r = co_await at::run_steps(*ch, modem::registration_steps(), snap);
    if (r) r = co_await at::run_steps(*ch, modem::signal_steps(), snap);
    if (!*alive || gen != generation_) co_return;
    mev::Polled p;
    if (!r) p.error = r.error();
    p.facts.cs = snap.cs;
    p.facts.ps = snap.ps;
    p.facts.eps = snap.eps;
    p.facts.signal = snap.signal;
    p.facts.network = snap.network;
    feed(ModemEvent{p});
  });
}

void ModemService::reset_modem() {
  if (!channel_ || !profile_) {
    events_.post(ModemEvent{mev::ResetDone{Error{Code::no_modem, "no channel"}}});
    return;
  }
  std::string cmd(profile_->reset.empty() ? "AT+CFUN=1,1" : profile_->reset);
  log_.notice() << "resetting the modem: " << cmd;
  run_command<mev::ResetDone>(cmd);
}

void ModemService::dial() {
  auto fail = [this](Error e) { events_.post(ModemEvent{mev::Dialed{std::move(e), false}}); };
  modem::DialPlan plan;
  plan.apn = config_.modem.apn;
  auto steps = modem::dial_steps(plan);
  if (!steps) return fail(steps.error());
  ppp::PppdRunner::Options po;
  po.settings.pppd = config_.ppp.pppd;
  po.settings.lcp_echo_interval = config_.ppp.lcp_echo_interval;
  po.settings.lcp_echo_failure = config_.ppp.lcp_echo_failure;
  for (const UplinkConfig& u : config_.uplinks)
    if (u.kind == UplinkKind::ppp && u.interface.rfind("ppp", 0) == 0 && u.interface.size() > 3 &&
        at::all_digits(u.interface.substr(3)))
      po.settings.unit = std::stoi(u.interface.substr(3));
  po.name = "ppp[" + ppp::interface_name(po.settings) + "]";
  po.up_timeout = config_.ppp.connect_timeout;
  if (!config_.ppp.credentials_file.empty()) {
    std::string error;
    std::optional<ppp::Credentials> c = ppp::load_credentials(config_.ppp.credentials_file, error);
    if (!c) return fail(Error{Code::bad_dial_settings, error});
    po.credentials = *c;
  }
  port_shared_ = data_tty_.empty() || data_tty_ == at_tty_;
  std::shared_ptr<at::AtChannel> ch;
  if (port_shared_) {
    if (!channel_) return fail(Error{Code::no_modem, "no channel"});
    ch = channel_;
  } else {
    at::AtChannel::Options o;
    o.name = "modem[" + fs::path(data_tty_).filename().string() + "]";
    o.default_timeout = config_.modem.command_timeout;
    data_channel_ = std::make_shared<at::AtChannel>(io_, timers_, o);
    if (auto opened = data_channel_->open(data_tty_); !opened) return fail(opened.error());
    ch = data_channel_;
  }
  link_reported_ = false;
  link_ = {};
  link_up_at_.reset();
  auto gen = generation_;
  auto alive = alive_;
  spawn([this, ch, gen, alive, steps = std::move(*steps), po]() -> boost::asio::awaitable<void> {
    modem::DialState state;
    auto r = co_await at::run_steps(*ch, steps, state);
    if (!*alive || gen != generation_) co_return;
    if (!r) {
      feed(ModemEvent{mev::Dialed{r.error(), false}});
      co_return;
    }
    int fd = ch->release();
    if (port_shared_) ++generation_;  // the AT channel is pppd's now; its late results are stale
    data_link_ = link_starter_->start(fd, state.connect.value_or(""), po,
                                      DataLinkCallbacks{[this, alive](const ppp::LinkInfo& link) {
                                                          if (!*alive) return;
                                                          link_ = link;
                                                          if (link_reported_) return;
                                                          link_reported_ = true;
                                                          link_up_at_ = timers_.now();
                                                          feed(ModemEvent{mev::Dialed{std::nullopt, port_shared_}});
                                                        },
                                                        [this, alive](const mev::LinkDown& down) {
                                                          if (*alive) on_link_down(down);
                                                        }});
    ::close(fd);  // the link has its own copy, or none
  });
}

void ModemService::hang_up() {
  if (data_link_ && data_link_->running()) {
    data_link_->stop();
    return;
  }
  events_.post(ModemEvent{mev::LinkDown{"STOPPED", "pppd was not running", mev::LinkDown::Kind::requested}});
}

void ModemService::on_link_down(const mev::LinkDown& down) {
  link_ = {};
  link_up_at_.reset();
  data_channel_.reset();
  // The line is ours again: with one port, it is the AT channel's.
  if (port_shared_ && !at_tty_.empty()) {
    port_shared_ = false;
    open_channel(at_tty_);
  }
  feed(ModemEvent{down});
}

void ModemService::power_cycle() {
  auto fail = [this](std::string code, std::string detail) {
    last_power_cycle_ = code + ": " + detail;
    events_.post(ModemEvent{mev::PowerCycled{std::move(code), std::move(detail)}});
  };
  usb::Target target;
  std::string error;
  const RecoveryConfig& r = config_.recovery;
  if (hub_named(r.hub)) {
    target.hub = usb::parse_location(r.hub, error);
    if (!target.hub) return fail("BAD_LOCATION", "[recovery] hub = " + r.hub + ": " + error);
  }
  target.port = r.hub_port;
  if (!usb_port_.empty()) target.modem = usb::parse_location(usb_port_, error);
  if (!target.hub && !target.modem)
    return fail("BAD_LOCATION", "the modem is not on USB as far as sysfs shows (" + config_.modem.device.text +
                                    "); set [recovery] hub and hub_port to power-cycle it");
  if (!hub_power_) {
    usb::HubPower::Options o;
    o.name = "usb";
    o.sysfs = options_.sysfs_root;
    hub_power_ = std::make_unique<usb::HubPower>(io_, timers_, o);
  }
  auto plan = hub_power_->plan(target, error);
  if (!plan) return fail("REFUSED", error);
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
  if (!reboot_record_error_.empty()) {
    // Without its record the daily limit would not hold across the reboot: a
    // boot loop. Fail closed.
    log_.error() << "not rebooting: the reboot could not be recorded first (" << reboot_record_error_ << ")";
    events_.post(
        LadderEvent{lev::Failure{"REBOOT_NOT_RECORDED", "not rebooting: " + reboot_record_error_, unix_now()}});
    return;
  }
  host_->reboot(reason, [this, alive = alive_](std::string code, std::string why) {
    if (!*alive) return;
    if (code != "REBOOT_SKIPPED") log_.error() << why;
    feed(LadderEvent{lev::Failure{std::move(code), std::move(why), unix_now()}});
  });
}

// ---- status and operator verbs ----

health::ModemStatus ModemService::modem_status() const {
  health::ModemStatus h = modem_health(machine_.status(), config_.modem.device.text);
  h.at_probe = last_probe_;
  h.mode_switch = last_switch_;
  h.ppp_interface = link_.interface;
  h.ppp_local = link_.local;
  h.ppp_remote = link_.remote;
  h.ppp_dns = link_.dns;
  if (link_up_at_)
    h.ppp_up_seconds = std::chrono::duration_cast<std::chrono::seconds>(timers_.now() - *link_up_at_).count();
  return h;
}

health::RecoveryStatus ModemService::recovery_status() const {
  return recovery_health(ladder_.status(), ladder_.policy(), timers_.now(), last_power_cycle_);
}

nlohmann::json ModemService::operator_request(Rung rung) {
  bool usb_port_known = !usb_port_.empty() || hub_named(config_.recovery.hub);
  if (auto no = refuse_operator_request(rung, ladder_.policy(), machine_.state(), machine_.status(), usb_port_known))
    return control_error(no->code, no->message);
  last_do_ = false;
  feed(LadderEvent{lev::Operator{rung}});
  if (!last_do_) {
    OperatorRefusal busy = operator_busy(ladder_.status());
    return control_error(busy.code, busy.message);
  }
  return {{"ok", true}, {"message", operator_started(rung, machine_.status())}};
}

}  // namespace fb::core
