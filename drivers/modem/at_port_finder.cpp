#include "fb/modem/at_port_finder.hpp"

#include <boost/asio/post.hpp>

namespace fb::modem {

std::string AtPortSearch::summary() const {
  std::string s;
  for (const auto& a : tried) {
    s += (s.empty() ? "" : "; ") + a.tty + ": " + a.outcome;
    if (a.noise_bytes) s += " (" + std::to_string(a.noise_bytes) + " noise bytes)";
  }
  return s.empty() ? "nothing tried" : s;
}

AtPortFinder::AtPortFinder(boost::asio::io_context& io, TimerService& timers, Options options)
    : io_(io), timers_(timers), options_(std::move(options)), log_(options_.name) {}

AtPortFinder::~AtPortFinder() {
  cancel();
}

void AtPortFinder::cancel() {
  ++*run_;
  running_ = false;
  done_ = nullptr;
  channel_.reset();
}

std::string AtPortFinder::path_of(const std::string& candidate) const {
  if (!candidate.empty() && candidate.front() == '/') return candidate;
  return (options_.dev / candidate).string();
}

void AtPortFinder::start(std::vector<std::string> candidates, Done done) {
  if (running_) {
    boost::asio::post(io_, [done = std::move(done)]() { done(Error{Code::no_modem, "already probing"}); });
    return;
  }
  cancel();
  running_ = true;
  done_ = std::move(done);
  candidates_ = std::move(candidates);
  result_ = AtPortSearch{};
  if (candidates_.empty()) {
    finish(Error{Code::no_modem, "no tty to probe for AT (is the stick's serial driver bound?)"});
    return;
  }
  std::string list;
  for (const auto& c : candidates_) list += (list.empty() ? "" : ", ") + c;
  log_.info() << "probing " << list << " for the AT port";
  boost::asio::post(io_, [this, run = run_, mine = *run_]() {
    if (*run == mine) try_port(0);
  });
}

void AtPortFinder::try_port(std::size_t index) {
  index_ = index;
  attempt_ = 0;
  noise_ = 0;
  ask();
}

void AtPortFinder::ask() {
  const std::string& tty = candidates_[index_];
  at::AtChannel::Options o;
  o.name = options_.name + "[" + tty.substr(tty.rfind('/') + 1) + "]";
  o.default_timeout = options_.timeout;
  channel_ = std::make_unique<at::AtChannel>(io_, timers_, o);
  auto opened = channel_->open(path_of(tty));
  if (!opened) {
    channel_.reset();
    next_port("open failed: " + opened.error().detail);
    return;
  }
  ++attempt_;
  channel_->send(at::Command{"AT", {}, options_.timeout}, [this, run = run_, mine = *run_](at::CommandResult r) {
    if (*run == mine) answered(std::move(r));
  });
}

void AtPortFinder::answered(at::CommandResult result) {
  // The completion is posted by the channel: replacing or closing it here is safe.
  noise_ += channel_ ? channel_->stats().noise_bytes : 0;
  const std::string& tty = candidates_[index_];
  if (result) {
    channel_.reset();
    result_.tried.push_back(AtPortAttempt{tty, true, "OK", noise_});
    result_.at_tty = tty;
    log_.notice() << tty << " answers AT: it is the AT port (" << result_.summary() << ")";
    finish(result_);
    return;
  }
  channel_.reset();  // also drops the channel's wait for a late answer
  if (result.code() == Code::at_timeout && attempt_ < options_.attempts) {
    log_.info() << tty << ": no answer to AT within " << options_.timeout.count() << " ms, asking again";
    ask();
    return;
  }
  if (result.code() == Code::at_timeout)
    next_port("no answer (" + std::to_string(attempt_) + " x AT, " + std::to_string(options_.timeout.count()) +
              " ms each)");
  else
    next_port("answered " + describe(result.error()) + ", not OK");
}

void AtPortFinder::next_port(std::string outcome) {
  const std::string& tty = candidates_[index_];
  log_.info() << tty << ": " << outcome << "; not the AT port";
  result_.tried.push_back(AtPortAttempt{tty, false, std::move(outcome), noise_});
  if (index_ + 1 < candidates_.size()) {
    try_port(index_ + 1);
    return;
  }
  finish(Error{Code::at_timeout, "no AT port answered: " + result_.summary()});
}

void AtPortFinder::finish(Result<AtPortSearch> result) {
  running_ = false;
  channel_.reset();
  if (!result) log_.error() << describe(result.error());
  auto done = std::move(done_);
  done_ = nullptr;
  if (!done) return;
  boost::asio::post(io_, [run = run_, mine = *run_, done = std::move(done), result = std::move(result)]() mutable {
    if (*run == mine) done(std::move(result));
  });
}

}  // namespace fb::modem
