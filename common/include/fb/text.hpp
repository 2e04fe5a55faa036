// Text from outside (a modem, an HTTP API, pppd) on its way to the log,
// /status JSON or the control socket: made valid UTF-8 where it enters, so
// nothing downstream can throw on it (nlohmann::json::dump does on invalid
// UTF-8) or be steered by control characters. And the one trim().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fb {

// At most `max_bytes` of `text` (then "..."), cut on a character boundary;
// each invalid UTF-8 sequence becomes U+FFFD and each control character a
// space.
std::string clean_text(std::string_view text, std::size_t max_bytes = 200);

// `text` without the white space (std::isspace: blanks, tabs, line ends)
// around it.
std::string_view trim(std::string_view text);

// `text` as XML character data or an attribute value: &amp; &lt; &gt; &quot;
// &apos; for the five characters that need them, the rest as it is.
std::string escape_xml(std::string_view text);

// Percent-encoding of a query or form value (RFC 3986 unreserved
// A-Z a-z 0-9 - . _ ~ kept, every other byte %XX): a DDNS query string, a
// ZTE stick's LOGIN form.
std::string url_encode(std::string_view text);

}  // namespace fb
