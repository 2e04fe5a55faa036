#include "probe_lab.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace fb::test {

void must(const NetNamespace& ns, const std::vector<std::string>& argv) {
  auto r = ns.exec(argv);
  if (r.code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error("in " + ns.name() + ": " + cmd + "failed: " + r.output);
  }
}

ProbePeer::ProbePeer(const NetNamespace& ns, const std::string& address, const std::vector<std::string>& specs) {
  std::string fifo = dir_ / "stdout";
  if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  std::vector<std::string> argv = ns.wrap({FB_PYTHON3, "-u", FB_PROBE_PEER, address});
  argv.insert(argv.end(), specs.begin(), specs.end());
  // Our end first: the child opens the FIFO before exec, and posix_spawn waits for that exec.
  fd_ = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open the peer's stdout");
  SpawnOptions options;
  options.stdout_path = fifo;
  options.stderr_path = dir_ / "stderr";
  process_ = std::make_unique<Process>(argv, options);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (lines_.empty() || lines_.front() != "ready") {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !process_->running())
      throw std::runtime_error("probe peer did not start: " + read_file(dir_ / "stderr"));
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
    lines();
  }
  lines_.erase(lines_.begin());
}

ProbePeer::~ProbePeer() {
  process_.reset();  // kills the child
  if (fd_ >= 0) ::close(fd_);
}

const std::vector<std::string>& ProbePeer::lines() {
  char chunk[4096];
  while (true) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n <= 0) break;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  std::size_t eol;
  while ((eol = buffer_.find('\n')) != std::string::npos) {
    lines_.push_back(buffer_.substr(0, eol));
    buffer_.erase(0, eol + 1);
  }
  return lines_;
}

