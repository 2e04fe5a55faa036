// network_inputs(): what a reload compares to decide whether uplink tracking
// restarts. Every field it holds must restart it when changed; what only
// other services read must not (a restart re-probes every uplink and, in
// router mode, briefly rebuilds the ruleset).
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "fb/config/parse.hpp"
#include "minimal_config.hpp"

using namespace fb::core;
using namespace std::chrono_literals;

namespace {

const std::string kConfig = fb::test::minimal_config();

Config base() {
  ConfigResult r = parse_config(kConfig, "t.ini");
  REQUIRE(r.errors.empty());
  return *r.config;
}

fb::IpAddress ip(const char* text) {
  return *fb::IpAddress::parse(text);
}

using Change = std::pair<const char*, std::function<void(Config&)>>;

bool restarts(const Change& change) {
  Config before = base();
  Config after = before;
  change.second(after);
  return !(network_inputs(before) == network_inputs(after));
}

}  // namespace

TEST_CASE("a reload restarts uplink tracking for a change to each field it is built from") {
  // A field added to NetworkInputs or UplinkConfig breaks these bindings:
  // give it a change below (or a reason in the next test case).
  [[maybe_unused]] auto [mode, dry_run, failover, nat, health_enabled, health_port, uplinks] = network_inputs(base());
  [[maybe_unused]] auto [name, interface, kind, gateway, priority, probe, probe_targets, probe_interval, probe_timeout,
                         up_count, down_count, reliability, require, quality_window, quality_fail_latency,
                         quality_recover_latency, quality_fail_loss, quality_recover_loss, probe_on_silence, budget,
                         budget_cycle_day, budget_warn, budget_action, probe_interval_idle, metered, ipv6,
                         serve_status] = base().uplinks[0];

  const std::vector<Change> changes = {
      {"[general] mode", [](Config& c) { c.general.mode = Mode::router; }},
      {"[general] dry_run", [](Config& c) { c.general.dry_run = !c.general.dry_run; }},
      {"[failover] failback_hold", [](Config& c) { c.failover.failback_hold += 1s; }},
      {"[failover] flush_conntrack", [](Config& c) { c.failover.flush_conntrack = !c.failover.flush_conntrack; }},
      {"[nat] enabled", [](Config& c) { c.nat.enabled = !c.nat.enabled; }},
      {"[nat] lan_interface", [](Config& c) { c.nat.lan_interface = "lan1"; }},
      {"[nat] masquerade_ipv6", [](Config& c) { c.nat.masquerade_ipv6 = !c.nat.masquerade_ipv6; }},
      {"[nat] metered_allow", [](Config& c) { c.nat.metered_allow.push_back(*fb::Prefix::parse("192.168.9.0/24")); }},
      {"[health] enabled", [](Config& c) { c.health.enabled = !c.health.enabled; }},
      {"[health] port", [](Config& c) { c.health.port += 1; }},
      {"an uplink added", [](Config& c) { c.uplinks.push_back(c.uplinks[0]), c.uplinks.back().name = "spare"; }},
      {"an uplink removed", [](Config& c) { c.uplinks.pop_back(); }},
      {"uplinks reordered", [](Config& c) { std::swap(c.uplinks[0], c.uplinks[1]); }},
      {"uplink name", [](Config& c) { c.uplinks[0].name = "fibre"; }},
      {"uplink interface", [](Config& c) { c.uplinks[0].interface = "eth1"; }},
      {"uplink kind", [](Config& c) { c.uplinks[0].kind = UplinkKind::ppp; }},
      {"uplink gateway", [](Config& c) { c.uplinks[0].gateway = ip("192.168.1.254"); }},
      {"uplink gateway dropped", [](Config& c) { c.uplinks[0].gateway.reset(); }},
      {"uplink priority", [](Config& c) { c.uplinks[0].priority += 1; }},
      {"uplink probe", [](Config& c) { c.uplinks[0].probe = ProbeMethod::dns; }},
      {"uplink probe_targets", [](Config& c) { c.uplinks[0].probe_targets.push_back(ip("192.0.2.1")); }},
      {"uplink require", [](Config& c) { c.uplinks[0].require = ProbeFamilies::both; }},
      {"uplink probe_targets order",
       [](Config& c) {
         c.uplinks[0].probe_targets = {ip("192.0.2.2"), ip("192.0.2.1")};
       }},
      {"uplink probe_interval", [](Config& c) { c.uplinks[0].probe_interval += 1s; }},
      {"uplink probe_timeout", [](Config& c) { c.uplinks[0].probe_timeout += 1s; }},
      {"uplink up_count", [](Config& c) { c.uplinks[0].up_count += 1; }},
      {"uplink down_count", [](Config& c) { c.uplinks[0].down_count += 1; }},
      {"uplink reliability", [](Config& c) { c.uplinks[0].reliability += 1; }},
      {"uplink metered", [](Config& c) { c.uplinks[0].metered = !c.uplinks[0].metered; }},
      {"uplink quality_window", [](Config& c) { c.uplinks[0].quality_window += 1; }},
      {"uplink quality_fail_latency", [](Config& c) { c.uplinks[0].quality_fail_latency += 1s; }},
      {"uplink quality_recover_latency", [](Config& c) { c.uplinks[0].quality_recover_latency += 1s; }},
      {"uplink quality_fail_loss", [](Config& c) { c.uplinks[0].quality_fail_loss += 1; }},
      {"uplink quality_recover_loss", [](Config& c) { c.uplinks[0].quality_recover_loss += 1; }},
      {"uplink probe_on_silence", [](Config& c) { c.uplinks[0].probe_on_silence += 1s; }},
      {"uplink budget", [](Config& c) { c.uplinks[0].budget += 1000; }},
      {"uplink budget_cycle_day", [](Config& c) { c.uplinks[0].budget_cycle_day += 1; }},
      {"uplink budget_warn", [](Config& c) { c.uplinks[0].budget_warn += 1; }},
      {"uplink budget_action", [](Config& c) { c.uplinks[0].budget_action = fb::core::BudgetAction::stop; }},
      {"uplink probe_interval_idle", [](Config& c) { c.uplinks[0].probe_interval_idle += 1s; }},
      {"uplink ipv6", [](Config& c) { c.uplinks[0].ipv6 = !c.uplinks[0].ipv6; }},
  };
  for (const Change& change : changes) {
    CAPTURE(change.first);
    CHECK(restarts(change));
  }
}

