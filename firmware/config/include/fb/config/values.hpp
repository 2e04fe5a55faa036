// Value types of the config schema and their pure parsers.
//
// Contract: parse_value() turns the text of one INI value into a typed Value
// or into a one-sentence rule the text broke ("not a duration: expected a
// whole number followed by ms, s, m, h or d"). No I/O, no exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fb/config/config.hpp"
#include "fb/result.hpp"

namespace fb::core {

enum class ValueKind {
  apn,           // access point name (3GPP TS 23.003): letter/digit/'-' labels, dots
  boolean,       // true/false, yes/no, on/off, 1/0
  integer,       // whole number within [min, max]
  duration,      // 500ms, 5s, 2m, 1h, 1d within [min, max] milliseconds
  address,       // one IPv4 or IPv6 address
  address_list,  // comma-separated addresses
  cidr_list,     // comma-separated address/prefix
  path,          // absolute file system path
  choice,        // one of `choices`
  ifname,        // Linux interface name (1-15 chars)
  hostname,      // DNS name (RFC 1123), optional trailing dot
  https_url,     // https://host[:port][/path]
  http_url,      // http:// or https://host[:port][/path][?query], no user:password@
  event_list,    // comma-separated event kinds (fb::event_name()) or "all"
  phone_list,    // comma-separated phone numbers, international form: + then 6 to 15 digits
  modem_device,  // auto | /dev/... | usb:VID:PID | USB port path (1-1.3)
  hub_location,  // auto | uhubctl-style location (1-1, 1-1.2, 2)
  token,         // printable text without spaces (ids, zone ids)
  size,          // bytes: 750kB, 500MB, 1.5GB, 2TB (1000^n) or KiB, MiB, GiB, TiB (1024^n), within [min, max]
};

struct ValueType {
  ValueKind kind = ValueKind::token;
  std::int64_t min = 0;  // integer value, duration in ms, or size in bytes
  std::int64_t max = 0;
  std::vector<std::string_view> choices;
};

using Value = std::variant<std::string, bool, std::int64_t, Duration, IpAddress, std::vector<IpAddress>,
                           std::vector<Prefix>, ModemDevice>;

struct ParsedValue {
  std::optional<Value> value;
  std::string error;  // set when value is empty
};

ParsedValue parse_value(const ValueType& type, std::string_view text);

// Short human description used in docs and messages: "duration (1s..1h)".
std::string describe(const ValueType& type);
std::string format_duration(Duration d);
// Bytes the way a size is written: "300kB", "1.5GB", "2GiB"; exact bytes ("1234B") otherwise.
std::string format_size(std::int64_t bytes);

// The code of a value refused outside the INI (what a file a key names
// holds): BAD_VALUE. The detail is the rule the text broke.
enum class ConfigCode : std::uint8_t { bad_value };
std::string_view code_name(ConfigCode code);

// The SIM PIN a [modem] pin_file holds: 4 to 8 digits, surrounding white
// space ignored. A BAD_VALUE error ("not a PIN (4 to 8 digits)"), never
// quoting the text, when the file holds none. failberryd sends it as
// AT+CPIN="PIN".
fb::Result<std::string, ConfigCode> parse_sim_pin(std::string_view text);

// The kinds an event_list value names ("all": every kind), for a text
// parse_value() accepted; unknown words are skipped.
std::vector<EventKind> event_list_kinds(std::string_view text);

// The numbers a phone_list value names, for a text parse_value() accepted.
std::vector<std::string> phone_list_numbers(std::string_view text);
inline constexpr std::size_t kMaxPhoneNumbers = 5;

// The bearer token a [alerts] webhook_token_file holds: one word of
// printable ASCII (no spaces or control characters, so it cannot split the
// header), at most 1024 bytes, surrounding white space ignored. A BAD_VALUE
// error that never quotes the text when the file holds none.
fb::Result<std::string, ConfigCode> parse_bearer_token(std::string_view text);

// Levenshtein distance, for did-you-mean suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace fb::core
