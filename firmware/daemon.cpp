#include "fb/core/daemon.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <system_error>
#include <utility>

#include "fb/core/cgnat.hpp"
#include "fb/core/config_file.hpp"
#include "fb/core/event_loop.hpp"
#include "fb/health/host_health.hpp"
#include "fb/net/dry_run_system.hpp"
#include "fb/net/netlink_system.hpp"
#include "fb/version.hpp"

namespace fb::core {

namespace {

health::ServerSettings http_settings(const HealthConfig& h, const std::vector<UplinkConfig>& uplinks) {
  health::ServerSettings s;
  s.listen = h.listen;
  s.port = static_cast<unsigned short>(h.port);
  s.request_timeout = h.request_timeout;
  s.max_connections = static_cast<std::size_t>(h.max_connections);
  s.policy.status_allow = h.status_allow;
  for (const UplinkConfig& u : uplinks)
    if (u.serve_status) s.policy.status_uplinks.push_back(u.name);
  return s;
}

// A reload, taken ("" reason) or refused (why, in a code and words).
Event reload_event(const std::string& refused, const std::string& detail) {
  Event e;
  e.kind = EventKind::config_reloaded;
  e.reason = refused.empty() ? "RELOADED" : refused;
  // Not the words of the "reloaded: ..." line: scripts wait for that one.
  e.message = refused.empty() ? "new configuration running: " + detail
                              : "reload refused; still on the previous configuration: " + detail;
  return e;
}

}  // namespace

Daemon::Daemon(boost::asio::io_context& io, DaemonOptions options, Config config)
    : io_(io), options_(std::move(options)), signals_(io, SIGTERM, SIGINT, SIGHUP), timers_(io) {
  started_ = timers_.now();
  events_.subscribe([this](const Event& e) {
    if (webhook_) webhook_->enqueue(e);
    if (sms_) sms_->enqueue(e);
  });
  apply(std::move(config));
}

health::Snapshot Daemon::snapshot() const {
  health::Snapshot s;
  s.version = kVersion;
  s.uptime_seconds = std::chrono::duration_cast<std::chrono::seconds>(timers_.now() - started_).count();
  s.mode = config_.general.mode == Mode::router ? "router" : "backup-gateway";
  s.dry_run = config_.general.dry_run;
  s.config_reloads = reloads_;
  s.config_reloads_refused = reloads_refused_;
  s.uplinks = configured_uplinks();
  if (network_) network_->fill(s);  // first: an interface = auto uplink's bound name
  if (std::optional<net::LinkCountersByName> counters = interface_counters()) {
    for (health::UplinkStatus& status : s.uplinks) {
      if (auto it = counters->find(status.interface); it != counters->end()) {
        status.rx_bytes = it->second.rx_bytes;
        status.tx_bytes = it->second.tx_bytes;
      }
    }
  }
  s.ddns = ddns_report();
  if (heartbeat_) s.heartbeat = heartbeat_->report();
  std::map<std::string, std::string> nat = nat_findings(s.ddns);
  for (health::UplinkStatus& status : s.uplinks) status.nat = nat[status.name];
  if (modem_) {
    s.modem = modem_->modem_status();
    s.recovery = modem_->recovery_status();
  }
  s.events = events_.recent();
  s.signal_history = signal_history_.points(timers_.now());
  if (lldp_) s.lldp = lldp_->report();
  if (webhook_) s.webhook = webhook_->report();
  if (sms_) s.sms = sms_->report();
  // Read here only: a snapshot serves /status and /metrics for a while, and /health never builds one.
  std::int64_t now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  s.host = health::read_host_health({"/", config_.general.state_dir}, now_unix);
  return s;
}

std::vector<health::UplinkStatus> Daemon::configured_uplinks() const {
  std::vector<health::UplinkStatus> out;
  const UplinkConfig* preferred = nullptr;
  for (const UplinkConfig& u : config_.uplinks)
    if (!preferred || u.priority < preferred->priority) preferred = &u;
  for (const UplinkConfig& u : config_.uplinks) {
    health::UplinkStatus status;
    status.name = u.name;
    status.preferred = &u == preferred;
    status.interface = u.interface;
    status.kind = to_string(u.kind);
    status.state = health::UplinkState::unknown;  // until the tracker says
    status.drained = drained_.count(u.name) != 0;
    out.push_back(std::move(status));
  }
  return out;
}

std::vector<health::UplinkStatus> Daemon::health_states() const {
  health::Snapshot s;
  s.uplinks = configured_uplinks();
  if (network_) network_->fill(s);
  return std::move(s.uplinks);
}

std::optional<net::LinkCountersByName> Daemon::interface_counters() const {
  return kernel_.counters();
}

bool Daemon::restart_http() {
  const HealthConfig& want = config_.health;
  std::vector<std::string> status_uplinks = http_settings(want, config_.uplinks).policy.status_uplinks;
  if (http_running_ ? *http_running_ == want && http_status_uplinks_ == status_uplinks : !want.enabled) return true;
  auto start = [this](const HealthConfig& h) {
    auto server = std::make_unique<health::HttpServer>(
        io_, http_settings(h, config_.uplinks), [this] { return snapshot(); },
        [this](const IpAddress& local) { return addresses_.uplink_of(local); }, [this] { return health_states(); });
    server->start();
    http_ = std::move(server);
    http_running_ = h;
    http_status_uplinks_ = http_settings(h, config_.uplinks).policy.status_uplinks;
  };
  std::optional<HealthConfig> previous = std::move(http_running_);
  http_.reset();
  http_running_.reset();
  if (!want.enabled) return true;
  try {
    start(want);
    return true;
  } catch (const std::system_error& e) {
    log_.error() << "health endpoint: " << e.what();
  }
  if (previous) {
    try {
      start(*previous);
      log_.warning() << "health endpoint: kept the previous listen settings";
    } catch (const std::system_error& e) {
      log_.error() << "health endpoint: cannot restore the previous settings either: " << e.what();
    }
  }
  return false;
}

void Daemon::restart_ddns() {
  if (!config_.ddns.provider) {
    if (!ddns_.empty()) log_.notice() << "ddns: provider = none; stopped";
    ddns_.clear();
    return;
  }
  const bool dry = config_.general.dry_run;
  const std::vector<ddns::Family> want = families_of(config_.ddns.families);
  bool same = ddns_dry_run_ == dry && ddns_.size() == want.size();
  for (std::size_t i = 0; same && i < want.size(); ++i) same = ddns_[i]->family() == want[i];
  if (same) {
    bool reloaded = true;  // every record's service stands on the same settings: all or none reload
    for (auto& service : ddns_) reloaded = service->reload(config_) && reloaded;
    if (reloaded) return;
  }
  // families, provider, hostname, uplink, state_dir, interval or dry-run changed: start over
  ddns_.clear();
  for (ddns::Family family : want) {
    // The one place that decides whether DDNS requests are sent for real.
    auto sender = dry ? make_dry_run_ddns_sender(io_) : make_ddns_sender(io_);
    ddns_.push_back(std::make_unique<DdnsService>(io_, timers_, addresses_, config_, std::move(sender), family));
  }
  ddns_dry_run_ = dry;
}

health::DdnsReport Daemon::ddns_report() const {
  if (ddns_.empty()) return {};
  health::DdnsReport first = ddns_.front()->report();
  if (ddns_.size() > 1)  // families = both; one family is the top level alone
    for (const auto& service : ddns_) first.families.push_back(service->report());
  return first;
}

void Daemon::restart_heartbeat() {
  const HeartbeatConfig& want = config_.heartbeat;
  const bool dry = config_.general.dry_run;
  if (want.kind == Heartbeat::none) {
    if (heartbeat_) log_.notice() << "heartbeat: none; stopped";
    heartbeat_.reset();
    return;
  }
  if (heartbeat_ && heartbeat_running_ == want && heartbeat_dry_run_ == dry) return;
  heartbeat_.reset();
  heartbeat_ = std::make_unique<HeartbeatService>(io_, timers_, events_, want, dry, [this] {
    std::vector<ddns::UplinkBeat> beats;
    for (const health::UplinkStatus& u : health_states())
      if (u.state != health::UplinkState::unknown) beats.push_back({u.name, health::healthy(u)});
    return beats;
  });
  heartbeat_running_ = want;
  heartbeat_dry_run_ = dry;
}

std::map<std::string, std::string> Daemon::nat_findings(const health::DdnsReport& ddns) const {
  std::map<std::string, std::string> out;
  for (const UplinkConfig& u : config_.uplinks) {
    std::optional<IpAddress> seen;
    if (!ddns_.empty() && ddns.uplink == u.name && !ddns.seen.empty()) seen = IpAddress::parse(ddns.seen);
    NatFinding f = detect_nat(addresses_.primary_ipv4(u.name), is_modem_link(u.kind), seen);
    out[u.name] = nat_sentence(u.name, f, config_.heartbeat.kind != Heartbeat::none);
  }
  return out;
}

void Daemon::log_nat_changes() {
  for (auto& [uplink, sentence] : nat_findings(ddns_report())) {
    std::string& said = nat_said_[uplink];
    if (sentence == said) continue;
    if (!sentence.empty())
      log_.warning() << sentence;
    else if (!said.empty())
      log_.notice() << "uplink " << uplink << " is no longer behind carrier-grade NAT";
    said = sentence;
  }
}

bool Daemon::restart_control() {
  const std::string& path = config_.general.control_socket;
  if (control_ && control_->path() == path) return true;
  try {
    auto server = std::make_unique<ControlServer>(io_, path, [this](const nlohmann::json& r) { return control(r); });
    server->on_follow([this](const nlohmann::json& r, ControlServer::Send send) { return follow(r, std::move(send)); });
    server->start();
    control_ = std::move(server);
    return true;
  } catch (const std::system_error& e) {
    log_.error() << e.what() << (control_ ? "; keeping " + control_->path() : std::string());
    return false;
  }
}

nlohmann::json Daemon::control(const nlohmann::json& request) {
  const std::string verb = request["verb"].get<std::string>();
  Logger log{"control"};
  // Every other verb may change what /health answers: its next request
  // builds a new snapshot (all of this runs on the one io thread).
  if (verb != "status" && http_) http_->invalidate();
  if (verb == "status") return {{"ok", true}, {"status", nlohmann::json::parse(health::status_json(snapshot()))}};
  if (verb == "events") return {{"ok", true}, {"events", recent_events()}};
  if (verb == "drain" || verb == "undrain") {
    auto it = request.find("uplink");
    std::string name = it != request.end() && it->is_string() ? it->get<std::string>() : "";
    if (!config_.find_uplink(name)) return control_error("UNKNOWN_UPLINK", "no uplink named '" + name + "'");
    bool drain = verb == "drain";
    bool changed = drain ? drained_.insert(name).second : drained_.erase(name) > 0;
    log.notice() << verb << " uplink[" << name << "]" << (changed ? "" : " (already so)");
    return {{"ok", true},
            {"message", "uplink " + name + (drain ? " now answers 503 on /health" : " answers by its state again")}};
  }
  if (verb == "failover") {
    auto it = request.find("uplink");
    std::string target = it != request.end() && it->is_string() ? it->get<std::string>() : "";
    if (target != "auto" && !config_.find_uplink(target))
      return control_error("UNKNOWN_UPLINK", "no uplink named '" + target + "' (or 'auto')");
    if (!network_) return control_error("NOT_RUNNING", "uplink tracking is not running");
    nlohmann::json reply = network_->failover(target);
    log.notice() << "failover " << target << ": " << reply.value("message", std::string());
    return reply;
  }
  if (verb == "ddns-update") {
    if (ddns_.empty())
      return control_error("DDNS_NOT_CONFIGURED", "[ddns] provider = none: there is nothing to update");
    // Every record is asked; with more than one, each answer names its record
    // and the first refusal's code is the answer's.
    ControlAnswer a{true, "", ""};
    for (const auto& service : ddns_) {
      ControlAnswer one = service->update_requested();
      std::string text =
          ddns_.size() == 1 ? one.message : std::string(ddns::record_type(service->family())) + ": " + one.message;
      a.message += (a.message.empty() ? "" : "; ") + text;
      if (!one.ok && a.ok) {
        a.ok = false;
        a.code = one.code;
      }
    }
    log.notice() << "ddns-update: " << (a.ok ? a.message : a.code + " " + a.message);
    return a.ok ? nlohmann::json{{"ok", true}, {"message", a.message}} : control_error(a.code, a.message);
  }
  // The recovery verbs go through the ladder, like its own attempts.
  static const std::map<std::string, Rung> rungs = {
      {"redial", Rung::redial}, {"reset-modem", Rung::reset_modem}, {"cycle-usb", Rung::power_cycle}};
  if (auto r = rungs.find(verb); r != rungs.end()) {
    if (!modem_) return control_error("NOT_AVAILABLE", verb + " needs a modem: no uplink has kind = ppp or cellular");
    log.notice() << verb << " requested";
    return modem_->operator_request(r->second);
  }
  return control_error("UNKNOWN_VERB", "unknown verb '" + verb + "'");
}

void Daemon::apply(Config config) {
  if (options_.force_dry_run) config.general.dry_run = true;
  logging::set_threshold(config.general.log_level);
  config_ = std::move(config);
  events_.hooks().configure(hook_settings());
  restart_webhook();
  restart_sms();
  publish_uplinks();
  for (auto it = drained_.begin(); it != drained_.end();)
    it = config_.find_uplink(*it) ? std::next(it) : drained_.erase(it);  // uplink removed by a reload
}

void Daemon::publish_uplinks() {
  std::vector<UplinkConfig> uplinks = config_.uplinks;
  for (UplinkConfig& u : uplinks)
    if (u.interface_auto()) u.interface = network_ ? network_->interface_of(u.name) : std::string();
  addresses_.set_uplinks(uplinks);
}

void Daemon::bind_modem_link(const DataLinkReport& report) {
  if (!network_) return;
  network_->bind_modem_link(report);
  publish_uplinks();
}

nlohmann::json Daemon::recent_events() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Event& e : events_.recent()) list.push_back(nlohmann::json::parse(health::event_json(e)));
  return list;
}

