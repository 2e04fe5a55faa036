// PppdRunner against the host's real pppd. The host kernel may lack PPP
// (then pppd exits 4 after parsing its options, which is itself a case
// worth checking); link-level cases run in the QEMU guest
// (runner_guest_test.cpp, tests/system/test_ppp_guest.py).
#include <fcntl.h>
#include <pty.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process.hpp"
#include "runner_rig.hpp"

using namespace std::chrono_literals;
using fb::ppp::PppdRunner;
using fb::ppp::Reason;

namespace {

const char* kPppd = "/usr/sbin/pppd";

struct Pty {
  int master = -1, slave = -1;
  Pty() { REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0); }
  ~Pty() {
    ::close(master);
    ::close(slave);
  }
};

bool have_pppd() {
  if (::access(kPppd, X_OK) == 0 && ::geteuid() == 0) return true;
  MESSAGE("SKIPPED: needs root and " << kPppd << " (package ppp)");
  return false;
}

PppdRunner::Options options() {
  PppdRunner::Options o;
  o.name = "ppp[host-test]";
  o.settings.pppd = kPppd;
  o.settings.linkname = "fbtest" + std::to_string(::getpid());
  o.stop_timeout = 2s;
  return o;
}

bool kernel_has_ppp() {
  struct stat st {};
  return ::stat("/dev/ppp", &st) == 0;
}

}  // namespace

TEST_CASE("spawn failure rolls back and leaves the runner usable") {
  if (!have_pppd()) return;
  auto o = options();
  o.settings.pppd = "/nonexistent/pppd";
  fb::test::RunnerRig rig(o);
  Pty pty;
  int fds_before = 0;
  for (int fd = 0; fd < 1024; ++fd) fds_before += ::fcntl(fd, F_GETFD) >= 0;
  auto error = rig.runner->start(pty.slave);
  REQUIRE(error);
  CHECK(error->find("/nonexistent/pppd") != std::string::npos);
  CHECK(error->find("No such file") != std::string::npos);
  CHECK(rig.runner->state() == PppdRunner::State::idle);
  CHECK(rig.runner->pid() == -1);
  int fds_after = 0;
  for (int fd = 0; fd < 1024; ++fd) fds_after += ::fcntl(fd, F_GETFD) >= 0;
  CHECK(fds_after == fds_before);           // both pipes closed again
  CHECK(::fcntl(pty.slave, F_GETFD) >= 0);  // the caller's tty untouched
  rig.io.poll();
  CHECK_FALSE(rig.exit);  // a failed start reports no exit
  rig.runner->stop();     // no-op when idle
  CHECK(rig.runner->state() == PppdRunner::State::idle);
}

TEST_CASE("a refused option is OPTION_ERROR, with pppd's own words kept") {
  if (!have_pppd()) return;
  auto o = options();
  o.settings.extra = {"no-such-option-fb"};
  fb::test::RunnerRig rig(o);
  Pty pty;
  REQUIRE_FALSE(rig.runner->start(pty.slave));
  CHECK(rig.runner->state() == PppdRunner::State::starting);
  CHECK(rig.runner->start(pty.slave).value_or("").find("already running") != std::string::npos);
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::option_error);
  CHECK(rig.exit->status.code == 2);
  bool named = false;
  for (const auto& l : rig.exit->last_lines) named |= l.find("no-such-option-fb") != std::string::npos;
  CHECK_MESSAGE(named, rig.transcript());
  CHECK(rig.runner->state() == PppdRunner::State::idle);
  CHECK(rig.links.empty());
}

TEST_CASE("credentials reach pppd through fd 3, never argv") {
  if (!have_pppd()) return;
  auto o = options();
  o.credentials = fb::ppp::Credentials{"fbuser", "s3cret-\"pw\""};
  // A bad option after the file: pppd parsed fd 3 (else it would fail on
  // the file first) and then stops at the marker.
  o.settings.extra = {"no-such-option-after-file"};
  fb::test::RunnerRig rig(o);
  Pty pty;
  REQUIRE_FALSE(rig.runner->start(pty.slave));
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::option_error);
  std::string all;
  for (const auto& l : rig.exit->last_lines) all += l + "\n";
  CHECK_MESSAGE(all.find("no-such-option-after-file") != std::string::npos, all);
  CHECK(all.find("/proc/self/fd/3") == std::string::npos);  // the file itself parsed fine
  CHECK(all.find("s3cret") == std::string::npos);
}

TEST_CASE("no kernel PPP: NO_KERNEL_PPP and pppd's explanation") {
  if (!have_pppd()) return;
  if (kernel_has_ppp()) {
    MESSAGE("SKIPPED: this kernel has /dev/ppp (the guest test covers a working kernel)");
    return;
  }
  fb::test::RunnerRig rig(options());
  Pty pty;
  REQUIRE_FALSE(rig.runner->start(pty.slave));
  REQUIRE_MESSAGE(rig.wait_exit(20s), rig.transcript());
  CHECK(rig.exit->reason == Reason::no_kernel_ppp);
  CHECK(fb::ppp::disposition(rig.exit->reason) == fb::ppp::Disposition::local);
  bool said = false;
  for (const auto& l : rig.exit->last_lines) said |= l.find("/dev/ppp") != std::string::npos;
  CHECK_MESSAGE(said, rig.transcript());
}

TEST_CASE("credentials file: loaded only when it is a private regular file") {
  fb::test::TempDir dir;
  std::string error;
  std::string good = dir / "ppp.secret";
  fb::test::write_file(good, "user web\npassword hunter2\n", 0600);
  auto c = fb::ppp::load_credentials(good, error);
  REQUIRE_MESSAGE(c, error);
  CHECK(c->user == "web");
  CHECK(c->password == "hunter2");

  std::string open_to_all = dir / "open.secret";
  fb::test::write_file(open_to_all, "user web\npassword hunter2\n", 0644);
  CHECK_FALSE(fb::ppp::load_credentials(open_to_all, error));
  CHECK_MESSAGE(error.find("chmod 600 " + open_to_all) != std::string::npos, error);

  std::string link = dir / "link.secret";
  REQUIRE(::symlink(good.c_str(), link.c_str()) == 0);
  CHECK_FALSE(fb::ppp::load_credentials(link, error));
  CHECK_MESSAGE(error == link + ": is a symbolic link; name the file itself", error);

  CHECK_FALSE(fb::ppp::load_credentials(dir / "missing", error));
  CHECK(error.find("No such file") != std::string::npos);

  std::string bad = dir / "bad.secret";
  fb::test::write_file(bad, "user web\npasswd hunter2\n", 0600);
  CHECK_FALSE(fb::ppp::load_credentials(bad, error));
  // Nothing of the line is echoed: "passwd hunter2" may be a password written without its keyword.
  CHECK_MESSAGE(error.find(bad + ": line 2: not 'user NAME' or 'password SECRET'") == 0, error);
  CHECK(error.find("hunter2") == std::string::npos);
  CHECK(error.find("passwd") == std::string::npos);
}
