#include "ddns_runner.hpp"

namespace fb::test {

namespace ev = fb::core::ddns_event;
namespace act = fb::core::ddns_action;

DdnsRunner::DdnsRunner(boost::asio::io_context& io, fb::ddns::ClientSettings settings, fb::core::DdnsPolicy policy,
                       std::string state_path, std::function<double()> random)
    : io_(io),
      client_(io, settings),
      state_file_(std::move(state_path), settings.provider, settings.hostname),
      scheduler_("ddns[" + settings.hostname + "]", fb::core::mode_for(settings.provider), policy, std::move(random)),
      timer_(io) {}

DdnsRunner::~DdnsRunner() {
  *alive_ = false;
  timer_.cancel();
}

void DdnsRunner::start(std::optional<IpAddress> local) {
  feed(ev::Start{state_file_.load(), std::move(local)});
}
void DdnsRunner::address_changed(const IpAddress& address) {
  feed(ev::AddressChanged{address});
}
void DdnsRunner::address_lost() {
  feed(ev::AddressLost{});
}
void DdnsRunner::config_reloaded() {
  feed(ev::ConfigReloaded{});
}

void DdnsRunner::feed(const fb::core::DdnsEvent& event) {
  for (const auto& action : scheduler_.handle(event, std::chrono::steady_clock::now())) perform(action);
}

void DdnsRunner::perform(const fb::core::DdnsAction& action) {
  if (std::holds_alternative<act::SendGet>(action)) {
    client_.get([this](const fb::ddns::Reply& r) { feed(ev::GetFinished{r}); });
  } else if (auto* s = std::get_if<act::SendSet>(&action)) {
    client_.set(s->address, [this](const fb::ddns::Reply& r) { feed(ev::SetFinished{r}); });
  } else if (auto* t = std::get_if<act::ArmTimer>(&action)) {
    timer_.expires_at(t->deadline);
    auto alive = alive_;
    timer_.async_wait([this, alive](const boost::system::error_code& ec) {
      if (*alive && !ec) feed(ev::TimerFired{});
    });
  } else if (std::holds_alternative<act::CancelTimer>(action)) {
    timer_.cancel();
  } else if (auto* p = std::get_if<act::Persist>(&action)) {
    std::string error = state_file_.store(p->published);
    if (!error.empty()) fb::Logger("ddns").warning() << "state file: " << error;
  }
  // Report: the status is read through status() here; the daemon copies it into /status.
}

}  // namespace fb::test
