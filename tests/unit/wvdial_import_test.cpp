// failberryctl import-wvdial's converter: realistic wvdial.conf files in,
// a failberry.ini out that the schema accepts (parsed here again), every
// unmapped key named, the password and a SIM PIN never printed; bad input
// refused with a specific message.
#include <doctest/doctest.h>

#include "fb/config/parse.hpp"
#include "fb/config/wvdial_import.hpp"

using fb::core::import_wvdial;
using fb::core::WvdialCode;
using fb::core::WvdialImportOptions;

namespace {

// The hand-built FailberryPi of 2018 (ZTE MF180, a carrier APN with a public address).
const char* kFailberryPi = R"(# /etc/wvdial.conf
[Dialer Defaults]
Init1 = ATZ
Init2 = ATQ0 V1 E1 S0=0 &C1 &D2 +FCLASS=0
Init3 = AT+CGDCONT=1,"IP","direct"
Stupid Mode = 1
Modem Type = Analog Modem
ISDN = 0
Phone = *99#
Modem = /dev/ttyUSB2
Username = guest
Password = guest-4u
Baud = 9600
)";

// wvdialconf's output for a Huawei E3372 in modem mode, then edited: context 1,
// empty login, carrier check off.
const char* kHuawei =
    "[Dialer Defaults]\r\n"
    "Init1 = ATZ\r\n"
    "Init2 = ATQ0 V1 E1 S0=0 &C1 &D2 +FCLASS=0\r\n"
    "Init3 = AT+CGDCONT=1,\"IP\",\"internet.telekom\"\r\n"
    "Modem Type = Analog Modem\r\n"
    "Baud = 460800\r\n"
    "New PPPD = yes\r\n"
    "Modem = /dev/ttyUSB0\r\n"
    "ISDN = 0\r\n"
    "Phone = *99***1#\r\n"
    "Password = ''\r\n"
    "Username = ''\r\n"
    "Carrier Check = no\r\n"
    "Auto Reconnect = on\r\n";

// Several SIMs on one Pi: a dialer per carrier, one inheriting another, a PIN in an Init.
const char* kCarriers = R"(; dialers per carrier
[Dialer Defaults]
Modem = /dev/ttyUSB2
Baud = 460800
Init1 = ATZ
Stupid Mode = 1
Phone = *99#
Username = x
Password = x

[Dialer vodafone]
Init2 = AT+CPIN=4711
Init3 = AT+CGDCONT=1,"IP","web.vodafone.de"
Username = vodafone
Password = s3cr3t-vf

[Dialer vodafone-v6]
Inherits = Dialer vodafone
Init3 = AT+CGDCONT=1,"IPV4V6","web.vodafone.de"
PPPD Path = /usr/local/sbin/pppd

[Dialer o2]
Init3 = AT+CGDCONT=2,"IP","pinternet.interkom.de"
Init4 = AT+CGDCONT=1,"IP","other.apn"
Phone = *99***2#
Dial Command = ATDT
)";

fb::core::Config parsed(const std::string& ini) {
  fb::core::ConfigResult r = fb::core::parse_config(ini, "imported.ini");
  for (const auto& e : r.errors) CAPTURE(e.to_string());
  REQUIRE(r.config);
  return *r.config;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

}  // namespace

