// failberryd as a process: --check-config on the shipped example and the
// bad-config corpus, secret-file permissions, and the lifecycle against a
// real sd_notify socket (READY, WATCHDOG, RELOADING, STOPPING), SIGHUP with
// a bad file, SIGTERM. No root needed.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <csignal>
#include <filesystem>

#include "../health/http_client.hpp"
#include "notify_listener.hpp"
#include "process.hpp"

using namespace std::chrono_literals;
using fb::test::NotifyListener;
using fb::test::Process;
using fb::test::run;
using fb::test::TempDir;
using fb::test::write_file;
namespace fs = std::filesystem;

namespace {
const std::string kDaemon = FB_FAILBERRYD;
const std::string kSource = FB_SOURCE_DIR;

constexpr const char* kBaseConfig = R"([general]
dry_run = true

[modem]
apn = internet

[uplink.wired]
interface = fbt-none0
gateway = 192.168.1.1
priority = 20

[uplink.cellular]
interface = ppp0
kind = ppp
priority = 10
)";

// The base config with the health endpoint on loopback at a free port.
// ... and the control socket at a private path.
struct TestConfig {
  unsigned short port = fb::test::free_tcp_port();
  std::string control = "/tmp/fbtest-control-" + std::to_string(::getpid()) + "-" + std::to_string(port) + ".sock";
  std::string text = std::string(kBaseConfig).replace(0, 9, "[general]\ncontrol_socket = " + control) +
                     "\n[health]\nlisten = 127.0.0.1\nport = " + std::to_string(port) + "\n";
};
const std::string kConfig = TestConfig{}.text;
}  // namespace

TEST_CASE("--check-config accepts the shipped example") {
  auto r = run({kDaemon, "--check-config", kSource + "/image/overlay/etc/failberry/failberry.ini"});
  CHECK(r.code == 0);
  CHECK(r.output.find("OK (2 uplinks: wired, cellular)") != std::string::npos);
}

TEST_CASE("--check-config refuses every config of the corpus with its message") {
  int checked = 0;
  for (auto& entry : fs::directory_iterator(kSource + "/tests/unit/bad_configs")) {
    std::string path = entry.path().string();
    std::string text = fb::test::read_file(path);
    std::string expected = path + text.substr(10, text.find('\n') - 10);  // after "# expect: "
    auto r = run({kDaemon, "--check-config", path});
    CAPTURE(expected);
    CAPTURE(r.output);
    CHECK(r.code == 1);
    CHECK(r.output.find(expected + "\n") != std::string::npos);
    CHECK(r.output.find(": invalid (") != std::string::npos);
    ++checked;
  }
  CHECK(checked >= 30);
}

TEST_CASE("secret files must be regular, present and private") {
  TempDir dir;
  std::string ini = dir / "f.ini";
  std::string pin = dir / "sim.pin";
  std::string config = kConfig;
  config.replace(config.find("apn = internet"), 14, "apn = internet\npin_file = " + pin);
  write_file(ini, config);

  auto r = run({kDaemon, "--check-config", ini});
  CHECK(r.code == 1);
  CHECK(r.output.find(ini + ":7: [modem] pin_file = \"" + pin +
                      "\": secret file: cannot open: No such file or directory") != std::string::npos);

  write_file(pin, "1234\n", 0644);
  r = run({kDaemon, "--check-config", ini});
  CHECK(r.code == 1);
  CHECK(r.output.find("secret file: accessible by group or others (mode 0644); run: chmod 600 " + pin) !=
        std::string::npos);

  write_file(pin, "1234\n", 0640);
  r = run({kDaemon, "--check-config", ini});
  CHECK(r.output.find("(mode 0640)") != std::string::npos);

  write_file(pin, "1234\n", 0600);
  r = run({kDaemon, "--check-config", ini});
  CHECK(r.code == 0);

  fs::remove(pin);
  fs::create_directory(pin);
  r = run({kDaemon, "--check-config", ini});
  CHECK(r.output.find("secret file: not a regular file") != std::string::npos);
}

