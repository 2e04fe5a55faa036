#include "fb/core/event_bus.hpp"

#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <chrono>
#include <string>

namespace fb::core {

EventBus::EventBus(boost::asio::io_context& io, TimerService& timers, HookSettings hooks)
    : hooks_(io, timers, std::move(hooks)) {
  events::set_sink([this](Event e) { publish(std::move(e)); });
}

EventBus::~EventBus() {
  events::set_sink(nullptr);
}

void EventBus::publish(Event event) {
  if (!event.time) event.time = std::chrono::system_clock::now();
  event = cleaned(std::move(event));
  ++published_;
  recent_.push_back(event);
  while (recent_.size() > kKeep) recent_.pop_front();
  journal(event);
  auto subscribers = subscribers_;  // one may unsubscribe while we go
  for (const auto& [id, subscriber] : subscribers)
    if (subscribers_.count(id)) subscriber(event);
  hooks_.enqueue(std::move(event));
}

void EventBus::journal(const Event& event) const {
  if (logging::format() != logging::Format::journal) {
    log_.line(event_level(event.kind)) << event_line(event);
    return;
  }
  std::vector<std::string> fields = journal_fields(event);
  std::vector<iovec> iov;
  for (std::string& f : fields) iov.push_back(iovec{f.data(), f.size()});
  if (int rc = sd_journal_sendv(iov.data(), static_cast<int>(iov.size())); rc < 0)
    log_.line(event_level(event.kind)) << event_line(event);  // the journal socket is gone: stderr still works
}

EventBus::SubscriberId EventBus::subscribe(std::function<void(const Event&)> subscriber) {
  SubscriberId id = next_id_++;
  subscribers_[id] = std::move(subscriber);
  return id;
}

void EventBus::unsubscribe(SubscriberId id) {
  subscribers_.erase(id);
}

}  // namespace fb::core
