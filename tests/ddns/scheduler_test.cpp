// DdnsScheduler in virtual time: no sleeps, no sockets. A small harness plays
// the adapter (it carries out the actions, arms the one timer on VirtualTime,
// and answers requests the way a test says), and checks on every step that
// no second request is ever sent while one is in flight.
#include <doctest/doctest.h>

#include <random>

#include "fb/core/ddns_scheduler.hpp"
#include "log_capture.hpp"

using namespace std::chrono_literals;
using fb::Duration;
using fb::IpAddress;
using fb::core::DdnsMode;
using fb::core::DdnsPolicy;
using fb::core::DdnsScheduler;
using fb::ddns::Outcome;
using fb::ddns::Reply;
namespace ev = fb::core::ddns_event;
namespace act = fb::core::ddns_action;
using State = DdnsScheduler::State;

namespace {

IpAddress ip(const char* text) {
  return *fb::IpAddress::parse(text);
}

Reply reply(Outcome o, const char* address = nullptr) {
  Reply r;
  r.outcome = o;
  if (address) r.address = ip(address);
  r.detail = std::string(fb::ddns::to_string(o));
  return r;
}

struct Harness {
  explicit Harness(DdnsMode mode = DdnsMode::source_address, DdnsPolicy policy = DdnsPolicy{}, double r = 0.0)
      : rnd(r), scheduler("ddns[www.example.com]", mode, policy, [this] { return rnd; }) {}
  void feed(const fb::core::DdnsEvent& e) {
    for (const auto& a : scheduler.handle(e, time.now())) apply(a);
  }
  void apply(const fb::core::DdnsAction& a) {
    if (std::holds_alternative<act::SendGet>(a) || std::holds_alternative<act::SendSet>(a)) {
      REQUIRE_MESSAGE(!in_flight, "a second request while one is in flight");
      in_flight = true;
      sent_at.push_back(time.now());
      if (auto* s = std::get_if<act::SendSet>(&a)) {
        ++sets;
        pending_set = s->address;
        set_addresses.push_back(s->address.text());
      } else {
        ++gets;
        pending_set.reset();
      }
    } else if (auto* t = std::get_if<act::ArmTimer>(&a)) {
      armed_at = time.now();
      deadline = t->deadline;
      timer.arm(t->deadline, [this] { feed(ev::TimerFired{}); });
    } else if (std::holds_alternative<act::CancelTimer>(a)) {
      timer.cancel();
    } else if (auto* p = std::get_if<act::Persist>(&a)) {
      persisted.push_back(p->published.text());
    } else if (auto* r = std::get_if<act::Report>(&a)) {
      reports.push_back(r->status);
    }
  }
  // Answers the request in flight.
  void answer_get(Reply r) {
    REQUIRE(in_flight);
    REQUIRE_FALSE(pending_set);
    in_flight = false;
    feed(ev::GetFinished{std::move(r)});
  }
  void answer_set(Reply r) {
    REQUIRE(in_flight);
    REQUIRE(pending_set);
    if (!r.address && fb::ddns::is_success(r.outcome)) r.address = pending_set;
    in_flight = false;
    pending_set.reset();
    feed(ev::SetFinished{std::move(r)});
  }
  Duration timer_delay() const { return std::chrono::duration_cast<Duration>(deadline - armed_at); }
  bool log_has(const std::string& needle) const { return log.said(needle); }

  fb::test::LogCapture log{fb::Level::debug};
  double rnd;
  fb::VirtualTime time;
  DdnsScheduler scheduler;
  bool in_flight = false;
  std::optional<IpAddress> pending_set;
  int gets = 0, sets = 0;
  std::vector<std::string> set_addresses, persisted;
  std::vector<fb::TimePoint> sent_at;
  std::vector<fb::core::DdnsStatus> reports;
  fb::OneShot timer{time};
  fb::TimePoint armed_at{}, deadline{};
};

}  // namespace

