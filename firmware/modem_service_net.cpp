// ModemService: the network-interface data path — which path a dial takes,
// the stick's interface (interface = auto: found in sysfs beside the AT
// port, looked for again for a moment when it is not there yet, reported
// before the session so the network side binds the uplink; a configured
// name wins, and a different one in sysfs is a warning),
// starting the stick's session over AT (the profile's connect template),
// waiting for it to report connected, reading the address it got, following
// its state (the status URC, the status query beside each poll) and ending
// it. The address is not configured here: the report goes to the daemon,
// which binds the modem uplink to it through NetworkService (the netcfg
// seam, and its dry-run twin).
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "fb/core/interface_binding.hpp"
#include "fb/modem/net_discovery.hpp"
#include "fb/text.hpp"
#include "modem_service_internal.hpp"

namespace fb::core {

using modem::Code;
using modem::DataPath;
using modem::Error;

namespace {

constexpr auto kStatusPollInterval = std::chrono::seconds(1);
// interface = auto: a stick may create its network interface a moment after
// its ttys; sysfs is read again this often, for this long at most (and never
// beyond [ppp] connect_timeout), before the dial fails with NO_NET_INTERFACE.
constexpr auto kInterfaceLookInterval = std::chrono::milliseconds(500);
constexpr Duration kInterfaceWait = std::chrono::seconds(10);

Error session_timeout(const std::string& interface, const std::string& status, Duration limit) {
  return Error{Code::network_timeout,
               "the session on " + interface + " was not connected within " +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(limit).count()) + " s (" + status +
                   ")"};
}

}  // namespace

modem::Result<DataPath> ModemService::data_path() const {
  const UplinkConfig* uplink = config_.modem_uplink();
  if (!uplink || uplink->kind == UplinkKind::ppp) return DataPath::ppp;
  const modem::ModemModel* model = nullptr;
  if (usb_id_)
    if (auto found = modem::find_modem(*usb_id_); found && found->profile == profile_) model = found->model;
  std::string stick = (usb_id_ ? modem::to_string(*usb_id_) + " " : std::string()) +
                      (model ? std::string(model->models) : "(" + std::string(profile_->name) + " profile)");
  modem::DataPathChoice offered = modem::data_paths(*profile_, model);
  if (config_.modem.data || !path_choice_)
    return modem::choose_data_path(config_.modem.data, uplink->interface, offered, stick);
  // data = auto: what discovery chose, checked against what the stick offers.
  auto checked = modem::choose_data_path(path_choice_->path, uplink->interface, offered, stick);
  if (!checked) return Error{checked.code(), path_choice_->why + ": " + checked.error().detail};
  return checked;
}

modem::PathChoice ModemService::choose_path(const modem::Profile& profile, const modem::UsbDevice* device) const {
  const UplinkConfig* uplink = config_.modem_uplink();
  if (!uplink) return {DataPath::ppp, "no uplink has kind = ppp or cellular"};
  if (uplink->kind == UplinkKind::ppp) return {DataPath::ppp, "[uplink." + uplink->name + "] kind = ppp"};
  if (config_.modem.data)
    return {*config_.modem.data, "[modem] data = " + std::string(modem::to_string(*config_.modem.data))};
  const modem::ModemModel* model = nullptr;
  if (device)
    if (auto found = modem::find_modem(device->id); found && found->profile == &profile) model = found->model;
  modem::AutoPathFacts facts;
  facts.offered = modem::data_paths(profile, model);
  facts.stick = device ? modem::to_string(device->id) + (model ? " " + std::string(model->models) : std::string())
                       : "(" + std::string(profile.name) + " profile)";
  facts.interface = uplink->interface;
  if (device)
    facts.net_interface = static_cast<bool>(modem::find_net_interface(options_.sysfs_root, *device, profile.net.rmnet));
  facts.net_mode_switch = !profile.net_mode.query.empty();
  return modem::choose_auto_path(facts);
}

void ModemService::set_path_choice(modem::PathChoice choice) {
  if (choice != path_choice_)
    log_.notice() << "data path: " << modem::to_string(choice.path) << " (" << choice.why << ")";
  path_choice_ = std::move(choice);
}

