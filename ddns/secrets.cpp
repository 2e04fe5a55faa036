#include "fb/ddns/secrets.hpp"

#include <openssl/crypto.h>

#include <cctype>
#include <vector>

#include "fb/text.hpp"

namespace fb::ddns {
namespace {

bool has_control(std::string_view s) {
  for (char c : s)
    if (std::iscntrl(static_cast<unsigned char>(c))) return true;
  return false;
}

bool has_space_or_control(std::string_view s) {
  for (char c : s)
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == ' ') return true;
  return false;
}

}  // namespace

std::string_view code_name(SetupCode code) {
  switch (code) {
    case SetupCode::config_error: return "DDNS_CONFIG_ERROR";
    case SetupCode::secret_refused: return "DDNS_SECRET_REFUSED";
  }
  return "DDNS_CONFIG_ERROR";
}

fb::Result<Secret, SetupCode> parse_secret_text(std::string_view text) {
  auto refused = [](std::string why) -> fb::Result<Secret, SetupCode> {
    return {SetupCode::secret_refused, std::move(why)};
  };
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return refused("is empty");
  if (text.find('\n') != std::string_view::npos || text.find('\r') != std::string_view::npos)
    return refused("holds more than one line; put only the secret in it");
  if (has_control(text)) return refused("contains control characters");
  return Secret(std::string(text));
}

fb::Result<AwsCredentials, SetupCode> parse_aws_credentials(std::string_view text) {
  auto refused = [](std::string why) -> fb::Result<AwsCredentials, SetupCode> {
    return {SetupCode::secret_refused, std::move(why)};
  };
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    lines.push_back(line);
  }
  bool keyed = false;
  for (auto l : lines)
    if (l.find('=') != std::string_view::npos || l.front() == '[') keyed = true;

  AwsCredentials out;
  std::string secret;
  if (keyed) {
    bool have_id = false, have_secret = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string_view l = lines[i];
      std::string where = "line " + std::to_string(i + 1) + " (not counting comments)";
      if (l.front() == '[') {
        if (l != "[default]") return refused(where + ": only one profile is read: no section or [default]");
        continue;
      }
      auto eq = l.find('=');
      if (eq == std::string_view::npos) return refused(where + ": expected key = value");
      std::string_view key = trim(l.substr(0, eq)), value = trim(l.substr(eq + 1));
      if (key == "aws_access_key_id") {
        if (have_id) return refused(where + ": aws_access_key_id given twice");
        out.access_key_id = std::string(value);
        have_id = true;
      } else if (key == "aws_secret_access_key") {
        if (have_secret) return refused(where + ": aws_secret_access_key given twice");
        secret = std::string(value);
        have_secret = true;
      } else if (key == "aws_session_token") {
        return refused(where + ": temporary credentials (aws_session_token) expire; use an IAM user's access key");
      }  // region, output, ...: not ours, ignored
    }
    if (!have_id) return refused("has no aws_access_key_id");
    if (!have_secret) return refused("has no aws_secret_access_key");
  } else {
    if (lines.size() != 2)
      return refused("holds " + std::to_string(lines.size()) +
                     " lines; expected 'aws_access_key_id = ...' and 'aws_secret_access_key = ...' or exactly two "
                     "lines");
    out.access_key_id = std::string(lines[0]);
    secret = std::string(lines[1]);
  }
  if (out.access_key_id.empty() || has_space_or_control(out.access_key_id))
    return refused("access key id is empty or contains spaces");
  if (secret.empty() || has_space_or_control(secret)) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return refused("secret access key is empty or contains spaces");
  }
  out.secret_access_key = Secret(std::move(secret));
  return out;
}

}  // namespace fb::ddns