TEST_CASE("--check-config reads a PIN or PPP login as the daemon will, and never prints the file") {
  TempDir dir;
  std::string ini = dir / "f.ini";
  std::string pin = dir / "sim.pin";
  std::string login = dir / "ppp.secret";
  std::string config = kConfig;
  config.replace(config.find("apn = internet"), 14,
                 "apn = internet\npin_file = " + pin + "\n[ppp]\ncredentials_file = " + login);
  write_file(ini, config);
  write_file(pin, "12a4\n", 0600);
  write_file(login, "user web\npassword hunter2\n", 0600);

  auto r = run({kDaemon, "--check-config", ini});
  CHECK(r.code == 1);
  CHECK(r.output.find(ini + ":7: [modem] pin_file = \"" + pin + "\": secret file: not a PIN (4 to 8 digits)\n") !=
        std::string::npos);
  CHECK(r.output.find("12a4") == std::string::npos);

  write_file(pin, " 1234\n", 0600);
  write_file(login, "user web\nhunter2\n", 0600);  // the password without its keyword
  r = run({kDaemon, "--check-config", ini});
  CHECK(r.code == 1);
  CHECK(r.output.find(ini + ":9: [ppp] credentials_file = \"" + login +
                      "\": secret file: line 2: not 'user NAME' or 'password SECRET' (the line is not shown: it may "
                      "hold the secret)\n") != std::string::npos);
  CHECK(r.output.find("hunter2") == std::string::npos);

  write_file(login, "user web\npassword " + std::string(5000, 'x') + "\n", 0600);
  r = run({kDaemon, "--check-config", ini});
  CHECK(r.code == 1);
  CHECK(r.output.find("\": secret file: larger than 4096 bytes, too large for a secret") != std::string::npos);

  write_file(login, "user web\npassword hunter2\n", 0600);
  r = run({kDaemon, "--check-config", ini});
  CAPTURE(r.output);
  CHECK(r.code == 0);
}

TEST_CASE("unreadable, missing and oversized config files are refused clearly") {
  TempDir dir;
  auto r = run({kDaemon, "--check-config", dir / "nope.ini"});
  CHECK(r.code == 1);
  CHECK(r.output.find(dir / "nope.ini" + ": cannot open: No such file or directory") != std::string::npos);
  r = run({kDaemon, "--check-config", dir.path()});
  CHECK(r.output.find(": not a regular file") != std::string::npos);
  write_file(dir / "big.ini", std::string(2 << 20, '#'));
  r = run({kDaemon, "--check-config", dir / "big.ini"});
  CHECK(r.output.find("too large") != std::string::npos);
}

TEST_CASE("command line: --version, unknown options, and never starting on a bad config") {
  auto r = run({kDaemon, "--version"});
  CHECK(r.code == 0);
  CHECK(r.output.rfind("failberryd ", 0) == 0);
  r = run({kDaemon, "--frobnicate"});
  CHECK(r.code == 2);
  CHECK(r.output.find("unknown or incomplete option '--frobnicate'") != std::string::npos);

  TempDir dir;
  NotifyListener notify(dir / "notify");
  write_file(dir / "f.ini", "[general]\nmode = bridge\n");
  Process daemon({kDaemon, "--config", dir / "f.ini"}, {{notify.env()}, {}, dir / "err"});
  CHECK(daemon.wait(10s) == 1);
  CHECK_FALSE(notify.next(0ms));  // never READY
  std::string err = fb::test::read_file(dir / "err");
  CHECK(err.find("f.ini:2: [general] mode = \"bridge\"") != std::string::npos);
  CHECK(err.find("not starting") != std::string::npos);
}

