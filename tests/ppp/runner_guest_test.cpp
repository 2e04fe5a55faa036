// PppdRunner against real pppd on a real PPP kernel (run inside the QEMU
// guest by tests/system/test_ppp_guest.py; exits 77 anywhere without
// /dev/ppp). Our pppd gets one pty as its data tty; an "ISP" pppd in its own
// network namespace (unshare -n) gets another; the test relays bytes between
// the two pty masters, so it can also cut the line like an unplugged stick.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <sstream>

#include "fb/net_types.hpp"
#include "process.hpp"
#include "runner_rig.hpp"

using namespace std::chrono_literals;
using fb::ppp::PppdRunner;
using fb::ppp::Reason;
namespace asio = boost::asio;

namespace {

const char* kIspLocal = "10.64.0.1";
const char* kOurs = "10.64.0.2";
const char* kDns = "10.64.0.53";

bool guest_ready() {
  struct stat st {};
  if (::geteuid() == 0 && ::stat("/dev/ppp", &st) == 0 && ::access("/usr/local/bin/pppd", X_OK) == 0) return true;
  MESSAGE("SKIPPED: needs root, /dev/ppp and /usr/local/bin/pppd (run in the QEMU guest)");
  return false;
}

// Two ptys whose masters the test relays; cut() closes both masters.
struct Line {
  int a_master = -1, a_slave = -1, b_master = -1, b_slave = -1;
  std::string b_path;
  asio::posix::stream_descriptor a, b;
  std::array<char, 4096> ab{}, ba{};

  explicit Line(asio::io_context& io) : a(io), b(io) {
    std::array<char, 64> name{};
    REQUIRE(::openpty(&a_master, &a_slave, nullptr, nullptr, nullptr) == 0);
    REQUIRE(::openpty(&b_master, &b_slave, name.data(), nullptr, nullptr) == 0);
    b_path = name.data();
    for (int fd : {a_master, a_slave, b_master, b_slave}) ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // not into the ISP
    // Raw from the start: a slave still echoing would hand pppd its own
    // LCP requests back before the far pppd sets the line up ("looped back").
    for (int fd : {a_slave, b_slave}) {
      termios t{};
      REQUIRE(::tcgetattr(fd, &t) == 0);
      ::cfmakeraw(&t);
      REQUIRE(::tcsetattr(fd, TCSANOW, &t) == 0);
    }
    a.assign(a_master);
    b.assign(b_master);
    pump(a, b, ab);
    pump(b, a, ba);
  }
  ~Line() {
    cut();
    ::close(a_slave);
    ::close(b_slave);
  }
  void pump(asio::posix::stream_descriptor& from, asio::posix::stream_descriptor& to, std::array<char, 4096>& buf) {
    from.async_read_some(asio::buffer(buf), [this, &from, &to, &buf](boost::system::error_code ec, std::size_t n) {
      if (ec) return;  // EIO once the other side's slave closed: stop relaying this way
      boost::system::error_code wec;
      asio::write(to, asio::buffer(buf.data(), n), wec);
      if (!wec) pump(from, to, buf);
    });
  }
  void cut() {
    boost::system::error_code ignored;
    a.close(ignored);
    b.close(ignored);
  }
};

struct Isp {
  std::unique_ptr<fb::test::Process> process;
  Isp(const std::string& tty, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{"unshare",
                                  "-n",
                                  "/usr/local/bin/pppd",
                                  tty,
                                  "nodetach",
                                  "local",
                                  "nolock",
                                  std::string(kIspLocal) + ":" + kOurs,
                                  "ms-dns",
                                  kDns,
                                  "lcp-echo-interval",
                                  "1",
                                  "lcp-echo-failure",
                                  "3",
                                  "linkname",
                                  "isp"};
    if (extra.empty()) argv.emplace_back("noauth");
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<fb::test::Process>(argv, fb::test::SpawnOptions{{}, "/tmp/isp.log", "/tmp/isp.log"});
  }
};

PppdRunner::Options options() {
  PppdRunner::Options o;
  o.name = "ppp[guest-test]";
  o.settings.pppd = "/usr/local/bin/pppd";
  o.settings.lcp_echo_interval = 1s;
  o.settings.lcp_echo_failure = 2;
  o.stop_timeout = 2s;
  o.up_timeout = 30s;
  return o;
}

std::string ipv4_of(const std::string& ifname, unsigned long request) {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname.c_str());
  std::string out;
  if (::ioctl(s, request, &ifr) == 0) {
    std::array<char, INET_ADDRSTRLEN> text{};
    auto* sin = reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr);
    ::inet_ntop(AF_INET, &sin->sin_addr, text.data(), text.size());
    out = text.data();
  }
  ::close(s);
  return out;
}

