// The pure half of the pppd runner: argv, credentials, exit reasons, log
// lines. Verbatim pppd 2.4.9 notice lines where they matter.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "fb/ppp/pppd.hpp"

using namespace fb::ppp;
using namespace std::chrono_literals;

namespace {

bool has(const std::vector<std::string>& v, const std::string& word) {
  return std::find(v.begin(), v.end(), word) != v.end();
}

// The word after `word` in argv ("unit" -> "0").
std::string after(const std::vector<std::string>& v, const std::string& word) {
  auto it = std::find(v.begin(), v.end(), word);
  return it == v.end() || it + 1 == v.end() ? "<missing>" : *(it + 1);
}

}  // namespace

TEST_CASE("argv: the fixed options, the configured ones, and never a default route") {
  Settings s;
  s.pppd = "/opt/ppp/sbin/pppd";
  s.unit = 3;
  s.linkname = "cell";
  s.ipparam = "uplink-cellular";
  s.lcp_echo_interval = 7s;
  s.lcp_echo_failure = 4;
  auto argv = build_argv(s);
  REQUIRE(!argv.empty());
  CHECK(argv[0] == "/opt/ppp/sbin/pppd");
  for (const char* w : {"nodetach", "noauth", "nolock", "noipdefault", "usepeerdns", "modem"}) CHECK(has(argv, w));
  CHECK(after(argv, "unit") == "3");
  CHECK(after(argv, "linkname") == "cell");
  CHECK(after(argv, "ipparam") == "uplink-cellular");
  CHECK(after(argv, "lcp-echo-interval") == "7");
  CHECK(after(argv, "lcp-echo-failure") == "4");
  for (const char* w : {"defaultroute", "replacedefaultroute", "connect", "file", "local", "persist", "updetach",
                        "+ipv6", "defaultroute6"})
    CHECK_MESSAGE(!has(argv, w), w);
  CHECK(interface_name(s) == "ppp3");
}

TEST_CASE("argv: +ipv6 negotiates IPv6CP, and still no default route of either family") {
  Settings s;
  s.ipv6 = true;
  auto argv = build_argv(s);
  CHECK(std::count(argv.begin(), argv.end(), "+ipv6") == 1);
  for (const char* w : {"defaultroute", "defaultroute6", "noip", "-ip"}) CHECK_MESSAGE(!has(argv, w), w);
  s.ipv4 = false;  // pdp_type ipv6
  argv = build_argv(s);
  CHECK(has(argv, "+ipv6"));
  CHECK(has(argv, "noip"));
}

TEST_CASE("argv: knobs") {
  Settings s;
  s.usepeerdns = false;
  s.modem_lines = false;
  s.credentials = true;
  s.lcp_echo_interval = 300ms;  // below pppd's one-second resolution: clamped to 1
  s.lcp_echo_failure = 0;
  s.extra = {"debug", "mtu", "1400"};
  auto argv = build_argv(s);
  CHECK(!has(argv, "usepeerdns"));
  CHECK(has(argv, "local"));
  CHECK(!has(argv, "modem"));
  CHECK(after(argv, "file") == "/proc/self/fd/3");
  CHECK(after(argv, "lcp-echo-interval") == "1");
  CHECK(after(argv, "lcp-echo-failure") == "1");
  REQUIRE(argv.size() >= 3);
  CHECK(std::vector<std::string>(argv.end() - 3, argv.end()) == std::vector<std::string>{"debug", "mtu", "1400"});
}

TEST_CASE("credentials file: accepted forms") {
  std::string error;
  auto c = parse_credentials("# carrier login\nuser web\npassword web pass \"x\\y\n", error);
  REQUIRE_MESSAGE(c, error);
  CHECK(c->user == "web");
  CHECK(c->password == "web pass \"x\\y");  // kept as written (inner spaces too)
  CHECK(credentials_options(*c) == "user \"web\"\npassword \"web pass \\\"x\\\\y\"\n");

  c = parse_credentials("\r\n  user\tinternet\r\npassword\t\r\n", error);
  REQUIRE_MESSAGE(c, error);
  CHECK(c->user == "internet");
  CHECK(c->password.empty());  // some carriers want an empty password
}

