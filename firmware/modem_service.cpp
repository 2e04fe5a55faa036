// ModemService: construction, start, the event pump that runs ModemMachine
// and RecoveryLadder and carries their actions to the adapter work in the
// other modem_service_*.cpp files (see modem_service_internal.hpp), status
// and the operator verbs.
#include "fb/core/modem_service.hpp"

#include <chrono>

#include "fb/core/control.hpp"
#include "fb/core/core_events.hpp"
#include "fb/core/operator_verbs.hpp"
#include "fb/core/supervisor_status.hpp"
#include "fb/event.hpp"
#include "modem_service_internal.hpp"

namespace fb::core {

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

// The uplink the modem's events are about.
std::string uplink_of(const Config& c) {
  const UplinkConfig* u = c.modem_uplink();
  return u ? u->name : std::string();
}

}  // namespace

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
  hilink_exit();  // before the lease goes: the API is reached through it
  *alive_ = false;
  data_link_.reset();  // SIGKILLs a running pppd
  if (channel_) channel_->close();
}

std::int64_t ModemService::unix_now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void ModemService::start() {
  mev::Start start = read_pin_record();
  lev::Start ladder_start = read_reboot_record();
  feed(LadderEvent{ladder_start});
  feed(ModemEvent{start});
}

// ---- event pump: one event at a time, actions may queue more ----

void ModemService::feed(const ModemEvent& event) {
  if (!stopping_) events_.feed(event);
}

void ModemService::feed(const LadderEvent& event) {
  if (!stopping_) events_.feed(event);
}

// A handler that throws (a bug; the daemon exits for systemd to restart it)
// does not leave the pump marked busy: fb::EventPump resets it.
void ModemService::handle(const Event& next) {
  if (auto* m = std::get_if<ModemEvent>(&next)) {
    ModemStatus before = machine_.status();
    ModemMachine::State was = machine_.state();
    for (const auto& a : machine_.handle(*m, timers_.now())) {
      if (auto* r = std::get_if<mact::Report>(&a))
        for (fb::Event& e : modem_events(uplink_of(config_), before, r->status)) events::publish(std::move(e));
      apply(a);
    }
    if (machine_.state() != was && on_state_change_) on_state_change_();
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
          persist_pin_record(a.tried);
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
          machine_timer_.arm(a.deadline, [this] { feed(ModemEvent{mev::TimerFired{}}); });
        } else if constexpr (std::is_same_v<A, mact::CancelTimer>) {
          machine_timer_.cancel();
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
          events::publish(rung_event(uplink_of(config_), a));
          last_do_ = true;
          if (a.rung == Rung::reboot)
            reboot(a.reason);
          else
            events_.post(ModemEvent{mev::Recover{a.rung}});
        } else if constexpr (std::is_same_v<A, lact::PersistReboots>) {
          persist_reboots(a.record);
        } else if constexpr (std::is_same_v<A, lact::ArmTimer>) {
          ladder_timer_.arm(a.deadline, [this] { feed(LadderEvent{lev::TimerFired{unix_now()}}); });
        } else if constexpr (std::is_same_v<A, lact::CancelTimer>) {
          ladder_timer_.cancel();
        } else if constexpr (std::is_same_v<A, lact::Report>) {
        }
      },
      action);
}

// ---- status and operator verbs ----

health::ModemReport ModemService::modem_status() const {
  health::ModemReport h = modem_health(machine_.status(), config_.modem.device.text);
  h.at_probe = last_port_search_;
  h.mode_switch = last_switch_;
  if (path_choice_) {
    h.data_path = std::string(modem::to_string(path_choice_->path));
    h.data_path_why = path_choice_->why;
    if (path_choice_->path == modem::DataPath::hilink) {
      // What the client was built with, not a fresh look at the USB id.
      h.router_api = hilink_choice_.api ? std::string(modem::to_string(*hilink_choice_.api)) : std::string("unknown");
      h.router_api_why = hilink_choice_.why;
    }
  }
  h.net_mode = net_mode_;
  if (pdp_choice_) {
    if (pdp_choice_->type) h.pdp_type = std::string(modem::cgdcont_text(*pdp_choice_->type));
    h.pdp_type_why = pdp_choice_->reason;
  }
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
