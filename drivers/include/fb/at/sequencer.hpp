// The AT sequencer: runs a table of {command, timeout, response processor}
// steps on an AtChannel as one C++20 coroutine on the daemon's io_context.
//
// Contract: steps run in order, one at a time. A transport failure
// (MODEM_GONE, AT_TIMEOUT, AT_CANCELLED, AT_QUEUE_FULL) always stops the
// table with that error. Otherwise the step's processor sees the result —
// a Response or the modem's own error — writes what it learned into the
// caller's State and returns an Error to stop, or nullopt to go on. Without
// a processor a modem error stops the table unless the step is optional.
// Which table to run, and what a stop means, is the supervisor's decision.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "fb/at/channel.hpp"

namespace fb::at {

template <class State>
struct Step {
  Command command;
  bool optional = false;
  std::function<std::optional<modem::Error>(const CommandResult&, State&)> process;
  std::function<bool(const State&)> skip = {};  // set and true: the row is not sent (an earlier row answered)
};

inline bool transport_failure(modem::Code code) {
  return code == modem::Code::modem_gone || code == modem::Code::at_timeout || code == modem::Code::at_cancelled ||
         code == modem::Code::at_queue_full || code == modem::Code::no_modem;
}

template <class State>
boost::asio::awaitable<modem::Result<void>> run_steps(AtChannel& channel, const std::vector<Step<State>>& steps,
                                                      State& state) {
  for (const auto& step : steps) {
    if (step.skip && step.skip(state)) continue;
    CommandResult result = co_await channel.run(step.command);
    if (!result && transport_failure(result.code())) co_return result.error();
    if (step.process) {
      if (auto stop = step.process(result, state)) co_return *stop;
    } else if (!result && !step.optional) {
      co_return result.error();
    }
  }
  co_return modem::Result<void>{};
}

}  // namespace fb::at
