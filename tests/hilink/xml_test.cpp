// The HiLink reply reader: the flat shapes it must read, and every shape it
// must refuse with HILINK_BAD_REPLY and a detail that says what was wrong.
#include <doctest/doctest.h>

#include <string>

#include "fb/hilink/xml.hpp"

using namespace fb::hilink;

namespace {
Reply read_ok(std::string_view body) {
  auto r = read_reply(body);
  INFO(body);
  INFO(describe(r));
  REQUIRE(r.ok());
  return *r;
}

// Refused as a bad reply, with `words` in the detail.
void refused(std::string_view body, std::string_view words) {
  auto r = read_reply(body);
  INFO(body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == Code::bad_reply);
  CHECK_MESSAGE(r.error().detail.find(words) != std::string::npos, r.error().detail);
}
}  // namespace

TEST_CASE("fields with and without the prolog, CRLF and blank lines") {
  Reply a = read_ok("<response><ConnectionStatus>901</ConnectionStatus><SignalIcon>4</SignalIcon></response>");
  Reply b = read_ok(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<response>\r\n<ConnectionStatus>901</ConnectionStatus>\r\n"
      "<SignalIcon>4</SignalIcon>\r\n</response>\r\n");
  CHECK(a == b);
  REQUIRE(a.fields.size() == 2);
  CHECK(a.fields[0] == Field{"ConnectionStatus", "901"});
  CHECK(*a.find("SignalIcon") == "4");
  CHECK(a.find("signalicon") == nullptr);  // names are case-sensitive, as in XML
  CHECK_FALSE(a.ok);
}

TEST_CASE("empty elements, empty response, byte order mark") {
  Reply r = read_ok("<response><WanIPv6Address></WanIPv6Address><SignalStrength/><x >1</x ></response>");
  REQUIRE(r.fields.size() == 3);
  CHECK(r.fields[0].value.empty());
  CHECK(r.fields[1] == Field{"SignalStrength", ""});
  CHECK(r.fields[2] == Field{"x", "1"});
  CHECK(read_ok("<response></response>").fields.empty());
  CHECK(read_ok("<response/>").fields.empty());
  CHECK(read_ok("\xEF\xBB\xBF<response><a>1</a></response>").fields.size() == 1);
}

