#include "fb/core/lldp_reader.hpp"

#include <unistd.h>

#include <filesystem>
#include <utility>

#include "fb/text.hpp"

namespace fb::core {

namespace {
constexpr std::size_t kMaxOutput = 512 * 1024;
}

LldpReader::LldpReader(boost::asio::io_context& io, TimerService& timers, LldpReaderSettings settings)
    : io_(io), timers_(timers), settings_(std::move(settings)) {}

LldpReader::~LldpReader() = default;

void LldpReader::start() {
  next_.arm_after(Duration(0), [this] { read(); });  // from the loop, cancelled if we go first
}

void LldpReader::fail(std::string why, bool agent) {
  report_.agent = agent;
  report_.error = std::move(why);
  report_.neighbors.clear();
  read_at_ = timers_.now();
  ++reads_;
  if (report_.error != said_) log_.notice() << report_.error;
  said_ = report_.error;
}

void LldpReader::read() {
  next_.arm_after(settings_.interval, [this] { read(); });
  if (child_) return;  // the last one is still running (its timeout ends it)
  std::error_code ec;
  if (::access(settings_.lldpcli.c_str(), X_OK) != 0)
    return fail("no LLDP agent: " + settings_.lldpcli + " is not installed (Debian package lldpd)", false);
  if (!std::filesystem::exists(settings_.socket, ec))
    return fail("no LLDP agent: lldpd is not running (no socket " + settings_.socket + ")", false);
  output_.clear();
  too_much_ = false;
  timed_out_ = false;
  ChildProcess::Callbacks cb;
  cb.on_line = [this](std::string line) {
    if (output_.size() + line.size() + 1 > kMaxOutput) {
      too_much_ = true;
      return;
    }
    output_ += line;
    output_ += '\n';
  };
  cb.on_exit = [this](const ChildExit& exit) { finish(exit); };
  child_ = std::make_unique<ChildProcess>(io_, timers_, log_, "lldpcli", std::move(cb));
  ChildProcess::Spawn spawn;
  spawn.argv = {settings_.lldpcli, "-u", settings_.socket, "-f", "json0", "show", "neighbors", "details"};
  spawn.env = std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
  spawn.start_log_level = Level::debug;
  if (std::optional<std::string> failed = child_->start(spawn)) {
    child_.reset();
    return fail("cannot ask the LLDP agent: " + *failed, false);
  }
  timeout_.arm_after(settings_.timeout, [this] {
    if (!child_) return;
    timed_out_ = true;
    child_->terminate(std::chrono::seconds(1));
  });
}

void LldpReader::finish(const ChildExit& exit) {
  timeout_.cancel();
  child_.reset();  // allowed from on_exit (ChildProcess's contract)
  if (timed_out_)
    return fail("the LLDP agent did not answer within " + std::to_string(settings_.timeout.count()) + " ms", true);
  if (exit.code != 0) {
    std::string last = output_.substr(0, output_.find('\n'));
    return fail("lldpcli " +
                    (exit.signal ? "was killed by signal " + std::to_string(exit.signal)
                                 : "exited with status " + std::to_string(exit.code)) +
                    (last.empty() ? std::string() : ": " + clean_text(last, 160)),
                true);
  }
  if (too_much_) return fail("lldpcli answered more than 512 KiB: not used", true);
  auto parsed = health::parse_lldpcli_json0(output_);
  if (!parsed) return fail("lldpcli's answer was not used: " + describe(parsed.error()), true);
  report_.agent = true;
  report_.error.clear();
  report_.neighbors = std::move(*parsed);
  read_at_ = timers_.now();
  ++reads_;
  if (!said_.empty()) log_.notice() << "LLDP agent answers again: " << report_.neighbors.size() << " neighbour(s)";
  said_.clear();
}

health::LldpReport LldpReader::report() const {
  health::LldpReport r = report_;
  if (read_at_)
    r.read_age_seconds = std::chrono::duration_cast<std::chrono::seconds>(timers_.now() - *read_at_).count();
  return r;
}

}  // namespace fb::core
