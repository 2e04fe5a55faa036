// AtChannel: the one owner of a modem's AT tty. Moves bytes between the fd
// and fb::at::Framer, runs one command at a time from a bounded queue, times
// each out through fb::TimerService, and hands URCs to subscribers.
//
// Contract:
//  - Threading: everything runs on the daemon's one io_context; no locks.
//    Command completions and the gone event are posted to the io_context,
//    never called from inside send()/cancel(), so callers may re-enter.
//  - Every command completes exactly once: a Response (final OK/CONNECT),
//    or an Error — the modem's (ERROR, +CME ERROR → stable code), AT_TIMEOUT,
//    AT_CANCELLED, AT_QUEUE_FULL or MODEM_GONE.
//  - Cancelling the command in flight completes it at once but the channel
//    still waits for its final result (or timeout) before writing the next
//    one; after a timeout it waits once more (the same time, at most the
//    default timeout) for a late final result and drops it. Either way a
//    slow modem's late "OK" does not answer the next command.
//  - EOF, EIO or a write error means the stick is gone: reading stops (no
//    busy loop on a dead fd), every pending command fails with MODEM_GONE,
//    on_gone handlers run once. The channel stays gone until open() again.
//  - A command with `after_prompt` (AT+CMGS) gets those bytes written when
//    the framer reports the "> " prompt; the timeout covers the whole
//    exchange. The bytes are not logged (a text message is the user's).
//  - Owns the fd; the destructor closes it and drops pending callbacks.
#pragma once

// <utility> first: Boost 1.74's asio/awaitable.hpp uses std::exchange
// without including it (breaks with GCC 12 in C++20).
#include <utility>
//
#include <array>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fb/at/error.hpp"
#include "fb/at/framing.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::at {

struct Command {
  std::string text;                 // "AT+CSQ", without the "\r"
  std::vector<std::string> expect;  // information-line prefixes, e.g. {"+CSQ:"}
  Duration timeout{0};              // 0: the channel's default
  // Non-empty: the command waits for the modem's "> " prompt and then these
  // bytes are written (AT+CMGS: the text and Ctrl-Z); its final result comes
  // after them. Timing out there writes ESC, which ends the text input
  // without sending.
  std::string after_prompt{};
};

using CommandResult = modem::Result<Response>;
using CommandId = std::uint64_t;

class AtChannel {
 public:
  struct Options {
    std::string name = "at";  // log object: "modem[ttyUSB2]"
    Duration default_timeout = std::chrono::seconds(5);
    std::size_t max_queue = 32;
    std::vector<std::string> urc_prefixes;  // known URCs even without a subscriber
  };

  AtChannel(boost::asio::io_context& io, TimerService& timers, Options options);
  ~AtChannel();
  AtChannel(const AtChannel&) = delete;
  AtChannel& operator=(const AtChannel&) = delete;

  // Opens a tty O_RDWR|O_NOCTTY|O_NONBLOCK in raw 8N1 mode and starts reading.
  modem::Result<void> open(const std::string& path);
  // Takes an fd that is already open and configured (O_NONBLOCK).
  void attach(int fd);
  // Closes the fd; pending commands fail with AT_CANCELLED. Not a gone event.
  void close();
  // Stops reading and gives up the fd without closing it (a data port after
  // CONNECT goes to pppd); pending commands fail with AT_CANCELLED. Returns
  // -1 when not open. Bytes already read but not framed are dropped.
  int release();
  bool is_open() const { return open_; }
  bool gone() const { return gone_; }

  CommandId send(Command command, std::function<void(CommandResult)> done);
  // True when `id` was still pending (it completes with AT_CANCELLED).
  bool cancel(CommandId id);

  template <class Token>
  auto async_send(Command command, Token&& token) {
    return boost::asio::async_initiate<Token, void(CommandResult)>(
        [this](auto handler, Command cmd) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          send(std::move(cmd), [shared](CommandResult r) { (*shared)(std::move(r)); });
        },
        token, std::move(command));
  }
  boost::asio::awaitable<CommandResult> run(Command command) {
    co_return co_await async_send(std::move(command), boost::asio::use_awaitable);
  }

  using UrcHandler = std::function<void(const std::string& line)>;
  // `prefix` as for Framer::add_urc_prefix; "" receives every URC.
  std::uint64_t subscribe(std::string prefix, UrcHandler handler);
  void unsubscribe(std::uint64_t id);
  void on_gone(std::function<void(const modem::Error&)> handler);

  const Framer::Stats& stats() const { return framer_.stats(); }
  std::size_t queued() const { return queue_.size(); }
  const std::string& name() const { return log_.name(); }

 private:
  struct Pending {
    CommandId id = 0;
    Command command;
    std::function<void(CommandResult)> done;  // empty once cancelled in flight
  };
  struct Subscriber {
    std::uint64_t id;
    std::string prefix;
    UrcHandler handler;
  };

  void start_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void start_next();
  void on_written(const boost::system::error_code& ec);
  void on_timeout(CommandId id);
  void on_drained();
  void finish_current(CommandResult result);
  void complete(std::function<void(CommandResult)> done, CommandResult result);
  void dispatch(std::vector<FramerEvent>& events);
  void fail_all(modem::Code code, const std::string& detail);
  void become_gone(const std::string& why);
  static std::string loggable(const std::string& command);

  boost::asio::io_context& io_;
  TimerService& timers_;
  Options options_;
  Logger log_;
  boost::asio::posix::stream_descriptor sd_;
  Framer framer_;
  std::array<char, 4096> in_{};
  std::string out_;
  std::string prompt_out_;  // after_prompt of the command in flight, while being written
  std::deque<Pending> queue_;
  std::optional<Pending> current_;
  OneShot timer_{timers_};               // the command's timeout, then the wait for a late answer
  std::optional<std::string> draining_;  // the timed-out command whose late answer we wait out
  CommandId last_id_ = 0;
  std::vector<Subscriber> subscribers_;
  std::uint64_t last_sub_ = 0;
  std::vector<std::function<void(const modem::Error&)>> gone_handlers_;
  bool open_ = false;
  bool gone_ = false;
  // Async handlers hold a weak_ptr to this: a channel destroyed with I/O or
  // timers outstanding turns their late callbacks into no-ops.
  std::shared_ptr<AtChannel*> life_;
};

// Opens and configures a tty the way the channel wants it.
modem::Result<int> open_tty(const std::string& path);
modem::Result<void> make_raw(int fd);

}  // namespace fb::at
