#include "fb/hilink/xml.hpp"

#include <cstdint>
#include <optional>

#include "fb/text.hpp"

namespace fb::hilink {
namespace {

constexpr std::size_t kMaxNameBytes = 64;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(text[i]) != prefix[i]) return false;
  return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// "&#38;" / "&#x26;" → the code point, when it is one XML allows in text.
std::optional<std::uint32_t> char_ref(std::string_view ref) {
  int base = 10;
  if (!ref.empty() && ref[0] == 'x') {
    base = 16;
    ref.remove_prefix(1);
  }
  if (ref.empty() || ref.size() > 8) return std::nullopt;
  std::uint32_t cp = 0;
  for (char c : ref) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return std::nullopt;
    cp = cp * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(digit);
  }
  bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                 (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
  return allowed ? std::optional<std::uint32_t>(cp) : std::nullopt;
}

// A strict reader over one body; the first problem ends it with `fail`.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  Result<Reply> run() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // a UTF-8 byte order mark
    skip_space();
    if (i_ == s_.size()) return fail("empty body");
    if (rest().substr(0, 5) == "<?xml") {
      auto end = s_.find("?>", i_);
      if (end == std::string_view::npos) return fail("the <?xml prolog is never closed");
      i_ = end + 2;
      skip_space();
    }
    if (starts_with_nocase(rest(), "<!doctype html") || starts_with_nocase(rest(), "<html"))
      return fail(
          "an HTML page where an API reply belongs: the stick's web UI (a login page or a redirect target), "
          "or no HiLink API at this address");
    if (rest().substr(0, 2) == "<!") return fail("a DOCTYPE, comment or CDATA section at offset " + at());
    if (i_ == s_.size() || s_[i_] != '<') return fail("text where the root element belongs: " + snippet());

    std::string root;
    bool empty_root = false;
    if (auto r = start_tag(root, empty_root); !r) return r.error();
    if (root != "response" && root != "error") return fail("root element <" + root + ">, not <response> or <error>");

    Reply reply;
    std::string text;  // the root's own text, outside its children
    if (!empty_root)
      if (auto r = content(root, reply, text); !r) return r.error();
    skip_space();
    if (i_ != s_.size()) return fail("more after </" + root + "> at offset " + at() + ": " + snippet());

