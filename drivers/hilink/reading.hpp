// Pieces the two router-stick dialects' reply readers share (api.cpp for
// Huawei's XML, goform.cpp for ZTE's JSON): the bad-reply error, the
// read-or-return macro, and a whole number from a field's trimmed text.
// Private to fb_hilink_pure.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "fb/hilink/error.hpp"
#include "fb/text.hpp"

namespace fb::hilink::detail {

inline Error bad(std::string detail) {
  return Error{Code::bad_reply, std::move(detail)};
}

// `text` is the field's trimmed value: empty is unknown (nullopt), anything
// else must be a whole number of T.
template <class T>
Result<std::optional<T>> whole_number(std::string_view name, std::string_view text) {
  if (text.empty()) return std::optional<T>{};
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return bad(std::string(name) + " '" + clean_text(text, 40) + "' is not a number");
  return std::optional<T>(value);
}

}  // namespace fb::hilink::detail

// Reads into `out` or returns the error from the enclosing function.
#define FB_HILINK_TRY(out, expr)      \
  do {                                \
    auto fb_r_ = (expr);              \
    if (!fb_r_) return fb_r_.error(); \
    out = std::move(fb_r_).value();   \
  } while (0)
