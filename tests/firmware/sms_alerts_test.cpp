// SmsAlerts (firmware/sms_alerts.cpp) on an io_context in virtual time: the
// modem side is a recording SmsPort (the other end); what is checked is
// the wiring around SmsRules — a busy modem holds the text until
// modem_changed(), dry-run sends nothing and logs what would go, a send
// whose answer never comes fails after the send timeout, and the outcome
// reaches report().
#include <utility>
//
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fb/core/sms_alerts.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::Event;
using fb::EventKind;
using fb::core::ModemMachine;
using fb::core::SmsAlerts;
using fb::core::SmsPort;
using fb::core::SmsSettings;

namespace {

struct Rig {
  boost::asio::io_context io;
  fb::VirtualTime time;
  SmsPort::ModemState modem{ModemMachine::State::online, false};
  struct Sent {
    std::string number, text;
    std::function<void(std::optional<fb::modem::Error>)> done;
  };
  std::vector<Sent> sends;
  std::unique_ptr<SmsAlerts> alerts;

  explicit Rig(bool dry_run) {
    SmsSettings s;
    s.to = {"+15550100"};
    s.events = {EventKind::failover, EventKind::failback};
    s.min_interval = 30s;
    s.daily_limit = 10;
    s.host = "pi";
    SmsPort port;
    port.state = [this] { return std::optional<SmsPort::ModemState>(modem); };
    port.send = [this](const std::string& number, const std::string& text,
                       std::function<void(std::optional<fb::modem::Error>)> done) {
      sends.push_back({number, text, std::move(done)});
    };
    port.send_timeout = 70s;
    alerts = std::make_unique<SmsAlerts>(io, time, s, dry_run, port);
  }
  void run() {
    io.restart();
    io.poll();
  }
  void failover() {
    Event e;
    e.kind = EventKind::failover;
    e.time = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'565'720));  // 14:02 UTC
    e.from = "wired";
    e.to = "cellular";
    alerts->enqueue(e);
    run();
  }
};

}  // namespace

TEST_CASE("a dialing modem holds the text; modem_changed() when it is online sends it") {
  Rig rig(false);
  rig.modem.state = ModemMachine::State::dialing;
  rig.failover();
  CHECK(rig.sends.empty());
  CHECK(rig.alerts->report().waiting_reason == "MODEM_BUSY: the modem is dialing; the text goes when it is done");
  rig.modem.state = ModemMachine::State::online;
  rig.alerts->modem_changed();
  rig.run();
  REQUIRE(rig.sends.size() == 1);
  CHECK(rig.sends[0].number == "+15550100");
  CHECK(rig.sends[0].text == "failberry pi (UTC): wired down 14:02, now cellular");
  rig.sends[0].done(std::nullopt);
  rig.run();
  fb::health::SmsReport r = rig.alerts->report();
  CHECK(r.configured);
  CHECK(r.sent == 1);
  CHECK(r.queued == 0);
  CHECK(r.to == std::vector<std::string>{"+******00"});
}

TEST_CASE("dry-run: nothing goes to the modem; the log says what would go, to whom (masked)") {
  fb::test::LogCapture log;
  Rig rig(true);
  rig.failover();
  CHECK(rig.sends.empty());
  CHECK(log.said("dry-run: would text +******00: failberry pi (UTC): wired down 14:02, now cellular"));
  CHECK(rig.alerts->report().sent == 1);
  CHECK(log.text().find("15550100") == std::string::npos);
}

TEST_CASE("a send that is never answered fails after the send timeout and a margin; a late answer is ignored") {
  fb::test::LogCapture log;
  Rig rig(false);
  rig.failover();
  REQUIRE(rig.sends.size() == 1);
  rig.time.advance(84s);
  CHECK(rig.alerts->report().failed == 0);
  rig.time.advance(1s);
  rig.run();
  fb::health::SmsReport r = rig.alerts->report();
  CHECK(r.failed == 1);
  CHECK(r.last_error == "+******00: AT_TIMEOUT: no answer from the modem to AT+CMGS");
  CHECK(log.said("text to +******00 failed: AT_TIMEOUT"));
  rig.sends[0].done(std::nullopt);  // from a modem service that was replaced meanwhile
  rig.run();
  CHECK(rig.alerts->report().sent == 0);
  // Tried again: the interval since the attempt is over.
  REQUIRE(rig.sends.size() == 2);
  rig.sends[1].done(fb::modem::Error{fb::modem::Code::at_cms_error, "+CMS ERROR: 500 (unknown error)"});
  rig.run();
  r = rig.alerts->report();
  CHECK(r.failed == 2);
  CHECK(r.last_error == "+******00: AT_CMS_ERROR: +CMS ERROR: 500 (unknown error)");
  CHECK(r.waiting_reason == "RATE_LIMIT: sms_min_interval; the next text in 30 s");
}
