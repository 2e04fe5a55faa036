// Test support for the probes: an uplink-like lab in throwaway namespaces.
//
//   pi ── fbA 10.0.1.2 fd00:1::2 ─── fbAp 10.0.1.1 fd00:1::1 ── peerA (lo: 198.51.100.10, 2001:db8:100::10)
//      └─ fbB 10.0.2.2 fd00:2::2 ─── fbBp 10.0.2.1 fd00:2::1 ── peerB (does not know the targets)
//      └─ fbC 10.0.3.2 fd00:3::2 ─── fbCp (also in pi, no address: C's gateway .1 / ::1 never answers)
//
// In pi the main default routes point at B; uplinks A and C have their own
// tables (101, 103) reached by `oif`, as netcfg sets up per uplink — so a
// socket bound to fbA reaches the targets, one bound to fbB or left to the
// main table does not. peerB forwards nothing (packets to the targets
// vanish) until b_rejects(), after which it answers "host unreachable".
// peerA counts what it receives from and sends to pi with nft counters (an
// independent witness of the probes' byte counts). Every namespace is deleted
// by its destructor, also when a test fails. Root only (require_root()).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "netns.hpp"

namespace fb::test {

constexpr const char* kTarget4 = "198.51.100.10";
constexpr const char* kTarget6 = "2001:db8:100::10";

void must(const NetNamespace& ns, const std::vector<std::string>& argv);

// The far end (probe_peer.py) in a namespace; waits (bounded) for its "ready".
class ProbePeer {
 public:
  ProbePeer(const NetNamespace& ns, const std::string& address, const std::vector<std::string>& specs);
  ~ProbePeer();
  ProbePeer(const ProbePeer&) = delete;
  ProbePeer& operator=(const ProbePeer&) = delete;
  // Request lines seen so far ("dns 53 answer", ...), read without blocking.
  const std::vector<std::string>& lines();

 private:
  TempDir dir_;
  std::unique_ptr<Process> process_;
  int fd_ = -1;
  std::string buffer_;
  std::vector<std::string> lines_;
};

struct WireCount {
  std::uint64_t packets_in = 0, bytes_in = 0;    // peerA received from pi
  std::uint64_t packets_out = 0, bytes_out = 0;  // peerA sent to pi
};

class ProbeLab {
 public:
  ProbeLab();
  NetNamespace pi;
  NetNamespace peer_a;
  NetNamespace peer_b;

  // net.ipv4.ping_group_range in pi: admit root's group (ping sockets) or nobody (raw sockets).
  void allow_ping_sockets(bool allow);
  void b_rejects();
  // nft rule in peerA's input hook dropping everything from pi (silent transit loss).
  void drop_at_a(bool on);
  void reset_counts();
  WireCount counts();
};

}  // namespace fb::test
