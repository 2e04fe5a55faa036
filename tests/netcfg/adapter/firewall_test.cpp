// The `inet failberry` table through NetlinkSystem/NftTable against the real
// nf_tables: applied, listed back by nft as exactly the text we generated,
// replaced as a whole, refused batches leaving the old table, other tables
// untouched. Root.
#include <doctest/doctest.h>

#include <regex>

#include "fb/net/firewall.hpp"
#include "fb/net/nft_table.hpp"
#include "lab.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using namespace fb::net::test;

namespace {

std::string listed(const NetNamespace& ns) {
  static const std::regex counters("counter packets [0-9]+ bytes [0-9]+");
  return std::regex_replace(must(ns, {"nft", "list", "table", "inet", "failberry"}), counters, "counter");
}

std::string foreign_tables(const NetNamespace& ns) {
  return must(ns, {"nft", "list", "table", "inet", "user"}) + must(ns, {"nft", "list", "table", "ip", "nat"});
}

std::unique_ptr<NftTable> open_nft(const NetNamespace& ns) {
  NetNamespace::Enter inside(ns);
  auto table = NftTable::open();
  REQUIRE_MESSAGE(table.ok(), describe(table));
  return std::move(table).value();
}

}  // namespace

TEST_CASE("the table is applied, listed back by nft as the generated text, and replaced as a whole") {
  TwoUplinks lab;
  seed_foreign_state(lab.ns);
  std::string user_before = foreign_tables(lab.ns);
  auto sys = open_system(lab.ns);

  FirewallSpec backup = backup_gateway_spec();
  REQUIRE(sys->apply_firewall(backup).ok());
  CHECK(listed(lab.ns) == render_ruleset(backup));
  CHECK(sys->read_owned()->firewall);

  // Structure, through nft's JSON: the hooks and priorities the design needs.
  std::map<std::string, nlohmann::json> chains;
  nlohmann::json listing = json_of(lab.ns, {"nft", "-j", "list", "table", "inet", "failberry"});
  for (const auto& item : listing["nftables"])
    if (item.contains("chain")) chains[item["chain"]["name"].get<std::string>()] = item["chain"];
  REQUIRE(chains.size() == 5);
  CHECK(chains["prerouting"]["prio"] == -150);  // mangle: before dstnat and the routing decision
  CHECK(chains["output"]["type"] == "route");   // a mark change re-routes local replies
  CHECK(chains["postrouting"]["type"] == "nat");

  FirewallSpec router = router_spec();
  REQUIRE(sys->apply_firewall(router).ok());
  CHECK(listed(lab.ns) == render_ruleset(router));  // nothing of the previous table survives
  CHECK(foreign_tables(lab.ns) == user_before);

  auto nft = open_nft(lab.ns);
  auto adapter_view = nft->list();
  REQUIRE(adapter_view.ok());
  CHECK(adapter_view.value() == must(lab.ns, {"nft", "list", "table", "inet", "failberry"}));
}

TEST_CASE("an uplink bound late: the table without its interface, then with it, as nft lists them") {
  TwoUplinks lab;
  auto sys = open_system(lab.ns);
  FirewallSpec unbound = unbound_spec();
  REQUIRE(sys->apply_firewall(unbound).ok());
  CHECK(listed(lab.ns) == render_ruleset(unbound));
  FirewallSpec bound = late_bound_spec();
  REQUIRE(sys->apply_firewall(bound).ok());
  CHECK(listed(lab.ns) == render_ruleset(bound));
}

TEST_CASE("a used-up data budget's tables (allow-list, stop) as nft lists them") {
  TwoUplinks lab;
  auto sys = open_system(lab.ns);
  for (const FirewallSpec& spec : {budget_allow_list_spec(), budget_stop_spec(), router_spec()}) {
    REQUIRE(sys->apply_firewall(spec).ok());
    CHECK(listed(lab.ns) == render_ruleset(spec));
  }
}

TEST_CASE("a batch the kernel refuses changes nothing: the previous table stays whole") {
  NetNamespace ns;
  auto sys = open_system(ns);
  REQUIRE(sys->apply_firewall(minimal_spec()).ok());
  std::string before = listed(ns);

  // Valid nft syntax that the kernel rejects (no NAT on the forward hook),
  // after the batch has already deleted the table.
  auto nft = open_nft(ns);
  Status refused = nft->run(replace_transaction("table inet failberry {\n\tchain c {\n\t\ttype nat hook forward "
                                                "priority 0; policy accept;\n\t}\n}\n"),
                            NetError::nft_apply_failed);
  CHECK(refused.code() == NetError::nft_apply_failed);
  MESSAGE(describe(refused));
  CHECK(refused.error().detail.find("Operation not supported") != std::string::npos);
  CHECK(listed(ns) == before);
}

