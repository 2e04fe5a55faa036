// fb::net values: parsing, the ownership arithmetic, and what the builders and
// validators accept and refuse. Pure.
#include <doctest/doctest.h>

#include <type_traits>

#include "fb/net/events.hpp"
#include "fb/net/interface_address.hpp"
#include "fb/net/ownership.hpp"
#include "fb/net/routing.hpp"
#include "fb/net/status.hpp"
#include "fb/net/sysctl.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using namespace fb::net::test;
using fb::IpAddress;
using fb::Prefix;

TEST_CASE("addresses and prefixes parse in both families and refuse what is not one") {
  CHECK(ip("192.0.2.1").family == AF_INET);
  CHECK(ip("2001:db8::1").family == AF_INET6);
  CHECK(ip("2001:db8::1").text() == "2001:db8::1");
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "2001:db8:::1", "eth0", "192.0.2.1 "})
    CHECK_FALSE_MESSAGE(IpAddress::parse(bad), bad);

  auto p = Prefix::parse("198.51.100.0/24");
  REQUIRE(p);
  CHECK(p->length == 24);
  CHECK(p->text() == "198.51.100.0/24");
  CHECK(Prefix::parse("203.0.113.7")->is_host());
  CHECK(Prefix::parse("2001:db8::/32")->family() == AF_INET6);
  CHECK(Prefix::default_route(AF_INET6).text() == "::/0");
  // Host bits set, lengths out of range, junk after the length.
  for (const char* bad :
       {"198.51.100.1/24", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/-1", "192.0.2.0/", "10.0.0.0/8x"})
    CHECK_FALSE_MESSAGE(Prefix::parse(bad), bad);
}

TEST_CASE("interface names: what ip, nft and /proc/sys take without quoting") {
  for (const char* good : {"eth0", "ppp0", "wwan0", "eth0.100", "br-lan", "veth@1", "a"})
    CHECK_MESSAGE(is_valid_interface_name(good), good);
  for (const char* bad : {"", ".", "..", "eth0/1", "eth 0", "eth\"0", "abcdefghijklmnop", "eth0\n"})
    CHECK_FALSE_MESSAGE(is_valid_interface_name(bad), bad);
}

TEST_CASE("uplink slots own a table, a mark and two rule priorities each, 16 of them") {
  CHECK(slot(0).table() == 64256);
  CHECK(slot(0).mark() == 0xfb000001u);
  CHECK(slot(0).mark_rule_priority() == 3200);
  CHECK(slot(0).source_rule_priority() == 3300);
  CHECK(slot(15).table() == 64271);
  CHECK(slot(15).mark() == 0xfb000010u);
  CHECK_FALSE(UplinkSlot::at(16));
  CHECK_FALSE(UplinkSlot::at(-1));
  CHECK(is_uplink_table(64271));
  CHECK_FALSE(is_uplink_table(64272));
  CHECK_FALSE(is_uplink_table(kMainTable));
  CHECK(is_failberry_rule_priority(kMainRoutesRulePriority));
  CHECK_FALSE(is_failberry_rule_priority(32766));
  CHECK_FALSE(is_failberry_rule_priority(3216));
  CHECK(kMainDefaultMetric > 0);  // never the metric of a static ifupdown gateway
}

TEST_CASE("default-route builders fill in ownership and refuse incomplete or foreign routes") {
  auto main = main_default_route({ip("192.0.2.1"), "eth0"});
  REQUIRE(main.ok());
  CHECK(main->table == kMainTable);
  CHECK(main->metric == kMainDefaultMetric);
  CHECK(main->protocol == kRouteProtocol);
  CHECK(main->destination == Prefix::default_route(AF_INET));

  auto v6 = uplink_default_route(slot(1), {ip("2001:db8::1"), ""});
  REQUIRE(v6.ok());
  CHECK(v6->family() == AF_INET6);
  CHECK(v6->table == 64257);

  auto ppp = uplink_default_route(slot(2), {std::nullopt, "ppp0", AF_INET});
  REQUIRE(ppp.ok());
  CHECK_FALSE(ppp->gateway);

  auto none = main_default_route({std::nullopt, ""});
  CHECK(none.code() == NetError::invalid_spec);
  CHECK(none.error().detail.find("gateway, a device") != std::string::npos);
  CHECK(main_default_route({ip("0.0.0.0"), "eth0"}).code() == NetError::invalid_spec);
  CHECK(main_default_route({ip("192.0.2.1"), "eth 0"}).code() == NetError::invalid_spec);

  Route foreign_table = *main;
  foreign_table.table = 100;
  CHECK(validate(foreign_table).code() == NetError::invalid_spec);
  Route foreign_protocol = *main;
  foreign_protocol.protocol = 4;  // static
  CHECK(validate(foreign_protocol).error().detail.find("not failberry's") != std::string::npos);
  Route mixed = *main;
  mixed.gateway = ip("2001:db8::1");
  CHECK(validate(mixed).error().detail.find("IPv6") != std::string::npos);
}

TEST_CASE("rules: the three kinds failberry adds, and the ones it refuses to add") {
  Rule main_rule = main_routes_rule(AF_INET);
  CHECK(validate(main_rule).ok());
  CHECK(main_rule.table == kMainTable);
  CHECK(main_rule.suppress_prefixlength == 0);

  Rule marked = mark_rule(slot(3), AF_INET6);
  CHECK(validate(marked).ok());
  CHECK(marked.fwmark == 0xfb000004u);
  CHECK(marked.priority == 3203);
  CHECK(marked.table == 64259);

  auto source = source_rule(slot(0), ip("192.0.2.2"));
  REQUIRE(source.ok());
  CHECK(source->from == Prefix::host(ip("192.0.2.2")));
  CHECK(source->priority == 3300);
  CHECK_FALSE(source_rule(slot(0), ip("0.0.0.0")).ok());

  Rule catch_all = marked;
  catch_all.fwmark.reset();
  CHECK(validate(catch_all).error().detail.find("selector") != std::string::npos);
  Rule wrong_priority = marked;
  wrong_priority.priority = 32000;
  CHECK(validate(wrong_priority).code() == NetError::invalid_spec);
  Rule foreign_mark = marked;
  foreign_mark.fwmark = 0x4000;  // kube-proxy's
  CHECK(validate(foreign_mark).error().detail.find("0x00004000") != std::string::npos);
  Rule wrong_family = *source;
  wrong_family.family = AF_INET6;
  CHECK_FALSE(validate(wrong_family).ok());
}

TEST_CASE("sysctls keep interface names with dots apart from the path") {
  auto rp = rp_filter("eth0.100", RpFilter::loose);
  REQUIRE(rp.ok());
  CHECK(rp->key() == "net.ipv4.conf.eth0/100.rp_filter");
  CHECK(rp->proc_path() == "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
  CHECK(rp->value == "2");
  CHECK(ip_forward(AF_INET, true).key() == "net.ipv4.ip_forward");
  CHECK(ip_forward(AF_INET6, false).key() == "net.ipv6.conf.all.forwarding");
  CHECK(ip_forward(AF_INET6, false).value == "0");
  CHECK(rp_filter("../../kernel", RpFilter::off).code() == NetError::invalid_spec);
  auto promote = promote_secondaries("usb0");
  REQUIRE(promote.ok());
  CHECK(promote->key() == "net.ipv4.conf.usb0.promote_secondaries");
  CHECK(promote->value == "1");
  CHECK(validate(*promote).ok());
  CHECK(promote_secondaries("usb0/../..").code() == NetError::invalid_spec);
  auto ra = accept_ra("wwan0.1");
  REQUIRE(ra.ok());
  CHECK(ra->key() == "net.ipv6.conf.wwan0/1.accept_ra");
  CHECK(ra->proc_path() == "/proc/sys/net/ipv6/conf/wwan0.1/accept_ra");
  CHECK(ra->value == "2");
  CHECK(validate(*ra).ok());
  CHECK(accept_ra("all/../..").code() == NetError::invalid_spec);
  CHECK(accept_ra("all").code() == NetError::invalid_spec);
  CHECK(accept_ra("default").code() == NetError::invalid_spec);
  // every per-interface sysctl: never conf/all or conf/default
  CHECK(rp_filter("all", RpFilter::loose).code() == NetError::invalid_spec);
  CHECK(rp_filter("default", RpFilter::loose).code() == NetError::invalid_spec);
  CHECK(promote_secondaries("all").code() == NetError::invalid_spec);
  CHECK(promote_secondaries("default").code() == NetError::invalid_spec);
  CHECK(validate(Sysctl{{"kernel", "panic"}, "1"}).code() == NetError::invalid_spec);
  CHECK(validate(Sysctl{{"net", "ipv4", "ip_forward"}, "1\n0"}).code() == NetError::invalid_spec);
}

TEST_CASE("an interface address keeps its host bits and refuses what no interface can hold") {
  InterfaceAddress usb{"usb0", ip("10.0.2.15"), 24};
  CHECK(validate(usb).ok());
  CHECK(usb.text() == "10.0.2.15/24");
  CHECK(validate(InterfaceAddress{"wwan0", ip("100.64.7.9"), 32}).ok());
  CHECK(validate(InterfaceAddress{"wwan0", ip("2001:db8:1::5"), 64}).ok());
  CHECK(validate(InterfaceAddress{"wwan0", ip("2001:db8:1::5"), 128}).ok());

  auto refused = [](InterfaceAddress a, const char* why) {
    Status s = validate(a);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == NetError::invalid_spec);
    CHECK_MESSAGE(s.error().detail.find(why) != std::string::npos, s.error().detail);
  };
  refused({"usb 0", ip("10.0.2.15"), 24}, "'usb 0': not a valid interface name");
  refused({"", ip("10.0.2.15"), 24}, "not a valid interface name");
  refused({"usb0", IpAddress{}, 24}, "not an IPv4 or IPv6 address");
  refused({"usb0", ip("10.0.2.15"), 0}, "prefix length must be 1..32");
  refused({"usb0", ip("10.0.2.15"), 33}, "prefix length must be 1..32");
  refused({"usb0", ip("2001:db8::5"), 129}, "prefix length must be 1..128");
  refused({"usb0", ip("0.0.0.0"), 8}, "unspecified");
  refused({"usb0", ip("::"), 64}, "unspecified");
  refused({"usb0", ip("224.0.0.1"), 24}, "multicast");
  refused({"usb0", ip("ff02::1"), 64}, "multicast");
  refused({"usb0", ip("255.255.255.255"), 32}, "broadcast");
}

TEST_CASE("the kernel's identity of an address: IPv4 with its prefix length, IPv6 without") {
  InterfaceAddress a{"usb0", ip("10.0.2.15"), 24};
  CHECK(same_kernel_address(a, a));
  CHECK_FALSE(same_kernel_address(a, {"usb0", ip("10.0.2.15"), 16}));
  CHECK_FALSE(same_kernel_address(a, {"usb1", ip("10.0.2.15"), 24}));
  CHECK_FALSE(same_kernel_address(a, {"usb0", ip("10.0.2.16"), 24}));
  InterfaceAddress v6{"wwan0", ip("2001:db8::5"), 64};
  CHECK(same_kernel_address(v6, {"wwan0", ip("2001:db8::5"), 48}));
  CHECK_FALSE(same_kernel_address(v6, {"wwan1", ip("2001:db8::5"), 64}));
}

TEST_CASE("error codes keep their names: /status and the tests match on them") {
  CHECK(code_name(NetError::route_add_failed) == "ROUTE_ADD_FAILED");
  CHECK(code_name(NetError::rule_add_failed) == "RULE_ADD_FAILED");
  CHECK(code_name(NetError::nft_apply_failed) == "NFT_APPLY_FAILED");
  CHECK(code_name(NetError::conntrack_flush_failed) == "CONNTRACK_FLUSH_FAILED");
  CHECK(code_name(NetError::interface_not_found) == "INTERFACE_NOT_FOUND");
  CHECK(code_name(NetError::link_change_failed) == "LINK_CHANGE_FAILED");
  CHECK(code_name(NetError::address_add_failed) == "ADDRESS_ADD_FAILED");
  CHECK(code_name(NetError::address_delete_failed) == "ADDRESS_DELETE_FAILED");
  CHECK(describe(Status(NetError::sysctl_write_failed, "x: Permission denied")) ==
        "SYSCTL_WRITE_FAILED: x: Permission denied");
  CHECK(describe(Status()) == "OK");
  // A Result never claims success without a value: it is built from a value
  // or an Error, never from a Status (successful or not).
  static_assert(!std::is_constructible_v<Result<int>, Status>);
  Result<int> failed{Error{NetError::invalid_spec, "no value"}};
  CHECK_FALSE(failed.ok());
}

TEST_CASE("events read as one log line each") {
  CHECK(describe(LinkEvent{false, 3, "wan0", true, false}) == "link wan0 (3) up, no carrier");
  CHECK(describe(LinkEvent{true, 3, "wan0", false, false}) == "link wan0 (3) removed");
  CHECK(describe(AddressEvent{false, 4, ip("10.64.0.2"), 32, ip("10.64.0.1"), 0}) ==
        "address 10.64.0.2/32 peer 10.64.0.1 added on ifindex 4");
  RouteEvent replaced{false, true, *main_default_route({ip("192.0.2.1"), ""})};
  replaced.route.ifindex = 5;
  CHECK(describe(replaced) == "route replaced: default via 192.0.2.1 ifindex 5 table 254 metric 10 proto 251");
  CHECK(describe(EventsLost{}).find("events lost") != std::string::npos);
}
