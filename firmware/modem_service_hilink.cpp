// ModemService: the HiLink data path ([modem] data = hilink, or data = auto
// when discovery finds a HiLink stick on USB). A router-mode
// stick has no AT port: its HTTP API (HiLinkApi, over
// fb::hilink::HiLinkClient) answers what the AT session answers on other
// sticks — the probe, the SIM, registration, operator and signal — and
// switches mobile data on and off; "modem reset" is the API's reboot. The
// stick is an Ethernet uplink: its own DHCP server leases the uplink's
// interface an address (udhcpc through the DhcpStarter, as the net path),
// the API is reached through that lease, and the lease goes to the network
// side in a DataLinkReport like the net path's. Mobile data reported
// disconnected by a poll, or the lease lost while connected, is a carrier
// loss (LinkDown, as NET_DISCONNECTED). ModemMachine drives it all without
// knowing the path.
#include <sys/stat.h>

#include "fb/hilink/goform.hpp"
#include "fb/hilink/modem_view.hpp"
#include "fb/modem/discovery.hpp"
#include "fb/modem/net_discovery.hpp"
#include "modem_service_internal.hpp"

namespace fb::core {

using modem::Code;
using modem::Error;

namespace {

constexpr auto kStatusInterval = std::chrono::seconds(1);  // while mobile data connects
constexpr auto kExitLimit = std::chrono::seconds(3);       // data off at the service's end

std::string seconds_text(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

}  // namespace

bool ModemService::hilink_configured() const {
  const UplinkConfig* uplink = config_.modem_uplink();
  return uplink && uplink->kind == UplinkKind::cellular && config_.modem.data == modem::DataPath::hilink;
}

bool ModemService::hilink() const {
  if (hilink_configured()) return true;
  const UplinkConfig* uplink = config_.modem_uplink();
  return auto_hilink_ && uplink && uplink->kind == UplinkKind::cellular && !config_.modem.data;
}

// data = auto and the stick on USB is a HiLink one: from here on its API
// answers the machine (hilink() is true until the next scan). Its interface
// is the uplink's name, or with interface = auto the one of the same USB
// device (cdc_ether); none yet is NO_NET_INTERFACE, looked for at the next
// scan.
void ModemService::hilink_found(const modem::FoundModem& found, const modem::Profile& profile) {
  auto_hilink_ = true;
  mev::Scanned s;
  profile_ = &profile;
  usb_id_ = found.device.id;
  usb_port_ = found.device.port;
  usb_device_ = found.device;
  storage_device_.reset();
  data_tty_.clear();
  s.description = modem::to_string(found.device.id) + " " + found.device.product + " at " + found.device.port;
  const UplinkConfig* uplink = config_.modem_uplink();
  if (uplink && uplink->interface_auto()) {
    auto net = modem::find_net_interface(options_.sysfs_root, found.device, false);
    if (!net) {
      s.error = Error{net.code(), "HiLink stick " + s.description + ": " + net.error().detail};
      feed(ModemEvent{std::move(s)});
      return;
    }
    if (hilink_interface_ != net->chosen.name)
      log_.notice() << "uplink[" << uplink->name << "] interface = auto: " << net->how;
    hilink_interface_ = net->chosen.name;
  } else {
    hilink_interface_ = uplink ? uplink->interface : std::string();
  }
  s.description += "; " + hilink_api_name() + " at " + hilink_base_url() + " on " + hilink_interface_;
  feed(ModemEvent{std::move(s)});
}

// The stick on USB (its port for the power-cycle rung; a storage-mode one is
// switched first), or, with device = api, only its API.
void ModemService::hilink_scan() {
  const ModemDevice& d = config_.modem.device;
  mev::Scanned s;
  auto api = [this] { return hilink_api_name() + " at " + hilink_base_url(); };  // once profile_ and usb_id_ are set
  if (const UplinkConfig* u = config_.modem_uplink()) hilink_interface_ = u->interface;
  set_path_choice({modem::DataPath::hilink, "[modem] data = hilink"});
  profile_ = config_.modem.profile ? &modem::profile(*config_.modem.profile) : &modem::profile(modem::Vendor::huawei);
  if (d.api_only()) {
    usb_id_.reset();
    usb_port_.clear();
    storage_device_.reset();
    s.description = api() + " (device = api: not looked for on USB)";
    feed(ModemEvent{std::move(s)});
    return;
  }
  auto found = modem::locate_modem(modem::scan_usb(options_.sysfs_root), d.selector);
  if (!found) {
    s.error = Error{found.error().code, found.error().detail + " (data = hilink; device = api drives " +
                                            hilink_base_url() + " without looking on USB)"};
    feed(ModemEvent{std::move(s)});
    return;
  }
  usb_id_ = found->device.id;
  usb_port_ = found->device.port;
  if (found->profile && !config_.modem.profile) profile_ = found->profile;
  s.description = modem::to_string(found->device.id) + " " + found->device.product + " at " + found->device.port;
  s.storage = found->state == modem::FoundModem::State::storage;
  if (s.storage)
    storage_device_ = found->device;
  else
    storage_device_.reset();
  if (!s.storage) s.description += "; " + api();
  feed(ModemEvent{std::move(s)});
}

ModemService::RouterApiChoice ModemService::hilink_router_api() const {
  if (config_.modem.router_api)
    return {config_.modem.router_api,
            "[modem] router_api = " + std::string(modem::to_string(*config_.modem.router_api))};
  if (!profile_) return {std::nullopt, "auto: no stick found yet"};
  const modem::ModemModel* model = nullptr;
  if (usb_id_)
    if (auto match = modem::find_modem(*usb_id_)) model = match->model;
  auto api = modem::router_api_of(*profile_, model);
  std::string stick = usb_id_ ? modem::to_string(*usb_id_) + (model ? " " + std::string(model->models) : std::string())
                              : "the " + std::string(profile_->name) + " profile (no USB id: device = api)";
  if (!api)
    return {std::nullopt, "auto: " + stick +
                              " speaks no router API failberry knows; set [modem] router_api = huawei "
                              "or zte"};
  return {api, "auto: " + stick + (model && model->router_api ? "" : " (by vendor)")};
}

std::string ModemService::hilink_api_name() const {
  return hilink_router_api().api == modem::RouterApi::zte ? "ZTE goform API" : "HiLink API";
}

std::string ModemService::hilink_base_url() const {
  if (!config_.modem.hilink_url.empty()) return config_.modem.hilink_url;
  if (hilink_router_api().api == modem::RouterApi::zte) return std::string(hilink::kZteDefaultBaseUrl);
  return std::string(hilink::kDefaultBaseUrl);
}

modem::Result<void> ModemService::hilink_open() {
  auto choice = hilink_router_api();
  std::string url = hilink_base_url();
  if (hilink_api_) {
    if (choice.api == hilink_choice_.api && url == hilink_opened_url_) return {};
    // Another stick (or a stick with another USB id) since the client was
    // built: speaking the old dialect to the old address would reach nothing.
    log_.notice() << "router API: " << modem::to_string(*hilink_choice_.api) << " at " << hilink_opened_url_
                  << " no longer fits (" << choice.why << "); opening it again";
    hilink_api_.reset();
  }
  hilink_choice_ = choice;
  hilink_opened_url_.clear();
  if (!hilink_opener_) return Error{Code::bad_dial_settings, "data = hilink, and no HiLink API client is set up"};
  if (!choice.api) return Error{Code::bad_dial_settings, choice.why};
  hilink::ClientSettings s;
  s.api = *choice.api;
  s.base_url = url;
  s.password_file = config_.modem.hilink_password_file;
  s.interface = hilink_interface_;
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.modem.command_timeout);
  s.request_timeout = timeout;
  s.connect_timeout = std::min(timeout, std::chrono::milliseconds(3000));
  auto api = hilink_opener_(s);
  if (!api) return hilink::modem_error(api.error());
  hilink_api_ = std::move(*api);
  hilink_opened_url_ = url;
  log_.info() << "router API: " << hilink_api_->describe() << " (" << choice.why << ")";
  return {};
}

// The API is reached through the stick's DHCP lease on the uplink's
// interface: `then` runs once there is one (at once when there is), or with
// why not.
void ModemService::hilink_with_lease(std::function<void(const modem::Result<void>&)> then) {
  auto alive = alive_;
  if (hilink_lease_ || hilink_no_dhcp_) {
    boost::asio::post(io_, [alive, then = std::move(then)] {
      if (*alive) then({});
    });
    return;
  }
  hilink_waiting_.push_back(std::move(then));
  if (dhcp_link_) return;  // asked already
  if (!dhcp_starter_ || hilink_interface_.empty()) {
    hilink_dhcp_lost("DHCP_NOT_SET_UP", "no DHCP client is set up for the stick's interface");
    return;
  }
  DataLinkReport link;  // the network side puts the interface up first (and binds an interface = auto uplink)
  link.up = true;
  link.path = modem::DataPath::hilink;
  link.interface = hilink_interface_;
  report_link(std::move(link));
  dhcp_link_ = dhcp_starter_->start(hilink_interface_, config_.ppp.connect_timeout,
                                    DhcpCallbacks{[this, alive](const dhcp::Lease& lease) {
                                                    if (*alive && dhcp_link_) hilink_leased(lease);
                                                  },
                                                  [this, alive](const std::string& code, const std::string& detail) {
                                                    if (*alive && dhcp_link_) hilink_dhcp_lost(code, detail);
                                                  }});
}

void ModemService::hilink_leased(const dhcp::Lease& lease) {
  if (lease.routers.empty()) {
    hilink_dhcp_lost("DHCP_NO_ROUTER", "the lease of " + lease.address.text() + " on " + lease.interface +
                                           " names no router (the stick)");
    return;
  }
  bool first = !hilink_lease_;
  hilink_lease_ = lease;
  DataLinkReport up;
  up.up = true;
  up.path = modem::DataPath::hilink;
  up.interface = lease.interface;
  up.address = Prefix{lease.address, lease.subnet.length};
  up.gateway = lease.routers.front();
  up.dns = lease.dns;
  if (first)
    log_.notice() << "the stick leased " << up.address->text() << " on " << up.interface << " via "
                  << up.gateway->text() << " (DHCP)";
  report_link(std::move(up));
  if (!first) return;
  auto waiting = std::move(hilink_waiting_);
  hilink_waiting_.clear();
  for (auto& then : waiting) then({});
}

void ModemService::hilink_dhcp_lost(const std::string& code, const std::string& detail) {
  if (code == "DRY_RUN") {
    // No udhcpc: the API is reached with whatever the interface has already.
    hilink_no_dhcp_ = true;
    dhcp_link_.reset();
    log_.notice() << "dry-run: no DHCP client on the stick's interface; the API is read only if the interface "
                     "has an address already, and nothing is switched or rebooted";
    report_link(DataLinkReport{});
    auto waiting = std::move(hilink_waiting_);
    hilink_waiting_.clear();
    for (auto& then : waiting) then({});
    return;
  }
  if (hilink_up_) return hilink_lost(code, "the stick's DHCP lease: " + detail);
  hilink_lease_.reset();
  stop_dhcp();
  report_link(DataLinkReport{});
  log_.warning() << "no DHCP lease from the stick: " << code << ": " << detail;
  auto waiting = std::move(hilink_waiting_);
  hilink_waiting_.clear();
  for (auto& then : waiting) then(Error{Code::dhcp_failed, code + ": " + detail});
}

// The lease goes (udhcpc releases it) and the address with it.
void ModemService::hilink_release() {
  hilink_lease_.reset();
  stop_dhcp();
  hilink_waiting_.clear();
}

void ModemService::hilink_probe() {
  auto fail = [this](Error e) { events_.post(ModemEvent{mev::Probed{std::move(e), {}, {}}}); };
  if (auto opened = hilink_open(); !opened) return fail(opened.error());
  auto alive = alive_;
  hilink_with_lease([this, alive](const modem::Result<void>& leased) {
    if (!leased) {
      feed(ModemEvent{mev::Probed{leased.error(), {}, {}}});
      return;
    }
    if (!hilink_api_) return;
    hilink_api_->status([this, alive](hilink::Result<hilink::Status> status) {
      if (!*alive) return;
      mev::Probed p;
      if (!status) {
        p.error = hilink::modem_error(status.error());
      } else {
        p.identity.model = "HiLink stick";
        if (usb_id_) p.identity.model += " " + modem::to_string(*usb_id_);
        log_.info() << "HiLink stick answers: " << to_string(status->connection) << ", network " << status->rat();
      }
      feed(ModemEvent{p});
    });
  });
}

void ModemService::hilink_check_sim() {
  if (!hilink_api_) {
    mev::SimChecked s;
    s.error = Error{Code::no_modem, "no HiLink API"};
    events_.post(ModemEvent{s});
    return;
  }
  hilink_api_->status([this, alive = alive_](hilink::Result<hilink::Status> status) {
    if (!*alive) return;
    mev::SimChecked s;
    if (!status)
      s.error = hilink::modem_error(status.error());
    else
      s.sim = hilink::sim_state_of(*status);
    feed(ModemEvent{s});
  });
}

// status, then signal, plmn and traffic: one poll. A reading the stick does
// not give (an older firmware) leaves its part of the status empty; the
// status itself is what the poll needs.
void ModemService::hilink_poll() {
  if (!hilink_api_) {
    events_.post(ModemEvent{mev::Polled{Error{Code::no_modem, "no HiLink API"}, {}}});
    return;
  }
  auto alive = alive_;
  hilink_api_->status([this, alive](hilink::Result<hilink::Status> status) {
    if (!*alive || !hilink_api_) return;
    if (!status) {
      feed(ModemEvent{mev::Polled{hilink::modem_error(status.error()), {}}});
      return;
    }
    hilink_api_->signal([this, alive, st = *status](hilink::Result<hilink::Signal> signal) {
      if (!*alive || !hilink_api_) return;
      std::optional<hilink::Signal> sig;
      if (signal) sig = *signal;
      hilink_api_->plmn([this, alive, st, sig](hilink::Result<hilink::Plmn> plmn) {
        if (!*alive || !hilink_api_) return;
        std::optional<hilink::Plmn> net;
        if (plmn) net = *plmn;
        if (!hilink_polled(st, sig, net) || !hilink_api_) return;
        hilink_api_->traffic([this, alive](hilink::Result<hilink::Traffic> traffic) {
          if (*alive && traffic && traffic->current_download && traffic->current_upload)
            log_.debug() << "HiLink traffic this session: " << *traffic->current_download << " bytes down, "
                         << *traffic->current_upload << " up";
        });
      });
    });
  });
}

// False when the poll found the session lost.
bool ModemService::hilink_polled(const hilink::Status& status, const std::optional<hilink::Signal>& signal,
                                 const std::optional<hilink::Plmn>& plmn) {
  mev::Polled p;
  auto reg = hilink::registration_of(status);
  if (reg && reg->domain == at::RegDomain::eps)
    p.facts.eps = reg;
  else if (reg)
    p.facts.ps = reg;
  if (signal) p.facts.signal = hilink::signal_report(*signal, status.tech);
  if (plmn) p.facts.network = hilink::operator_of(*plmn, status);
  bool lost = hilink_up_ && status.connection != hilink::Connection::connected;
  feed(ModemEvent{p});
  if (!lost || !hilink_up_) return true;
  hilink_lost("NET_DISCONNECTED", "the stick reports mobile data " + std::string(to_string(status.connection)) + " (" +
                                      status.connection_printed() + ")");
  return false;
}

// Data on: the lease first (the API is reached through it), then the switch,
// then the status until it says connected within [ppp] connect_timeout.
void ModemService::hilink_dial() {
  auto gen = ++hilink_gen_;
  auto fail = [this, gen](Error e) { hilink_dial_failed(gen, e); };
  if (auto opened = hilink_open(); !opened) return fail(opened.error());
  link_ = {};
  link_up_at_.reset();
  TimePoint deadline = timers_.now() + config_.ppp.connect_timeout;
  auto alive = alive_;
  hilink_with_lease([this, alive, gen, deadline](const modem::Result<void>& leased) {
    if (gen != hilink_gen_ || !hilink_api_) return;
    if (!leased) return hilink_dial_failed(gen, leased.error());
    if (!hilink_api_->switches()) {
      // Dry-run: nothing is switched; mobile data already on is followed.
      hilink_api_->set_data(true, [](hilink::Result<void>) {});
      hilink_api_->status([this, alive, gen](hilink::Result<hilink::Status> status) {
        if (!*alive || gen != hilink_gen_) return;
        if (status && status->connection == hilink::Connection::connected) return hilink_connected(gen);
        ++hilink_gen_;
        on_link_down(
            mev::LinkDown{"DRY_RUN",
                          "dry-run: mobile data is " +
                              (status ? std::string(to_string(status->connection)) : describe(status.error())) +
                              " on the stick and is not switched on",
                          mev::LinkDown::Kind::local});
      });
      return;
    }
    log_.notice() << "switching mobile data on through the API (" << hilink_opened_url_ << ")";
    hilink_api_->set_data(true, [this, alive, gen, deadline](hilink::Result<void> r) {
      if (!*alive || gen != hilink_gen_) return;
      if (!r) return hilink_dial_failed(gen, hilink::modem_error(r.error()));
      hilink_switched_ = true;
      hilink_wait_connected(deadline, gen);
    });
  });
}

void ModemService::hilink_wait_connected(TimePoint deadline, std::uint64_t gen) {
  if (!hilink_api_) return;
  hilink_api_->status([this, alive = alive_, deadline, gen](hilink::Result<hilink::Status> status) {
    if (!*alive || gen != hilink_gen_) return;
    if (!status) return hilink_dial_failed(gen, hilink::modem_error(status.error()));
    if (status->connection == hilink::Connection::connected) return hilink_connected(gen);
    if (timers_.now() >= deadline)
      return hilink_dial_failed(
          gen, Error{Code::network_timeout, "mobile data was not connected within " +
                                                seconds_text(config_.ppp.connect_timeout) + " of switching it on (" +
                                                std::string(to_string(status->connection)) + ", " +
                                                status->connection_printed() + ")"});
    hilink_timer_.arm_after(kStatusInterval, [this, deadline, gen] { hilink_wait_connected(deadline, gen); });
  });
}

void ModemService::hilink_connected(std::uint64_t gen) {
  if (gen != hilink_gen_) return;
  hilink_up_ = true;
  link_.interface = hilink_interface_;
  if (hilink_lease_) {
    link_.local = hilink_lease_->address.text();
    if (!hilink_lease_->routers.empty()) link_.remote = hilink_lease_->routers.front().text();
    for (const IpAddress& d : hilink_lease_->dns) link_.dns.push_back(d.text());
  }
  link_up_at_ = timers_.now();
  log_.notice() << "data session up on " << link_.interface << ": mobile data connected"
                << (link_.local.empty() ? std::string() : ", " + link_.local + " via " + link_.remote) << " (HiLink)";
  feed(ModemEvent{mev::Dialed{std::nullopt, false}});
}

void ModemService::hilink_dial_failed(std::uint64_t gen, const Error& error) {
  if (gen != hilink_gen_) return;
  ++hilink_gen_;
  hilink_timer_.cancel();
  feed(ModemEvent{mev::Dialed{error, false}});
}

// Data off through the API, then the lease and the address go.
void ModemService::hilink_hang_up() {
  auto gen = ++hilink_gen_;
  hilink_timer_.cancel();
  hilink_up_ = false;
  auto done = [this, gen](const std::string& detail) {
    if (gen != hilink_gen_) return;
    hilink_release();
    on_link_down(mev::LinkDown{"STOPPED", detail, mev::LinkDown::Kind::requested});
  };
  if (!hilink_api_) {
    events_.post(ModemEvent{mev::LinkDown{"STOPPED", "no HiLink API", mev::LinkDown::Kind::requested}});
    return;
  }
  log_.notice() << "switching mobile data off through the API";
  hilink_api_->set_data(false, [this, alive = alive_, done](hilink::Result<void> r) {
    if (!*alive) return;
    if (!r) log_.warning() << "switching mobile data off: " << describe(r.error());
    hilink_switched_ = false;
    done(r ? "mobile data switched off through the API" : "the data switch-off failed: " + describe(r.error()));
  });
}

void ModemService::hilink_lost(const std::string& code, const std::string& detail) {
  ++hilink_gen_;
  hilink_timer_.cancel();
  hilink_up_ = false;
  log_.warning() << "data session on " << link_.interface << " lost: " << detail;
  hilink_release();
  on_link_down(mev::LinkDown{code, detail, mev::LinkDown::Kind::link});
}

// The "modem reset" rung: the stick reboots; its web server and DHCP server
// go away for a while, the machine closes and looks for it again.
void ModemService::hilink_reset() {
  if (auto opened = hilink_open(); !opened) {
    events_.post(ModemEvent{mev::ResetDone{opened.error()}});
    return;
  }
  auto alive = alive_;
  hilink_with_lease([this, alive](const modem::Result<void>& leased) {
    if (!*alive) return;
    if (!leased || !hilink_api_) {
      feed(ModemEvent{mev::ResetDone{leased ? Error{Code::no_modem, "no HiLink API"} : leased.error()}});
      return;
    }
    log_.notice() << "rebooting the stick through the API";
    hilink_api_->reboot([this, alive](hilink::Result<void> r) {
      if (!*alive) return;
      if (!r) {
        feed(ModemEvent{mev::ResetDone{hilink::modem_error(r.error())}});
        return;
      }
      hilink_switched_ = false;
      feed(ModemEvent{mev::ResetDone{}});
    });
  });
}

// The machine's Close (after a reset, before a power cycle): the session,
// the lease and the API's session go; the next probe starts afresh.
void ModemService::hilink_close() {
  ++hilink_gen_;
  hilink_timer_.cancel();
  hilink_up_ = false;
  hilink_release();
  hilink_no_dhcp_ = false;
  link_ = {};
  link_up_at_.reset();
  report_link(DataLinkReport{});
  hilink_api_.reset();
}

// stop(): mobile data off through the API while the lease is still in place
// (the API is reached through it), on the daemon's io_context, waiting for
// the answer at most kExitLimit.
void ModemService::hilink_stop(std::function<void()> done) {
  hilink_switched_ = false;  // the destructor has nothing left to switch off
  auto once = std::make_shared<std::function<void()>>(std::move(done));
  auto finish = [once] {
    if (!*once) return;
    auto f = std::move(*once);
    *once = nullptr;
    f();
  };
  hilink_exit_timer_.arm_after(kExitLimit, [this, finish] {
    log_.warning() << "mobile data may be left on: no answer within "
                   << std::chrono::duration_cast<std::chrono::milliseconds>(kExitLimit).count() << " ms";
    finish();
  });
  auto alive = alive_;
  hilink_api_->set_data(false, [this, alive, finish](hilink::Result<void> r) {
    if (!*alive) return;
    hilink_exit_timer_.cancel();
    if (r)
      log_.notice() << "mobile data switched off through the API";
    else
      log_.warning() << "mobile data may be left on: " << describe(r.error());
    finish();
  });
}

void ModemService::hilink_exit() {
  if (hilink_api_ && hilink_switched_ && (hilink_lease_ || hilink_no_dhcp_)) hilink_api_->data_off_at_exit(kExitLimit);
}

}  // namespace fb::core
