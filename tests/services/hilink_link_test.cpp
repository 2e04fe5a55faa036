// The HiLink data path end to end, in the composition root (Daemon) itself:
// the stick is fake_hilink_server.py (its HTTP API) and busybox udhcpd (its
// DHCP server), both in a "stick" namespace on the far end of a veth whose
// near end, fbW in the "pi" namespace, stands in for the stick's cdc_ether
// interface. The wired uplink is a veth towards a "peer" namespace. Nothing
// is dry-run: the daemon's udhcpc leases fbW an address from the stick, its
// NetlinkSystem puts it there and moves the default route, inside the
// namespaces the test made. [modem] device = api: no USB discovery — but
// for the data = auto case, where the daemon is given a fake sysfs tree
// (FAILBERRY_SYSFS_ROOT) holding a HiLink E3372h (12d1:14dc) whose
// cdc_ether function's network interface is fbW.
//   wired: fbA 10.0.1.2/24, gateway 10.0.1.1, priority 10
//   lte:   fbW, kind = cellular, [modem] data = hilink, priority 20;
//          the stick at 192.168.8.1, leasing 192.168.8.100/24
// Root, else 77; busybox missing: the cases say SKIPPED.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <functional>
#include <nlohmann/json.hpp>

#include "fake_sysfs.hpp"
#include "fb/core/daemon.hpp"
#include "log_capture.hpp"
#include "log_script.hpp"
#include "netns.hpp"
#include "ns_must.hpp"
#include "process.hpp"
#include "service_rig.hpp"

using namespace std::chrono_literals;
using fb::test::must;
using fb::test::NetNamespace;
using Json = nlohmann::json;
namespace asio = boost::asio;

namespace {

const fb::test::RootRequired root_required("the HiLink data path namespace test");
const char* kBusybox = "/bin/busybox";

// The stick: its DHCP server and its API on fbWp in `stick`.
class Stick {
 public:
  Stick(const NetNamespace& pi, const NetNamespace& peer, const NetNamespace& stick,
        std::vector<std::string> api_args = {}, const char* server = FB_FAKE_HILINK_SERVER)
      : stick_(stick) {
    must(pi, {"ip", "link", "add", "fbA", "type", "veth", "peer", "name", "fbAp", "netns", peer.name()});
    must(pi, {"ip", "link", "add", "fbW", "type", "veth", "peer", "name", "fbWp", "netns", stick.name()});
    must(pi, {"ip", "addr", "add", "10.0.1.2/24", "dev", "fbA"});
    must(peer, {"ip", "addr", "add", "10.0.1.1/24", "dev", "fbAp"});
    must(stick, {"ip", "addr", "add", "192.168.8.1/24", "dev", "fbWp"});
    must(pi, {"ip", "link", "set", "fbA", "up"});
    must(peer, {"ip", "link", "set", "fbAp", "up"});
    must(stick, {"ip", "link", "set", "fbWp", "up"});
    must(stick, {"ip", "link", "set", "lo", "up"});
    // fbW stays down: bringing the stick's interface up is the daemon's job.
    fb::test::write_file(dir_ / "udhcpd.conf", "start 192.168.8.100\nend 192.168.8.100\ninterface fbWp\nlease_file " +
                                                   dir_ / "leases" + "\npidfile " + dir_ / "udhcpd.pid" +
                                                   "\noption subnet 255.255.255.0\noption router 192.168.8.1\n"
                                                   "option dns 192.168.8.1\noption lease 600\n");
    fb::test::write_file(dir_ / "leases", "");
    fb::test::SpawnOptions so;
    so.stdout_path = so.stderr_path = dir_ / "udhcpd.log";
    udhcpd_ = std::make_unique<fb::test::Process>(
        stick.wrap({kBusybox, "udhcpd", "-f", "-a", "200", dir_ / "udhcpd.conf"}), so);
    REQUIRE(fb::test::wait_for_text(dir_ / "udhcpd.log", "started", 10s));
    std::vector<std::string> argv{"python3", "-u", server, "--listen", "192.168.8.1"};
    argv.insert(argv.end(), api_args.begin(), api_args.end());
    api_ = std::make_unique<fb::test::Process>(stick.wrap(argv),
                                               fb::test::SpawnOptions{{}, dir_ / "api.out", dir_ / "api.err"});
    if (!fb::test::wait_for_text(dir_ / "api.out", "READY port=", 20s))
      FAIL("fake HiLink server did not start: " << fb::test::read_file(dir_ / "api.err"));
    unsigned p = 0;
    std::sscanf(fb::test::read_file(dir_ / "api.out").c_str(), "READY port=%u", &p);
    port_ = p;
  }
  std::string url() const { return "http://192.168.8.1:" + std::to_string(port_); }
  // A control request from inside the stick's namespace (never the daemon's path).
  Json control(const std::string& path_and_query) const {
    std::string out = must(stick_, {"python3", "-c",
                                    "import sys, urllib.request; "
                                    "print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())",
                                    "http://192.168.8.1:" + std::to_string(port_) + path_and_query});
    return Json::parse(out);
  }
  Json state() const { return control("/_control/state"); }
  int count(const Json& state, const std::string& path, const std::string& body_part = "") const {
    int n = 0;
    for (const auto& r : state["requests"])
      n += r["path"] == path && r["body"].get<std::string>().find(body_part) != std::string::npos;
    return n;
  }
  std::string logs() const { return fb::test::read_file(dir_ / "udhcpd.log") + fb::test::read_file(dir_ / "api.err"); }
  const fb::test::TempDir& dir() const { return dir_; }

