// The daemon's NetworkService, built as Daemon::make_network() builds it
// under dry-run: a DryRunSystem (which changes nothing and keeps a model of
// what it was asked to own) with the note "dry-run", the daemon's KernelView
// and its timers. The links are real: the test thread lives in a "pi"
// namespace with two uplinks, veth pairs towards a "peer" namespace —
//   a: fbA 10.0.1.2/24, gateway 10.0.1.1 (probed by ICMP), priority 10
//   b: fbB 10.0.2.2/24, gateway 10.0.2.1, no probe targets, priority 20
// with failback_hold = 0s (b, unprobed, is up first; a takes over once probed).
// so carrier and address events come from the kernel and a's probes get
// real answers. The last test runs the composition root itself (Daemon) in
// the namespace and sends it SIGHUP. Root, else 77.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "fb/core/asio_timers.hpp"
#include "fb/core/daemon.hpp"
#include "fb/core/network_service.hpp"
#include "fb/net/commands.hpp"
#include "fb/net/dry_run_system.hpp"
#include "fb/net/kernel_view.hpp"
#include "log_capture.hpp"
#include "log_script.hpp"
#include "netns.hpp"
#include "ns_must.hpp"
#include "process.hpp"
#include "router_advert.hpp"
#include "service_rig.hpp"

using namespace std::chrono_literals;
using fb::test::must;
using fb::test::NetNamespace;
namespace asio = boost::asio;

namespace {

const fb::test::RootRequired root_required("the NetworkService namespace test");

const std::string P = "netcfg[dry-run]: ";

void build_topology(const NetNamespace& pi, const NetNamespace& peer) {
  fb::test::veth_pair(pi, "fbA", peer, "fbAp", "10.0.1");
  fb::test::veth_pair(pi, "fbB", peer, "fbBp", "10.0.2");
}

std::string ini(const std::string& dir, const std::string& b_priority = "20") {
  return "[general]\nmode = router\nstate_dir = " + dir + "\ncontrol_socket = " + dir +
         "/control.sock\n"
         "[uplink.a]\ninterface = fbA\ngateway = 10.0.1.1\npriority = 10\nprobe_targets = 10.0.1.1\n"
         "probe_interval = 500ms\nprobe_timeout = 200ms\nup_count = 1\ndown_count = 2\n"
         "[uplink.b]\ninterface = fbB\ngateway = 10.0.2.1\npriority = " +
         b_priority +
         "\n"
         "[failover]\nfailback_hold = 0s\n"
         "[nat]\nlan_interface = lo\n"
         "[health]\nlisten = 127.0.0.1\nport = 9000\n";
}

// The two namespaces, this thread inside "pi", and what the daemon holds
// around a NetworkService: the one KernelView and its timers.
struct Rig {
  NetNamespace pi{"netsvc-pi"};
  NetNamespace peer{"netsvc-peer"};
  bool built = (build_topology(pi, peer), true);
  NetNamespace::Enter inside{pi};
  fb::test::TempDir dir;
  asio::io_context io;
  fb::core::AsioTimerService timers{io};
  fb::net::KernelView view{io};
  fb::test::LogCapture log;

  Rig() { REQUIRE(view.start().ok()); }

  // As Daemon::make_network() with dry_run = true; `system` stays readable
  // while the service owns it.
  std::unique_ptr<fb::core::NetworkService> service(const fb::core::Config& c, fb::net::DryRunSystem*& system) {
    auto dry = std::make_unique<fb::net::DryRunSystem>();
    system = dry.get();
    fb::core::NetworkKernel kernel{std::move(dry), "dry-run"};
    return std::make_unique<fb::core::NetworkService>(io, timers, view, c, std::move(kernel));
  }
  fb::health::Snapshot snapshot(const fb::core::NetworkService& s) {
    fb::health::Snapshot snap;
    for (const char* name : {"a", "b"}) {
      fb::health::UplinkStatus u;
      u.name = name;
      snap.uplinks.push_back(u);
    }
    s.fill(snap);
    return snap;
  }
  // A service for ini(), started and waited for until a carries the default.
  std::unique_ptr<fb::core::NetworkService> started(fb::net::DryRunSystem*& system) {
    auto svc = service(fb::test::parse_ini(ini(dir.path())), system);
    REQUIRE(svc->start() == "");
    REQUIRE_MESSAGE(fb::test::run_until(
                        io, [&] { return snapshot(*svc).failover.active == "a"; }, 10s),
                    log.text());
    return svc;
  }
  // The dry-run lines said since line `from`.
  std::vector<std::string> netcfg_lines(std::size_t from = 0) const {
    std::vector<std::string> out;
    for (std::size_t i = from; i < log.lines.size(); ++i)
      if (log.lines[i].rfind(P, 0) == 0) out.push_back(log.lines[i].substr(P.size()));
    return out;
  }
};

// The owned routes and rules of a System's model, as `ip` lines, sorted.
std::vector<std::string> owned(fb::net::DryRunSystem& system) {
  auto state = system.read_owned();
  REQUIRE(state.ok());
  std::vector<std::string> out;
  for (const auto& r : state->routes) out.push_back(fb::net::ip_route_command("replace", r));
  for (const auto& r : state->rules) out.push_back(fb::net::ip_rule_command("add", r));
  if (state->firewall) out.push_back("table inet failberry");
  std::sort(out.begin(), out.end());
  return out;
}

bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// What the service must own once both uplinks are up and a carries the default.
const std::vector<std::string> kBothUp = {
    "ip -4 route replace default via 10.0.2.1 dev fbB proto 251 metric 12",
    "ip -4 route replace default via 10.0.2.1 dev fbB table 64257 proto 251",
    "ip -4 route replace default via 10.0.1.1 dev fbA proto 251 metric 10",
    "ip -4 route replace default via 10.0.1.1 dev fbA proto 251 metric 11",
    "ip -4 route replace default via 10.0.1.1 dev fbA table 64256 proto 251",
    "ip -4 rule add priority 3100 lookup main suppress_prefixlength 0 protocol 251",
    "ip -4 rule add priority 3200 fwmark 0xfb000001 lookup 64256 protocol 251",
    "ip -4 rule add priority 3201 fwmark 0xfb000002 lookup 64257 protocol 251",
    "ip -4 rule add priority 3300 from 10.0.1.2 lookup 64256 protocol 251",
    "ip -4 rule add priority 3301 from 10.0.2.2 lookup 64257 protocol 251",
    "table inet failberry",
};

}  // namespace

