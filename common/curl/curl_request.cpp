#include "fb/curl_request.hpp"

#include "fb/net_types.hpp"
#include "fb/version.hpp"

namespace fb {

void set_request_options(CURL* easy, const CurlRequestOptions& options) {
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  if (options.max_reply_bytes > 0)
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_reply_bytes));
  if (!options.interface.empty()) curl_easy_setopt(easy, CURLOPT_INTERFACE, options.interface.c_str());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, (std::string("failberry/") + kVersion + options.agent_suffix).c_str());
}

std::string curl_interface(const std::string& interface) {
  return (IpAddress::parse(interface) ? "host!" : "if!") + interface;
}

}  // namespace fb
