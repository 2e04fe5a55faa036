// failberryctl against a running failberryd (dry-run) for every verb, and
// its Nagios `check` exit codes — OK and WARNING against a scripted control
// socket, since this build tracks no uplink health yet. No root needed.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "../health/http_client.hpp"
#include "notify_listener.hpp"
#include "process.hpp"

using namespace std::chrono_literals;
using fb::test::run;

namespace {
const std::string kDaemon = FB_FAILBERRYD;
const std::string kCtl = FB_FAILBERRYCTL;

// A daemon on a private control socket and HTTP port.
struct RunningDaemon {
  fb::test::TempDir dir;
  unsigned short port = fb::test::free_tcp_port();
  std::string socket = dir / "control.sock";
  fb::test::NotifyListener notify{dir / "notify"};
  std::unique_ptr<fb::test::Process> process;

  // Uplinks are tracked: their interfaces (fbt-none0, ppp0) do not exist
  // here, so both are down whatever this host's own links are.
  // `extra`: more INI lines, at the end; `general`, `cellular`: more lines in those sections.
  explicit RunningDaemon(const std::string& extra = "", const std::string& general = "",
                         const std::string& cellular = "") {
    fb::test::write_file(dir / "f.ini",
                         "[general]\ndry_run = true\ncontrol_socket = " + socket + "\n" + general +
                             "[modem]\napn = internet\n"
                             "[uplink.wired]\ninterface = fbt-none0\ngateway = 192.168.1.1\npriority = 20\n"
                             "[uplink.cellular]\ninterface = ppp0\nkind = ppp\npriority = 10\n" +
                             cellular + "[health]\nlisten = 127.0.0.1\nport = " + std::to_string(port) + "\n" + extra);
    process = std::make_unique<fb::test::Process>(std::vector<std::string>{kDaemon, "--config", dir / "f.ini"},
                                                  fb::test::SpawnOptions{{notify.env()}, {}, dir / "err"});
    REQUIRE(notify.wait_for("READY=1", 10s));
  }
  fb::test::RunResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {kCtl, "--socket", socket});
    return run(args);
  }
};

