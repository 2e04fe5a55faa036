// ModemService: the AT session on the modem's AT port — the channel and its
// URCs, the probe (init, identify, CD-ROM query), switching the CD-ROM off,
// the SIM check and the PIN, registration and signal polls, the reset.
// Each operation is a coroutine on the current AtChannel and reports back
// tagged with that channel's generation.
#include <filesystem>

#include "fb/at/fields.hpp"
#include "fb/config/values.hpp"
#include "fb/secret_file.hpp"
#include "fb/text.hpp"
#include "modem_service_internal.hpp"

namespace fb::core {

namespace fs = std::filesystem;
using modem::Code;
using modem::Error;

namespace {

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
  auto pin = parse_sim_pin(std::get<Secret>(file).reveal());
  if (!pin) {
    why = path + ": " + pin.error().detail;
    return std::nullopt;
  }
  return std::move(pin).value();
}

at::Command plain_command(std::string text) {
  return at::Command{std::move(text), {}, Duration{0}};
}

}  // namespace

void ModemService::close_channel() {
  if (hilink()) hilink_close();
  if (net_) {  // the stick's session ends with its port (unplugged, reset, power cut)
    net_.reset();
    stop_dhcp();
    link_ = {};
    link_up_at_.reset();
    report_link(down_report());
  }
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
  if (!profile_->net.status_urc.empty()) o.urc_prefixes.emplace_back(profile_->net.status_urc);
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
  if (!profile_->net.status_urc.empty())
    channel_->subscribe(std::string(profile_->net.status_urc), [this, gen, alive](const std::string& line) {
      if (*alive && gen == generation_) on_net_urc(line);
    });
  return true;
}

