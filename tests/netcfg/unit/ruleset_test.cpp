// The `inet failberry` ruleset text: a pure function of FirewallSpec, pinned by
// golden files (tests/netcfg/golden/*.nft; the adapter tests check that the
// real nft accepts them). FB_UPDATE_GOLDEN=1 rewrites them from the code.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fb/net/firewall.hpp"
#include "fb/net/ownership.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using fb::IpAddress;
using fb::Prefix;

namespace {

std::string golden_path(const std::string& name) {
  return std::string(FB_NETCFG_GOLDEN_DIR) + "/" + name;
}

void check_golden(const std::string& name, const std::string& actual) {
  if (std::getenv("FB_UPDATE_GOLDEN")) {
    std::ofstream(golden_path(name), std::ios::binary) << actual;
    MESSAGE("rewrote " << golden_path(name));
  }
  std::ifstream in(golden_path(name), std::ios::binary);
  REQUIRE_MESSAGE(in, "missing golden file " << golden_path(name));
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK(actual == expected.str());
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("backup-gateway mode: eth0 is both LAN and the wired uplink, the metered cellular link is allow-listed") {
  FirewallSpec spec = fb::net::test::backup_gateway_spec();
  REQUIRE(validate(spec).ok());
  std::string text = render_ruleset(spec);
  check_golden("backup_gateway.nft", text);
  // The LAN interface is never masqueraded nor fenced off as an uplink.
  CHECK(text.find("oifname \"eth0\" meta nfproto ipv4 counter masquerade") == std::string::npos);
  CHECK(text.find("iifname \"eth0\" oifname \"eth0\"") == std::string::npos);
  CHECK(count(text, "ct mark set") == 2);
}

TEST_CASE("router mode: separate LAN, two uplinks, no allow-list") {
  FirewallSpec spec = fb::net::test::router_spec();
  REQUIRE(validate(spec).ok());
  std::string text = render_ruleset(spec);
  check_golden("router.nft", text);
  CHECK(text.find("metered_allow") == std::string::npos);  // metered but unrestricted
  CHECK(count(text, "masquerade") == 2);
  // IPv4 only: IPv6 is forwarded as it is unless NAT66 is asked for.
  CHECK(count(text, "meta nfproto ipv4 counter masquerade") == 2);
  CHECK(text.find("nfproto ipv6") == std::string::npos);
}

TEST_CASE("NAT66 asked for: IPv6 is masqueraded out of the uplink that has it, IPv4 out of both") {
  FirewallSpec spec = fb::net::test::nat66_spec();
  REQUIRE(validate(spec).ok());
  std::string text = render_ruleset(spec);
  check_golden("nat66.nft", text);
  CHECK(count(text, "meta nfproto ipv4 counter masquerade") == 2);
  CHECK(count(text, "meta nfproto ipv6 counter masquerade") == 1);
  CHECK(text.find("oifname \"ppp0\" meta nfproto ipv6 counter masquerade") != std::string::npos);
}

TEST_CASE("a single uplink without LAN, health port or NAT needs only the reply-routing chains") {
  FirewallSpec spec = fb::net::test::minimal_spec();
  REQUIRE(validate(spec).ok());
  std::string text = render_ruleset(spec);
  check_golden("minimal.nft", text);
  CHECK(text.find("chain forward") == std::string::npos);
  CHECK(text.find("chain input") == std::string::npos);
  CHECK(text.find("chain postrouting") == std::string::npos);
  // One mark is printed bare, as nft lists a one-element set.
  CHECK(text.find("ct mark 0xfb000001 meta mark set ct mark") != std::string::npos);
}

TEST_CASE("an uplink not bound yet keeps its mark but no rule names it; bound late, it reads as if configured") {
  FirewallSpec unbound = fb::net::test::unbound_spec();
  REQUIRE(validate(unbound).ok());
  std::string text = render_ruleset(unbound);
  check_golden("unbound.nft", text);
  CHECK(text.find("\"\"") == std::string::npos);  // no empty interface name anywhere
  CHECK(count(text, "uplink cellular") == 0);
  CHECK(count(text, "ct mark set") == 1);
  CHECK(text.find("ct mark { 0xfb000001, 0xfb000002 }") != std::string::npos);  // its replies are still routed back

  FirewallSpec bound = fb::net::test::late_bound_spec();
  REQUIRE(validate(bound).ok());
  std::string router = render_ruleset(fb::net::test::router_spec());
  std::string expected = router;
  for (auto at = expected.find("ppp0"); at != std::string::npos; at = expected.find("ppp0", at))
    expected.replace(at, 4, "wwan0");
  CHECK(render_ruleset(bound) == expected);

  // Two unbound uplinks are not two uses of one interface; a bad name still is refused.
  FirewallSpec two = unbound;
  two.uplinks[0].interface = "";
  CHECK(validate(two).ok());
  two.uplinks[0].interface = "bad name";
  CHECK(validate(two).code() == NetError::invalid_spec);
}

TEST_CASE("a used-up data budget: allow-list forwards only metered_allow sources, stop forwards nothing") {
  FirewallSpec allow = fb::net::test::budget_allow_list_spec();
  REQUIRE(validate(allow).ok());
  std::string text = render_ruleset(allow);
  check_golden("budget_allow_list.nft", text);
  CHECK(count(text, "oifname \"ppp0\" ip saddr != @metered_allow_v4 counter drop") == 1);
  CHECK(count(text, "data budget used up, source not allowed") == 2);
  CHECK(count(text, "oifname \"eth1\" ip saddr") == 0);  // the wired uplink is not fenced
  // Before the limit the same uplink forwards every source: no allow-list at all.
  FirewallSpec before = allow;
  before.uplinks[1].budget = BudgetLimit::none;
  CHECK(render_ruleset(before).find("metered_allow") == std::string::npos);

  FirewallSpec stop = fb::net::test::budget_stop_spec();
  REQUIRE(validate(stop).ok());
  text = render_ruleset(stop);
  check_golden("budget_stop.nft", text);
  CHECK(count(text, "oifname \"ppp0\" counter drop comment \"uplink cellular: data budget used up\"") == 1);
  CHECK(count(text, "is metered: source not allowed") == 0);  // nothing passes: no allow-list rule for it
  // The drop comes before the LAN's accept in the same chain.
  CHECK(text.find("data budget used up") < text.find("LAN to uplink cellular"));

  // Stopped before being bound: no rule names it.
  FirewallSpec unbound = stop;
  unbound.uplinks[1].interface = "";
  CHECK(render_ruleset(unbound).find("data budget") == std::string::npos);
}

TEST_CASE("the replace batch names only failberry's table, and creates it before deleting it") {
  std::string batch = replace_transaction(render_ruleset(fb::net::test::backup_gateway_spec()));
  CHECK(batch.rfind("table inet failberry\ndelete table inet failberry\ntable inet failberry {\n", 0) == 0);
  CHECK(count(batch, "table ") == count(batch, "table inet failberry"));
  CHECK(remove_transaction() == "table inet failberry\ndelete table inet failberry\n");
}

TEST_CASE("firewall specs that would produce a wrong or unsafe ruleset are refused") {
  auto refused = [](FirewallSpec spec, const char* why) {
    Status s = validate(spec);
    CHECK(s.code() == NetError::invalid_spec);
    CHECK_MESSAGE(s.error().detail.find(why) != std::string::npos, s.error().detail);
  };
  FirewallSpec base = fb::net::test::router_spec();
  refused(FirewallSpec{}, "no uplinks");
  {
    FirewallSpec s = base;
    s.uplinks[1].name = s.uplinks[0].name;
    refused(s, "appears twice");
  }
  {
    FirewallSpec s = base;
    s.uplinks[1].mark = s.uplinks[0].mark;
    refused(s, "used by two uplinks");
  }
  {
    FirewallSpec s = base;
    s.uplinks[0].mark = 0x4000;
    refused(s, "not an uplink mark");
  }
  {
    FirewallSpec s = base;
    s.uplinks[0].name = "wired\" accept";
    refused(s, "uplink name");
  }
  {
    FirewallSpec s = base;
    s.uplinks[0].interface = "eth1\"";
    refused(s, "not a valid interface name");
  }
  {
    FirewallSpec s = base;
    s.lan_interface = "br lan";
    refused(s, "LAN interface");
  }
  {
    FirewallSpec s = base;
    s.metered_allow.push_back(Prefix{*IpAddress::parse("198.51.100.1"), 24});
    refused(s, "not a network prefix");
  }
  {
    FirewallSpec s = base;
    s.uplinks[1].budget = BudgetLimit::allow_list;
    refused(s, "would allow nothing");
  }
  {
    FirewallSpec s = base;
    for (int i = 0; i < kMaxUplinks; ++i)
      s.uplinks.push_back({"u" + std::to_string(i), "u" + std::to_string(i), false, UplinkSlot::at(i)->mark()});
    refused(s, "at most 16");
  }
}
