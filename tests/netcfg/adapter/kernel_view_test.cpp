// KernelView on a real io_context against real kernel changes made with ip(8)
// in a throwaway namespace: the dump at start, the table updated before a
// subscriber hears of a change, many subscribers on one socket, and a resync.
// Every wait is the io_context running until the expected state, bounded. Root.
#include <doctest/doctest.h>
#include <net/if.h>

#include <boost/asio/io_context.hpp>

#include "fb/net/kernel_view.hpp"
#include "lab.hpp"
#include "netcfg_specs.hpp"
#include "router_advert.hpp"

using namespace fb::net;
using fb::IpAddress;
using namespace fb::net::test;

namespace {

bool has_address(const KernelView::Link* link, const char* address) {
  if (!link) return false;
  for (const auto& a : link->addresses)
    if (a.address == ip(address)) return true;
  return false;
}

struct Viewer : FollowerRig {
  KernelView view{io};

  explicit Viewer(const NetNamespace& ns) { start_in(ns, view); }
};

}  // namespace

TEST_CASE("the view holds every link with its addresses from the dump at start") {
  TwoUplinks lab;
  must(lab.ns, {"ip", "addr", "add", "203.0.113.5/24", "dev", "fbw0"});
  must(lab.ns, {"ip", "addr", "add", "10.64.0.2", "peer", "10.64.0.1", "dev", "fbw1"});
  must(lab.ns, {"ip", "link", "set", "fbw1", "down"});
  Viewer v(lab.ns);

  const KernelView::Link* w0 = v.view.link("fbw0");
  const KernelView::Link* w1 = v.view.link("fbw1");
  REQUIRE(w0);
  REQUIRE(w1);
  {
    NetNamespace::Enter inside(lab.ns);
    CHECK(w0->ifindex == static_cast<int>(if_nametoindex("fbw0")));
  }
  CHECK(v.view.link(w0->ifindex) == w0);
  CHECK(w0->running());
  CHECK_FALSE(w1->admin_up);
  CHECK_FALSE(w1->running());
  REQUIRE(has_address(w0, "203.0.113.5"));
  for (const auto& a : w0->addresses)
    if (a.address == ip("203.0.113.5")) CHECK(a.prefix_length == 24);
  REQUIRE(has_address(w1, "10.64.0.2"));
  for (const auto& a : w1->addresses)
    if (a.address == ip("10.64.0.2")) CHECK(a.peer == ip("10.64.0.1"));
  CHECK(v.view.link("lo"));
  CHECK_FALSE(v.view.link("nonexistent0"));
  CHECK(v.view.monitors_opened() == 1);
}

TEST_CASE("subscribers hear each change after the view holds it, all from one socket") {
  TwoUplinks lab;
  Viewer v(lab.ns);
  int heard_a = 0, heard_b = 0, stale = 0;
  bool address_seen = false, down_seen = false;
  auto a = v.view.subscribe([&](const NetEvent& e) {
    ++heard_a;
    if (const auto* ae = std::get_if<AddressEvent>(&e); ae && ae->address == ip("198.51.100.9")) {
      address_seen = true;
      const KernelView::Link* l = v.view.link(ae->ifindex);
      if (ae->removed == has_address(l, "198.51.100.9")) ++stale;
    }
    if (const auto* le = std::get_if<LinkEvent>(&e); le && le->name == "fbw0" && !le->admin_up) {
      down_seen = true;
      const KernelView::Link* l = v.view.link("fbw0");
      if (!l || l->admin_up) ++stale;
    }
  });
  v.view.subscribe([&](const NetEvent&) { ++heard_b; });

  must(lab.ns, {"ip", "addr", "add", "198.51.100.9/24", "dev", "fbw0"});
  REQUIRE(v.run_until([&] { return address_seen; }));
  CHECK(has_address(v.view.link("fbw0"), "198.51.100.9"));
  must(lab.ns, {"ip", "addr", "del", "198.51.100.9/24", "dev", "fbw0"});
  REQUIRE(v.run_until([&] { return !has_address(v.view.link("fbw0"), "198.51.100.9"); }));
  must(lab.ns, {"ip", "link", "set", "fbw0", "down"});
  REQUIRE(v.run_until([&] { return down_seen; }));
  CHECK(stale == 0);
  CHECK(heard_a > 0);
  CHECK(heard_a == heard_b);  // both hear every event
  CHECK(v.view.monitors_opened() == 1);

  // Unsubscribed: hears nothing more; the other still does.
  v.view.unsubscribe(a);
  int before_a = heard_a, before_b = heard_b;
  must(lab.ns, {"ip", "link", "set", "fbw0", "up"});
  REQUIRE(v.run_until([&] { return heard_b > before_b && v.view.link("fbw0")->admin_up; }));
  CHECK(heard_a == before_a);

  // A link removed leaves the table.
  int index = v.view.link("fbw1")->ifindex;
  must(lab.ns, {"ip", "link", "del", "fbw1"});
  REQUIRE(v.run_until([&] { return v.view.link("fbw1") == nullptr; }));
  CHECK(v.view.link(index) == nullptr);
}

