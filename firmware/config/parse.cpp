#include "fb/config/parse.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "fb/config/ini.hpp"
#include "fb/config/schema.hpp"
#include "fb/modem/dial.hpp"

namespace fb::core {
namespace {

struct Origin {
  int line = 0;
  std::string value;
};

// Suggests the closest of `candidates` when it is plausibly a typo.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (const std::string& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance && d <= std::max<std::size_t>(1, c.size() / 3)) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

bool valid_instance_name(std::string_view n) {
  if (n.empty() || n.size() > 15) return false;
  return std::all_of(n.begin(), n.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

class Parser {
 public:
  Parser(std::string_view file, FileCheck check_file) : file_(file), check_file_(std::move(check_file)) {}

  ConfigResult run(std::string_view text) {
    IniDocument doc = read_ini(text);
    for (auto& e : doc.errors) error(e.line, "", "", "", e.message);
    apply_defaults();
    for (const IniSection& section : doc.sections) read_section(section);
    // Cross-key rules need every value parsed; a refused secret file is about
    // the file system, not the text, so it does not hide the other mistakes.
    if (errors_.empty()) check_cross_keys();
    errors_.insert(errors_.end(), secret_errors_.begin(), secret_errors_.end());
    ConfigResult result;
    result.errors = std::move(errors_);
    if (result.errors.empty()) result.config = std::move(config_);
    return result;
  }

 private:
  void error(int line, std::string section, std::string key, std::string value, std::string message) {
    errors_.push_back(
        {std::string(file_), line, std::move(section), std::move(key), std::move(value), std::move(message)});
  }
  // An error about a key, at the line that set it. A defaulted key is blamed on
  // its section's header or, when the file has no such section, on `cause`:
  // the line whose rule needs the key (a whole-file error has no line at all).
  void key_error(const std::string& section, const std::string& key, std::string message, int cause = 0) {
    auto it = origins_.find({section, key});
    if (it != origins_.end()) {
      error(it->second.line, section, key, it->second.value, std::move(message));
    } else {
      auto sec = section_lines_.find(section);
      error(sec == section_lines_.end() ? cause : sec->second, section, key, "", std::move(message));
    }
  }
  int line_of(const std::string& section, const std::string& key) const {
    auto it = origins_.find({section, key});
    return it == origins_.end() ? 0 : it->second.line;
  }
  bool is_set(const std::string& section, const std::string& key) const { return origins_.count({section, key}) != 0; }

  void store_default(const SectionSpec& spec, UplinkConfig* instance) {
    for (const KeySpec& key : spec.keys) {
      if (key.default_value.empty()) continue;
      ParsedValue v = parse_value(key.type, key.default_value);
      if (v.value) key.store(config_, instance, *v.value);
    }
  }
  void apply_defaults() {
    for (const SectionSpec& spec : schema())
      if (!spec.templated) store_default(spec, nullptr);
  }

  void read_section(const IniSection& section) {
    const std::string& name = section.name;
    const SectionSpec* spec = nullptr;
    UplinkConfig* instance = nullptr;
    if (auto first = section_lines_.find(name); first != section_lines_.end()) {
      error(section.line, name, "", "",
            "duplicate section (first at line " + std::to_string(first->second) + "); put all its keys in one section");
      return;
    }
    size_t dot = name.find('.');
    if (dot != std::string::npos && (spec = find_section(name.substr(0, dot))) && spec->templated) {
      std::string inst = name.substr(dot + 1);
      if (!valid_instance_name(inst)) {
        error(section.line, name, "", "", "uplink name '" + inst + "' must be 1-15 of a-z 0-9 _ -");
        return;
      }
      config_.uplinks.push_back(UplinkConfig{});
      instance = &config_.uplinks.back();
      instance->name = inst;
      store_default(*spec, instance);
    } else if ((spec = find_section(name)) && spec->templated) {
      error(section.line, name, "", "", "this section needs a name: [" + name + ".NAME], e.g. [" + name + ".wired]");
      return;
    } else if (!spec || dot != std::string::npos) {
      std::vector<std::string> known;
      for (const SectionSpec& s : schema())
        known.push_back(std::string(s.name) + (s.templated ? name.substr(std::min(dot, name.size())) : ""));
      std::string hint = did_you_mean(name, known);
      error(section.line, name, "", "",
            "unknown section" + (hint.empty() ? std::string() : "; did you mean [" + hint + "]?"));
      return;
    }
    section_lines_[name] = section.line;

    for (const IniEntry& entry : section.entries) {
      const KeySpec* key = spec->find(entry.key);
      if (!key) {
        std::vector<std::string> known;
        for (const KeySpec& k : spec->keys) known.emplace_back(k.key);
        std::string hint = did_you_mean(entry.key, known);
        error(entry.line, name, entry.key, entry.value,
              "unknown key" + (hint.empty() ? std::string() : "; did you mean '" + hint + "'?"));
        continue;
      }
      if (auto prev = origins_.find({name, entry.key}); prev != origins_.end()) {
        error(entry.line, name, entry.key, entry.value,
              "duplicate key (first set at line " + std::to_string(prev->second.line) + ")");
        continue;
      }
      origins_[{name, entry.key}] = Origin{entry.line, entry.value};
      ParsedValue v = parse_value(key->type, entry.value);
      if (!v.value) {
        error(entry.line, name, entry.key, entry.value, v.error);
        continue;
      }
      key->store(config_, instance, *v.value);
      if (key->secret && check_file_)
        if (auto why = check_file_(std::get<std::string>(*v.value), *key->secret))
          secret_errors_.push_back({std::string(file_), entry.line, name, entry.key, entry.value, *why});
    }
    for (const KeySpec& key : spec->keys)
      if (key.required && !is_set(name, std::string(key.key)))
        error(section.line, name, std::string(key.key), "", "missing required key (" + std::string(key.doc) + ")");
  }

  void check_uplinks() {
    if (config_.uplinks.empty()) {
      error(0, "", "", "", "no [uplink.NAME] section: at least one uplink is required");
      return;
    }
    std::map<std::string, const UplinkConfig*> by_interface;
    std::map<int, const UplinkConfig*> by_priority;
    const UplinkConfig* modem = nullptr;
    for (const UplinkConfig& u : config_.uplinks) {
      std::string sec = "uplink." + u.name;
      if (auto [it, fresh] = by_interface.emplace(u.interface, &u); !fresh)
        key_error(sec, "interface",
                  "interface " + u.interface + " is already used by [uplink." + it->second->name +
                      "]; each uplink needs its own interface");
      if (auto [it, fresh] = by_priority.emplace(u.priority, &u); !fresh)
        key_error(sec, "priority",
                  "priority " + std::to_string(u.priority) + " is already used by [uplink." + it->second->name +
                      "]; priorities decide the order, so each must differ");
      if (u.kind == UplinkKind::ethernet && !u.gateway)
        key_error(sec, "gateway", "missing: an uplink of kind = ethernet needs the gateway address");
      if (u.ipv6 && u.gateway && u.gateway->family != AF_INET)
        key_error(sec, "gateway",
                  "is the IPv4 next hop; with ipv6 = true the IPv6 router comes from router advertisements, so "
                  "write the IPv4 gateway here");
      if (is_modem_link(u.kind)) {
        if (u.gateway)
          key_error(sec, "gateway",
                    u.kind == UplinkKind::ppp
                        ? "not used on a kind = ppp uplink (the link is point-to-point); remove it"
                        : "not used on a kind = cellular uplink (the modem or its DHCP server tells the next hop); "
                          "remove it");
        if (modem)
          key_error(sec, "kind",
                    "only one uplink can be the modem's link (kind = ppp or cellular), and [uplink." + modem->name +
                        "] is one already");
        modem = &u;
      }
      if (u.interface_auto()) check_auto_interface(sec, u);
      if (u.kind == UplinkKind::cellular && config_.modem.data && !u.interface_auto()) {
        bool ppp_name = modem::ppp_unit(u.interface).has_value();
        if (*config_.modem.data == modem::DataPath::net && ppp_name)
          key_error(sec, "interface",
                    "is a PPP interface, but [modem] data = net uses the stick's own interface (e.g. wwan0)");
        if (*config_.modem.data == modem::DataPath::hilink && ppp_name)
          key_error(sec, "interface",
                    "is a PPP interface, but [modem] data = hilink uses the stick's network interface (e.g. eth1)");
        if (*config_.modem.data == modem::DataPath::ppp && !ppp_name)
          key_error(sec, "interface", "pppd names its interface pppN, but [modem] data = ppp and this is not one");
      }
      if (u.kind == UplinkKind::ppp && config_.modem.data && *config_.modem.data != modem::DataPath::ppp)
        key_error(sec, "kind",
                  "kind = ppp always dials PPP, but [modem] data = " +
                      std::string(modem::to_string(*config_.modem.data)) + "; write kind = cellular");
      if (u.probe_targets.empty() && is_set(sec, "reliability"))
        key_error(sec, "reliability", "needs probe_targets to count answers from");
      else if (u.probe_targets.empty() && is_set(sec, "require"))
        key_error(sec, "require", "needs probe_targets: it names the families of them that must answer");
      else if (!u.probe_targets.empty())
        check_probe_families(sec, u);
      check_quality(sec, u);
      check_budget(sec, u);
      if (u.probe_timeout >= u.probe_interval)
        key_error(sec, "probe_timeout",
                  "must be shorter than probe_interval (" + format_duration(u.probe_interval) + ")");
    }
    bool hilink = config_.modem.data == modem::DataPath::hilink;
    if (modem && config_.modem.apn.empty() && !(hilink && modem->kind == UplinkKind::cellular))
      key_error("modem", "apn",
                "missing: [uplink." + modem->name + "] has kind = " + to_string(modem->kind) +
                    ", so the carrier's APN is required",
                line_of("uplink." + modem->name, "kind"));
    if (config_.nat.masquerade_ipv6 && !config_.nat.enabled)
      key_error("nat", "masquerade_ipv6", "needs enabled = true: nothing is masqueraded or forwarded without it");
    else if (config_.nat.masquerade_ipv6 &&
             std::none_of(config_.uplinks.begin(), config_.uplinks.end(), [](const UplinkConfig& u) { return u.ipv6; }))
      key_error("nat", "masquerade_ipv6", "needs an uplink with ipv6 = true to masquerade IPv6 out of");
    for (const UplinkConfig& u : config_.uplinks)
      if (u.interface == config_.nat.lan_interface && (is_modem_link(u.kind) || config_.general.mode == Mode::router))
        key_error("nat", "lan_interface",
                  "is the interface of [uplink." + u.name + "]" +
                      (is_modem_link(u.kind) ? std::string() : " and mode = router needs a separate LAN interface"),
                  line_of("uplink." + u.name, "interface"));
  }

  // Data budget: the budget_* keys refine a budget; allow-list needs hosts to
  // allow; an idle interval is for metered uplinks and never probes faster.
  void check_budget(const std::string& sec, const UplinkConfig& u) {
    if (u.budget == 0) {
      for (const char* key : {"budget_cycle_day", "budget_warn", "budget_action"})
        if (is_set(sec, key)) {
          key_error(sec, key, "needs budget (the data budget it refines)");
          break;
        }
    } else if (u.budget_action == BudgetAction::allow_list && config_.nat.metered_allow.empty()) {
      key_error(sec, "budget_action",
                "allow-list needs [nat] metered_allow: without it no host could be allowed at the limit (use stop "
                "to forward nothing)");
    }
    if (is_set(sec, "probe_interval_idle")) {
      if (u.budget == 0 && !u.metered)
        key_error(sec, "probe_interval_idle",
                  "is only for a metered uplink (metered = true or a budget); this one is probed every "
                  "probe_interval");
      else if (u.probe_interval_idle < u.probe_interval)
        key_error(
            sec, "probe_interval_idle",
            "must be at least probe_interval (" + format_duration(u.probe_interval) + "): idle probing is slower");
    }
  }

  // Probe families (an uplink with ipv6 = true): each required family has
  // targets, at least reliability of them. With ipv6 = false all targets are
  // one pool, whatever their family.
  void check_probe_families(const std::string& sec, const UplinkConfig& u) {
    int v4 = u.probe_targets_of(AF_INET), v6 = u.probe_targets_of(AF_INET6);
    bool need4 = u.requires_family(AF_INET), need6 = u.requires_family(AF_INET6);
    if (!u.ipv6) {
      // failberryd does not run this uplink's IPv6: its targets of both
      // families are one pool, as before families existed, so a config
      // written then still means what it meant.
      if (u.require && *u.require != ProbeFamilies::ipv4)
        key_error(sec, "require",
                  "asks IPv6 probes to answer, but ipv6 = false: this uplink has no IPv6 to probe from");
      else if (static_cast<size_t>(u.reliability) > u.probe_targets.size())
        key_error(sec, "reliability",
                  "is " + std::to_string(u.reliability) + " but only " + std::to_string(u.probe_targets.size()) +
                      " probe_targets are listed");
      return;
    }
    for (auto [need, count, name] : {std::tuple{need4, v4, "IPv4"}, std::tuple{need6, v6, "IPv6"}}) {
      if (!need) continue;
      if (count == 0) {
        key_error(sec, "require",
                  std::string("asks ") + name + " probes to answer, but probe_targets has no " + name + " address");
        return;
      }
      if (u.reliability > count) {
        bool mixed = v4 > 0 && v6 > 0;
        key_error(sec, "reliability",
                  "is " + std::to_string(u.reliability) + " but only " + std::to_string(count) +
                      (mixed ? std::string(" ") + name +
                                   " probe_targets are listed (reliability counts each "
                                   "required family)"
                             : std::string(" probe_targets are listed")));
        return;
      }
    }
  }

  // Link quality thresholds: measured by the probes; a recover threshold
  // needs its fail threshold and lies below it.
  void check_quality(const std::string& sec, const UplinkConfig& u) {
    if (u.probe_targets.empty()) {
      for (const char* key : {"quality_fail_latency", "quality_recover_latency", "quality_fail_loss",
                              "quality_recover_loss", "quality_window", "probe_on_silence"})
        if (is_set(sec, key)) {
          key_error(sec, key, "needs probe_targets: link quality is measured by the probes");
          return;
        }
      return;
    }
    if (is_set(sec, "quality_recover_latency") && !is_set(sec, "quality_fail_latency"))
      key_error(sec, "quality_recover_latency",
                "is set but quality_fail_latency is not; a recover threshold alone judges nothing");
    else if (is_set(sec, "quality_recover_latency") && u.quality_recover_latency >= u.quality_fail_latency)
      key_error(sec, "quality_recover_latency",
                "must be below quality_fail_latency (" + format_duration(u.quality_fail_latency) + ")");
    if (is_set(sec, "quality_recover_loss") && !is_set(sec, "quality_fail_loss"))
      key_error(sec, "quality_recover_loss",
                "is set but quality_fail_loss is not; a recover threshold alone judges nothing");
    else if (is_set(sec, "quality_recover_loss") && u.quality_recover_loss >= u.quality_fail_loss)
      key_error(sec, "quality_recover_loss",
                "must be below quality_fail_loss (" + std::to_string(u.quality_fail_loss) + ")");
  }

  // `interface = auto`: only the net data path finds the stick's interface
  // (beside its AT port); everywhere else the interface has to be named.
  void check_auto_interface(const std::string& sec, const UplinkConfig& u) {
    std::optional<modem::DataPath> data = config_.modem.data;
    if (u.kind == UplinkKind::ethernet)
      key_error(sec, "interface",
                "auto finds a USB stick's own interface beside its AT port (kind = cellular, [modem] data = net); "
                "name the interface of a kind = ethernet uplink");
    else if (u.kind == UplinkKind::ppp)
      key_error(sec, "interface", "pppd names the interface of a kind = ppp uplink: write its pppN name (e.g. ppp0)");
    else if (data == modem::DataPath::ppp)
      key_error(sec, "interface",
                "auto finds the stick's own interface for [modem] data = net, but data = ppp: write its pppN name "
                "(e.g. ppp0)");
    else if (data == modem::DataPath::hilink)
      key_error(sec, "interface",
                "[modem] data = hilink does not find the stick's interface: name the interface (its cdc_ether "
                "interface, e.g. usb0), or write data = auto, which finds it beside the stick on USB");
  }

  void check_ddns() {
    const DdnsConfig& d = config_.ddns;
    if (!d.provider) {
      for (const KeySpec& k : find_section("ddns")->keys)
        if (k.key != "provider" && is_set("ddns", std::string(k.key)))
          key_error("ddns", std::string(k.key),
                    "is set but provider = none, so it would be ignored; set provider or remove the line");
      return;
    }
    bool lambda = d.provider != ddns::Provider::route53;
    auto need = [&](const std::string& value, const char* key, const char* why) {
      if (value.empty()) key_error("ddns", key, std::string("missing: required with provider = ") + why);
    };
    auto unused = [&](const std::string& value, const char* key, const char* why) {
      if (!value.empty()) key_error("ddns", key, std::string("is not used ") + why + "; remove it");
    };
    const char* name = lambda ? "lambda-*" : "route53";
    need(d.hostname, "hostname", name);
    if (lambda) {
      need(d.url, "url", name);
      need(d.secret_file, "secret_file", name);
      unused(d.zone_id, "zone_id", "by the Lambda API");
      unused(d.credentials_file, "credentials_file", "by the Lambda API");
    } else {
      need(d.zone_id, "zone_id", name);
      need(d.credentials_file, "credentials_file", name);
      unused(d.secret_file, "secret_file", "with provider = route53");
    }
    if (d.provider != ddns::Provider::lambda_v2)
      unused(d.api_key_file, "api_key_file", "except with provider = lambda-v2");
    if (d.families != DdnsFamilies::ipv4) {
      std::string_view why = ddns::ipv6_unsupported(*d.provider);
      if (!why.empty()) key_error("ddns", "families", "needs an AAAA record: " + std::string(why));
    }
    if (!d.uplink.empty()) {
      if (!config_.find_uplink(d.uplink)) {
        std::vector<std::string> names;
        for (auto& u : config_.uplinks) names.push_back(u.name);
        std::string hint = did_you_mean(d.uplink, names);
        key_error(
            "ddns", "uplink",
            "names no [uplink." + d.uplink + "] section" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
    } else {
      if (const UplinkConfig* modem = config_.modem_uplink())
        config_.ddns.uplink = modem->name;
      else
        key_error("ddns", "uplink",
                  "missing: there is no ppp or cellular uplink to publish by default, so name the uplink");
    }
    if (const UplinkConfig* u = config_.find_uplink(d.uplink); u && u->interface_auto())
      key_error("ddns", "uplink",
                "[uplink." + u->name +
                    "] has interface = auto, and DDNS needs the interface's name to send from it: name the "
                    "interface in [uplink." +
                    u->name + "]",
                line_of("uplink." + u->name, "interface"));
  }

  void check_recovery() {
    const RecoveryConfig& r = config_.recovery;
    if (r.backoff_initial > r.backoff_max)
      key_error("recovery", "backoff_initial", "is longer than backoff_max (" + format_duration(r.backoff_max) + ")");
    if (r.hub == "auto" && is_set("recovery", "hub_port"))
      key_error("recovery", "hub_port",
                "needs hub = LOCATION (e.g. 1-1); with hub = auto the modem's own port is used");
    if (r.hub != "auto" && r.hub_port == 0) key_error("recovery", "hub", "names a hub, so hub_port is required too");
  }

  // hilink_url and hilink_password_file serve data = hilink, and data = auto
  // on a kind = cellular uplink too (the stick found may turn out to be a
  // HiLink one); a kind = ppp uplink always dials PPP.
  void check_hilink() {
    bool hilink = config_.modem.data == modem::DataPath::hilink;
    const UplinkConfig* modem = config_.modem_uplink();
    bool maybe = hilink || (!config_.modem.data && modem && modem->kind == UplinkKind::cellular);
    for (const char* key : {"hilink_url", "hilink_password_file", "router_api"})
      if (!maybe && is_set("modem", key))
        key_error("modem", key,
                  "is used only with data = hilink, or data = auto on a kind = cellular uplink; set data = hilink "
                  "or remove the line");
    if (!hilink && config_.modem.device.api_only())
      key_error("modem", "device", "api (no USB discovery) is only for data = hilink, which has no AT port to find");
    if (!maybe || !is_set("modem", "hilink_url")) return;  // unset: the router API's own address
    const std::string& url = config_.modem.hilink_url;
    std::string_view rest = url;
    if (rest.rfind("http://", 0) == 0)
      rest.remove_prefix(7);
    else if (rest.rfind("https://", 0) == 0)
      rest.remove_prefix(8);
    else
      rest = {};
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.empty() || rest.find_first_of("/?#@") != std::string_view::npos)
      key_error("modem", "hilink_url", "expected http://host[:port] or https://host[:port], without a path");
  }

  void check_heartbeat() {
    const HeartbeatConfig& h = config_.heartbeat;
    if (h.kind == Heartbeat::none) {
      for (const KeySpec& k : find_section("health")->keys)
        if (k.key != "heartbeat" && k.key.rfind("heartbeat_", 0) == 0 && is_set("health", std::string(k.key)))
          key_error("health", std::string(k.key),
                    "is set but heartbeat = none, so it would be ignored; set heartbeat or remove the line");
      return;
    }
    if (h.region.empty())
      key_error("health", "heartbeat_region", "missing: required with heartbeat = cloudwatch");
    else if (h.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
      key_error("health", "heartbeat_region", "expected an AWS region name such as eu-west-1");
    if (h.credentials_file.empty())
      key_error("health", "heartbeat_credentials_file", "missing: required with heartbeat = cloudwatch");
    if (h.metric_namespace.size() > 255 || h.metric_namespace.rfind("AWS/", 0) == 0)
      key_error("health", "heartbeat_namespace", "expected up to 255 characters, not beginning with AWS/");
  }

  void check_alerts() {
    if (config_.alerts.webhook_url.empty())
      for (const char* key : {"webhook_token_file", "webhook_events"})
        if (is_set("alerts", key))
          key_error("alerts", key, "is used only with webhook_url; set webhook_url or remove the line");
    if (config_.alerts.sms_to.empty()) {
      for (const char* key : {"sms_events", "sms_min_interval", "sms_daily_limit"})
        if (is_set("alerts", key)) key_error("alerts", key, "is used only with sms_to; set sms_to or remove the line");
      return;
    }
    // A text goes out on the modem's AT port: there must be one.
    if (!config_.modem_uplink())
      key_error("alerts", "sms_to", "needs a modem: no uplink has kind = ppp or kind = cellular");
    else if (config_.modem.data == modem::DataPath::hilink)
      key_error("alerts", "sms_to",
                "needs the modem's AT port; a HiLink stick (data = hilink) is reached only through its web API");
  }

  void check_cross_keys() {
    check_hilink();
    check_uplinks();
    check_ddns();
    check_heartbeat();
    check_recovery();
    check_alerts();
  }

  std::string_view file_;
  FileCheck check_file_;
  Config config_;
  std::vector<ConfigError> errors_;
  std::vector<ConfigError> secret_errors_;
  std::map<std::pair<std::string, std::string>, Origin> origins_;
  std::map<std::string, int> section_lines_;
};

// The value as a C-style string literal, so a quote, a tab or a stray byte in
// it is visible in the message and cannot be confused with its delimiters.
std::string config_quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      constexpr char hex[] = "0123456789abcdef";
      out += std::string("\\x") + hex[u >> 4] + hex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string ConfigError::to_string() const {
  std::string s = file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": ";
  if (!section.empty()) s += "[" + section + "] ";
  if (!key.empty()) s += key + (value.empty() ? std::string() : " = " + config_quoted(value));
  if (!section.empty() || !key.empty()) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    s += ": ";
  }
  return s + message;
}

ConfigResult parse_config(std::string_view text, std::string_view file_name, FileCheck check_file) {
  return Parser(file_name, std::move(check_file)).run(text);
}

const UplinkConfig* Config::find_uplink(std::string_view name) const {
  for (const UplinkConfig& u : uplinks)
    if (u.name == name) return &u;
  return nullptr;
}

const char* to_string(UplinkKind kind) {
  switch (kind) {
    case UplinkKind::ethernet: return "ethernet";
    case UplinkKind::ppp: return "ppp";
    case UplinkKind::cellular: return "cellular";
  }
  return "ethernet";
}

std::vector<ddns::Family> families_of(DdnsFamilies families) {
  switch (families) {
    case DdnsFamilies::ipv4: return {ddns::Family::ipv4};
    case DdnsFamilies::ipv6: return {ddns::Family::ipv6};
    case DdnsFamilies::both: return {ddns::Family::ipv4, ddns::Family::ipv6};
  }
  return {ddns::Family::ipv4};
}

const UplinkConfig* Config::modem_uplink() const {
  for (const UplinkConfig& u : uplinks)
    if (is_modem_link(u.kind)) return &u;
  return nullptr;
}

NetworkInputs network_inputs(const Config& c) {
  NetworkInputs in{c.general.mode, c.general.dry_run, c.failover, c.nat, c.health.enabled, c.health.port, c.uplinks};
  for (UplinkConfig& u : in.uplinks) u.serve_status = false;
  return in;
}

}  // namespace fb::core