TEST_CASE("start: the stale state goes, then the table, the rules and each uplink's routes; a carries the default") {
  Rig rig;
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.started(system);

  std::vector<std::string> want = kBothUp;
  std::sort(want.begin(), want.end());
  CHECK(owned(*system) == want);
  auto lines = rig.netcfg_lines();
  REQUIRE_FALSE(lines.empty());
  // A previous run's leftovers are removed before anything is added.
  std::vector<std::string> cleanup = fb::net::cleanup_commands();
  REQUIRE(lines.size() > cleanup.size());
  CHECK(std::vector<std::string>(lines.begin(), lines.begin() + static_cast<long>(cleanup.size())) == cleanup);
  CHECK(contains(lines, "sysctl -w net.ipv4.ip_forward=1"));
  CHECK(contains(lines, "sysctl -w net.ipv4.conf.fbA.rp_filter=2"));
  CHECK(contains(lines, "sysctl -w net.ipv4.conf.fbB.rp_filter=2"));
  // The nft table: each uplink's interface with its mark, in ranking order.
  std::string nft;
  for (const auto& l : lines) nft += l + "\n";
  auto a_mark = nft.find("iifname \"fbA\" ct state new ct mark set 0xfb000001");
  auto b_mark = nft.find("iifname \"fbB\" ct state new ct mark set 0xfb000002");
  CHECK(a_mark != std::string::npos);
  CHECK(b_mark != std::string::npos);
  CHECK(a_mark < b_mark);
  CHECK(nft.find("iifname \"lo\" oifname \"fbA\" counter accept") != std::string::npos);
  CHECK(nft.find("oifname \"fbB\" meta nfproto ipv4 counter masquerade") != std::string::npos);
  CHECK(nft.find("iifname \"fbA\" tcp dport 9000 counter accept") != std::string::npos);
  // The main default went in by replace, never removed.
  for (const auto& l : lines) CHECK(l.find("route del") == std::string::npos);

  auto snap = rig.snapshot(*svc);
  CHECK(snap.failover.default_route == "default via 10.0.1.1 dev fbA metric 10");
  CHECK(snap.uplinks[0].state == fb::health::UplinkState::up);
  CHECK(snap.uplinks[1].state == fb::health::UplinkState::up);
  CHECK(snap.uplinks[0].probes_sent >= 1);  // a's probes went out through fbA and were answered
  CHECK(snap.uplinks[0].probe_rtt_us >= 0);

  // stop(): everything owned goes.
  svc->stop();
  CHECK(owned(*system).empty());
}

TEST_CASE("carrier loss on the active uplink: the main default moves to the backup in one replace") {
  Rig rig;
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.started(system);
  std::size_t mark = rig.log.lines.size();

  must(rig.peer, {"ip", "link", "set", "fbAp", "down"});  // fbA loses its carrier (a veth follows its peer)
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.snapshot(*svc).failover.active == "b"; }, 10s));

  auto snap = rig.snapshot(*svc);
  CHECK(snap.uplinks[0].state == fb::health::UplinkState::down);
  CHECK(snap.uplinks[0].reason == "CARRIER_LOST");
  CHECK(snap.failover.default_route == "default via 10.0.2.1 dev fbB metric 10");
  CHECK(snap.failover.last_from == "a");
  CHECK(snap.failover.last_to == "b");
  CHECK(snap.failover.last_reason == "CARRIER_LOST");
  auto lines = rig.netcfg_lines(mark);
  CHECK(contains(lines, "ip -4 route replace default via 10.0.2.1 dev fbB proto 251 metric 10"));
  for (const auto& l : lines) CHECK(l.find("route del") == std::string::npos);  // never delete-then-add
  // a's connections are flushed so their flows move (flush_conntrack defaults to on).
  bool flushed = false;
  for (const auto& l : lines)
    flushed = flushed || (l.find("conntrack -D") == 0 && l.find("10.0.1.2") != std::string::npos);
  CHECK(flushed);
  auto now = owned(*system);
  CHECK(contains(now, "ip -4 route replace default via 10.0.2.1 dev fbB proto 251 metric 10"));
  CHECK_FALSE(contains(now, "ip -4 route replace default via 10.0.1.1 dev fbA proto 251 metric 10"));

  // The carrier comes back: a is probed up again and, failback_hold = 0s, carries the default again.
  must(rig.peer, {"ip", "link", "set", "fbAp", "up"});
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.snapshot(*svc).failover.active == "a"; }, 10s));
  CHECK(rig.snapshot(*svc).uplinks[0].state == fb::health::UplinkState::up);
  CHECK(contains(owned(*system), "ip -4 route replace default via 10.0.1.1 dev fbA proto 251 metric 10"));
}

TEST_CASE("an IPv6 address left on the interface does not keep an uplink up whose IPv4 address went") {
  // Uplinks route, NAT and probe IPv4 only: a router advertisement's address
  // on a stick whose session is IPv4 only (PDP type IP) is no session.
  Rig rig;
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.started(system);
  must(rig.pi, {"ip", "-6", "address", "add", "2001:db8:a::2/64", "dev", "fbA", "nodad"});
  must(rig.pi, {"ip", "-4", "address", "flush", "dev", "fbA"});  // the IPv4 session ended
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return rig.snapshot(*svc).failover.active == "b"; }, 10s),
                  rig.log.text());
  auto snap = rig.snapshot(*svc);
  CHECK(snap.uplinks[0].state == fb::health::UplinkState::down);
  CHECK(snap.uplinks[0].reason == "NO_ADDRESS");  // at once, not after the probes fail
  CHECK(snap.failover.last_from == "a");
  CHECK(snap.failover.last_reason == "NO_ADDRESS");
}