TEST_CASE("an address the kernel announces again keeps its place in the link's list") {
  // A router advertisement that refreshes an address's lifetimes makes the
  // kernel send RTM_NEWADDR for it again. Its place must not change: the
  // first global address in the list is the one published (DDNS AAAA).
  NetNamespace ns("kvo");  // IPv6 on (TwoUplinks is IPv4 only)
  must(ns, {"ip", "link", "add", "fbw0", "type", "veth", "peer", "name", "fbp0"});
  must(ns, {"ip", "link", "set", "fbp0", "up"});
  must(ns, {"ip", "link", "set", "fbw0", "up"});
  must(ns, {"ip", "-6", "addr", "add", "2001:db8:51::1/64", "dev", "fbw0", "nodad"});
  must(ns, {"ip", "-6", "addr", "add", "2001:db8:51::2/64", "dev", "fbw0", "nodad"});
  Viewer v(ns);
  auto order = [&] {
    std::vector<IpAddress> out;
    if (const KernelView::Link* l = v.view.link("fbw0"))
      for (const auto& a : l->addresses)
        if (a.address == ip("2001:db8:51::1") || a.address == ip("2001:db8:51::2")) out.push_back(a.address);
    return out;
  };
  // The dump's order is the kernel's; whichever comes first must stay first.
  const std::vector<IpAddress> initial = order();
  REQUIRE(initial.size() == 2);
  const IpAddress first = initial[0];
  const std::string first_text = first.text() + "/64";
  int refreshed = 0;
  v.view.subscribe([&](const NetEvent& e) {
    if (const auto* a = std::get_if<AddressEvent>(&e); a && !a->removed && a->address == first) ++refreshed;
  });

  // As an RA does: new lifetimes for the first address, twice.
  must(ns, {"ip", "-6", "addr", "change", first_text, "dev", "fbw0", "valid_lft", "1800", "preferred_lft", "900"});
  REQUIRE(v.run_until([&] { return refreshed == 1; }));
  CHECK(order() == initial);
  must(ns, {"ip", "-6", "addr", "change", first_text, "dev", "fbw0", "valid_lft", "1700", "preferred_lft", "800"});
  REQUIRE(v.run_until([&] { return refreshed == 2; }));
  CHECK(order() == initial);

  // A new address still goes last, and one removed leaves the list.
  must(ns, {"ip", "-6", "addr", "add", "2001:db8:51::3/64", "dev", "fbw0", "nodad"});
  must(ns, {"ip", "-6", "addr", "del", first_text, "dev", "fbw0"});
  REQUIRE(v.run_until([&] { return !has_address(v.view.link("fbw0"), first.text().c_str()); }));
  REQUIRE(v.run_until([&] { return has_address(v.view.link("fbw0"), "2001:db8:51::3"); }));
  std::vector<IpAddress> rest;
  for (const auto& a : v.view.link("fbw0")->addresses)
    if (fb::Prefix::parse("2001:db8:51::/64")->contains(a.address)) rest.push_back(a.address);
  CHECK(rest == std::vector<IpAddress>{initial[1], ip("2001:db8:51::3")});
}

TEST_CASE("a resync reads the kernel again and tells subscribers to re-read the view") {
  TwoUplinks lab;
  Viewer v(lab.ns);
  int lost = 0;
  v.view.subscribe([&](const NetEvent& e) { lost += std::holds_alternative<EventsLost>(e); });
  // Changed while the loop does not run: no event has been read yet.
  must(lab.ns, {"ip", "addr", "add", "192.0.2.77/24", "dev", "fbw0"});
  CHECK_FALSE(has_address(v.view.link("fbw0"), "192.0.2.77"));
  {
    NetNamespace::Enter inside(lab.ns);  // the dump socket opens in the calling thread's namespace
    v.view.resync();
  }
  CHECK(has_address(v.view.link("fbw0"), "192.0.2.77"));
  CHECK(lost == 1);
  // The queued event then applies on top without doubling the address.
  REQUIRE(v.run_until([&] { return v.io.poll() == 0; }));
  int copies = 0;
  for (const auto& a : v.view.link("fbw0")->addresses) copies += a.address == ip("192.0.2.77");
  CHECK(copies == 1);
}

