// The HTTP handler as a pure function of (request, snapshot).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fb/health/handler.hpp"
#include "fb/text.hpp"

using namespace fb::health;

namespace {
Snapshot snapshot() {
  Snapshot s;
  s.version = "0.1.0";
  s.uptime_seconds = 42;
  s.mode = "backup-gateway";
  s.uplinks = {{"wired", "eth0", "ethernet", UplinkState::up, false, ""},
               {"cellular", "ppp0", "ppp", UplinkState::down, false, "NO_CARRIER"},
               {"dsl", "eth1", "ethernet", UplinkState::degraded, false, ""},
               {"lte", "ppp1", "ppp", UplinkState::up, true, ""},
               {"new", "eth2", "ethernet", UplinkState::unknown, false, ""}};
  return s;
}
HandlerPolicy policy() {
  return HandlerPolicy{{fb::Prefix{*fb::IpAddress::parse("127.0.0.0"), 8}}};
}
Request get(std::string target, std::string peer = "127.0.0.1", std::string arrival = "") {
  return Request{"GET", std::move(target), *fb::IpAddress::parse(peer), std::move(arrival)};
}
Response call(const Request& r) {
  return handle(r, snapshot(), policy(), HttpCounters{});
}
}  // namespace

TEST_CASE("per-uplink health: up and degraded are healthy, down, unknown and drained are not") {
  struct Row {
    const char* target;
    unsigned status;
    const char* body;
  };
  for (Row row : {Row{"/health/wired", 200, "failberry OK uplink=wired state=up\n"},
                  Row{"/health/dsl", 200, "failberry OK uplink=dsl state=degraded\n"},
                  Row{"/health/cellular", 503, "failberry FAIL uplink=cellular state=down\n"},
                  Row{"/health/new", 503, "failberry FAIL uplink=new state=unknown\n"},
                  Row{"/health/lte", 503, "failberry FAIL uplink=lte state=up drained\n"},
                  Row{"/health/wired?probe=1", 200, "failberry OK uplink=wired state=up\n"},
                  Row{"/health/nope", 404, "no such uplink\n"}}) {
    CAPTURE(row.target);
    Response r = call(get(row.target));
    CHECK(r.status == row.status);
    CHECK(r.body == row.body);
  }
}

TEST_CASE("/health answers for the uplink the request arrived on") {
  CHECK(call(get("/health", "198.51.100.7", "wired")).status == 200);
  CHECK(call(get("/health", "198.51.100.7", "cellular")).status == 503);
  Response unknown = call(get("/health", "198.51.100.7", ""));
  CHECK(unknown.status == 503);
  CHECK(unknown.body.rfind("failberry FAIL", 0) == 0);
}

TEST_CASE("/status and /metrics only for allowed addresses") {
  CHECK(call(get("/status", "203.0.113.9")).status == 403);
  CHECK(call(get("/metrics", "2001:db8::1")).status == 403);
  Response status = call(get("/status"));
  REQUIRE(status.status == 200);
  CHECK(status.content_type == "application/json");
  auto j = nlohmann::json::parse(status.body);
  CHECK(j["version"] == "0.1.0");
  CHECK(j["uptime_seconds"] == 42);
  CHECK(j["uplinks"].size() == 5);
  CHECK(j["uplinks"][1]["reason"] == "NO_CARRIER");
  CHECK(j["uplinks"][3]["healthy"] == false);

  HttpCounters counters;
  counters.responses_by_status[200] = 7;
  counters.responses_by_status[503] = 2;
  Response metrics = handle(get("/metrics"), snapshot(), policy(), counters);
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("failberry_uplink_up{uplink=\"wired\",state=\"up\"} 1\n") != std::string::npos);
  CHECK(metrics.body.find("failberry_uplink_up{uplink=\"cellular\",state=\"down\"} 0\n") != std::string::npos);
  CHECK(metrics.body.find("failberry_http_responses_total{code=\"503\"} 2\n") != std::string::npos);
  CHECK(metrics.body.find("failberry_info{version=\"0.1.0\"} 1\n") != std::string::npos);
}

TEST_CASE("other methods and paths; nothing from the request is reflected") {
  Request post = get("/health/wired");
  post.method = "POST";
  Response r = call(post);
  CHECK(r.status == 405);
  CHECK(r.allow_header);
  Response missing = call(get("/<script>alert(1)</script>"));
  CHECK(missing.status == 404);
  CHECK(missing.body.find("script") == std::string::npos);
  CHECK(call(get("/health/<b>")).body.find("<b>") == std::string::npos);
}

