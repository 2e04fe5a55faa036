// NetlinkSystem's link state and interface addresses against the real kernel
// in a throwaway namespace: a veth pair stands in for a stick's network
// interface. What the System did is read back through `ip -j` and through
// the daemon's own follower of the kernel, KernelView. Root.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>

#include "fb/net/kernel_view.hpp"
#include "lab.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using fb::IpAddress;
using namespace fb::net::test;

namespace {

// A namespace with the veth pair fbu0/fbu1, both down and without addresses.
struct StickLab {
  NetNamespace ns{"addr"};
  StickLab() { must(ns, {"ip", "link", "add", "fbu0", "type", "veth", "peer", "name", "fbu1"}); }
};

// "10.0.2.15/24" for every address of `family` ("inet", "inet6") on `device`
// that ip(8) lists, link-local ones left out.
std::vector<std::string> listed(const NetNamespace& ns, const std::string& device, const std::string& family) {
  std::vector<std::string> out;
  for (const auto& link : json_of(ns, {"ip", "-j", "address", "show", "dev", device}))
    for (const auto& a : link["addr_info"])
      if (a["family"] == family && a.value("scope", "") != "link")
        out.push_back(a["local"].get<std::string>() + "/" + std::to_string(a["prefixlen"].get<int>()));
  return out;
}

bool admin_up(const NetNamespace& ns, const std::string& device) {
  auto links = json_of(ns, {"ip", "-j", "link", "show", "dev", device});
  REQUIRE(links.size() == 1);
  auto flags = links[0]["flags"];
  return std::find(flags.begin(), flags.end(), "UP") != flags.end();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("set_link_up puts a down interface up; an interface already up is no error") {
  StickLab lab;
  auto sys = open_system(lab.ns);
  REQUIRE_FALSE(admin_up(lab.ns, "fbu0"));
  Status s = sys->set_link_up("fbu0");
  REQUIRE_MESSAGE(s.ok(), describe(s));
  CHECK(admin_up(lab.ns, "fbu0"));
  CHECK_FALSE(admin_up(lab.ns, "fbu1"));  // only the one named
  CHECK(sys->set_link_up("fbu0").ok());
  CHECK(admin_up(lab.ns, "fbu0"));
}

TEST_CASE("an IPv4 address appears with its on-link route; replace is idempotent; removal takes only it") {
  StickLab lab;
  auto sys = open_system(lab.ns);
  REQUIRE(sys->set_link_up("fbu0").ok());
  Status s = sys->replace_address("fbu0", ip("10.0.2.15"), 24);
  REQUIRE_MESSAGE(s.ok(), describe(s));
  CHECK(listed(lab.ns, "fbu0", "inet") == std::vector<std::string>{"10.0.2.15/24"});
  // The kernel adds the prefix route itself, as for `ip address add`.
  auto on_link = json_of(lab.ns, {"ip", "-j", "route", "show", "10.0.2.0/24"});
  REQUIRE(on_link.size() == 1);
  CHECK(on_link[0]["dev"] == "fbu0");
  CHECK(on_link[0]["prefsrc"] == "10.0.2.15");
  CHECK(on_link[0]["protocol"] == "kernel");

  // Again: nothing new, no error.
  REQUIRE(sys->replace_address("fbu0", ip("10.0.2.15"), 24).ok());
  CHECK(listed(lab.ns, "fbu0", "inet") == std::vector<std::string>{"10.0.2.15/24"});
  // A new lease on the same link: the old address stays until it is removed,
  // and with promote_secondaries the new one outlives the old primary.
  REQUIRE(sys->set_sysctl(*promote_secondaries("fbu0")).ok());
  REQUIRE(sys->replace_address("fbu0", ip("10.0.2.16"), 24).ok());
  CHECK(listed(lab.ns, "fbu0", "inet") == std::vector<std::string>{"10.0.2.15/24", "10.0.2.16/24"});

  REQUIRE(sys->remove_address("fbu0", ip("10.0.2.15"), 24).ok());
  CHECK(listed(lab.ns, "fbu0", "inet") == std::vector<std::string>{"10.0.2.16/24"});
  // The kernel deletes only an exact match; another prefix length is absent, not an error.
  REQUIRE(sys->remove_address("fbu0", ip("10.0.2.16"), 16).ok());
  CHECK(listed(lab.ns, "fbu0", "inet") == std::vector<std::string>{"10.0.2.16/24"});
  REQUIRE(sys->remove_address("fbu0", ip("10.0.2.16"), 24).ok());
  CHECK(listed(lab.ns, "fbu0", "inet").empty());
  CHECK(sys->remove_address("fbu0", ip("10.0.2.16"), 24).ok());  // absent: idempotent stop
}

TEST_CASE("without promote_secondaries, removing the primary IPv4 address takes the subnet's others along") {
  StickLab lab;
  auto sys = open_system(lab.ns);
  REQUIRE(sys->replace_address("fbu0", ip("10.0.2.15"), 24).ok());
  REQUIRE(sys->replace_address("fbu0", ip("10.0.2.16"), 24).ok());
  REQUIRE(sys->replace_address("fbu0", ip("192.0.2.2"), 30).ok());
  REQUIRE(sys->remove_address("fbu0", ip("10.0.2.15"), 24).ok());
  CHECK(listed(lab.ns, "fbu0", "inet") == std::vector<std::string>{"192.0.2.2/30"});
}

TEST_CASE("an IPv6 address appears, replace is idempotent, removal works") {
  StickLab lab;
  auto sys = open_system(lab.ns);
  REQUIRE(sys->replace_address("fbu0", ip("2001:db8:1::5"), 64).ok());  // on a link still down: fine
  CHECK(listed(lab.ns, "fbu0", "inet6") == std::vector<std::string>{"2001:db8:1::5/64"});
  REQUIRE(sys->replace_address("fbu0", ip("2001:db8:1::5"), 64).ok());
  // The kernel's identity of an IPv6 address is the address: it keeps its prefix length.
  REQUIRE(sys->replace_address("fbu0", ip("2001:db8:1::5"), 48).ok());
  CHECK(listed(lab.ns, "fbu0", "inet6") == std::vector<std::string>{"2001:db8:1::5/64"});
  REQUIRE(sys->remove_address("fbu0", ip("2001:db8:1::5"), 64).ok());
  CHECK(listed(lab.ns, "fbu0", "inet6").empty());
}

TEST_CASE("the daemon's KernelView sees the link go up and the address arrive and leave") {
  StickLab lab;
  boost::asio::io_context io;
  KernelView view{io};
  {
    NetNamespace::Enter inside(lab.ns);
    REQUIRE(view.start().ok());
  }
  auto sys = open_system(lab.ns);
  auto holds = [&](const char* address, int prefix_length) {
    const KernelView::Link* link = view.link("fbu0");
    if (!link) return false;
    return std::any_of(link->addresses.begin(), link->addresses.end(), [&](const KernelView::Address& a) {
      return a.address == ip(address) && a.prefix_length == prefix_length;
    });
  };
  REQUIRE(view.link("fbu0"));
  CHECK_FALSE(view.link("fbu0")->admin_up);

  REQUIRE(sys->set_link_up("fbu0").ok());
  REQUIRE(sys->replace_address("fbu0", ip("100.64.7.9"), 30).ok());
  CHECK(run_until(
      io, [&] { return view.link("fbu0")->admin_up && holds("100.64.7.9", 30); }, 5s));
  REQUIRE(sys->remove_address("fbu0", ip("100.64.7.9"), 30).ok());
  CHECK(run_until(
      io, [&] { return !holds("100.64.7.9", 30); }, 5s));
  view.stop();
}

TEST_CASE("a missing interface is INTERFACE_NOT_FOUND naming the command; removal from it is no error") {
  StickLab lab;
  auto sys = open_system(lab.ns);
  Status up = sys->set_link_up("fbnone0");
  REQUIRE_FALSE(up.ok());
  CHECK(up.code() == NetError::interface_not_found);
  CHECK_MESSAGE(contains(up.error().detail, "ip link set fbnone0 up: interface fbnone0: "), up.error().detail);
  CHECK_MESSAGE(contains(up.error().detail, "No such device"), up.error().detail);

  Status add = sys->replace_address("fbnone0", ip("10.0.2.15"), 24);
  REQUIRE_FALSE(add.ok());
  CHECK(add.code() == NetError::interface_not_found);
  CHECK_MESSAGE(contains(add.error().detail, "ip address replace 10.0.2.15/24 dev fbnone0: "), add.error().detail);

  // An address goes with its interface: a stop after the stick is unplugged succeeds.
  CHECK(sys->remove_address("fbnone0", ip("10.0.2.15"), 24).ok());

  // Bad values never reach the kernel.
  CHECK(sys->set_link_up("fb u0").code() == NetError::invalid_spec);
  CHECK(sys->replace_address("fbu0", ip("10.0.2.15"), 0).code() == NetError::invalid_spec);
  CHECK(listed(lab.ns, "fbu0", "inet").empty());
  CHECK_FALSE(admin_up(lab.ns, "fbu0"));
}
