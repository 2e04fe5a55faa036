#include "fb/at/framing.hpp"

#include <algorithm>
#include <array>

#include "fb/at/charset.hpp"
#include "fb/at/fields.hpp"

namespace fb::at {
namespace {

using modem::Code;

struct CmeEntry {
  int number;
  std::string_view text;  // 3GPP TS 27.007 §9.2 verbose form, lower case
  Code code;
};

// Only the errors a data stick meets; the rest map to AT_CME_ERROR with the
// modem's own words in the detail.
constexpr std::array kCme{
    CmeEntry{0, "phone failure", Code::phone_failure},
    CmeEntry{3, "operation not allowed", Code::not_allowed},
    CmeEntry{4, "operation not supported", Code::not_supported},
    CmeEntry{5, "ph-sim pin required", Code::device_locked},
    CmeEntry{6, "ph-fsim pin required", Code::device_locked},
    CmeEntry{7, "ph-fsim puk required", Code::device_locked},
    CmeEntry{10, "sim not inserted", Code::sim_missing},
    CmeEntry{11, "sim pin required", Code::sim_pin_required},
    CmeEntry{12, "sim puk required", Code::sim_puk_required},
    CmeEntry{13, "sim failure", Code::sim_failure},
    CmeEntry{14, "sim busy", Code::sim_busy},
    CmeEntry{15, "sim wrong", Code::sim_failure},
    CmeEntry{16, "incorrect password", Code::sim_pin_wrong},
    CmeEntry{30, "no network service", Code::no_network},
    CmeEntry{31, "network timeout", Code::network_timeout},
    CmeEntry{32, "network not allowed - emergency calls only", Code::reg_denied},
    CmeEntry{40, "network personalization pin required", Code::device_locked},
    CmeEntry{41, "network personalization puk required", Code::device_locked},
    CmeEntry{42, "network subset personalization pin required", Code::device_locked},
    CmeEntry{43, "network subset personalization puk required", Code::device_locked},
    CmeEntry{44, "service provider personalization pin required", Code::device_locked},
    CmeEntry{45, "service provider personalization puk required", Code::device_locked},
    CmeEntry{46, "corporate personalization pin required", Code::device_locked},
    CmeEntry{47, "corporate personalization puk required", Code::device_locked},
    CmeEntry{103, "illegal ms", Code::reg_denied},
    CmeEntry{106, "illegal me", Code::reg_denied},
    CmeEntry{107, "gprs services not allowed", Code::reg_denied},
    CmeEntry{111, "plmn not allowed", Code::reg_denied},
    CmeEntry{112, "location area not allowed", Code::reg_denied},
    CmeEntry{113, "roaming not allowed in this location area", Code::reg_denied},
    CmeEntry{132, "service option not supported", Code::pdp_rejected},
    CmeEntry{133, "requested service option not subscribed", Code::pdp_rejected},
    CmeEntry{134, "service option temporarily out of order", Code::pdp_rejected},
    CmeEntry{148, "unspecified gprs error", Code::pdp_rejected},
    CmeEntry{149, "pdp authentication failure", Code::pdp_auth_failed},
    CmeEntry{150, "invalid mobile class", Code::pdp_rejected},
};

// Lower case, runs of spaces/underscores collapsed: firmwares print
// "SIM not inserted", "SIM NOT INSERTED" and "SIM_NOT_INSERTED".
std::string normalise(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : trim(text)) {
    if (c == ' ' || c == '_' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

bool word_at_start(std::string_view line, std::string_view word) {
  return istarts_with(line, word) && (line.size() == word.size() || line[word.size()] == ' ');
}

}  // namespace

std::optional<Final> classify_final(std::string_view line) {
  line = trim(line);
  auto make = [&](FinalKind kind, std::string_view argument = {}) {
    return Final{kind, std::string(line), std::string(trim(argument))};
  };
  if (iequals(line, "OK")) return make(FinalKind::ok);
  if (iequals(line, "ERROR") || iequals(line, "COMMAND NOT SUPPORT")) return make(FinalKind::error);
  if (auto rest = after_tag(line, "+CME ERROR:")) return make(FinalKind::cme_error, *rest);
  if (auto rest = after_tag(line, "+CMS ERROR:")) return make(FinalKind::cms_error, *rest);
  if (iequals(line, "NO CARRIER")) return make(FinalKind::no_carrier);
  if (iequals(line, "BUSY")) return make(FinalKind::busy);
  if (iequals(line, "NO DIALTONE") || iequals(line, "NO DIAL TONE")) return make(FinalKind::no_dialtone);
  if (iequals(line, "NO ANSWER")) return make(FinalKind::no_answer);
  if (word_at_start(line, "CONNECT")) return make(FinalKind::connect, line.substr(7));
  return std::nullopt;
}

Code cme_code(std::string_view argument) {
  argument = trim(argument);
  if (auto number = to_uint(argument)) {
    for (const auto& e : kCme)
      if (static_cast<std::uint32_t>(e.number) == *number) return e.code;
    return Code::at_cme_error;
  }
  std::string text = normalise(argument);
  for (const auto& e : kCme)
    if (text == e.text) return e.code;
  return Code::at_cme_error;
}

std::optional<modem::Error> final_error(const Final& final) {
  auto error = [&](Code code) { return modem::Error{code, decode_text(final.line)}; };
  switch (final.kind) {
    case FinalKind::ok:
    case FinalKind::connect: return std::nullopt;
    case FinalKind::error: return error(Code::at_error);
    case FinalKind::cme_error: return error(cme_code(final.argument));
    case FinalKind::cms_error: return error(Code::at_cms_error);
    case FinalKind::no_carrier: return error(Code::no_carrier);
    case FinalKind::busy: return error(Code::busy);
    case FinalKind::no_dialtone: return error(Code::no_dialtone);
    case FinalKind::no_answer: return error(Code::no_answer);
  }
  return error(Code::at_error);
}

std::string Response::text() const {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out.push_back('\n');
    out.append(line);
  }
  return out;
}

void Framer::add_urc_prefix(std::string prefix) {
  for (const auto& p : urc_prefixes_)
    if (iequals(p, prefix)) return;
  urc_prefixes_.push_back(std::move(prefix));
}

bool Framer::is_urc(std::string_view line) const {
  line = trim(line);
  for (const auto& p : urc_prefixes_) {
    if (!p.empty() && p.back() == ':') {
      if (istarts_with(line, p)) return true;
    } else if (word_at_start(line, p)) {
      return true;
    }
  }
  return false;
}

bool Framer::expected(std::string_view line) const {
  for (const auto& p : expected_)
    if (istarts_with(line, p)) return true;
  return false;
}

void Framer::begin(std::string_view command, std::vector<std::string> expected, bool prompt) {
  busy_ = true;
  prompt_ = prompt;
  command_ = std::string(trim(command));
  expected_ = std::move(expected);
  lines_.clear();
}

void Framer::abandon() {
  busy_ = false;
  prompt_ = false;
  command_.clear();
  expected_.clear();
  lines_.clear();
}

void Framer::feed(std::string_view bytes, std::vector<FramerEvent>& out) {
  stats_.bytes += bytes.size();
  stats_.examined += bytes.size();
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);  // char is unsigned on ARM, signed on x86
    if (c == '\r' || c == '\n') {
      if (cutting_) {
        cutting_ = false;
        continue;
      }
      if (!partial_.empty()) {
        std::string line;
        line.swap(partial_);
        started_ = false;
        auto trimmed = trim(line);
        if (!trimmed.empty()) on_line(trimmed, out);
      }
      continue;
    }
    if (cutting_) continue;
    if (c == '\t') c = ' ';
    // Controls are noise. Bytes >= 0x80 are text in the stick's character
    // set (an ISO-8859-1 or UTF-8 operator name), but not before a line's
    // first printable ASCII character: every line a modem prints starts
    // with ASCII, and the 0x00/0xFF bursts of a USB reset do not.
    // `started_` tells without reading the pending line again, which would
    // cost up to kMaxLine per byte of a flood of spaces then high bytes.
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && !started_)) {
      ++stats_.noise_bytes;
      continue;
    }
    if (c == '>' && !started_ && busy_ && prompt_) {
      // The "> " of AT+CMGS: no line end follows, the modem waits for the text.
      prompt_ = false;
      partial_.clear();
      ++stats_.prompts;
      out.push_back(FramerEvent{FramerEvent::Kind::prompt, {}, ">"});
      continue;
    }
    if (c != ' ') started_ = true;
    partial_.push_back(static_cast<char>(c));
    if (partial_.size() >= kMaxLine) {
      // A runaway line is delivered cut, the rest up to its end is dropped:
      // bounded memory whatever the modem sends.
      ++stats_.overlong_lines;
      std::string line;
      line.swap(partial_);
      started_ = false;
      cutting_ = true;
      auto trimmed = trim(line);
      if (!trimmed.empty()) on_line(trimmed, out);
    }
  }
}