TEST_CASE("the daemon in-process: a reload with unchanged inputs changes nothing; a changed one is taken over") {
  Rig rig;
  std::string path = rig.dir / "f.ini";
  fb::test::write_file(path, ini(rig.dir.path()));
  fb::core::Config c = fb::test::parse_ini(ini(rig.dir.path()));
  fb::core::Daemon daemon(rig.io, fb::core::DaemonOptions{path, true}, c);

  // The script runs on the daemon's own loop, woken every 20 ms; each step
  // waits for a log line, bounded by one deadline for the whole test.
  std::size_t reload_at = 0, reloaded_at = 0, second_at = 0, second_done = 0;
  fb::test::LogScript script(rig.io, rig.log.lines,
                             {
                                 {{"default route now via a"},
                                  [&] {
                                    reload_at = rig.log.lines.size();
                                    ::raise(SIGHUP);
                                  }},
                                 {{"reloaded:"},
                                  [&] {
                                    reloaded_at = rig.log.lines.size();
                                    fb::test::write_file(path, ini(rig.dir.path(), "25"));  // b's priority changes
                                    second_at = rig.log.lines.size();
                                    ::raise(SIGHUP);
                                  }},
                                 {{"reloaded:"},
                                  [&] {
                                    second_done = rig.log.lines.size();
                                    ::raise(SIGTERM);
                                  }},
                             },
                             30s);
  int code = daemon.run();
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);

  std::string all;
  for (const auto& l : rig.log.lines) all += l + "\n";
  INFO(all);
  // The first reload: nothing asked of the kernel side, the service kept.
  REQUIRE(reloaded_at > reload_at);
  CHECK(rig.netcfg_lines(reload_at).size() == rig.netcfg_lines(reloaded_at).size());
  for (std::size_t i = reload_at; i < reloaded_at; ++i)
    CHECK(rig.log.lines[i].find("restarting uplink tracking") == std::string::npos);
  // The second: a new service takes the state over (the check above can see a change).
  REQUIRE(second_done > second_at);
  bool restarted = false;
  for (std::size_t i = second_at; i < second_done; ++i)
    restarted = restarted || rig.log.lines[i].find("restarting uplink tracking") != std::string::npos;
  CHECK(restarted);
  CHECK(rig.netcfg_lines(second_at).size() > rig.netcfg_lines(second_done).size());
}

namespace {

// b is the modem's uplink with interface = auto: its name comes from the
// modem (DataLinkReport), here fbB first and then fbC (a third veth pair).
std::string auto_ini(const std::string& dir) {
  return "[general]\nmode = router\nstate_dir = " + dir + "\ncontrol_socket = " + dir +
         "/control.sock\n"
         "[modem]\napn = internet\ndata = net\n"
         "[uplink.a]\ninterface = fbA\ngateway = 10.0.1.1\npriority = 10\nprobe_targets = 10.0.1.1\n"
         "probe_interval = 500ms\nprobe_timeout = 200ms\nup_count = 1\ndown_count = 2\n"
         "[uplink.b]\ninterface = auto\nkind = cellular\npriority = 20\n"
         "[failover]\nfailback_hold = 0s\n"
         "[nat]\nlan_interface = lo\n"
         "[health]\nlisten = 127.0.0.1\nport = 9000\n";
}

fb::core::DataLinkReport net_link(const std::string& interface, const char* address, int length, const char* gateway) {
  fb::core::DataLinkReport r;
  r.up = true;
  r.path = fb::modem::DataPath::net;
  r.interface = interface;
  r.address = fb::Prefix{fb::IpAddress::parse(address).value(), length};
  r.gateway = fb::IpAddress::parse(gateway).value();
  return r;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

bool any_has(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("interface = auto: unbound until the modem names it; bound, then rebound to a new name, the old one's gone") {
  Rig rig;
  fb::test::veth_pair(rig.pi, "fbC", rig.peer, "fbCp", "10.0.3");
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(auto_ini(rig.dir.path())), system);
  REQUIRE(svc->start() == "");
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return rig.snapshot(*svc).failover.active == "a"; }, 10s),
                  rig.log.text());

  // Unbound: nothing of b in the kernel but its mark rule; no rp_filter, no
  // rule in the nft table, no route; its tracker is still unknown.
  auto snap = rig.snapshot(*svc);
  CHECK(snap.uplinks[1].interface == "auto (not found yet)");
  CHECK(snap.uplinks[1].reason == "INTERFACE_NOT_FOUND");
  CHECK(snap.uplinks[1].state == fb::health::UplinkState::unknown);
  CHECK(svc->interface_of("b") == "");
  auto lines = rig.netcfg_lines();
  CHECK_FALSE(any_has(lines, "fbB"));
  CHECK_FALSE(any_has(lines, "auto"));
  CHECK(any_has(lines, "ct mark { 0xfb000001, 0xfb000002 }"));
  CHECK(contains(owned(*system), "ip -4 rule add priority 3201 fwmark 0xfb000002 lookup 64257 protocol 251"));
  CHECK_FALSE(any_has(owned(*system), "table 64257 proto"));

  // A report without a name changes nothing.
  svc->bind_modem_link(fb::core::DataLinkReport{});
  CHECK(svc->interface_of("b") == "");

  // The modem found fbB: b is bound, tracked and routed through it.
  std::size_t bound_at = rig.log.lines.size();
  svc->bind_modem_link(net_link("fbB", "10.0.2.2", 24, "10.0.2.1"));
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return rig.snapshot(*svc).uplinks[1].state == fb::health::UplinkState::up; }, 10s),
                  rig.log.text());
  CHECK(rig.log.text().find("uplink[b]: bound to fbB") != std::string::npos);
  lines = rig.netcfg_lines(bound_at);
  INFO(joined(lines));
  CHECK(contains(lines, "sysctl -w net.ipv4.conf.fbB.rp_filter=2"));
  CHECK(any_has(lines, "iifname \"fbB\" ct state new ct mark set 0xfb000002"));
  CHECK(any_has(lines, "oifname \"fbB\" meta nfproto ipv4 counter masquerade"));
  auto now = owned(*system);
  CHECK(contains(now, "ip -4 route replace default via 10.0.2.1 dev fbB table 64257 proto 251"));
  CHECK(contains(now, "ip -4 route replace default via 10.0.2.1 dev fbB proto 251 metric 12"));
  CHECK(contains(now, "ip -4 rule add priority 3301 from 10.0.2.2 lookup 64257 protocol 251"));
  snap = rig.snapshot(*svc);
  CHECK(snap.uplinks[1].interface == "fbB");
  CHECK(snap.uplinks[1].reason != "INTERFACE_NOT_FOUND");
  CHECK(svc->interface_of("b") == "fbB");

  // The link goes down but still names fbB: the binding stays.
  fb::core::DataLinkReport down;
  down.path = fb::modem::DataPath::net;
  down.interface = "fbB";
  svc->bind_modem_link(down);
  CHECK(svc->interface_of("b") == "fbB");

  // Replugged as fbC: what belonged to fbB goes, b is bound to fbC.
  std::size_t rebound_at = rig.log.lines.size();
  svc->bind_modem_link(net_link("fbC", "10.0.3.2", 24, "10.0.3.1"));
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io,
                      [&] {
                        auto s = rig.snapshot(*svc);
                        return s.uplinks[1].interface == "fbC" && s.uplinks[1].state == fb::health::UplinkState::up;
                      },
                      10s),
                  rig.log.text());
  CHECK(rig.log.text().find("uplink[b]: rebound from fbB to fbC") != std::string::npos);
  lines = rig.netcfg_lines(rebound_at);
  CHECK(contains(lines, "sysctl -w net.ipv4.conf.fbC.rp_filter=2"));
  CHECK(any_has(lines, "iifname \"fbC\" ct state new ct mark set 0xfb000002"));
  // The last table applied names fbC and not fbB.
  std::string last_table;
  for (const auto& l : lines)
    if (l.find("iifname \"fbC\" ct state new") != std::string::npos) last_table = l;
  CHECK(last_table.find("fbB") == std::string::npos);
  now = owned(*system);
  INFO(joined(now));
  CHECK_FALSE(any_has(now, "fbB"));
  CHECK_FALSE(any_has(now, "from 10.0.2.2"));
  CHECK(contains(now, "ip -4 route replace default via 10.0.3.1 dev fbC table 64257 proto 251"));
  CHECK(contains(now, "ip -4 rule add priority 3301 from 10.0.3.2 lookup 64257 protocol 251"));
  CHECK(svc->interface_of("b") == "fbC");
  CHECK(rig.snapshot(*svc).failover.active == "a");  // a still carries the default

  svc->stop();
  CHECK(owned(*system).empty());
}