// Serves exactly one control request with `reply` on a unix socket.
class ScriptedControl {
 public:
  ScriptedControl(const std::string& path, nlohmann::json reply) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    thread_ = std::thread([this, reply] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[512];
      (void)::recv(c, buf, sizeof buf, 0);
      std::string out = reply.dump() + "\n";
      (void)::send(c, out.data(), out.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~ScriptedControl() {
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
};

nlohmann::json status_with(std::vector<std::pair<std::string, bool>> uplinks) {
  nlohmann::json s = {{"ok", true}, {"status", {{"uplinks", nlohmann::json::array()}}}};
  for (auto& [name, healthy] : uplinks)
    s["status"]["uplinks"].push_back(
        {{"name", name}, {"healthy", healthy}, {"drained", false}, {"state", healthy ? "up" : "down"}});
  return s;
}
}  // namespace

TEST_CASE("status, status --json and the control socket's permissions") {
  RunningDaemon d;
  struct stat st {};
  REQUIRE(::stat(d.socket.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);

  auto r = d.ctl({"status"});
  CHECK(r.code == 0);
  CHECK(r.output.find("backup-gateway mode (dry-run)") != std::string::npos);
  CHECK(r.output.find("UPLINK       INTERFACE  KIND      STATE     HEALTH") != std::string::npos);
  // Tracked now: there is no ppp0 here, so the cellular uplink is down.
  CHECK(r.output.find("cellular     ppp0       ppp       down      fail") != std::string::npos);

  r = d.ctl({"status", "--json"});
  CHECK(r.code == 0);
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["uplinks"].size() == 2);
}

TEST_CASE("status shows an IPv6 uplink's state and what stands in its way; IPv4-only uplinks show none") {
  RunningDaemon d("", "", "ipv6 = true\n");
  std::string line =
      "  IPv6 cellular: no-address, addresses none, router none; NO_IPV6_ADDRESS: no global IPv6 "
      "address on ppp0";
  auto r = d.ctl({"status"});  // READY comes after the uplinks were read
  CHECK(r.code == 0);
  CHECK_MESSAGE(r.output.find(line) != std::string::npos, r.output);
  CHECK(r.output.find("IPv6 wired") == std::string::npos);
  auto j = nlohmann::json::parse(d.ctl({"status", "--json"}).output, nullptr, false);
  REQUIRE(j.is_object());
  CHECK_FALSE(j["uplinks"][0].contains("ipv6"));
  const auto& v6 = j["uplinks"][1]["ipv6"];
  CHECK(v6["state"] == "no-address");
  CHECK(v6["addresses"] == nlohmann::json::array());
  CHECK(v6["router"].is_null());
  CHECK(v6["routed"] == false);
  auto metrics = fb::test::http_get("127.0.0.1", d.port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("failberry_uplink_ipv6_ready{uplink=\"cellular\"} 0\n") != std::string::npos);
}

TEST_CASE("status and /metrics: a line per uplink family with probe targets, before its first round") {
  // ppp0 does not exist here: the cellular uplink is down and probes nothing.
  RunningDaemon d("", "", "ipv6 = true\nprobe_targets = 192.0.2.1, 2001:db8::1, 2001:db8::2\n");
  auto r = d.ctl({"status"});
  CHECK(r.code == 0);
  CHECK_MESSAGE(r.output.find("\n  probes cellular ipv4: no round finished yet, required\n"
                              "  probes cellular ipv6: no round finished yet, not required\n") != std::string::npos,
                r.output);
  CHECK(r.output.find("probes wired") == std::string::npos);  // no probe targets there
  auto metrics = fb::test::http_get("127.0.0.1", d.port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("failberry_uplink_probe_targets{uplink=\"cellular\",family=\"ipv6\"} 2\n") !=
        std::string::npos);
  CHECK(metrics->body.find("failberry_uplink_probe_required{uplink=\"cellular\",family=\"ipv4\"} 1\n") !=
        std::string::npos);
  CHECK(metrics->body.find("failberry_uplink_probe_required{uplink=\"cellular\",family=\"ipv6\"} 0\n") !=
        std::string::npos);
  CHECK(metrics->body.find("failberry_uplink_probe_answered{") == std::string::npos);
  CHECK(metrics->body.find("failberry_uplink_probe_targets{uplink=\"wired\"") == std::string::npos);
}

TEST_CASE("status: each probe family's last round in words, with why it was short") {
  fb::test::TempDir dir;
  std::string socket = dir / "fake.sock";
  nlohmann::json s = status_with({{"wired", true}, {"cellular", true}});
  s["status"]["config"] = {{"reloads", 0}, {"reloads_refused", 0}};  // the daemon always sends it
  auto family = [](int targets, bool required, int probed, int answered, bool ok, const char* reason) {
    return nlohmann::json{{"targets", targets}, {"required", required}, {"probed", probed}, {"answered", answered},
                          {"ok", ok},           {"reason", reason}};
  };
  s["status"]["uplinks"][0]["probes"] = {
      {"families",
       {{"ipv4", family(2, true, 2, 2, true, "")}, {"ipv6", family(2, true, 2, 1, false, "timeout after 500 ms")}}}};
  s["status"]["uplinks"][1]["probes"] = {
      {"families",
       {{"ipv6", family(1, false, 0, 0, false, "not probed: no usable IPv6 (NO_IPV6_ROUTER: no router)")}}}};
  ScriptedControl fake(socket, s);
  auto r = run({kCtl, "--socket", socket, "status"});
  CHECK(r.code == 0);
  CHECK_MESSAGE(r.output.find("  probes wired ipv4: 2 of 2 answered, required, ok\n"
                              "  probes wired ipv6: 1 of 2 answered, required, too few; timeout after 500 ms\n"
                              "  probes cellular ipv6: 0 of 1 answered (0 probed), not required, too few; not "
                              "probed: no usable IPv6 (NO_IPV6_ROUTER: no router)\n") != std::string::npos,
                r.output);
}

TEST_CASE(
    "status shows a budget's used, left and cycle end from its record; a broken record as unknown until a reload") {
  fb::test::TempDir state;
  std::string record = state / "budget.json";
  // Recorded this cycle (a start no earlier than the cycle's own: nothing is reset).
  fb::test::write_file(record, R"({"version": 1, "uplinks": {"cellular": {"cycle_start": )" +
                                   std::to_string(std::time(nullptr)) +
                                   R"(, "used_bytes": 120000, "last_rx": 0, "last_tx": 0, "interface": "fbt-gone0",
                                   "notified": "ok"}}})");
  const std::string general = "state_dir = " + state.path() + "\n";
  const std::string cellular = "budget = 300kB\nbudget_action = stop\n";
  {
    RunningDaemon d("", general, cellular);
    auto r = d.ctl({"status"});
    CHECK(r.code == 0);
    CHECK_MESSAGE(r.output.find("  budget cellular: ok, 120.0 kB used of 300.0 kB, 180.0 kB left, cycle ends ") !=
                      std::string::npos,
                  r.output);
    CHECK(r.output.find("; at the limit: stop\n") != std::string::npos);
    auto j = nlohmann::json::parse(d.ctl({"status", "--json"}).output, nullptr, false);
    REQUIRE(j.is_object());
    const auto& b = j["uplinks"][1]["budget"];
    CHECK(b["used_bytes"] == 120000);
    CHECK(b["left_bytes"] == 180000);
    CHECK(b["state"] == "ok");
    CHECK(b["cycle_end"].get<std::int64_t>() > std::time(nullptr));
    CHECK_FALSE(j["uplinks"][0].contains("budget"));
  }
  const std::string broken = "{\"version\": 1, \"uplinks\": {\"cellular\": {\"used_bytes\": \"lots\"}}}";
  fb::test::write_file(record, broken);
  {
    RunningDaemon d("", general, cellular);
    auto r = d.ctl({"status"});
    CHECK_MESSAGE(r.output.find("  budget cellular: unknown of 300.0 kB, cycle ends ") != std::string::npos, r.output);
    CHECK(r.output.find("limit applied: stop\n") != std::string::npos);
    CHECK(r.output.find("    record: cannot read " + record + ": uplink \"cellular\": \"used_bytes\" is missing") !=
          std::string::npos);
    auto j = nlohmann::json::parse(d.ctl({"status", "--json"}).output, nullptr, false);
    CHECK(j["uplinks"][1]["budget"]["state"] == "unknown");
    CHECK(j["uplinks"][1]["budget"]["limited"] == true);
    CHECK(j["uplinks"][1]["budget"]["used_bytes"].is_null());

    // Removed by hand and reloaded: the record is read again, a fresh count starts, the limit lifts.
    std::ifstream in(record);
    std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(kept == broken);  // never taken as 0 bytes and written over
    REQUIRE(std::remove(record.c_str()) == 0);
    d.process->signal(SIGHUP);
    REQUIRE(fb::test::wait_for_text(d.dir / "err", "reloaded: ", 10s));
    auto now = nlohmann::json::parse(d.ctl({"status", "--json"}).output, nullptr, false);
    REQUIRE(now.is_object());
    const nlohmann::json& budget = now["uplinks"][1]["budget"];
    CHECK(budget["state"] == "ok");
    CHECK(budget["limited"] == false);
    CHECK(budget["used_bytes"] == 0);
    CHECK(budget["record_problem"] == "");
  }
}