ControlServer::Stream Daemon::follow(const nlohmann::json& request, ControlServer::Send send) {
  if (request["verb"] != "events") return {control_error("NOT_A_STREAM", "only events can be followed"), nullptr};
  // The last events first, then each new one as it is published.
  auto id = events_.subscribe(
      [send = std::move(send)](const Event& e) { send(nlohmann::json::parse(health::event_json(e))); });
  Logger("control").info() << "events: a client follows";
  return {{{"ok", true}, {"events", recent_events()}}, [this, id] { events_.unsubscribe(id); }};
}

HookSettings Daemon::hook_settings() const {
  HookSettings h;
  h.dir = config_.alerts.hooks_dir;
  h.timeout = config_.alerts.hook_timeout;
  h.dry_run = config_.general.dry_run;
  return h;
}

void Daemon::restart_webhook() {
  const AlertsConfig& a = config_.alerts;
  if (a.webhook_url.empty()) {
    if (webhook_) log_.notice() << "webhook: no webhook_url any more; stopped";
    webhook_.reset();
    return;
  }
  WebhookSettings w;
  w.url = a.webhook_url;
  w.token_file = a.webhook_token_file;
  w.events = a.webhook_events;
  char host[256] = {};
  w.host = ::gethostname(host, sizeof host - 1) == 0 ? host : "failberry";
  w.dry_run = config_.general.dry_run;
  if (webhook_)
    webhook_->configure(std::move(w));  // the token file is read again, the queue kept
  else
    webhook_ = std::make_unique<Webhook>(io_, timers_, std::move(w));
}