TEST_CASE("interface = auto: a service told the interface the modem found before it starts (a reload) starts bound") {
  Rig rig;
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(auto_ini(rig.dir.path())), system);
  svc->set_found_interface("fbB");
  REQUIRE(svc->start() == "");
  CHECK(svc->interface_of("b") == "fbB");
  auto lines = rig.netcfg_lines();
  CHECK(contains(lines, "sysctl -w net.ipv4.conf.fbB.rp_filter=2"));
  CHECK(any_has(lines, "iifname \"fbB\" ct state new ct mark set 0xfb000002"));
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return rig.snapshot(*svc).uplinks[1].state == fb::health::UplinkState::up; }, 10s),
                  rig.log.text());
  CHECK(rig.snapshot(*svc).uplinks[1].interface == "fbB");
  CHECK(contains(owned(*system), "ip -4 rule add priority 3301 from 10.0.2.2 lookup 64257 protocol 251"));
}

// ---- IPv6 ([uplink] ipv6 = true) ----

namespace {

// ini() with ipv6 = true on a (b stays IPv4 only), a's router fe80::1 on
// fbAp, and no duplicate address detection on the uplinks (their addresses
// are usable at once).
std::string ini6(const std::string& dir) {
  std::string text = ini(dir);
  const std::string a = "gateway = 10.0.1.1\n";
  text.replace(text.find(a), a.size(), a + "ipv6 = true\n");
  return text;
}

// Both uplinks' links: fixed MAC addresses (so their SLAAC addresses are
// known: 2001:db8:a::ff:fe00:a02, 2001:db8:b::ff:fe00:b02), and routers
// fe80::1 (a's) and fe80::2 (b's) on the peer's ends.
void dual_stack(Rig& rig) {
  for (const char* dev : {"fbA", "fbB"})
    must(rig.pi, {"sysctl", "-qw", std::string("net.ipv6.conf.") + dev + ".accept_dad=0"});
  must(rig.pi, {"ip", "link", "set", "fbA", "address", "02:00:00:00:0a:02"});
  must(rig.pi, {"ip", "link", "set", "fbB", "address", "02:00:00:00:0b:02"});
  must(rig.peer, {"ip", "addr", "add", "fe80::1/64", "dev", "fbAp", "nodad"});
  must(rig.peer, {"ip", "addr", "add", "fe80::2/64", "dev", "fbBp", "nodad"});
}

// Advertises the routers every 250 ms, as routers do, until `done` (the
// kernel ignores the ones that come before IPv6 is ready on a new link):
// a's (prefix 2001:db8:a::/64) and, with `both`, b's (2001:db8:b::/64).
bool advertise_until(Rig& rig, std::uint16_t lifetime, const std::function<bool()>& done, bool both = false) {
  for (int i = 0; i < 40; ++i) {
    fb::test::send_router_advertisement(rig.peer, "fbAp", "fe80::1", "2001:db8:a::", lifetime);
    if (both) fb::test::send_router_advertisement(rig.peer, "fbBp", "fe80::2", "2001:db8:b::", lifetime);
    if (fb::test::run_until(rig.io, done, 250ms)) return true;
  }
  return false;
}

bool ipv6_state(const fb::health::Snapshot& s, std::size_t i, const char* state) {
  return s.uplinks[i].ipv6 && s.uplinks[i].ipv6->state == state;
}

// The line of the last "IPv6 default route now via" or "default route now via" since `from`.
std::string last_line(const fb::test::LogCapture& log, std::size_t from, const std::string& text) {
  std::string found;
  for (std::size_t i = from; i < log.lines.size(); ++i)
    if (log.lines[i].find(text) != std::string::npos) found = log.lines[i];
  return found;
}

}  // namespace

TEST_CASE("IPv6: accept_ra on the IPv6 uplink's interface only; its addresses and router from the advertisements") {
  Rig rig;
  dual_stack(rig);
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(ini6(rig.dir.path())), system);
  REQUIRE(svc->start() == "");
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.snapshot(*svc).failover.active == "a"; }, 10s));
  auto lines = rig.netcfg_lines();
  CHECK(contains(lines, "sysctl -w net.ipv6.conf.fbA.accept_ra=2"));
  for (const auto& l : lines) {
    CAPTURE(l);
    CHECK(l.find("net.ipv6.conf.fbB") == std::string::npos);  // b did not ask for IPv6
    CHECK(l.find("conf.all.accept_ra") == std::string::npos);
    CHECK(l.find("conf.default.accept_ra") == std::string::npos);
  }
  auto snap = rig.snapshot(*svc);
  REQUIRE(snap.uplinks[0].ipv6);
  CHECK(snap.uplinks[0].ipv6->state == "no-address");
  CHECK(snap.uplinks[0].ipv6->reason.rfind("NO_IPV6_ADDRESS", 0) == 0);
  CHECK(snap.uplinks[0].ipv6->addresses.empty());  // fbA's link-local one is not a global address
  CHECK_FALSE(snap.uplinks[1].ipv6);

  REQUIRE_MESSAGE(advertise_until(rig, 1800,
                                  [&] {
                                    auto s = rig.snapshot(*svc);
                                    return s.uplinks[0].ipv6 && s.uplinks[0].ipv6->state == "ready";
                                  }),
                  rig.log.text() << must(rig.pi, {"ip", "-6", "route"}));
  snap = rig.snapshot(*svc);
  REQUIRE(snap.uplinks[0].ipv6->addresses.size() == 1);
  CHECK(fb::Prefix::parse("2001:db8:a::/64")->contains(*fb::IpAddress::parse(snap.uplinks[0].ipv6->addresses[0])));
  CHECK(snap.uplinks[0].ipv6->router == "fe80::1");
  CHECK(snap.uplinks[0].ipv6->reason.empty());
  CHECK(snap.failover.active == "a");  // its IPv4 tracking goes on as before

  // The router withdraws (lifetime 0): the address stays, the router goes.
  REQUIRE(advertise_until(rig, 0, [&] { return rig.snapshot(*svc).uplinks[0].ipv6->state == "no-router"; }));
  snap = rig.snapshot(*svc);
  CHECK(snap.uplinks[0].ipv6->router.empty());
  CHECK(snap.uplinks[0].ipv6->addresses.size() == 1);
  CHECK(snap.uplinks[0].ipv6->reason.rfind("NO_IPV6_ROUTER", 0) == 0);
}

