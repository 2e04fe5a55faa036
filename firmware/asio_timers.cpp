#include "fb/core/asio_timers.hpp"

namespace fb::core {

AsioTimerService::~AsioTimerService() {
  for (auto& [id, timer] : timers_) timer->cancel();
}

TimerId AsioTimerService::arm(TimePoint deadline, std::function<void()> callback) {
  TimerId id = ++last_id_;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_, deadline);
  timer->async_wait([this, id, cb = std::move(callback)](const boost::system::error_code& ec) {
    // Cancelled: before expiry the wait ends with an error; after it, with
    // the completion already queued, the id is gone from timers_.
    if (ec || timers_.erase(id) == 0) return;
    cb();
  });
  timers_.emplace(id, std::move(timer));
  return id;
}

void AsioTimerService::cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

}  // namespace fb::core