TEST_CASE("a budget record that cannot be written: /status says so, the count goes on") {
  fb::test::TempDir state;
  // The temporary file of the atomic write cannot be created where a directory stands.
  REQUIRE(::mkdir((state / "budget.json.tmp").c_str(), 0700) == 0);
  RunningDaemon d("", "state_dir = " + state.path() + "\n", "budget = 300kB\n");
  REQUIRE(fb::test::wait_for_text(d.dir / "err", "cannot write the data budget record", 10s));
  auto j = nlohmann::json::parse(d.ctl({"status", "--json"}).output, nullptr, false);
  REQUIRE(j.is_object());
  const nlohmann::json& budget = j["uplinks"][1]["budget"];
  CHECK(budget["record_problem"] == "cannot write " + (state / "budget.json.tmp") + ": Is a directory");
  CHECK(budget["state"] == "ok");  // counted in memory: not unknown
  CHECK(budget["used_bytes"] == 0);
  CHECK(d.ctl({"status"}).output.find("    record: cannot write " + (state / "budget.json.tmp")) != std::string::npos);
}

TEST_CASE("host health: the real host's facts in status --json, /metrics and failberryctl's host line") {
  RunningDaemon d("");
  // What this host says, read here independently of the daemon.
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  while (meminfo >> key && key != "MemTotal:") meminfo.ignore(1 << 10, '\n');
  REQUIRE(static_cast<bool>(meminfo >> kib));

  auto j = nlohmann::json::parse(d.ctl({"status", "--json"}).output, nullptr, false);
  REQUIRE(j.contains("host"));
  const auto& h = j["host"];
  CHECK(h["memory"]["total_bytes"].get<std::uint64_t>() == kib * 1024);
  REQUIRE(h["filesystems"].size() == 2);  // / and [general] state_dir (the default one need not exist)
  CHECK(h["filesystems"][0]["role"] == "root");
  CHECK(h["filesystems"][0]["size_bytes"].get<std::uint64_t>() > 0);
  CHECK(h["filesystems"][1]["role"] == "data");
  CHECK(h["boot_id"].is_string());
  CHECK(h["load"].size() == 3);
  CHECK(h["root_readonly"].is_boolean());
  CHECK(h["unknown"].is_object());

  auto metrics = fb::test::http_get("127.0.0.1", d.port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("failberry_node_memory_MemTotal_bytes " + std::to_string(kib * 1024) + "\n") !=
        std::string::npos);
  CHECK(metrics->body.find("failberry_node_filesystem_size_bytes{mountpoint=\"/\",role=\"root\"} ") !=
        std::string::npos);
  CHECK(metrics->body.find("failberry_node_boot_time_seconds ") != std::string::npos);

  auto r = d.ctl({"status"});
  CHECK(r.code == 0);
  CHECK(r.output.find("\nhost: disk / ") != std::string::npos);
  CHECK(r.output.find(" free of ") != std::string::npos);
}