 private:
  const NetNamespace& stick_;
  fb::test::TempDir dir_;
  std::unique_ptr<fb::test::Process> udhcpd_, api_;
  unsigned port_ = 0;
};

std::string ini(const std::string& dir, const std::string& url, const std::string& password_file) {
  return "[general]\nmode = router\nstate_dir = " + dir + "\ncontrol_socket = " + dir +
         "/control.sock\n"
         "[modem]\ndevice = api\ndata = hilink\nhilink_url = " +
         url + "\n" + (password_file.empty() ? std::string() : "hilink_password_file = " + password_file + "\n") +
         "command_timeout = 2s\n"
         "[ppp]\nconnect_timeout = 3s\n"
         "[uplink.wired]\ninterface = fbA\ngateway = 10.0.1.1\npriority = 10\nprobe_targets = 10.0.1.1\n"
         "probe_interval = 500ms\nprobe_timeout = 200ms\nup_count = 1\ndown_count = 2\n"
         "[uplink.lte]\ninterface = fbW\nkind = cellular\npriority = 20\nprobe_targets = 192.168.8.1\n"
         "probe_interval = 500ms\nprobe_timeout = 200ms\nup_count = 1\ndown_count = 2\n"
         "[failover]\nfailback_hold = 0s\n"
         "[nat]\nlan_interface = lo\n"
         "[health]\nlisten = 127.0.0.1\nport = 9000\n"
         "[recovery]\nbackoff_initial = 200ms\nbackoff_max = 1s\nredial_attempts = 1\nreset_attempts = 1\n";
}

bool have_busybox() {
  if (::access(kBusybox, X_OK) == 0) return true;
  MESSAGE("SKIPPED: " << kBusybox << " missing (busybox-static, tests/setup_deps.sh)");
  return false;
}

struct UdhcpcFromTree {
  UdhcpcFromTree() {
    ::setenv("FAILBERRY_UDHCPC", kBusybox, 1);
    ::setenv("FAILBERRY_UDHCPC_EVENT", FB_SOURCE_DIR "/image/overlay/usr/libexec/failberry/udhcpc-event", 1);
  }
  ~UdhcpcFromTree() {
    ::unsetenv("FAILBERRY_UDHCPC");
    ::unsetenv("FAILBERRY_UDHCPC_EVENT");
  }
};

// GET /status from the daemon's endpoint on its own loop (a blocking request
// would wait for the loop it blocks); `into` gets the "modem" part. The
// endpoint answers from a snapshot up to 250 ms old: one fetch per run.
void fetch_modem_status(asio::io_context& io, Json& into) {
  struct Fetch {
    explicit Fetch(asio::io_context& io) : socket(io) {}
    asio::ip::tcp::socket socket;
    std::string request = "GET /status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    std::string reply;
  };
  auto f = std::make_shared<Fetch>(io);
  asio::ip::tcp::endpoint server(asio::ip::make_address("127.0.0.1"), 9000);
  f->socket.async_connect(server, [f, &into](boost::system::error_code ec) {
    if (ec) return;
    asio::async_write(f->socket, asio::buffer(f->request), [f, &into](boost::system::error_code ec2, std::size_t) {
      if (ec2) return;
      asio::async_read(f->socket, asio::dynamic_buffer(f->reply), [f, &into](boost::system::error_code, std::size_t) {
        auto body = f->reply.find("\r\n\r\n");
        if (body == std::string::npos) return;
        Json j = Json::parse(f->reply.substr(body + 4), nullptr, false);
        if (!j.is_discarded() && j.contains("modem")) into = j["modem"];
      });
    });
  });
}

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

// The three namespaces ("NAME-pi", "-peer", "-stick") and the fake stick in them.
struct StickLab {
  explicit StickLab(const std::string& name, std::vector<std::string> api_args = {},
                    const char* server = FB_FAKE_HILINK_SERVER)
      : pi(name + "-pi"),
        peer(name + "-peer"),
        stick_ns(name + "-stick"),
        stick(pi, peer, stick_ns, std::move(api_args), server) {}
  NetNamespace pi;
  NetNamespace peer;
  NetNamespace stick_ns;
  Stick stick;
};

// The daemon in "pi" with `text` as its config (written beside the stick's
// files), busybox udhcpc with the event script from the tree, its log kept.
struct DaemonInPi {
  DaemonInPi(const NetNamespace& pi, const Stick& stick, const std::string& text)
      : inside(pi),
        path(stick.dir() / "f.ini"),
        daemon((fb::test::write_file(path, text), io), fb::core::DaemonOptions{path, false},
               fb::test::parse_ini(text)) {}
  // Runs the daemon to its end: its exit code and all it logged.
  std::pair<int, std::string> run() {
    int code = daemon.run();
    return {code, joined(log.lines)};
  }
  UdhcpcFromTree udhcpc;
  NetNamespace::Enter inside;
  fb::test::LogCapture log;
  asio::io_context io;
  std::string path;
  fb::core::Daemon daemon;
};

}  // namespace