TEST_CASE("first start: get, publish what the API sees, persist it, verify every interval") {
  Harness h;
  h.feed(ev::Start{std::nullopt, std::nullopt});
  CHECK(h.gets == 1);
  CHECK(h.scheduler.state() == State::querying);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.sets == 1);
  CHECK(h.set_addresses.back() == "203.0.113.7");
  h.answer_set(reply(Outcome::published));
  CHECK(h.scheduler.state() == State::in_sync);
  CHECK(h.persisted == std::vector<std::string>{"203.0.113.7"});
  CHECK(h.timer_delay() == 15min);
  REQUIRE(h.scheduler.status().published);
  CHECK(h.scheduler.status().published->text() == "203.0.113.7");
  CHECK(h.scheduler.status().code.empty());
  CHECK(h.reports.back().state == "in_sync");

  // One hour: four verifications, each a get; the address did not move, so no set.
  for (int i = 0; i < 4; ++i) {
    h.time.advance(15min);
    REQUIRE(h.in_flight);
    h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  }
  CHECK(h.gets == 5);
  CHECK(h.sets == 1);
  CHECK(h.scheduler.undefined_transitions() == 0);
}

TEST_CASE("no update when the state file already holds the address the API sees") {
  Harness h;
  h.feed(ev::Start{ip("203.0.113.7"), std::nullopt});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.sets == 0);
  CHECK(h.persisted.empty());
  CHECK(h.scheduler.state() == State::in_sync);
}

TEST_CASE("an address change sends the get at the same instant, then the set") {
  Harness h;
  h.feed(ev::Start{ip("203.0.113.7"), ip("10.64.0.7")});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.time.advance(3min);
  auto before = h.time.now();
  h.feed(ev::AddressChanged{ip("10.64.0.9")});
  REQUIRE(h.gets == 2);
  CHECK(h.sent_at.back() == before);  // zero delay: the bound "within a second" is only network time
  h.answer_get(reply(Outcome::observed, "198.51.100.20"));
  CHECK(h.set_addresses.back() == "198.51.100.20");
  h.answer_set(reply(Outcome::published));
  CHECK(h.persisted.back() == "198.51.100.20");

  // netlink repeating the same address is not a change.
  h.feed(ev::AddressChanged{ip("10.64.0.9")});
  CHECK(h.gets == 2);
  CHECK_FALSE(h.in_flight);
}

TEST_CASE("an address change during a request is not lost and never doubles the requests") {
  Harness h;
  h.feed(ev::Start{ip("203.0.113.7"), ip("10.64.0.7")});
  h.feed(ev::AddressChanged{ip("10.64.0.9")});  // arrives while the get is out
  CHECK(h.gets == 1);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));  // possibly sent from the old address
  CHECK(h.gets == 2);                                     // so: ask again at once
  h.answer_get(reply(Outcome::observed, "198.51.100.20"));
  CHECK(h.sets == 1);
  h.feed(ev::AddressChanged{ip("10.64.0.11")});  // and during the set
  h.answer_set(reply(Outcome::published));
  CHECK(h.gets == 3);
  h.answer_get(reply(Outcome::observed, "198.51.100.20"));
  CHECK(h.scheduler.state() == State::in_sync);
  CHECK(h.sets == 1);
}

TEST_CASE("the periodic verify repairs drift (carrier NAT moved without a local event)") {
  Harness h;
  h.feed(ev::Start{ip("203.0.113.7"), std::nullopt});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.time.advance(15min);
  h.answer_get(reply(Outcome::observed, "203.0.113.99"));
  CHECK(h.set_addresses == std::vector<std::string>{"203.0.113.99"});
  h.answer_set(reply(Outcome::unchanged));  // someone else already fixed the record: fine too
  CHECK(h.persisted.back() == "203.0.113.99");
}