TEST_CASE("the host line: throttling in words, a read-only root, unknowns as ?") {
  fb::test::TempDir dir;
  std::string socket = dir / "fake.sock";
  nlohmann::json s = status_with({{"wired", true}});
  s["status"]["config"] = {{"reloads", 0}, {"reloads_refused", 0}};  // the daemon always sends it
  s["status"]["host"] = {
      {"filesystems",
       {{{"role", "root"}, {"path", "/"}, {"size_bytes", 32.0 * (1 << 30)}, {"used_percent", 75.4}, {"readonly", true}},
        {{"role", "data"}, {"path", "/var/lib/failberry"}, {"size_bytes", nullptr}, {"used_percent", nullptr}}}},
      {"memory", {{"total_bytes", 4.0 * (1 << 30)}, {"available_bytes", 1.5 * (1 << 30)}}},
      {"load", {0.5, 0.25, 1.5}},
      {"cpu_temperature_celsius", 81.25},
      {"throttled", {{"raw", "0x50005"}, {"flags", {"under_voltage_now", "under_voltage_occurred"}}}},
      {"root_readonly", true}};
  {
    ScriptedControl fake(socket, s);
    auto r = run({kCtl, "--socket", socket, "status"});
    CHECK(r.code == 0);
    CHECK(r.output.find("host: disk / 75% used of 32.0 GiB (read-only), data /var/lib/failberry ?, memory 1.5 GiB free "
                        "of 4.0 GiB, load 0.50 0.25 1.50, CPU 81.2 C, THROTTLING: under voltage now, under voltage "
                        "occurred, ROOT FILE SYSTEM READ-ONLY (SD card failing?)\n") != std::string::npos);
  }
  s["status"]["host"] = {{"filesystems", nlohmann::json::array()},
                         {"memory", nullptr},
                         {"load", nullptr},
                         {"cpu_temperature_celsius", nullptr},
                         {"throttled", {{"raw", "0x0"}, {"flags", nlohmann::json::array()}}},
                         {"root_readonly", false}};
  {
    ScriptedControl fake(socket, s);
    auto r = run({kCtl, "--socket", socket, "status"});
    CHECK(r.code == 0);
    CHECK(r.output.find("host: memory ?, load ?, CPU temperature ?, not throttled\n") != std::string::npos);
  }
}

