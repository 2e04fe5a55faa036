// DhcpClientRunner with the real udhcpc and failberry's real event script
// against a real DHCP server (busybox udhcpd) on a veth pair between two
// namespaces the test creates: the client's end is "usb0", as a stick's
// interface would be. Needs root (skips loudly otherwise) and busybox.
#include <signal.h>
#include <unistd.h>

#include <utility>
//
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fb/core/asio_timers.hpp"
#include "fb/dhcp/runner.hpp"
#include "io_wait.hpp"
#include "lab_lease.hpp"
#include "netns.hpp"
#include "ns_must.hpp"
#include "process.hpp"

using namespace std::chrono_literals;
using fb::IpAddress;
using fb::dhcp::Code;
using fb::dhcp::DhcpClientRunner;
using fb::dhcp::EventKind;
using fb::test::must;
using fb::test::NetNamespace;

namespace {

const std::string kScript = FB_SOURCE_DIR "/image/overlay/usr/libexec/failberry/udhcpc-event";
const char* kBusybox = "/bin/busybox";
const char* kMac1 = "02:fb:00:00:00:01";
const char* kMac2 = "02:fb:00:00:00:02";

IpAddress ip(const char* text) {
  return IpAddress::parse(text).value();
}

// Debian's udhcpc package (the daemon's default) when installed, else the
// same applet through busybox-static.
std::string udhcpc_binary() {
  if (::access("/sbin/udhcpc", X_OK) == 0) return "/sbin/udhcpc";
  MESSAGE("/sbin/udhcpc missing (package udhcpc): running busybox's udhcpc applet");
  return kBusybox;
}

void require_busybox() {
  if (::access(kBusybox, X_OK) == 0) return;
  std::fprintf(stderr, "SKIPPED: %s missing (package busybox-static, tests/setup_deps.sh)\n", kBusybox);
  std::exit(77);
}

// A DHCP server namespace and a client namespace joined by a veth pair:
// server dhs0 192.0.2.1/24, client usb0 (no address: the runner configures none).
struct Lab {
  NetNamespace server{"dhcps"};
  NetNamespace client{"dhcpc"};
  fb::test::TempDir dir;
  std::unique_ptr<fb::test::Process> udhcpd;

  Lab() {
    must(server, {"ip", "link", "add", "dhs0", "type", "veth", "peer", "name", "usb0", "netns", client.name()});
    must(server, {"ip", "addr", "add", "192.0.2.1/24", "dev", "dhs0"});
    must(server, {"ip", "link", "set", "dhs0", "up"});
    set_mac(kMac1);
  }

  void set_mac(const char* mac) {
    must(client, {"ip", "link", "set", "usb0", "down"});
    must(client, {"ip", "link", "set", "usb0", "address", mac});
    must(client, {"ip", "link", "set", "usb0", "up"});
  }

  // One address to give (192.0.2.50), so a second client gets it only after a release.
  void start_server(int lease_s) {
    fb::test::write_file(dir / "udhcpd.conf",
                         "start 192.0.2.50\nend 192.0.2.50\ninterface dhs0\n"
                         "lease_file " +
                             dir / "leases" + "\npidfile " + dir / "udhcpd.pid" +
                             "\nmin_lease 4\noption subnet 255.255.255.0\noption router 192.0.2.1\n"
                             "option dns 192.0.2.1 198.51.100.53\noption lease " +
                             std::to_string(lease_s) + "\n");
    fb::test::write_file(dir / "leases", "");
    fb::test::SpawnOptions o;
    o.stdout_path = o.stderr_path = dir / "udhcpd.log";
    // -a 200: its ARP check of an address before offering it takes 200 ms, not 2 s.
    udhcpd = std::make_unique<fb::test::Process>(
        server.wrap({kBusybox, "udhcpd", "-f", "-a", "200", dir / "udhcpd.conf"}), o);
    REQUIRE_MESSAGE(fb::test::wait_for_text(dir / "udhcpd.log", "started", 10s),
                    fb::test::read_file(dir / "udhcpd.log"));
  }

  // What the daemon does with a lease (through netcfg): the address on the
  // interface. udhcpc sends renewals and its release by unicast from it.
  void configure(const fb::dhcp::Lease& lease) {
    must(client,
         {"ip", "addr", "add", lease.address.text() + "/" + std::to_string(lease.subnet.length), "dev", "usb0"});
  }
  void unconfigure() { must(client, {"ip", "addr", "flush", "dev", "usb0"}); }

  void stop_server() {
    udhcpd->signal(SIGTERM);
    REQUIRE(udhcpd->wait(10s));
  }

  std::string server_log() { return fb::test::read_file(dir / "udhcpd.log"); }
};

struct Rig {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers{io};
  std::vector<fb::dhcp::Lease> leases;
  std::vector<fb::dhcp::Lost> lost;
  std::optional<fb::dhcp::Exit> exit;
  std::vector<std::string> lines;
  std::unique_ptr<DhcpClientRunner> runner;