// The net path on a module whose interface exists only in one USB mode: ask
// the mode; the right one goes on to the session. Another one is set and
// the module reset (it re-enumerates; the machine looks for it again as
// after a reset) — once: found in another mode again, the dial fails with
// NET_MODE_UNCHANGED, which stops the supervisor (no ladder).
void ModemService::check_net_mode(const modem::DialPlan& plan) {
  if (!channel_) {
    events_.post(ModemEvent{mev::Dialed{Error{Code::no_modem, "no channel"}, false}});
    return;
  }
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  spawn([this, ch, gen, alive, plan, query = std::string(profile_->net_mode.query)]() -> boost::asio::awaitable<void> {
    at::Command ask{query, {}, Duration{0}};
    at::CommandResult r = co_await ch->run(ask);
    if (!*alive || gen != generation_) co_return;
    net_mode_read(r, plan);
  });
}

void ModemService::net_mode_read(const at::CommandResult& result, const modem::DialPlan& plan) {
  const modem::NetModeSwitch& mode = profile_->net_mode;
  auto fail = [this](Error e) { feed(ModemEvent{mev::Dialed{std::move(e), false}}); };
  if (!result) return fail(result.error());
  auto now = modem::net_mode_of(mode, result->text());
  if (!now) return fail(now.error());
  std::string name(mode.name);
  if (*now == mode.wanted) {
    if (net_mode_.rfind("switched", 0) == 0 || net_mode_.empty())
      log_.info() << "the module is in its " << name << " mode (" << mode.query << ": " << *now << ")";
    net_mode_ = name + " (" + std::string(mode.query) + ": " + *now + ")";
    connect_net(plan);
    return;
  }
  if (net_mode_switched_) {
    net_mode_ = "still " + *now + " after the switch to " + std::string(mode.wanted) + " and a reset";
    return fail(Error{Code::net_mode_unchanged,
                      "the module still reports mode " + *now + " (" + std::string(mode.query) + ") after " +
                          std::string(mode.set) + " and " + std::string(mode.reset) + ", so its " + name +
                          " network interface never appears; not switched or reset again: set its mode by hand, "
                          "or use data = ppp"});
  }
  net_mode_ = "switched from " + *now + " to " + std::string(mode.wanted) + " (" + name +
              "): " + std::string(mode.set) + ", " + std::string(mode.reset);
  log_.notice() << "the module is in mode " << *now << " (" << mode.query << "), not " << name << " (" << mode.wanted
                << "): " << mode.set << ", then " << mode.reset << " (once)";
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  spawn([this, ch, gen, alive, set = std::string(mode.set),
         reset = std::string(mode.reset)]() -> boost::asio::awaitable<void> {
    at::Command set_mode{set, {}, Duration{0}};
    at::Command restart{reset, {}, Duration{0}};
    at::CommandResult done = co_await ch->run(set_mode);
    if (!*alive || gen != generation_) co_return;
    at::CommandResult reset_done = done;
    if (done) {
      reset_done = co_await ch->run(restart);
      if (!*alive) co_return;
    }
    net_mode_set(done, reset_done);
  });
}

void ModemService::net_mode_set(const at::CommandResult& set, const at::CommandResult& reset) {
  if (!set) {
    net_mode_ = "setting the mode failed: " + describe(set.error());
    feed(ModemEvent{mev::Dialed{set.error(), false}});
    return;
  }
  // The reset went out after the mode was set: whatever it answers, never
  // again (the next check that finds another mode stops). Its answer may be
  // lost with the port it closes: the module restarts either way, and is
  // looked for again.
  net_mode_switched_ = true;
  if (!reset) log_.info() << "the reset's answer: " << describe(reset.error()) << " (the module restarts)";
  mev::Dialed restarting{std::nullopt, false};
  restarting.restarting = true;
  feed(ModemEvent{restarting});
}