bool default_route_via(const std::string& ifname) {
  std::ifstream routes("/proc/net/route");
  std::string line;
  while (std::getline(routes, line)) {
    std::istringstream in(line);
    std::string iface, dest;
    in >> iface >> dest;
    if (iface == ifname && dest == "00000000") return true;
  }
  return false;
}

// The kernel's IPv6 addresses of `ifname` with their scope (/proc/net/if_inet6:
// 32 hex digits, ifindex, prefix length, scope, flags, name).
std::vector<std::pair<fb::IpAddress, int>> ipv6_of(const std::string& ifname) {
  std::ifstream in("/proc/net/if_inet6");
  std::vector<std::pair<fb::IpAddress, int>> out;
  std::string hex, index, plen, scope, flags, name;
  while (in >> hex >> index >> plen >> scope >> flags >> name) {
    if (name != ifname || hex.size() != 32) continue;
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < 16; ++i)
      bytes[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
    out.emplace_back(fb::IpAddress::from_bytes(AF_INET6, bytes.data()),
                     static_cast<int>(std::stoul(scope, nullptr, 16)));
  }
  return out;
}

std::string isp_log() {
  std::ifstream f("/tmp/isp.log");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Starts our pppd on the line and waits for the link to come up.
void bring_up(fb::test::RunnerRig& rig, Line& line) {
  REQUIRE_FALSE(rig.runner->start(line.a_slave));
  REQUIRE_MESSAGE(rig.run_until([&] { return !rig.links.empty() || rig.exit; }, 40s), rig.transcript() << "ISP:\n"
                                                                                                       << isp_log());
  REQUIRE_MESSAGE(!rig.links.empty(), rig.transcript() << "ISP:\n" << isp_log());
  REQUIRE(rig.runner->state() == PppdRunner::State::up);
}

}  // namespace

TEST_CASE("link up with the peer's addresses, no default route, clean stop") {
  if (!guest_ready()) return;
  fb::test::RunnerRig rig(options());
  Line line(rig.io);
  Isp isp(line.b_path);
  bring_up(rig, line);
  // DNS lines follow the address lines; wait for them (bounded).
  rig.run_until([&] { return !rig.runner->link().dns.empty(); }, 5s);
  const auto& link = rig.runner->link();
  CHECK(link.interface == "ppp0");
  CHECK(link.local == kOurs);
  CHECK(link.remote == kIspLocal);
  CHECK(link.dns == std::vector<std::string>{kDns});
  CHECK(rig.links.front().remote == kIspLocal);
  // The kernel agrees: the interface has the peer-assigned addresses.
  CHECK(ipv4_of("ppp0", SIOCGIFADDR) == kOurs);
  CHECK(ipv4_of("ppp0", SIOCGIFDSTADDR) == kIspLocal);
  CHECK_FALSE(default_route_via("ppp0"));

  rig.runner->stop();
  CHECK(rig.runner->state() == PppdRunner::State::stopping);
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::stopped);
  CHECK(rig.exit->status.code == 5);
  CHECK(rig.runner->state() == PppdRunner::State::idle);
  CHECK(::if_nametoindex("ppp0") == 0);
}