TEST_CASE("a reload leaves uplink tracking running for changes only other services read") {
  const std::vector<Change> changes = {
      {"nothing", [](Config&) {}},
      {"uplink serve_status (the HTTP endpoint's)", [](Config& c) { c.uplinks[0].serve_status = true; }},
      {"[general] log_level", [](Config& c) { c.general.log_level = fb::Level::debug; }},
      {"[general] state_dir", [](Config& c) { c.general.state_dir = "/tmp/elsewhere"; }},
      {"[general] control_socket", [](Config& c) { c.general.control_socket = "/tmp/ctl.sock"; }},
      {"[health] listen", [](Config& c) { c.health.listen = {ip("127.0.0.1")}; }},
      {"[health] status_allow", [](Config& c) { c.health.status_allow.clear(); }},
      {"[health] request_timeout", [](Config& c) { c.health.request_timeout += 1s; }},
      {"[health] max_connections", [](Config& c) { c.health.max_connections += 1; }},
      {"[modem] apn", [](Config& c) { c.modem.apn = "web"; }},
      {"[modem] pdp_type", [](Config& c) { c.modem.pdp_type = fb::modem::PdpType::ipv4v6; }},
      {"[modem] rat", [](Config& c) { c.modem.rat = fb::modem::RatLock::lte; }},
      {"[ppp] lcp_echo_failure", [](Config& c) { c.ppp.lcp_echo_failure += 1; }},
      {"[recovery] reboot_allowed", [](Config& c) { c.recovery.reboot_allowed = !c.recovery.reboot_allowed; }},
      {"[ddns] hostname", [](Config& c) { c.ddns.hostname = "home.example.org"; }},
      {"[ddns] publish_behind_nat", [](Config& c) { c.ddns.publish_behind_nat = !c.ddns.publish_behind_nat; }},
      {"[health] heartbeat", [](Config& c) { c.heartbeat.kind = fb::core::Heartbeat::cloudwatch; }},
  };
  for (const Change& change : changes) {
    CAPTURE(change.first);
    CHECK_FALSE(restarts(change));
  }
}

TEST_CASE("the same addresses written differently are the same inputs") {
  Config a = base(), b = base();
  a.uplinks[0].gateway = ip("2001:db8::1");
  b.uplinks[0].gateway = ip("2001:0db8:0000::0001");
  CHECK(network_inputs(a) == network_inputs(b));
}
