// EventPump: FIFO order, events fed from the handler wait their turn, and a
// handler that throws leaves the pump idle with the rest of the queue kept.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "fb/event_pump.hpp"

namespace {

// Records "+name" when an event starts and "-name" when it ends, so nesting
// shows as a "+" between another event's "+" and "-".
struct Recorder {
  std::vector<std::string> seen;
  int depth = 0;
  int deepest = 0;
  void begin(const std::string& e) {
    seen.push_back("+" + e);
    deepest = std::max(deepest, ++depth);
  }
  void end(const std::string& e) {
    seen.push_back("-" + e);
    --depth;
  }
};

}  // namespace

TEST_CASE("events are handled one at a time in the order they were fed") {
  std::vector<std::string> handled;
  fb::EventPump<std::string> pump{[&](std::string&& e) { handled.push_back(e); }};
  pump.post("a");
  pump.post("b");
  CHECK(handled.empty());  // post() only queues
  CHECK(pump.queued() == 2);
  pump.feed("c");
  pump.feed("d");
  CHECK(handled == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(pump.queued() == 0);
  CHECK_FALSE(pump.running());
}

TEST_CASE("an event fed from the handler runs after the current one, never inside it") {
  Recorder r;
  fb::EventPump<std::string>* self = nullptr;
  fb::EventPump<std::string> pump{[&](std::string&& e) {
    r.begin(e);
    CHECK(self->running());
    if (e == "a") {
      self->feed("b");  // queued behind a
      self->post("c");
      self->run();  // returns at once: the loop below a takes b and c
    }
    if (e == "b") self->feed("d");  // after c, which was queued first
    r.end(e);
  }};
  self = &pump;
  pump.feed("a");
  CHECK(r.seen == std::vector<std::string>{"+a", "-a", "+b", "-b", "+c", "-c", "+d", "-d"});
  CHECK(r.deepest == 1);
  CHECK_FALSE(pump.running());
}

TEST_CASE("a handler that throws: the caller sees it, the pump is idle, the queue is kept") {
  std::vector<std::string> handled;
  fb::EventPump<std::string>* self = nullptr;
  fb::EventPump<std::string> pump{[&](std::string&& e) {
    if (e == "a") {
      self->post("b");
      self->post("boom");
      self->post("c");
    }
    if (e == "boom") throw std::runtime_error("handler failed on " + e);
    handled.push_back(e);
  }};
  self = &pump;

  CHECK_THROWS_WITH_AS(pump.feed("a"), "handler failed on boom", std::runtime_error);
  CHECK(handled == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(pump.running());
  CHECK(pump.queued() == 1);  // c: the event that threw is gone, the one behind it is not

  pump.feed("d");  // a pump stuck "running" would only queue this
  CHECK(handled == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(pump.queued() == 0);

  CHECK_THROWS_AS(pump.feed("boom"), std::runtime_error);  // and again: each throw leaves it usable
  pump.feed("e");
  CHECK(handled.back() == "e");
}