TEST_CASE("IPv6: tables, rules and the default mirror IPv4's; the IPv6 default moves with the IPv4 one and back") {
  Rig rig;
  dual_stack(rig);
  std::string text = ini6(rig.dir.path());
  const std::string b = "gateway = 10.0.2.1\n";
  text.replace(text.find(b), b.size(), b + "ipv6 = true\n");
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(text), system);
  REQUIRE(svc->start() == "");
  REQUIRE_MESSAGE(advertise_until(
                      rig, 1800,
                      [&] {
                        auto s = rig.snapshot(*svc);
                        return s.failover.active == "a" && ipv6_state(s, 0, "ready") && ipv6_state(s, 1, "ready") &&
                               s.uplinks[0].ipv6->routed;
                      },
                      true),
                  rig.log.text());
  // Everything owned, both families, against the golden file.
  std::vector<std::string> golden;
  {
    std::ifstream in(std::string(FB_SERVICES_GOLDEN_DIR) + "/dual_stack_owned.txt");
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') golden.push_back(line);
  }
  REQUIRE_FALSE(golden.empty());
  CHECK(owned(*system) == golden);
  auto lines = rig.netcfg_lines();
  // accept_ra = 2 on both before IPv6 forwarding goes on (which drops routers learned otherwise).
  auto at = [&](const std::string& l) { return std::find(lines.begin(), lines.end(), l) - lines.begin(); };
  CHECK(at("sysctl -w net.ipv6.conf.fbA.accept_ra=2") < at("sysctl -w net.ipv6.conf.all.forwarding=1"));
  CHECK(at("sysctl -w net.ipv6.conf.fbB.accept_ra=2") < at("sysctl -w net.ipv6.conf.all.forwarding=1"));
  CHECK(at("sysctl -w net.ipv6.conf.all.forwarding=1") < static_cast<long>(lines.size()));

  // Carrier loss on a: both defaults move to b, each in one replace.
  std::size_t mark = rig.log.lines.size();
  must(rig.peer, {"ip", "link", "set", "fbAp", "down"});
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.snapshot(*svc).uplinks[1].ipv6->routed; }, 10s));
  auto snap = rig.snapshot(*svc);
  CHECK(snap.failover.active == "b");
  CHECK_FALSE(snap.uplinks[0].ipv6->routed);
  lines = rig.netcfg_lines(mark);
  CHECK(contains(lines, "ip -4 route replace default via 10.0.2.1 dev fbB proto 251 metric 10"));
  CHECK(contains(lines, "ip -6 route replace default via fe80::2 dev fbB proto 251 metric 10"));
  for (const auto& l : lines) CHECK(l.find("route del") == std::string::npos);  // never delete-then-add
  auto now = owned(*system);
  CHECK(contains(now, "ip -6 route replace default via fe80::2 dev fbB proto 251 metric 10"));
  CHECK_FALSE(contains(now, "ip -6 route replace default via fe80::1 dev fbA proto 251 metric 10"));
  std::string v4 = last_line(rig.log, mark, "network: default route now via b");
  std::string v6 = last_line(rig.log, mark, "network: IPv6 default route now via b");
  REQUIRE_FALSE(v4.empty());
  REQUIRE_FALSE(v6.empty());
  MESSAGE("failover: " << v4.substr(v4.rfind("), ") + 3) << " (IPv4), " << v6.substr(v6.rfind("), ") + 3) << " (IPv6)");

  // The carrier is back: a is probed up again and both defaults come back to it.
  mark = rig.log.lines.size();
  must(rig.peer, {"ip", "link", "set", "fbAp", "up"});
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.snapshot(*svc).uplinks[0].ipv6->routed; }, 10s));
  CHECK(rig.snapshot(*svc).failover.active == "a");
  now = owned(*system);
  CHECK(contains(now, "ip -4 route replace default via 10.0.1.1 dev fbA proto 251 metric 10"));
  CHECK(contains(now, "ip -6 route replace default via fe80::1 dev fbA proto 251 metric 10"));

  svc->stop();
  CHECK(owned(*system).empty());
}

TEST_CASE("IPv6: an uplink chosen without IPv6 takes failberryd's IPv6 default away from the one left") {
  Rig rig;
  dual_stack(rig);
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(ini6(rig.dir.path())), system);  // b: IPv4 only
  REQUIRE(svc->start() == "");
  REQUIRE(advertise_until(rig, 1800, [&] {
    auto s = rig.snapshot(*svc);
    return s.failover.active == "a" && s.uplinks[0].ipv6 && s.uplinks[0].ipv6->routed;
  }));
  CHECK(contains(owned(*system), "ip -6 route replace default via fe80::1 dev fbA proto 251 metric 10"));
  CHECK(rig.snapshot(*svc).failover.default_route_ipv6 == "default via fe80::1 dev fbA metric 10");
  CHECK(rig.snapshot(*svc).failover.ipv6_why_not.empty());
  CHECK(contains(owned(*system), "ip -6 rule add priority 3200 fwmark 0xfb000001 lookup 64256 protocol 251"));
  CHECK_FALSE(contains(owned(*system), "ip -6 rule add priority 3201 fwmark 0xfb000002 lookup 64257 protocol 251"));

  std::size_t mark = rig.log.lines.size();
  must(rig.peer, {"ip", "link", "set", "fbAp", "down"});
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.snapshot(*svc).failover.active == "b"; }, 10s));
  CHECK_FALSE(rig.snapshot(*svc).uplinks[0].ipv6->routed);
  auto lines = rig.netcfg_lines(mark);
  CHECK(contains(lines, "ip -6 route del default via fe80::1 dev fbA proto 251 metric 10"));
  for (const auto& l : owned(*system))
    CHECK(l.find("ip -6 route replace default via fe80::1 dev fbA proto 251 metric 10") == std::string::npos);
  CHECK_FALSE(last_line(rig.log, mark, "no IPv6 default route of failberryd's: b").empty());
  auto snap = rig.snapshot(*svc);
  CHECK(snap.failover.default_route_ipv6 == "");  // /status: null, and why
  CHECK(snap.failover.ipv6_why_not == "b, which carries the IPv4 default, has ipv6 = false");
}

