// cleanup_stale(): at start (after a crash) and at stop, failberryd removes
// exactly its own routes, rules and table. The namespace is seeded with
// foreign entries placed where a sloppy cleanup would hit them (a route in
// failberry's table range, a rule in its priority range, foreign nft tables);
// after cleanup the namespace must be byte-for-byte what it was before
// failberry touched it. Root.
#include <doctest/doctest.h>

#include <csignal>

#include "lab.hpp"
#include "notify_listener.hpp"
#include "process.hpp"

using namespace fb::net;
using namespace fb::net::test;

namespace {
std::size_t owned_rules_listed(const NetNamespace& ns) {
  std::size_t n = 0;
  for (const auto& r : json_of(ns, {"ip", "-j", "rule", "show"})) n += r.value("protocol", "") == "251";
  return n;
}
// A restarted process's cleanup_stale() finds the whole applied state and
// removes it, down to the kernel's state `before` it was applied. Returns
// that process's System.
std::unique_ptr<NetlinkSystem> cleans_full_state(const NetNamespace& ns, const std::string& before) {
  auto restarted = open_system(ns);
  auto report = restarted->cleanup_stale();
  REQUIRE(report.ok());
  CHECK(report->routes == kFullStateRoutes);
  CHECK(report->rules == kFullStateRules);
  CHECK(report->firewall);
  CHECK(report->failures.empty());
  CHECK(snapshot(ns) == before);
  return restarted;
}
}  // namespace

TEST_CASE("cleanup removes exactly failberry's routes, rules and table, and nothing of anyone else's") {
  TwoUplinks lab;
  seed_foreign_state(lab.ns);
  std::string before = snapshot(lab.ns);

  auto running = open_system(lab.ns);
  std::vector<Status> failures = apply_full_state(*running);
  for (const Status& s : failures) FAIL_CHECK(describe(s));
  REQUIRE(failures.empty());
  REQUIRE(snapshot(lab.ns) != before);

  auto restarted = cleans_full_state(lab.ns, before);
  auto again = restarted->cleanup_stale();  // nothing left: nothing removed, nothing failed
  REQUIRE(again.ok());
  CHECK(again->routes == 0);
  CHECK(again->rules == 0);
  CHECK_FALSE(again->firewall);
}

TEST_CASE("crash recovery: what a SIGKILLed failberry left behind is removed by the next start") {
  TwoUplinks lab;
  seed_foreign_state(lab.ns);
  std::string before = snapshot(lab.ns);

  fb::test::TempDir dir;
  fb::test::NotifyListener notify(dir / "notify");
  fb::test::Process helper(lab.ns.wrap({FB_NETCFG_STATE_HELPER}), {{notify.env()}, {}, dir / "err"});
  REQUIRE_MESSAGE(notify.wait_for("READY=1", 10s), fb::test::read_file(dir / "err"));
  helper.signal(SIGKILL);
  REQUIRE(helper.wait(10s) == 128 + SIGKILL);

  // The kernel keeps what the dead process applied.
  CHECK(owned_rules_listed(lab.ns) == kFullStateRules);
  CHECK(must(lab.ns, {"nft", "list", "tables"}).find("table inet failberry") != std::string::npos);

  cleans_full_state(lab.ns, before);
}