TEST_CASE("/status and /metrics: the ddns section, and nothing of it when no provider is set") {
  auto j = nlohmann::json::parse(call(get("/status")).body);
  CHECK(j["ddns"] == nlohmann::json{{"provider", "none"}});
  CHECK(call(get("/metrics")).body.find("failberry_ddns_") == std::string::npos);

  Snapshot s = snapshot();
  s.ddns.provider = "lambda-v3";
  s.ddns.hostname = "home.dyn.example.com";
  s.ddns.uplink = "cellular";
  s.ddns.interface = "ppp0";
  s.ddns.state = "auth_failed";
  s.ddns.code = "DDNS_AUTH_FAILED";
  s.ddns.detail = "401: Validation hashes do not match; not retrying until the config is reloaded";
  s.ddns.published = "203.0.113.7";
  s.ddns.published_at = 1763700000;
  s.ddns.last_request = "set";
  s.ddns.last_outcome = "auth_failed";
  s.ddns.last_result_at = 1763700100;
  s.ddns.failures = 1;
  s.ddns.requests = 4;
  s.ddns.results[{"get", "observed"}] = 3;
  s.ddns.results[{"set", "auth_failed"}] = 1;
  Response status = handle(get("/status"), s, policy(), HttpCounters{});
  auto d = nlohmann::json::parse(status.body)["ddns"];
  CHECK(d["provider"] == "lambda-v3");
  CHECK(d["hostname"] == "home.dyn.example.com");
  CHECK(d["uplink"] == "cellular");
  CHECK(d["state"] == "auth_failed");
  CHECK(d["code"] == "DDNS_AUTH_FAILED");
  CHECK(d["published"]["address"] == "203.0.113.7");
  CHECK(d["published"]["at"] == 1763700000);
  CHECK(d["last_result"]["request"] == "set");
  CHECK(d["last_result"]["outcome"] == "auth_failed");
  CHECK(d["next_attempt_in_seconds"].is_null());  // auth failure: nothing is planned
  CHECK(d["requests"] == 4);

  Response metrics = handle(get("/metrics"), s, policy(), HttpCounters{});
  const std::string& m = metrics.body;
  CHECK(m.find("failberry_ddns_requests_total{hostname=\"home.dyn.example.com\",request=\"get\",outcome=\"observed\"} "
               "3\n") != std::string::npos);
  CHECK(m.find("failberry_ddns_in_sync{hostname=\"home.dyn.example.com\"} 0\n") != std::string::npos);
  CHECK(m.find("failberry_ddns_error{hostname=\"home.dyn.example.com\",code=\"DDNS_AUTH_FAILED\"} 1\n") !=
        std::string::npos);
  CHECK(m.find("failberry_ddns_published_timestamp_seconds{hostname=\"home.dyn.example.com\"} 1763700000\n") !=
        std::string::npos);
  // From elsewhere: refused like the rest of /status.
  CHECK(handle(get("/status", "203.0.113.9"), s, policy(), HttpCounters{}).status == 403);
}

TEST_CASE("/status and /metrics with families = both: each record's own state, one HELP/TYPE per metric") {
  Snapshot s = snapshot();
  DdnsReport a;
  a.provider = "route53";
  a.hostname = "home.dyn.example.com";
  a.state = "behind_nat";
  a.code = "DDNS_BEHIND_NAT";
  DdnsReport aaaa = a;
  aaaa.family = "ipv6";
  aaaa.record = "AAAA";
  aaaa.state = "in_sync";
  aaaa.code = "";
  aaaa.published = "2001:db8:2::2";
  aaaa.published_at = 1763700000;
  aaaa.results[{"set", "published"}] = 1;
  s.ddns = a;
  s.ddns.families = {a, aaaa};
  auto d = nlohmann::json::parse(handle(get("/status"), s, policy(), HttpCounters{}).body)["ddns"];
  CHECK(d["family"] == "ipv4");
  CHECK(d["record"] == "A");
  CHECK(d["state"] == "behind_nat");
  CHECK(d["families"]["ipv4"]["code"] == "DDNS_BEHIND_NAT");
  CHECK(d["families"]["ipv6"]["record"] == "AAAA");
  CHECK(d["families"]["ipv6"]["state"] == "in_sync");
  CHECK(d["families"]["ipv6"]["code"].is_null());
  CHECK(d["families"]["ipv6"]["published"]["address"] == "2001:db8:2::2");
  CHECK_FALSE(d["families"]["ipv6"].contains("families"));

  const std::string m = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(m.find("failberry_ddns_in_sync{hostname=\"home.dyn.example.com\"} 0\n") != std::string::npos);
  CHECK(m.find("failberry_ddns_in_sync{hostname=\"home.dyn.example.com\",record=\"AAAA\"} 1\n") != std::string::npos);
  CHECK(m.find("failberry_ddns_error{hostname=\"home.dyn.example.com\",code=\"DDNS_BEHIND_NAT\"} 1\n") !=
        std::string::npos);
  CHECK(m.find("failberry_ddns_requests_total{hostname=\"home.dyn.example.com\",record=\"AAAA\",request=\"set\","
               "outcome=\"published\"} 1\n") != std::string::npos);
  CHECK(m.find("failberry_ddns_published_timestamp_seconds{hostname=\"home.dyn.example.com\",record=\"AAAA\"} "
               "1763700000\n") != std::string::npos);
  // The text format allows one HELP and TYPE per metric, its samples together.
  for (const char* metric : {"failberry_ddns_in_sync", "failberry_ddns_requests_total", "failberry_ddns_error"}) {
    std::string help = std::string("# HELP ") + metric + " ";
    auto first = m.find(help);
    REQUIRE(first != std::string::npos);
    CHECK(m.find(help, first + 1) == std::string::npos);
  }
}