TEST_CASE("credentials file: clear errors that never show the secret") {
  struct Row {
    std::string text;
    const char* error_has;
  };
  const char* not_shown = ": not 'user NAME' or 'password SECRET' (the line is not shown: it may hold the secret)";
  for (auto row :
       {Row{"user a\npass hunter2\n", "line 2: not 'user NAME'"}, Row{"user a\nhunter2\n", "line 2: not 'user NAME'"},
        Row{"user a\n\thunter2 and more\n", "line 2: not 'user NAME'"},
        Row{"hunter2\npassword x\n", "line 1: not 'user NAME'"},
        Row{"user a\npassword " + std::string(256, 'x') + "hunter2\n", "password is longer than 255 bytes"},
        Row{"user hunter2" + std::string(256, 'x') + "\npassword x\n", "user is longer than 255 bytes"},
        Row{"password hunter2\n", "no 'user NAME' line"}, Row{"user a\n", "no 'password SECRET' line"},
        Row{"user a\nuser b\npassword hunter2\n", "line 2: user given twice"},
        Row{"user\npassword hunter2\n", "line 1: 'user' has no value"},
        Row{"user a\npassword hun\x01ter2\n", "control character"}, Row{"", "no 'user NAME' line"}}) {
    std::string error;
    CHECK_FALSE(parse_credentials(row.text, error));
    CHECK_MESSAGE(error.find(row.error_has) != std::string::npos, error);
    CHECK(error.find("hunter2") == std::string::npos);
    if (error.find(": not 'user NAME'") != std::string::npos) CHECK(error.substr(error.find(':')) == not_shown);
  }
  std::string error;
  auto longest = parse_credentials("user " + std::string(255, 'u') + "\npassword " + std::string(255, 'p'), error);
  REQUIRE_MESSAGE(longest, error);
  CHECK(longest->password.size() == 255);
}

TEST_CASE("exit codes map to the pppd(8) table") {
  struct Row {
    int code;
    Reason reason;
    const char* name;
    Disposition disposition;
  };
  for (auto row : {Row{0, Reason::peer_terminated, "PEER_TERMINATED", Disposition::link},
                   Row{1, Reason::fatal_error, "FATAL_ERROR", Disposition::local},
                   Row{2, Reason::option_error, "OPTION_ERROR", Disposition::local},
                   Row{3, Reason::not_root, "NOT_ROOT", Disposition::local},
                   Row{4, Reason::no_kernel_ppp, "NO_KERNEL_PPP", Disposition::local},
                   Row{5, Reason::terminated, "TERMINATED", Disposition::link},
                   Row{6, Reason::lock_failed, "LOCK_FAILED", Disposition::local},
                   Row{7, Reason::open_failed, "OPEN_FAILED", Disposition::local},
                   Row{8, Reason::connect_failed, "CONNECT_FAILED", Disposition::link},
                   Row{9, Reason::pty_command_failed, "PTY_COMMAND_FAILED", Disposition::local},
                   Row{10, Reason::negotiation_failed, "NEGOTIATION_FAILED", Disposition::link},
                   Row{11, Reason::peer_auth_failed, "PEER_AUTH_FAILED", Disposition::auth},
                   Row{12, Reason::idle_timeout, "IDLE_TIMEOUT", Disposition::link},
                   Row{13, Reason::connect_time_limit, "CONNECT_TIME_LIMIT", Disposition::link},
                   Row{14, Reason::callback, "CALLBACK", Disposition::link},
                   Row{15, Reason::lcp_echo_timeout, "LCP_ECHO_TIMEOUT", Disposition::link},
                   Row{16, Reason::modem_hangup, "MODEM_HANGUP", Disposition::link},
                   Row{17, Reason::loopback, "LOOPBACK", Disposition::link},
                   Row{18, Reason::init_failed, "INIT_FAILED", Disposition::local},
                   Row{19, Reason::auth_failed, "AUTH_FAILED", Disposition::auth},
                   Row{20, Reason::unknown_exit, "UNKNOWN_EXIT", Disposition::local},
                   Row{255, Reason::unknown_exit, "UNKNOWN_EXIT", Disposition::local}}) {
    CAPTURE(row.code);
    auto r = classify_exit({row.code, 0}, false, false, false);
    CHECK(r == row.reason);
    CHECK(to_string(r) == row.name);
    CHECK(reason_from_string(row.name) == row.reason);
    CHECK(disposition(r) == row.disposition);
  }
}

