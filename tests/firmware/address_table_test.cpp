// AddressTable: the uplinks' addresses from a dump and the kernel's events,
// as values (no sockets). The order rules follow the kernel's: the first IPv4
// address of an interface is its primary, the next one is promoted when it goes.
#include <doctest/doctest.h>

#include <linux/if_addr.h>

#include "fb/core/address_table.hpp"

using fb::core::AddressTable;
using fb::net::AddressEvent;
using fb::net::LinkEvent;

namespace {

fb::IpAddress ip(const char* text) {
  return *fb::IpAddress::parse(text);
}

AddressEvent addr(int ifindex, const char* text, bool removed = false) {
  AddressEvent e;
  e.ifindex = ifindex;
  e.address = *fb::IpAddress::parse(text);
  e.prefix_length = e.address.family == AF_INET ? 24 : 64;
  e.removed = removed;
  return e;
}

LinkEvent link(int ifindex, const char* name, bool removed = false) {
  LinkEvent e;
  e.ifindex = ifindex;
  e.name = name;
  e.removed = removed;
  return e;
}

// wired = eth0 (ifindex 2), cellular = ppp0 (ifindex 5, not there yet).
AddressTable table_with_eth0() {
  AddressTable t;
  t.set_uplinks({{"wired", "eth0"}, {"cellular", "ppp0"}});
  t.reset({{1, "lo", {ip("127.0.0.1"), ip("::1")}}, {2, "eth0", {ip("192.168.1.20"), ip("fd00::20")}}});
  return t;
}

}  // namespace

TEST_CASE("the dump names each uplink's addresses and primary IPv4; others belong to no uplink") {
  AddressTable t;
  t.set_uplinks({{"wired", "eth0"}, {"cellular", "ppp0"}});
  auto changes = t.reset({{1, "lo", {ip("127.0.0.1")}}, {2, "eth0", {ip("fd00::20"), ip("192.168.1.20")}}});
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].uplink == "wired");
  CHECK(changes[0].primary == ip("192.168.1.20"));  // the first IPv4, after an IPv6 one
  CHECK(t.uplink_of(ip("192.168.1.20")) == "wired");
  CHECK(t.uplink_of(ip("fd00::20")) == "wired");
  CHECK(t.uplink_of(ip("127.0.0.1")).empty());
  CHECK(t.uplink_of(ip("10.64.0.7")).empty());
  CHECK_FALSE(t.primary_ipv4("cellular"));
  CHECK(t.addresses("wired").size() == 2);
  CHECK(t.addresses("nosuch").empty());
}

TEST_CASE("ppp coming up: link, then address; going down: the address and the link go") {
  AddressTable t = table_with_eth0();
  CHECK(t.apply(link(5, "ppp0")).empty());
  auto up = t.apply(addr(5, "10.64.0.7"));
  REQUIRE(up.size() == 1);
  CHECK(up[0].uplink == "cellular");
  CHECK(up[0].primary == ip("10.64.0.7"));
  CHECK(t.uplink_of(ip("10.64.0.7")) == "cellular");
  CHECK(t.apply(addr(5, "10.64.0.7")).empty());  // netlink repeats itself
  auto down = t.apply(addr(5, "10.64.0.7", true));
  REQUIRE(down.size() == 1);
  CHECK_FALSE(down[0].primary);
  CHECK(t.apply(link(5, "ppp0", true)).empty());
  CHECK(t.uplink_of(ip("10.64.0.7")).empty());
  // A link removed with its addresses still listed (no DELADDR seen): they go with it.
  t.apply(link(6, "ppp0"));
  t.apply(addr(6, "10.64.0.9"));
  auto gone = t.apply(link(6, "ppp0", true));
  REQUIRE(gone.size() == 1);
  CHECK_FALSE(gone[0].primary);
}

TEST_CASE("a new lease: the secondary is promoted when the old primary goes") {
  AddressTable t = table_with_eth0();
  CHECK(t.apply(addr(2, "192.168.1.21")).empty());  // a secondary: the primary stays
  CHECK(t.primary_ipv4("wired") == ip("192.168.1.20"));
  CHECK(t.uplink_of(ip("192.168.1.21")) == "wired");  // but it is the uplink's address
  auto moved = t.apply(addr(2, "192.168.1.20", true));
  REQUIRE(moved.size() == 1);
  CHECK(moved[0].primary == ip("192.168.1.21"));
  CHECK(t.apply(addr(2, "192.168.1.20", true)).empty());  // removing what is gone: nothing
  CHECK(t.apply(addr(2, "fd00::21")).empty());            // IPv6 never moves the primary IPv4
}

TEST_CASE("an address event for an interface no one named yet waits for its name") {
  AddressTable t = table_with_eth0();
  CHECK_FALSE(t.knows(7));
  CHECK(t.apply(addr(7, "10.64.0.7")).empty());  // unnamed: no uplink can claim it
  auto named = t.name_interface(7, "ppp0");
  REQUIRE(named.size() == 1);
  CHECK(named[0].uplink == "cellular");
  CHECK(t.uplink_of(ip("10.64.0.7")) == "cellular");
}

