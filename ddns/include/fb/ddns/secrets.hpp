// Secrets of the DDNS providers: the Lambda shared secret, the v2 API key,
// the AWS access key pair — their text formats (pure). The files are read by
// fb::read_secret_file (fb/secret_file.hpp), like every secret file.
//
// Contract: a Secret never prints itself (no operator<<, masked() is all a
// log or /status may show) and wipes its bytes when destroyed. Parsers return
// the value or a DDNS_SECRET_REFUSED error whose detail is one sentence naming
// the rule; they never echo the text.
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

#include <cstdint>
#include <string>
#include <string_view>

#include "fb/result.hpp"
#include "fb/secret_file.hpp"

namespace fb::ddns {

// The stable codes of a client that cannot be set up: DDNS_CONFIG_ERROR,
// DDNS_SECRET_REFUSED (SetupError, client.hpp, carries the same names).
enum class SetupCode : std::uint8_t { config_error, secret_refused };
std::string_view code_name(SetupCode code);

// The holder and the reader are fb_common's: one way for every secret file.
using fb::read_secret_file;
using fb::Secret;

struct AwsCredentials {
  std::string access_key_id;  // not secret (it names the key), shown in logs
  Secret secret_access_key;
};

// The shared secret / API key file: the whole text minus trailing whitespace
// and line ends ("echo secret > file" adds a newline the Lambda would hash).
// Refused when empty, multi-line, or containing control characters.
fb::Result<Secret, SetupCode> parse_secret_text(std::string_view text);
fb::Result<AwsCredentials, SetupCode> parse_aws_credentials(std::string_view text);

}  // namespace fb::ddns
