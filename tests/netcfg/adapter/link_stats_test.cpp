// LinkStatsReader against the kernel's own counters: UDP datagrams of a known
// size across a veth pair between two throwaway namespaces, with the
// namespace's sysfs (through `ip netns exec`) as the independent witness.
// Root.
#include <doctest/doctest.h>

#include "fb/net/link_stats.hpp"
#include "lab.hpp"
#include "udp_traffic.hpp"

using namespace fb::net;
using namespace fb::net::test;

namespace {

LinkStatsReader open_reader(const NetNamespace& ns) {
  NetNamespace::Enter inside(ns);
  auto reader = LinkStatsReader::open();
  REQUIRE_MESSAGE(reader.ok(), describe(reader));
  return std::move(reader).value();
}

LinkCountersByName read(LinkStatsReader& reader) {
  auto counters = reader.read();
  REQUIRE_MESSAGE(counters.ok(), describe(counters));
  return std::move(counters).value();
}

// The interface's counters as its namespace's sysfs shows them.
LinkCounters sysfs_counters(const NetNamespace& ns, const std::string& interface) {
  auto counter = [&](const char* name) {
    return std::stoull(must(ns, {"cat", "/sys/class/net/" + interface + "/statistics/" + name}));
  };
  return {counter("rx_bytes"), counter("tx_bytes")};
}

}  // namespace

TEST_CASE("read() reports the bytes that crossed a link, as the namespace's sysfs counts them") {
  NetNamespace pi, isp;
  veth(pi, "fbw0", "192.0.2.2/30", isp, "fbi0", "192.0.2.1/30");
  // Opened inside pi, read from here: the socket stays bound to pi.
  LinkStatsReader reader = open_reader(pi);
  LinkCountersByName before = read(reader);
  REQUIRE(before.count("fbw0") == 1);
  REQUIRE(before.count("lo") == 1);

  Fd local = fb::test::udp_between(pi, "192.0.2.2", 7101, "192.0.2.1", 7102);
  Fd remote = fb::test::udp_between(isp, "192.0.2.1", 7102, "192.0.2.2", 7101);
  // Unequal amounts each way: a swapped rx/tx would not match the witness.
  fb::test::send_and_receive(local, remote, 50);
  fb::test::send_and_receive(remote, local, 20);

  LinkCounters witness_before = sysfs_counters(pi, "fbw0");
  LinkCountersByName after = read(reader);
  LinkCounters witness_after = sysfs_counters(pi, "fbw0");
  REQUIRE(after.count("fbw0") == 1);
  const LinkCounters& fbw0 = after.at("fbw0");
  CHECK(fbw0.tx_bytes >= before.at("fbw0").tx_bytes + fb::test::udp_on_the_wire(50));
  CHECK(fbw0.rx_bytes >= before.at("fbw0").rx_bytes + fb::test::udp_on_the_wire(20));
  // The link may carry the kernel's own traffic (ARP, IPv6) at any time:
  // equal to sysfs within what passed between the two witness reads.
  CHECK(witness_before.rx_bytes <= fbw0.rx_bytes);
  CHECK(fbw0.rx_bytes <= witness_after.rx_bytes);
  CHECK(witness_before.tx_bytes <= fbw0.tx_bytes);
  CHECK(fbw0.tx_bytes <= witness_after.tx_bytes);
  // Only pi's links: the peer is in isp.
  CHECK(after.count("fbi0") == 0);
}

TEST_CASE("a deleted interface leaves the next read; a name that never existed is absent") {
  NetNamespace pi, isp;
  veth(pi, "fbw0", "192.0.2.2/30", isp, "fbi0", "192.0.2.1/30");
  LinkStatsReader reader = open_reader(pi);
  REQUIRE(read(reader).count("fbw0") == 1);

  must(pi, {"ip", "link", "del", "fbw0"});
  LinkCountersByName after = read(reader);
  CHECK(after.count("fbw0") == 0);
  CHECK(after.count("lo") == 1);
  CHECK(after.count("fbnothere") == 0);
}