TEST_CASE("transient failures back off exponentially with jitter, capped; success resets") {
  DdnsPolicy p;
  p.retry_initial = 10s;
  p.retry_max = 160s;
  p.jitter = 0.5;
  Harness h(DdnsMode::source_address, p, 0.5);  // r = 0.5: delay = base × 0.75
  h.feed(ev::Start{std::nullopt, std::nullopt});
  std::vector<Outcome> faults = {Outcome::server_error,  Outcome::timeout,   Outcome::tls_failed,
                                 Outcome::network_error, Outcome::bad_reply, Outcome::clock_skew};
  std::vector<Duration> expected = {7500ms, 15s, 30s, 60s, 120s, 120s};
  for (std::size_t i = 0; i < faults.size(); ++i) {
    CAPTURE(i);
    h.answer_get(reply(faults[i]));
    CHECK(h.scheduler.state() == State::backoff);
    CHECK(h.scheduler.status().code == fb::ddns::error_code(faults[i]));
    CHECK(h.timer_delay() == expected[i]);
    CHECK_FALSE(h.in_flight);
    h.time.advance(h.timer_delay() - 1ms);
    CHECK_FALSE(h.in_flight);  // not a millisecond early
    h.time.advance(1ms);
    CHECK(h.in_flight);
  }
  // The jitter bounds: r = 0 gives the base, r → 1 half of it.
  h.rnd = 0.0;
  h.answer_get(reply(Outcome::server_error));
  CHECK(h.timer_delay() == 160s);
  h.rnd = 0.999;
  h.time.advance(160s);
  h.answer_get(reply(Outcome::server_error));
  CHECK(h.timer_delay() > 80s);
  CHECK(h.timer_delay() < 81s);

  h.time.advance(81s);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.answer_set(reply(Outcome::published));
  CHECK(h.scheduler.status().failures == 0);
  h.time.advance(15min);
  h.rnd = 0.0;
  h.answer_get(reply(Outcome::server_error));
  CHECK(h.timer_delay() == 10s);  // back to the first step
}

TEST_CASE("throttling starts higher, and address changes do not cut it short") {
  DdnsPolicy p;
  p.throttle_initial = 60s;
  Harness h(DdnsMode::source_address, p, 0.0);
  h.feed(ev::Start{std::nullopt, ip("10.64.0.7")});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.answer_set(reply(Outcome::throttled));
  CHECK(h.scheduler.state() == State::backoff);
  CHECK(h.scheduler.status().code == "DDNS_THROTTLED");
  CHECK(h.timer_delay() == 60s);
  h.feed(ev::AddressChanged{ip("10.64.0.8")});
  h.feed(ev::AddressChanged{ip("10.64.0.9")});
  CHECK_FALSE(h.in_flight);
  CHECK(h.gets == 1);
  h.time.advance(60s);
  CHECK(h.gets == 2);  // the retry starts with a get, so it sees the newest address
}

TEST_CASE("no storm: an hour of throttling costs a handful of requests, not thousands") {
  DdnsPolicy p;                                   // the shipped defaults
  Harness h(DdnsMode::source_address, p, 0.999);  // worst case: the shortest jittered delays
  h.feed(ev::Start{std::nullopt, std::nullopt});
  auto end = h.time.now() + 1h;
  while (h.time.now() < end) {
    if (h.in_flight) {
      if (h.pending_set)
        h.answer_set(reply(Outcome::throttled));
      else
        h.answer_get(reply(Outcome::observed, "203.0.113.7"));
      continue;
    }
    h.time.advance(1s);
  }
  MESSAGE("requests in 1 h of throttling (defaults, shortest jitter): " << h.gets << " gets, " << h.sets << " sets");
  CHECK(h.sets >= 3);   // it does keep trying
  CHECK(h.sets <= 10);  // 30 s, 60 s, 2 min, ... capped at 30 min (jittered to >= 15 min)
  CHECK(h.gets == h.sets);
}

TEST_CASE("a wrong secret stops everything until the config is reloaded") {
  Harness h;
  h.feed(ev::Start{std::nullopt, ip("10.64.0.7")});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.answer_set(reply(Outcome::auth_failed));
  CHECK(h.scheduler.state() == State::auth_failed);
  CHECK(h.scheduler.status().code == "DDNS_AUTH_FAILED");
  CHECK(h.reports.back().code == "DDNS_AUTH_FAILED");
  CHECK_FALSE(h.timer.armed());
  h.feed(ev::AddressChanged{ip("10.64.0.8")});
  h.feed(ev::AddressLost{});
  h.feed(ev::AddressChanged{ip("10.64.0.9")});
  h.time.advance(24h);
  CHECK(h.gets == 1);
  CHECK(h.sets == 1);
  CHECK(h.log_has("not published: DDNS_AUTH_FAILED until the config is reloaded"));
  h.feed(ev::ConfigReloaded{});
  CHECK(h.gets == 2);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.answer_set(reply(Outcome::published));
  CHECK(h.scheduler.state() == State::in_sync);
  CHECK(h.scheduler.status().code.empty());
}