TEST_CASE("with uplink tracking: /status names the default route and the last failover, /metrics counts them") {
  Snapshot s = snapshot();
  s.uplinks[0].active = true;
  s.uplinks[1].preferred = true;  // traffic is on wired, the preferred is the other
  s.uplinks[0].probes_sent = 10;
  s.uplinks[0].probes_lost = 3;
  s.uplinks[0].probe_rtt_us = 1500;
  s.uplinks[0].probe_bytes_sent = 840;
  s.failover.tracking = true;
  s.failover.active = "wired";
  s.failover.default_route = "default via 192.0.2.1 dev eth0 metric 10";
  s.failover.failovers = 2;
  s.failover.last_from = "wired";
  s.failover.last_to = "cellular";
  s.failover.last_reason = "CARRIER_LOST";
  s.failover.last_age_seconds = 30;
  s.failover.last_duration_ms = 12000;
  auto j = nlohmann::json::parse(status_json(s));
  CHECK(j["failover"]["active"] == "wired");
  CHECK(j["failover"]["default_route"] == "default via 192.0.2.1 dev eth0 metric 10");
  CHECK(j["failover"]["last"]["reason"] == "CARRIER_LOST");
  CHECK(j["failover"]["last"]["duration_ms"] == 12000);
  CHECK(j["failover"]["pinned"].is_null());
  CHECK(j["uplinks"][0]["active"] == true);
  CHECK(j["uplinks"][0]["probes"]["rtt_ms"] == 1.5);
  CHECK(j["uplinks"][1]["probes"]["rtt_ms"].is_null());
  Response m = handle(get("/metrics"), s, policy(), HttpCounters{});
  CHECK(m.body.find("failberry_failovers_total 2\n") != std::string::npos);
  CHECK(m.body.find("failberry_uplink_active{uplink=\"wired\"} 1\n") != std::string::npos);
  CHECK(m.body.find("failberry_uplink_preferred{uplink=\"wired\"} 0\n") != std::string::npos);
  CHECK(m.body.find("failberry_uplink_preferred{uplink=\"" + s.uplinks[1].name + "\"} 1\n") != std::string::npos);
  CHECK(j["uplinks"][1]["preferred"] == true);
  CHECK(j["uplinks"][0]["preferred"] == false);
  CHECK(m.body.find("failberry_probes_total{uplink=\"wired\",result=\"lost\"} 3\n") != std::string::npos);
  CHECK(m.body.find("failberry_probe_bytes_total{uplink=\"wired\",direction=\"sent\"} 840\n") != std::string::npos);
  CHECK(m.body.find("failberry_last_failover_duration_seconds 12\n") != std::string::npos);
}

TEST_CASE("link quality per uplink: median RTT, loss and degraded with its reason in /status and /metrics") {
  Snapshot s = snapshot();
  s.failover.tracking = true;
  s.uplinks[0].rtt_ms = 1250.5;
  s.uplinks[0].loss_percent = 45.0;
  s.uplinks[0].quality_rounds = 10;
  s.uplinks[0].degraded = true;
  s.uplinks[0].degraded_reason = "HIGH_LOSS";
  s.uplinks[0].silence_bursts = 3;
  auto j = nlohmann::json::parse(status_json(s));
  CHECK(j["uplinks"][0]["quality"] == nlohmann::json{{"rtt_ms", 1250.5},
                                                     {"loss_percent", 45.0},
                                                     {"window_rounds", 10},
                                                     {"degraded", true},
                                                     {"reason", "HIGH_LOSS"},
                                                     {"silence_bursts", 3}});
  CHECK(j["uplinks"][1]["quality"]["rtt_ms"].is_null());  // nothing measured yet
  CHECK(j["uplinks"][1]["quality"]["loss_percent"].is_null());
  CHECK(j["uplinks"][1]["quality"]["degraded"] == false);
  std::string m = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(m.find("failberry_uplink_rtt_median_seconds{uplink=\"wired\"} 1.2505\n") != std::string::npos);
  CHECK(m.find("failberry_uplink_loss_ratio{uplink=\"wired\"} 0.45\n") != std::string::npos);
  CHECK(m.find("failberry_uplink_degraded{uplink=\"wired\"} 1\n") != std::string::npos);
  CHECK(m.find("failberry_uplink_degraded{uplink=\"cellular\"} 0\n") != std::string::npos);
  CHECK(m.find("failberry_silence_bursts_total{uplink=\"wired\"} 3\n") != std::string::npos);
  CHECK(m.find("failberry_uplink_rtt_median_seconds{uplink=\"cellular\"}") == std::string::npos);
}