TEST_CASE("import-wvdial: the INI it prints passes failberryd --check-config; no file written; bad input exit 1") {
  fb::test::TempDir dir;
  // A Pi's wvdial.conf with two carriers (the kind ORIGIN.md describes, plus a second SIM).
  fb::test::write_file(dir / "wvdial.conf",
                       "[Dialer Defaults]\n"
                       "Init1 = ATZ\n"
                       "Init2 = ATQ0 V1 E1 S0=0 &C1 &D2 +FCLASS=0\n"
                       "Init3 = AT+CGDCONT=1,\"IP\",\"direct\"\n"
                       "Stupid Mode = 1\n"
                       "Phone = *99#\n"
                       "Modem = /dev/ttyUSB2\n"
                       "Username = web\n"
                       "Password = hunter2\n"
                       "Baud = 460800\n"
                       "\n[Dialer telekom]\n"
                       "Init3 = AT+CGDCONT=1,\"IPV4V6\",\"internet.telekom\"\n"
                       "Username = ''\n"
                       "Password = ''\n");
  std::string secret = dir / "ppp.secret";
  auto r = run({kCtl, "import-wvdial", dir / "wvdial.conf", "--credentials-file", secret});
  REQUIRE(r.code == 0);
  CHECK(r.output.find("\napn = direct\npdp_type = ipv4\n") != std::string::npos);  // "IP", written out
  CHECK(r.output.find("\ndevice = /dev/ttyUSB2\n") != std::string::npos);
  CHECK(r.output.find("# not mapped: Baud = 460800 (") != std::string::npos);
  CHECK(r.output.find("hunter2") == std::string::npos);
  fb::test::write_file(dir / "imported.ini", r.output);
  // Without the secret file the daemon refuses it (fail closed), with it the INI is valid.
  auto check = run({kDaemon, "--check-config", dir / "imported.ini"});
  CHECK(check.code == 1);
  CHECK(check.output.find("credentials_file") != std::string::npos);
  fb::test::write_file(secret, "user web\npassword hunter2\n", 0600);
  check = run({kDaemon, "--check-config", dir / "imported.ini"});
  CHECK(check.code == 0);
  CHECK(check.output.find("OK (1 uplink: cellular)") != std::string::npos);

  r = run({kCtl, "import-wvdial", "--section", "telekom", dir / "wvdial.conf"});
  REQUIRE(r.code == 0);
  CHECK(r.output.find("\napn = internet.telekom\npdp_type = ipv4v6\n") != std::string::npos);
  fb::test::write_file(dir / "telekom.ini", r.output);
  check = run({kDaemon, "--check-config", dir / "telekom.ini"});
  CHECK(check.code == 0);

  // Only what this test wrote is in the directory: import-wvdial wrote nothing.
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.insert(e.path().filename().string());
  CHECK(names == std::set<std::string>{"wvdial.conf", "ppp.secret", "imported.ini", "telekom.ini"});

  fb::test::write_file(dir / "garbage.conf", std::string("\x7f"
                                                         "ELF\x02\x01\x01\0\0\0\xff",
                                                         11));
  fb::test::write_file(dir / "noapn.conf", "[Dialer Defaults]\nModem = /dev/ttyUSB0\nPhone = *99#\n");
  struct Row {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  for (const Row& row : {
           Row{{"import-wvdial", dir / "missing.conf"},
               1,
               "failberryctl: cannot read " + (dir / "missing.conf") + ": No such file or directory\n"},
           Row{{"import-wvdial", dir / "garbage.conf"},
               1,
               "failberryctl: " + (dir / "garbage.conf") +
                   ":1: control characters or bytes that are not UTF-8: not a wvdial.conf\n"},
           Row{{"import-wvdial", dir / "noapn.conf"},
               1,
               "failberryctl: " + (dir / "noapn.conf") +
                   ": [Dialer Defaults] (with what it inherits) has no Init string with +CGDCONT=1,\"IP\",\"APN\": "
                   "failberry needs the APN ([modem] apn)\n"},
           Row{{"import-wvdial", dir / "wvdial.conf", "--section", "vodafone"},
               1,
               "failberryctl: " + (dir / "wvdial.conf") +
                   ": no [Dialer vodafone]; its dialers: Defaults, telekom (--section NAME)\n"},
           Row{{"import-wvdial"}, 2, "failberryctl: bad command line\n"},
           Row{{"import-wvdial", dir / "wvdial.conf", "--section"}, 2, "failberryctl: bad command line\n"},
       }) {
    std::vector<std::string> argv{kCtl};
    argv.insert(argv.end(), row.args.begin(), row.args.end());
    auto bad = run(argv);
    CAPTURE(bad.output);
    CHECK(bad.code == row.code);
    CHECK(bad.output.rfind(row.message, 0) == 0);
  }
}

TEST_CASE("drain and undrain change what /health answers; unknown uplinks are refused") {
  RunningDaemon d;
  auto r = d.ctl({"drain", "wired"});
  CHECK(r.code == 0);
  CHECK(r.output == "uplink wired now answers 503 on /health\n");
  auto health = fb::test::http_get("127.0.0.1", d.port, "/health/wired");
  REQUIRE(health);
  CHECK(health->body == "failberry FAIL uplink=wired state=down drained\n");
  CHECK(d.ctl({"status"}).output.find("wired        fbt-none0  ethernet  down      drained") != std::string::npos);

  CHECK(d.ctl({"undrain", "wired"}).code == 0);
  CHECK(fb::test::http_get("127.0.0.1", d.port, "/health/wired")->body == "failberry FAIL uplink=wired state=down\n");

  r = d.ctl({"drain", "dsl"});
  CHECK(r.code == 1);
  CHECK(r.output == "failberryctl: UNKNOWN_UPLINK: no uplink named 'dsl'\n");
  CHECK(fb::test::read_file(d.dir / "err").find("control: drain uplink[wired]") != std::string::npos);
}

TEST_CASE("without a modem the modem verbs are refused by the ladder, never faked") {
  RunningDaemon d;
  // reset-modem goes through the recovery ladder, but there is no modem here.
  auto reset = d.ctl({"reset-modem"});
  CHECK(reset.code == 1);
  CHECK(reset.output.find("failberryctl: NO_MODEM: no modem to reset (absent") == 0);
  auto redial = d.ctl({"redial"});
  CHECK(redial.code == 1);
  CHECK(redial.output.find("failberryctl: NO_MODEM: no modem to dial (absent") == 0);
  auto cycle = d.ctl({"cycle-usb"});
  CHECK(cycle.code == 1);
  CHECK(cycle.output.find("failberryctl: BAD_LOCATION: no USB modem found to power-cycle (absent)") == 0);
  CHECK(d.ctl({"frobnicate"}).code == 2);  // refused by failberryctl itself
}

TEST_CASE("ddns-update without a [ddns] provider is refused by name; status says DDNS: none") {
  RunningDaemon d;
  auto r = d.ctl({"ddns-update"});
  CHECK(r.code == 1);
  CHECK(r.output == "failberryctl: DDNS_NOT_CONFIGURED: [ddns] provider = none: there is nothing to update\n");
  CHECK(d.ctl({"status"}).output.find("\nDDNS: none\n") != std::string::npos);
  auto j = nlohmann::json::parse(d.ctl({"status", "--json"}).output, nullptr, false);
  CHECK(j["ddns"]["provider"] == "none");
}

TEST_CASE("failover goes through the policy: auto is accepted, unknown or dead uplinks are refused") {
  RunningDaemon d;
  auto r = d.ctl({"failover", "auto"});
  CHECK(r.code == 0);
  CHECK(r.output.find("automatic failover") != std::string::npos);
  r = d.ctl({"failover", "dsl"});
  CHECK(r.code == 1);
  CHECK(r.output.find("UNKNOWN_UPLINK") != std::string::npos);
  // No ppp0 exists here, so the cellular uplink is down: no pinning traffic to it.
  r = d.ctl({"failover", "cellular"});
  CHECK(r.code == 1);
  CHECK(r.output.find("UPLINK_DOWN: uplink cellular is down") != std::string::npos);
}

TEST_CASE("the control socket answers malformed requests with BAD_REQUEST") {
  RunningDaemon d;
  for (std::string bad : {"not json\n", "[1,2]\n", "{\"verb\": 7}\n"}) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, d.socket.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::send(fd, bad.data(), bad.size(), 0) == static_cast<ssize_t>(bad.size()));
    char buf[512] = {};
    ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    REQUIRE(n > 0);
    CHECK(std::string(buf).find("\"error\":\"BAD_REQUEST\"") != std::string::npos);
  }
  auto r = d.ctl({"status"});
  CHECK(r.code == 0);  // still serving
}