    std::string_view own = trimmed(text);
    if (!own.empty() && !reply.fields.empty())
      return fail("<" + root + "> holds text '" + clean_text(own, 40) + "' beside its fields");
    if (root == "error") return api_error(reply, own);
    if (own == "OK") {
      reply.ok = true;
    } else if (!own.empty()) {
      return fail("<response> holds '" + clean_text(own, 40) + "', neither OK nor fields");
    }
    return reply;
  }

 private:
  std::string_view rest() const { return s_.substr(i_); }
  std::string at() const { return std::to_string(i_); }
  std::string snippet() const { return "'" + clean_text(s_.substr(i_, 40), 40) + "'"; }
  void skip_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }
  static std::string_view trimmed(std::string_view t) {
    while (!t.empty() && is_space(t.front())) t.remove_prefix(1);
    while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
    return t;
  }
  static Error fail(std::string detail) { return Error{Code::bad_reply, std::move(detail)}; }

  Result<void> name(std::string& out) {
    std::size_t start = i_;
    if (i_ == s_.size() || !is_name_start(s_[i_])) return fail("a tag without a valid name at offset " + at());
    while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
    if (i_ - start > kMaxNameBytes) return fail("a tag name longer than 64 bytes at offset " + std::to_string(start));
    out.assign(s_.substr(start, i_ - start));
    return {};
  }

  // At '<': "<Name>" or "<Name/>".
  Result<void> start_tag(std::string& out, bool& empty) {
    ++i_;  // '<'
    if (auto r = name(out); !r) return r;
    skip_space();
    if (i_ == s_.size()) return fail("<" + out + " is never closed");
    if (s_[i_] == '>') {
      ++i_;
      empty = false;
      return {};
    }
    if (s_.substr(i_, 2) == "/>") {
      i_ += 2;
      empty = true;
      return {};
    }
    return fail("attributes or junk in <" + out + "> at offset " + at() + "; HiLink replies have none");
  }

  // At "</": the end tag that must close `open`.
  Result<void> end_tag(const std::string& open) {
    i_ += 2;
    std::string closing;
    if (auto r = name(closing); !r) return r;
    skip_space();
    if (i_ == s_.size()) return fail("</" + closing + " is never closed");
    if (s_[i_] != '>') return fail("</" + closing + " is not closed by '>' at offset " + at());
    ++i_;
    if (closing != open) return fail("</" + closing + "> closes <" + open + ">");
    return {};
  }

  // Character data up to the next '<', entities decoded, into `out`.
  Result<void> text(const std::string& element, std::string& out) {
    while (i_ < s_.size() && s_[i_] != '<') {
      char c = s_[i_];
      auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r')
        return fail("a control character (0x" + hex(byte) + ") in <" + element + "> at offset " + at());
      if (c != '&') {
        out += c;
        ++i_;
        continue;
      }
      auto semi = s_.find(';', i_);
      if (semi == std::string_view::npos || semi - i_ > 12)
        return fail("a bare '&' in <" + element + "> at offset " + at());
      std::string_view ref = s_.substr(i_ + 1, semi - i_ - 1);
      if (ref == "lt")
        out += '<';
      else if (ref == "gt")
        out += '>';
      else if (ref == "amp")
        out += '&';
      else if (ref == "quot")
        out += '"';
      else if (ref == "apos")
        out += '\'';
      else if (!ref.empty() && ref[0] == '#') {
        auto cp = char_ref(ref.substr(1));
        if (!cp) return fail("a bad character reference &" + clean_text(ref, 16) + "; in <" + element + ">");
        append_utf8(out, *cp);
      } else {
        return fail("an unknown entity &" + clean_text(ref, 16) + "; in <" + element + ">");
      }
      i_ = semi + 1;
    }
    if (i_ == s_.size()) return fail("<" + element + "> is never closed");
    return {};
  }

  // Inside the root: its own text and flat children, through its end tag.
  Result<void> content(const std::string& root, Reply& reply, std::string& own) {
    for (;;) {
      if (auto r = text(root, own); !r) return r;
      if (s_.substr(i_, 2) == "</") return end_tag(root);
      if (s_.substr(i_, 2) == "<!" || s_.substr(i_, 2) == "<?")
        return fail("a comment, CDATA or processing instruction in <" + root + "> at offset " + at());
      Field field;
      bool empty = false;
      if (auto r = start_tag(field.name, empty); !r) return r;
      if (!empty) {
        if (auto r = text(field.name, field.value); !r) return r;
        if (s_.substr(i_, 2) != "</")
          return fail("an element nested in <" + field.name + "> at offset " + at() + "; HiLink replies are flat");
        if (auto r = end_tag(field.name); !r) return r;
      }
      if (reply.fields.size() == kMaxFields)
        return fail("more than " + std::to_string(kMaxFields) + " fields in <" + root + ">");
      reply.fields.push_back(std::move(field));
    }
  }

  static Result<Reply> api_error(const Reply& fields, std::string_view own) {
    if (!own.empty()) return fail("<error> holds text '" + clean_text(own, 40) + "' outside <code>");
    const std::string* code = fields.find("code");
    if (!code) return fail("an <error> reply without <code>");
    std::string_view digits = trimmed(*code);
    long number = 0;
    if (digits.empty() || digits.size() > 9) return fail("<error> code '" + clean_text(*code, 20) + "'");
    for (char c : digits) {
      if (c < '0' || c > '9') return fail("<error> code '" + clean_text(*code, 20) + "' is not a number");
      number = number * 10 + (c - '0');
    }
    std::string detail = "API error " + std::to_string(number);
    if (auto words = api_error_text(number)) detail += " (" + std::string(*words) + ")";
    const std::string* message = fields.find("message");
    if (message && !trimmed(*message).empty()) detail += ": " + clean_text(trimmed(*message), 120);
    return Error{code_for_api_error(number), std::move(detail)};
  }

  static std::string hex(unsigned char byte) {
    const char* digits = "0123456789abcdef";
    return {digits[byte >> 4], digits[byte & 0xF]};
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

const std::string* Reply::find(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f.value;
  return nullptr;
}

Result<Reply> read_reply(std::string_view body, std::size_t max_bytes) {
  if (body.size() > max_bytes)
    return Error{Code::bad_reply, "a reply of " + std::to_string(body.size()) + " bytes, more than the " +
                                      std::to_string(max_bytes) + " an API reply may have"};
  return Reader(body).run();
}

std::string request_xml(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?><request>)";
  for (const auto& [name, value] : fields) out += "<" + name + ">" + escape_xml(value) + "</" + name + ">";
  out += "</request>";
  return out;
}

}  // namespace fb::hilink