TEST_CASE("probe families per uplink in /metrics: targets and required always, the last round's counts after one") {
  Snapshot s = snapshot();
  s.failover.tracking = true;
  // wired: both families probed, IPv6 required and short of answers.
  s.uplinks[0].probe_families = {{"ipv4", 2, true, 2, 2, true, true, ""},
                                 {"ipv6", 2, true, 2, 1, false, true, "2001:db8::9: timeout"}};
  // cellular: no round has finished yet.
  s.uplinks[1].probe_families = {{"ipv6", 1, false, 0, 0, false, false, "NO_IPV6_ADDRESS: no global IPv6 address"}};
  std::string m = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  struct Row {
    const char* line;
    bool present;
  };
  const Row rows[] = {
      {"failberry_uplink_probe_targets{uplink=\"wired\",family=\"ipv4\"} 2\n", true},
      {"failberry_uplink_probe_targets{uplink=\"wired\",family=\"ipv6\"} 2\n", true},
      {"failberry_uplink_probe_required{uplink=\"wired\",family=\"ipv6\"} 1\n", true},
      {"failberry_uplink_probe_probed{uplink=\"wired\",family=\"ipv6\"} 2\n", true},
      {"failberry_uplink_probe_answered{uplink=\"wired\",family=\"ipv4\"} 2\n", true},
      {"failberry_uplink_probe_answered{uplink=\"wired\",family=\"ipv6\"} 1\n", true},
      {"failberry_uplink_probe_ok{uplink=\"wired\",family=\"ipv4\"} 1\n", true},
      {"failberry_uplink_probe_ok{uplink=\"wired\",family=\"ipv6\"} 0\n", true},
      {"failberry_uplink_probe_targets{uplink=\"cellular\",family=\"ipv6\"} 1\n", true},
      {"failberry_uplink_probe_required{uplink=\"cellular\",family=\"ipv6\"} 0\n", true},
      // before its first round: no counts, rather than zeros that look like a failure
      {"failberry_uplink_probe_probed{uplink=\"cellular\"", false},
      {"failberry_uplink_probe_answered{uplink=\"cellular\"", false},
      {"failberry_uplink_probe_ok{uplink=\"cellular\"", false},
      {"failberry_uplink_probe_targets{uplink=\"cellular\",family=\"ipv4\"}", false},
      {"failberry_uplink_probe_targets{uplink=\"dsl\"", false},
  };
  for (const Row& r : rows) CHECK_MESSAGE((m.find(r.line) != std::string::npos) == r.present, r.line);
  // One HELP and TYPE per metric, its samples together after them.
  for (const char* metric :
       {"failberry_uplink_probe_targets", "failberry_uplink_probe_required", "failberry_uplink_probe_probed",
        "failberry_uplink_probe_answered", "failberry_uplink_probe_ok"}) {
    std::string help = std::string("# HELP ") + metric + " ";
    auto first = m.find(help);
    REQUIRE(first != std::string::npos);
    CHECK(m.find(help, first + 1) == std::string::npos);
    CHECK(m.find(std::string("# TYPE ") + metric + " gauge\n") > first);
    CHECK(m.find(std::string(metric) + "{") > first);
  }
  // Without probe targets anywhere, none of them.
  for (UplinkStatus& u : s.uplinks) u.probe_families.clear();
  m = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(m.find("failberry_uplink_probe_") == std::string::npos);
}

TEST_CASE("data budget per uplink in /status and /metrics: used, left, cycle; an unknown budget shows no count") {
  Snapshot s = snapshot();
  s.failover.tracking = true;
  BudgetReport b;
  b.limit_bytes = 300'000;
  b.used_bytes = 160'000;
  b.state = "warn";
  b.action = "allow-list";
  b.cycle_start = 1'764'547'200;
  b.cycle_end = 1'767'225'600;
  s.uplinks[1].budget = b;
  s.uplinks[1].probe_cost_bytes_per_minute = 419.6;
  auto j = nlohmann::json::parse(status_json(s));
  CHECK(j["uplinks"][1]["budget"] == nlohmann::json{{"limit_bytes", 300000},
                                                    {"used_bytes", 160000},
                                                    {"left_bytes", 140000},
                                                    {"percent", 53.3},
                                                    {"state", "warn"},
                                                    {"action", "allow-list"},
                                                    {"limited", false},
                                                    {"cycle_start", 1764547200},
                                                    {"cycle_end", 1767225600},
                                                    {"record_problem", ""}});
  CHECK(j["uplinks"][1]["probe_cost_bytes_per_minute"] == 420);
  CHECK_FALSE(j["uplinks"][0].contains("budget"));  // no budget there
  CHECK_FALSE(j["uplinks"][0].contains("probe_cost_bytes_per_minute"));
  std::string m = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(m.find("failberry_budget_limit_bytes{uplink=\"cellular\"} 300000\n") != std::string::npos);
  CHECK(m.find("failberry_budget_used_bytes{uplink=\"cellular\"} 160000\n") != std::string::npos);
  CHECK(m.find("failberry_budget_exhausted{uplink=\"cellular\"} 0\n") != std::string::npos);
  CHECK(m.find("failberry_budget_used_bytes{uplink=\"wired\"}") == std::string::npos);

  // Used up beyond the limit: nothing left, not a negative count.
  s.uplinks[1].budget->used_bytes = 301'000;
  s.uplinks[1].budget->state = "exhausted";
  s.uplinks[1].budget->limited = true;
  j = nlohmann::json::parse(status_json(s));
  CHECK(j["uplinks"][1]["budget"]["left_bytes"] == 0);
  CHECK(handle(get("/metrics"), s, policy(), HttpCounters{})
            .body.find("failberry_budget_exhausted{uplink=\"cellular\"} 1\n") != std::string::npos);

  // A record that cannot be read: the state says so, no count is shown as if it were known, the limit holds.
  s.uplinks[1].budget->state = "unknown";
  s.uplinks[1].budget->record_problem = "cannot read /var/lib/failberry/budget.json: not JSON\nsecond line";
  j = nlohmann::json::parse(status_json(s));
  CHECK(j["uplinks"][1]["budget"]["used_bytes"].is_null());
  CHECK(j["uplinks"][1]["budget"]["left_bytes"].is_null());
  CHECK(j["uplinks"][1]["budget"]["record_problem"] ==
        "cannot read /var/lib/failberry/budget.json: not JSON second line");  // cleaned: one line
  m = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(m.find("failberry_budget_used_bytes{uplink=\"cellular\"}") == std::string::npos);
  CHECK(m.find("failberry_budget_exhausted{uplink=\"cellular\"} 1\n") != std::string::npos);
}

