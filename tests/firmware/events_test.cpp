// HookRunner and EventBus with real hooks: executables in a temp dir run by
// fb::ChildProcess on a real io_context (no root needed, except to give a
// hook another owner).
#include <sys/stat.h>
#include <unistd.h>

#include <utility>
//
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "fb/core/asio_timers.hpp"
#include "fb/core/event_bus.hpp"
#include "fb/core/hook_runner.hpp"
#include "io_wait.hpp"
#include "log_capture.hpp"
#include "process.hpp"

using namespace std::chrono_literals;
using fb::Event;
using fb::EventKind;
using fb::core::EventBus;
using fb::core::HookRunner;
using fb::core::HookSettings;

namespace {

Event event(EventKind kind, std::string message = "something happened") {
  Event e;
  e.kind = kind;
  e.time = std::chrono::system_clock::time_point(1796551356123ms);
  e.uplink = "cellular";
  e.from = "wired";
  e.to = "cellular";
  e.reason = "CARRIER_LOST";
  e.duration = 1500ms;
  e.message = std::move(message);
  return e;
}

struct Rig {
  fb::test::LogCapture log;
  boost::asio::io_context io;
  fb::core::AsioTimerService timers{io};
  fb::test::TempDir tmp;
  std::string dir = tmp / "hooks.d";
  std::string trail = tmp / "trail";  // each hook appends "NAME EVENT"
  HookSettings settings;
  std::unique_ptr<HookRunner> runner;