TEST_CASE(
    "HiLink: login, data on through the API, the stick's lease on its interface carries the default; the stick "
    "dropping data is a carrier loss, redialed through the API; a token that expired is fetched again") {
  if (!have_busybox()) return;
  StickLab lab("hilink", {"--password", "s3cret"});
  Stick& stick = lab.stick;
  const NetNamespace& pi = lab.pi;
  stick.control("/_control/data?on=0");  // the stick comes with mobile data off
  fb::test::write_file(stick.dir() / "hilink.password", "s3cret\n", 0600);
  std::string text = ini(stick.dir().path(), stick.url(), stick.dir() / "hilink.password");
  DaemonInPi d(pi, stick, text);
  auto& io = d.io;

  auto address_on_fbW = [&] { return must(pi, {"ip", "-4", "-o", "address", "show", "dev", "fbW"}); };
  std::string addr_up, default_after_cut, addr_after_drop;
  Json status_online, state_online;
  fb::test::LogScript script(
      io, d.log.lines,
      {
          {{"the stick leased 192.168.8.100/24 on fbW via 192.168.8.1"}, [] {}},
          {{"uplink[lte]: 192.168.8.100/24 on fbW via 192.168.8.1"}, [&] { addr_up = address_on_fbW(); }},
          {{"uplink[lte]", "--> up"}, [] {}},  // the stick itself answers the probes
          {{"data session up on fbW: mobile data connected, 192.168.8.100 via 192.168.8.1"},
           [&] {
             state_online = stick.state();
             must(pi, {"ip", "link", "set", "fbA", "down"});  // the wired line fails
           }},
          {{"default route now via lte"},
           [&] {
             default_after_cut = must(pi, {"ip", "-4", "route", "show", "default", "table", "main"});
             fetch_modem_status(io, status_online);
             stick.control("/_control/expire");     // the stick forgets the session...
             stick.control("/_control/data?on=0");  // ...and the network drops mobile data
           }},
          {{"removed 192.168.8.100/24 from fbW"}, [&] { addr_after_drop = address_on_fbW(); }},
          {{"data session up on fbW"}, [] { ::raise(SIGTERM); }},  // the ladder's redial brought it back
      },
      90s);
  auto [code, all] = d.run();
  INFO(all);
  INFO(stick.logs());
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);

  // Up: the password from the file logged in, and the switch went on.
  CHECK(state_online["logins"] == 1);
  CHECK(state_online["dataswitch"] == 1);
  CHECK(addr_up.find("inet 192.168.8.100/24") != std::string::npos);
  CHECK(default_after_cut.find("default via 192.168.8.1 dev fbW") != std::string::npos);
  // /status as for an AT stick: operator, LTE, RSRP/RSRQ/SINR, registration.
  CHECK(status_online["state"] == "online");
  CHECK(status_online["operator"] == "Telekom.de");
  CHECK(status_online["rat"] == "lte");
  CHECK(status_online["registration"] == "home");
  CHECK(status_online["rsrp_dbm"] == -93);
  CHECK(status_online["rsrq_db"] == -9.0);
  CHECK(status_online["sinr_db"] == 12.0);
  CHECK(status_online["device"].get<std::string>().find("device = api") != std::string::npos);
  // The expired session: a new one and one retry, no error for the poll.
  CHECK(all.find("new session, one retry") != std::string::npos);
  // Mobile data dropped: a carrier loss, the address went at once, redialed through the API.
  CHECK(all.find("the stick reports mobile data disconnected") != std::string::npos);
  CHECK(all.find("online --link_down(NET_DISCONNECTED)--> recovering") != std::string::npos);
  CHECK(addr_after_drop.find("192.168.8.100") == std::string::npos);
  Json after = stick.state();
  // Each switch on meets a session not logged in (a fresh one each time), is
  // refused with 100003, logs in and goes again: twice on, 2 logins. The
  // switch off at the stop goes out on the session already logged in.
  CHECK(stick.count(after, "/api/dialup/mobile-dataswitch", "<dataswitch>1<") == 4);
  CHECK(after["sessions"].get<int>() >= 2);
  CHECK(after["failed_logins"] == 0);
  // The daemon stopped: mobile data off through the API, the address gone with it.
  CHECK(after["dataswitch"] == 0);
  CHECK(stick.count(after, "/api/dialup/mobile-dataswitch", "<dataswitch>0<") == 1);
  CHECK(after["logins"] == 2);
  CHECK(all.find("mobile data switched off through the API") != std::string::npos);
  CHECK(address_on_fbW().find("192.168.8.100") == std::string::npos);
}

