// ModemService: the data path — dial on the data port (the AT port when the
// stick has only one), hand the CONNECTed tty to the DataLinkStarter (pppd,
// through PppdRunner), hang up, and take the line back when the link ends.
#include <unistd.h>

#include <filesystem>

#include "fb/at/fields.hpp"
#include "fb/modem/dial.hpp"
#include "modem_service_internal.hpp"

namespace fb::core {

namespace fs = std::filesystem;
using modem::Code;
using modem::Error;

void ModemService::dial() {
  if (hilink()) return hilink_dial();
  auto path = data_path();
  if (!path) {
    events_.post(ModemEvent{mev::Dialed{path.error(), false}});
    return;
  }
  auto plan = dial_plan();
  if (!plan) {
    events_.post(ModemEvent{mev::Dialed{plan.error(), false}});
    return;
  }
  if (*path == modem::DataPath::net) {
    if (profile_ && !profile_->net_mode.query.empty())
      check_net_mode(*plan);
    else
      connect_net(*plan);
    return;
  }
  dial_ppp(*plan);
}

void ModemService::dial_ppp(const modem::DialPlan& plan) {
  auto fail = [this](Error e) { events_.post(ModemEvent{mev::Dialed{std::move(e), false}}); };
  auto steps = modem::dial_steps(plan);
  if (!steps) return fail(steps.error());
  ppp::PppdRunner::Options po;
  po.settings.pppd = config_.ppp.pppd;
  po.settings.lcp_echo_interval = config_.ppp.lcp_echo_interval;
  po.settings.lcp_echo_failure = config_.ppp.lcp_echo_failure;
  // The type the context is defined with (not the config's word, which may be unwritten).
  po.settings.ipv6 = plan.pdp_type != modem::PdpType::ip;    // an IPV6 or IPV4V6 context: IPv6CP too
  po.settings.ipv4 = plan.pdp_type != modem::PdpType::ipv6;  // an IPV6 context: no IPCP
  if (const UplinkConfig* u = config_.modem_uplink())
    if (auto unit = modem::ppp_unit(u->interface)) po.settings.unit = *unit;
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
                                                          DataLinkReport up;
                                                          up.up = true;
                                                          up.interface = link.interface;
                                                          report_link(std::move(up));
                                                          feed(ModemEvent{mev::Dialed{std::nullopt, port_shared_}});
                                                        },
                                                        [this, alive](const mev::LinkDown& down) {
                                                          if (*alive) on_link_down(down);
                                                        }});
    ::close(fd);  // the link has its own copy, or none
  });
}

void ModemService::hang_up() {
  if (hilink()) return hilink_hang_up();
  if (net_) return hang_up_net();
  if (data_link_ && data_link_->running()) {
    data_link_->stop();
    return;
  }
  events_.post(ModemEvent{mev::LinkDown{"STOPPED", "pppd was not running", mev::LinkDown::Kind::requested}});
}

void ModemService::on_link_down(const mev::LinkDown& down) {
  report_link(down_report());
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

}  // namespace fb::core
