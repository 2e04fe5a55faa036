// Dialing on a real pty against the modem simulator: +CGDCONT and ATD
// through AtChannel and the sequencer, CONNECT, the data port released to
// its next owner (pppd in production) with the modem in data mode, and every
// way a dial fails mapped to its stable code.
#include <utility>
//
#include <doctest/doctest.h>
#include <poll.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <optional>

#include "fb/at/channel.hpp"
#include "fb/core/asio_timers.hpp"
#include "fb/modem/sequences.hpp"
#include "sim_modem.hpp"

using namespace std::chrono_literals;
using fb::modem::Code;
using fb::modem::DialPlan;
using fb::modem::DialState;
using fb::test::SimModem;

namespace {

struct DialRig {
  boost::asio::io_context io;
  fb::core::AsioTimerService timers{io};
  SimModem sim;
  fb::at::AtChannel channel;

  explicit DialRig(std::vector<std::string> sets = {})
      : sim(SimModem::Options("generic", std::move(sets))), channel(io, timers, options()) {
    auto opened = channel.open(sim.tty());
    REQUIRE_MESSAGE(opened.ok(), describe(opened.error()));
    // Numeric CME errors, as init_steps() leaves the modem.
    REQUIRE(run(fb::at::Step<DialState>{{"AT+CMEE=1", {}, fb::Duration{0}}, false, {}}).ok());
  }

  static fb::at::AtChannel::Options options() {
    fb::at::AtChannel::Options o;
    o.name = "modem[sim-dial]";
    o.default_timeout = 3s;
    return o;
  }

  fb::modem::Result<void> run_table(const fb::modem::DialSteps& table, DialState& state) {
    std::optional<fb::modem::Result<void>> out;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await fb::at::run_steps(channel, table, state)); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!out && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    REQUIRE(out);
    return std::move(*out);
  }

  fb::modem::Result<void> run(fb::at::Step<DialState> step) {
    DialState ignored;
    return run_table({std::move(step)}, ignored);
  }

  fb::modem::Result<void> dial(const DialPlan& plan, DialState& state) {
    auto table = fb::modem::dial_steps(plan);
    REQUIRE_MESSAGE(table.ok(), describe(table.error()));
    return run_table(*table, state);
  }

  // Polls the simulator's state until `needle` appears (bounded).
  bool state_has(const std::string& needle) {
    for (int i = 0; i < 100; ++i) {
      if (sim.ok("state").find(needle) != std::string::npos) return true;
      ::poll(nullptr, 0, 50);  // the simulator runs in its own process
    }
    return false;
  }
};

// Reads from fd until `needle` shows up or 10 s pass.
std::string read_until(int fd, const std::string& needle) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

DialPlan plan(std::string apn = "internet.test") {
  DialPlan p;
  p.apn = std::move(apn);
  p.timeout = 5s;
  return p;
}

}  // namespace

TEST_CASE("dial: APN set, CONNECT, and the data port handed over in data mode") {
  DialRig rig;
  DialState state;
  auto r = rig.dial(plan(), state);
  REQUIRE_MESSAGE(r.ok(), describe(r.error()));
  REQUIRE(state.connect);
  CHECK(state.connect->find("7200000") != std::string::npos);
  auto sim_state = rig.sim.ok("state");
  CHECK(sim_state.find("\"1\": [\"IP\", \"internet.test\"]") != std::string::npos);
  CHECK(sim_state.find("\"dialed\": \"*99#\"") != std::string::npos);
  CHECK(sim_state.find("\"data_mode\": true") != std::string::npos);

  int fd = rig.channel.release();
  REQUIRE(fd >= 0);
  CHECK_FALSE(rig.channel.is_open());
  CHECK_FALSE(rig.channel.gone());
  // What the next owner writes is data to the modem, not AT.
  const char frame[] = "\x7e\xff\x7d\x23\xc0\x21\x7e";
  REQUIRE(::write(fd, frame, sizeof frame - 1) == static_cast<ssize_t>(sizeof frame - 1));
  CHECK(rig.state_has("\"data_bytes\": 7"));
  // The network ends the call: NO CARRIER on the port, command mode again.
  CHECK(rig.sim.ok("hangup").empty());
  CHECK(read_until(fd, "NO CARRIER").find("NO CARRIER") != std::string::npos);
  CHECK(rig.state_has("\"data_mode\": false"));
  // The released fd is the caller's now; the channel can take it back.
  rig.channel.attach(fd);
  CHECK(rig.run({{"AT", {}, fb::Duration{0}}, false, {}}).ok());
}

TEST_CASE("dial: a profile's dial string with a context id") {
  DialRig rig;
  DialPlan p = plan("apn.cid3");
  p.cid = 3;
  p.dial = "ATD*99***3#";
  DialState state;
  auto r = rig.dial(p, state);
  REQUIRE_MESSAGE(r.ok(), describe(r.error()));
  CHECK(rig.sim.ok("state").find("\"3\": [\"IP\", \"apn.cid3\"]") != std::string::npos);
}

TEST_CASE("dial failures map to stable codes") {
  struct Row {
    std::vector<std::string> sets;
    Code code;
  };
  for (const auto& row : {Row{{"dial=busy"}, Code::busy}, Row{{"dial=no_carrier"}, Code::no_carrier},
                          Row{{"dial=no_dialtone"}, Code::no_dialtone}, Row{{"dial=no_answer"}, Code::no_answer},
                          Row{{"dial=error"}, Code::at_error}, Row{{"dial=cme:133"}, Code::pdp_rejected},
                          Row{{"dial=cme:149"}, Code::pdp_auth_failed}, Row{{"dial=cme:30"}, Code::no_network},
                          Row{{"reg=searching"}, Code::no_carrier}, Row{{"sim=absent"}, Code::sim_missing}}) {
    CAPTURE(row.sets.front());
    DialRig rig(row.sets);
    DialState state;
    auto r = rig.dial(plan(), state);
    REQUIRE_FALSE(r.ok());
    CHECK(r.code() == row.code);
    CHECK_FALSE(state.connect);
    CHECK(rig.channel.is_open());  // a failed dial leaves the port in command mode, still ours
    CHECK(rig.run({{"AT", {}, fb::Duration{0}}, false, {}}).ok());
  }
}

TEST_CASE("dial: settings that cannot be sent are refused before any byte goes out") {
  auto table = fb::modem::dial_steps(plan("evil\";+CFUN=0"));
  REQUIRE_FALSE(table.ok());
  CHECK(table.code() == Code::bad_dial_settings);
}
