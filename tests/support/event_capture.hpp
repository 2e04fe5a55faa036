// The events the code under test publishes (fb::events::publish()), kept
// while an EventCapture lives: it is the process's event sink meanwhile.
// Header-only, for in-process tests.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "fb/event.hpp"

namespace fb::test {

struct EventCapture {
  std::vector<fb::Event> events;
  EventCapture() {
    fb::events::set_sink([this](fb::Event e) { events.push_back(std::move(e)); });
  }
  ~EventCapture() { fb::events::set_sink(nullptr); }
  EventCapture(const EventCapture&) = delete;
  EventCapture& operator=(const EventCapture&) = delete;

  std::vector<fb::Event> of(fb::EventKind kind) const {
    std::vector<fb::Event> out;
    std::copy_if(events.begin(), events.end(), std::back_inserter(out),
                 [&](const fb::Event& e) { return e.kind == kind; });
    return out;
  }
  // The index of the first event of `kind` whose `to` is `to` ("" any); events.size() when none.
  std::size_t first(fb::EventKind kind, const std::string& to = "") const {
    for (std::size_t i = 0; i < events.size(); ++i)
      if (events[i].kind == kind && (to.empty() || events[i].to == to)) return i;
    return events.size();
  }
};

}  // namespace fb::test