TEST_CASE("remove_firewall removes failberry's table only, and may be repeated") {
  TwoUplinks lab;
  seed_foreign_state(lab.ns);
  std::string user_before = foreign_tables(lab.ns);
  auto sys = open_system(lab.ns);
  REQUIRE(sys->apply_firewall(router_spec()).ok());
  REQUIRE(sys->remove_firewall().ok());
  std::string tables = must(lab.ns, {"nft", "list", "tables"});
  CHECK(tables.find("failberry") == std::string::npos);
  CHECK(foreign_tables(lab.ns) == user_before);
  CHECK_FALSE(sys->read_owned()->firewall);
  CHECK(sys->remove_firewall().ok());
}

TEST_CASE("every golden ruleset passes the real nft's check") {
  NetNamespace ns;
  for (const char* name :
       {"backup_gateway.nft", "router.nft", "minimal.nft", "budget_allow_list.nft", "budget_stop.nft", "nat66.nft"}) {
    auto r = ns.exec({"nft", "-c", "-f", std::string(FB_NETCFG_GOLDEN_DIR) + "/" + name});
    CHECK_MESSAGE(r.code == 0, name << ": " << r.output);
  }
}

TEST_CASE("traffic through the table: IPv4 leaves masqueraded, IPv6 as it is unless NAT66 is asked for") {
  // lan (192.168.7.10, 2001:db8:7::10) -- pi (LAN fbl0, uplink fbu0) -- isp,
  // which routes the LAN's IPv6 prefix back to the pi (the prefix the uplink
  // routes to us) but knows no route to the LAN's IPv4 network.
  NetNamespace lan("fw6-lan"), pi("fw6-pi"), isp("fw6-isp");
  for (const NetNamespace* ns : {&lan, &pi, &isp}) must(*ns, {"sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"});
  veth(lan, "fbc0", "192.168.7.10/24", pi, "fbl0", "192.168.7.1/24");
  veth(pi, "fbu0", "198.51.100.2/24", isp, "fbi0", "198.51.100.1/24");
  must(lan, {"ip", "-6", "addr", "add", "2001:db8:7::10/64", "dev", "fbc0", "nodad"});
  must(pi, {"ip", "-6", "addr", "add", "2001:db8:7::1/64", "dev", "fbl0", "nodad"});
  must(pi, {"ip", "-6", "addr", "add", "2001:db8:ff::2/64", "dev", "fbu0", "nodad"});
  must(isp, {"ip", "-6", "addr", "add", "2001:db8:ff::1/64", "dev", "fbi0", "nodad"});
  must(lan, {"ip", "route", "add", "default", "via", "192.168.7.1"});
  must(lan, {"ip", "-6", "route", "add", "default", "via", "2001:db8:7::1"});
  must(pi, {"ip", "route", "add", "default", "via", "198.51.100.1"});
  must(pi, {"ip", "-6", "route", "add", "default", "via", "2001:db8:ff::1"});
  must(isp, {"ip", "-6", "route", "add", "2001:db8:7::/64", "via", "2001:db8:ff::2"});
  must(pi, {"sysctl", "-qw", "net.ipv4.ip_forward=1"});
  must(pi, {"sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"});
  // The isp's witness: the source addresses datagrams to :5000 arrive with.
  must(isp, {"nft", "add", "table", "inet", "witness"});
  must(isp, {"nft", "add", "chain", "inet", "witness", "pre", "{ type filter hook prerouting priority 0; }"});
  for (auto [match, comment] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"ip", "saddr", "198.51.100.2", "udp", "dport", "5000"}, "v4-masqueraded"},
           {{"ip6", "saddr", "2001:db8:7::10", "udp", "dport", "5000"}, "v6-as-is"},
           {{"ip6", "saddr", "2001:db8:ff::2", "udp", "dport", "5000"}, "v6-masqueraded"}}) {
    std::vector<std::string> rule{"nft", "add", "rule", "inet", "witness", "pre"};
    rule.insert(rule.end(), match.begin(), match.end());
    rule.insert(rule.end(), {"counter", "comment", "\"" + comment + "\""});
    must(isp, rule);
  }
  auto seen = [&](const char* comment) { return nft_counter(isp, "inet", "witness", "pre", comment); };
  auto sys = open_system(pi);
  FirewallSpec spec;
  spec.uplinks = {{"wired", "fbu0", false, UplinkSlot::at(0)->mark()}};
  spec.lan_interface = "fbl0";
  spec.masquerade = true;

  auto send = [&](const std::string& to) { must(lan, {"bash", "-c", "echo x >/dev/udp/" + to + "/5000"}); };
  REQUIRE(sys->apply_firewall(spec).ok());
  send("198.51.100.1");
  send("2001:db8:ff::1");
  CHECK(eventually([&] { return seen("v4-masqueraded") == 1; }));
  CHECK(eventually([&] { return seen("v6-as-is") == 1; }));  // the LAN host's own address: no NAT66
  CHECK(seen("v6-masqueraded") == 0);

  spec.uplinks[0].masquerade6 = true;  // [nat] masquerade_ipv6
  REQUIRE(sys->apply_firewall(spec).ok());
  send("2001:db8:ff::1");
  CHECK(eventually([&] { return seen("v6-masqueraded") == 1; }));
  CHECK(seen("v6-as-is") == 1);
}
