// LldpReader against a real child process: a stand-in lldpcli (the other
// end; it records its arguments and answers as told) spawned, read and
// reaped for real on an io_context with real timers. No root needed. The
// real lldpd pair is in tests/failover/e2e_test.sh (lldp).
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "fb/core/asio_timers.hpp"
#include "fb/core/lldp_reader.hpp"
#include "log_capture.hpp"
#include "process.hpp"

using fb::core::LldpReader;
using fb::core::LldpReaderSettings;
using namespace std::chrono_literals;

namespace {

struct Rig {
  using Duration = fb::Duration;
  fb::test::TempDir dir;
  std::string socket = dir / "lldpd.socket";
  std::string cli = dir / "lldpcli";
  // A stand-in lldpcli: `body` after it records its arguments.
  void program(const std::string& body) {
    fb::test::write_file(cli, "#!/bin/sh\necho \"$@\" > '" + (dir / "called") + "'\n" + body, 0700);
  }
  // Reads once (the reader's first read) and returns what it reports.
  fb::health::LldpReport read_once(Duration timeout = 2s) {
    boost::asio::io_context io;
    fb::core::AsioTimerService timers(io);
    LldpReaderSettings s;
    s.socket = socket;
    s.lldpcli = cli;
    s.interval = 1h;
    s.timeout = timeout;
    LldpReader reader(io, timers, s);
    reader.start();
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (reader.reads() == 0 && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    REQUIRE(reader.reads() == 1);
    return reader.report();
  }
};

const char* kAnswer =
    R"({"lldp": [{"interface": [{"name": "eth0", "chassis": [{"name": [{"value": "sw1"}]}], "port": [{"descr": )"
    R"([{"value": "Gi0/7"}]}], "vlan": [{"vlan-id": "10", "pvid": true}]}]}]})";

}  // namespace

TEST_CASE("no lldpcli: no LLDP agent, said why") {
  Rig rig;
  fb::test::write_file(rig.socket, "");
  auto r = rig.read_once();
  CHECK_FALSE(r.agent);
  CHECK(r.error == "no LLDP agent: " + rig.cli + " is not installed (Debian package lldpd)");
  CHECK(r.neighbors.empty());
}

TEST_CASE("no lldpd socket: no LLDP agent, and lldpcli is not even started") {
  Rig rig;
  rig.program("exit 0\n");
  auto r = rig.read_once();
  CHECK_FALSE(r.agent);
  CHECK(r.error == "no LLDP agent: lldpd is not running (no socket " + rig.socket + ")");
  CHECK_FALSE(std::filesystem::exists(rig.dir / "called"));
}

TEST_CASE("lldpcli's answer: the neighbours, asked for in json0 on the configured socket") {
  Rig rig;
  fb::test::write_file(rig.socket, "");
  rig.program(std::string("cat <<'EOF'\n") + kAnswer + "\nEOF\n");
  auto r = rig.read_once();
  CHECK(r.agent);
  CHECK(r.error.empty());
  REQUIRE(r.neighbors.size() == 1);
  CHECK(r.neighbors[0].system_name == "sw1");
  CHECK(r.neighbors[0].port_description == "Gi0/7");
  CHECK(r.neighbors[0].pvid == 10);
  CHECK(r.read_age_seconds == 0);
  CHECK(fb::test::read_file(rig.dir / "called") == "-u " + rig.socket + " -f json0 show neighbors details\n");
  CHECK(fb::test::no_child_left());
}

TEST_CASE("lldpcli that fails, hangs or answers nonsense: no neighbours, and why") {
  struct Row {
    const char* what;
    const char* body;
    const char* error;
  };
  const Row rows[] = {
      {"exits 1", "echo 'Error: unable to connect to lldpd daemon'; exit 1\n",
       "lldpcli exited with status 1: Error: unable to connect to lldpd daemon"},
      {"nonsense", "echo 'hello'\n", "lldpcli's answer was not used: LLDP_BAD_JSON: lldpcli's answer is not JSON"},
      {"plain json", "echo '{\"lldp\": {}}'\n",
       "lldpcli's answer was not used: LLDP_BAD_SHAPE: no \"lldp\" list (is this lldpcli -f json0?)"},
      {"hangs", "exec sleep 30\n", "the LLDP agent did not answer within 300 ms"},
  };
  for (const Row& row : rows) {
    std::string what = row.what;
    CAPTURE(what);
    Rig rig;
    fb::test::write_file(rig.socket, "");
    rig.program(row.body);
    auto started = std::chrono::steady_clock::now();
    auto r = rig.read_once(300ms);
    CHECK(r.agent);
    CHECK(r.error == row.error);
    CHECK(r.neighbors.empty());
    CHECK(std::chrono::steady_clock::now() - started < 5s);  // a hang is cut, not waited out
    CHECK(fb::test::no_child_left());
  }
}
