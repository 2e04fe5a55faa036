// The typed configuration of failberryd, parsed once from the INI file.
//
// Contract: plain values, no I/O. Produced only by fb::core::parse_config()
// (config/parse.hpp), so every field has passed its schema rule and the
// cross-key rules; defaults come from the schema table (config/schema.cpp),
// which is the single source of truth for names, types, ranges and docs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/ddns/reply.hpp"
#include "fb/event.hpp"
#include "fb/health/uplink_health.hpp"
#include "fb/log.hpp"
#include "fb/modem/dial.hpp"
#include "fb/modem/discovery.hpp"
#include "fb/modem/profile.hpp"
#include "fb/net_types.hpp"
#include "fb/time.hpp"

namespace fb::core {

using fb::IpAddress;
using fb::Prefix;

// [modem] device: how to find the modem, read once by modem::parse_selector()
// (a tty must be written as a /dev/ path here).
struct ModemDevice {
  modem::ModemSelector selector;
  std::string text;  // as written: the tty path the service opens, /status's "device"
  // "api": no USB discovery; the stick is its HTTP API (data = hilink only).
  bool api_only() const { return text == "api"; }
  bool operator==(const ModemDevice&) const = default;
};

enum class Mode { backup_gateway, router };
// ethernet: a wired gateway. ppp and cellular: the link failberryd brings up
// through the modem — ppp always dials PPP (the older word, kept), cellular
// takes the data path [modem] data chooses.
enum class UplinkKind { ethernet, ppp, cellular };

// [uplink.X] budget_action: what happens when the uplink's data budget is used up.
enum class BudgetAction { warn, allow_list, stop };
constexpr bool is_modem_link(UplinkKind kind) {
  return kind != UplinkKind::ethernet;
}
const char* to_string(UplinkKind kind);  // "ethernet", "ppp", "cellular"
using ProbeMethod = health::ProbeKind;   // [uplink.*] probe: what the prober sends

struct GeneralConfig {
  Mode mode = Mode::backup_gateway;
  Level log_level = Level::info;
  std::string state_dir;
  std::string control_socket;
  bool dry_run = false;
  std::string lldp_socket;  // lldpd's control socket: the LLDP neighbours in /status
};

struct ModemConfig {
  ModemDevice device;
  std::string apn;
  std::optional<modem::PdpType> pdp_type;    // none: not written (IPV4V6 when the stick lists it, else IP)
  modem::RatLock rat = modem::RatLock::any;  // which technologies the stick may use
  std::string pin_file;                      // empty: no PIN
  std::optional<modem::Vendor> profile;      // none: "auto", from the USB vendor id
  std::optional<modem::DataPath> data;       // none: "auto", by the uplink's interface name
  bool disable_cdrom = true;
  Duration command_timeout{};
  std::string hilink_url;                      // data = hilink: the stick's API; empty: the router API's own
  std::string hilink_password_file;            // data = hilink: its login password; empty: none
  std::optional<modem::RouterApi> router_api;  // data = hilink: the stick's API dialect; none: "auto"
  bool operator==(const ModemConfig&) const = default;
};

struct PppConfig {
  std::string pppd;
  Duration lcp_echo_interval{};
  int lcp_echo_failure = 0;
  std::string credentials_file;  // empty: no PAP/CHAP secrets
  Duration connect_timeout{};
  bool operator==(const PppConfig&) const = default;
};

// `interface = auto` (kind = cellular on the net data path): the stick's own
// interface, found in sysfs beside its AT port when the modem is found
// (ModemService) and bound late by NetworkService.
inline constexpr std::string_view kAutoInterface = "auto";

// [uplink] require: the probe families that must answer for a round to succeed.
enum class ProbeFamilies { ipv4, ipv6, both };

struct UplinkConfig {
  std::string name;       // from [uplink.NAME]
  std::string interface;  // kAutoInterface: found beside the modem's AT port (interface_auto())
  UplinkKind kind = UplinkKind::ethernet;
  std::optional<IpAddress> gateway;
  int priority = 0;
  ProbeMethod probe = ProbeMethod::icmp;
  std::vector<IpAddress> probe_targets;
  Duration probe_interval{};
  Duration probe_timeout{};
  int up_count = 0;
  int down_count = 0;
  int reliability = 0;  // per required family
  // Unset: ipv4 when probe_targets has an IPv4 address, else ipv6 (required_families()).
  std::optional<ProbeFamilies> require;
  // Link quality: 0 = not set (a threshold off; a recover threshold is then half its fail one).
  int quality_window = 0;  // probe rounds
  Duration quality_fail_latency{};
  Duration quality_recover_latency{};
  int quality_fail_loss = 0;      // percent
  int quality_recover_loss = -1;  // percent; -1: not set
  Duration probe_on_silence{};    // 0: off
  // Data budget: 0 bytes = none (the budget_* keys need one).
  std::uint64_t budget = 0;
  int budget_cycle_day = 1;  // 1-28: the count starts again at local midnight of this day of the month
  int budget_warn = 80;      // percent
  BudgetAction budget_action = BudgetAction::warn;
  Duration probe_interval_idle{};  // 0: not set (probe_interval)
  bool metered = false;
  // IPv6 through this uplink: its addresses and router from the kernel (router
  // advertisements, accept_ra = 2), its own v6 table and rules, and the v6
  // default route with the v4 one.
  bool ipv6 = false;
  bool serve_status = false;  // /status and /metrics also to requests arriving on this uplink
  bool interface_auto() const { return interface == kAutoInterface; }
  int probe_targets_of(int family) const {
    int n = 0;
    for (const IpAddress& t : probe_targets) n += t.family == family ? 1 : 0;
    return n;
  }
  ProbeFamilies required_families() const {
    if (require) return *require;
    return probe_targets_of(AF_INET) > 0 || probe_targets.empty() ? ProbeFamilies::ipv4 : ProbeFamilies::ipv6;
  }
  // Whether a probe round needs answers from `family` (AF_INET, AF_INET6):
  // IPv6 only where failberryd runs the uplink's IPv6; with ipv6 = false the
  // targets of both families are one IPv4 pool (parse.cpp).
  bool requires_family(int family) const {
    if (family == AF_INET6) return ipv6 && required_families() != ProbeFamilies::ipv4;
    return !ipv6 || required_families() != ProbeFamilies::ipv6;
  }
  // `require = ipv6` written down: the uplink may have no IPv4 at all (an
  // IPv6-only carrier). It is up on its IPv6 alone, and while it has no IPv4
  // address IPv4 has no way out through it.
  bool may_lack_ipv4() const { return ipv6 && require == ProbeFamilies::ipv6; }
  bool operator==(const UplinkConfig&) const = default;
};

struct FailoverConfig {
  Duration failback_hold{};
  bool flush_conntrack = true;
  bool operator==(const FailoverConfig&) const = default;
};

struct NatConfig {
  bool enabled = true;
  std::string lan_interface;
  std::vector<Prefix> metered_allow;  // empty: every LAN host may use a metered uplink
  bool masquerade_ipv6 = false;       // NAT66 out of the ipv6 uplinks too
  bool operator==(const NatConfig&) const = default;
};

struct HealthConfig {
  bool enabled = true;
  std::vector<IpAddress> listen;
  int port = 0;
  std::vector<Prefix> status_allow;
  Duration request_timeout{};
  int max_connections = 0;
  bool operator==(const HealthConfig&) const = default;
};

// [ddns] families: which records are kept (A, AAAA, or both, each on its own).
enum class DdnsFamilies { ipv4, ipv6, both };
std::vector<ddns::Family> families_of(DdnsFamilies families);

struct DdnsConfig {
  std::optional<ddns::Provider> provider;  // none: no DDNS
  DdnsFamilies families = DdnsFamilies::ipv4;
  std::string url;
  std::string hostname;
  std::string secret_file;
  std::string api_key_file;
  std::string uplink;
  Duration interval{};
  std::string zone_id;
  int ttl = 0;
  std::string credentials_file;
  std::string ca_file;
  bool publish_behind_nat = false;  // publish a record for an uplink behind carrier-grade NAT
};

// [health] heartbeat*: a push heartbeat per uplink (CloudWatch PutMetricData).
enum class Heartbeat { none, cloudwatch };
struct HeartbeatConfig {
  Heartbeat kind = Heartbeat::none;
  Duration interval{};
  std::string region;
  std::string metric_namespace;
  std::string credentials_file;
  std::string endpoint;  // "" : https://monitoring.<region>.amazonaws.com
  std::string ca_file;
  bool operator==(const HeartbeatConfig&) const = default;
};

struct RecoveryConfig {
  int redial_attempts = 0;
  int reset_attempts = 0;
  int power_cycle_attempts = 0;
  Duration backoff_initial{};
  Duration backoff_max{};
  Duration stable_after{};
  std::string hub;   // "auto" or a uhubctl-style location
  int hub_port = 0;  // 0: the modem's own port
  bool reboot_allowed = false;
  int reboot_max_per_day = 0;
  bool operator==(const RecoveryConfig&) const = default;
};

// [alerts]: how people learn what happened (events, firmware/event_bus.hpp).
struct AlertsConfig {
  std::string hooks_dir;  // each executable in it runs for each event
  Duration hook_timeout{};
  std::string webhook_url;                // "": no webhook; else http(s)://host[:port][/path][?query]
  std::string webhook_token_file;         // "": no Authorization header
  std::vector<EventKind> webhook_events;  // the kinds that are posted, in no particular order
  std::vector<std::string> sms_to;        // "": no texts; else "+15550100"-form numbers
  std::vector<EventKind> sms_events;      // the kinds that send a text
  Duration sms_min_interval{};            // at most one text per number in this time
  int sms_daily_limit = 0;                // texts per number in 24 hours
  bool operator==(const AlertsConfig&) const = default;
};

struct Config {
  GeneralConfig general;
  ModemConfig modem;
  PppConfig ppp;
  std::vector<UplinkConfig> uplinks;  // in file order
  FailoverConfig failover;
  NatConfig nat;
  HealthConfig health;
  HeartbeatConfig heartbeat;  // keys in [health]
  DdnsConfig ddns;
  RecoveryConfig recovery;
  AlertsConfig alerts;

  const UplinkConfig* find_uplink(std::string_view name) const;
  // The uplink the modem brings up (kind = ppp or cellular; at most one), or null.
  const UplinkConfig* modem_uplink() const;
};

// What uplink tracking (NetworkService) is built from: a reload restarts it
// when this differs from what it was started with.
struct NetworkInputs {
  Mode mode = Mode::backup_gateway;
  bool dry_run = false;
  FailoverConfig failover;
  NatConfig nat;
  bool health_enabled = true;  // the ruleset lets the endpoint's port in
  int health_port = 0;
  std::vector<UplinkConfig> uplinks;  // serve_status left false: only the HTTP endpoint reads it
  bool operator==(const NetworkInputs&) const = default;
};
NetworkInputs network_inputs(const Config& config);

}  // namespace fb::core
