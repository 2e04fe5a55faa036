#include "fb/core/data_link.hpp"

#include <boost/asio/post.hpp>

#include "fb/log.hpp"

namespace fb::core {
namespace {

namespace asio = boost::asio;
namespace mev = modem_event;

class PppdLink final : public DataLink {
 public:
  PppdLink(asio::io_context& io, TimerService& timers, const ppp::PppdRunner::Options& options,
           DataLinkCallbacks callbacks)
      : io_(io), callbacks_(std::move(callbacks)) {
    runner_ = std::make_unique<ppp::PppdRunner>(
        io, timers, options,
        ppp::PppdRunner::Callbacks{[this](const ppp::LinkInfo& link) { callbacks_.on_link(link); },
                                   [this](const ppp::Exit& exit) { callbacks_.on_down(link_down_of(exit)); },
                                   {}});
  }

  // The runner's callbacks are posted already; a failed spawn has none, so it is posted here.
  void start(int tty_fd) {
    auto error = runner_->start(tty_fd);
    if (!error) return;
    ppp::Exit failed;
    failed.reason = ppp::Reason::fatal_error;
    failed.last_lines.push_back(*error);
    asio::post(io_, [alive = std::weak_ptr<bool>(alive_), on_down = callbacks_.on_down, down = link_down_of(failed)] {
      if (alive.lock()) on_down(down);
    });
  }

  bool running() const override { return runner_->state() != ppp::PppdRunner::State::idle; }
  void stop() override { runner_->stop(); }

 private:
  asio::io_context& io_;
  DataLinkCallbacks callbacks_;
  std::unique_ptr<ppp::PppdRunner> runner_;  // destroyed first: SIGKILLs a running pppd, no callbacks
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class PppdStarter final : public DataLinkStarter {
 public:
  PppdStarter(asio::io_context& io, TimerService& timers) : io_(io), timers_(timers) {}

  std::unique_ptr<DataLink> start(int tty_fd, const std::string& connect, const ppp::PppdRunner::Options& options,
                                  DataLinkCallbacks callbacks) override {
    log_.notice() << "CONNECT " << connect << ": handing the line to pppd";
    auto link = std::make_unique<PppdLink>(io_, timers_, options, std::move(callbacks));
    link->start(tty_fd);
    return link;
  }

 private:
  asio::io_context& io_;
  TimerService& timers_;
  Logger log_{"modem"};
};

// Never up; its one on_down is posted by the starter.
class NoLink final : public DataLink {
 public:
  bool running() const override { return false; }
  void stop() override {}
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

class DryRunStarter final : public DataLinkStarter {
 public:
  explicit DryRunStarter(asio::io_context& io) : io_(io) {}

  std::unique_ptr<DataLink> start(int, const std::string& connect, const ppp::PppdRunner::Options& options,
                                  DataLinkCallbacks callbacks) override {
    // Dry-run brings no link up: pppd would create an interface and routes.
    // The caller closes the line (the modem hangs up) and stops here, as it
    // would for any reason the user has to lift.
    std::string words;
    for (const auto& w : ppp::build_argv(options.settings)) words += (words.empty() ? "" : " ") + w;
    log_.notice() << "CONNECT " << connect << "; dry-run: not starting " << words;
    mev::LinkDown down;
    down.code = "DRY_RUN";
    down.detail = "dry-run: the data link is not started (pppd would run as: " + words + ")";
    down.kind = mev::LinkDown::Kind::local;
    auto link = std::make_unique<NoLink>();
    asio::post(io_, [alive = std::weak_ptr<bool>(link->alive), on_down = std::move(callbacks.on_down), down] {
      if (alive.lock()) on_down(down);
    });
    return link;
  }

 private:
  asio::io_context& io_;
  Logger log_{"modem"};
};

}  // namespace

mev::LinkDown link_down_of(const ppp::Exit& exit) {
  std::string detail = "pppd";
  if (exit.status.code >= 0) detail += " exited " + std::to_string(exit.status.code);
  if (exit.status.signal) detail += " killed by signal " + std::to_string(exit.status.signal);
  // pppd's own words: the first of its last few lines (its final block
  // starts with the cause; later lines explain or count bytes).
  std::size_t skip = exit.last_lines.size() > 4 ? exit.last_lines.size() - 4 : 0;
  if (!exit.last_lines.empty()) detail += ": " + exit.last_lines[skip];
  mev::LinkDown down;
  down.code = std::string(ppp::to_string(exit.reason));
  down.detail = detail;
  switch (ppp::disposition(exit.reason)) {
    case ppp::Disposition::requested: down.kind = mev::LinkDown::Kind::requested; break;
    case ppp::Disposition::link: down.kind = mev::LinkDown::Kind::link; break;
    case ppp::Disposition::auth: down.kind = mev::LinkDown::Kind::auth; break;
    case ppp::Disposition::local: down.kind = mev::LinkDown::Kind::local; break;
  }
  return down;
}

std::unique_ptr<DataLinkStarter> make_pppd_starter(asio::io_context& io, TimerService& timers) {
  return std::make_unique<PppdStarter>(io, timers);
}

std::unique_ptr<DataLinkStarter> make_dry_run_data_link_starter(asio::io_context& io) {
  return std::make_unique<DryRunStarter>(io);
}

}  // namespace fb::core