TEST_CASE("check: CRITICAL from the daemon (nothing healthy), UNKNOWN when it is gone") {
  auto r = [] {
    RunningDaemon d;
    auto critical = d.ctl({"check"});
    CHECK(critical.code == 2);
    CHECK(critical.output ==
          "FAILBERRY CRITICAL - 0/2 uplinks healthy: wired down, cellular down | healthy=0;;;0;2 "
          "'uplink_wired'=0;;;0;1 'uplink_cellular'=0;;;0;1\n");
    d.process->signal(SIGTERM);
    CHECK(d.process->wait(10s) == 0);
    struct stat st {};
    CHECK(::stat(d.socket.c_str(), &st) != 0);  // removed on stop
    return d.ctl({"check"});
  }();
  CHECK(r.code == 3);
  CHECK(r.output.find("FAILBERRY UNKNOWN - cannot reach failberryd at ") == 0);
}

TEST_CASE("check: OK and WARNING with perfdata") {
  fb::test::TempDir dir;
  std::string socket = dir / "scripted.sock";
  {
    ScriptedControl fake(socket, status_with({{"wired", true}, {"cellular", true}}));
    auto r = run({kCtl, "--socket", socket, "check"});
    CHECK(r.code == 0);
    CHECK(r.output ==
          "FAILBERRY OK - 2/2 uplinks healthy | healthy=2;;;0;2 'uplink_wired'=1;;;0;1 'uplink_cellular'=1;;;0;1\n");
  }
  {
    ScriptedControl fake(socket, status_with({{"wired", false}, {"cellular", true}}));
    auto r = run({kCtl, "--socket", socket, "check"});
    CHECK(r.code == 1);
    CHECK(r.output.find("FAILBERRY WARNING - 1/2 uplinks healthy: wired down | healthy=1;;;0;2") == 0);
  }
  {
    ScriptedControl fake(socket, nlohmann::json{{"ok", false}, {"error", "X"}, {"message", "broken"}});
    auto r = run({kCtl, "--socket", socket, "check"});
    CHECK(r.code == 3);
    CHECK(r.output == "FAILBERRY UNKNOWN - broken\n");
  }
}

