// Stable error codes of the modem component and the value-or-error type every
// modem function returns.
//
// Contract: `Code` names are part of the interface: they appear in logs,
// /status and tests as the SCREAMING_CASE words of to_string() and never
// change meaning once shipped (add new ones at the end). `Error::detail` is
// free text for humans (the offending modem line, the errno text). Nothing in
// drivers/ throws for bad modem output: it returns an Error. Pure, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fb::modem {

enum class Code : std::uint8_t {
  no_modem,           // nothing that looks like a modem was found
  modem_gone,         // the tty hit EOF/EIO: unplugged or lost power
  modeswitch_failed,  // storage-mode stick never came back as a modem
  at_timeout,         // no final result within the command's timeout
  at_error,           // plain ERROR (or COMMAND NOT SUPPORT, NA)
  at_bad_response,    // a final OK, but the text could not be understood
  at_cancelled,       // the command was cancelled before it completed
  at_queue_full,      // too many commands queued: the modem is not keeping up
  at_cme_error,       // +CME ERROR without a more specific code below
  at_cms_error,       // +CMS ERROR (SMS layer)
  not_supported,      // CME 4 "operation not supported"
  not_allowed,        // CME 3 "operation not allowed"
  no_carrier,         // dial/final results of V.250
  busy,
  no_dialtone,
  no_answer,
  phone_failure,     // CME 0: the modem's own failure
  sim_missing,       // CME 10, +CPIN: NOT INSERTED, ^SYSINFO sim 255
  sim_pin_required,  // CME 11, +CPIN: SIM PIN
  sim_pin_wrong,     // CME 16 "incorrect password"
  sim_puk_required,  // CME 12, +CPIN: SIM PUK (after 3 wrong PINs)
  sim_failure,       // CME 13/15
  sim_busy,          // CME 14: SIM still initialising, retry later
  device_locked,     // PH-SIM/PH-NET… personalisation locks (CME 5, 40-47)
  reg_denied,        // registration denied / network rejected the SIM
  no_network,        // CME 30 "no network service"
  network_timeout,   // CME 31
  pdp_rejected,      // CME 132-134, 148, 150: data context refused
  pdp_auth_failed,   // CME 149: PAP/CHAP credentials refused
  cdrom_disable_failed,
  bad_dial_settings,  // APN / PDP type / dial string that cannot be sent safely
};

// "SIM_PIN_REQUIRED" etc.; every Code has one.
std::string_view to_string(Code code);
std::optional<Code> code_from_string(std::string_view word);
inline constexpr int kCodeCount = static_cast<int>(Code::bad_dial_settings) + 1;

struct Error {
  Code code;
  std::string detail;
  bool operator==(const Error&) const = default;
};

// "AT_TIMEOUT: AT+CSQ (5000 ms)" — code first so logs grep well.
std::string describe(const Error& error);

// A value or an Error. Small on purpose: no exceptions, no monadic sugar.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  Result(Code code, std::string detail = {}) : v_(Error{code, std::move(detail)}) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Code code() const { return error().code; }

 private:
  std::variant<T, Error> v_;
};

template <>
class Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}
  Result(Code code, std::string detail = {}) : error_(Error{code, std::move(detail)}) {}
  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }
  Code code() const { return error_->code; }

 private:
  std::optional<Error> error_;
};

}  // namespace fb::modem