TEST_CASE("lifecycle: READY and WATCHDOG reach the notify socket, SIGHUP reloads, SIGTERM exits 0") {
  TempDir dir;
  NotifyListener notify(dir / "notify");
  std::string ini = dir / "failberry.ini";
  TestConfig config;
  write_file(ini, config.text);
  // WATCHDOG_USEC=400ms: keep-alives are due every 200 ms.
  Process daemon({kDaemon, "--config", ini}, {{notify.env(), "WATCHDOG_USEC=400000"}, {}, dir / "err"});

  REQUIRE(notify.wait_for("READY=1", 10s));
  CHECK(notify.seen().back().find("STATUS=backup-gateway mode, uplinks: wired(fbt-none0) cellular(ppp0), dry-run") !=
        std::string::npos);
  REQUIRE(notify.wait_for("WATCHDOG=1", 2s));
  REQUIRE(notify.wait_for("WATCHDOG=1", 2s));
  auto status = fb::test::http_get("127.0.0.1", config.port, "/status");
  REQUIRE(status);
  CHECK(status->status == 200);
  CHECK(status->body.find("\"name\": \"cellular\"") != std::string::npos);
  CHECK(status->body.find("\"dry_run\": true") != std::string::npos);

  SUBCASE("a bad file on SIGHUP keeps the running config") {
    write_file(ini, "[general]\nmode = bridge\n");
    daemon.signal(SIGHUP);
    REQUIRE(notify.wait_for("RELOADING=1", 5s));
    CHECK(notify.seen().back().find("MONOTONIC_USEC=") != std::string::npos);
    REQUIRE(notify.wait_for("READY=1", 5s));
    CHECK(notify.seen().back().find("reload refused") != std::string::npos);
    CHECK(daemon.running());
    REQUIRE(notify.wait_for("WATCHDOG=1", 2s));  // still alive and kept alive
    auto after = fb::test::http_get("127.0.0.1", config.port, "/status");
    REQUIRE(after);
    CHECK(after->body.find("\"reloads_refused\": 1") != std::string::npos);
  }
  SUBCASE("a good file on SIGHUP is applied") {
    std::string changed = config.text + "\n[uplink.dsl]\ninterface = eth1\ngateway = 10.1.1.1\npriority = 30\n";
    write_file(ini, changed);
    daemon.signal(SIGHUP);
    REQUIRE(notify.wait_for("RELOADING=1", 5s));
    REQUIRE(notify.wait_for("READY=1", 5s));
    CHECK(notify.seen().back().find("dsl(eth1)") != std::string::npos);
    auto after = fb::test::http_get("127.0.0.1", config.port, "/health/dsl");
    REQUIRE(after);
    CHECK(after->status == 503);  // known uplink, tracked now: there is no eth1 here
    CHECK(after->body.rfind("failberry FAIL uplink=dsl state=", 0) == 0);
  }
  SUBCASE("a reload moving the endpoint to a taken port keeps the old endpoint") {
    fb::test::HttpConnection squatter_probe("127.0.0.1", config.port);
    REQUIRE(squatter_probe.connected());  // the daemon listens here now
    unsigned short taken = fb::test::free_tcp_port();
    int squatter = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(taken);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(squatter, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(squatter, 1) == 0);
    std::string moved = config.text;
    moved.replace(moved.find("port = "), std::string::npos, "port = " + std::to_string(taken) + "\n");
    write_file(ini, moved);
    daemon.signal(SIGHUP);
    REQUIRE(notify.wait_for("READY=1", 5s));
    auto still = fb::test::http_get("127.0.0.1", config.port, "/health/wired");
    ::close(squatter);
    REQUIRE(still);
    CHECK(still->status == 503);
    std::string err_now = fb::test::read_file(dir / "err");
    CHECK(err_now.find("health endpoint: cannot listen on 127.0.0.1:" + std::to_string(taken)) != std::string::npos);
    CHECK(err_now.find("kept the previous listen settings") != std::string::npos);
  }

  daemon.signal(SIGTERM);
  CHECK(notify.wait_for("STOPPING=1", 5s));
  CHECK(daemon.wait(10s) == 0);
  std::string err = fb::test::read_file(dir / "err");
  CHECK(err.find("failberryd: received SIGTERM, shutting down") != std::string::npos);
  CHECK(err.find("failberryd: stopped") != std::string::npos);
}

TEST_CASE("failberryd refuses to start when the health port is taken") {
  TempDir dir;
  TestConfig config;
  int squatter = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(config.port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(squatter, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  REQUIRE(::listen(squatter, 1) == 0);
  write_file(dir / "f.ini", config.text);
  Process daemon({kDaemon, "--config", dir / "f.ini"}, {{}, {}, dir / "err"});
  auto code = daemon.wait(10s);
  ::close(squatter);
  CHECK(code == 1);
  std::string err = fb::test::read_file(dir / "err");
  CHECK(err.find("cannot listen on 127.0.0.1:" + std::to_string(config.port) + ": Address already in use") !=
        std::string::npos);
  CHECK(err.find("not starting: the health endpoint cannot listen") != std::string::npos);
}

TEST_CASE("journal format: <N> priority prefixes when JOURNAL_STREAM names stderr") {
  TempDir dir;
  std::string ini = dir / "failberry.ini";
  write_file(ini, "[general]\nmode = bridge\n");
  // JOURNAL_STREAM must match stderr's device:inode; the error file is stderr.
  write_file(dir / "err", "");
  struct stat st {};
  REQUIRE(::stat((dir / "err").c_str(), &st) == 0);
  std::string stream = "JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  {
    // Opened with O_TRUNC on the same inode, so the identity holds.
    Process daemon({kDaemon, "--config", ini}, {{stream}, {}, dir / "err"});
    CHECK(daemon.wait(10s) == 1);
  }
  std::string err = fb::test::read_file(dir / "err");
  CHECK(err.rfind("<3>failberryd: ", 0) == 0);
  {
    Process daemon({kDaemon, "--config", ini}, {{"JOURNAL_STREAM=1:1"}, {}, dir / "err"});
    CHECK(daemon.wait(10s) == 1);
  }
  err = fb::test::read_file(dir / "err");
  CHECK(err.find(" error failberryd: ") != std::string::npos);  // plain: timestamp and level word
  CHECK(err.find("<3>") == std::string::npos);
}
