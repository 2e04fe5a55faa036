// SmsRules: when an SMS alert ([alerts] sms_to) goes out, to whom, and what
// it says. Pure: the daemon's SmsAlerts (firmware/sms_alerts.cpp) feeds it
// the events, the modem's state and the sends' outcomes, and runs the send
// it hands out on the modem's AT channel.
//
// Contract: no fds, no clocks read; `now` comes in. Single-threaded.
//  - event(): an event of a chosen kind (settings.events) becomes a short
//    fragment ("wired down 14:02, now cellular") waiting for each number.
//  - next(): the one text to send now, or none. At most one send is in
//    flight. A number gets at most one text per `min_interval` (counted from
//    the start of its last attempt); the first goes at once, and what comes
//    in the meantime is coalesced into the next text, so a "came back" right
//    after a failure is never lost, only delayed. Nothing starts unless the
//    modem's AT channel is free: ModemMachine registered or online, and the
//    port not held by pppd (a single-port stick on the PPP data path);
//    otherwise the text waits and waiting_reason says why.
//  - Per number at most `daily_limit` attempts in any 24 hours: a text due
//    over the limit is dropped, logged and counted (dropped_daily_limit).
//  - sent()/failed(): the outcome of the send in flight. A failed text's
//    fragments wait again, before what came since, for the next interval
//    (each attempt counts toward the daily limit).
//  - sms_text(): "failberry HOST (UTC): FRAGMENT; FRAGMENT"; names cleaned
//    (fb::clean_text) and reduced to the GSM 7-bit characters that are the
//    same bytes in IRA and GSM (letters, digits, space, !"#%&'()*+,-./:;<=>?;
//    '_' becomes '-', any other character one '?'); at most 160 characters: when the
//    fragments do not fit, the oldest is kept, then "(+N more)", then the
//    newest ones that fit.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fb/core/modem_machine.hpp"
#include "fb/event.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct SmsSettings {
  std::vector<std::string> to;  // "+15550100"
  std::vector<EventKind> events;
  Duration min_interval = std::chrono::minutes(10);
  int daily_limit = 10;
  std::string host;  // the text's host name (gethostname())
  bool operator==(const SmsSettings&) const = default;
};

inline constexpr std::size_t kSmsMaxLength = 160;
inline constexpr std::size_t kSmsMaxFragments = 16;  // waiting per number; beyond, the second oldest goes

// One event as a text fragment: "wired down 14:02, now cellular".
std::string sms_fragment(const Event& event);
// The whole text from a number's fragments (oldest first); `omitted` were
// dropped from a full queue already.
std::string sms_text(const std::string& host, const std::vector<std::string>& fragments, std::size_t omitted = 0);
// `text` in the GSM-safe subset (see above).
std::string sms_safe(std::string_view text);
// "+******00": all but the last two digits masked.
std::string mask_phone(const std::string& number);

struct SmsSend {
  std::string number;
  std::string text;
  bool operator==(const SmsSend&) const = default;
};

struct SmsReport {
  std::vector<std::string> to;  // masked
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped_daily_limit = 0;
  std::size_t queued = 0;      // texts waiting (one per number with fragments), the one in flight not included
  std::string last_error;      // "" or "+155501**: AT_CMS_ERROR: +CMS ERROR: 500 (unknown error)"
  std::string waiting_reason;  // "" or why a waiting text does not go now: "RATE_LIMIT: ...", "MODEM_BUSY: ..."
};

class SmsRules {
 public:
  explicit SmsRules(SmsSettings settings);
  // A reload: numbers still listed keep their history and waiting fragments.
  void configure(SmsSettings settings);
  const SmsSettings& settings() const { return settings_; }

  // True when the event's kind is chosen (a fragment now waits per number).
  bool event(const Event& event);
  void modem(ModemMachine::State state, bool port_held);
  std::optional<SmsSend> next(TimePoint now);
  bool in_flight() const { return in_flight_.has_value(); }
  void sent(TimePoint now);
  void failed(const std::string& error, TimePoint now);
  // When next() may return a text with nothing else happening (an interval
  // ends); none when nothing waits on time.
  std::optional<TimePoint> wake_at(TimePoint now) const;
  SmsReport report(TimePoint now) const;

 private:
  struct Number {
    std::vector<std::string> fragments;  // oldest first
    std::size_t omitted = 0;
    std::optional<TimePoint> last_attempt;
    std::deque<TimePoint> attempts;  // in the last 24 hours
  };
  struct InFlight {
    std::string number;
    std::vector<std::string> fragments;
    std::size_t omitted = 0;
  };
  // "" when the modem's AT channel may carry a text now, else why not.
  std::string modem_wait() const;
  std::optional<TimePoint> due_at(const Number& n) const;

  SmsSettings settings_;
  std::map<std::string, Number> numbers_;
  std::optional<InFlight> in_flight_;
  ModemMachine::State modem_state_ = ModemMachine::State::absent;
  bool port_held_ = false;
  std::uint64_t sent_ = 0, failed_ = 0, dropped_ = 0;
  std::string last_error_;
  Logger log_{"sms"};
};

}  // namespace fb::core
