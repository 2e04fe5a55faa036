// The uplinks' byte counters in /status and /metrics, from the daemon's own
// network namespace. failberryd (dry-run) runs in a "pi" namespace with the
// wired uplink's interface fbW (10.0.1.2), a veth to a "net" namespace
// (10.0.1.1); the cellular uplink's fbC does not exist at first. The daemon
// joins pi with nsenter, not `ip netns exec`, so its /sys is the host's where
// no fbW exists: what it reports must come from the namespace itself. The
// witness is pi's sysfs through `ip netns exec`. Root, else 77.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "../health/http_client.hpp"
#include "netns.hpp"
#include "notify_listener.hpp"
#include "ns_must.hpp"
#include "process.hpp"
#include "udp_traffic.hpp"

using namespace std::chrono_literals;
using fb::test::Fd;
using fb::test::must;
using fb::test::NetNamespace;

namespace {

const fb::test::RootRequired root_required("the uplink bytes test");

std::uint64_t sysfs_counter(const NetNamespace& ns, const std::string& interface, const std::string& counter) {
  auto r = ns.exec({"cat", "/sys/class/net/" + interface + "/statistics/" + counter});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  return std::stoull(r.output);
}

// The value of a /metrics line that starts with `series` ("name{labels}"); none when absent.
std::optional<std::uint64_t> metric(const std::string& metrics, const std::string& series) {
  auto at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stoull(metrics.substr(at + series.size() + 2));
}

// One request to the control socket; the reply once the daemon has closed
// its end, so the connection's descriptor is gone from the daemon too.
nlohmann::json ask(const std::string& path, const nlohmann::json& request) {
  Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.get() >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string out = request.dump() + "\n", in;
  REQUIRE(::send(s.get(), out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size()));
  for (;;) {
    pollfd p{s.get(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    char buf[4096];
    ssize_t n = ::recv(s.get(), buf, sizeof buf, 0);
    REQUIRE(n >= 0);
    if (n == 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  INFO(in);
  auto reply = nlohmann::json::parse(in, nullptr, false);
  REQUIRE(reply.is_object());
  REQUIRE(reply["ok"] == true);
  return reply;
}

// Lowers the process's descriptor limit to one above its lowest free
// descriptor: room to accept one connection and nothing more. The daemon must
// be idle (its descriptors are allocated lowest first).
void leave_one_free(pid_t pid, rlim_t hard) {
  std::set<int> used;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    used.insert(std::stoi(entry.path().filename().string()));
  int lowest_free = 0;
  while (used.count(lowest_free)) ++lowest_free;
  rlimit tight{static_cast<rlim_t>(lowest_free) + 1, hard};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &tight, nullptr) == 0);
}

// failberryd in pi, with wired on fbW and cellular on fbC.
struct PiDaemon {
  NetNamespace pi{"bytes-pi"};
  NetNamespace net{"bytes-net"};
  fb::test::TempDir dir;
  fb::test::NotifyListener notify{dir / "notify"};
  std::string socket = dir / "control.sock";
  std::optional<fb::test::Process> daemon;

  explicit PiDaemon(const std::string& listen = "127.0.0.1") {
    must(pi, {"ip", "link", "add", "fbW", "type", "veth", "peer", "name", "fbWs", "netns", net.name()});
    must(pi, {"ip", "addr", "add", "10.0.1.2/24", "dev", "fbW"});
    must(net, {"ip", "addr", "add", "10.0.1.1/24", "dev", "fbWs"});
    must(pi, {"ip", "link", "set", "fbW", "up"});
    must(net, {"ip", "link", "set", "fbWs", "up"});
    fb::test::write_file(dir / "f.ini", "[general]\ndry_run = true\ncontrol_socket = " + socket +
                                            "\n[modem]\napn = internet\n"
                                            "[uplink.wired]\ninterface = fbW\ngateway = 10.0.1.1\npriority = 20\n"
                                            "[uplink.cellular]\ninterface = fbC\nkind = ppp\npriority = 10\n"
                                            "[health]\nlisten = " +
                                            listen + "\nport = 9000\n");
    daemon.emplace(
        std::vector<std::string>{"nsenter", "--net=/run/netns/" + pi.name(), FB_FAILBERRYD, "--config", dir / "f.ini"},
        fb::test::SpawnOptions{{notify.env()}, {}, dir / "err"});
    REQUIRE(notify.wait_for("READY=1", 10s));
  }

  ~PiDaemon() {
    daemon->signal(SIGTERM);
    CHECK(daemon->wait(10s) == 0);
  }

  // A fresh snapshot: the control socket's status builds one per request.
  nlohmann::json status() { return ask(socket, {{"verb", "status"}})["status"]; }

  std::string log() const { return fb::test::read_file(dir / "err"); }
};

}  // namespace

TEST_CASE("/status and /metrics count an uplink's bytes in the daemon's namespace, none while it has no interface") {
  PiDaemon d;
  Fd at_pi = fb::test::udp_between(d.pi, "10.0.1.2", 7201, "10.0.1.1", 7201),
     at_net = fb::test::udp_between(d.net, "10.0.1.1", 7201, "10.0.1.2", 7201);
  fb::test::send_and_receive(at_net, at_pi, 20);  // unequal: rx and tx cannot be mistaken for each other
  fb::test::send_and_receive(at_pi, at_net, 8);

  std::uint64_t rx_before = sysfs_counter(d.pi, "fbW", "rx_bytes"), tx_before = sysfs_counter(d.pi, "fbW", "tx_bytes");
  nlohmann::json status = d.status();
  std::optional<fb::test::HttpReply> metrics;
  {
    NetNamespace::Enter inside(d.pi);
    metrics = fb::test::http_get("127.0.0.1", 9000, "/metrics");
  }
  std::uint64_t rx_after = sysfs_counter(d.pi, "fbW", "rx_bytes"), tx_after = sysfs_counter(d.pi, "fbW", "tx_bytes");

  const nlohmann::json& wired = status["uplinks"][0];
  REQUIRE(wired["name"] == "wired");
  INFO(status.dump());
  REQUIRE(wired["bytes"].is_object());
  std::uint64_t rx = wired["bytes"]["rx"], tx = wired["bytes"]["tx"];
  CHECK(rx >= fb::test::udp_on_the_wire(20));
  CHECK(tx >= fb::test::udp_on_the_wire(8));
  // The link may carry the kernel's own traffic (ARP, IPv6) at any time: the
  // same as sysfs within what passed between the two witness reads.
  CHECK(rx_before <= rx);
  CHECK(rx <= rx_after);
  CHECK(tx_before <= tx);
  CHECK(tx <= tx_after);
  CHECK(status["uplinks"][1]["name"] == "cellular");
  CHECK(status["uplinks"][1]["bytes"].is_null());  // no fbC

  REQUIRE(metrics);
  REQUIRE(metrics->status == 200);
  INFO(metrics->body);
  auto metrics_rx = metric(metrics->body, R"(failberry_uplink_bytes_total{uplink="wired",direction="rx"})");
  auto metrics_tx = metric(metrics->body, R"(failberry_uplink_bytes_total{uplink="wired",direction="tx"})");
  REQUIRE(metrics_rx);
  REQUIRE(metrics_tx);
  CHECK(*metrics_rx >= rx_before);
  CHECK(*metrics_rx <= rx_after);
  CHECK(*metrics_tx >= tx_before);
  CHECK(*metrics_tx <= tx_after);
  CHECK(metrics->body.find(R"(failberry_uplink_bytes_total{uplink="cellular")") == std::string::npos);

  // The cellular interface appears and the wired one goes: each snapshot reads the links afresh.
  must(d.pi, {"ip", "link", "add", "fbC", "type", "veth", "peer", "name", "fbCs"});
  must(d.pi, {"ip", "link", "del", "fbW"});
  status = d.status();
  INFO(status.dump());
  CHECK(status["uplinks"][0]["bytes"].is_null());
  CHECK(status["uplinks"][1]["bytes"].is_object());
}

TEST_CASE("counters that cannot be read are none, logged once, and back when they can be") {
  PiDaemon d;
  // No snapshot has been taken, so the counters' netlink socket is still to
  // be opened; the daemon is left one free file descriptor, which each
  // control connection takes. First a request that takes no snapshot: once it
  // is answered and closed, the daemon is idle (READY's sd_notify socket is
  // long closed too).
  ask(d.socket, {{"verb", "undrain"}, {"uplink", "wired"}});
  pid_t pid = d.daemon->pid();  // nsenter execs the daemon: same process
  rlimit saved{};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, nullptr, &saved) == 0);
  leave_one_free(pid, saved.rlim_max);
  for (int i = 0; i < 3; ++i) {
    nlohmann::json status = d.status();
    CHECK(status["uplinks"][0]["bytes"].is_null());
  }
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &saved, nullptr) == 0);
  std::string log = d.log();
  INFO(log);
  CHECK(fb::test::count_in(log, "interface counters: NETLINK_UNAVAILABLE") == 1);
  auto line = log.find("interface counters: NETLINK_UNAVAILABLE");
  CHECK(log.substr(line, log.find('\n', line) - line).find("(Too many open files)") != std::string::npos);

  nlohmann::json status = d.status();
  CHECK(status["uplinks"][0]["bytes"].is_object());
  CHECK(fb::test::count_in(d.log(), "interface counters: readable again") == 1);
  d.status();
  CHECK(fb::test::count_in(d.log(), "interface counters: readable again") == 1);
}

