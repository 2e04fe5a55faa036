// The one error convention: a value or an Error, with a stable
// machine-readable code and a detail for humans.
//
// Contract:
//  - `Code` is a module's enum of stable codes (fb::modem::Code,
//    fb::net::NetError, fb::usb::Fault, ...). Its SCREAMING_CASE names come
//    from a `code_name(Code)` declared beside the enum (found by
//    argument-dependent lookup); they appear in /status, logs and tests and
//    never change meaning once shipped.
//  - `Error::detail` is free text: what was attempted and what went wrong
//    ("ip -4 route replace ...: Network is unreachable", the modem's line).
//  - A Result holds exactly one of a value or an Error; it is built from one
//    or the other, so it never claims success without a value. Result<void,
//    Code> is a success (default) or an Error.
//  - value(), `*`, `->` need ok(); error() and code() need !ok(). Asking
//    the wrong side is a programming error: std::bad_variant_access or
//    std::bad_optional_access, never undefined behaviour. Nothing here throws
//    otherwise; failures are values.
//  - describe(): "CODE_NAME: detail" (or just "CODE_NAME" without a detail),
//    "OK" for a successful Result. Code first, so logs grep well.
// Pure, header-only.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace fb {

template <class Code>
struct Error {
  Code code;
  std::string detail;
  bool operator==(const Error&) const = default;
};

template <class T, class Code>
class Result {
 public:
  using value_type = T;
  using code_type = Code;

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error<Code> error) : v_(std::in_place_index<1>, std::move(error)) {}
  Result(Code code, std::string detail = {}) : v_(std::in_place_index<1>, Error<Code>{code, std::move(detail)}) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const Error<Code>& error() const { return std::get<1>(v_); }
  Code code() const { return error().code; }

 private:
  std::variant<T, Error<Code>> v_;
};

template <class Code>
class Result<void, Code> {
 public:
  using value_type = void;
  using code_type = Code;

  Result() = default;  // success
  Result(Error<Code> error) : error_(std::move(error)) {}
  Result(Code code, std::string detail = {}) : error_(Error<Code>{code, std::move(detail)}) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error<Code>& error() const { return error_.value(); }
  Code code() const { return error().code; }

 private:
  std::optional<Error<Code>> error_;
};

// "AT_TIMEOUT: AT+CSQ (5000 ms)"; "NO_MODEM" when there is no detail.
template <class Code>
std::string describe(const Error<Code>& error) {
  std::string out(code_name(error.code));
  if (!error.detail.empty()) out.append(": ").append(error.detail);
  return out;
}

// describe(error()), or "OK".
template <class T, class Code>
std::string describe(const Result<T, Code>& result) {
  return result.ok() ? std::string("OK") : describe(result.error());
}

}  // namespace fb