void ModemService::connect_net(const modem::DialPlan& plan) {
  auto fail = [this](Error e) { events_.post(ModemEvent{mev::Dialed{std::move(e), false}}); };
  auto commands = modem::net_session_commands(profile_->net, plan);
  if (!commands) return fail(commands.error());
  const UplinkConfig* uplink = config_.modem_uplink();
  if (!uplink) return fail(Error{Code::bad_dial_settings, "no uplink has kind = cellular"});
  if (modem::ppp_unit(uplink->interface))
    return fail(Error{Code::bad_dial_settings, "[uplink." + uplink->name + "] interface = " + uplink->interface +
                                                   " is a PPP interface; the net data path uses the stick's own"});
  if (!channel_) return fail(Error{Code::no_modem, "no channel"});
  bool automatic = uplink->interface_auto();
  net_ = NetSession{*commands, profile_->net, automatic ? std::string() : uplink->interface, plan.cid, false};
  if (!automatic) check_configured_interface(uplink->interface);
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  Duration limit = config_.ppp.connect_timeout;
  Duration look_for = std::min(kInterfaceWait, limit);
  if (!automatic) log_.notice() << "starting the data session on " << net_->interface << ": " << commands->connect;
  spawn([this, ch, gen, alive, limit, look_for, session = *net_]() -> boost::asio::awaitable<void> {
    // Plain statements only around each co_await (no temporaries in
    // conditions, no local lambdas): GCC 12's coroutine frames mishandle them.
    at::Command define{session.commands.define_context, {}, Duration{0}};
    at::Command connect{session.commands.connect, {}, Duration{0}};
    at::Command status{session.commands.status, {}, Duration{0}};
    at::Command address{session.commands.address, {}, Duration{0}};
    std::optional<Error> failed;
    boost::asio::steady_timer wait(io_);
    // interface = auto: the stick's interface beside its AT port, looked for
    // again for a moment when it is not there yet.
    TimePoint look_until = timers_.now() + look_for;
    if (!*alive || gen != generation_ || !net_) co_return;  // hung up before it ran
    while (net_->interface.empty()) {
      bool last_try = timers_.now() >= look_until;
      failed = find_session_interface(last_try);
      if (failed || !net_->interface.empty()) break;
      wait.expires_after(kInterfaceLookInterval);
      co_await wait.async_wait(boost::asio::use_awaitable);
      if (!*alive || gen != generation_ || !net_) co_return;
    }
    if (failed) {
      net_.reset();
      feed(ModemEvent{mev::Dialed{*failed, false}});
      co_return;
    }
    at::CommandResult r = co_await ch->run(define);
    if (!*alive || gen != generation_ || !net_) co_return;
    if (r) {
      r = co_await ch->run(connect);
      if (!*alive || gen != generation_ || !net_) co_return;
    }
    if (!r) failed = r.error();
    // The stick says OK at once and connects after; ask until it says so.
    TimePoint deadline = timers_.now() + limit;
    bool connected = false;
    while (!failed && !connected) {
      r = co_await ch->run(status);
      if (!*alive || gen != generation_ || !net_) co_return;
      if (!r) {
        failed = r.error();
        break;
      }
      auto c = modem::net_session_connected(session.forms.status_form, r->text(), session.cid);
      if (!c) {
        failed = c.error();
        break;
      }
      connected = *c;
      if (connected) break;
      if (timers_.now() >= deadline) {
        failed = session_timeout(net_->interface, session.commands.status, limit);
        break;
      }
      wait.expires_after(kStatusPollInterval);
      co_await wait.async_wait(boost::asio::use_awaitable);
      if (!*alive || gen != generation_ || !net_) co_return;
    }
    if (!failed && session.forms.address_form == modem::NetAddressForm::dhcp) {
      net_dhcp();
      co_return;
    }
    if (!failed) {
      r = co_await ch->run(address);
      if (!*alive || gen != generation_ || !net_) co_return;
      if (!r) failed = r.error();
    }
    if (failed) {
      net_.reset();
      feed(ModemEvent{mev::Dialed{*failed, false}});
      co_return;
    }
    auto ip = modem::net_session_address(session.forms.address_form, r->text(), session.cid);
    net_up(ip);
  });
}

// The session is connected and `ip` is the answer to its address query, or
// the lease its DHCP client got (again at each renew: an unchanged one is no
// news).
void ModemService::net_up(const modem::Result<at::IpConfig>& ip) {
  if (!ip) {
    if (net_ && net_->up) return net_lost("DHCP_LOST", ip.error().detail);
    net_.reset();
    stop_dhcp();
    feed(ModemEvent{mev::Dialed{ip.error(), false}});
    return;
  }
  bool first = !net_->up;
  net_->up = true;
  DataLinkReport up;
  up.up = true;
  up.path = DataPath::net;
  up.interface = net_->interface;
  up.address = Prefix{*ip->address, *ip->prefix_length};
  up.gateway = ip->gateway;
  if (ip->dns1) up.dns.push_back(*ip->dns1);
  if (ip->dns2) up.dns.push_back(*ip->dns2);
  link_ = ppp::LinkInfo{net_->interface, ip->address->text(), ip->gateway->text(), {}, {}, {}};
  for (const IpAddress& d : up.dns) link_.dns.push_back(d.text());
  if (first) link_up_at_ = timers_.now();
  if (first || up != report_)
    log_.notice() << "data session up on " << net_->interface << ": " << up.address->text() << " via "
                  << up.gateway->text() << (dhcp_link_ ? " (DHCP)" : "");
  report_link(std::move(up));
  if (first) feed(ModemEvent{mev::Dialed{std::nullopt, false}});
}

