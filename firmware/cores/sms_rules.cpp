#include "fb/core/sms_rules.hpp"

#include <algorithm>
#include <ctime>

#include "fb/text.hpp"

namespace fb::core {

namespace {

constexpr auto kDay = std::chrono::hours(24);

// "14:02" in UTC; "" without a time.
std::string hhmm(const std::optional<std::chrono::system_clock::time_point>& time) {
  if (!time) return "";
  std::time_t t = std::chrono::system_clock::to_time_t(*time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", tm.tm_hour % 100, tm.tm_min % 100);
  return buf;
}

std::string name(const std::string& text) {
  return sms_safe(clean_text(text, 24));
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

}  // namespace

std::string sms_safe(std::string_view text) {
  std::string out;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // a UTF-8 character is one '?'
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view(" !\"#%&'()*+,-./:;<=>?").find(c) != std::string_view::npos;
    out.push_back(keep ? c : c == '_' ? '-' : '?');
  }
  return out;
}

std::string mask_phone(const std::string& number) {
  std::string out = number;
  for (std::size_t i = 0; i + 2 < out.size(); ++i)
    if (out[i] >= '0' && out[i] <= '9') out[i] = '*';
  return out;
}

std::string sms_fragment(const Event& event) {
  std::string at = hhmm(event.time);
  std::string when = at.empty() ? "" : " " + at;
  switch (event.kind) {
    case EventKind::failover: return name(event.from) + " down" + when + ", now " + name(event.to);
    case EventKind::failback: return name(event.to) + " back" + when;
    case EventKind::uplink_down: return name(event.uplink) + " down" + when;
    case EventKind::uplink_up: return name(event.uplink) + " up" + when;
    default: break;
  }
  std::string s = sms_safe(std::string(event_name(event.kind)));
  if (!event.uplink.empty()) s += " " + name(event.uplink);
  s += when;
  if (!event.reason.empty()) s += " " + name(event.reason);
  return s;
}

std::string sms_text(const std::string& host, const std::vector<std::string>& fragments, std::size_t omitted) {
  std::string head = "failberry " + name(host) + " (UTC): ";
  auto build = [&](std::size_t skip) {
    // The oldest, then "(+N more)" for what is left out, then the newest.
    std::vector<std::string> parts;
    std::size_t left_out = omitted + skip;
    if (!fragments.empty()) parts.push_back(fragments.front());
    if (left_out) parts.push_back("(+" + std::to_string(left_out) + " more)");
    for (std::size_t i = 1 + skip; i < fragments.size(); ++i) parts.push_back(fragments[i]);
    return head + join(parts, "; ");
  };
  std::string text = build(0);
  for (std::size_t skip = 1; text.size() > kSmsMaxLength && skip < fragments.size(); ++skip) text = build(skip);
  if (text.size() > kSmsMaxLength) text.resize(kSmsMaxLength);
  return text;
}

SmsRules::SmsRules(SmsSettings settings) {
  configure(std::move(settings));
}

void SmsRules::configure(SmsSettings settings) {
  settings_ = std::move(settings);
  for (auto it = numbers_.begin(); it != numbers_.end();)
    it = std::find(settings_.to.begin(), settings_.to.end(), it->first) == settings_.to.end() ? numbers_.erase(it)
                                                                                              : std::next(it);
  for (const std::string& n : settings_.to) numbers_.try_emplace(n);
}

bool SmsRules::event(const Event& event) {
  if (std::find(settings_.events.begin(), settings_.events.end(), event.kind) == settings_.events.end()) return false;
  std::string fragment = sms_fragment(event);
  for (auto& [number, n] : numbers_) {
    n.fragments.push_back(fragment);
    if (n.fragments.size() > kSmsMaxFragments) {
      n.fragments.erase(n.fragments.begin() + 1);
      ++n.omitted;
    }
  }
  return true;
}

void SmsRules::modem(ModemMachine::State state, bool port_held) {
  modem_state_ = state;
  port_held_ = port_held;
}

std::string SmsRules::modem_wait() const {
  using S = ModemMachine::State;
  switch (modem_state_) {
    case S::registered: return "";
    case S::online:
      return port_held_ ? "AT_PORT_HELD: pppd holds the stick's only AT port for the data session; the text goes "
                          "when the session ends"
                        : "";
    case S::absent:
    case S::mode_switching: return "NO_MODEM: no modem ready yet";
    case S::probing:
    case S::sim: return std::string("MODEM_STARTING: the modem is being set up (") + to_string(modem_state_) + ")";
    case S::searching: return "NO_NETWORK: the modem is not registered on a network";
    case S::stopped: return "MODEM_STOPPED: the modem needs the user (PIN, PUK or a lock)";
    case S::dialing:
    case S::hangup:
    case S::resetting:
    case S::power_cycling:
    case S::recovering:
      return std::string("MODEM_BUSY: the modem is ") + to_string(modem_state_) + "; the text goes when it is done";
  }
  return "MODEM_BUSY";
}

std::optional<TimePoint> SmsRules::due_at(const Number& n) const {
  if (n.fragments.empty()) return std::nullopt;
  if (!n.last_attempt) return TimePoint::min();
  return *n.last_attempt + settings_.min_interval;
}

std::optional<SmsSend> SmsRules::next(TimePoint now) {
  if (in_flight_ || !modem_wait().empty()) return std::nullopt;
  for (auto& [number, n] : numbers_) {
    auto due = due_at(n);
    if (!due || *due > now) continue;
    while (!n.attempts.empty() && n.attempts.front() + kDay <= now) n.attempts.pop_front();
    if (n.attempts.size() >= static_cast<std::size_t>(settings_.daily_limit)) {
      ++dropped_;
      log_.warning() << "text to " << mask_phone(number) << " dropped: sms_daily_limit (" << settings_.daily_limit
                     << " in 24 hours) reached: " << sms_text(settings_.host, n.fragments, n.omitted);
      n.fragments.clear();
      n.omitted = 0;
      continue;
    }
    SmsSend send{number, sms_text(settings_.host, n.fragments, n.omitted)};
    in_flight_ = InFlight{number, std::move(n.fragments), n.omitted};
    n.fragments.clear();
    n.omitted = 0;
    n.last_attempt = now;
    n.attempts.push_back(now);
    return send;
  }
  return std::nullopt;
}

void SmsRules::sent(TimePoint) {
  if (!in_flight_) return;
  ++sent_;
  in_flight_.reset();
}

void SmsRules::failed(const std::string& error, TimePoint) {
  if (!in_flight_) return;
  ++failed_;
  last_error_ = mask_phone(in_flight_->number) + ": " + clean_text(error);
  auto it = numbers_.find(in_flight_->number);
  if (it != numbers_.end()) {
    // Tried again at the next interval, before what came since.
    Number& n = it->second;
    n.fragments.insert(n.fragments.begin(), in_flight_->fragments.begin(), in_flight_->fragments.end());
    n.omitted += in_flight_->omitted;
    while (n.fragments.size() > kSmsMaxFragments) {
      n.fragments.erase(n.fragments.begin() + 1);
      ++n.omitted;
    }
  }
  in_flight_.reset();
}

std::optional<TimePoint> SmsRules::wake_at(TimePoint now) const {
  std::optional<TimePoint> first;
  for (const auto& [number, n] : numbers_) {
    auto due = due_at(n);
    if (due && *due > now && (!first || *due < *first)) first = due;
  }
  return first;
}

SmsReport SmsRules::report(TimePoint now) const {
  SmsReport r;
  for (const std::string& n : settings_.to) r.to.push_back(mask_phone(n));
  r.sent = sent_;
  r.failed = failed_;
  r.dropped_daily_limit = dropped_;
  r.last_error = last_error_;
  std::optional<TimePoint> soonest;
  for (const auto& [number, n] : numbers_) {
    if (n.fragments.empty()) continue;
    ++r.queued;
    auto due = due_at(n);
    if (!soonest || *due < *soonest) soonest = due;
  }
  if (r.queued) {
    std::string modem = modem_wait();
    if (in_flight_)
      r.waiting_reason = "SENDING: one text at a time";
    else if (!modem.empty())
      r.waiting_reason = modem;
    else if (soonest && *soonest > now)
      r.waiting_reason = "RATE_LIMIT: sms_min_interval; the next text in " +
                         std::to_string(std::chrono::ceil<std::chrono::seconds>(*soonest - now).count()) + " s";
  }
  return r;
}

}  // namespace fb::core