TEST_CASE("the view follows a link's IPv6 default router as router advertisements set and withdraw it") {
  NetNamespace pi("kv6-pi");
  NetNamespace router("kv6-rt");
  // No duplicate address detection: the addresses are usable at once.
  for (const NetNamespace* ns : {&pi, &router}) {
    must(*ns, {"sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0"});
    must(*ns, {"sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"});
  }
  must(pi, {"ip", "link", "add", "fbv6", "type", "veth", "peer", "name", "fbv6r", "netns", router.name()});
  must(router, {"ip", "addr", "add", "fe80::1/64", "dev", "fbv6r", "nodad"});
  must(router, {"ip", "link", "set", "fbv6r", "up"});
  must(pi, {"ip", "link", "set", "fbv6", "up"});
  // A second uplink with its own router: both routes at the RA metric 1024.
  must(pi, {"ip", "link", "add", "fbv6b", "type", "veth", "peer", "name", "fbv6br", "netns", router.name()});
  must(router, {"ip", "addr", "add", "fe80::2/64", "dev", "fbv6br", "nodad"});
  must(router, {"ip", "link", "set", "fbv6br", "up"});
  must(pi, {"ip", "link", "set", "fbv6b", "up"});
  Viewer v(pi);
  REQUIRE(v.view.link("fbv6"));
  CHECK(v.view.link("fbv6")->routers6.empty());
  auto slaac = [&](const KernelView::Link* l) {
    if (!l) return false;
    for (const auto& a : l->addresses)
      if (fb::Prefix::parse("2001:db8:6::/64")->contains(a.address)) return true;
    return false;
  };

  // As a router does, advertise again and again: the kernel ignores the
  // advertisements that come before it has IPv6 ready on the new link.
  auto advertise_until = [&](std::uint16_t lifetime, const std::function<bool()>& done) {
    for (int i = 0; i < 20; ++i) {
      fb::test::send_router_advertisement(router, "fbv6r", "fe80::1", "2001:db8:6::", lifetime);
      fb::test::send_router_advertisement(router, "fbv6br", "fe80::2", "2001:db8:7::", lifetime);
      if (v.run_until(done, 250ms)) return true;
    }
    return false;
  };
  REQUIRE_MESSAGE(advertise_until(1800,
                                  [&] {
                                    const KernelView::Link* l = v.view.link("fbv6");
                                    const KernelView::Link* b = v.view.link("fbv6b");
                                    return l && l->routers6 == std::vector<IpAddress>{ip("fe80::1")} && slaac(l) && b &&
                                           b->routers6 == std::vector<IpAddress>{ip("fe80::2")};
                                  }),
                  "kernel: " << must(pi, {"ip", "-6", "route"}) << must(pi, {"ip", "-6", "addr"}));
  // The kernel's own witness: the default route it learned, proto ra.
  std::string kernel = must(pi, {"ip", "-6", "route", "show", "default", "dev", "fbv6"});
  CHECK(kernel.find("via fe80::1") != std::string::npos);
  CHECK(kernel.find("proto ra") != std::string::npos);

  {
    // Another view started now has both from the dump (one libnl object with two next hops).
    Viewer late(pi);
    REQUIRE(late.view.link("fbv6"));
    REQUIRE(late.view.link("fbv6b"));
    CHECK(late.view.link("fbv6")->routers6 == std::vector<IpAddress>{ip("fe80::1")});
    CHECK(late.view.link("fbv6b")->routers6 == std::vector<IpAddress>{ip("fe80::2")});
  }

  // Router lifetime 0: the router withdraws; the address stays (its prefix is valid).
  REQUIRE(advertise_until(0, [&] {
    return v.view.link("fbv6") && v.view.link("fbv6")->routers6.empty() && v.view.link("fbv6b")->routers6.empty();
  }));
  CHECK(slaac(v.view.link("fbv6")));
  CHECK(must(pi, {"ip", "-6", "route", "show", "default", "dev", "fbv6"}).find("fe80::1") == std::string::npos);
}
