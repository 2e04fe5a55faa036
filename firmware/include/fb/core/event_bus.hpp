// EventBus: where every fb::Event the daemon publishes goes.
//
// Contract: single-threaded on the daemon's io_context. Constructing it
// makes it the process's event sink (fb::events::set_sink), so a service
// publishes with one line, fb::events::publish(event), where it learns the
// fact; destroying it removes the sink. publish():
//  - stamps the wall time (when the event has none) and cleans the text;
//  - keeps the last `kKeep` events for /status (recent(), oldest first);
//  - writes one journal entry with the structured FB_* fields
//    (sd_journal_sendv) when the log goes to the journal
//    (logging::Format::journal), else one log line as `event: ...`
//    (fb::event_line()), at the event's level;
//  - hands it to each subscriber (the control socket's `events --follow`
//    streams), which must not block or publish;
//  - queues it for the hooks (HookRunner), which run later from the loop.
// It never calls back into the publisher.
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "fb/core/hook_runner.hpp"
#include "fb/event.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

class EventBus {
 public:
  static constexpr std::size_t kKeep = 50;
  using SubscriberId = std::uint64_t;

  EventBus(boost::asio::io_context& io, TimerService& timers, HookSettings hooks = {});
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  void publish(Event event);
  std::vector<Event> recent() const { return {recent_.begin(), recent_.end()}; }
  SubscriberId subscribe(std::function<void(const Event&)> subscriber);
  void unsubscribe(SubscriberId id);
  HookRunner& hooks() { return hooks_; }
  std::uint64_t published() const { return published_; }

 private:
  void journal(const Event& event) const;

  std::deque<Event> recent_;
  std::map<SubscriberId, std::function<void(const Event&)>> subscribers_;
  SubscriberId next_id_ = 1;
  HookRunner hooks_;
  Logger log_{"event"};
  std::uint64_t published_ = 0;
};

}  // namespace fb::core
