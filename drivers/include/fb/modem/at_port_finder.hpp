// AtPortFinder: finds which of a modem's ttys answers AT, for sticks whose
// profile does not say (FoundModem::at_tty empty, FoundModem::candidates
// from discovery).
//
// Contract:
//  - Runs on the daemon's one io_context through fb::at::AtChannel (raw tty,
//    echo and garbage tolerated by its framer); no blocking call.
//  - Candidates are tried one after the other, in the order given
//    (discovery's interface order): open, send "AT", wait for the final OK
//    up to `timeout`; a port that stays silent is re-opened and asked again,
//    `attempts` times in all. The first port that answers OK is chosen and
//    the search stops. A port that answers anything else (ERROR, garbage,
//    URCs only), never answers, or cannot be opened is not chosen.
//  - `done` is posted to the io_context exactly once (never from inside
//    start()): a AtPortSearch with the chosen tty and every attempt, or
//    AT_TIMEOUT whose detail lists each port tried and what it did
//    ("no AT port answered: ttyUSB0: no answer (2 x AT, 1000 ms each) (412
//    noise bytes); ttyUSB1: open failed: …"); NO_MODEM when there is no
//    candidate at all. report() keeps the attempts of the last run, also
//    after a failure (for status).
//  - The searching channel is closed before `done`: the caller opens its own
//    AtChannel on the chosen port. cancel() / the destructor stop at once
//    without calling `done`.
//  - Worst case duration: candidates × attempts × timeout.
#pragma once

#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fb/at/channel.hpp"
#include "fb/at/error.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::modem {

struct AtPortAttempt {
  std::string tty;                // as given: "ttyUSB1" or a path
  bool answered = false;          // final OK to AT
  std::string outcome;            // "OK", "no answer (2 x AT, 1000 ms each)", "open failed: …"
  std::uint64_t noise_bytes = 0;  // garbage the framer dropped while asking
};

struct AtPortSearch {
  std::string at_tty;                // the chosen candidate, as given
  std::vector<AtPortAttempt> tried;  // in the order tried; the chosen one last
  std::string summary() const;       // "ttyUSB0: no answer (…); ttyUSB1: OK"
};

class AtPortFinder {
 public:
  struct Options {
    std::string name = "modem-probe";    // log object
    std::filesystem::path dev = "/dev";  // where candidate names live (absolute paths are used as given)
    Duration timeout = std::chrono::milliseconds(1000);  // per AT
    int attempts = 2;                                    // ATs per port
  };
  using Done = std::function<void(Result<AtPortSearch>)>;

  AtPortFinder(boost::asio::io_context& io, TimerService& timers, Options options);
  ~AtPortFinder();
  AtPortFinder(const AtPortFinder&) = delete;
  AtPortFinder& operator=(const AtPortFinder&) = delete;

  void start(std::vector<std::string> candidates, Done done);
  void cancel();
  bool busy() const { return running_; }
  const AtPortSearch& report() const { return result_; }

 private:
  void try_port(std::size_t index);
  void ask();
  void answered(at::CommandResult result);
  void next_port(std::string outcome);
  void finish(Result<AtPortSearch> result);
  std::string path_of(const std::string& candidate) const;

  boost::asio::io_context& io_;
  TimerService& timers_;
  Options options_;
  Logger log_;
  std::vector<std::string> candidates_;
  std::size_t index_ = 0;
  int attempt_ = 0;
  std::uint64_t noise_ = 0;
  AtPortSearch result_;
  std::unique_ptr<at::AtChannel> channel_;
  Done done_;
  bool running_ = false;
  std::shared_ptr<std::uint64_t> run_ = std::make_shared<std::uint64_t>(0);  // posted work checks it
};

}  // namespace fb::modem