TEST_CASE("the FailberryPi's wvdial.conf: APN, device, login in a secret file, each other key named") {
  auto r = import_wvdial(kFailberryPi, {});
  REQUIRE(r.ok());
  const std::string& ini = *r;
  fb::core::Config c = parsed(ini);
  CHECK(c.modem.apn == "direct");
  // The dialer's "IP", written out: an unwritten pdp_type would be ipv4v6 on a stick that lists it.
  CHECK(has(ini, "\napn = direct\npdp_type = ipv4\n"));
  CHECK(c.modem.pdp_type == fb::modem::PdpType::ip);
  CHECK(has(ini, "\n[modem]\n"));
  CHECK(has(ini, "\ndevice = /dev/ttyUSB2\n"));
  CHECK(has(ini, "\napn = direct\n"));
  CHECK(has(ini, "# From Init3: +CGDCONT=1,\"IP\",\"direct\"\n"));
  CHECK(has(ini, "\ncredentials_file = /etc/failberry/ppp.secret\n"));
  CHECK(has(ini, "#   printf 'user %s\\npassword %s\\n' 'guest' 'PASSWORD' > '/etc/failberry/ppp.secret'\n"));
  CHECK(has(ini, "#   chmod 600 '/etc/failberry/ppp.secret'\n"));
  CHECK(has(ini, "\n[uplink.cellular]\ninterface = ppp0\nkind = ppp\npriority = 10\n"));
  CHECK(has(ini, "# Phone = *99#: failberry dials ATD*99# on context 1 itself\n"));
  for (const char* line : {
           "# not mapped: Init1 (failberry's modem profile sends its own AT setup; the string is not shown: it may "
           "hold a "
           "PIN or a password)\n",
           "# not mapped: Init2 (failberry's modem profile sends its own AT setup; the string is not shown: it may "
           "hold a PIN or a password)\n",
           "# not mapped: Stupid Mode = 1 (failberry starts pppd as soon as the modem answers CONNECT and never "
           "waits for a login prompt, which is what Stupid Mode = 1 asked for)\n",
           "# not mapped: Modem Type = Analog Modem (failberry finds the modem's kind from its USB ids ([modem] "
           "profile))\n",
           "# not mapped: ISDN = 0 (failberry drives 3G/4G modems only)\n",
           "# not mapped: Baud = 9600 (a USB modem's AT port ignores the line speed; failberry sets up the tty "
           "itself)\n",
       }) {
    CAPTURE(line);
    CHECK(has(ini, line));
  }
  CHECK_FALSE(has(ini, "Password ="));
  CHECK_FALSE(has(ini, "guest-4u"));
}

TEST_CASE("a Huawei E3372 (CRLF, *99***1#, empty login): no credentials file, the context's APN") {
  auto r = import_wvdial(kHuawei, {"wvdial.conf", "Defaults", "/etc/failberry/ppp.secret"});
  REQUIRE(r.ok());
  fb::core::Config c = parsed(*r);
  CHECK(c.modem.apn == "internet.telekom");
  CHECK(c.modem.pdp_type == fb::modem::PdpType::ip);  // its +CGDCONT=1,"IP",…
  CHECK(c.ppp.credentials_file.empty());
  CHECK_FALSE(has(*r, "credentials_file ="));
  CHECK(has(*r, "# Username and Password are empty: no login, no credentials_file\n"));
  CHECK(has(*r, "# Phone = *99***1#: failberry defines context 1 with that context's APN and dials ATD*99#\n"));
  CHECK(has(*r, "# not mapped: New PPPD = yes (failberry runs the installed pppd and gives it its options itself)\n"));
  CHECK(has(*r,
            "# not mapped: Carrier Check = no (failberry follows the link through pppd, netlink and its own "
            "probes)\n"));
  CHECK(has(*r,
            "# not mapped: Auto Reconnect = on (failberry's recovery ladder redials, resets and power-cycles "
            "the modem by itself)\n"));
  CHECK_FALSE(has(*r, "\r"));
}

