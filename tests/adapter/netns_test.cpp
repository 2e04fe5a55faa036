// The namespace fixture against the real kernel, and failberryd started in a
// throwaway namespace (the README's main job runs it the same way). Root.
#include <doctest/doctest.h>

#include <net/if.h>

#include <csignal>
#include <stdexcept>

#include "../health/http_client.hpp"
#include "netns.hpp"
#include "notify_listener.hpp"

using namespace std::chrono_literals;
using fb::test::NetNamespace;

namespace {
const fb::test::RootRequired root_required("the namespace adapter tests");
}  // namespace

TEST_CASE("a fresh namespace has only loopback, up, and is isolated from the host") {
  NetNamespace ns;
  auto r = ns.exec({"ip", "-o", "link", "show"});
  REQUIRE(r.code == 0);
  CHECK(r.output.find("1: lo:") != std::string::npos);
  CHECK(r.output.find("2: ") == std::string::npos);
  CHECK(r.output.find("UP") != std::string::npos);
  // A veth pair made inside is invisible outside.
  REQUIRE(ns.exec({"ip", "link", "add", "fbt-a", "type", "veth", "peer", "name", "fbt-b"}).code == 0);
  CHECK(ns.exec({"ip", "link", "show", "fbt-a"}).code == 0);
  CHECK(fb::test::run({"ip", "link", "show", "fbt-a"}).code != 0);
  {
    NetNamespace::Enter inside(ns);  // this thread's own netlink view
    CHECK(if_nametoindex("fbt-b") != 0);
  }
  CHECK(if_nametoindex("fbt-b") == 0);
}

TEST_CASE("the namespace is removed when the test using it fails") {
  std::string name;
  try {
    NetNamespace ns;
    name = ns.name();
    REQUIRE(fb::test::netns_exists(name));
    throw std::runtime_error("simulated test failure");
  } catch (const std::runtime_error&) {
  }
  CHECK_FALSE(name.empty());
  CHECK_FALSE(fb::test::netns_exists(name));
}

TEST_CASE("failberryd runs in dry-run inside a throwaway namespace and stops cleanly") {
  NetNamespace ns;
  fb::test::TempDir dir;
  fb::test::NotifyListener notify(dir / "notify");
  // The shipped example, with the control socket moved to a private path.
  std::string config = fb::test::read_file(std::string(FB_SOURCE_DIR) + "/image/overlay/etc/failberry/failberry.ini");
  const std::string line = "#control_socket = /run/failberry/control.sock";
  REQUIRE(config.find(line) != std::string::npos);
  config.replace(config.find(line), line.size(), "control_socket = " + dir / "control.sock");
  fb::test::write_file(dir / "failberry.ini", config);
  fb::test::Process daemon(ns.wrap({FB_FAILBERRYD, "--dry-run", "--config", dir / "failberry.ini"}),
                           {{notify.env()}, {}, dir / "err"});
  REQUIRE(notify.wait_for("READY=1", 10s));
  CHECK(notify.seen().back().find("dry-run") != std::string::npos);
  {
    // The example config listens on 0.0.0.0 and :: port 9000 — inside the namespace only.
    NetNamespace::Enter inside(ns);
    auto status = fb::test::http_get("127.0.0.1", 9000, "/status");
    REQUIRE(status);
    CHECK(status->status == 200);
    CHECK(status->body.find("\"mode\": \"backup-gateway\"") != std::string::npos);
    auto wired = fb::test::http_get("127.0.0.1", 9000, "/health/wired");
    REQUIRE(wired);
    CHECK(wired->status == 503);  // no uplink is tracked yet: never claim health
  }
  auto host = fb::test::http_get("127.0.0.1", 9000, "/status");  // the host namespace does not see it
  CHECK((!host || host->body.find("backup-gateway") == std::string::npos));
  daemon.signal(SIGTERM);  // ip netns exec execs failberryd: the pid is the daemon's
  CHECK(daemon.wait(10s) == 0);
  CHECK(fb::test::read_file(dir / "err").find("stopped") != std::string::npos);
}
