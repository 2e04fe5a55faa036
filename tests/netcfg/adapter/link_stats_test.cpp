// LinkStatsReader against the kernel's own counters: UDP datagrams of a known
// size across a veth pair between two throwaway namespaces, with the
// namespace's sysfs (through `ip netns exec`) as the independent witness.
// Root.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "fb/net/link_stats.hpp"
#include "lab.hpp"

using namespace fb::net;
using namespace fb::net::test;

namespace {

constexpr std::size_t kPayload = 1000;
// What `datagrams` add to a veth's counters at least: payload, UDP, IPv4 and
// Ethernet headers.
constexpr std::uint64_t on_the_wire(int datagrams) {
  return static_cast<std::uint64_t>(datagrams) * (kPayload + 8 + 20 + 14);
}

LinkStatsReader open_reader(const NetNamespace& ns) {
  NetNamespace::Enter inside(ns);
  auto reader = LinkStatsReader::open();
  REQUIRE_MESSAGE(reader.ok(), reader.status().text());
  return std::move(reader).value();
}

LinkCountersByName read(LinkStatsReader& reader) {
  auto counters = reader.read();
  REQUIRE_MESSAGE(counters.ok(), counters.status().text());
  return std::move(counters).value();
}

// The interface's counters as its namespace's sysfs shows them.
LinkCounters sysfs_counters(const NetNamespace& ns, const std::string& interface) {
  auto counter = [&](const char* name) {
    return std::stoull(must(ns, {"cat", "/sys/class/net/" + interface + "/statistics/" + name}));
  };
  return {counter("rx_bytes"), counter("tx_bytes")};
}

Fd udp_socket(const NetNamespace& ns, const std::string& address, int port) {
  NetNamespace::Enter inside(ns);
  Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.get() >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) == 1);
  REQUIRE_MESSAGE(::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0, std::strerror(errno));
  return s;
}

// Sends `datagrams` of kPayload bytes from `from` to `to` (connected
// sockets), each received before the next is sent: none is lost to a full
// queue, and each crossed the link.
void send_and_receive(const Fd& from, const Fd& to, int datagrams) {
  std::string payload(kPayload, 'x');
  for (int i = 0; i < datagrams; ++i) {
    REQUIRE(::send(from.get(), payload.data(), payload.size(), 0) == static_cast<ssize_t>(payload.size()));
    pollfd p{to.get(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 5000) == 1);
    char buf[kPayload + 1];
    REQUIRE(::recv(to.get(), buf, sizeof buf, 0) == static_cast<ssize_t>(kPayload));
  }
}

void connect_to(const Fd& s, const std::string& address, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) == 1);
  REQUIRE(::connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
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

  Fd local = udp_socket(pi, "192.0.2.2", 7101), remote = udp_socket(isp, "192.0.2.1", 7102);
  connect_to(local, "192.0.2.1", 7102);
  connect_to(remote, "192.0.2.2", 7101);
  // Unequal amounts each way: a swapped rx/tx would not match the witness.
  send_and_receive(local, remote, 50);
  send_and_receive(remote, local, 20);

  LinkCounters witness_before = sysfs_counters(pi, "fbw0");
  LinkCountersByName after = read(reader);
  LinkCounters witness_after = sysfs_counters(pi, "fbw0");
  REQUIRE(after.count("fbw0") == 1);
  const LinkCounters& fbw0 = after.at("fbw0");
  CHECK(fbw0.tx_bytes >= before.at("fbw0").tx_bytes + on_the_wire(50));
  CHECK(fbw0.rx_bytes >= before.at("fbw0").rx_bytes + on_the_wire(20));
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