TEST_CASE("without uplink tracking the failover keys are absent") {
  auto j = nlohmann::json::parse(status_json(snapshot()));
  CHECK_FALSE(j.contains("failover"));
  CHECK(handle(get("/metrics"), snapshot(), policy(), HttpCounters{}).body.find("failberry_failovers_total") ==
        std::string::npos);
}

TEST_CASE("bytes per uplink: the interface's counters in /status and /metrics, null while it does not exist") {
  Snapshot s = snapshot();
  s.uplinks[0].rx_bytes = 123456789012;
  s.uplinks[0].tx_bytes = 42;
  auto j = nlohmann::json::parse(status_json(s));
  CHECK(j["uplinks"][0]["bytes"] == nlohmann::json{{"rx", 123456789012}, {"tx", 42}});
  CHECK(j["uplinks"][1]["bytes"].is_null());  // ppp0 is down: no interface, no counters
  std::string m = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(m.find("failberry_uplink_bytes_total{uplink=\"wired\",direction=\"rx\"} 123456789012\n") != std::string::npos);
  CHECK(m.find("failberry_uplink_bytes_total{uplink=\"wired\",direction=\"tx\"} 42\n") != std::string::npos);
  CHECK(m.find("failberry_uplink_bytes_total{uplink=\"cellular\"") == std::string::npos);
}

TEST_CASE("the modem section: the PPP session's addresses and how long it has been up") {
  Snapshot s = snapshot();
  CHECK_FALSE(nlohmann::json::parse(status_json(s)).contains("modem"));  // no ppp uplink: no modem section
  ModemReport m;
  m.status.state = "online";
  m.status.signal_dbm = -71;
  m.ppp_interface = "ppp0";
  m.ppp_local = "10.64.0.2";
  m.ppp_remote = "10.64.0.1";
  m.ppp_up_seconds = 3600;
  s.modem = m;
  auto ppp = nlohmann::json::parse(status_json(s))["modem"]["ppp"];
  CHECK(ppp["local"] == "10.64.0.2");
  CHECK(ppp["up_seconds"] == 3600);
  s.modem->ppp_up_seconds.reset();  // the link is down
  CHECK(nlohmann::json::parse(status_json(s))["modem"]["ppp"]["up_seconds"].is_null());
  CHECK(handle(get("/metrics"), s, policy(), HttpCounters{}).body.find("failberry_modem_signal_dbm -71\n") !=
        std::string::npos);
}

TEST_CASE("the modem section: the radio access technology, RSRP, RSRQ, SINR and band where known") {
  Snapshot s = snapshot();
  ModemReport m;
  m.status.state = "online";
  m.status.signal_dbm = -79;
  m.status.signal_bars = 4;
  s.modem = m;
  auto j = nlohmann::json::parse(status_json(s))["modem"];
  CHECK(j["rat"] == "");  // a 3G stick on +CSQ alone: nothing LTE is known
  CHECK(j["rsrp_dbm"].is_null());
  CHECK(j["band"].is_null());
  std::string metrics = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(metrics.find("failberry_modem_rsrp_dbm") == std::string::npos);
  CHECK(metrics.find("failberry_modem_radio_info") == std::string::npos);

  s.modem->status.rat = "lte";
  s.modem->status.rsrp_dbm = -97;
  s.modem->status.rsrq_db = -8.5;
  s.modem->status.sinr_db = 13.4;
  s.modem->status.band = 20;
  j = nlohmann::json::parse(status_json(s))["modem"];
  CHECK(j["rat"] == "lte");
  CHECK(j["rsrp_dbm"] == -97);
  CHECK(j["rsrq_db"] == -8.5);
  CHECK(j["sinr_db"] == 13.4);
  CHECK(j["band"] == 20);
  CHECK(j["signal_bars"] == 4);
  metrics = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(metrics.find("failberry_modem_radio_info{rat=\"lte\",band=\"20\"} 1\n") != std::string::npos);
  CHECK(metrics.find("failberry_modem_rsrp_dbm -97\n") != std::string::npos);
  CHECK(metrics.find("failberry_modem_rsrq_db -8.5\n") != std::string::npos);
  CHECK(metrics.find("failberry_modem_sinr_db 13.4\n") != std::string::npos);
}