TEST_CASE("HiLink: mobile data that never connects climbs to the reboot rung, the API's reboot; then it connects") {
  if (!have_busybox()) return;
  StickLab lab("hilinkr");
  Stick& stick = lab.stick;
  const NetNamespace& pi = lab.pi;
  stick.control("/_control/stuck?on=1");  // switched on, never connected, until a reboot
  std::string text = ini(stick.dir().path(), stick.url(), "");
  DaemonInPi d(pi, stick, text);
  auto& io = d.io;
  Json status_timeout;
  fb::test::LogScript script(
      io, d.log.lines,
      {
          {{"dialing --dialed(NETWORK_TIMEOUT)--> recovering"}, [&] { fetch_modem_status(io, status_timeout); }},
          {{"rebooting the stick through the API"}, [] {}},
          {{"data session up on fbW"}, [] { ::raise(SIGTERM); }},
      },
      90s);
  auto [code, all] = d.run();
  INFO(all);
  INFO(stick.logs());
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);
  CHECK(status_timeout["error"] == "NETWORK_TIMEOUT");
  CHECK(status_timeout["error_detail"].get<std::string>().find("not connected within 3 s") != std::string::npos);
  Json after = stick.state();
  CHECK(after["reboots"] == 1);
  CHECK(after["stuck"] == false);
  CHECK(stick.count(after, "/api/device/control") == 1);
}