TEST_CASE("what the runner did wins over the exit code") {
  CHECK(classify_exit({5, 0}, true, false, false) == Reason::stopped);
  CHECK(classify_exit({16, 0}, true, false, false) == Reason::stopped);
  CHECK(classify_exit({-1, 9}, true, true, false) == Reason::stop_timeout);
  CHECK(classify_exit({5, 0}, true, false, true) == Reason::up_timeout);
  CHECK(classify_exit({-1, 9}, false, false, false) == Reason::killed);
  CHECK(classify_exit({-1, 11}, false, false, false) == Reason::killed);
  CHECK(disposition(Reason::stopped) == Disposition::requested);
  CHECK(disposition(Reason::stop_timeout) == Disposition::requested);
  CHECK(disposition(Reason::killed) == Disposition::link);
}

TEST_CASE("reason names are unique and round-trip") {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(Reason::killed); ++i) {
    auto r = static_cast<Reason>(i);
    CHECK(names.insert(to_string(r)).second);
    CHECK(reason_from_string(to_string(r)) == r);
  }
  CHECK_FALSE(reason_from_string("stopped"));
}

TEST_CASE("log follower: pppd 2.4.9's lines bring the link up") {
  LogFollower f;
  CHECK(f.feed("Using interface ppp0") == LogFollower::Change::none);
  CHECK(f.feed("Connect: ppp0 <--> /dev/ttyUSB0") == LogFollower::Change::none);
  CHECK_FALSE(f.up());
  CHECK(f.feed("local  IP address 10.64.0.2") == LogFollower::Change::none);
  CHECK(f.feed("remote IP address 10.64.0.1\r") == LogFollower::Change::up);
  CHECK(f.up());
  CHECK(f.feed("primary   DNS address 10.64.0.53") == LogFollower::Change::updated);
  CHECK(f.feed("secondary DNS address 10.64.0.54") == LogFollower::Change::updated);
  CHECK(f.link() == LinkInfo{"ppp0", "10.64.0.2", "10.64.0.1", {"10.64.0.53", "10.64.0.54"}, {}, {}});
  CHECK(f.feed("Modem hangup") == LogFollower::Change::none);
  CHECK(f.feed("Connection terminated.") == LogFollower::Change::none);
}

TEST_CASE("log follower: IPv6CP's link-local lines (pppd 2.4.9 +ipv6), with IPCP and alone") {
  // ipv4v6, as pppd 2.4.9 printed it in the QEMU guest: IPv6CP finished
  // first, but the link is up at IPCP's line (its address is needed at up).
  // llv6_ntoa prints zero-padded groups.
  LogFollower dual;
  dual.feed("Using interface ppp0");
  CHECK(dual.feed("local  LL address fe80::a8d7:e072:e086:a0a6") == LogFollower::Change::none);
  CHECK(dual.feed("remote LL address fe80::0dea:cc84:bbe6:a0a9") == LogFollower::Change::none);
  CHECK_FALSE(dual.up());
  dual.feed("local  IP address 10.64.0.2");
  CHECK(dual.feed("remote IP address 10.64.0.1") == LogFollower::Change::up);
  CHECK(dual.link().local_ll == "fe80::a8d7:e072:e086:a0a6");
  CHECK(dual.link().remote_ll == "fe80::0dea:cc84:bbe6:a0a9");
  CHECK(dual.link().local == "10.64.0.2");
  // IPCP first: IPv6CP's lines are updates.
  LogFollower ipcp_first;
  CHECK(ipcp_first.feed("remote IP address 10.64.0.1") == LogFollower::Change::up);
  CHECK(ipcp_first.feed("local  LL address fe80::0a1b:2c3d:4e5f:6071") == LogFollower::Change::updated);
  CHECK(ipcp_first.feed("remote LL address fe80::0011:2233:4455:6677") == LogFollower::Change::updated);

  // ipv6 (noip): IPv6CP alone brings the link up; the IPv4 fields stay empty.
  LogFollower v6(false);
  v6.feed("Using interface ppp1");
  CHECK(v6.feed("local  LL address fe80::0a1b:2c3d:4e5f:6071") == LogFollower::Change::none);
  CHECK_FALSE(v6.up());
  CHECK(v6.feed("remote LL address fe80::0011:2233:4455:6677\r") == LogFollower::Change::up);
  CHECK(v6.up());
  LinkInfo want;
  want.interface = "ppp1";
  want.local_ll = "fe80::0a1b:2c3d:4e5f:6071";
  want.remote_ll = "fe80::0011:2233:4455:6677";
  CHECK(v6.link() == want);
  // IPCP after IPv6CP is an update, not a second up.
  CHECK(v6.feed("remote IP address 10.64.0.1") == LogFollower::Change::updated);

  // Look-alikes: not link-local, not an address, the debug trace.
  LogFollower f;
  for (const char* line : {"remote LL address", "remote LL address 2001:db8::1", "remote LL address fe80::zz",
                           "local  LL address fe80::1;rm", "local  LL address fe80:::::",
                           "remote LL address fe80::1::2", "remote LL address fe80:0:0:0:0:0:0:0:1",
                           "local  LL address ::1", "sent [IPV6CP ConfReq id=0x1 <addr fe80::0a1b:2c3d:4e5f:6071>]"})
    CHECK_MESSAGE(f.feed(line) == LogFollower::Change::none, line);
  CHECK_FALSE(f.up());
  CHECK(f.link() == LinkInfo{});
}

