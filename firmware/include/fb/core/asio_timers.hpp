// fb::TimerService on the daemon's io_context (steady_timer per armed timer).
//
// Contract: callbacks run on the io_context thread; after cancel() the
// callback never runs, also when the timer had expired and its completion was
// already queued. Owns its timers; destroying it cancels all.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>

#include "fb/time.hpp"

namespace fb::core {

class AsioTimerService final : public TimerService {
 public:
  explicit AsioTimerService(boost::asio::io_context& io) : io_(io) {}
  ~AsioTimerService() override;
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  TimerId arm(TimePoint deadline, std::function<void()> callback) override;
  void cancel(TimerId id) override;

 private:
  boost::asio::io_context& io_;
  TimerId last_id_ = 0;
  std::map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace fb::core