TEST_CASE(
    "HiLink: an HTML page and broken XML are HILINK_BAD_REPLY in /status, never a crash; the stick is driven on") {
  if (!have_busybox()) return;
  StickLab lab("hilinkb");
  Stick& stick = lab.stick;
  const NetNamespace& pi = lab.pi;
  stick.control("/_control/fault?name=html&count=1");  // the probe's status question gets the web UI's page
  std::string text = ini(stick.dir().path(), stick.url(), "");
  DaemonInPi d(pi, stick, text);
  auto& io = d.io;
  Json status_html;
  fb::test::LogScript script(io, d.log.lines,
                             {
                                 {{"probing --probed(HILINK_BAD_REPLY)--> recovering"},
                                  [&] {
                                    fetch_modem_status(io, status_html);
                                    // The next API request, the reset rung's reboot (redial cannot help before
                                    // registration), gets broken XML.
                                    stick.control("/_control/fault?name=bad_xml&count=1");
                                  }},
                                 {{"resetting --reset_done(HILINK_BAD_REPLY)--> recovering"}, [] {}},
                                 {{"data session up on fbW"}, [] { ::raise(SIGTERM); }},
                             },
                             90s);
  auto [code, all] = d.run();
  INFO(all);
  INFO(stick.logs());
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);
  CHECK(status_html["error"] == "HILINK_BAD_REPLY");
  CHECK(status_html["error_detail"].get<std::string>().find("HTML") != std::string::npos);
  // The broken XML reached the log with its place; it was a failure, not an OK.
  CHECK(all.find("HILINK_BAD_REPLY: POST /api/device/control: </Connection is not closed by '>' at offset") !=
        std::string::npos);
  Json after = stick.state();
  CHECK(after["reboots"] == 0);  // the broken answer was not taken for an OK
  CHECK(all.find("BUG") == std::string::npos);
}

TEST_CASE("HiLink: a wrong password is final — one failed login, HILINK_LOGIN_REFUSED, no ladder climb") {
  if (!have_busybox()) return;
  StickLab lab("hilinkp", {"--password", "s3cret"});
  Stick& stick = lab.stick;
  const NetNamespace& pi = lab.pi;
  stick.control("/_control/data?on=0");
  fb::test::write_file(stick.dir() / "hilink.password", "wrong\n", 0600);
  std::string text = ini(stick.dir().path(), stick.url(), stick.dir() / "hilink.password");
  DaemonInPi d(pi, stick, text);
  auto& io = d.io;
  Json status_stopped;
  asio::steady_timer settle(io);
  fb::test::LogScript script(io, d.log.lines,
                             {
                                 {{"--> stopped [HILINK_LOGIN_REFUSED]"},
                                  [&] {
                                    fetch_modem_status(io, status_stopped);
                                    // Long enough for a ladder's first rung (backoff 200 ms): none may come.
                                    settle.expires_after(3s);
                                    settle.async_wait([](boost::system::error_code) { ::raise(SIGTERM); });
                                  }},
                             },
                             60s);
  auto [code, all] = d.run();
  INFO(all);
  INFO(stick.logs());
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);
  CHECK(status_stopped["state"] == "stopped");
  CHECK(status_stopped["error"] == "HILINK_LOGIN_REFUSED");
  CHECK(status_stopped["error_detail"].get<std::string>().find("hilink_password_file") != std::string::npos);
  Json after = stick.state();
  CHECK(after["failed_logins"] == 1);
  CHECK(after["reboots"] == 0);
  CHECK(after["dataswitch"] == 0);
  CHECK(all.find("asking the recovery ladder") == std::string::npos);
}

TEST_CASE("HiLink under dry-run: the API is read, nothing is switched or rebooted, no udhcpc runs") {
  if (!have_busybox()) return;
  StickLab lab("hilinkd");
  Stick& stick = lab.stick;
  const NetNamespace& pi = lab.pi;
  // The address the host's own DHCP client would have put there: under
  // dry-run the API is reached with what the interface has.
  must(pi, {"ip", "addr", "add", "192.168.8.77/24", "dev", "fbW"});
  must(pi, {"ip", "link", "set", "fbW", "up"});
  std::string text = ini(stick.dir().path(), stick.url(), "");
  text.replace(text.find("[general]\n"), 10, "[general]\ndry_run = true\n");
  DaemonInPi d(pi, stick, text);
  auto& io = d.io;
  Json status_online;
  fb::test::LogScript script(
      io, d.log.lines,
      {
          {{"dry-run: no DHCP client on the stick's interface"}, [] {}},
          {{"dry-run: not switching mobile data on through the API"}, [] {}},
          {{"dialing --dialed(ok)--> online"},
           [&] {
             fetch_modem_status(io, status_online);
             stick.control("/_control/data?on=0");
           }},
          {{"online --link_down(NET_DISCONNECTED)--> recovering"}, [] {}},
          {{"dry-run: mobile data is disconnected on the stick and is not switched on"}, [] { ::raise(SIGTERM); }},
      },
      90s);
  auto [code, all] = d.run();
  INFO(all);
  INFO(stick.logs());
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);
  CHECK(status_online["operator"] == "Telekom.de");
  CHECK(status_online["rsrp_dbm"] == -93);
  Json after = stick.state();
  for (const auto& r : after["requests"]) {
    CAPTURE(r.dump());
    CHECK(r["method"] == "GET");  // readings only: no switch, no reboot, no login
  }
  CHECK(after["reboots"] == 0);
  CHECK(all.find("started udhcpc") == std::string::npos);
  CHECK(all.find("--> stopped [DRY_RUN]") != std::string::npos);
}

