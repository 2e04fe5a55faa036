// The options every HTTP request failberry makes shares (DDNS updates, the
// HiLink API, health probes, the webhook), set in one place.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace fb {

struct CurlRequestOptions {
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds total_timeout{0};  // connect included
  std::size_t max_reply_bytes = 0;             // 0: no CURLOPT_MAXFILESIZE (the caller bounds the body)
  std::string interface;                       // CURLOPT_INTERFACE as is ("if!usb0"); empty: not bound
  std::string agent_suffix;                    // after "failberry/<version>" (" probe")
};

// On `easy`: a connection of the request's own, closed after it (each request
// proves the path anew, none reuses another's), no proxy (one would carry the
// request over its own uplink, not ours), no signals from libcurl, HTTP/1.1,
// redirects not followed, the timeouts, the reply bound, the interface and
// the user agent "failberry/<version>".
// The URL, method, protocols, headers and callbacks stay the caller's.
void set_request_options(CURL* easy, const CurlRequestOptions& options);

// CURLOPT_INTERFACE's word for a configured `interface`: "host!ADDRESS" for
// an IP address (bind to it), else "if!NAME" (that interface only, so a
// missing one fails instead of leaving by the default route).
std::string curl_interface(const std::string& interface);

}  // namespace fb