void Framer::on_line(std::string_view line, std::vector<FramerEvent>& out) {
  if (busy_) {
    // Echoes and final result codes are ASCII: a noise byte >= 0x80 in or
    // after one ("O\xFFK") must not hide it (the command would time out).
    // They are matched on the line's ASCII bytes; copied only when needed.
    std::string stripped;
    std::string_view ascii = line;
    if (std::any_of(line.begin(), line.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; })) {
      for (char ch : line)
        if (static_cast<unsigned char>(ch) < 0x80) stripped.push_back(ch);
      ascii = stripped;
    }
    ascii = trim(ascii);
    if (iequals(ascii, command_)) {
      ++stats_.echoes;
      return;
    }
    if (auto final = classify_final(ascii)) {
      FramerEvent event;
      event.kind = FramerEvent::Kind::completed;
      event.response.lines = std::move(lines_);
      event.response.final = std::move(*final);
      out.push_back(std::move(event));
      abandon();
      return;
    }
    if (!expected(line) && is_urc(line)) {
      ++stats_.urcs;
      out.push_back(FramerEvent{FramerEvent::Kind::urc, {}, std::string(line)});
      return;
    }
    if (lines_.size() >= kMaxResponseLines) {
      ++stats_.dropped_lines;
      return;
    }
    lines_.emplace_back(line);
    return;
  }
  if (is_urc(line)) {
    ++stats_.urcs;
    out.push_back(FramerEvent{FramerEvent::Kind::urc, {}, std::string(line)});
    return;
  }
  ++stats_.strays;
  out.push_back(FramerEvent{FramerEvent::Kind::stray, {}, std::string(line)});
}

}  // namespace fb::at