  Rig() {
    std::filesystem::create_directory(dir);
    ::chmod(dir.c_str(), 0755);
    settings.dir = dir;
    settings.timeout = 5s;
    settings.kill_grace = 300ms;
    runner = std::make_unique<HookRunner>(io, timers, settings);
  }
  // A /bin/sh hook that first appends its name and event to the trail.
  void hook(const std::string& name, const std::string& body, unsigned mode = 0755) {
    std::string path = dir + "/" + name;
    fb::test::write_file(path, "#!/bin/sh\necho \"" + name + " $FB_EVENT\" >> " + trail + "\n" + body + "\n", mode);
    ::chmod(path.c_str(), mode);
  }
  bool run_idle(std::chrono::milliseconds limit = 20s) {
    return fb::test::run_until(
        io, [&] { return runner->idle(); }, limit);
  }
  std::vector<std::string> trail_lines() const {
    std::vector<std::string> out;
    std::string text = std::filesystem::exists(trail) ? fb::test::read_file(trail) : "";
    for (std::size_t at = 0; at < text.size();) {
      std::size_t end = text.find('\n', at);
      out.push_back(text.substr(at, end - at));
      at = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
  }
  std::size_t log_count(const std::string& needle) const {
    return static_cast<std::size_t>(std::count_if(
        log.lines.begin(), log.lines.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
  }
};

}  // namespace

TEST_CASE("hooks run in name order, one event after the other, with a clean FB_* environment") {
  Rig rig;
  rig.hook("20-second", "");
  rig.hook("10-first", "env | LC_ALL=C sort > " + rig.tmp / "env.$FB_EVENT");
  fb::test::write_file(rig.dir + "/README", "not a hook: no execute bit\n", 0644);
  rig.hook(".hidden", "");
  rig.hook("10-first~", "");  // an editor's backup
  ::setenv("FB_HOOK_TEST_LEAK", "daemon's", 1);
  rig.runner->enqueue(event(EventKind::failover, "default route wired -> cellular"));
  rig.runner->enqueue(event(EventKind::failback));
  CHECK(rig.trail_lines().empty());  // enqueue() only queues
  REQUIRE(rig.run_idle());
  ::unsetenv("FB_HOOK_TEST_LEAK");
  CHECK(rig.trail_lines() ==
        std::vector<std::string>{"10-first failover", "20-second failover", "10-first failback", "20-second failback"});
  CHECK(rig.runner->runs() == 4);

  std::vector<std::string> env;
  for (const std::string& line : [&] {
         std::vector<std::string> v;
         std::string text = fb::test::read_file(rig.tmp / "env.failover");
         for (std::size_t at = 0, end; at < text.size(); at = end + 1) {
           end = text.find('\n', at);
           v.push_back(text.substr(at, end - at));
         }
         return v;
       }())
    if (line.rfind("PWD=", 0) != 0 && line.rfind("SHLVL=", 0) != 0 && line.rfind("_=", 0) != 0) env.push_back(line);
  CHECK(env == std::vector<std::string>{"FB_ADDRESS=", "FB_DRY_RUN=0", "FB_DURATION_MS=1500", "FB_EVENT=failover",
                                        "FB_FROM=wired", "FB_MESSAGE=default route wired -> cellular",
                                        "FB_REASON=CARRIER_LOST", "FB_TIME=2026-12-06T10:02:36.123Z", "FB_TO=cellular",
                                        "FB_UPLINK=cellular",
                                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"});
  CHECK(rig.log_count("hook[10-first]: done in") == 2);
}

TEST_CASE("dry-run runs the hooks with FB_DRY_RUN=1") {
  Rig rig;
  rig.settings.dry_run = true;
  rig.runner->configure(rig.settings);
  rig.hook("10-dry", "echo \"dry=$FB_DRY_RUN\" >> " + rig.trail);
  rig.runner->enqueue(event(EventKind::uplink_down));
  REQUIRE(rig.run_idle());
  CHECK(rig.trail_lines() == std::vector<std::string>{"10-dry uplink_down", "dry=1"});
}

TEST_CASE("a hanging hook is killed after the timeout; the loop runs meanwhile and the next hooks still run") {
  Rig rig;
  rig.settings.timeout = 400ms;
  rig.runner->configure(rig.settings);
  // Ignores SIGTERM (exec keeps the ignored disposition): only SIGKILL ends it.
  rig.hook("10-hang", "[ \"$FB_EVENT\" = failover ] && { trap '' TERM; exec sleep 30; }\nexit 0");
  rig.hook("20-after", "");
  // A timer ticking every 20 ms while the hook hangs: the io_context is never blocked.
  boost::asio::steady_timer tick(rig.io);
  std::vector<std::chrono::steady_clock::time_point> ticks;
  std::function<void()> arm = [&] {
    tick.expires_after(20ms);
    tick.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      ticks.push_back(std::chrono::steady_clock::now());
      if (!rig.runner->idle()) arm();
    });
  };
  auto t0 = std::chrono::steady_clock::now();
  rig.runner->enqueue(event(EventKind::failover));
  rig.runner->enqueue(event(EventKind::failback));
  arm();
  REQUIRE(rig.run_idle());
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= 700ms);  // timeout + grace: SIGTERM did not end it
  CHECK(took < 5s);
  CHECK(rig.trail_lines() ==
        std::vector<std::string>{"10-hang failover", "20-after failover", "10-hang failback", "20-after failback"});
  CHECK(rig.log_count("hook[10-hang]: still running after 400 ms: SIGTERM, SIGKILL 300 ms later") == 1);
  CHECK(rig.log_count("hook[10-hang]: ended by failberryd after the 400 ms timeout (SIGKILL) for failover") == 1);
  REQUIRE(ticks.size() > 10);
  std::chrono::steady_clock::duration worst{};
  for (std::size_t i = 1; i < ticks.size(); ++i) worst = std::max(worst, ticks[i] - ticks[i - 1]);
  CHECK(worst < 200ms);
  CHECK(fb::test::no_child_left());
}

TEST_CASE("a flood of output is drained and cut to output_lines; a non-zero exit is a warning") {
  Rig rig;
  rig.settings.output_lines = 5;
  rig.runner->configure(rig.settings);
  rig.hook("10-flood", "seq 1 200000\nexit 3");
  rig.runner->enqueue(event(EventKind::uplink_degraded));
  REQUIRE(rig.run_idle(30s));
  CHECK(rig.log_count("hook[10-flood]: ") >= 5);
  CHECK(rig.log.said("hook[10-flood]: 1"));
  CHECK(rig.log.said("hook[10-flood]: 5"));
  CHECK_FALSE(rig.log.said("hook[10-flood]: 6"));
  CHECK(rig.log.said("hook[10-flood]: 199995 more line(s) of output not logged (at most 5 per run)"));
  CHECK(rig.log.said("hook[10-flood]: exited with status 3 after"));
  CHECK_FALSE(rig.log.said("still running"));  // drained: it never blocked on a full pipe
}

TEST_CASE("hooks writable by others or owned by someone else are refused, once per change") {
  Rig rig;
  rig.hook("10-ok", "");
  rig.hook("20-group-writable", "", 0775);
  rig.hook("30-new\nline", "");  // a name that would forge a log line
  rig.runner->enqueue(event(EventKind::uplink_up));
  rig.runner->enqueue(event(EventKind::uplink_down));
  REQUIRE(rig.run_idle());
  CHECK(rig.trail_lines() == std::vector<std::string>{"10-ok uplink_up", "10-ok uplink_down"});
  CHECK(rig.log_count("hooks: refusing " + rig.dir +
                      "/20-group-writable: it is writable by group or others (mode 0775)") == 1);
  CHECK(rig.log_count("refusing " + rig.dir + "/30-new line: its name has control characters or is not UTF-8") == 1);

  ::chmod((rig.dir + "/20-group-writable").c_str(), 0755);  // fixed: it runs
  rig.runner->enqueue(event(EventKind::failover));
  REQUIRE(rig.run_idle());
  CHECK(rig.trail_lines().back() == "20-group-writable failover");

  if (::geteuid() == 0) {
    REQUIRE(::chown((rig.dir + "/20-group-writable").c_str(), 65534, 65534) == 0);
    rig.runner->enqueue(event(EventKind::failback));
    rig.runner->enqueue(event(EventKind::failback));
    REQUIRE(rig.run_idle());
    CHECK(rig.log_count("refusing " + rig.dir + "/20-group-writable: it is owned by uid 65534, not root") == 1);
    CHECK(rig.trail_lines().back() == "10-ok failback");
  } else {
    MESSAGE("not root: the other-owner case is not tried");
  }

  ::chmod(rig.dir.c_str(), 0777);  // the directory itself: nothing in it runs
  std::size_t before = rig.trail_lines().size();
  rig.runner->enqueue(event(EventKind::uplink_up));
  rig.runner->enqueue(event(EventKind::uplink_up));
  REQUIRE(rig.run_idle());
  CHECK(rig.trail_lines().size() == before);
  CHECK(rig.log_count("refusing " + rig.dir +
                      ": the directory is writable by group or others (mode 0777); none of "
                      "its hooks run") == 1);
}

TEST_CASE("a full queue drops the oldest events with a count; a missing directory runs nothing") {
  Rig rig;
  rig.settings.queue_limit = 2;
  rig.runner->configure(rig.settings);
  rig.hook("10-record", "echo \"$FB_MESSAGE\" >> " + rig.trail);
  for (int i = 1; i <= 5; ++i) rig.runner->enqueue(event(EventKind::uplink_down, "event " + std::to_string(i)));
  CHECK(rig.runner->dropped() == 3);
  CHECK(
      rig.log.said("hooks: queue full (2 events wait for hooks): the hooks will not run for uplink_down at "
                   "2026-12-06T10:02:36.123Z; 3 event(s) dropped so far"));
  REQUIRE(rig.run_idle());
  CHECK(rig.trail_lines() ==
        std::vector<std::string>{"10-record uplink_down", "event 4", "10-record uplink_down", "event 5"});

  rig.settings.dir = rig.tmp / "no-such-dir";
  rig.runner->configure(rig.settings);
  rig.log.take();
  rig.runner->enqueue(event(EventKind::failover));
  REQUIRE(rig.run_idle());
  CHECK(rig.log.lines.empty());  // no hooks directory: nothing to say
}

TEST_CASE("EventBus: stamps the time, keeps the last 50, logs one line each, feeds subscribers and hooks") {
  Rig rig;
  rig.hook("10-bus", "");
  EventBus bus(rig.io, rig.timers, rig.settings);
  std::vector<Event> seen;
  auto id = bus.subscribe([&](const Event& e) { seen.push_back(e); });
  auto before = std::chrono::system_clock::now();
  Event e = event(EventKind::failover, "line one\nFB_EVENT=injected");
  e.time.reset();
  fb::events::publish(e);  // through the process-wide sink, like the services
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].time);
  CHECK(*seen[0].time >= before);
  CHECK(seen[0].message == "line one FB_EVENT=injected");  // cleaned
  CHECK(
      rig.log.said("event: failover uplink=cellular from=wired to=cellular reason=CARRIER_LOST duration_ms=1500: "
                   "line one FB_EVENT=injected"));
  bus.unsubscribe(id);
  for (int i = 0; i < 59; ++i) bus.publish(event(EventKind::uplink_up, "n" + std::to_string(i)));
  CHECK(seen.size() == 1);
  std::vector<Event> recent = bus.recent();
  REQUIRE(recent.size() == EventBus::kKeep);
  CHECK(recent.front().message == "n9");
  CHECK(recent.back().message == "n58");
  CHECK(bus.published() == 60);
  REQUIRE(fb::test::run_until(
      rig.io, [&] { return bus.hooks().idle(); }, 60s));
  CHECK(bus.hooks().runs() == 60 - bus.hooks().dropped());
  CHECK(bus.hooks().dropped() == 0);  // 60 events fit the default queue of 64
  CHECK(rig.trail_lines().front() == "10-bus failover");
}

TEST_CASE("without a bus, publish() goes nowhere; a destroyed bus is no longer the sink") {
  Rig rig;
  std::size_t runs = 0;
  {
    EventBus bus(rig.io, rig.timers, rig.settings);
    fb::events::publish(event(EventKind::uplink_up));
    runs = bus.published();
  }
  CHECK(runs == 1);
  fb::events::publish(event(EventKind::uplink_up));  // must not reach the destroyed bus
  CHECK(rig.log_count("event: uplink_up") == 1);
}
