#include "fb/core/ddns_service.hpp"

#include <chrono>

#include "fb/core/core_events.hpp"
#include "fb/event.hpp"

namespace fb::core {

namespace ev = ddns_event;
namespace act = ddns_action;
using fb::ddns::RequestKind;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string interface_of(const Config& config) {
  const UplinkConfig* u = config.find_uplink(config.ddns.uplink);
  return u ? u->interface : std::string();  // the parser guarantees the uplink exists
}

}  // namespace

DdnsService::Identity DdnsService::identity_of(const Config& c) {
  const UplinkConfig* u = c.find_uplink(c.ddns.uplink);
  return {c.ddns.provider,
          c.ddns.hostname,
          c.ddns.uplink,
          interface_of(c),
          c.general.state_dir,
          c.ddns.interval,
          u && is_modem_link(u->kind),
          c.ddns.publish_behind_nat};
}

DdnsService::DdnsService(boost::asio::io_context& io, TimerService& timers, AddressBook& addresses,
                         const Config& config, std::unique_ptr<DdnsSender> sender, fb::ddns::Family family)
    : io_(io),
      timers_(timers),
      addresses_(addresses),
      family_(family),
      identity_(identity_of(config)),
      provider_text_(fb::ddns::to_string(*config.ddns.provider)),
      log_(family == fb::ddns::Family::ipv4 ? "ddns" : "ddns6"),
      state_file_(config.general.state_dir + "/ddns.json", *config.ddns.provider, config.ddns.hostname, family),
      sender_(std::move(sender)),
      withheld_(sender_->withheld(identity_.hostname, identity_.uplink)),
      random_(std::random_device{}()) {
  client_ = make_client(config);
  if (withheld_) {
    log_.notice() << withheld_->notice;
    return;
  }
  auto follow = [this](const std::string& uplink, const std::optional<IpAddress>& address) {
    if (uplink != identity_.uplink) return;
    if (address)
      feed(ev::AddressChanged{*address});
    else
      feed(ev::AddressLost{});
  };
  listener_ = family_ == fb::ddns::Family::ipv4 ? addresses_.listen(follow) : addresses_.listen_ipv6(follow);
  if (client_) start_scheduler();
}

DdnsService::~DdnsService() {
  if (listener_) addresses_.unlisten(listener_);
  client_.reset();  // aborts a request in flight; its callback is not called
  retired_.reset();
}

fb::ddns::ClientSettings DdnsService::client_settings(const Config& c) const {
  fb::ddns::ClientSettings s;
  s.provider = *c.ddns.provider;
  s.url = c.ddns.url;
  s.hostname = c.ddns.hostname;
  s.secret_file = c.ddns.secret_file;
  s.api_key_file = c.ddns.api_key_file;
  s.credentials_file = c.ddns.credentials_file;
  s.zone_id = c.ddns.zone_id;
  s.ttl = c.ddns.ttl;
  s.interface = interface_of(c);  // the server publishes the source address it sees
  s.ca_file = c.ddns.ca_file;
  s.family = family_;
  return s;
}

std::unique_ptr<DdnsRequests> DdnsService::make_client(const Config& config) {
  try {
    auto client = sender_->open(client_settings(config));
    setup_code_.clear();
    setup_detail_.clear();
    log_.info() << client->describe() << " via uplink[" << identity_.uplink << "] (" << identity_.interface << ")";
    return client;
  } catch (const fb::ddns::SetupError& e) {
    setup_code_ = e.code();
    setup_detail_ = e.what();
  } catch (const std::exception& e) {
    setup_code_ = code_name(fb::ddns::SetupCode::config_error);
    setup_detail_ = e.what();
  }
  log_.error() << setup_code_ << ": " << setup_detail_;
  return nullptr;
}

void DdnsService::start_scheduler() {
  DdnsPolicy policy;
  policy.verify_interval = identity_.interval;
  policy.nat.uplink = identity_.uplink;
  policy.nat.modem_link = identity_.modem_link;
  policy.nat.publish_behind_nat = identity_.publish_behind_nat;
  std::string record = family_ == fb::ddns::Family::ipv4 ? "" : " " + std::string(fb::ddns::record_type(family_));
  scheduler_.emplace("ddns[" + identity_.hostname + record + "]", mode_for(*identity_.provider), policy,
                     [this] { return unit_(random_); });
  std::optional<fb::ddns::StateFile::Entry> stored = state_file_.load_entry();
  std::optional<IpAddress> published;
  if (stored) {
    published = stored->address;
    published_at_ = stored->at;  // this family's own time: with families = both they differ
  }
  std::optional<IpAddress> local = family_ == fb::ddns::Family::ipv4 ? addresses_.primary_ipv4(identity_.uplink)
                                                                     : addresses_.global_ipv6(identity_.uplink);
  feed(ev::Start{published, local});
  // No address yet (ppp not up): the first answer leads to waiting_for_address.
  if (!local) feed(ev::AddressLost{});
}

bool DdnsService::reload(const Config& config) {
  if (!(identity_of(config) == identity_)) return false;
  std::unique_ptr<DdnsRequests> fresh = make_client(config);
  if (!fresh) {
    if (client_) log_.error() << "keeping the running DDNS settings";
    return true;
  }
  if (client_ && client_->busy())
    retired_ = std::move(client_);  // its answer still reaches the core; the next request uses `fresh`
  client_ = std::move(fresh);
  if (withheld_) return true;
  if (scheduler_)
    feed(ev::ConfigReloaded{});
  else
    start_scheduler();  // the previous settings could not be used at all
  return true;
}