TEST_CASE("a locked record is asked about once per verify interval, not hammered") {
  Harness h;
  h.feed(ev::Start{std::nullopt, std::nullopt});
  int locked = 0;
  auto end = h.time.now() + 2h - 1s;
  while (h.time.now() < end) {
    if (h.in_flight) {
      if (h.pending_set) {
        ++locked;
        h.answer_set(reply(Outcome::locked));
        CHECK(h.scheduler.status().code == "DDNS_LOCKED");
        CHECK(h.timer_delay() == 15min);
      } else {
        h.answer_get(reply(Outcome::observed, "203.0.113.7"));
      }
      continue;
    }
    h.time.advance(1s);
  }
  CHECK(locked == 8);  // t = 0, 15, 30, ... 105 min
  CHECK(h.scheduler.state() == State::refused);
}

TEST_CASE("config errors and bad requests wait for the verify interval too") {
  for (Outcome o : {Outcome::config_error, Outcome::bad_request}) {
    Harness h;
    h.feed(ev::Start{std::nullopt, std::nullopt});
    h.answer_get(reply(o));
    CHECK(h.scheduler.state() == State::refused);
    CHECK(h.timer_delay() == 15min);
  }
}

TEST_CASE("no address on the uplink: no requests; the address coming back: a get at once") {
  Harness h;
  h.feed(ev::Start{ip("203.0.113.7"), ip("10.64.0.7")});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.feed(ev::AddressLost{});
  CHECK(h.scheduler.state() == State::waiting_for_address);
  CHECK_FALSE(h.timer.armed());
  h.time.advance(6h);
  CHECK(h.gets == 1);
  h.feed(ev::AddressChanged{ip("10.64.0.8")});
  CHECK(h.gets == 2);
}

TEST_CASE("the address lost while a request is out: no backoff, just wait") {
  Harness h;
  h.feed(ev::Start{ip("203.0.113.7"), ip("10.64.0.7")});
  h.feed(ev::AddressLost{});
  h.answer_get(reply(Outcome::network_error));
  CHECK(h.scheduler.state() == State::waiting_for_address);
  CHECK_FALSE(h.timer.armed());
}

TEST_CASE("a transient failure caused by an address change retries once, at once") {
  Harness h;
  h.feed(ev::Start{ip("203.0.113.7"), ip("10.64.0.7")});
  h.feed(ev::AddressChanged{ip("10.64.0.8")});
  h.answer_get(reply(Outcome::timeout));
  CHECK(h.gets == 2);
  CHECK(h.scheduler.state() == State::querying);
  h.answer_get(reply(Outcome::timeout));  // no second free retry
  CHECK(h.scheduler.state() == State::backoff);
}

TEST_CASE("record mode (Route53): publish the uplink's own address when the record differs") {
  Harness h(DdnsMode::record);
  h.feed(ev::Start{std::nullopt, ip("203.0.113.7")});
  h.answer_get(reply(Outcome::observed));  // no such record yet
  REQUIRE(h.sets == 1);
  CHECK(h.set_addresses.back() == "203.0.113.7");
  h.answer_set(reply(Outcome::published));
  CHECK(h.persisted.back() == "203.0.113.7");
  h.time.advance(15min);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.sets == 1);
  h.feed(ev::AddressChanged{ip("203.0.113.8")});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.set_addresses.back() == "203.0.113.8");

  // The record already right but our state file empty: persist, do not set.
  Harness fresh(DdnsMode::record);
  fresh.feed(ev::Start{std::nullopt, ip("203.0.113.7")});
  fresh.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(fresh.sets == 0);
  CHECK(fresh.persisted == std::vector<std::string>{"203.0.113.7"});

  // No local address known: nothing to publish until one arrives.
  Harness blind(DdnsMode::record);
  blind.feed(ev::Start{std::nullopt, std::nullopt});
  blind.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(blind.scheduler.state() == State::waiting_for_address);
  blind.feed(ev::AddressChanged{ip("203.0.113.9")});
  blind.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(blind.set_addresses == std::vector<std::string>{"203.0.113.9"});
}

TEST_CASE("an undefined transition is a caller bug: logged, counted, ignored") {
  Harness h;
  h.feed(ev::Start{std::nullopt, std::nullopt});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.answer_set(reply(Outcome::published));
  auto actions = h.scheduler.handle(ev::GetFinished{reply(Outcome::observed, "1.2.3.4")}, h.time.now());
  CHECK(actions.empty());
  CHECK(h.scheduler.undefined_transitions() == 1);
  CHECK(h.scheduler.state() == State::in_sync);
  CHECK(h.log_has("ddns[www.example.com]: BUG: undefined transition: in_sync × get_finished(observed 1.2.3.4)"));
  // Start twice is a bug too.
  CHECK(h.scheduler.handle(ev::Start{}, h.time.now()).empty());
  CHECK(h.scheduler.undefined_transitions() == 2);
}

