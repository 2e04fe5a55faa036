// Time as a dependency: decision code never reads a clock or sleeps.
//
// Contract: `Clock::now()` is monotonic. `TimerService::arm()` calls back once
// at or after the deadline on the daemon's one thread; after `cancel()` the
// callback never runs; `cancel()` of a fired or unknown id is a no-op.
// Production code uses the Asio implementation in firmware/; tests use
// VirtualTime, which fires due timers in deadline order (ties in arming order)
// only when the test advances it. OneShot is the one timer slot an owner
// keeps on either.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>

namespace fb {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;
using TimerId = std::uint64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class TimerService : public Clock {
 public:
  virtual TimerId arm(TimePoint deadline, std::function<void()> callback) = 0;
  virtual void cancel(TimerId id) = 0;
  TimerId arm_after(Duration delay, std::function<void()> callback) { return arm(now() + delay, std::move(callback)); }
};

// One pending timer at most, for an owner with one deadline of a kind (a
// core's ArmTimer, a command's timeout, the watchdog tick). arm() replaces
// whatever is pending; cancel() and the destructor make sure a pending
// callback never runs, and are no-ops when nothing is pending (also after it
// fired). The callback may arm, cancel or destroy its own OneShot. The
// TimerService must outlive it.
class OneShot {
 public:
  explicit OneShot(TimerService& timers) : timers_(timers) {}
  ~OneShot() { cancel(); }
  OneShot(const OneShot&) = delete;
  OneShot& operator=(const OneShot&) = delete;

  void arm(TimePoint deadline, std::function<void()> callback) {
    cancel();
    id_ = timers_.arm(deadline, [this, callback = std::move(callback)] {
      id_ = 0;
      callback();
    });
  }
  void arm_after(Duration delay, std::function<void()> callback) { arm(timers_.now() + delay, std::move(callback)); }
  void cancel() {
    if (id_ != 0) timers_.cancel(std::exchange(id_, 0));
  }
  bool armed() const { return id_ != 0; }

 private:
  TimerService& timers_;
  TimerId id_ = 0;  // 0: nothing pending (no TimerService hands out 0)
};

class VirtualTime final : public TimerService {
 public:
  TimePoint now() const override { return now_; }
  TimerId arm(TimePoint deadline, std::function<void()> callback) override {
    TimerId id = ++last_id_;
    pending_.emplace(std::make_pair(deadline, id), std::move(callback));
    return id;
  }
  void cancel(TimerId id) override {
    for (auto it = pending_.begin(); it != pending_.end(); ++it)
      if (it->first.second == id) {
        pending_.erase(it);
        return;
      }
  }
  // Moves time forward by `delta`, firing every timer due on the way (also
  // those armed by callbacks) with now() equal to each timer's deadline.
  void advance(Duration delta) {
    TimePoint end = now_ + delta;
    while (!pending_.empty() && pending_.begin()->first.first <= end) {
      auto node = pending_.extract(pending_.begin());
      now_ = node.key().first;
      node.mapped()();
    }
    now_ = end;
  }
  std::size_t pending() const { return pending_.size(); }

 private:
  TimePoint now_{};
  TimerId last_id_ = 0;
  std::map<std::pair<TimePoint, TimerId>, std::function<void()>> pending_;
};

}  // namespace fb
