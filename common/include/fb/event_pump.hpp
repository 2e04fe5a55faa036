// EventPump: hands events to one handler, one at a time, in the order they
// came — the loop between a decision core and the adapter that carries out
// its actions, where an action may produce the next event at once.
//
// Contract: single-threaded. feed() queues an event and runs the queue;
// an event fed or post()ed while the handler runs waits for the current one
// to finish and then runs in its turn: the handler is never re-entered, so a
// core never sees an event in the middle of handling another. If the handler
// throws, the exception leaves through the feed()/run() that started the
// loop; the event that threw is gone, the pump is idle again, and the events
// still queued are kept and run, in order, on the next feed() or run(). (In
// failberryd a throw is a bug and the process exits; keeping the queue makes
// the pump a plain FIFO that a throw does not silently empty.)
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <utility>

namespace fb {

template <class Event>
class EventPump {
 public:
  using Handler = std::function<void(Event&&)>;

  explicit EventPump(Handler handler) : handler_(std::move(handler)) {}
  EventPump(const EventPump&) = delete;
  EventPump& operator=(const EventPump&) = delete;

  // Queues `event` and runs the queue (see run()).
  void feed(Event event) {
    post(std::move(event));
    run();
  }
  // Queues `event` without running it: it runs after the current event when
  // called from the handler, else on the next feed() or run().
  void post(Event event) { queue_.push_back(std::move(event)); }
  // Handles queued events until none is left; returns at once when called
  // from the handler (the running loop takes what was queued).
  void run() {
    if (running_) return;
    running_ = true;
    // Reset however the loop ends, a throw included: a pump left marked
    // running would drop every later event without a word.
    struct Idle {
      bool& running;
      ~Idle() { running = false; }
    } idle{running_};
    while (!queue_.empty()) {
      Event next = std::move(queue_.front());
      queue_.pop_front();
      handler_(std::move(next));
    }
  }

  bool running() const { return running_; }
  std::size_t queued() const { return queue_.size(); }

 private:
  Handler handler_;
  std::deque<Event> queue_;
  bool running_ = false;
};

}  // namespace fb
