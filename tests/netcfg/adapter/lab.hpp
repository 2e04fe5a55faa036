// Test support for the netcfg adapter tests: namespaces wired with veth
// links, independent witnesses (ip -j, nft -j, a libnl-nf conntrack dump of
// the test's own), TCP flows between namespaces, and bounded waits.
//
// Addresses: 192.0.2.0/30 and 198.51.100.0/30 are the two uplinks' links,
// 203.0.113.0/24 the "internet", 10.64.0.0/30 a point-to-point link — all
// only inside namespaces the tests create.
#pragma once

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fb/net/netlink_system.hpp"
#include "fb/net/system.hpp"
#include "fd.hpp"
#include "lab_state.hpp"
#include "netns.hpp"
#include "ns_must.hpp"

#include "io_wait.hpp"

namespace fb::net::test {

using fb::test::NetNamespace;
using namespace std::chrono_literals;

using fb::test::must;  // runs argv in `ns`, REQUIREs exit 0, returns stdout+stderr
// Runs argv in `ns` and parses its JSON output (ip -j, nft -j).
nlohmann::json json_of(const NetNamespace& ns, const std::vector<std::string>& argv);
// The whole routing/rule/nft state of a namespace, as text with nft counters
// zeroed: equal snapshots mean nothing changed.
std::string snapshot(const NetNamespace& ns);

// A veth pair: `a_if` in `a` and `b_if` in `b`, both up, with addresses
// ("192.0.2.2/30"; empty for none).
void veth(const NetNamespace& a, const std::string& a_if, const std::string& a_addr, const NetNamespace& b,
          const std::string& b_if, const std::string& b_addr);

// One namespace with two uplink links: fbw0 192.0.2.2/30 (gateway 192.0.2.1)
// and fbw1 198.51.100.2/30 (gateway 198.51.100.1), whose far ends (fbp0,
// fbp1) are up in the same namespace without addresses — enough for the
// kernel to accept routes and rules.
struct TwoUplinks {
  NetNamespace ns;
  TwoUplinks();
};

// Foreign entries a well-behaved failberryd must never touch: a lower-priority
// default in main, a foreign route inside failberry's table range, a foreign
// rule inside its priority range, two foreign nft tables.
void seed_foreign_state(const NetNamespace& ns);

// Opens a NetlinkSystem bound to `ns`.
std::unique_ptr<NetlinkSystem> open_system(const NetNamespace& ns);

// Polls `condition` every few ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s);

using fb::test::run_until;  // io_wait.hpp

// A netlink follower under test (KernelView, NetlinkMonitor) on an
// io_context of its own: a test's rig derives from it, starts the follower
// with start_in() and runs the loop until what it waits for has come.
struct FollowerRig {
  boost::asio::io_context io;

  // Starts `follower` (its start() must succeed) with its netlink socket in `ns`.
  template <class Follower>
  static void start_in(const NetNamespace& ns, Follower& follower) {
    NetNamespace::Enter inside(ns);
    Status s = follower.start();
    REQUIRE_MESSAGE(s.ok(), describe(s));
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    return fb::test::run_until(io, done, timeout);
  }
};

using fb::test::Fd;

// TCP endpoints created in a namespace (a socket stays in the namespace it
// was made in, whichever thread uses it later).
Fd tcp_listen(const NetNamespace& ns, const std::string& address, int port);
// Starts a non-blocking connect from `source` (port 0: any) to `address`:`port`.
Fd tcp_connect(const NetNamespace& ns, const std::string& source, int source_port, const std::string& address,
               int port);
// Waits for the connect to complete; false on failure or timeout.
bool connected(const Fd& socket, std::chrono::milliseconds timeout);
// Accepts one connection (bounded).
Fd accept_one(const Fd& listener, std::chrono::milliseconds timeout);
// Sends `text` one way and reads it back on the other side (bounded).
bool exchange(const Fd& from, const Fd& to, const std::string& text);

// Conntrack entries of a namespace, read with libnl-nf independently of the
// System under test.
struct Flow {
  std::string orig_src, orig_dst, reply_src, reply_dst;
  int protocol = 0;
  int orig_dst_port = 0;
};
std::vector<Flow> conntrack_flows(const NetNamespace& ns);
std::size_t flows_involving(const std::vector<Flow>& flows, const std::string& address);

// The packet counter of the rule with `comment` in chain `chain` of table
// `family name`, from `nft -j list table`.
long long nft_counter(const NetNamespace& ns, const std::string& family, const std::string& table,
                      const std::string& chain, const std::string& comment);

}  // namespace fb::net::test