ProbeLab::ProbeLab() {
  must(pi, {"ip", "link", "add", "fbA", "type", "veth", "peer", "name", "fbAp", "netns", peer_a.name()});
  must(pi, {"ip", "link", "add", "fbB", "type", "veth", "peer", "name", "fbBp", "netns", peer_b.name()});
  must(pi, {"ip", "link", "add", "fbC", "type", "veth", "peer", "name", "fbCp"});
  must(pi, {"sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"});
  must(pi, {"ip", "addr", "add", "10.0.1.2/24", "dev", "fbA"});
  must(pi, {"ip", "addr", "add", "10.0.2.2/24", "dev", "fbB"});
  must(pi, {"ip", "-6", "addr", "add", "fd00:1::2/64", "dev", "fbA", "nodad"});
  must(pi, {"ip", "-6", "addr", "add", "fd00:2::2/64", "dev", "fbB", "nodad"});
  must(pi, {"ip", "addr", "add", "10.0.3.2/24", "dev", "fbC"});
  must(pi, {"ip", "-6", "addr", "add", "fd00:3::2/64", "dev", "fbC", "nodad"});
  // C's gateway never answers ARP/ND: give up after one probe of 100 ms, not three of 1 s.
  must(pi, {"sysctl", "-qw", "net.ipv4.neigh.fbC.mcast_solicit=1", "net.ipv4.neigh.fbC.retrans_time_ms=100",
            "net.ipv6.neigh.fbC.mcast_solicit=1", "net.ipv6.neigh.fbC.retrans_time_ms=100"});
  must(peer_a, {"ip", "addr", "add", "10.0.1.1/24", "dev", "fbAp"});
  must(peer_a, {"ip", "-6", "addr", "add", "fd00:1::1/64", "dev", "fbAp", "nodad"});
  must(peer_a, {"ip", "addr", "add", std::string(kTarget4) + "/32", "dev", "lo"});
  must(peer_a, {"ip", "-6", "addr", "add", std::string(kTarget6) + "/128", "dev", "lo"});
  must(peer_b, {"ip", "addr", "add", "10.0.2.1/24", "dev", "fbBp"});
  must(peer_b, {"ip", "-6", "addr", "add", "fd00:2::1/64", "dev", "fbBp", "nodad"});
  for (const char* l : {"fbA", "fbB", "fbC", "fbCp"}) must(pi, {"ip", "link", "set", l, "up"});
  must(peer_a, {"ip", "link", "set", "fbAp", "up"});
  must(peer_b, {"ip", "link", "set", "fbBp", "up"});
  // Main table: B. Uplink A: table 101, for sockets bound to fbA.
  must(pi, {"ip", "route", "add", "default", "via", "10.0.2.1", "dev", "fbB"});
  must(pi, {"ip", "-6", "route", "add", "default", "via", "fd00:2::1", "dev", "fbB"});
  must(pi, {"ip", "route", "add", "default", "via", "10.0.1.1", "dev", "fbA", "table", "101"});
  must(pi, {"ip", "-6", "route", "add", "default", "via", "fd00:1::1", "dev", "fbA", "table", "101"});
  must(pi, {"ip", "rule", "add", "oif", "fbA", "lookup", "101", "pref", "1000"});
  must(pi, {"ip", "-6", "rule", "add", "oif", "fbA", "lookup", "101", "pref", "1000"});
  must(pi, {"ip", "route", "add", "default", "via", "10.0.3.1", "dev", "fbC", "table", "103"});
  must(pi, {"ip", "-6", "route", "add", "default", "via", "fd00:3::1", "dev", "fbC", "table", "103"});
  must(pi, {"ip", "rule", "add", "oif", "fbC", "lookup", "103", "pref", "1001"});
  must(pi, {"ip", "-6", "rule", "add", "oif", "fbC", "lookup", "103", "pref", "1001"});
  // peerB: silent for both families (IPv6 would otherwise answer "no route" even without forwarding).
  must(peer_b, {"sysctl", "-qw", "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0",
                "net.ipv4.conf.all.send_redirects=0", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0"});
  must(peer_b, {"ip", "-6", "route", "add", "blackhole", "2001:db8:100::/64"});
  reset_counts();
}

void ProbeLab::allow_ping_sockets(bool allow) {
  must(pi, {"sysctl", "-qw", allow ? "net.ipv4.ping_group_range=0 0" : "net.ipv4.ping_group_range=1 0"});
}

void ProbeLab::b_rejects() {
  // Like a carrier's router without a route for the target: it forwards, then refuses with
  // "host unreachable" (nft in the forward hook; ICMP rate limits off so every probe hears it).
  // Towards a link of its own (not back out of fbBp, which would send redirects to pi).
  must(peer_b, {"ip", "link", "add", "fbBx", "type", "veth", "peer", "name", "fbBy"});
  must(peer_b, {"ip", "link", "set", "fbBx", "up"});
  must(peer_b, {"ip", "link", "set", "fbBy", "up"});
  must(peer_b, {"ip", "-6", "route", "del", "blackhole", "2001:db8:100::/64"});
  must(peer_b, {"ip", "route", "add", std::string(kTarget4) + "/32", "dev", "fbBx"});
  must(peer_b, {"ip", "-6", "route", "add", std::string(kTarget6) + "/128", "dev", "fbBx"});
  must(peer_b, {"sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"});
  must(peer_b, {"nft",
                "add table inet fbreject; add chain inet fbreject through { type filter hook forward priority 0; }; "
                "add rule inet fbreject through reject with icmpx type host-unreachable"});
}

void ProbeLab::drop_at_a(bool on) {
  if (on) {
    must(peer_a, {"nft",
                  "add table inet fbdrop; add chain inet fbdrop in { type filter hook prerouting priority -300; }; "
                  "add rule inet fbdrop in ip saddr 10.0.1.2 drop; "
                  "add rule inet fbdrop in ip6 saddr fd00:1::2 meta l4proto != ipv6-icmp drop; "
                  "add rule inet fbdrop in ip6 saddr fd00:1::2 icmpv6 type echo-request drop"});
  } else {
    must(peer_a, {"nft", "delete table inet fbdrop"});
  }
}

void ProbeLab::reset_counts() {
  peer_a.exec({"nft", "delete table inet fbcount"});
  // Probe traffic only: IPv6 neighbour discovery is not the probes' doing.
  must(peer_a, {"nft",
                "add table inet fbcount; "
                "add chain inet fbcount in { type filter hook input priority 0; }; "
                "add chain inet fbcount out { type filter hook output priority 0; }; "
                "add rule inet fbcount in ip saddr 10.0.1.2 counter; "
                "add rule inet fbcount in ip6 saddr fd00:1::2 meta l4proto != ipv6-icmp counter; "
                "add rule inet fbcount in ip6 saddr fd00:1::2 icmpv6 type echo-request counter; "
                "add rule inet fbcount out ip daddr 10.0.1.2 counter; "
                "add rule inet fbcount out ip6 daddr fd00:1::2 meta l4proto != ipv6-icmp counter; "
                "add rule inet fbcount out ip6 daddr fd00:1::2 icmpv6 type "
                "{ echo-reply, destination-unreachable } counter"});
}

WireCount ProbeLab::counts() {
  auto r = peer_a.exec({"nft", "-j", "list", "table", "inet", "fbcount"});
  if (r.code != 0) throw std::runtime_error("nft list failed: " + r.output);
  auto j = nlohmann::json::parse(r.output);
  WireCount c;
  for (const auto& item : j["nftables"]) {
    if (!item.contains("rule")) continue;
    const auto& rule = item["rule"];
    for (const auto& expr : rule["expr"]) {
      if (!expr.contains("counter")) continue;
      std::uint64_t packets = expr["counter"]["packets"], bytes = expr["counter"]["bytes"];
      if (rule["chain"] == "in") {
        c.packets_in += packets;
        c.bytes_in += bytes;
      } else {
        c.packets_out += packets;
        c.bytes_out += bytes;
      }
    }
  }
  return c;
}

}  // namespace fb::test