namespace {

// The HiLink E3372h at 1-1.5 as the kernel shows it: one cdc_ether function
// whose interface is fbW, no tty.
struct HiLinkOnSysfs {
  explicit HiLinkOnSysfs(const char* vendor = "12d1", const char* product = "14dc",
                         const char* name = "HUAWEI_MOBILE") {
    sysfs.device("1-1.5", vendor, product, {{0, 2, 6, 0, "cdc_ether", {}, false, {"fbW"}}}, name);
    ::setenv("FAILBERRY_SYSFS_ROOT", sysfs.root().c_str(), 1);
  }
  ~HiLinkOnSysfs() { ::unsetenv("FAILBERRY_SYSFS_ROOT"); }
  fb::modem::test::FakeSysfs sysfs;
};

}  // namespace

TEST_CASE(
    "data = auto: the HiLink stick found on USB takes the HiLink path; its interface is found beside it, leased, "
    "and carries the default; /status says why") {
  if (!have_busybox()) return;
  StickLab lab("hilinka");
  Stick& stick = lab.stick;
  const NetNamespace& pi = lab.pi;
  stick.control("/_control/data?on=0");
  HiLinkOnSysfs usb;
  // No data line (auto), device = auto, interface = auto: what a user of an
  // E3372h writes; the APN is there for a stick that turns out to dial.
  std::string text = ini(stick.dir().path(), stick.url(), "");
  auto swap = [&text](const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  swap("device = api\ndata = hilink\n", "apn = internet\n");
  swap("[uplink.lte]\ninterface = fbW\n", "[uplink.lte]\ninterface = auto\n");
  DaemonInPi d(pi, stick, text);
  auto& io = d.io;
  std::string default_after_cut;
  Json status_online;
  // Stops the daemon once the status fetch has answered, or after 10 s.
  asio::steady_timer answered(io);
  int waits = 0;
  std::function<void()> stop_when_answered = [&] {
    if (!status_online.is_null() || ++waits > 200) return (void)::raise(SIGTERM);
    answered.expires_after(50ms);
    answered.async_wait([&](boost::system::error_code ec) {
      if (!ec) stop_when_answered();
    });
  };
  fb::test::LogScript script(
      io, d.log.lines,
      {
          {{"data path: hilink (auto: HiLink stick 12d1:14dc E3131, E3372h, E8372 HiLink)"}, [] {}},
          {{"uplink[lte]: bound to fbW"}, [] {}},
          {{"the stick leased 192.168.8.100/24 on fbW via 192.168.8.1"}, [] {}},
          {{"data session up on fbW: mobile data connected, 192.168.8.100 via 192.168.8.1"},
           [&] {
             must(pi, {"ip", "link", "set", "fbA", "down"});
           }},
          {{"default route now via lte"},
           [&] {
             default_after_cut = must(pi, {"ip", "-4", "route", "show", "default", "table", "main"});
             fetch_modem_status(io, status_online);
             stop_when_answered();
           }},
      },
      90s);
  auto [code, all] = d.run();
  INFO(all);
  INFO(stick.logs());
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);
  CHECK(all.find("uplink[lte] interface = auto: fbW (cdc_ether, USB interface 0) of 12d1:14dc at 1-1.5") !=
        std::string::npos);
  CHECK(all.find("no serial AT port") == std::string::npos);
  CHECK(default_after_cut.find("default via 192.168.8.1 dev fbW") != std::string::npos);
  CHECK(status_online["state"] == "online");
  CHECK(status_online["data_path"] == "hilink");
  CHECK(status_online["data_path_reason"] == "auto: HiLink stick 12d1:14dc E3131, E3372h, E8372 HiLink");
  CHECK(status_online["operator"] == "Telekom.de");
  CHECK(status_online["device"].get<std::string>().find("12d1:14dc") != std::string::npos);
  Json after = stick.state();
  CHECK(stick.count(after, "/api/dialup/mobile-dataswitch", "<dataswitch>1<") >= 1);
  CHECK(after["dataswitch"] == 0);  // switched off again at the stop
}