void Daemon::restart_sms() {
  const AlertsConfig& a = config_.alerts;
  if (a.sms_to.empty()) {
    if (sms_) log_.notice() << "sms: no sms_to any more; stopped";
    sms_.reset();
    return;
  }
  SmsSettings s;
  s.to = a.sms_to;
  s.events = a.sms_events;
  s.min_interval = a.sms_min_interval;
  s.daily_limit = a.sms_daily_limit;
  char host[256] = {};
  s.host = ::gethostname(host, sizeof host - 1) == 0 ? host : "failberry";
  if (sms_) {
    sms_->configure(std::move(s), config_.general.dry_run);  // the waiting texts and each number's history kept
    return;
  }
  SmsPort port;
  port.state = [this]() -> std::optional<SmsPort::ModemState> {
    if (!modem_) return std::nullopt;
    return SmsPort::ModemState{modem_->machine_state(), modem_->at_port_held()};
  };
  port.send = [this](const std::string& number, const std::string& text,
                     std::function<void(std::optional<modem::Error>)> done) {
    if (modem_) return modem_->send_sms(number, text, std::move(done));
    boost::asio::post(io_, [done = std::move(done)] { done(modem::Error{modem::Code::no_modem, "no modem service"}); });
  };
  port.send_timeout = ModemService::kSmsSendTimeout;
  sms_ = std::make_unique<SmsAlerts>(io_, timers_, std::move(s), config_.general.dry_run, std::move(port));
}