TEST_CASE("OK reply") {
  CHECK(read_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?><response>OK</response>").ok);
  CHECK(read_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>OK</response>\n").ok);
  CHECK(read_ok("<response>\r\nOK\r\n</response>").ok);
}

TEST_CASE("entities and character references are decoded") {
  Reply r = read_ok(
      "<response><rssi>&gt;=-51dBm</rssi><FullName>AT&amp;T</FullName><q>&quot;&apos;&lt;</q>"
      "<n>&#65;&#x42;&#xe9;</n></response>");
  CHECK(*r.find("rssi") == ">=-51dBm");
  CHECK(*r.find("FullName") == "AT&T");
  CHECK(*r.find("q") == "\"'<");
  CHECK(*r.find("n") == "AB\xC3\xA9");
}

TEST_CASE("error replies carry their code and message") {
  auto r =
      read_reply("<?xml version=\"1.0\" encoding=\"UTF-8\"?><error><code>100003</code><message></message></error>");
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == Code::needs_login);
  CHECK(r.error().detail == "API error 100003 (no rights, login needed)");

  struct Row {
    const char* body;
    Code code;
  };
  for (const Row& row : {Row{"<error><code>125002</code><message/></error>", Code::token},
                         Row{"<error><code>125001</code></error>", Code::token},
                         Row{"<error>\n<code>125003</code>\n<message></message>\n</error>", Code::token},
                         Row{"<error><code>108006</code><message/></error>", Code::bad_password},
                         Row{"<error><code>108002</code><message/></error>", Code::bad_password},
                         Row{"<error><code>108007</code><message/></error>", Code::too_many_attempts},
                         Row{"<error><code>100004</code><message/></error>", Code::busy},
                         Row{"<error><code>100002</code><message/></error>", Code::not_supported},
                         Row{"<error><code>100005</code><message/></error>", Code::format_error},
                         Row{"<error><code>115002</code><message/></error>", Code::password_change},
                         Row{"<error><code>100001</code><message/></error>", Code::api_error},
                         Row{"<error><code>113018</code><message/></error>", Code::api_error}}) {
    auto e = read_reply(row.body);
    INFO(row.body);
    REQUIRE_FALSE(e.ok());
    CHECK(e.code() == row.code);
    CHECK(e.error().detail.rfind("API error ", 0) == 0);
  }
  auto m = read_reply("<error><message>Busy &amp; tired</message><code>100004</code></error>");
  CHECK(describe(m) == "HILINK_BUSY: API error 100004 (system busy): Busy & tired");
}

TEST_CASE("malformed error replies are bad replies") {
  refused("<error><message>x</message></error>", "without <code>");
  refused("<error><code>abc</code></error>", "not a number");
  refused("<error><code></code></error>", "<error> code");
  refused("<error>oops<code>1</code></error>", "beside its fields");
}

TEST_CASE("what is not a flat API reply is refused with a clear detail") {
  refused("", "empty body");
  refused("  \r\n\t ", "empty body");
  refused("<!DOCTYPE html>\n<html><head><meta name=\"csrf_token\" content=\"x\"></head><body>login</body></html>",
          "an HTML page");
  refused("<html><body>302 Found</body></html>", "an HTML page");
  refused("<?xml version=\"1.0\"?><HTML><body/></HTML>", "an HTML page");
  refused("<response><a><b>1</b></a></response>", "nested in <a>");
  refused("<response><a>1</response>", "</response> closes <a>");
  refused("<response><a>1</a>", "<response> is never closed");
  refused("<response><a>1", "<a> is never closed");
  refused("<response><a", "<a is never closed");
  refused("<response><a>1</a</response>", "</a is not closed by '>' at offset 17");
  refused("<response><a>1</b></response>", "</b> closes <a>");
  refused("<response><a x=\"1\">1</a></response>", "attributes");
  refused("<response><!-- c --></response>", "comment");
  refused("<response><a><![CDATA[x]]></a></response>", "nested in <a>");
  refused("<!DOCTYPE response><response/>", "DOCTYPE");
  refused("<foo>1</foo>", "root element <foo>");
  refused("OK", "text where the root element belongs");
  refused("{\"response\":\"OK\"}", "text where the root element belongs");
  refused("<response>OK</response><response>OK</response>", "more after </response>");
  refused("<response>OK</response>junk", "more after </response>");
  refused("<response>NO</response>", "neither OK nor fields");
  refused("<response>OK<a>1</a></response>", "beside its fields");
  refused("<response><a>&nbsp;</a></response>", "unknown entity &nbsp;");
  refused("<response><a>AT&T</a></response>", "a bare '&'");
  refused("<response><a>&#0;</a></response>", "bad character reference");
  refused("<response><a>&#xD800;</a></response>", "bad character reference");
  refused("<response><a>&#x110000;</a></response>", "bad character reference");
  refused(std::string_view("<response><a>\0</a></response>", 29), "control character (0x00)");
  refused("<response><1a>1</1a></response>", "without a valid name");
  refused("<response><" + std::string(65, 'a') + ">1</" + std::string(65, 'a') + "></response>", "longer than 64");
  refused("<?xml version=\"1.0\"", "never closed");
}

TEST_CASE("size and field-count bounds") {
  std::string big = "<response><a>" + std::string(kMaxReplyBytes, 'x') + "</a></response>";
  refused(big, "more than the 65536");
  CHECK(read_reply("<response><a>12345</a></response>", 40).ok());
  auto small = read_reply("<response><a>12345</a></response>", 20);
  REQUIRE_FALSE(small.ok());
  CHECK(small.error().detail == "a reply of 33 bytes, more than the 20 an API reply may have");

  std::string many = "<response>";
  for (std::size_t i = 0; i < kMaxFields; ++i) many += "<f/>";
  CHECK(read_ok(many + "</response>").fields.size() == kMaxFields);
  refused(many + "<f/></response>", "more than 256 fields");
}

TEST_CASE("request bodies escape their values") {
  CHECK(request_xml({{"dataswitch", "1"}}) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><request><dataswitch>1</dataswitch></request>");
  CHECK(request_xml({{"Username", "a<b>&\"'"}, {"password_type", "4"}}) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><request><Username>a&lt;b&gt;&amp;&quot;&apos;</Username>"
        "<password_type>4</password_type></request>");
  // What we write, we read back.
  auto back = read_reply("<response><Username>" + escape_xml("a<b>&\"'") + "</Username></response>");
  REQUIRE(back.ok());
  CHECK(*back->find("Username") == "a<b>&\"'");
}