// The session is connected; its address comes by DHCP. The interface goes up
// first (the network side does that on a report without an address), then
// udhcpc asks the stick.
void ModemService::net_dhcp() {
  if (!dhcp_starter_) {
    net_.reset();
    feed(
        ModemEvent{mev::Dialed{Error{Code::bad_dial_settings,
                                     "the address of this stick's session comes by DHCP, and no DHCP client is set up"},
                               false}});
    return;
  }
  DataLinkReport link;
  link.up = true;
  link.path = DataPath::net;
  link.interface = net_->interface;
  report_link(std::move(link));
  stop_dhcp();
  auto alive = alive_;
  dhcp_link_ = dhcp_starter_->start(
      net_->interface, config_.ppp.connect_timeout,
      DhcpCallbacks{[this, alive](const dhcp::Lease& lease) {
                      if (!*alive || !net_ || !dhcp_link_) return;
                      at::IpConfig ip;
                      ip.address = lease.address;
                      ip.prefix_length = lease.subnet.length;
                      if (!lease.routers.empty()) ip.gateway = lease.routers.front();
                      if (!lease.dns.empty()) ip.dns1 = lease.dns.front();
                      if (lease.dns.size() > 1) ip.dns2 = lease.dns[1];
                      if (!ip.gateway)
                        return net_up(Error{Code::dhcp_failed, "the lease of " + lease.address.text() + " on " +
                                                                   lease.interface + " names no router"});
                      net_up(ip);
                    },
                    [this, alive](const std::string& code, const std::string& detail) {
                      if (*alive && net_ && dhcp_link_) dhcp_lost(code, detail);
                    }});
}

void ModemService::dhcp_lost(const std::string& code, const std::string& detail) {
  if (code == "DRY_RUN") {  // as the dry-run pppd link: the link ends at once, nothing to retry
    net_.reset();
    stop_dhcp();
    on_link_down(mev::LinkDown{code, detail, mev::LinkDown::Kind::local});
    return;
  }
  if (net_->up) return net_lost(code, "the session's DHCP lease: " + detail);
  net_.reset();
  stop_dhcp();
  report_link(down_report());
  feed(ModemEvent{mev::Dialed{Error{Code::dhcp_failed, code + ": " + detail}, false}});
}

// Asks udhcpc to release and end; it is kept until the next session or the
// service's end, so it can.
void ModemService::stop_dhcp() {
  if (!dhcp_link_) return;
  dhcp_link_->stop();
  dhcp_stopping_ = std::move(dhcp_link_);
}

void ModemService::hang_up_net() {
  auto session = *net_;
  net_.reset();
  stop_dhcp();
  if (!channel_) {
    on_link_down(mev::LinkDown{"STOPPED", "the session ended with the modem's port", mev::LinkDown::Kind::requested});
    return;
  }
  auto ch = channel_;
  auto alive = alive_;
  log_.notice() << "ending the data session on " << session.interface << ": " << session.commands.disconnect;
  spawn([this, ch, alive, session]() -> boost::asio::awaitable<void> {
    at::Command disconnect{session.commands.disconnect, {}, Duration{0}};
    at::CommandResult r = co_await ch->run(disconnect);
    if (!*alive) co_return;
    net_ended(r, session.commands.disconnect);
  });
}

void ModemService::stop(std::function<void()> done) {
  stopping_ = true;
  if (hilink_api_ && hilink_switched_ && (hilink_lease_ || hilink_no_dhcp_)) return hilink_stop(std::move(done));
  if (!net_ || !channel_) {
    boost::asio::post(io_, std::move(done));
    return;
  }
  auto session = *net_;
  net_.reset();
  stop_dhcp();
  auto ch = channel_;
  auto alive = alive_;
  log_.notice() << "stopping: ending the data session on " << session.interface << ": " << session.commands.disconnect;
  spawn([this, ch, alive, session, done = std::move(done)]() -> boost::asio::awaitable<void> {
    at::Command disconnect{session.commands.disconnect, {}, Duration{0}};
    at::CommandResult r = co_await ch->run(disconnect);
    if (*alive) farewell_said(r);
    done();
  });
}