TEST_CASE("log follower: look-alike lines do nothing") {
  LogFollower f;
  for (const char* line : {"", "remote IP address", "remote IP addresses 1.2.3.4", "local IP address 1.2.3.4",
                           "Could not determine remote IP address: defaulting to 10.64.64.64",
                           "sent [IPCP ConfReq id=0x1 <addr 0.0.0.0>]"})
    CHECK_MESSAGE(f.feed(line) == LogFollower::Change::none, line);
  CHECK_FALSE(f.up());
  CHECK(f.link() == LinkInfo{});
}

TEST_CASE("log follower: the cause pppd names wins over its own later hangup") {
  LogFollower echo;
  echo.feed("remote IP address 10.64.0.1");
  CHECK_FALSE(echo.cause());
  echo.feed("No response to 2 echo-requests");
  echo.feed("Serial link appears to be disconnected.");
  echo.feed("LCP terminated by peer");  // the first cause stays
  CHECK(echo.cause() == Reason::lcp_echo_timeout);
  CHECK(classify_exit({16, 0}, false, false, false, echo.cause()) == Reason::lcp_echo_timeout);
  CHECK(classify_exit({15, 0}, false, false, false, echo.cause()) == Reason::lcp_echo_timeout);
  CHECK(classify_exit({19, 0}, false, false, false, echo.cause()) == Reason::auth_failed);  // only 0/16 yield
  CHECK(classify_exit({5, 0}, true, false, false, echo.cause()) == Reason::stopped);

  LogFollower peer;
  peer.feed("LCP terminated by peer (User request)");
  CHECK(peer.cause() == Reason::peer_terminated);
  CHECK(classify_exit({16, 0}, false, false, false, peer.cause()) == Reason::peer_terminated);
  CHECK(classify_exit({0, 0}, false, false, false, peer.cause()) == Reason::peer_terminated);
  CHECK(classify_exit({16, 0}, false, false, false, std::nullopt) == Reason::modem_hangup);

  // Verbatim pppd 2.4.9 after the ISP refused our PAP login (seen exiting 16 and 19).
  LogFollower pap;
  for (const char* line : {"Using interface ppp0", "Connect: ppp0 <--> /dev/pts/0", "Remote message: Login incorrect",
                           "PAP authentication failed", "Connection terminated.", "Modem hangup"})
    pap.feed(line);
  CHECK(pap.cause() == Reason::auth_failed);
  CHECK(classify_exit({16, 0}, false, false, false, pap.cause()) == Reason::auth_failed);
  CHECK(classify_exit({19, 0}, false, false, false, pap.cause()) == Reason::auth_failed);
  LogFollower chap;
  chap.feed("CHAP authentication failed");
  CHECK(chap.cause() == Reason::auth_failed);
}