TEST_CASE("/status and /metrics are never served on an uplink unless it has serve_status") {
  // A carrier's CGNAT neighbour in 10.0.0.0/8, asking on the cellular uplink: refused even when the
  // allow-list would let the address in; /health stays open there (Route53 asks it).
  HandlerPolicy open{{fb::Prefix{*fb::IpAddress::parse("0.0.0.0"), 0}}};
  for (const char* path : {"/status", "/metrics"}) {
    CAPTURE(path);
    Response r = handle(get(path, "10.12.0.9", "cellular"), snapshot(), open, HttpCounters{});
    CHECK(r.status == 403);
    CHECK(r.body.find("not served on uplink cellular ([uplink.cellular] serve_status)") != std::string::npos);
    CHECK(handle(get(path, "10.12.0.9", ""), snapshot(), open, HttpCounters{}).status == 200);  // the LAN
  }
  CHECK(handle(get("/health", "10.12.0.9", "cellular"), snapshot(), open, HttpCounters{}).status == 503);
  CHECK(handle(get("/health/wired", "10.12.0.9", "cellular"), snapshot(), open, HttpCounters{}).status == 200);
  HandlerPolicy named = open;
  named.status_uplinks = {"wired"};
  CHECK(handle(get("/status", "198.51.100.3", "wired"), snapshot(), named, HttpCounters{}).status == 200);
  CHECK(handle(get("/status", "10.12.0.9", "cellular"), snapshot(), named, HttpCounters{}).status == 403);
  named.status_allow = {fb::Prefix{*fb::IpAddress::parse("127.0.0.0"), 8}};  // and the allow-list still applies
  CHECK(handle(get("/status", "198.51.100.3", "wired"), snapshot(), named, HttpCounters{}).status == 403);
}

TEST_CASE("text from outside that is not UTF-8 never breaks /status (it used to throw and abort the daemon)") {
  Snapshot s = snapshot();
  s.ddns.provider = "lambda-v3";
  s.ddns.hostname = "home.dyn.example.com";
  s.ddns.code = "DDNS_SERVER_ERROR";
  s.ddns.detail = std::string("500: Telef\xF3nica \xE2\x82") + "\x01";  // Latin-1, a cut-off UTF-8 sequence, a control
  Response r = handle(get("/status"), s, policy(), HttpCounters{});
  CHECK(r.status == 200);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["ddns"]["detail"].get<std::string>().rfind("500: Telef", 0) == 0);
}

TEST_CASE("clean_text: valid UTF-8 out, whatever comes in, cut on a character boundary") {
  CHECK(fb::clean_text("plain ascii") == "plain ascii");
  CHECK(fb::clean_text("Telef\xC3\xB3nica") == "Telef\xC3\xB3nica");  // valid UTF-8 kept
  CHECK(fb::clean_text("Telef\xF3nica") == "Telef\xEF\xBF\xBDnica");  // Latin-1 byte -> U+FFFD
  CHECK(fb::clean_text("a\r\nb\x1b[31m") == "a  b [31m");             // controls -> spaces
  CHECK(
      fb::clean_text("\xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80") ==  // overlong, surrogate, > U+10FFFF
      "\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(fb::clean_text("ab\xE2\x82\xAC", 4) == "ab...");  // no half euro sign
  CHECK(fb::clean_text("ab\xE2\x82\xAC", 5) == "ab\xE2\x82\xAC");
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  CHECK_NOTHROW(nlohmann::json(fb::clean_text(all, 1000)).dump());
}

TEST_CASE("/status: the last events, oldest first, each with every key (null when it does not apply)") {
  CHECK(nlohmann::json::parse(call(get("/status")).body)["events"] == nlohmann::json::array());
  Snapshot s = snapshot();
  fb::Event failover;
  failover.kind = fb::EventKind::failover;
  failover.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796551356123));
  failover.uplink = "cellular";
  failover.from = "wired";
  failover.to = "cellular";
  failover.reason = "CARRIER_LOST";
  failover.duration = std::chrono::milliseconds(5000);
  failover.message = "default route wired -> cellular";
  fb::Event odd;
  odd.kind = fb::EventKind::modem_error;
  odd.reason = "AT_ERROR";
  odd.message = std::string("bad \xff\nbyte");
  s.events = {failover, odd};
  auto events = nlohmann::json::parse(handle(get("/status"), s, policy(), HttpCounters{}).body)["events"];
  REQUIRE(events.size() == 2);
  CHECK(events[0] == nlohmann::json{{"time", "2026-12-06T10:02:36.123Z"},
                                    {"event", "failover"},
                                    {"uplink", "cellular"},
                                    {"from", "wired"},
                                    {"to", "cellular"},
                                    {"reason", "CARRIER_LOST"},
                                    {"address", nullptr},
                                    {"duration_ms", 5000},
                                    {"message", "default route wired -> cellular"}});
  CHECK(events[1]["event"] == "modem_error");
  CHECK(events[1]["time"].is_null());
  CHECK(events[1]["duration_ms"].is_null());
  CHECK(events[1]["message"] == "bad \xEF\xBF\xBD byte");
  // One line each for the control socket's stream.
  std::string line = event_json(odd);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(nlohmann::json::parse(line) == events[1]);
}