TEST_CASE("every transition is logged with the object's name, the event and the code") {
  Harness h;
  h.feed(ev::Start{std::nullopt, std::nullopt});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.answer_set(reply(Outcome::throttled));
  CHECK(h.log_has("ddns[www.example.com]: idle --start(published none)--> querying"));
  CHECK(h.log_has("ddns[www.example.com]: querying --get_finished(observed 203.0.113.7)--> updating"));
  CHECK(h.log_has("ddns[www.example.com]: updating --set_finished(DDNS_THROTTLED)--> backoff [DDNS_THROTTLED]"));
  std::size_t before = h.log.lines.size();
  h.feed(ev::AddressChanged{ip("10.1.1.1")});  // a self-transition: logged too (debug)
  CHECK(h.log.lines.size() == before + 1);
}

TEST_CASE("random event storms: one request in flight at most, no undefined transitions, one timer") {
  std::mt19937 rng(20260121);
  for (int run = 0; run < 200; ++run) {
    Harness h(run % 2 ? DdnsMode::record : DdnsMode::source_address, DdnsPolicy{}, 0.3);
    h.feed(ev::Start{std::nullopt, std::nullopt});
    const Outcome outcomes[] = {Outcome::observed,   Outcome::server_error, Outcome::throttled, Outcome::timeout,
                                Outcome::locked,     Outcome::bad_reply,    Outcome::published, Outcome::unchanged,
                                Outcome::tls_failed, Outcome::auth_failed};
    for (int step = 0; step < 300; ++step) {
      switch (rng() % 6) {
        case 0: h.feed(ev::AddressChanged{ip(("10.64.0." + std::to_string(rng() % 4)).c_str())}); break;
        case 1:
          if (rng() % 8 == 0) h.feed(ev::AddressLost{});
          break;
        case 2:
          if (rng() % 20 == 0) h.feed(ev::ConfigReloaded{});
          if (rng() % 10 == 0) h.feed(ev::UpdateRequested{});
          break;
        case 3: h.time.advance(Duration(rng() % 120000)); break;
        default:
          if (!h.in_flight) break;
          Outcome o = outcomes[rng() % std::size(outcomes)];
          if (o == Outcome::auth_failed && rng() % 4) o = Outcome::server_error;  // keep runs going
          if (h.pending_set) {
            if (o == Outcome::observed) o = Outcome::published;
            h.answer_set(reply(o));
          } else {
            if (o == Outcome::published || o == Outcome::unchanged) o = Outcome::observed;
            h.answer_get(reply(o, o == Outcome::observed ? "203.0.113.7" : nullptr));
          }
      }
      CHECK(h.time.pending() <= 1);
    }
    CHECK(h.scheduler.undefined_transitions() == 0);
  }
}

TEST_CASE("a success reply without an address is survived: no crash, nothing persisted") {
  Harness h;
  h.feed(ev::Start{std::nullopt, std::nullopt});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.in_flight = false;
  h.pending_set.reset();
  h.feed(ev::SetFinished{reply(Outcome::published)});
  CHECK(h.scheduler.state() == State::in_sync);
  CHECK(h.persisted.empty());
  CHECK(h.scheduler.undefined_transitions() == 0);
}

TEST_CASE("ddns-update: one get, then one set even though the published address matches") {
  Harness h;
  h.feed(ev::Start{ip("203.0.113.7"), ip("10.64.0.7")});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  REQUIRE(h.scheduler.state() == State::in_sync);
  REQUIRE(h.sets == 0);
  h.time.advance(1min);
  h.feed(ev::UpdateRequested{});
  CHECK(h.gets == 2);
  CHECK(h.sent_at.back() == h.time.now());  // at once
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.sets == 1);
  CHECK(h.set_addresses.back() == "203.0.113.7");
  h.answer_set(reply(Outcome::unchanged));
  CHECK(h.scheduler.state() == State::in_sync);
  CHECK(h.timer_delay() == 15min);
  // The force is one-shot: the next verify is a plain get again.
  h.time.advance(15min);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.gets == 3);
  CHECK(h.sets == 1);
  CHECK(h.log_has("ddns[www.example.com]: update requested: a get, then a set even if the address is unchanged"));
}