TEST_CASE("--section: a dialer's own keys over what it inherits over [Dialer Defaults]; PIN and password never shown") {
  SUBCASE("vodafone") {
    auto r = import_wvdial(kCarriers, {"carriers.conf", "vodafone", "/tmp/x/ppp.secret"});
    REQUIRE(r.ok());
    fb::core::Config c = parsed(*r);
    CHECK(c.modem.apn == "web.vodafone.de");
    CHECK(c.ppp.credentials_file == "/tmp/x/ppp.secret");
    CHECK(has(*r, "' 'vodafone' 'PASSWORD' > '/tmp/x/ppp.secret'\n"));
    CHECK(has(*r, "# PASSWORD: the Password of carriers.conf (not copied here).\n"));
    CHECK(has(*r,
              "# not mapped: Init2 (sends the SIM PIN, not shown: put it in a file named by [modem] pin_file, "
              "mode 0600)\n"));
    CHECK(has(
        *r,
        "# not mapped: Init1 (failberry's modem profile sends its own AT setup; the string is not shown: it may hold a "
        "PIN or a password)\n"));
    CHECK(has(*r, "[Dialer vodafone]"));
    CHECK_FALSE(has(*r, "4711"));
    CHECK_FALSE(has(*r, "s3cr3t"));
    CHECK_FALSE(has(*r, "user %s\\npassword %s\\n' 'x'"));  // the Defaults' login is overridden
  }
  SUBCASE("Inherits: vodafone-v6 takes vodafone's login, its own context type and pppd") {
    auto r = import_wvdial(kCarriers, {"carriers.conf", "Dialer vodafone-v6", "/etc/failberry/ppp.secret"});
    REQUIRE(r.ok());
    fb::core::Config c = parsed(*r);
    CHECK(c.modem.apn == "web.vodafone.de");
    CHECK(has(*r, "\npdp_type = ipv4v6\n"));
    CHECK(c.modem.pdp_type == fb::modem::PdpType::ipv4v6);
    CHECK(has(*r, "\n[ppp]\npppd = /usr/local/sbin/pppd\n"));
    CHECK(has(*r, "' 'vodafone' 'PASSWORD'"));
    CHECK_FALSE(has(*r, "s3cr3t"));
    CHECK_FALSE(has(*r, "4711"));
  }
  SUBCASE("o2: *99***2# dials context 2, so its APN is the one; the other context is named") {
    auto r = import_wvdial(kCarriers, {"carriers.conf", "o2", "/etc/failberry/ppp.secret"});
    REQUIRE(r.ok());
    fb::core::Config c = parsed(*r);
    CHECK(c.modem.apn == "pinternet.interkom.de");
    CHECK(has(*r,
              "# not mapped: Init4 (defines a context other than the one Phone dials; the string is not shown: it "
              "may hold a PIN or a password)\n"));
    CHECK(has(*r, "# not mapped: Dial Command = ATDT (failberry dials with ATD and the 3GPP packet-data number)\n"));
    CHECK(has(*r, "' 'x' 'PASSWORD'"));  // from [Dialer Defaults]
  }
}

