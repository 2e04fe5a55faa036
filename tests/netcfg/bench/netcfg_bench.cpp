// Timings of the netcfg adapters against the real kernel, reported as
// distributions (median, p95, max), never asserted. By hand:
//   build/tests/netcfg/fb_netcfg_bench            (root; FB_BENCH_RUNS=N to change N)
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cstdlib>

#include "fb/net/monitor.hpp"
#include "lab.hpp"
#include "netcfg_specs.hpp"

using namespace fb::net;
using fb::IpAddress;
using fb::Prefix;
using namespace fb::net::test;
using Clock = std::chrono::steady_clock;

namespace {

int runs() {
  const char* n = std::getenv("FB_BENCH_RUNS");
  return n ? std::max(1, std::atoi(n)) : 200;
}

std::string distribution(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))]; };
  char buf[160];
  std::snprintf(buf, sizeof buf, "n=%zu median %.0f us, p95 %.0f us, max %.0f us", us.size(), at(0.5), at(0.95),
                us.back());
  return buf;
}

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

}  // namespace

TEST_CASE("bench: replace of the main default route, and until the monitor reports it") {
  TwoUplinks lab;
  auto sys = open_system(lab.ns);
  boost::asio::io_context io;
  std::optional<Clock::time_point> seen;
  NetlinkMonitor monitor(io, [&](const NetEvent& e) {
    if (auto* r = std::get_if<RouteEvent>(&e); r && r->route.table == kMainTable && r->route.destination.is_default())
      seen = Clock::now();
  });
  {
    NetNamespace::Enter inside(lab.ns);
    REQUIRE(monitor.start().ok());
  }
  std::vector<double> call, visible;
  for (int i = 0; i < runs(); ++i) {
    NextHop via =
        i % 2 ? NextHop{*IpAddress::parse("198.51.100.1"), "fbw1"} : NextHop{*IpAddress::parse("192.0.2.1"), "fbw0"};
    Route route = *main_default_route(via);
    seen.reset();
    auto start = Clock::now();
    REQUIRE(sys->replace_route(route).ok());
    auto returned = Clock::now();
    while (!seen) io.run_one_for(std::chrono::seconds(5));
    call.push_back(micros(returned - start));
    visible.push_back(micros(*seen - start));
  }
  MESSAGE("replace_route() call (request + kernel ack): " << distribution(call));
  MESSAGE("replace_route() start -> NetlinkMonitor delivers the RouteEvent: " << distribution(visible));
}

TEST_CASE("bench: one atomic replace of table inet failberry") {
  NetNamespace ns;
  auto sys = open_system(ns);
  FirewallSpec specs[] = {backup_gateway_spec(), router_spec()};
  std::vector<double> apply;
  for (int i = 0; i < std::max(10, runs() / 4); ++i) {
    auto start = Clock::now();
    REQUIRE(sys->apply_firewall(specs[i % 2]).ok());
    apply.push_back(micros(Clock::now() - start));
  }
  MESSAGE("apply_firewall() (render + one nft batch: add, delete, define): " << distribution(apply));
}

TEST_CASE("bench: cleanup of a crashed run's full state") {
  std::vector<double> cleanup;
  for (int i = 0; i < 10; ++i) {
    TwoUplinks lab;
    auto sys = open_system(lab.ns);
    REQUIRE(apply_full_state(*sys).empty());
    auto start = Clock::now();
    auto report = sys->cleanup_stale();
    cleanup.push_back(micros(Clock::now() - start));
    REQUIRE(report.ok());
  }
  MESSAGE("cleanup_stale() of 3 routes, 5 rules and the table: " << distribution(cleanup));
}