namespace {

// A DryRunSystem that can be told to refuse the IPv4 main default, as a
// kernel refuses a route (the other end of the seam; everything else passes).
class RefusingSystem final : public fb::net::System {
 public:
  fb::net::DryRunSystem dry;
  bool refuse_default4 = false;

  fb::net::Status replace_route(const fb::net::Route& r) override {
    if (refuse_default4 && r.family() == AF_INET && r.table == fb::net::kMainTable &&
        r.metric == fb::net::kMainDefaultMetric)
      return fb::Error{fb::net::NetError::route_add_failed, "refused by the test"};
    return dry.replace_route(r);
  }
  fb::net::Status remove_route(const fb::net::Route& r) override {
    if (refuse_remove_default4 && r.family() == AF_INET && r.table == fb::net::kMainTable &&
        r.metric == fb::net::kMainDefaultMetric)
      return fb::Error{fb::net::NetError::route_delete_failed, "refused by the test"};
    return dry.remove_route(r);
  }
  bool refuse_remove_default4 = false;
  fb::net::Status add_rule(const fb::net::Rule& r) override { return dry.add_rule(r); }
  fb::net::Status remove_rule(const fb::net::Rule& r) override { return dry.remove_rule(r); }
  fb::Result<fb::net::OwnedState, fb::net::NetError> read_owned() override { return dry.read_owned(); }
  fb::Result<std::size_t, fb::net::NetError> flush_conntrack(const fb::IpAddress& a) override {
    return dry.flush_conntrack(a);
  }
  // As the kernel: no sysctl for an interface that does not exist (the test
  // thread is in the namespace, so /proc/sys/net is its).
  fb::net::Status set_sysctl(const fb::net::Sysctl& s) override {
    if (refuse_sysctl || !std::filesystem::exists(s.proc_path()))
      return fb::Error{fb::net::NetError::sysctl_write_failed, s.key() + ": refused"};
    return dry.set_sysctl(s);
  }
  bool refuse_sysctl = false;
  fb::net::Status apply_firewall(const fb::net::FirewallSpec& f) override { return dry.apply_firewall(f); }
  fb::net::Status remove_firewall() override { return dry.remove_firewall(); }
  fb::net::Status set_link_up(const std::string& d) override { return dry.set_link_up(d); }
  fb::net::Status replace_address(const std::string& d, const fb::IpAddress& a, int n) override {
    return dry.replace_address(d, a, n);
  }
  fb::net::Status remove_address(const std::string& d, const fb::IpAddress& a, int n) override {
    return dry.remove_address(d, a, n);
  }
  fb::Result<fb::net::CleanupReport, fb::net::NetError> cleanup_stale() override { return dry.cleanup_stale(); }
};

}  // namespace

TEST_CASE("IPv6: reassert puts the IPv6 default back even when the IPv4 one cannot be") {
  Rig rig;
  dual_stack(rig);
  auto owned_system = std::make_unique<RefusingSystem>();
  RefusingSystem* system = owned_system.get();
  fb::core::NetworkKernel kernel{std::move(owned_system), "dry-run"};
  auto svc = std::make_unique<fb::core::NetworkService>(rig.io, rig.timers, rig.view,
                                                        fb::test::parse_ini(ini6(rig.dir.path())), std::move(kernel));
  REQUIRE(svc->start() == "");
  REQUIRE(advertise_until(rig, 1800, [&] {
    auto s = rig.snapshot(*svc);
    return s.failover.active == "a" && s.uplinks[0].ipv6 && s.uplinks[0].ipv6->routed;
  }));
  const std::string v6 = "ip -6 route replace default via fe80::1 dev fbA proto 251 metric 10";
  REQUIRE(contains(owned(system->dry), v6));

  system->refuse_default4 = true;
  CHECK(svc->reassert() == "");
  CHECK(contains(owned(system->dry), v6));  // not pruned as a leftover
  auto snap = rig.snapshot(*svc);
  CHECK(snap.uplinks[0].ipv6->routed);
  CHECK(snap.failover.default_route_ipv6 == "default via fe80::1 dev fbA metric 10");
}

TEST_CASE("IPv6: a unique-local address only does not make the uplink's IPv6 ready") {
  Rig rig;
  dual_stack(rig);
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(ini6(rig.dir.path())), system);
  REQUIRE(svc->start() == "");
  // fd00:a::/64 advertised by a's router: the kernel takes the address and the router.
  auto has_ula = [&] {
    const auto* link = rig.view.link("fbA");
    if (!link || link->routers6.empty()) return false;
    return std::any_of(link->addresses.begin(), link->addresses.end(),
                       [](const auto& a) { return a.address.text() == "fd00:a::ff:fe00:a02"; });
  };
  for (int i = 0; i < 40 && !has_ula(); ++i) {
    fb::test::send_router_advertisement(rig.peer, "fbAp", "fe80::1", "fd00:a::", 1800);
    fb::test::run_until(rig.io, has_ula, 250ms);
  }
  REQUIRE_MESSAGE(has_ula(), must(rig.pi, {"ip", "-6", "addr"}));
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.snapshot(*svc).failover.active == "a"; }, 10s));
  auto snap = rig.snapshot(*svc);
  REQUIRE(snap.uplinks[0].ipv6);
  CHECK(snap.uplinks[0].ipv6->state == "no-address");
  CHECK(snap.uplinks[0].ipv6->reason.rfind("NO_IPV6_ADDRESS", 0) == 0);
  CHECK(snap.uplinks[0].ipv6->addresses.empty());
  CHECK_FALSE(snap.uplinks[0].ipv6->routed);
  for (const auto& l : owned(*system)) {
    CAPTURE(l);
    CHECK(l.find("fd00:a::") == std::string::npos);  // no source rule for it
    CHECK(l.find("ip -6 route replace default") == std::string::npos);
  }
}

