#include "fb/core/event_loop.hpp"

#include <exception>

#include "fb/text.hpp"

namespace fb::core {

int run_event_loop(boost::asio::io_context& io, const Logger& log) {
  const char* restart = "; exiting for systemd to restart failberryd";
  try {
    io.run();
  } catch (const std::exception& e) {
    log.error() << "BUG: unhandled exception in the event loop: " << clean_text(e.what()) << restart;
    return kExitSoftware;
  } catch (...) {
    log.error() << "BUG: unhandled exception in the event loop: unknown exception (not a std::exception)" << restart;
    return kExitSoftware;
  }
  return 0;
}

}  // namespace fb::core