std::string Daemon::summary() const {
  std::string s = std::string(config_.general.mode == Mode::router ? "router" : "backup-gateway") + " mode, uplinks:";
  for (const UplinkConfig& u : config_.uplinks) s += " " + u.name + "(" + u.interface + ")";
  if (config_.general.dry_run) s += ", dry-run";
  return s;
}

void Daemon::restart_lldp() {
  if (lldp_ && lldp_socket_ == config_.general.lldp_socket) return;
  LldpReaderSettings settings;
  settings.socket = config_.general.lldp_socket;
  lldp_ = std::make_unique<LldpReader>(io_, timers_, settings);
  lldp_socket_ = settings.socket;
  lldp_->start();
}

void Daemon::sample_signal() {
  // Only with a modem supervisor: a Pi without one has no chart to draw. One
  // being replaced (a reload) is a gap.
  if (modem_)
    signal_history_.add(timers_.now(), modem_->modem_status().status);
  else if (retiring_)
    signal_history_.add_gap(timers_.now());
  signal_timer_.arm_after(signal_history_.spacing(), [this] { sample_signal(); });
}

int Daemon::run() {
  log_.notice() << "failberryd " << kVersion << " starting: " << summary();
  kernel_.start();  // without netlink: the links and addresses at start only (logged)
  addresses_.start();
  if (!restart_http()) {
    log_.error() << "not starting: the health endpoint cannot listen (change [health] listen/port)";
    return 1;
  }
  if (!restart_control()) {
    log_.error() << "not starting: the control socket cannot be created (change [general] control_socket)";
    return 1;
  }
  if (!restart_network()) return 1;
  restart_ddns();
  restart_heartbeat();
  restart_modem();
  // Once the listeners before it have run (DdnsService's included).
  nat_listener_ = addresses_.listen([this](const std::string&, const std::optional<IpAddress>&) { log_nat_changes(); });
  log_nat_changes();
  wait_signal();
  keep_watchdog_alive();
  sample_signal();
  restart_lldp();
  notifier_.ready(summary());
  // A handler that throws is a bug: logged, and exit 70 for systemd to restart us.
  if (int code = run_event_loop(io_, log_); code != 0) return code;
  log_.notice() << "stopped";
  return 0;
}