TEST_CASE("ddns-update clears a backoff, joins a get in flight, and adds nothing to a set in flight") {
  Harness h(DdnsMode::source_address, DdnsPolicy{}, 0.0);
  h.feed(ev::Start{ip("203.0.113.7"), std::nullopt});
  h.answer_get(reply(Outcome::server_error));
  REQUIRE(h.scheduler.state() == State::backoff);
  h.feed(ev::UpdateRequested{});
  CHECK(h.scheduler.state() == State::querying);
  CHECK(h.scheduler.status().failures == 0);
  CHECK_FALSE(h.timer.armed());  // the backoff timer is gone
  // A second request while the get is out: no second get, still one set after it.
  h.feed(ev::UpdateRequested{});
  CHECK(h.gets == 2);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.sets == 1);
  h.feed(ev::UpdateRequested{});  // the set is in flight: nothing more
  h.answer_set(reply(Outcome::unchanged));
  CHECK(h.gets == 2);
  CHECK(h.sets == 1);
  CHECK(h.scheduler.state() == State::in_sync);
  CHECK(h.log_has("update requested: a set is in flight already"));

  // A get in flight when the operator asks: its answer is used, then a set.
  h.time.advance(15min);
  REQUIRE(h.in_flight);
  h.feed(ev::UpdateRequested{});
  CHECK(h.gets == 3);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.sets == 2);
}

TEST_CASE("ddns-update is refused after an authentication failure and without an address") {
  Harness h;
  h.feed(ev::Start{std::nullopt, std::nullopt});
  h.answer_get(reply(Outcome::auth_failed));
  REQUIRE(h.scheduler.state() == State::auth_failed);
  h.feed(ev::UpdateRequested{});
  CHECK(h.gets == 1);
  CHECK(h.scheduler.state() == State::auth_failed);
  CHECK(h.log_has("update refused: DDNS_AUTH_FAILED until the config is reloaded"));

  Harness lost;
  lost.feed(ev::Start{std::nullopt, ip("10.64.0.7")});
  lost.answer_get(reply(Outcome::observed, "203.0.113.7"));
  lost.answer_set(reply(Outcome::published));
  lost.feed(ev::AddressLost{});
  REQUIRE(lost.scheduler.state() == State::waiting_for_address);
  lost.feed(ev::UpdateRequested{});
  CHECK(lost.gets == 1);
  CHECK(lost.log_has("update refused: the uplink has no address"));
  CHECK(lost.scheduler.undefined_transitions() == 0);
}

TEST_CASE("ddns-update in record mode (Route53) writes the record even when it already holds the address") {
  Harness h(DdnsMode::record);
  h.feed(ev::Start{ip("203.0.113.9"), ip("203.0.113.9")});
  h.answer_get(reply(Outcome::observed, "203.0.113.9"));
  REQUIRE(h.scheduler.state() == State::in_sync);
  CHECK(h.sets == 0);
  h.feed(ev::UpdateRequested{});
  h.answer_get(reply(Outcome::observed, "203.0.113.9"));
  CHECK(h.set_addresses == std::vector<std::string>{"203.0.113.9"});
  h.answer_set(reply(Outcome::unchanged));
  CHECK(h.scheduler.state() == State::in_sync);
}

TEST_CASE("a failed forced get does not leave the force behind for the retry") {
  Harness h(DdnsMode::source_address, DdnsPolicy{}, 0.0);
  h.feed(ev::Start{ip("203.0.113.7"), std::nullopt});
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  h.feed(ev::UpdateRequested{});
  h.answer_get(reply(Outcome::timeout));
  REQUIRE(h.scheduler.state() == State::backoff);
  h.time.advance(10s);
  h.answer_get(reply(Outcome::observed, "203.0.113.7"));
  CHECK(h.sets == 0);
  CHECK(h.scheduler.state() == State::in_sync);
}

namespace {

DdnsPolicy nat_policy(bool modem_link, bool publish_behind_nat) {
  DdnsPolicy p;
  p.nat.uplink = "cell";
  p.nat.modem_link = modem_link;
  p.nat.publish_behind_nat = publish_behind_nat;
  return p;
}

}  // namespace