namespace {

// The daemon's NETLINK_ROUTE sockets that listen to multicast groups (kernel
// events), from /proc/PID/net/netlink: the sockets of its network namespace
// whose port id is the daemon's (libnl: the pid in the low 22 bits).
int route_listeners(pid_t pid) {
  std::istringstream in(fb::test::read_file("/proc/" + std::to_string(pid) + "/net/netlink"));
  std::string line;
  std::getline(in, line);  // header
  int n = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string sk;
    unsigned eth = 0, groups = 0;
    std::uint32_t port = 0;
    row >> sk >> eth >> port >> std::hex >> groups;
    if (row && eth == 0 /* NETLINK_ROUTE */ && groups != 0 && (port & 0x3fffff) == static_cast<std::uint32_t>(pid)) ++n;
  }
  return n;
}

// Asks until `done()` or 10 s pass (the daemon follows netlink on its own time).
bool until(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace

TEST_CASE("the daemon follows the kernel through one netlink socket, which both the network and the addresses use") {
  PiDaemon d("0.0.0.0");
  pid_t pid = d.daemon->pid();  // nsenter execs the daemon: same process
  CHECK(route_listeners(pid) == 1);

  // Both subscribers are fed from it. A new address on the wired uplink reaches
  // the address book: /health asked on it names the uplink it arrived on.
  auto health_at = [&](const char* address) {
    NetNamespace::Enter inside(d.pi);
    auto reply = fb::test::http_get(address, 9000, "/health");
    return reply ? reply->body : std::string("no answer");
  };
  must(d.pi, {"ip", "addr", "add", "10.0.1.7/24", "dev", "fbW"});
  std::string body;
  CHECK(until([&] {
    body = health_at("10.0.1.7");
    return body.find("uplink=wired") != std::string::npos;
  }));
  INFO(body);
  // The link going down reaches the network service: the uplink is down at once.
  must(d.pi, {"ip", "link", "set", "fbW", "down"});
  nlohmann::json status;
  CHECK(until([&] {
    status = d.status();
    return status["uplinks"][0].value("state", "") == "down";
  }));
  INFO(status.dump());
  CHECK(route_listeners(pid) == 1);
}