void Daemon::wait_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) on_signal(signo);
  });
}

void Daemon::on_signal(int signo) {
  if (signo == SIGHUP) {
    reload();
    wait_signal();
    return;
  }
  log_.notice() << "received " << (signo == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down";
  notifier_.stopping();
  watchdog_timer_.cancel();
  if (nat_listener_) addresses_.unlisten(nat_listener_);
  nat_listener_ = 0;
  heartbeat_.reset();
  ddns_.clear();
  addresses_.stop();
  http_.reset();
  http_running_.reset();
  control_.reset();
  // The modem ends a stick's network session first; routes go after it.
  if (!modem_) return finish_shutdown();
  modem_->stop([this] { boost::asio::post(io_, [this] { finish_shutdown(); }); });
}

void Daemon::finish_shutdown() {
  modem_.reset();
  retiring_.reset();
  network_.reset();  // removes its routes, rules and nft table
  kernel_.stop();
  signals_.cancel();
  io_.stop();
}

void Daemon::reload() {
  notifier_.reloading();
  log_.notice() << "SIGHUP: reloading " << options_.config_path;
  LoadedConfig loaded = load_config_file(options_.config_path);
  if (!loaded.config) {
    for (const std::string& e : loaded.errors) log_.error() << e;
    ++reloads_refused_;
    if (http_) http_->invalidate();  // /status counts the refusal at once
    log_.error() << "reload refused (" << loaded.errors.size() << " error(s)); keeping the running configuration";
    events::publish(reload_event("CONFIG_INVALID", loaded.errors.empty() ? "" : loaded.errors.front()));
    notifier_.ready("reload refused; running on the previous configuration");
    return;
  }
  Config next = std::move(*loaded.config);
  if (options_.force_dry_run) next.general.dry_run = true;
  // The network first: if the new uplink settings cannot run, nothing of the
  // new file is applied (the routing, the endpoint and /status stay as one).
  std::unique_ptr<NetworkService> taken;
  if (std::string problem = take_over_network(next, taken); !problem.empty()) {
    ++reloads_refused_;
    if (http_) http_->invalidate();
    log_.error() << "reload refused: the new uplink settings cannot run (" << problem
                 << "); keeping the running configuration";
    events::publish(reload_event("UPLINKS_CANNOT_RUN", problem));
    notifier_.ready("reload refused; running on the previous configuration");
    return;
  }
  apply(std::move(next));
  ++reloads_;
  restart_http();
  restart_control();
  bool network_restarted = taken != nullptr;
  restart_network(std::move(taken));
  if (network_ && !network_restarted) network_->reread_budget_record();  // a budget.json fixed by hand
  restart_ddns();
  restart_heartbeat();
  restart_lldp();
  restart_modem();
  log_nat_changes();
  if (http_) http_->invalidate();  // a kept endpoint answers from the new configuration at once
  log_.notice() << "reloaded: " << summary();
  events::publish(reload_event("", summary()));
  notifier_.ready(summary());
}

// What the modem supervisor is built from: a change restarts it (the
// cellular link drops and comes back with the new settings).
Daemon::ModemInputs Daemon::modem_inputs() const {
  ModemInputs in{config_.modem, config_.ppp, config_.recovery, config_.general.dry_run, config_.general.state_dir, {}};
  for (const UplinkConfig& u : config_.uplinks)
    if (is_modem_link(u.kind)) in.modem_uplinks.push_back(u);
  return in;
}

void Daemon::restart_modem() {
  if (retiring_) return;  // the replaced supervisor is still ending its session: restarted when it is done
  ModemInputs inputs = modem_inputs();
  if (modem_ && modem_inputs_ == inputs) return;
  if (modem_) {
    log_.notice() << "[modem], [ppp], [recovery] or the ppp uplink changed: restarting the modem supervisor";
    // It ends a session on the stick first (a net session's disconnect, a
    // HiLink stick's data switch, reached through its lease; pppd is
    // stopped when it is destroyed), then its link goes and the new one
    // starts, on the same port.
    retiring_ = std::move(modem_);
    modem_inputs_.reset();
    if (sms_) sms_->modem_changed();
    retiring_->stop([this] {
      boost::asio::post(io_, [this] {
        retiring_.reset();
        bind_modem_link(DataLinkReport{});
        restart_modem();
      });
    });
    return;
  }
  modem_inputs_.reset();
  if (inputs.modem_uplinks.empty()) return;
  ModemServiceOptions mo;
  if (const char* root = std::getenv("FAILBERRY_SYSFS_ROOT")) mo.sysfs_root = root;  // tests: a fake tree
  if (const char* dev = std::getenv("FAILBERRY_DEV_ROOT")) mo.dev_root = dev;        // tests: links to ptys
  if (const char* sw = std::getenv("FAILBERRY_TEST_MODESWITCH")) mo.test_switch = parse_test_switch(sw);
  // The one place that decides whether USB power is cut, the box rebooted
  // and pppd started on the CONNECTed line for real.
  const bool dry = config_.general.dry_run;
  auto host = dry ? make_dry_run_host_actions(io_) : make_system_host_actions(io_);
  auto link = dry ? make_dry_run_data_link_starter(io_) : make_pppd_starter(io_, timers_);
  modem_ = std::make_unique<ModemService>(io_, timers_, config_, mo, std::move(host), std::move(link));
  // udhcpc for a net data session whose address comes by DHCP. Tests point
  // at the event script in the source tree and at busybox.
  dhcp::Settings dhcp_settings;
  if (const char* bin = std::getenv("FAILBERRY_UDHCPC")) dhcp_settings.binary = bin;
  if (const char* script = std::getenv("FAILBERRY_UDHCPC_EVENT")) dhcp_settings.script = script;
  modem_->set_dhcp_starter(dry ? make_dry_run_dhcp_starter(io_) : make_udhcpc_starter(io_, timers_, dhcp_settings));
  modem_->set_hilink_opener(dry ? make_dry_run_hilink_opener(io_) : make_hilink_opener(io_));
  modem_->on_data_link([this](const DataLinkReport& report) { bind_modem_link(report); });
  modem_->on_state_change([this] {
    if (sms_) sms_->modem_changed();
  });
  modem_->start();
  if (sms_) sms_->modem_changed();
  modem_inputs_ = std::move(inputs);
}

net::Result<std::unique_ptr<NetworkService>> Daemon::make_network(const Config& config) {
  // The one place that decides whether routes, rules and the nft table are changed for real.
  NetworkKernel kernel;
  if (config.general.dry_run) {
    kernel.system = std::make_unique<net::DryRunSystem>();
    kernel.only_logged = "dry-run";
  } else {
    // nf_tables first: libnftables exits the process when the kernel has none.
    if (std::string missing = nf_tables_problem(); !missing.empty())
      return net::Error{net::NetError::netlink_unavailable, "nftables unavailable: " + missing};
    auto opened = net::NetlinkSystem::open();
    if (!opened.ok()) return net::Error{opened.code(), "kernel networking unavailable: " + describe(opened)};
    kernel.system = std::move(opened).value();
  }
  auto service = std::make_unique<NetworkService>(io_, timers_, kernel_, config, std::move(kernel));
  if (modem_) service->set_found_interface(modem_->data_link().interface);  // interface = auto: bound from the start
  // Drop the HTTP snapshot: /health answers from the new state at once.
  service->on_change([this] {
    if (http_) http_->invalidate();
  });
  return service;
}

std::string Daemon::take_over_network(const Config& next, std::unique_ptr<NetworkService>& taken) {
  // Into or out of dry-run there is nothing to take over (one side's state
  // is not in the kernel): restart_network() stops the old one, then starts.
  if (!network_ || network_inputs(next) == network_inputs_ || config_.general.dry_run != next.general.dry_run)
    return {};
  // Make before break. The new service takes the kernel state over (table
  // replaced in one transaction, routes replaced, rules added) while the old
  // one still holds it; what the new settings do not use goes last. If the
  // new one cannot start, the old one puts its own state back and goes on.
  log_.notice() << "uplink or failover settings changed: restarting uplink tracking";
  auto made = make_network(next);
  std::unique_ptr<NetworkService> service = made ? std::move(made).value() : nullptr;
  std::string problem = service ? service->start(network_->installed_default(), true) : made.error().detail;
  if (!problem.empty()) {
    service.reset();
    std::string restored = network_->reassert();
    return problem + (restored.empty() ? "" : "; putting the running state back: " + restored);
  }
  taken = std::move(service);
  return {};
}

bool Daemon::restart_network(std::unique_ptr<NetworkService> taken) {
  NetworkInputs inputs = network_inputs(config_);
  if (taken) {
    network_->release();  // the kernel state is the new service's now
    network_ = std::move(taken);
    network_inputs_ = std::move(inputs);
    if (modem_) bind_modem_link(modem_->data_link());
    return true;
  }
  if (network_ && inputs == network_inputs_) return true;
  if (network_)
    log_.notice() << "dry-run " << (config_.general.dry_run ? "on" : "off") << ": restarting uplink tracking";
  network_.reset();  // removes its routes, rules and table
  auto made = make_network(config_);
  std::unique_ptr<NetworkService> service = made ? std::move(made).value() : nullptr;
  std::string problem = service ? service->start() : made.error().detail;
  if (!problem.empty()) {
    log_.error() << "uplink tracking cannot run: " << problem;
    return false;
  }
  network_ = std::move(service);
  network_inputs_ = std::move(inputs);
  if (modem_) bind_modem_link(modem_->data_link());
  return true;
}

void Daemon::keep_watchdog_alive() {
  auto period = notifier_.watchdog_period();
  if (!period) return;
  notifier_.watchdog();
  watchdog_timer_.arm_after(*period, [this] { keep_watchdog_alive(); });
}

}  // namespace fb::core