TEST_CASE("/status alerts.sms and the SMS counters in /metrics; null and absent without sms_to") {
  auto j = nlohmann::json::parse(call(get("/status")).body);
  CHECK(j["alerts"]["sms"].is_null());
  CHECK(call(get("/metrics")).body.find("failberry_sms_") == std::string::npos);

  Snapshot s = snapshot();
  s.sms.configured = true;
  s.sms.to = {"+******00", "+**********23"};
  s.sms.sent = 3;
  s.sms.failed = 1;
  s.sms.dropped_daily_limit = 2;
  s.sms.queued = 1;
  s.sms.last_error = "+******00: AT_CMS_ERROR: +CMS ERROR: 500 (unknown error)";
  s.sms.waiting_reason = "RATE_LIMIT: sms_min_interval; the next text in 20 s";
  auto sms = nlohmann::json::parse(handle(get("/status"), s, policy(), HttpCounters{}).body)["alerts"]["sms"];
  CHECK(sms == nlohmann::json{{"to", {"+******00", "+**********23"}},
                              {"sent", 3},
                              {"failed", 1},
                              {"dropped_daily_limit", 2},
                              {"queued", 1},
                              {"last_error", "+******00: AT_CMS_ERROR: +CMS ERROR: 500 (unknown error)"},
                              {"waiting_reason", "RATE_LIMIT: sms_min_interval; the next text in 20 s"}});
  s.sms.last_error.clear();
  s.sms.waiting_reason.clear();
  sms = nlohmann::json::parse(handle(get("/status"), s, policy(), HttpCounters{}).body)["alerts"]["sms"];
  CHECK(sms["last_error"].is_null());
  CHECK(sms["waiting_reason"].is_null());
  std::string m = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(m.find("\nfailberry_sms_sent_total 3\n") != std::string::npos);
  CHECK(m.find("\nfailberry_sms_failed_total 1\n") != std::string::npos);
  CHECK(m.find("\nfailberry_sms_dropped_total 2\n") != std::string::npos);
}

namespace {
HostHealth host_of_a_pi() {
  HostHealth h;
  FilesystemUsage root{"root", "/", "/", 32'000'000'000ull, 8'000'000'000ull, false, ""};
  FilesystemUsage data{"data",
                       "/var/lib/failberry",
                       "/var/lib/failberry",
                       std::nullopt,
                       std::nullopt,
                       std::nullopt,
                       "statvfs /var/lib/failberry: No such file or directory"};
  h.filesystems = {root, data};
  h.memory = HostValue<MemoryInfo>::known({4'000'000'000ull, 3'000'000'000ull});
  h.load = HostValue<std::array<double, 3>>::known({0.5, 0.25, 1.5});
  h.thermal = {
      {"thermal_zone0", "cpu-thermal", HostValue<double>::known(51.5)},
      {"thermal_zone1", "bogus", HostValue<double>::missing("thermal_zone1 temp: not millidegrees Celsius: \"x\"")}};
  h.cpu_zone = "thermal_zone0";
  h.throttled = HostValue<ThrottleFlags>::known({0x50005});
  h.throttled_source = "/sys/devices/platform/soc/soc:firmware/get_throttled";
  h.root_readonly = HostValue<bool>::known(true);
  h.uptime_seconds = HostValue<double>::known(1000.5);
  h.boot_time = 1'700'000'000;
  h.boot_id = HostValue<std::string>::missing("cannot read /proc/sys/kernel/random/boot_id: Permission denied");
  return h;
}
}  // namespace