TEST_CASE("+ipv6 (pdp_type ipv4v6): IPv6CP beside IPCP, ppp0 gets the negotiated fe80:: address") {
  if (!guest_ready()) return;
  PppdRunner::Options o = options();
  o.settings.ipv6 = true;
  fb::test::RunnerRig rig(o);
  Line line(rig.io);
  Isp isp(line.b_path, {"noauth", "+ipv6"});
  bring_up(rig, line);
  // Both protocols come up; whichever is second arrives as an update.
  REQUIRE_MESSAGE(rig.run_until(
                      [&] {
                        const auto& l = rig.runner->link();
                        return !l.remote.empty() && !l.local_ll.empty() && !l.remote_ll.empty();
                      },
                      10s),
                  rig.transcript() << "ISP:\n"
                                   << isp_log());
  const auto& link = rig.runner->link();
  MESSAGE("IPv6CP: " << link.local_ll << " -> " << link.remote_ll);
  CHECK(link.local == kOurs);
  auto local_ll = fb::IpAddress::parse(link.local_ll);
  auto remote_ll = fb::IpAddress::parse(link.remote_ll);
  REQUIRE(local_ll);
  REQUIRE(remote_ll);
  CHECK(local_ll->text().rfind("fe80::", 0) == 0);
  CHECK(*local_ll != *remote_ll);
  // The kernel agrees: ppp0 holds the link-local address pppd reported, scope link (0x20).
  auto v6 = ipv6_of("ppp0");
  CHECK(std::find(v6.begin(), v6.end(), std::make_pair(*local_ll, 0x20)) != v6.end());
  CHECK(ipv4_of("ppp0", SIOCGIFADDR) == kOurs);
  CHECK_FALSE(default_route_via("ppp0"));
  rig.runner->stop();
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::stopped);
}

TEST_CASE("+ipv6 noip (pdp_type ipv6): no IPCP on either end, IPv6CP alone brings the link up") {
  if (!guest_ready()) return;
  PppdRunner::Options o = options();
  o.settings.ipv6 = true;
  o.settings.ipv4 = false;
  fb::test::RunnerRig rig(o);
  Line line(rig.io);
  Isp isp(line.b_path, {"noauth", "+ipv6", "noip"});
  bring_up(rig, line);
  const auto& link = rig.runner->link();
  MESSAGE("IPv6CP alone: " << link.local_ll << " -> " << link.remote_ll);
  CHECK(link.remote.empty());
  auto local_ll = fb::IpAddress::parse(link.local_ll);
  REQUIRE(local_ll);
  auto v6 = ipv6_of("ppp0");
  CHECK(std::find(v6.begin(), v6.end(), std::make_pair(*local_ll, 0x20)) != v6.end());
  CHECK(ipv4_of("ppp0", SIOCGIFADDR).empty());
  rig.runner->stop();
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::stopped);
}

TEST_CASE("the peer hangs up: PEER_TERMINATED (pppd says 16 after its own hangup)") {
  if (!guest_ready()) return;
  fb::test::RunnerRig rig(options());
  Line line(rig.io);
  Isp isp(line.b_path);
  bring_up(rig, line);
  isp.process->signal(SIGTERM);  // the ISP ends the call: LCP Terminate-Request
  REQUIRE_MESSAGE(rig.wait_exit(30s), rig.transcript());
  MESSAGE("peer hangup: pppd exit " << rig.exit->status.code << "\n" << rig.transcript());
  CHECK(rig.exit->reason == Reason::peer_terminated);
  CHECK(fb::ppp::disposition(rig.exit->reason) == fb::ppp::Disposition::link);
}

TEST_CASE("the line goes away under pppd: MODEM_HANGUP (16)") {
  if (!guest_ready()) return;
  fb::test::RunnerRig rig(options());
  Line line(rig.io);
  Isp isp(line.b_path);
  bring_up(rig, line);
  line.cut();  // both masters closed: the ttys hang up like an unplugged stick
  REQUIRE_MESSAGE(rig.wait_exit(30s), rig.transcript());
  CHECK_MESSAGE(rig.exit->reason == Reason::modem_hangup, rig.transcript());
  CHECK(rig.exit->status.code == 16);
}

TEST_CASE("the peer stops answering: LCP_ECHO_TIMEOUT") {
  if (!guest_ready()) return;
  fb::test::RunnerRig rig(options());
  Line line(rig.io);
  Isp isp(line.b_path);
  bring_up(rig, line);
  isp.process->signal(SIGSTOP);  // a hung carrier: the line stays, nothing answers
  REQUIRE_MESSAGE(rig.wait_exit(30s), rig.transcript());
  CHECK_MESSAGE(rig.exit->reason == Reason::lcp_echo_timeout, rig.transcript());
  // pppd 2.4.9 on a pty exits 16 here (its own hangup after "No response to
  // 2 echo-requests", with `modem` and with `local`); the reason comes from
  // the log line either way (classify_exit's rule, unit-tested).
  CHECK((rig.exit->status.code == 15 || rig.exit->status.code == 16));
  MESSAGE("echo timeout: pppd exit code " << rig.exit->status.code);
  isp.process->signal(SIGKILL);
}

