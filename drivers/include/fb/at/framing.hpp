// AT framing: bytes from the tty in, completed command responses, unsolicited
// result codes (URCs) and stray lines out. The transport (AtChannel) only
// moves bytes; everything about where a response ends lives here so it can be
// unit-tested and fuzzed without a tty.
//
// Contract: single-threaded, no I/O, no clock. feed() accepts any bytes in
// any chunking and never throws; memory is bounded (a line is cut at
// kMaxLine bytes, a response keeps at most kMaxResponseLines lines).
// Rules, in order, for each complete line while a command is in flight:
//   1. the command's own echo (modems with ATE1, or after a reset) is dropped;
//   2. a final result code completes the command;
//   3. a line starting with one of the command's expected prefixes (e.g.
//      "+CREG:" for AT+CREG?) is part of the response, even if that prefix is
//      also a registered URC — this is how "+CREG: 2,1" answers a query while
//      "+CREG: 1" alone is an event (oFono's prefix rule);
//   4. a registered URC prefix makes it a URC (delivered at once, even in the
//      middle of a response);
//   5. anything else is a response line (ATI text, a bare IMEI).
// While idle, registered URCs are URCs and everything else is a stray line
// (e.g. a late OK of a command that timed out). Line ends may be \r, \n or
// any mix; blank lines vanish; control bytes are line noise and are dropped,
// and so are bytes >= 0x80 before a line's first printable ASCII character.
// Other bytes >= 0x80 stay: they are text in the stick's character set
// (fb/at/charset.hpp turns it into UTF-8), so a line is not always UTF-8.
// A command begun with `prompt` (AT+CMGS, which then reads the message
// text) also ends its wait on the modem's "> " prompt: a '>' that is the
// first printable byte of a line is a prompt event at once, with no line end
// after it (the modem sends none); the command stays in flight for its final
// result. Only one prompt per command, and never while idle.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/error.hpp"

namespace fb::at {

enum class FinalKind : std::uint8_t {
  ok,
  connect,
  error,
  cme_error,
  cms_error,
  no_carrier,
  busy,
  no_dialtone,
  no_answer
};

struct Final {
  FinalKind kind = FinalKind::ok;
  std::string line;      // as received, trimmed: "+CME ERROR: SIM not inserted"
  std::string argument;  // after the colon, or CONNECT's speed text
  bool success() const { return kind == FinalKind::ok || kind == FinalKind::connect; }
  bool operator==(const Final&) const = default;
};

// A final result code of V.250/27.007 (and the vendor spellings seen in the
// wild: "COMMAND NOT SUPPORT" from Huawei, "NO DIAL TONE", Samsung's "NA"),
// or nullopt when `line` is something else.
std::optional<Final> classify_final(std::string_view line);

// Stable code for a "+CME ERROR:" argument, numeric (AT+CMEE=1) or verbose
// text (AT+CMEE=2). Unknown numbers and texts give Code::at_cme_error.
modem::Code cme_code(std::string_view argument);

// The error a non-success final stands for; nullopt for OK/CONNECT.
std::optional<modem::Error> final_error(const Final& final);

struct Response {
  std::vector<std::string> lines;  // information text, without echo, URCs, blanks
  Final final;
  std::string text() const;  // lines joined by "\n" (what the parsers take)
};

struct FramerEvent {
  enum class Kind : std::uint8_t { completed, urc, stray, prompt };
  Kind kind = Kind::stray;
  Response response;  // completed
  std::string line;   // urc, stray
};

class Framer {
 public:
  static constexpr std::size_t kMaxLine = 1024;
  static constexpr std::size_t kMaxResponseLines = 256;

  // "+CREG:", "^RSSI:", "RING". A prefix ending in ':' matches any line that
  // starts with it; a bare word matches the whole line or the word followed
  // by a space (so "RING" does not catch "RINGBACK").
  void add_urc_prefix(std::string prefix);
  bool is_urc(std::string_view line) const;

  // A command was written; `command` is its text without the "\r" (for echo
  // detection), `expected` the prefixes of its information lines.
  // `prompt`: the modem answers "> " first (see above).
  void begin(std::string_view command, std::vector<std::string> expected = {}, bool prompt = false);
  // Forget the command in flight (timeout, cancel): its late lines become strays.
  void abandon();
  bool busy() const { return busy_; }

  void feed(std::string_view bytes, std::vector<FramerEvent>& out);

  struct Stats {
    std::uint64_t bytes = 0;
    std::uint64_t noise_bytes = 0;     // dropped controls and leading bytes >= 0x80
    std::uint64_t overlong_lines = 0;  // cut at kMaxLine
    std::uint64_t echoes = 0;
    std::uint64_t urcs = 0;
    std::uint64_t strays = 0;
    std::uint64_t dropped_lines = 0;  // beyond kMaxResponseLines
    std::uint64_t prompts = 0;
    // Bytes the byte loop read: each fed byte once, plus every byte of the
    // pending line it read again to decide on a later one. A stick can send
    // anything, so this must stay a constant times `bytes` (a test checks).
    std::uint64_t examined = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  void on_line(std::string_view line, std::vector<FramerEvent>& out);
  bool expected(std::string_view line) const;

  std::vector<std::string> urc_prefixes_;
  bool busy_ = false;
  std::string command_;
  std::vector<std::string> expected_;
  std::vector<std::string> lines_;
  std::string partial_;
  bool prompt_ = false;   // the command in flight waits for a "> " prompt
  bool started_ = false;  // partial_ holds a byte other than a space: its text has begun
  bool cutting_ = false;  // inside an overlong line: drop until its end
  Stats stats_;
};

}  // namespace fb::at
