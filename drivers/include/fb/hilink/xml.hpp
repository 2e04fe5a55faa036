// The HiLink API's XML, read and written: exactly the flat shapes the stick
// uses, nothing more.
//
//   <?xml version="1.0" encoding="UTF-8"?>          (optional prolog)
//   <response><Name>text</Name><Other/>…</response>  fields, one level deep
//   <response>OK</response>                          a request that succeeded
//   <error><code>N</code><message>…</message></error>
//
// Contract: read_reply() is strict and total. It decodes the five predefined
// entities and numeric character references and refuses everything else —
// an element nested where none is expected, attributes, comments, CDATA, a
// DOCTYPE, unclosed or mismatched tags, text after the root, control
// characters, an HTML page (a login page or a redirect target), an empty
// body, or a body larger than the limit — with Code::bad_reply and a detail
// that says what was found where. An <error> reply is returned as the Error
// of its code (code_for_api_error()), its number and message in the detail.
// Pure, no I/O; nothing throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fb/hilink/error.hpp"
#include "fb/text.hpp"

namespace fb::hilink {

// The largest reply body read_reply() accepts; the adapter's transfer limit too.
inline constexpr std::size_t kMaxReplyBytes = 64 * 1024;
// The most child elements a <response> may have (monitoring/status has ~40).
inline constexpr std::size_t kMaxFields = 256;

struct Field {
  std::string name;
  std::string value;  // entities decoded; empty for <Name/> and <Name></Name>
  bool operator==(const Field&) const = default;
};

struct Reply {
  bool ok = false;            // <response>OK</response>
  std::vector<Field> fields;  // in document order; empty for OK and <response/>
  // The value of the first field called `name`, or nullptr when there is none.
  const std::string* find(std::string_view name) const;
  bool operator==(const Reply&) const = default;
};

// One API reply body → its fields, OK, or the Error it carries (see above).
Result<Reply> read_reply(std::string_view body, std::size_t max_bytes = kMaxReplyBytes);

// `<?xml version="1.0" encoding="UTF-8"?><request><Name>value</Name>…</request>`,
// values escaped (&, <, >, ", '). Names are the caller's constants.
std::string request_xml(const std::vector<std::pair<std::string, std::string>>& fields);
// &amp; &lt; &gt; &quot; &apos; for the five characters that need them
// (common/text.hpp).
using fb::escape_xml;

}  // namespace fb::hilink