TEST_CASE("pppd killed with SIGKILL: KILLED, signal 9") {
  if (!guest_ready()) return;
  fb::test::RunnerRig rig(options());
  Line line(rig.io);
  Isp isp(line.b_path);
  bring_up(rig, line);
  REQUIRE(::kill(rig.runner->pid(), SIGKILL) == 0);
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::killed);
  CHECK(rig.exit->status.signal == SIGKILL);
  CHECK(rig.exit->status.code == -1);
  CHECK(rig.runner->state() == PppdRunner::State::idle);
}

TEST_CASE("pppd ignores SIGTERM (stopped): SIGKILL after stop_timeout, STOP_TIMEOUT") {
  if (!guest_ready()) return;
  fb::test::RunnerRig rig(options());
  Line line(rig.io);
  Isp isp(line.b_path);
  bring_up(rig, line);
  REQUIRE(::kill(rig.runner->pid(), SIGSTOP) == 0);  // an unresponsive pppd
  rig.runner->stop();
  rig.runner->stop();  // idempotent
  // The SIGTERM stays pending on a stopped process: nothing ends it but the
  // escalation.
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::stop_timeout);
  CHECK(rig.exit->status.signal == SIGKILL);
  CHECK(fb::ppp::disposition(rig.exit->reason) == fb::ppp::Disposition::requested);
  CHECK(rig.runner->state() == PppdRunner::State::idle);
}

TEST_CASE("a connect program that fails: CONNECT_FAILED (8)") {
  if (!guest_ready()) return;
  // failberryd never passes `connect` (it dials itself); this only makes
  // real pppd produce exit code 8 for the mapping.
  auto o = options();
  o.settings.extra = {"connect", "/bin/false"};
  fb::test::RunnerRig rig(o);
  Line line(rig.io);
  REQUIRE_FALSE(rig.runner->start(line.a_slave));
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::connect_failed);
  CHECK(rig.exit->status.code == 8);
}

TEST_CASE("PAP credentials from the runner: accepted, and refused ones give AUTH_FAILED") {
  if (!guest_ready()) return;
  {
    auto o = options();
    o.credentials = fb::ppp::Credentials{"fbuser", "fb \"pass\""};
    fb::test::RunnerRig rig(o);
    Line line(rig.io);
    Isp isp(line.b_path, {"auth", "require-pap"});
    bring_up(rig, line);
    CHECK(rig.runner->link().local == kOurs);
    rig.runner->stop();
    REQUIRE(rig.wait_exit(20s));
    CHECK(rig.exit->reason == Reason::stopped);
  }
  {
    auto o = options();
    o.credentials = fb::ppp::Credentials{"fbuser", "wrong"};
    fb::test::RunnerRig rig(o);
    Line line(rig.io);
    Isp isp(line.b_path, {"auth", "require-pap"});
    REQUIRE_FALSE(rig.runner->start(line.a_slave));
    REQUIRE_MESSAGE(rig.wait_exit(40s), rig.transcript());
    CHECK_MESSAGE(rig.exit->reason == Reason::auth_failed, rig.transcript());
    // 19, or 16 when pppd sees its own hangup first (the log names the cause).
    CHECK((rig.exit->status.code == 19 || rig.exit->status.code == 16));
    MESSAGE("refused login: pppd exit code " << rig.exit->status.code);
    CHECK(fb::ppp::disposition(rig.exit->reason) == fb::ppp::Disposition::auth);
  }
}

TEST_CASE("nobody answers on the line: UP_TIMEOUT") {
  if (!guest_ready()) return;
  auto o = options();
  o.up_timeout = 3s;
  fb::test::RunnerRig rig(o);
  Line line(rig.io);  // no ISP behind it
  REQUIRE_FALSE(rig.runner->start(line.a_slave));
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::up_timeout);
  CHECK(rig.links.empty());
}
