// DataLinkStarter, both twins, against a stand-in `pppd` (the other end: it
// records that it ran and how, says pppd's link-up lines and exits 16 like a
// pppd whose modem hung up). It is settings.pppd and first on PATH. The pppd
// starter must spawn and reap it and report its end as LinkDown; the dry-run
// starter must spawn nothing and report DRY_RUN. No root needed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fb/core/asio_timers.hpp"
#include "fb/core/data_link.hpp"
#include "fb/log.hpp"
#include "log_capture.hpp"
#include "process.hpp"
#include "stand_in.hpp"

using fb::core::DataLink;
using fb::core::DataLinkCallbacks;
using fb::core::DataLinkStarter;
using LinkDown = fb::core::modem_event::LinkDown;

namespace {

// A `pppd` first on PATH that says what a pppd says for a link that comes
// up, then hangs up (exit 16).
struct FakePppd : fb::test::StandIn {
  FakePppd()
      : StandIn("pppd",
                "echo 'Using interface ppp0'\n"
                "echo 'local  IP address 10.64.64.1'\n"
                "echo 'remote IP address 10.64.64.64'\n"
                "echo 'Modem hangup'\n"
                "exit 16\n") {}
};

fb::ppp::PppdRunner::Options options_for(const std::string& pppd) {
  fb::ppp::PppdRunner::Options o;
  o.name = "ppp[ppp0]";
  o.settings.pppd = pppd;
  return o;
}

// What one start() led to.
struct Outcome {
  bool answered_inside = false;
  std::vector<fb::ppp::LinkInfo> links;
  std::optional<LinkDown> down;
  int downs = 0;
};

// start() on a line (/dev/null: the stand-in reads nothing), the caller's copy
// closed at once as ModemService does, then the loop run until nothing is pending.
Outcome start_link(std::unique_ptr<DataLinkStarter> (*make)(boost::asio::io_context&, fb::TimerService&),
                   const std::string& pppd) {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers(io);
  auto starter = make(io, timers);
  Outcome out;
  int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto link = starter->start(fd, "7200000", options_for(pppd),
                             DataLinkCallbacks{[&](const fb::ppp::LinkInfo& l) { out.links.push_back(l); },
                                               [&](const LinkDown& d) {
                                                 out.down = d;
                                                 ++out.downs;
                                               }});
  ::close(fd);
  out.answered_inside = out.down.has_value() || !out.links.empty();
  io.run();
  CHECK_FALSE(link->running());
  return out;
}

std::unique_ptr<DataLinkStarter> make_pppd(boost::asio::io_context& io, fb::TimerService& timers) {
  return fb::core::make_pppd_starter(io, timers);
}
std::unique_ptr<DataLinkStarter> make_dry_run(boost::asio::io_context& io, fb::TimerService&) {
  return fb::core::make_dry_run_data_link_starter(io);
}

}  // namespace

TEST_CASE("pppd starter: pppd runs on the line, the link comes up, and its end is a LinkDown") {
  FakePppd pppd;
  fb::test::LogCapture log;
  Outcome r = start_link(make_pppd, pppd.path());
  REQUIRE(pppd.called());
  CHECK(pppd.called()->find("nodetach") == 0);
  CHECK_FALSE(r.answered_inside);
  REQUIRE_FALSE(r.links.empty());
  CHECK(r.links.front().interface == "ppp0");
  CHECK(r.links.front().remote == "10.64.64.64");
  REQUIRE(r.down);
  CHECK(r.downs == 1);
  CHECK(r.down->code == "MODEM_HANGUP");
  CHECK(r.down->detail.find("pppd exited 16") == 0);
  CHECK(r.down->kind == LinkDown::Kind::link);
  CHECK(fb::test::no_child_left());
  CHECK(log.said("CONNECT 7200000: handing the line to pppd"));
}

TEST_CASE("pppd starter: a pppd that cannot be spawned is FATAL_ERROR, never from inside the call") {
  fb::test::TempDir dir;
  Outcome r = start_link(make_pppd, dir / "no-pppd-here");
  CHECK_FALSE(r.answered_inside);
  CHECK(r.links.empty());
  REQUIRE(r.down);
  CHECK(r.downs == 1);
  CHECK(r.down->code == "FATAL_ERROR");
  CHECK(r.down->kind == LinkDown::Kind::local);
}

TEST_CASE("dry-run starter: no pppd is spawned, the link is down with DRY_RUN, and it says so") {
  FakePppd pppd;
  fb::test::LogCapture log;
  Outcome r = start_link(make_dry_run, pppd.path());
  CHECK_FALSE(pppd.called());  // nothing was spawned
  CHECK(fb::test::no_child_left());
  CHECK_FALSE(r.answered_inside);
  CHECK(r.links.empty());
  REQUIRE(r.down);
  CHECK(r.downs == 1);
  CHECK(r.down->code == "DRY_RUN");
  std::string words;
  for (const auto& w : fb::ppp::build_argv(options_for(pppd.path()).settings)) words += (words.empty() ? "" : " ") + w;
  CHECK(words.find(pppd.path() + " nodetach ") == 0);
  CHECK(r.down->detail == "dry-run: the data link is not started (pppd would run as: " + words + ")");
  CHECK(r.down->kind == LinkDown::Kind::local);
  CHECK(log.said("CONNECT 7200000; dry-run: not starting " + words));
}

TEST_CASE("dry-run starter: a link destroyed before its end was reported reports nothing") {
  boost::asio::io_context io;
  auto starter = fb::core::make_dry_run_data_link_starter(io);
  int downs = 0;
  auto link = starter->start(-1, "", options_for("/usr/sbin/pppd"),
                             DataLinkCallbacks{[](const fb::ppp::LinkInfo&) {}, [&](const LinkDown&) { ++downs; }});
  link->stop();  // a no-op: nothing runs
  link.reset();
  io.run();
  CHECK(downs == 0);
}
