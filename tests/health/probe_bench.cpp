// By hand, as root: the probes' round-trip time on a veth (probe_lab.hpp),
// FB_BENCH_RUNS probes of each kind (default 500), one at a time, reported as
// a distribution — not a test, nothing asserted. For scale, the same link's
// RTT as the kernel sees it is printed for `ping` (iputils) when present.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "fb/health/probe.hpp"
#include "probe_lab.hpp"

using namespace std::chrono_literals;
namespace asio = boost::asio;
using fb::health::ProbeKind;

namespace {

void report(const char* what, std::vector<double> us, int failures, std::uint64_t bytes) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us.empty() ? 0.0 : us[static_cast<std::size_t>(q * (us.size() - 1))]; };
  std::printf(
      "%-22s n=%-5zu fail=%-3d min=%7.1f median=%7.1f p90=%7.1f p95=%7.1f p99=%7.1f max=%8.1f us  %6.1f B/probe\n",
      what, us.size(), failures, at(0), at(0.5), at(0.9), at(0.95), at(0.99), at(1.0),
      us.empty() ? 0.0 : static_cast<double>(bytes) / static_cast<double>(us.size()));
}

}  // namespace

int main() {
  fb::test::require_root("the probe benchmark");
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int runs = std::getenv("FB_BENCH_RUNS") ? std::atoi(std::getenv("FB_BENCH_RUNS")) : 500;
  fb::test::ProbeLab lab;
  fb::test::ProbePeer peer(lab.peer_a, fb::test::kTarget4, {"dns:53:answer", "http:80:ok"});
  fb::test::ProbePeer peer6(lab.peer_a, fb::test::kTarget6, {"dns:53:answer", "http:80:ok"});
  fb::test::NetNamespace::Enter inside(lab.pi);  // the probes' sockets live in pi
  asio::io_context io;
  struct Case {
    const char* name;
    ProbeKind kind;
    const char* target;
    bool ping_sockets;
  };
  const Case cases[] = {
      {"icmp v4 ping socket", ProbeKind::icmp, fb::test::kTarget4, true},
      {"icmp v4 raw socket", ProbeKind::icmp, fb::test::kTarget4, false},
      {"icmp v6 ping socket", ProbeKind::icmp, fb::test::kTarget6, true},
      {"icmp v6 raw socket", ProbeKind::icmp, fb::test::kTarget6, false},
      {"dns v4", ProbeKind::dns, fb::test::kTarget4, true},
      {"dns v6", ProbeKind::dns, fb::test::kTarget6, true},
      {"http v4", ProbeKind::http, fb::test::kTarget4, true},
      {"http v6", ProbeKind::http, fb::test::kTarget6, true},
  };
  std::printf("probe RTT on a veth pair (bound to fbA, main route via fbB), %d probes each, sequential\n", runs);
  for (const auto& c : cases) {
    lab.allow_ping_sockets(c.ping_sockets);
    fb::health::Prober prober(io);
    fb::health::ProbeRequest r;
    r.kind = c.kind;
    r.interface = "fbA";
    r.target = *fb::IpAddress::parse(c.target);
    r.timeout = 2s;
    std::vector<double> us;
    int failures = 0;
    std::uint64_t bytes = 0;
    auto guard = asio::make_work_guard(io);
    for (int i = 0; i < runs + 20; ++i) {
      std::optional<fb::health::ProbeResult> got;
      prober.start(r, [&](const fb::health::ProbeResult& res) { got = res; });
      while (!got) io.run_one();
      if (i < 20) continue;  // warm-up: neighbour entries, first curl init
      if (!got->ok) {
        ++failures;
        continue;
      }
      us.push_back(static_cast<double>(got->rtt.count()));
      bytes += got->bytes_sent + got->bytes_received;
    }
    report(c.name, us, failures, bytes);
  }
  auto ping = lab.pi.exec({"ping", "-q", "-c", "200", "-i", "0.002", "-I", "fbA", fb::test::kTarget4});
  if (ping.code == 0) std::printf("for scale, iputils ping -I fbA, 200 echoes:\n%s", ping.output.c_str());
  return 0;
}