TEST_CASE("behind carrier-grade NAT the record is withheld and looked at again each verify interval") {
  Harness h(DdnsMode::record, nat_policy(false, false));
  h.feed(ev::Start{std::nullopt, ip("100.72.1.9")});
  h.answer_get(reply(Outcome::observed));  // no such record yet
  CHECK(h.sets == 0);
  CHECK(h.scheduler.state() == State::behind_nat);
  CHECK(h.scheduler.status().code == "DDNS_BEHIND_NAT");
  CHECK(h.scheduler.status().detail.find("not published: uplink cell is behind carrier-grade NAT (100.72.1.9") == 0);
  CHECK(h.scheduler.status().failures == 0);  // not a failure: nothing is retried sooner
  CHECK(h.reports.back().state == "behind_nat");
  CHECK(h.log_has("not published: uplink cell is behind carrier-grade NAT"));
  CHECK(h.timer_delay() == 15min);

  h.time.advance(15min);  // the verify: a get, still withheld
  REQUIRE(h.in_flight);
  h.answer_get(reply(Outcome::observed));
  CHECK(h.sets == 0);
  CHECK(h.scheduler.state() == State::behind_nat);

  h.feed(ev::UpdateRequested{});  // the operator cannot force it past the config
  h.answer_get(reply(Outcome::observed));
  CHECK(h.sets == 0);
  CHECK(h.scheduler.state() == State::behind_nat);

  h.feed(ev::AddressChanged{ip("203.0.113.9")});  // a public address: published at once
  h.answer_get(reply(Outcome::observed));
  CHECK(h.set_addresses == std::vector<std::string>{"203.0.113.9"});
  h.answer_set(reply(Outcome::published));
  CHECK(h.scheduler.state() == State::in_sync);
  CHECK(h.scheduler.status().code.empty());
  CHECK(h.scheduler.undefined_transitions() == 0);
}

TEST_CASE("behind NAT with publish_behind_nat = yes the record is published, and the log says so") {
  Harness h(DdnsMode::record, nat_policy(false, true));
  h.feed(ev::Start{std::nullopt, ip("100.72.1.9")});
  h.answer_get(reply(Outcome::observed));
  CHECK(h.set_addresses == std::vector<std::string>{"100.72.1.9"});
  CHECK(h.log_has("published anyway ([ddns] publish_behind_nat = yes)"));
}

TEST_CASE("Lambda: the address the API saw confirms the NAT, or shows there is none") {
  // An RFC 1918 address on a modem uplink, and the API sees the carrier's address: withheld.
  Harness h(DdnsMode::source_address, nat_policy(true, false));
  h.feed(ev::Start{std::nullopt, ip("10.64.0.7")});
  h.answer_get(reply(Outcome::observed, "203.0.113.5"));
  CHECK(h.sets == 0);
  CHECK(h.scheduler.state() == State::behind_nat);
  CHECK(h.scheduler.status().detail.find("the DDNS server saw 203.0.113.5") != std::string::npos);
  REQUIRE(h.scheduler.status().seen);
  CHECK(h.scheduler.status().seen->text() == "203.0.113.5");

  // The API sees the uplink's own address (a private APN with the server inside it): published.
  Harness direct(DdnsMode::source_address, nat_policy(true, false));
  direct.feed(ev::Start{std::nullopt, ip("10.64.0.7")});
  direct.answer_get(reply(Outcome::observed, "10.64.0.7"));
  CHECK(direct.set_addresses == std::vector<std::string>{"10.64.0.7"});

  // The same address on an Ethernet uplink is a router's LAN: published as before.
  Harness wired(DdnsMode::source_address, nat_policy(false, false));
  wired.feed(ev::Start{std::nullopt, ip("10.64.0.7")});
  wired.answer_get(reply(Outcome::observed, "203.0.113.5"));
  CHECK(wired.set_addresses == std::vector<std::string>{"203.0.113.5"});

  // A withheld record is published once the setting allows it (a reload).
  Harness reload(DdnsMode::source_address, nat_policy(true, false));
  reload.feed(ev::Start{std::nullopt, ip("100.72.1.9")});
  reload.answer_get(reply(Outcome::observed, "203.0.113.5"));
  REQUIRE(reload.scheduler.state() == State::behind_nat);
  reload.feed(ev::AddressLost{});
  CHECK(reload.scheduler.state() == State::waiting_for_address);
  CHECK(reload.scheduler.undefined_transitions() == 0);
}
