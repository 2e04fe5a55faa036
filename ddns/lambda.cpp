#include "fb/ddns/lambda.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "fb/ddns/crypto.hpp"
#include "fb/text.hpp"

namespace fb::ddns {
namespace {

using nlohmann::json;

bool contains(std::string_view text, std::string_view needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

std::string join_query(const std::string& url, std::string_view query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + std::string(query);
}

std::string string_field(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A "fail" message of any generation: the documented texts, then the
// Route53 ClientError texts the v3 Lambda passes through (issue #14).
Outcome classify_failure(std::string_view message) {
  if (contains(message, "Validation hashes do not match")) return Outcome::auth_failed;
  if (contains(message, "is locked") || contains(message, "disallow internal IPs") ||
      contains(message, "lacks read permissions"))
    return Outcome::locked;
  if (contains(message, "issue finding or reading")) return Outcome::config_error;
  if (contains(message, "You must pass")) return Outcome::bad_request;
  if (contains(message, "Throttling") || contains(message, "Rate exceeded")) return Outcome::throttled;
  if (contains(message, "NoSuchHostedZone") || contains(message, "InvalidChangeBatch") ||
      contains(message, "single value"))
    return Outcome::config_error;
  return Outcome::server_error;
}

Reply success(RequestKind kind, const std::string& message, long status, bool v3, Family family) {
  if (kind == RequestKind::get) {
    auto ip = IpAddress::parse(message);
    if (!ip || ip->family != address_family(family))
      return make_reply(
          Outcome::bad_reply,
          "get answered '" + clean_text(message) + "', not an " + std::string(family_name(family)) + " address",
          status);
    Reply r = make_reply(Outcome::observed, "the API sees " + ip->text(), status);
    r.address = ip;
    return r;
  }
  if (contains(message, "matches the current Route53"))
    return make_reply(Outcome::unchanged, clean_text(message), status);
  if (contains(message, "has been set to") || contains(message, "has been updated to") || (v3 && status == 201))
    return make_reply(Outcome::published, clean_text(message), status);
  return make_reply(Outcome::bad_reply, "unexpected success message '" + clean_text(message) + "'", status);
}

// The body as a JSON object, or why not.
std::optional<json> object_body(const HttpReply& reply, std::string& why) {
  json j = json::parse(reply.body, nullptr, false);
  if (j.is_discarded()) {
    why = "malformed JSON (" + std::to_string(reply.body.size()) + " bytes)";
    return std::nullopt;
  }
  if (!j.is_object()) {
    why = "JSON reply is not an object";
    return std::nullopt;
  }
  return j;
}

// Whatever message an error body carries: ours, API Gateway's, Lambda URL's, or the raw text.
std::string any_message(const HttpReply& reply) {
  json j = json::parse(reply.body, nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"return_message", "message", "Message", "errorMessage"}) {
      std::string m = string_field(j, key);
      if (!m.empty()) return m;
    }
  }
  return reply.body;
}

Reply by_status_common(const HttpReply& reply, Provider generation) {
  long s = reply.status;
  std::string message = clean_text(any_message(reply));
  std::string prefix = "HTTP " + std::to_string(s) + ": ";
  if (s >= 300 && s < 400) return make_reply(Outcome::bad_reply, prefix + "redirect not followed", s);
  if (s == 429) return make_reply(Outcome::throttled, prefix + message, s);
  if (s == 401) return make_reply(Outcome::auth_failed, prefix + message, s);
  if (s == 403) {
    if (contains(message, "issue finding or reading")) return make_reply(Outcome::config_error, prefix + message, s);
    if (contains(message, "Missing Authentication Token"))
      return make_reply(Outcome::config_error, prefix + message + " (wrong URL or stage?)", s);
    return make_reply(Outcome::auth_failed,
                      prefix + message + (generation == Provider::lambda_v2 ? " (API key refused?)" : ""), s);
  }
  if (s == 404) return make_reply(Outcome::config_error, prefix + "no such API (check [ddns] url)", s);
  if (s == 400)
    return make_reply(classify_failure(message) == Outcome::auth_failed ? Outcome::auth_failed : Outcome::bad_request,
                      prefix + message, s);
  if (s == 500) {
    Outcome o = classify_failure(message);
    if (o == Outcome::bad_request) o = Outcome::server_error;
    return make_reply(o, prefix + message, s);
  }
  if (s >= 500 && s < 600) return make_reply(Outcome::server_error, prefix + message, s);
  return make_reply(Outcome::bad_reply, prefix + "unexpected status", s);
}

}  // namespace

std::string wire_hostname(Provider generation, std::string_view hostname) {
  while (!hostname.empty() && hostname.back() == '.') hostname.remove_suffix(1);
  std::string out(hostname);
  if (generation == Provider::lambda_v1 || generation == Provider::lambda_v2) out += '.';
  return out;
}

std::string validation_hash(Provider generation, std::string_view source_ip, std::string_view hostname,
                            std::string_view secret) {
  std::string text(source_ip);
  text += wire_hostname(generation, hostname);
  text += secret;
  std::string hash = sha256_hex(text);
  // The concatenation holds the secret: do not leave it in freed memory.
  std::fill(text.begin(), text.end(), '\0');
  return hash;
}

HttpRequest lambda_get(const LambdaEndpoint& e, std::string_view api_key) {
  HttpRequest r;
  if (e.generation == Provider::lambda_v3) {
    r.method = "POST";
    r.url = e.url;
    r.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    r.body = R"({"execution_mode":"get"})";
    return r;
  }
  r.method = "GET";
  r.url = join_query(e.url, "mode=get");
  r.headers = {{"Accept", "application/json"}};
  if (e.generation == Provider::lambda_v2 && !api_key.empty()) r.headers.emplace_back("x-api-key", api_key);
  return r;
}

HttpRequest lambda_set(const LambdaEndpoint& e, std::string_view source_ip, std::string_view secret,
                       std::string_view api_key) {
  std::string host = wire_hostname(e.generation, e.hostname);
  std::string hash = validation_hash(e.generation, source_ip, e.hostname, secret);
  HttpRequest r;
  if (e.generation == Provider::lambda_v3) {
    r.method = "POST";
    r.url = e.url;
    r.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    r.body = json{{"execution_mode", "set"}, {"ddns_hostname", host}, {"validation_hash", hash}}.dump();
    return r;
  }
  r.method = "GET";
  r.url = join_query(e.url, "mode=set&hostname=" + url_encode(host) + "&hash=" + hash);
  r.headers = {{"Accept", "application/json"}};
  if (e.generation == Provider::lambda_v2 && !api_key.empty()) r.headers.emplace_back("x-api-key", api_key);
  return r;
}

Reply parse_lambda_reply(Provider generation, RequestKind kind, const HttpReply& reply, Family family) {
  bool v3 = generation == Provider::lambda_v3;
  bool ok_status = v3 ? (reply.status == 200 || reply.status == 201) : reply.status == 200;
  if (!ok_status) return by_status_common(reply, generation);

  std::string why;
  auto body = object_body(reply, why);
  if (!body) return make_reply(Outcome::bad_reply, why, reply.status);
  const json& j = *body;
  if (j.contains("errorMessage")) {  // the Lambda itself raised (v1/v2 integration passes it with 200)
    return make_reply(
        Outcome::server_error,
        "Lambda error: " + clean_text(string_field(j, "errorType") + " " + string_field(j, "errorMessage")),
        reply.status);
  }
  std::string status = string_field(j, "return_status");
  std::string message = string_field(j, "return_message");
  if (status == "success") {
    if (v3 && kind == RequestKind::get && reply.status != 200)
      return make_reply(Outcome::bad_reply, "get answered HTTP " + std::to_string(reply.status), reply.status);
    return success(kind, message, reply.status, v3, family);
  }
  if (status == "fail") return make_reply(classify_failure(message), clean_text(message), reply.status);
  return make_reply(Outcome::bad_reply,
                    status.empty() ? "reply without return_status" : "return_status '" + clean_text(status) + "'",
                    reply.status);
}

}  // namespace fb::ddns