TEST_CASE("host health: node-exporter names in /metrics, a host object in /status, unknown values absent with why") {
  Snapshot s = snapshot();
  s.host = host_of_a_pi();
  std::string metrics = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  for (const char* line : {
           "# TYPE failberry_node_filesystem_size_bytes gauge\n",
           "failberry_node_filesystem_size_bytes{mountpoint=\"/\",role=\"root\"} 32000000000\n",
           "failberry_node_filesystem_avail_bytes{mountpoint=\"/\",role=\"root\"} 8000000000\n",
           "failberry_node_filesystem_readonly{mountpoint=\"/\",role=\"root\"} 0\n",
           "failberry_root_remounted_readonly 1\n",
           "# HELP failberry_node_memory_MemTotal_bytes ",
           "failberry_node_memory_MemTotal_bytes 4000000000\n",
           "failberry_node_memory_MemAvailable_bytes 3000000000\n",
           "failberry_node_load1 0.5\n",
           "failberry_node_load5 0.25\n",
           "failberry_node_load15 1.5\n",
           "failberry_node_thermal_zone_temp{type=\"cpu-thermal\",zone=\"thermal_zone0\"} 51.5\n",
           "failberry_rpi_throttled{flag=\"under_voltage_now\"} 1\n",
           "failberry_rpi_throttled{flag=\"arm_freq_capped_now\"} 0\n",
           "failberry_rpi_throttled{flag=\"throttled_now\"} 1\n",
           "failberry_rpi_throttled{flag=\"soft_temp_limit_now\"} 0\n",
           "failberry_rpi_throttled{flag=\"under_voltage_occurred\"} 1\n",
           "failberry_rpi_throttled{flag=\"throttled_occurred\"} 1\n",
           "failberry_rpi_throttled{flag=\"soft_temp_limit_occurred\"} 0\n",
           "failberry_node_boot_time_seconds 1700000000\n",
           "failberry_host_unknown{fact=\"filesystem data\"} 1\n",
           "failberry_host_unknown{fact=\"thermal thermal_zone1\"} 1\n",
           "failberry_host_unknown{fact=\"boot_id\"} 1\n",
       }) {
    CAPTURE(line);
    CHECK(metrics.find(line) != std::string::npos);
  }
  // Unknown is no sample, never a zero.
  CHECK(metrics.find("role=\"data\"}") == std::string::npos);
  CHECK(metrics.find("zone=\"thermal_zone1\"") == std::string::npos);
  CHECK(metrics.find("failberry_node_boot_info") == std::string::npos);
  CHECK(metrics.find("failberry_host_unknown{fact=\"memory\"}") == std::string::npos);

  auto j = nlohmann::json::parse(handle(get("/status"), s, policy(), HttpCounters{}).body);
  const auto& h = j["host"];
  CHECK(h["filesystems"][0]["mountpoint"] == "/");
  CHECK(h["filesystems"][0]["used_percent"].get<double>() == doctest::Approx(75.0));
  CHECK(h["filesystems"][0]["readonly"] == false);
  CHECK(h["filesystems"][1]["size_bytes"].is_null());
  CHECK(h["filesystems"][1]["used_percent"].is_null());
  CHECK(h["memory"]["available_bytes"] == 3'000'000'000ull);
  CHECK(h["load"] == nlohmann::json({0.5, 0.25, 1.5}));
  CHECK(h["cpu_temperature_celsius"] == 51.5);
  CHECK(h["cpu_zone"] == "thermal_zone0");
  CHECK(h["thermal_zones"][1]["celsius"].is_null());
  CHECK(h["throttled"]["raw"] == "0x50005");
  CHECK(h["throttled"]["flags"] ==
        nlohmann::json({"under_voltage_now", "throttled_now", "under_voltage_occurred", "throttled_occurred"}));
  CHECK(h["root_readonly"] == true);
  CHECK(h["uptime_seconds"] == 1000.5);
  CHECK(h["boot_time"] == 1'700'000'000);
  CHECK(h["boot_id"].is_null());
  CHECK(h["unknown"] ==
        nlohmann::json({{"filesystem data", "statvfs /var/lib/failberry: No such file or directory"},
                        {"thermal thermal_zone1", "thermal_zone1 temp: not millidegrees Celsius: \"x\""},
                        {"boot_id", "cannot read /proc/sys/kernel/random/boot_id: Permission denied"}}));
}

TEST_CASE("host health off a Pi: no throttling samples, and the reason in /status") {
  Snapshot s = snapshot();
  s.host = host_of_a_pi();
  s.host->throttled = HostValue<ThrottleFlags>::missing("no /sys/devices/platform/soc/soc:firmware/get_throttled");
  s.host->throttled_source.clear();
  std::string metrics = handle(get("/metrics"), s, policy(), HttpCounters{}).body;
  CHECK(metrics.find("failberry_rpi_throttled{") == std::string::npos);
  CHECK(metrics.find("failberry_host_unknown{fact=\"throttled\"} 1\n") != std::string::npos);
  auto j = nlohmann::json::parse(handle(get("/status"), s, policy(), HttpCounters{}).body);
  CHECK(j["host"]["throttled"].is_null());
  CHECK(j["host"]["unknown"]["throttled"] == "no /sys/devices/platform/soc/soc:firmware/get_throttled");
  // Without a host reading (a snapshot built elsewhere) there is no host section at all.
  CHECK_FALSE(nlohmann::json::parse(call(get("/status")).body).contains("host"));
  CHECK(call(get("/metrics")).body.find("failberry_node_") == std::string::npos);
}

TEST_CASE("GET / serves the status page to whom /status is served, and to no one else") {
  Snapshot s = snapshot();
  Response page = handle(get("/"), s, policy(), HttpCounters{});
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.body.rfind("<!doctype html>", 0) == 0);
  CHECK(page.body.find("fetch(\"/status\"") != std::string::npos);
  // Self-contained: nothing from another origin.
  CHECK(page.body.find("http://") == std::string::npos);
  CHECK(page.body.find("https://") == std::string::npos);
  CHECK(page.body.find("src=") == std::string::npos);
  CHECK(handle(get("/", "203.0.113.9"), s, policy(), HttpCounters{}).status == 403);
  HandlerPolicy on_wired = policy();
  CHECK(handle(get("/", "127.0.0.1", "cellular"), s, on_wired, HttpCounters{}).status == 403);
  CHECK(handle(get("/?refresh=1"), s, policy(), HttpCounters{}).status == 200);
}

TEST_CASE("/status carries the signal history for the page's chart") {
  Snapshot s = snapshot();
  s.signal_history = {{120, -97, "RSRP", 3}, {90, std::nullopt, "", std::nullopt}};
  auto j = nlohmann::json::parse(status_json(s));
  REQUIRE(j["signal_history"].size() == 2);
  CHECK(j["signal_history"][0]["age_seconds"] == 120);
  CHECK(j["signal_history"][0]["dbm"] == -97);
  CHECK(j["signal_history"][0]["kind"] == "RSRP");
  CHECK(j["signal_history"][0]["bars"] == 3);
  CHECK(j["signal_history"][1]["dbm"].is_null());
  CHECK(j["signal_history"][1]["kind"].is_null());
}
