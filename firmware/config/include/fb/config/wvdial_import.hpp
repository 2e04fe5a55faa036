// From a wvdial.conf (the setup failberry replaces) to a failberry.ini:
// `failberryctl import-wvdial FILE`.
//
// Contract: pure (the caller reads the file and prints the result), never
// throws. The dialer section asked for is resolved the way wvdial does it:
// its own keys, then those of the sections it Inherits (a chain), then
// [Dialer Defaults]. The APN comes from an Init string's +CGDCONT for the
// context the Phone number dials (1 unless *99***N#); the modem device, the
// pppd path and the login (as a credentials-file suggestion) follow; the
// password and a SIM PIN are never copied into the output. Every key that has
// no failberry equivalent gets a "# not mapped: KEY = VALUE (why)" line.
// The INI returned passes the schema (parse_config) — it is checked before it
// is returned; anything else is an error with a message for the operator.
#pragma once

#include <string>
#include <string_view>

#include "fb/result.hpp"

namespace fb::core {

enum class WvdialCode { not_text, syntax, no_section, inherits_loop, no_apn, bad_value };
std::string_view code_name(WvdialCode code);

struct WvdialImportOptions {
  std::string file_name = "wvdial.conf";                       // named in comments and messages
  std::string section = "Defaults";                            // [Dialer NAME]; "Dialer NAME" is accepted too
  std::string credentials_file = "/etc/failberry/ppp.secret";  // where the login is suggested to go
};

fb::Result<std::string, WvdialCode> import_wvdial(std::string_view text, const WvdialImportOptions& options);

}  // namespace fb::core
