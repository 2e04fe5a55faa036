// The error convention of fb::net.
//
// Contract: every operation that can fail returns a Status, or a Result<T>
// holding either a value or a failed Status. A failed Status carries a stable
// machine-readable code (code_name(): "ROUTE_ADD_FAILED", shown in /status and
// matched by tests) and a message naming what was attempted, in `ip`/`nft`
// terms, followed by the kernel's own words ("Network is unreachable", the
// netlink extended-ack text, nft's error output). Nothing here throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fb::net {

enum class NetError {
  none,
  invalid_spec,           // a value failed validation before reaching the kernel
  netlink_unavailable,    // a netlink socket or the nft context could not be opened
  namespace_unavailable,  // the System's network namespace could not be entered
  interface_not_found,    // a named interface does not exist (yet)
  route_add_failed,       // the kernel refused an add/replace of a route
  route_delete_failed,
  rule_add_failed,
  rule_delete_failed,
  read_back_failed,  // a dump of routes, rules, links or the nft table failed
  conntrack_flush_failed,
  sysctl_write_failed,
  nft_apply_failed,  // the ruleset transaction was refused; the previous table is intact
  nft_remove_failed,
};

// The stable name of a code: "ROUTE_ADD_FAILED"; "OK" for none.
std::string_view code_name(NetError code);

class Status {
 public:
  Status() = default;  // success
  Status(NetError code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status success() { return {}; }

  bool ok() const { return code_ == NetError::none; }
  NetError code() const { return code_; }
  const std::string& message() const { return message_; }
  // "ROUTE_ADD_FAILED: ip -4 route replace ...: Network is unreachable", or "OK".
  std::string text() const;

 private:
  NetError code_ = NetError::none;
  std::string message_;
};

// A value or the reason there is none. Constructing it from a successful
// Status is a programming error and is turned into invalid_spec, so a Result
// never claims success without a value.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status failure) : status_(std::move(failure)) {
    if (status_.ok()) status_ = Status(NetError::invalid_spec, "Result built from a successful Status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace fb::net