  explicit Rig(DhcpClientRunner::Options options) {
    DhcpClientRunner::Callbacks cb;
    cb.on_lease = [this](const fb::dhcp::Lease& l) { leases.push_back(l); };
    cb.on_lost = [this](const fb::dhcp::Lost& l) { lost.push_back(l); };
    cb.on_exit = [this](const fb::dhcp::Exit& e) { exit = e; };
    cb.on_log = [this](const std::string& l) { lines.push_back(l); };
    runner = std::make_unique<DhcpClientRunner>(io, timers, std::move(options), std::move(cb));
  }

  // Starts udhcpc inside `ns`: the child is born in the calling thread's namespace.
  void start_in(const NetNamespace& ns) {
    NetNamespace::Enter inside(ns);
    auto started = runner->start();
    REQUIRE_MESSAGE(started.ok(), describe(started));
  }

  bool until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    return fb::test::run_until(io, done, limit);
  }

  std::string transcript() const {
    std::string out;
    for (const auto& l : lines) out += "  | " + l + "\n";
    return out;
  }
};

DhcpClientRunner::Options options(const std::string& interface = "usb0") {
  DhcpClientRunner::Options o;
  o.name = "dhcp[test]";
  o.settings.binary = udhcpc_binary();
  o.settings.interface = interface;
  o.settings.script = kScript;
  o.settings.discover_tries = 3;
  o.settings.discover_interval_s = 1;
  o.settings.retry_after_s = 1;
  o.lease_timeout = 30s;
  o.stop_timeout = 5s;
  return o;
}

}  // namespace

TEST_CASE("a missing binary or script is a clear error before anything runs") {
  auto o = options();
  o.settings.binary = "/nonexistent/udhcpc";
  Rig rig(o);
  auto started = rig.runner->start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.code() == Code::spawn_failed);
  CHECK(describe(started) == "DHCP_SPAWN_FAILED: spawn /nonexistent/udhcpc: No such file or directory");
  CHECK(rig.runner->state() == DhcpClientRunner::State::idle);
  CHECK(rig.runner->pid() == -1);
  fb::test::run_for(rig.io, 50ms);
  CHECK_FALSE(rig.exit);  // a failed start reports no exit
  rig.runner->stop();     // a no-op when idle
  CHECK(rig.runner->state() == DhcpClientRunner::State::idle);

  o = options();
  o.settings.script = "/nonexistent/udhcpc-event";
  Rig no_script(o);
  started = no_script.runner->start();
  REQUIRE_FALSE(started.ok());
  CHECK(describe(started) == "DHCP_BAD_SETTINGS: event script /nonexistent/udhcpc-event: No such file or directory");

  o = options("bad name");
  Rig bad_name(o);
  CHECK(bad_name.runner->start().code() == Code::bad_settings);
}

TEST_CASE("a lease: address, prefix, router, DNS and lease time reported; nothing configured; stop ends it") {
  fb::test::require_root("dhcp runner");
  require_busybox();
  Lab lab;
  lab.start_server(600);
  Rig rig(options());
  rig.start_in(lab.client);
  CHECK(rig.runner->state() == DhcpClientRunner::State::requesting);
  auto again = rig.runner->start();
  CHECK(again.code() == Code::busy);

  REQUIRE_MESSAGE(rig.until([&] { return !rig.leases.empty(); }, 30s), rig.transcript() << lab.server_log());
  const auto& lease = rig.leases.front();
  fb::test::check_lab_lease(lease, "192.0.2.50");
  CHECK(rig.runner->state() == DhcpClientRunner::State::bound);
  REQUIRE(rig.runner->lease());
  CHECK(*rig.runner->lease() == lease);
  for (const auto& l : rig.lost)  // a leasefail before the lease may happen; a deconfig is no loss here
    CHECK_MESSAGE(l.kind == EventKind::leasefail, rig.transcript());
  rig.lost.clear();

  // The script only printed: no address, no route on the client's interface.
  CHECK(must(lab.client, {"ip", "-4", "-o", "addr", "show", "dev", "usb0"}).empty());
  CHECK(must(lab.client, {"ip", "-4", "route", "show"}).empty());

  rig.runner->stop();
  CHECK(rig.runner->state() == DhcpClientRunner::State::stopping);
  REQUIRE_MESSAGE(rig.until([&] { return rig.exit.has_value(); }, 15s), rig.transcript());
  CHECK_MESSAGE(!rig.exit->error, describe(*rig.exit->error));
  CHECK(rig.exit->status.code == 0);
  CHECK(rig.runner->state() == DhcpClientRunner::State::idle);
  CHECK_FALSE(rig.runner->lease());
  CHECK(rig.lost.empty());  // the deconfig after our own release is no loss either
}