TEST_CASE("bad input: each refused with a specific message") {
  struct Row {
    std::string text;
    const char* section;
    WvdialCode code;
    const char* message;
  };
  for (const Row& row : {
           Row{"", "Defaults", WvdialCode::no_section, "w.conf: no [Dialer Defaults]; it has no [Dialer ...] section"},
           Row{std::string("\x7f"
                           "ELF\x02\x01\x01\0\0\0",
                           10),
               "Defaults", WvdialCode::not_text,
               "w.conf:1: control characters or bytes that are not UTF-8: not a wvdial.conf"},
           Row{"[Dialer Defaults]\nModem = /dev/ttyUSB0\n\xff\xfe\n", "Defaults", WvdialCode::not_text,
               "w.conf:3: control characters or bytes that are not UTF-8: not a wvdial.conf"},
           Row{"[Dialer Defaults]\nModem = /dev/ttyUSB0\nPhone = *99#\n", "Defaults", WvdialCode::no_apn,
               "w.conf: [Dialer Defaults] (with what it inherits) has no Init string with +CGDCONT=1,\"IP\",\"APN\": "
               "failberry needs the APN ([modem] apn)"},
           Row{"[Dialer Defaults]\nInit3 = AT+CGDCONT=1,\"IP\",\"internet\"\nPhone = *99***3#\n", "Defaults",
               WvdialCode::no_apn,
               "w.conf: [Dialer Defaults] (with what it inherits) has no Init string with +CGDCONT=3,\"IP\",\"APN\": "
               "failberry needs the APN ([modem] apn)"},
           Row{"[Dialer Defaults]\nInit3 = AT+CGDCONT=1,\"IP\",\"my apn\"\n", "Defaults", WvdialCode::bad_value,
               "w.conf: Init3: the APN \"my apn\" is not one failberry accepts: "},
           Row{"[Dialer Defaults]\nInit3 = AT+CGDCONT=1,\"IP\",\"internet\"\n", "vodafone", WvdialCode::no_section,
               "w.conf: no [Dialer vodafone]; its dialers: Defaults (--section NAME)"},
           Row{"[Dialer a]\nInherits = Dialer b\n[Dialer b]\nInherits = a\n", "a", WvdialCode::inherits_loop,
               "w.conf: [Dialer a] inherits itself through Inherits"},
           Row{"[Dialer a]\nInherits = Dialer gone\n", "a", WvdialCode::no_section,
               "w.conf: no [Dialer gone] (inherited by [Dialer a]); its dialers: a (--section NAME)"},
           Row{"[Dialer Defaults]\nthis is not a key\n", "Defaults", WvdialCode::syntax,
               "w.conf:2: expected [Dialer NAME], KEY = VALUE or a # comment, not this is not a key"},
           Row{"Modem = /dev/ttyUSB0\n", "Defaults", WvdialCode::syntax, "w.conf:1: Modem before any section"},
           Row{"[Dialer Defaults\n", "Defaults", WvdialCode::syntax,
               "w.conf:1: a section header is [NAME], not [Dialer Defaults"},
       }) {
    CAPTURE(row.text);
    auto r = import_wvdial(row.text, {"w.conf", row.section, "/etc/failberry/ppp.secret"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.code() == row.code);
    CHECK(r.error().detail.rfind(row.message, 0) == 0);
  }
}

TEST_CASE("a Modem the schema refuses becomes device = auto, with the reason") {
  auto r = import_wvdial("[Dialer Defaults]\nModem = ttyUSB2\nInit = AT+CGDCONT=1,\"IP\",\"internet\"\n", {});
  REQUIRE(r.ok());
  CHECK(has(*r, "\ndevice = auto\n"));
  CHECK(has(*r, "# not mapped: Modem = ttyUSB2 (failberry's device is auto, a tty path, usb:VID:PID or a USB port: "));
  CHECK(parsed(*r).modem.apn == "internet");
}

TEST_CASE("AT setup strings are never copied (a PIN or password may hide in them); odd numbers do not break it") {
  const std::string conf =
      "[Dialer Defaults]\n"
      "Modem = /dev/ttyUSB2\n"
      "Init3 = AT+CGDCONT=1,\"IP\",\"internet\"\n"
      "Init4 = AT+CGAUTH=1,1,\"someone\",\"s3cr3tpw\"\n"
      "Init5 = AT+CLCK=\"SC\",0,\"9876\"\n"
      "Init6 = AT+CGDCONT=99999999999999999999,\"IP\",\"far\"\n"
      "Phone = *99***#\n";
  auto r = import_wvdial(conf, {"w.conf", "Defaults", "/etc/failberry/ppp.secret"});
  REQUIRE(r.ok());
  CHECK(parsed(*r).modem.apn == "internet");
  CHECK_FALSE(has(*r, "s3cr3tpw"));
  CHECK_FALSE(has(*r, "9876"));
  CHECK_FALSE(has(*r, "far"));
  CHECK(has(*r, "# not mapped: Init4 (failberry's modem profile sends its own AT setup; the string is not shown"));
  CHECK(has(*r, "# not mapped: Init5 ("));
  CHECK(has(*r, "# not mapped: Phone = *99***#"));  // no context number: not a *99***N# form
}

TEST_CASE("a context type failberry cannot send (\"PPP\"): pdp_type = ipv4 written, and a note says why") {
  const char* conf =
      "[Dialer Defaults]\n"
      "Init3 = AT+CGDCONT=1,\"PPP\",\"direct\"\n"
      "Phone = *99#\n"
      "Modem = /dev/ttyUSB2\n";
  auto r = import_wvdial(conf, {});
  REQUIRE(r.ok());
  CHECK(has(*r, "\napn = direct\npdp_type = ipv4\n"));
  CHECK(has(*r, "# PDP type \"PPP\" in Init3 is not IP, IPV6 or IPV4V6: failberry uses IP (pdp_type = ipv4)\n"));
  CHECK(parsed(*r).modem.pdp_type == fb::modem::PdpType::ip);
}
