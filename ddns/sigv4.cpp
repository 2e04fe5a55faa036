#include "fb/ddns/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "fb/ddns/crypto.hpp"

namespace fb::ddns::sigv4 {
namespace {

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

// Trimmed, inner runs of spaces collapsed to one (the canonical header value).
std::string squash(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (true) {
    auto pos = s.find(sep);
    out.emplace_back(s.substr(0, pos));
    if (pos == std::string_view::npos) return out;
    s.remove_prefix(pos + 1);
  }
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string canonical_query(std::string_view query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string& pair : split(query, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    params.emplace_back(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::string canonical_request(const Request& request, const std::vector<std::string>& signed_headers) {
  std::vector<std::string> names;
  for (const auto& n : signed_headers) names.push_back(lower(n));
  std::sort(names.begin(), names.end());
  std::map<std::string, std::string> values;  // repeated headers join with ','
  for (const auto& [name, value] : request.headers) {
    std::string key = lower(name);
    if (std::find(names.begin(), names.end(), key) == names.end()) continue;
    auto [it, fresh] = values.emplace(key, squash(value));
    if (!fresh) it->second += "," + squash(value);
  }
  std::string out = request.method + "\n";
  // Route53 paths hold only unreserved characters and '/', so the "encode
  // twice" rule for non-S3 services changes nothing here; the path is taken as sent.
  out += (request.path.empty() ? std::string("/") : request.path) + "\n";
  out += canonical_query(request.query) + "\n";
  for (const auto& n : names) out += n + ":" + values[n] + "\n";
  out += "\n";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ";" : "") + names[i];
  out += "\n" + sha256_hex(request.payload);
  return out;
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope.text() + "\n" + sha256_hex(canonical_request);
}

std::string signature(std::string_view secret_key, const Scope& scope, std::string_view string_to_sign) {
  std::string key = "AWS4" + std::string(secret_key);
  std::string k_date = hmac_sha256_raw(key, scope.date);
  std::fill(key.begin(), key.end(), '\0');
  std::string k_region = hmac_sha256_raw(k_date, scope.region);
  std::string k_service = hmac_sha256_raw(k_region, scope.service);
  std::string k_signing = hmac_sha256_raw(k_service, "aws4_request");
  return to_hex(hmac_sha256_raw(k_signing, string_to_sign));
}

std::string authorization(std::string_view access_key, std::string_view secret_key, const Scope& scope,
                          std::string_view amz_date, const Request& request,
                          const std::vector<std::string>& signed_headers) {
  std::vector<std::string> names;
  for (const auto& n : signed_headers) names.push_back(lower(n));
  std::sort(names.begin(), names.end());
  std::string joined;
  for (std::size_t i = 0; i < names.size(); ++i) joined += (i ? ";" : "") + names[i];
  std::string sts = string_to_sign(amz_date, scope, canonical_request(request, names));
  return "AWS4-HMAC-SHA256 Credential=" + std::string(access_key) + "/" + scope.text() + ", SignedHeaders=" + joined +
         ", Signature=" + signature(secret_key, scope, sts);
}

ParsedAuthorization parse_authorization(std::string_view header) {
  ParsedAuthorization out;
  constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256 ";
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm) return out;
  header.remove_prefix(kAlgorithm.size());
  for (const std::string& part : split(header, ',')) {
    std::string field = trim(part);
    auto eq = field.find('=');
    if (eq == std::string::npos) continue;
    std::string name = field.substr(0, eq), value = field.substr(eq + 1);
    if (name == "Credential") {
      auto bits = split(value, '/');
      if (bits.size() == 5 && bits[4] == "aws4_request") {
        out.access_key = bits[0];
        out.scope = Scope{bits[1], bits[2], bits[3]};
      }
    } else if (name == "SignedHeaders") {
      out.signed_headers = split(value, ';');
    } else if (name == "Signature") {
      out.signature = value;
    }
  }
  return out;
}

}  // namespace fb::ddns::sigv4