TEST_CASE(
    "data = auto: a ZTE router stick (19d2:1405) found on USB is driven through its goform API: base64 login, "
    "data on, its lease carries the default; /status names the API and why; data off at the stop") {
  if (!have_busybox()) return;
  StickLab lab("zterouter", {"--password", "s3cret"}, FB_FAKE_ZTE_SERVER);
  Stick& stick = lab.stick;
  const NetNamespace& pi = lab.pi;
  stick.control("/_control/data?on=0");  // the stick comes with mobile data off
  fb::test::write_file(stick.dir() / "zte.password", "s3cret\n", 0600);
  HiLinkOnSysfs usb("19d2", "1405", "ZTE Mobile Broadband");
  std::string text = ini(stick.dir().path(), stick.url(), stick.dir() / "zte.password");
  auto swap = [&text](const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  swap("device = api\ndata = hilink\n", "apn = internet\n");
  swap("[uplink.lte]\ninterface = fbW\n", "[uplink.lte]\ninterface = auto\n");
  DaemonInPi d(pi, stick, text);
  auto& io = d.io;
  std::string default_after_cut;
  Json status_online;
  asio::steady_timer answered(io);
  int waits = 0;
  std::function<void()> stop_when_answered = [&] {
    if (!status_online.is_null() || ++waits > 200) return (void)::raise(SIGTERM);
    answered.expires_after(50ms);
    answered.async_wait([&](boost::system::error_code ec) {
      if (!ec) stop_when_answered();
    });
  };
  fb::test::LogScript script(
      io, d.log.lines,
      {
          {{"data path: hilink (auto: HiLink stick 19d2:1405"}, [] {}},
          {{"router API: api=zte base_url=" + stick.url(), "(auto: 19d2:1405 MF823, MF833N (router mode))"}, [] {}},
          {{"the stick leased 192.168.8.100/24 on fbW via 192.168.8.1"}, [] {}},
          {{"data session up on fbW: mobile data connected, 192.168.8.100 via 192.168.8.1"},
           [&] {
             must(pi, {"ip", "link", "set", "fbA", "down"});
           }},
          {{"default route now via lte"},
           [&] {
             default_after_cut = must(pi, {"ip", "-4", "route", "show", "default", "table", "main"});
             fetch_modem_status(io, status_online);
             stop_when_answered();
           }},
      },
      90s);
  auto [code, all] = d.run();
  INFO(all);
  INFO(stick.logs());
  REQUIRE_MESSAGE(!script.timed_out(), "stopped at " << script.where());
  CHECK(code == 0);
  CHECK(default_after_cut.find("default via 192.168.8.1 dev fbW") != std::string::npos);
  CHECK(status_online["state"] == "online");
  CHECK(status_online["data_path"] == "hilink");
  CHECK(status_online["router_api"] == "zte");
  CHECK(status_online["router_api_reason"] == "auto: 19d2:1405 MF823, MF833N (router mode)");
  CHECK(status_online["operator"] == "Telekom.de");
  CHECK(status_online["rat"] == "lte");
  CHECK(status_online["registration"] == "home");
  CHECK(status_online["rsrp_dbm"] == -95);
  CHECK(status_online["rsrq_db"] == -10.0);
  CHECK(status_online["sinr_db"] == 12.0);
  Json after = stick.state();
  int connects = 0, disconnects = 0;
  for (const auto& r : after["requests"]) {
    CHECK(r["referer"] == stick.url() + "/index.html");  // every request carries what the stick checks
    connects += r["body"] == "isTest=false&goformId=CONNECT_NETWORK";
    disconnects += r["body"] == "isTest=false&goformId=DISCONNECT_NETWORK";
  }
  CHECK(connects == 1);
  CHECK(disconnects == 1);
  CHECK(after["logins"] == 1);
  CHECK(after["failed_logins"] == 0);
  CHECK(after["dataswitch"] == 0);  // switched off again at the stop
}