TEST_CASE("events: the last ones, as text and --json; --follow streams new ones until the daemon stops") {
  fb::test::TempDir hooks_parent;
  std::string hooks = hooks_parent / "hooks.d";
  REQUIRE(::mkdir(hooks.c_str(), 0755) == 0);
  std::string hook_out = hooks_parent / "hook-env";
  fb::test::write_file(hooks + "/10-env", "#!/bin/sh\nenv >> " + hook_out + "\n", 0755);
  RunningDaemon d("[alerts]\nhooks_dir = " + hooks + "\n");

  // A follower from the start: it gets what is kept, then each new event.
  std::string followed = d.dir / "followed";
  fb::test::Process follower({kCtl, "--socket", d.socket, "events", "--follow", "--json"},
                             fb::test::SpawnOptions{{}, followed, d.dir / "follow-err"});
  REQUIRE(fb::test::wait_for_text(d.dir / "err", "control: events: a client follows", 10s));

  d.process->signal(SIGHUP);  // a reload is an event
  REQUIRE(fb::test::wait_for_text(followed, "\"reason\":\"RELOADED\"", 10s));
  auto r = d.ctl({"events", "--json"});
  REQUIRE(r.code == 0);
  std::vector<nlohmann::json> listed;
  for (std::size_t at = 0, end; at < r.output.size(); at = end + 1) {
    end = r.output.find('\n', at);
    auto line = nlohmann::json::parse(r.output.substr(at, end - at), nullptr, false);
    REQUIRE_FALSE(line.is_discarded());
    listed.push_back(line);
  }
  REQUIRE_FALSE(listed.empty());
  const nlohmann::json& reload = listed.back();
  CHECK(reload["event"] == "config_reloaded");
  CHECK(reload["reason"] == "RELOADED");
  CHECK(reload["time"].get<std::string>().size() == 24);  // 2026-12-06T10:02:36.123Z
  CHECK(reload["message"].get<std::string>().rfind("new configuration running: backup-gateway mode", 0) == 0);
  r = d.ctl({"events"});
  CHECK(r.code == 0);
  CHECK(r.output.find(" config_reloaded  new configuration running: ") != std::string::npos);
  auto status = nlohmann::json::parse(d.ctl({"status", "--json"}).output, nullptr, false);
  REQUIRE(status["events"].is_array());
  CHECK(status["events"].back() == reload);

  // A refused reload is an event too; the follower sees it as it happens.
  fb::test::write_file(d.dir / "f.ini", "[general]\nmode = sideways\n");
  d.process->signal(SIGHUP);
  REQUIRE(fb::test::wait_for_text(followed, "\"reason\":\"CONFIG_INVALID\"", 10s));

  // Dry-run runs the hooks too, with FB_DRY_RUN=1 and nothing of the daemon's environment.
  REQUIRE(fb::test::wait_for_text(hook_out, "FB_REASON=CONFIG_INVALID", 10s));
  std::string env = fb::test::read_file(hook_out);
  CHECK(env.find("FB_EVENT=config_reloaded\n") != std::string::npos);
  CHECK(env.find("FB_DRY_RUN=1\n") != std::string::npos);
  CHECK(env.find("NOTIFY_SOCKET=") == std::string::npos);

  CHECK(d.process->wait(0ms) == std::nullopt);
  d.process->signal(SIGTERM);
  CHECK(d.process->wait(10s) == 0);
  CHECK(follower.wait(10s) == 0);  // the stream ended with the daemon
  CHECK(fb::test::read_file(d.dir / "follow-err").find("failberryd closed the stream") != std::string::npos);
}

TEST_CASE("events: bad flags are refused by failberryctl") {
  RunningDaemon d;
  CHECK(d.ctl({"events", "--since", "1h"}).code == 2);
  CHECK(d.ctl({"events", "--json", "--json"}).code == 2);
}