void ModemService::probe(const std::string& tty) {
  if (hilink()) return hilink_probe();
  if (!open_channel(tty)) return;
  std::uint64_t gen = generation_;
  auto alive = alive_;
  auto ch = channel_;
  modem::UsbId id = usb_id_.value_or(modem::UsbId{});
  const modem::Profile* profile = profile_;
  modem::CdromControl control = cdrom_control_;
  std::string rat(modem::rat_command(*profile, config_.modem.rat));
  if (rat.empty() && config_.modem.rat != modem::RatLock::any)
    log_.warning() << "[modem] rat = " << modem::to_string(config_.modem.rat) << ": the " << profile->name
                   << " profile has no command for it; the stick keeps its own setting";
  pdp_choice_.reset();  // this stick's own answer decides
  at::Command pdp_types{"AT+CGDCONT=?", {"+CGDCONT:"}, Duration{0}};
  spawn([this, ch, gen, alive, id, profile, control, rat, pdp_types]() -> boost::asio::awaitable<void> {
    modem::ModemSnapshot snap;
    auto r = co_await at::run_steps(*ch, modem::init_steps(*profile, id), snap);
    if (r) r = co_await at::run_steps(*ch, modem::identify_steps(*profile), snap);
    if (r) r = co_await at::run_steps(*ch, modem::cdrom_query_steps(control), snap);
    std::optional<modem::PdpChoice> pdp;
    if (r) {
      at::CommandResult types = co_await ch->run(pdp_types);
      if (!*alive || gen != generation_) co_return;
      if (!types && at::transport_failure(types.code())) {
        r = types.error();  // a silent stick: the probe fails, as for any other row
      } else {
        modem::Result<std::vector<at::PdpFormat>> listed =
            types ? at::parse_cgdcont_test(types->text()) : modem::Result<std::vector<at::PdpFormat>>(types.error());
        pdp = modem::choose_pdp_type(config_.modem.pdp_type, listed);
      }
    }
    if (r && !rat.empty()) {
      at::CommandResult locked = co_await ch->run(plain_command(rat));
      if (!*alive || gen != generation_) co_return;
      if (locked)
        log_.info() << "[modem] rat = " << modem::to_string(config_.modem.rat) << ": " << rat;
      else if (at::transport_failure(locked.code()))
        r = locked.error();
      else
        log_.warning() << "[modem] rat = " << modem::to_string(config_.modem.rat) << ": the stick refused " << rat
                       << " (" << describe(locked.error()) << "); it keeps its own setting";
    }
    if (!*alive || gen != generation_) co_return;
    mev::Probed p;
    if (!r) p.error = r.error();
    p.identity = ModemIdentity{snap.manufacturer, snap.model, snap.revision, snap.imei, snap.iccid};
    p.cdrom = snap.cdrom;
    setport_ = snap.setport;
    charset_ = snap.charset;
    lte_ = snap.lte;
    pdp_choice_ = pdp;
    if (pdp) log_pdp_choice(*pdp);
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
  if (hilink()) return hilink_check_sim();
  if (!channel_) {
    events_.post(ModemEvent{mev::SimChecked{Error{Code::no_modem, "no channel"}, {}, {}, {}, false, {}}});
    return;
  }
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  const modem::Profile* profile = profile_ ? profile_ : &modem::profile(modem::Vendor::generic);
  // An LTE stick attaches as soon as the SIM lets it: its attach context first.
  // No plan (the PDP type refused): context 1 is left as it is.
  std::optional<modem::AttachSteps> attach;
  modem::Result<modem::DialPlan> plan = dial_plan();
  if (lte_ && !config_.modem.apn.empty() && plan)
    if (auto steps = modem::attach_context_steps(*plan)) attach = std::move(*steps);
  modem::DialPlan attach_plan = plan ? *plan : modem::DialPlan{};
  spawn([this, ch, gen, alive, profile, attach = std::move(attach), attach_plan]() -> boost::asio::awaitable<void> {
    modem::ModemSnapshot snap;
    mev::SimChecked s;
    auto r = co_await at::run_steps(*ch, modem::sim_steps(), snap);
    if (r && snap.sim && *snap.sim != at::SimState::missing)
      r = co_await at::run_steps(*ch, modem::iccid_steps(*profile), snap);
    if (r && snap.sim == at::SimState::pin_required)
      r = co_await at::run_steps(*ch, modem::pin_retries_steps(*profile), snap);
    if (r && snap.sim == at::SimState::ready && attach) {
      modem::AttachState a;
      auto ar = co_await at::run_steps(*ch, *attach, a);
      if (!*alive || gen != generation_) co_return;
      log_attach(attach_plan, a, ar);
      if (!ar && at::transport_failure(ar.code())) r = ar;  // a silent stick fails the SIM check too
    }
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

modem::Result<modem::DialPlan> ModemService::dial_plan() const {
  if (!pdp_choice_)
    return Error{Code::bad_dial_settings, "the modem's PDP types are not known yet (no probe finished)"};
  if (!pdp_choice_->type) return Error{Code::pdp_type_unsupported, pdp_choice_->reason};
  modem::DialPlan plan;
  plan.apn = config_.modem.apn;
  plan.pdp_type = *pdp_choice_->type;
  return plan;
}

void ModemService::log_pdp_choice(const modem::PdpChoice& choice) {
  using Kind = modem::PdpChoice::Kind;
  switch (choice.kind) {
    case Kind::as_written:
    case Kind::preferred: log_.info() << "PDP type: " << choice.reason; break;
    case Kind::fallback: log_.notice() << "PDP type: " << choice.reason; break;
    case Kind::refused:
      log_.error() << "PDP type: " << code_name(Code::pdp_type_unsupported) << ": " << choice.reason;
      break;
  }
}

void ModemService::log_attach(const modem::DialPlan& plan, const modem::AttachState& a,
                              const modem::Result<void>& outcome) {
  std::string want = std::string(modem::cgdcont_text(plan.pdp_type)) + " \"" + plan.apn + "\"";
  // The stick's own words (+CGDCONT?), cleaned before they reach the log.
  std::string was = a.before ? clean_text(a.before->type, 16) + " \"" + clean_text(a.before->apn, 100) + "\""
                             : std::string("not defined");
  if (!outcome && a.radio_off) {
    log_.error() << "LTE attach context 1: " << describe(outcome.error())
                 << " after the radio was switched off to set it; the stick may stay off the air until a reset";
  } else if (!outcome) {
    log_.warning() << "LTE attach context 1 not checked: " << describe(outcome.error());
  } else if (a.written) {
    log_.notice() << "LTE attach context 1 was " << was << ": set to " << want << " (radio off for the write)";
  } else if (a.differs) {
    log_.warning() << "LTE attach context 1 is " << was << ", not " << want << ", and was not changed"
                   << (a.problem ? ": " + describe(*a.problem) : std::string());
  } else if (!a.read) {
    log_.debug() << "LTE attach context 1 not read" << (a.problem ? ": " + describe(*a.problem) : std::string())
                 << "; left as it is";
  } else {
    log_.debug() << "LTE attach context 1 is " << want << " already";
  }
}

void ModemService::poll() {
  if (hilink()) return hilink_poll();
  poll_net_status();
  if (!channel_) {
    events_.post(ModemEvent{mev::Polled{Error{Code::no_modem, "no channel"}, {}}});
    return;
  }
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  const modem::Profile* profile = profile_ ? profile_ : &modem::profile(modem::Vendor::generic);
  spawn([this, ch, gen, alive, profile]() -> boost::asio::awaitable<void> {
    modem::ModemSnapshot snap;
    snap.charset = charset_;  // what init set: the operator name is in it
    auto r = co_await at::run_steps(*ch, modem::registration_steps(), snap);
    if (r) r = co_await at::run_steps(*ch, modem::signal_steps(*profile), snap);
    if (!*alive || gen != generation_) co_return;
    mev::Polled p;
    if (!r) p.error = r.error();
    p.facts.cs = snap.cs;
    p.facts.ps = snap.ps;
    p.facts.eps = snap.eps;
    p.facts.nr = snap.nr;
    p.facts.signal = snap.signal;
    p.facts.network = snap.network;
    feed(ModemEvent{p});
  });
}

void ModemService::reset_modem() {
  if (hilink()) return hilink_reset();
  if (!channel_ || !profile_) {
    events_.post(ModemEvent{mev::ResetDone{Error{Code::no_modem, "no channel"}}});
    return;
  }
  std::string cmd(profile_->reset.empty() ? "AT+CFUN=1,1" : profile_->reset);
  log_.notice() << "resetting the modem: " << cmd;
  run_command<mev::ResetDone>(cmd);
}

}  // namespace fb::core
