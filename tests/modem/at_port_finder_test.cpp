// AtPortFinder on real ptys: several candidate ttys of which only one is a
// modem (modemsim.py); the others stay silent, spew garbage, or do not
// exist. The first port that answers AT with OK is chosen, a port that never
// answers is not, and all-silent ends in a clear AT_TIMEOUT naming each port.
// Time is real (AsioTimerService); every wait is for an event, bounded.
#include <utility>
//
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <optional>
#include <string>

#include "fb/core/asio_timers.hpp"
#include "fb/modem/at_port_finder.hpp"
#include "sim_modem.hpp"

using namespace std::chrono_literals;
using fb::modem::AtPortFinder;
using fb::modem::AtPortSearch;
using fb::modem::Code;
using fb::modem::Result;
using fb::test::SimModem;

namespace {

// A pty whose master end the test holds. Silent unless spewing: then every
// read on the master (what the finder wrote) is answered with a burst of
// garbage — binary noise and text lines, never a final result.
class FakePort {
 public:
  FakePort(boost::asio::io_context& io, bool spew) : master_(io), spew_(spew) {
    int fd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::grantpt(fd) == 0);
    REQUIRE(::unlockpt(fd) == 0);
    path_ = ::ptsname(fd);
    master_.assign(fd);
    if (spew_) read();
  }
  const std::string& path() const { return path_; }
  std::size_t reads() const { return reads_; }

 private:
  void read() {
    master_.async_read_some(boost::asio::buffer(in_), [this](boost::system::error_code ec, std::size_t) {
      if (ec) return;
      ++reads_;
      static const std::string burst =
          std::string("\x00\xfe\xff\x07#~", 6) + "garbage~#\x1b[2J\r\n+++ line noise +++\r\n\x01\x02\x03 ~~~ \x7f\r";
      boost::asio::async_write(master_, boost::asio::buffer(burst), [this](boost::system::error_code e, std::size_t) {
        if (!e) read();
      });
    });
  }

  boost::asio::posix::stream_descriptor master_;
  bool spew_;
  std::string path_;
  std::array<char, 256> in_{};
  std::size_t reads_ = 0;
};

struct Rig {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers{io};
  AtPortFinder finder{io, timers, options()};

  static AtPortFinder::Options options() {
    AtPortFinder::Options o;
    o.name = "probe[test]";
    o.timeout = 400ms;
    o.attempts = 2;
    return o;
  }

  Result<AtPortSearch> search(std::vector<std::string> candidates) {
    std::optional<Result<AtPortSearch>> out;
    int calls = 0;
    finder.start(std::move(candidates), [&](Result<AtPortSearch> r) {
      ++calls;
      out.emplace(std::move(r));
    });
    CHECK_FALSE(out.has_value());  // never completed from inside start()
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!out && std::chrono::steady_clock::now() < deadline) {
      if (io.stopped()) io.restart();  // ran out of work after the previous search
      io.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    REQUIRE(out.has_value());
    io.restart();
    io.poll();  // nothing else may arrive
    CHECK(calls == 1);
    CHECK_FALSE(finder.busy());
    return std::move(*out);
  }
};

}  // namespace

TEST_CASE("the first candidate that answers AT is chosen; silent and garbage ports before it are reported") {
  Rig rig;
  FakePort silent(rig.io, false);
  FakePort noisy(rig.io, true);
  FakePort after(rig.io, false);
  SimModem sim(SimModem::Options("generic"));
  auto r = rig.search({silent.path(), noisy.path(), sim.tty(), after.path()});
  REQUIRE_MESSAGE(r.ok(), fb::modem::describe(r.error()));
  CHECK(r->at_tty == sim.tty());
  REQUIRE(r->tried.size() == 3);  // the port after the modem is never touched
  CHECK(r->tried[0].tty == silent.path());
  CHECK_FALSE(r->tried[0].answered);
  CHECK(r->tried[0].outcome == "no answer (2 x AT, 400 ms each)");
  CHECK(r->tried[1].tty == noisy.path());
  CHECK_FALSE(r->tried[1].answered);
  CHECK(r->tried[1].outcome == "no answer (2 x AT, 400 ms each)");
  CHECK(r->tried[1].noise_bytes > 0);
  CHECK(noisy.reads() >= 2);  // it really was asked, twice
  CHECK(r->tried[2].answered);
  CHECK(r->tried[2].outcome == "OK");
  CHECK(r->summary().find(silent.path() + ": no answer") == 0);
  CHECK(r->summary().find(sim.tty() + ": OK") != std::string::npos);
}

TEST_CASE("the modem's own echo and garbage do not hide its OK") {
  Rig rig;
  FakePort noisy(rig.io, true);
  SimModem sim(SimModem::Options("huawei", {"garbage=1", "force_echo=1", "eol=lf"}));
  auto r = rig.search({noisy.path(), sim.tty()});
  REQUIRE_MESSAGE(r.ok(), fb::modem::describe(r.error()));
  CHECK(r->at_tty == sim.tty());
  CHECK(r->tried.back().noise_bytes > 0);
}

TEST_CASE("a modem port that never answers is not chosen; all silent is a clear AT_TIMEOUT naming every port") {
  Rig rig;
  FakePort silent(rig.io, false);
  FakePort noisy(rig.io, true);
  SimModem hung(SimModem::Options("zte", {"silent=1"}));
  auto r = rig.search({silent.path(), "/dev/fb-no-such-tty", noisy.path(), hung.tty()});
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == Code::at_timeout);
  const std::string& d = r.error().detail;
  CHECK(d.find("no AT port answered: " + silent.path() + ": no answer (2 x AT, 400 ms each)") == 0);
  CHECK(d.find("/dev/fb-no-such-tty: open failed: /dev/fb-no-such-tty: No such file or directory") !=
        std::string::npos);
  CHECK(d.find(noisy.path() + ": no answer (2 x AT, 400 ms each) (") != std::string::npos);  // with its noise count
  CHECK(d.find(hung.tty() + ": no answer (2 x AT, 400 ms each)") != std::string::npos);
  REQUIRE(rig.finder.report().tried.size() == 4);  // the same, structured, for status
  CHECK(rig.finder.report().at_tty.empty());
  CHECK(rig.finder.report().tried[1].outcome.find("open failed") == 0);

  // the same finder is usable again afterwards; the simulator wakes up
  hung.ok("set silent=0");
  auto again = rig.search({silent.path(), hung.tty()});
  REQUIRE_MESSAGE(again.ok(), fb::modem::describe(again.error()));
  CHECK(again->at_tty == hung.tty());
}

TEST_CASE("no candidate at all, and a port answering ERROR, are not AT ports") {
  Rig rig;
  auto none = rig.search({});
  REQUIRE_FALSE(none.ok());
  CHECK(none.code() == Code::no_modem);
  CHECK(none.error().detail.find("no tty to probe") == 0);

  SimModem refusing(SimModem::Options("generic"));
  refusing.ok("cme AT 100");  // "+CME ERROR" to plain AT: an interpreter, but not one that says OK
  auto r = rig.search({refusing.tty()});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().detail.find("answered ") != std::string::npos);
}