void ModemService::farewell_said(const at::CommandResult& result) {
  if (result)
    log_.notice() << "the data session is ended";
  else
    log_.warning() << "ending the data session: " << describe(result.error());
}

void ModemService::net_ended(const at::CommandResult& result, const std::string& command) {
  if (!result) log_.warning() << "ending the data session: " << describe(result.error());
  on_link_down(
      mev::LinkDown{"STOPPED", "the data session was ended (" + command + ")", mev::LinkDown::Kind::requested});
}

void ModemService::on_net_urc(const std::string& line) {
  if (!net_ || !net_->up || net_->forms.status_urc.empty() || line.rfind(net_->forms.status_urc, 0) != 0) return;
  auto connected = modem::net_session_connected(net_->forms.status_form, line, net_->cid);
  if (!connected) {
    log_.warning() << "unreadable session status: " << describe(connected.error());
    return;
  }
  if (!*connected) net_lost("NET_DISCONNECTED", "the stick reported the session down: " + clean_text(line, 120));
}

void ModemService::poll_net_status() {
  if (!net_ || !net_->up || !channel_ || net_->commands.status.empty()) return;
  auto ch = channel_;
  auto gen = generation_;
  auto alive = alive_;
  auto session = *net_;
  spawn([this, ch, gen, alive, session]() -> boost::asio::awaitable<void> {
    at::Command status{session.commands.status, {}, Duration{0}};
    at::CommandResult r = co_await ch->run(status);
    if (!*alive || gen != generation_ || !net_ || !net_->up) co_return;
    net_status(r, session);
  });
}

void ModemService::net_status(const at::CommandResult& result, const NetSession& session) {
  if (!result) return;  // the poll's own failures speak for the stick
  auto connected = modem::net_session_connected(session.forms.status_form, result->text(), session.cid);
  if (connected && !*connected)
    net_lost("NET_DISCONNECTED", "the stick reports the session down (" + session.commands.status + ")");
}

void ModemService::net_lost(const std::string& code, const std::string& detail) {
  if (!net_) return;
  log_.warning() << "data session on " << net_->interface << " lost: " << detail;
  net_.reset();
  stop_dhcp();
  on_link_down(mev::LinkDown{code, detail, mev::LinkDown::Kind::link});
}

std::optional<Error> ModemService::find_session_interface(bool last_try) {
  const UplinkConfig* uplink = config_.modem_uplink();
  std::string name = uplink ? uplink->name : std::string("?");
  std::string beside = "no network interface beside the AT port " + at_tty_;
  if (!usb_device_)
    return Error{Code::no_net_interface, beside +
                                             ": it is not a USB tty, so there is no USB device to look in; name "
                                             "the interface in [uplink." +
                                             name + "] interface"};
  auto found = modem::find_net_interface(options_.sysfs_root, *usb_device_, profile_->net.rmnet);
  if (!found) {
    if (found.code() == Code::no_net_interface && !last_try) {
      log_.debug() << beside << " yet (" << found.error().detail << "); looking again";
      return std::nullopt;
    }
    return Error{found.code(), beside + ": " + found.error().detail};
  }
  SessionInterface chosen = session_interface(kAutoInterface, found->chosen.name);
  net_->interface = chosen.name;
  if (net_interface_ != chosen.name) log_.notice() << "uplink[" << name << "] interface = auto: " << found->how;
  net_interface_ = chosen.name;
  log_.notice() << "starting the data session on " << net_->interface << ": " << net_->commands.connect;
  report_link(down_report());  // the network side binds the uplink before the session is up
  return std::nullopt;
}

void ModemService::check_configured_interface(const std::string& configured) {
  if (!usb_device_) return;  // a tty outside USB: nothing to compare with
  auto found = modem::find_net_interface(options_.sysfs_root, *usb_device_, profile_->net.rmnet);
  SessionInterface s =
      session_interface(configured, found ? std::optional<std::string>(found->chosen.name) : std::nullopt);
  if (s.warning != interface_warning_ && !s.warning.empty()) log_.warning() << s.warning;
  interface_warning_ = s.warning;
}

DataLinkReport ModemService::down_report() const {
  DataLinkReport r;
  if (!net_interface_.empty()) {
    r.path = DataPath::net;
    r.interface = net_interface_;
  }
  return r;
}

void ModemService::report_link(DataLinkReport report) {
  if (report == report_) return;
  report_ = std::move(report);
  if (on_data_link_) on_data_link_(report_);
}

}  // namespace fb::core
