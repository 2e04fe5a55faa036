// Secrets of the DDNS providers: the Lambda shared secret, the v2 API key,
// the AWS access key pair — their text formats (pure) and reading them from
// permission-checked files (read_secret_file, in fb_ddns).
//
// Contract: a Secret never prints itself (no operator<<, masked() is all a
// log or /status may show) and wipes its bytes when destroyed. Parsers return
// the value or one error sentence naming the rule; they never echo the text.
//
// AWS credentials file (ddns credentials_file), either form, mode 0600:
//   # comment                              AKIDEXAMPLE
//   [default]          (optional)          wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//   aws_access_key_id = AKIDEXAMPLE
//   aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
// i.e. the AWS CLI's key = value lines (one profile only; aws_session_token
// is refused: temporary credentials expire and would need a refresher), or
// exactly two non-comment lines: access key id, then secret key.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace fb::ddns {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  Secret& operator=(Secret&& other) noexcept;
  ~Secret() { wipe(); }

  const std::string& reveal() const { return value_; }  // only for building a request
  bool empty() const { return value_.empty(); }
  static constexpr std::string_view masked() { return "********"; }

 private:
  void wipe();
  std::string value_;
};

struct AwsCredentials {
  std::string access_key_id;  // not secret (it names the key), shown in logs
  Secret secret_access_key;
};

// The shared secret / API key file: the whole text minus trailing whitespace
// and line ends ("echo secret > file" adds a newline the Lambda would hash).
// Refused when empty, multi-line, or containing control characters.
std::variant<Secret, std::string> parse_secret_text(std::string_view text);
std::variant<AwsCredentials, std::string> parse_aws_credentials(std::string_view text);

// Reads `path` (bounded size) after checking it is a regular file that no
// group or other user may access; the error names the path and what to do
// ("... mode 0644; run: chmod 600 PATH"). The raw text comes back as a
// Secret so it is wiped too. Does I/O: lives in fb_ddns.
std::variant<Secret, std::string> read_secret_file(const std::string& path);

}  // namespace fb::ddns
