// NetlinkMonitor on a real io_context against real kernel changes made with
// ip(8) and through NetlinkSystem, in a throwaway namespace. Every wait is
// the io_context running until the expected event arrives, bounded. Root.
#include <doctest/doctest.h>
#include <net/if.h>

#include <boost/asio/io_context.hpp>

#include "fb/net/monitor.hpp"
#include "lab.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using fb::IpAddress;
using fb::Prefix;
using namespace fb::net::test;

namespace {

// A monitor started inside `ns`, recording every event it delivers.
struct Recorder : FollowerRig {
  std::vector<NetEvent> events;
  NetlinkMonitor monitor{io, [this](const NetEvent& e) { events.push_back(e); }};

  explicit Recorder(const NetNamespace& ns) { start_in(ns, monitor); }

  template <class E>
  std::vector<E> all() const {
    std::vector<E> out;
    for (const NetEvent& e : events)
      if (auto* p = std::get_if<E>(&e)) out.push_back(*p);
    return out;
  }

  bool saw_link(const std::string& name, bool admin_up, bool carrier) const {
    for (const LinkEvent& e : all<LinkEvent>())
      if (e.name == name && !e.removed && e.admin_up == admin_up && e.carrier == carrier) return true;
    return false;
  }
};

int ifindex_in(const NetNamespace& ns, const char* name) {
  NetNamespace::Enter inside(ns);
  return static_cast<int>(if_nametoindex(name));
}

bool is_our_main_default(const RouteEvent& e) {
  return e.route.table == kMainTable && e.route.destination.is_default() && e.route.metric == kMainDefaultMetric;
}

}  // namespace

TEST_CASE("the monitor reports a link going down, coming up without carrier, and getting carrier") {
  TwoUplinks lab;
  Recorder rec(lab.ns);
  int fbw0 = ifindex_in(lab.ns, "fbw0");

  must(lab.ns, {"ip", "link", "set", "fbw0", "down"});
  REQUIRE(rec.run_until([&] { return rec.saw_link("fbw0", false, false); }));
  must(lab.ns, {"ip", "link", "set", "fbp0", "down"});
  must(lab.ns, {"ip", "link", "set", "fbw0", "up"});
  REQUIRE(rec.run_until([&] { return rec.saw_link("fbw0", true, false); }));
  must(lab.ns, {"ip", "link", "set", "fbp0", "up"});
  REQUIRE(rec.run_until([&] { return rec.saw_link("fbw0", true, true); }));

  for (const LinkEvent& e : rec.all<LinkEvent>())
    if (e.name == "fbw0") CHECK(e.ifindex == fbw0);
  MESSAGE(rec.events.size() << " events, last: " << describe(rec.events.back()));
}

TEST_CASE("the monitor reports addresses added and removed, with a point-to-point peer") {
  TwoUplinks lab;
  Recorder rec(lab.ns);
  int fbw0 = ifindex_in(lab.ns, "fbw0"), fbw1 = ifindex_in(lab.ns, "fbw1");
  auto saw = [&](const char* address, bool removed) {
    for (const AddressEvent& e : rec.all<AddressEvent>())
      if (e.address == ip(address) && e.removed == removed) return true;
    return false;
  };

  must(lab.ns, {"ip", "addr", "add", "203.0.113.5/24", "dev", "fbw0"});
  must(lab.ns, {"ip", "addr", "add", "10.64.0.2", "peer", "10.64.0.1", "dev", "fbw1"});
  REQUIRE(rec.run_until([&] { return saw("203.0.113.5", false) && saw("10.64.0.2", false); }));
  must(lab.ns, {"ip", "addr", "del", "203.0.113.5/24", "dev", "fbw0"});
  REQUIRE(rec.run_until([&] { return saw("203.0.113.5", true); }));

  for (const AddressEvent& e : rec.all<AddressEvent>()) {
    if (e.address == ip("203.0.113.5")) {
      CHECK(e.ifindex == fbw0);
      CHECK(e.prefix_length == 24);
      CHECK_FALSE(e.peer);
    }
    if (e.address == ip("10.64.0.2")) {
      CHECK(e.ifindex == fbw1);
      CHECK(e.prefix_length == 32);
      CHECK(e.peer == ip("10.64.0.1"));
    }
  }
}

TEST_CASE("replacing the default route never leaves a moment without one: the monitor sees no delete") {
  TwoUplinks lab;
  auto sys = open_system(lab.ns);
  Recorder rec(lab.ns);
  const int runs = 20;
  for (int i = 0; i < runs; ++i) {
    NextHop via = i % 2 ? NextHop{ip("198.51.100.1"), "fbw1"} : NextHop{ip("192.0.2.1"), "fbw0"};
    REQUIRE(sys->replace_route(*main_default_route(via)).ok());
    REQUIRE(rec.run_until([&] {
      auto routes = rec.all<RouteEvent>();
      return std::count_if(routes.begin(), routes.end(), is_our_main_default) == i + 1 &&
             routes.back().route.gateway == via.gateway;
    }));
  }
  int added = 0, replaced = 0, removed = 0;
  for (const RouteEvent& e : rec.all<RouteEvent>()) {
    if (!is_our_main_default(e)) continue;
    removed += e.removed;
    replaced += e.replaced;
    added += !e.removed;
  }
  CHECK(added == runs);
  CHECK(removed == 0);
  CHECK(replaced == runs - 1);  // the first one had nothing to replace

  // Control: delete-then-add shows up as a delete, so the check above can fail.
  std::size_t seen = rec.events.size();
  REQUIRE(sys->remove_route(*main_default_route({ip("198.51.100.1"), "fbw1"})).ok());
  REQUIRE(sys->replace_route(*main_default_route({ip("192.0.2.1"), "fbw0"})).ok());
  REQUIRE(rec.run_until([&] {
    for (std::size_t i = seen; i < rec.events.size(); ++i)
      if (auto* e = std::get_if<RouteEvent>(&rec.events[i]); e && is_our_main_default(*e) && !e->removed) return true;
    return false;
  }));
  bool window = false;
  for (std::size_t i = seen; i < rec.events.size(); ++i)
    if (auto* e = std::get_if<RouteEvent>(&rec.events[i]); e && is_our_main_default(*e) && e->removed) window = true;
  CHECK(window);
}

TEST_CASE("stop() ends delivery: no handler runs for later changes") {
  TwoUplinks lab;
  Recorder rec(lab.ns);
  must(lab.ns, {"ip", "link", "set", "fbw0", "down"});
  REQUIRE(rec.run_until([&] { return rec.saw_link("fbw0", false, false); }));
  rec.monitor.stop();
  std::size_t seen = rec.events.size();
  must(lab.ns, {"ip", "link", "set", "fbw0", "up"});
  rec.io.poll();
  CHECK(rec.events.size() == seen);
  CHECK(rec.io.stopped());  // nothing left to wait for: the monitor released its descriptor
}