TEST_CASE("a rename moves the addresses with the interface; route events change nothing") {
  AddressTable t = table_with_eth0();
  auto renamed = t.apply(link(2, "lan0"));
  REQUIRE(renamed.size() == 1);
  CHECK(renamed[0].uplink == "wired");
  CHECK_FALSE(renamed[0].primary);
  CHECK(t.uplink_of(ip("192.168.1.20")).empty());
  auto back = t.apply(link(2, "eth0"));
  REQUIRE(back.size() == 1);
  CHECK(back[0].primary == ip("192.168.1.20"));
  CHECK(t.apply(fb::net::RouteEvent{}).empty());
  CHECK(t.apply(fb::net::EventsLost{}).empty());
}

TEST_CASE("a reload that changes an uplink's interface reports the uplink; a new dump replaces the old") {
  AddressTable t = table_with_eth0();
  CHECK(t.uplink_names() == std::vector<std::string>{"wired", "cellular"});
  t.apply(link(5, "ppp0"));
  t.apply(addr(5, "10.64.0.7"));
  auto reload = t.set_uplinks({{"wired", "ppp0"}, {"lte", "wwan0"}});
  CHECK(t.uplink_names() == std::vector<std::string>{"wired", "lte"});  // config order, the reload's
  REQUIRE(reload.size() == 1);
  CHECK(reload[0].uplink == "wired");
  CHECK(reload[0].primary == ip("10.64.0.7"));
  CHECK(t.interface_of("wired") == "ppp0");
  CHECK(t.interface_of("cellular").empty());
  auto fresh = t.reset({{5, "ppp0", {ip("10.64.0.8")}}, {8, "wwan0", {ip("100.64.1.2")}}});
  REQUIRE(fresh.size() == 2);
  CHECK(fresh[0].primary == ip("10.64.0.8"));
  CHECK(fresh[1].uplink == "lte");
}

TEST_CASE("publishable_ipv6: the first global, stable, usable IPv6 address in the kernel's order") {
  using fb::core::FlaggedAddress;
  using fb::core::publishable_ipv6;
  struct Row {
    std::vector<FlaggedAddress> addresses;
    const char* want;  // nullptr: none
  };
  const Row rows[] = {
      {{}, nullptr},
      {{{ip("203.0.113.7"), 0}}, nullptr},
      {{{ip("fe80::1"), IFA_F_PERMANENT}}, nullptr},         // link-local
      {{{ip("fd00::20"), 0}, {ip("fc00::1"), 0}}, nullptr},  // unique-local
      {{{ip("::1"), 0}, {ip("::"), 0}, {ip("::ffff:203.0.113.7"), 0}, {ip("ff02::1"), 0}}, nullptr},
      {{{ip("fe80::1"), 0}, {ip("2001:db8:2::2"), IFA_F_PERMANENT}}, "2001:db8:2::2"},  // global after link-local
      {{{ip("2001:db8:2::9"), IFA_F_DEPRECATED}, {ip("2001:db8:2::2"), 0}}, "2001:db8:2::2"},  // leaving prefix
      {{{ip("2001:db8:2:0:1c2d:3e4f:5a6b:7c8d"), IFA_F_TEMPORARY}, {ip("2001:db8:2::2"), IFA_F_MANAGETEMPADDR}},
       "2001:db8:2::2"},                                                                      // privacy address
      {{{ip("2001:db8:2::3"), IFA_F_TENTATIVE}, {ip("2001:db8:2::2"), 0}}, "2001:db8:2::2"},  // DAD running
      {{{ip("2001:db8:2::3"), IFA_F_DADFAILED | IFA_F_TENTATIVE}}, nullptr},                  // DAD failed
      {{{ip("2001:db8:2::9"), IFA_F_DEPRECATED}}, nullptr},
      {{{ip("2001:db8:2::2"), 0}, {ip("2001:db8:3::2"), 0}}, "2001:db8:2::2"},  // the kernel's order decides
      {{{ip("2001:db8:3::2"), 0}, {ip("2001:db8:2::2"), 0}}, "2001:db8:3::2"},
  };
  for (const Row& row : rows) {
    std::optional<fb::IpAddress> got = publishable_ipv6(row.addresses);
    CAPTURE(row.addresses.size());
    if (row.want) {
      REQUIRE(got);
      CHECK(got->text() == row.want);
    } else {
      CHECK_FALSE(got);
    }
  }
}

TEST_CASE("is_global_ipv6: global unicast only") {
  struct Row {
    const char* address;
    bool global;
  };
  const Row rows[] = {
      {"2001:db8:2::2", true},       {"2a00:1450::1", true}, {"fe80::1", false},     {"febf::1", false},
      {"fd00::20", false},           {"fc00::1", false},     {"::", false},          {"::1", false},
      {"::ffff:203.0.113.7", false}, {"ff02::1", false},     {"203.0.113.7", false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.address);
    CHECK(fb::core::is_global_ipv6(ip(row.address)) == row.global);
  }
}