DdnsRequests& DdnsService::idle_client() {
  if (retired_ && !retired_->busy()) retired_.reset();
  return *client_;
}

void DdnsService::feed(const DdnsEvent& event) {
  if (!scheduler_) return;
  DdnsStatus before = scheduler_->status();
  for (const DdnsAction& action : scheduler_->handle(event, timers_.now())) {
    if (const auto* r = std::get_if<act::Report>(&action))
      if (auto e = ddns_failure(identity_.uplink, identity_.hostname, before, r->status))
        events::publish(std::move(*e));
    perform(action);
  }
}

void DdnsService::perform(const DdnsAction& action) {
  if (std::holds_alternative<act::SendGet>(action)) {
    // The AAAA record's get leaves from the address being published (lambda-v2 sees the source).
    std::optional<IpAddress> source;
    if (family_ == fb::ddns::Family::ipv6) source = addresses_.global_ipv6(identity_.uplink);
    idle_client().get(
        [this](const fb::ddns::Reply& r) {
          finished(RequestKind::get, r);
          feed(ev::GetFinished{r});
        },
        source);
  } else if (const auto* s = std::get_if<act::SendSet>(&action)) {
    idle_client().set(s->address, [this](const fb::ddns::Reply& r) {
      finished(RequestKind::set, r);
      feed(ev::SetFinished{r});
    });
  } else if (const auto* t = std::get_if<act::ArmTimer>(&action)) {
    timer_.arm(t->deadline, [this] { feed(ev::TimerFired{}); });
  } else if (std::holds_alternative<act::CancelTimer>(action)) {
    timer_.cancel();
  } else if (const auto* p = std::get_if<act::Persist>(&action)) {
    published_at_ = unix_now();
    std::string error = state_file_.store(p->published, published_at_);
    if (!error.empty())
      log_.warning() << "state file: " << error << " (a restart would publish " << p->published.text() << " again)";
    events::publish(ddns_published(identity_.uplink, identity_.hostname, p->published));
  }
  // Report: report() reads the core's status when /status asks.
}

void DdnsService::finished(RequestKind kind, const fb::ddns::Reply& reply) {
  last_request_ = fb::ddns::to_string(kind);
  last_outcome_ = fb::ddns::to_string(reply.outcome);
  last_result_at_ = unix_now();
  ++results_[{last_request_, last_outcome_}];
}

ControlAnswer DdnsService::update_requested() {
  const std::string& host = identity_.hostname;
  if (withheld_) return withheld_->answer;
  if (!scheduler_) return {false, setup_code_, "cannot update " + host + ": " + setup_detail_};
  DdnsScheduler::State before = scheduler_->state();
  feed(ev::UpdateRequested{});
  switch (before) {
    case DdnsScheduler::State::auth_failed:
      return {false, "DDNS_AUTH_FAILED",
              "the server refused our credentials; fix the secret, then reload failberryd (SIGHUP)"};
    case DdnsScheduler::State::waiting_for_address:
      return {false, "DDNS_NO_ADDRESS",
              "uplink " + identity_.uplink + " (" + identity_.interface + ") has no " +
                  (family_ == fb::ddns::Family::ipv4 ? "" : "global IPv6 ") + "address to publish"};
    case DdnsScheduler::State::idle: return {false, "DDNS_NOT_STARTED", "the DDNS scheduler has not started"};
    case DdnsScheduler::State::querying:
      return {true, "", "a get for " + host + " is in flight; a set follows its answer"};
    case DdnsScheduler::State::updating: return {true, "", "a set of " + host + " is in flight already"};
    default: return {true, "", "updating " + host + ": a get, then a set (see failberryctl status)"};
  }
}

health::DdnsReport DdnsService::report() const {
  health::DdnsReport r;
  r.provider = provider_text_;
  r.family = std::string(fb::ddns::to_string(family_));
  r.record = std::string(fb::ddns::record_type(family_));
  r.hostname = identity_.hostname;
  r.uplink = identity_.uplink;
  r.interface = identity_.interface;
  r.published_at = published_at_;
  r.last_request = last_request_;
  r.last_outcome = last_outcome_;
  r.last_result_at = last_result_at_;
  r.results = results_;
  if (withheld_) {
    r.state = withheld_->state;
    r.code = setup_code_;
    r.detail = setup_code_.empty() ? withheld_->detail : setup_detail_;
    if (auto published = state_file_.load()) r.published = published->text();
    return r;
  }
  if (!scheduler_) {
    r.state = "setup_failed";
    r.code = setup_code_;
    r.detail = setup_detail_;
    return r;
  }
  const DdnsStatus& s = scheduler_->status();
  r.state = s.state;
  r.code = s.code;
  r.detail = s.detail;
  if (!setup_code_.empty()) r.detail += " (the reloaded settings were refused: " + setup_code_ + ")";
  if (s.published) r.published = s.published->text();
  if (s.seen) r.seen = s.seen->text();
  if (s.next_attempt) {
    auto left = std::chrono::ceil<std::chrono::seconds>(*s.next_attempt - timers_.now()).count();
    r.next_attempt_in_seconds = left < 0 ? 0 : left;
  }
  r.failures = s.failures;
  r.requests = s.requests;
  return r;
}

}  // namespace fb::core