namespace {

std::size_t count_of(const std::vector<std::string>& lines, const std::string& line) {
  return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

}  // namespace

TEST_CASE("IPv6: accept_ra is written once per interface; one that does not exist yet is no problem") {
  Rig rig;
  dual_stack(rig);
  std::string text = ini6(rig.dir.path());
  const std::string a = "interface = fbA\n";
  text.replace(text.find(a), a.size(), "interface = fbC\n");  // as ppp0 before pppd
  auto owned_system = std::make_unique<RefusingSystem>();
  RefusingSystem* system = owned_system.get();
  fb::core::NetworkKernel kernel{std::move(owned_system), "dry-run"};
  auto svc = std::make_unique<fb::core::NetworkService>(rig.io, rig.timers, rig.view, fb::test::parse_ini(text),
                                                        std::move(kernel));
  REQUIRE(svc->start() == "");
  auto snap = rig.snapshot(*svc);
  REQUIRE(snap.uplinks[0].ipv6);
  CHECK(snap.uplinks[0].ipv6->state == "no-address");  // not "blocked"
  CHECK(rig.log.text().find("ACCEPT_RA_NOT_SET") == std::string::npos);

  const std::string write = "sysctl -w net.ipv6.conf.fbC.accept_ra=2";
  fb::test::veth_pair(rig.pi, "fbC", rig.peer, "fbCp", "10.0.3");
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return count_of(rig.netcfg_lines(), write) == 1; }, 10s),
                  rig.log.text());
  // Carrier off and on again: the same interface keeps its accept_ra.
  must(rig.peer, {"ip", "link", "set", "fbCp", "down"});
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return !rig.view.link("fbC")->running(); }, 10s));
  must(rig.peer, {"ip", "link", "set", "fbCp", "up"});
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.view.link("fbC")->running(); }, 10s));
  CHECK(count_of(rig.netcfg_lines(), write) == 1);

  // Re-created (a new ifindex, default sysctls): written again, once.
  must(rig.pi, {"ip", "link", "del", "fbC"});
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.view.link("fbC") == nullptr; }, 10s));
  fb::test::veth_pair(rig.pi, "fbC", rig.peer, "fbCp", "10.0.3");
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return count_of(rig.netcfg_lines(), write) == 2; }, 10s),
                  rig.log.text());
  CHECK(rig.log.text().find("ACCEPT_RA_NOT_SET") == std::string::npos);

  // A write that fails on an existing interface: its IPv6 is not used, and why.
  system->refuse_sysctl = true;
  must(rig.pi, {"ip", "link", "del", "fbC"});
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.view.link("fbC") == nullptr; }, 10s));
  fb::test::veth_pair(rig.pi, "fbC", rig.peer, "fbCp", "10.0.3");
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return ipv6_state(rig.snapshot(*svc), 0, "blocked"); }, 10s),
                  rig.log.text());
  CHECK(rig.snapshot(*svc).uplinks[0].ipv6->reason.rfind("ACCEPT_RA_NOT_SET", 0) == 0);
  CHECK(rig.log.text().find("ACCEPT_RA_NOT_SET") != std::string::npos);
}

namespace {

// dual_stack() with b's carrier giving IPv6 only: no IPv4 address on fbB
// (seen gone by the view), b with require = ipv6 and probed over IPv6. The config.
std::string ipv6_only_b(Rig& rig) {
  dual_stack(rig);
  must(rig.pi, {"ip", "addr", "del", "10.0.2.2/24", "dev", "fbB"});
  must(rig.peer, {"ip", "addr", "add", "2001:db8:b::1/64", "dev", "fbBp", "nodad"});
  auto no_ipv4_on_b = [&] {
    const auto* link = rig.view.link("fbB");
    return link && std::none_of(link->addresses.begin(), link->addresses.end(),
                                [](const auto& a) { return a.address.family == AF_INET; });
  };
  REQUIRE(fb::test::run_until(rig.io, no_ipv4_on_b, 5s));
  std::string text = ini6(rig.dir.path());
  const std::string b = "gateway = 10.0.2.1\n";
  text.replace(text.find(b), b.size(),
               b + "ipv6 = true\nrequire = ipv6\nprobe_targets = 2001:db8:b::1\nprobe_interval = 500ms\n"
                   "probe_timeout = 200ms\nup_count = 1\n");
  return text;
}

}  // namespace

TEST_CASE("IPv6 only: an IPv4 default that cannot be removed stays reported as in place until it is") {
  Rig rig;
  std::string text = ipv6_only_b(rig);
  auto owned_system = std::make_unique<RefusingSystem>();
  RefusingSystem* system = owned_system.get();
  fb::core::NetworkKernel kernel{std::move(owned_system), "dry-run"};
  auto svc = std::make_unique<fb::core::NetworkService>(rig.io, rig.timers, rig.view, fb::test::parse_ini(text),
                                                        std::move(kernel));
  REQUIRE(svc->start() == "");
  REQUIRE_MESSAGE(advertise_until(
                      rig, 1800,
                      [&] {
                        auto s = rig.snapshot(*svc);
                        return s.failover.active == "a" && s.uplinks[1].state == fb::health::UplinkState::up;
                      },
                      true),
                  rig.log.text());
  system->refuse_remove_default4 = true;
  std::size_t mark = rig.log.lines.size();
  must(rig.peer, {"ip", "link", "set", "fbAp", "down"});
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return rig.snapshot(*svc).failover.active == "b"; }, 10s),
                  rig.log.text());
  auto snap = rig.snapshot(*svc);
  // Still in the kernel, so still reported: not "no IPv4 leaves".
  CHECK(snap.failover.default_route == "default via 10.0.1.1 dev fbA metric 10");
  CHECK(snap.failover.ipv4_why_not.empty());
  CHECK(contains(owned(system->dry), "ip -4 route replace default via 10.0.1.1 dev fbA proto 251 metric 10"));
  CHECK_FALSE(last_line(rig.log, mark, "cannot be removed: ").empty());

  // Removable again: reassert takes it away, and /status says why there is none.
  system->refuse_remove_default4 = false;
  CHECK(svc->reassert() == "");
  snap = rig.snapshot(*svc);
  CHECK(snap.failover.default_route == "");
  CHECK(snap.failover.ipv4_why_not.rfind("b, the chosen uplink, has no IPv4 address", 0) == 0);
  CHECK_FALSE(contains(owned(system->dry), "ip -4 route replace default via 10.0.1.1 dev fbA proto 251 metric 10"));
}