TEST_CASE("stop releases the lease: the one address goes to the next client; a kill keeps it taken") {
  fb::test::require_root("dhcp runner");
  require_busybox();
  Lab lab;
  lab.start_server(600);
  auto first = std::make_unique<Rig>(options());
  first->start_in(lab.client);
  REQUIRE_MESSAGE(first->until([&] { return !first->leases.empty(); }, 30s), first->transcript());
  CHECK(first->leases.front().address == ip("192.0.2.50"));

  // Control: destroyed, udhcpc is killed and sends no release; another
  // client (another MAC) finds the pool taken and gets nothing in time.
  first.reset();
  lab.set_mac(kMac2);
  auto o = options();
  o.lease_timeout = 6s;
  Rig other(o);
  other.start_in(lab.client);
  REQUIRE_MESSAGE(other.until([&] { return other.exit.has_value(); }, 30s), other.transcript());
  REQUIRE(other.exit->error);
  CHECK(other.exit->error->code == Code::timeout);
  CHECK(describe(*other.exit->error) == "DHCP_TIMEOUT: no lease on usb0 within 6 s");
  CHECK(other.leases.empty());
  bool leasefail = false;
  for (const auto& l : other.lost) leasefail |= l.kind == EventKind::leasefail;
  CHECK_MESSAGE(leasefail, other.transcript());

  // The first MAC gets its lease back, and this time stop() releases it.
  lab.set_mac(kMac1);
  Rig again(options());
  again.start_in(lab.client);
  REQUIRE_MESSAGE(again.until([&] { return !again.leases.empty(); }, 30s), again.transcript());
  lab.configure(again.leases.front());
  again.runner->stop();
  REQUIRE(again.until([&] { return again.exit.has_value(); }, 15s));
  CHECK_FALSE(again.exit->error);
  bool released = false;
  for (const auto& l : again.lines) released |= l.find("release of 192.0.2.50") != std::string::npos;
  CHECK_MESSAGE(released, again.transcript());
  lab.unconfigure();  // as the daemon would on the exit

  lab.set_mac(kMac2);
  Rig next(options());
  next.start_in(lab.client);
  REQUIRE_MESSAGE(next.until([&] { return !next.leases.empty(); }, 30s), next.transcript() << lab.server_log());
  CHECK(next.leases.front().address == ip("192.0.2.50"));
}

TEST_CASE("server gone: renewing fails and the lease is lost once it expires") {
  fb::test::require_root("dhcp runner");
  require_busybox();
  Lab lab;
  lab.start_server(8);
  auto o = options();
  o.lease_timeout = 120s;  // not this test's subject
  Rig rig(o);
  rig.start_in(lab.client);
  REQUIRE_MESSAGE(rig.until([&] { return !rig.leases.empty(); }, 30s), rig.transcript());
  CHECK(rig.leases.front().lease_time == 8s);
  auto bound_at = std::chrono::steady_clock::now();
  rig.lost.clear();  // a leasefail before the lease is not this test's subject
  lab.configure(rig.leases.front());
  lab.stop_server();

  REQUIRE_MESSAGE(rig.until([&] { return !rig.lost.empty(); }, 90s), rig.transcript());
  auto lost_after = std::chrono::steady_clock::now() - bound_at;
  CHECK(rig.lost.front().kind == EventKind::deconfig);
  CHECK(rig.lost.front().message == "lease of 192.0.2.50 ended unrenewed");
  CHECK(lost_after >= 8s);        // not before the lease ran out
  CHECK(rig.leases.size() == 1);  // nobody renewed it
  CHECK(rig.runner->state() == DhcpClientRunner::State::requesting);
  CHECK_FALSE(rig.runner->lease());
  bool tried = false;
  for (const auto& l : rig.lines) tried |= l.find("renew") != std::string::npos;
  CHECK_MESSAGE(tried, rig.transcript());

  rig.runner->stop();
  REQUIRE(rig.until([&] { return rig.exit.has_value(); }, 15s));
  CHECK_FALSE(rig.exit->error);
}

TEST_CASE("udhcpc ending by itself is DHCP_CLIENT_EXITED with its own words") {
  fb::test::require_root("dhcp runner");
  require_busybox();
  Lab lab;
  Rig rig(options("nosuch0"));
  rig.start_in(lab.client);
  REQUIRE_MESSAGE(rig.until([&] { return rig.exit.has_value(); }, 15s), rig.transcript());
  REQUIRE(rig.exit->error);
  CHECK(rig.exit->error->code == Code::client_exited);
  CHECK(rig.exit->status.code != 0);
  CHECK_MESSAGE(rig.exit->error->detail.find("No such device") != std::string::npos, rig.exit->error->detail);
  CHECK(rig.runner->state() == DhcpClientRunner::State::idle);
}