TEST_CASE("IPv6 only: an uplink with require = ipv6 and no IPv4 address carries IPv6 alone, and says IPv4 cannot") {
  Rig rig;
  std::string text = ipv6_only_b(rig);
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(text), system);
  REQUIRE(svc->start() == "");
  REQUIRE_MESSAGE(advertise_until(
                      rig, 1800,
                      [&] {
                        auto s = rig.snapshot(*svc);
                        return s.failover.active == "a" && s.uplinks[0].ipv6->routed &&
                               s.uplinks[1].state == fb::health::UplinkState::up;
                      },
                      true),
                  rig.log.text());
  auto snap = rig.snapshot(*svc);
  CHECK(snap.uplinks[1].ipv6->state == "ready");
  CHECK(snap.uplinks[1].ipv6_only.rfind("has no IPv4 address (require = ipv6)", 0) == 0);
  CHECK(snap.uplinks[0].ipv6_only.empty());
  CHECK(snap.failover.ipv4_why_not.empty());  // a carries IPv4
  // b has no IPv4 routes: nothing through fbB for IPv4 in any table.
  for (const auto& l : owned(*system)) {
    CAPTURE(l);
    CHECK(l.find("ip -4 route replace default via 10.0.2.1") == std::string::npos);
  }

  // Carrier loss on a: b is chosen; IPv6 moves to it, and failberryd's IPv4
  // default goes rather than stay on the link that failed.
  std::size_t mark = rig.log.lines.size();
  must(rig.peer, {"ip", "link", "set", "fbAp", "down"});
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return rig.snapshot(*svc).uplinks[1].ipv6->routed; }, 10s),
                  rig.log.text());
  snap = rig.snapshot(*svc);
  CHECK(snap.failover.active == "b");
  CHECK(snap.failover.default_route == "");
  CHECK(snap.failover.default_route_ipv6 == "default via fe80::2 dev fbB metric 10");
  CHECK(snap.failover.ipv4_why_not.rfind("b, the chosen uplink, has no IPv4 address", 0) == 0);
  CHECK(snap.failover.ipv4_why_not.find("NAT64 with 464XLAT") != std::string::npos);
  auto lines = rig.netcfg_lines(mark);
  CHECK(contains(lines, "ip -4 route del default via 10.0.1.1 dev fbA proto 251 metric 10"));
  CHECK(contains(lines, "ip -6 route replace default via fe80::2 dev fbB proto 251 metric 10"));
  auto now = owned(*system);
  CHECK_FALSE(contains(now, "ip -4 route replace default via 10.0.1.1 dev fbA proto 251 metric 10"));
  CHECK(contains(now, "ip -6 route replace default via fe80::2 dev fbB proto 251 metric 10"));
  CHECK_FALSE(last_line(rig.log, mark, "uplink[b] carries IPv6 only").empty());

  // The carrier starts giving IPv4 too: the IPv4 default follows the choice.
  must(rig.pi, {"ip", "addr", "add", "10.0.2.2/24", "dev", "fbB"});
  REQUIRE_MESSAGE(
      fb::test::run_until(
          rig.io, [&] { return rig.snapshot(*svc).failover.default_route == "default via 10.0.2.1 dev fbB metric 10"; },
          10s),
      rig.log.text());
  snap = rig.snapshot(*svc);
  CHECK(snap.failover.ipv4_why_not.empty());
  CHECK(snap.uplinks[1].ipv6_only.empty());
  CHECK(contains(owned(*system), "ip -4 route replace default via 10.0.2.1 dev fbB proto 251 metric 10"));

  // And stops again: b stays chosen on its IPv6, the IPv4 default goes with its address.
  mark = rig.log.lines.size();
  must(rig.pi, {"ip", "addr", "del", "10.0.2.2/24", "dev", "fbB"});
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io, [&] { return !rig.snapshot(*svc).failover.ipv4_why_not.empty(); }, 10s),
                  rig.log.text());
  snap = rig.snapshot(*svc);
  CHECK(snap.failover.active == "b");
  CHECK(snap.uplinks[1].state == fb::health::UplinkState::up);
  CHECK(snap.failover.default_route == "");
  CHECK(snap.uplinks[1].ipv6->routed);
  for (const auto& l : owned(*system)) {
    CAPTURE(l);
    CHECK(l.find("ip -4 route replace default via 10.0.2.1 dev fbB proto 251 metric 10") == std::string::npos);
  }

  svc->stop();
  CHECK(owned(*system).empty());
}

TEST_CASE("IPv6: an address another client put on the uplink (a DHCPv6 client's /128) is used like a SLAAC one") {
  Rig rig;
  dual_stack(rig);
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(ini6(rig.dir.path())), system);
  REQUIRE(svc->start() == "");
  // What a DHCPv6 client (IA_NA) leaves: one global /128. The router still
  // comes from the advertisements (DHCPv6 gives no routes).
  must(rig.pi, {"ip", "-6", "addr", "add", "2001:db8:d::5/128", "dev", "fbA", "nodad"});
  REQUIRE_MESSAGE(advertise_until(rig, 1800, [&] { return ipv6_state(rig.snapshot(*svc), 0, "ready"); }),
                  rig.log.text());
  // advertise_until() advertises 2001:db8:a::/64 too: drop that SLAAC address, keep the client's.
  must(rig.pi, {"ip", "-6", "addr", "del", "2001:db8:a::ff:fe00:a02/64", "dev", "fbA"});
  REQUIRE_MESSAGE(fb::test::run_until(
                      rig.io,
                      [&] {
                        auto s = rig.snapshot(*svc);
                        return s.uplinks[0].ipv6->addresses == std::vector<std::string>{"2001:db8:d::5"};
                      },
                      5s),
                  rig.log.text());
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return rig.snapshot(*svc).uplinks[0].ipv6->routed; }, 5s));
  CHECK(ipv6_state(rig.snapshot(*svc), 0, "ready"));
  CHECK(contains(owned(*system), "ip -6 rule add priority 3300 from 2001:db8:d::5 lookup 64256 protocol 251"));
}

TEST_CASE("IPv6: /status says what the LAN's IPv6 hosts do, per mode (failberryd advertises nothing)") {
  Rig rig;
  for (const char* mode : {"router", "backup-gateway"}) {
    CAPTURE(mode);
    std::string text = ini6(rig.dir.path());
    const std::string m = "mode = router\n";
    text.replace(text.find(m), m.size(), std::string("mode = ") + mode + "\n");
    fb::net::DryRunSystem* system = nullptr;
    auto svc = rig.service(fb::test::parse_ini(text), system);
    REQUIRE(svc->start() == "");
    std::string lan = rig.snapshot(*svc).failover.lan_ipv6;
    CHECK(lan.rfind("failberryd sends no router advertisements: ", 0) == 0);
    if (std::string(mode) == "router")
      CHECK(lan.find("only where the LAN already routes them to it") != std::string::npos);
    else
      CHECK(lan.find("the main router's stay the LAN hosts' IPv6 routers") != std::string::npos);
    svc->stop();
  }
  // No uplink with ipv6 = true: nothing said about IPv6 at all.
  fb::net::DryRunSystem* system = nullptr;
  auto svc = rig.service(fb::test::parse_ini(ini(rig.dir.path())), system);
  REQUIRE(svc->start() == "");
  auto snap = rig.snapshot(*svc);
  CHECK_FALSE(snap.failover.default_route_ipv6);
  CHECK(snap.failover.lan_ipv6.empty());
}
