// parse_config: defaults, typed values, section templates, error reporting.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <map>

#include "fb/config/parse.hpp"
#include "minimal_config.hpp"

using namespace fb::core;
using namespace std::chrono_literals;

namespace {
const std::string kMinimal = fb::test::minimal_config();

std::vector<std::string> errors_of(std::string_view text) {
  std::vector<std::string> out;
  for (auto& e : parse_config(text, "t.ini").errors) out.push_back(e.to_string());
  return out;
}
}  // namespace

TEST_CASE("a minimal config gets the schema's defaults") {
  ConfigResult r = parse_config(kMinimal, "t.ini");
  REQUIRE(r.errors.empty());
  const Config& c = *r.config;
  CHECK(c.general.mode == Mode::backup_gateway);
  CHECK(c.general.log_level == fb::Level::info);
  CHECK(c.general.state_dir == "/var/lib/failberry");
  CHECK(c.modem.device.selector.kind == fb::modem::ModemSelector::Kind::automatic);
  CHECK(c.modem.disable_cdrom);
  CHECK(c.ppp.lcp_echo_interval == 10s);
  CHECK(c.health.port == 9000);
  CHECK(c.health.listen.size() == 2);
  CHECK(c.health.status_allow.size() == 4);  // loopback and the usual LAN ranges, not 10/8 or 172.16/12
  CHECK(c.recovery.backoff_max == 10min);
  CHECK(!c.ddns.provider);
  REQUIRE(c.uplinks.size() == 2);
  CHECK(c.uplinks[0].name == "wired");
  CHECK(c.uplinks[0].kind == UplinkKind::ethernet);
  CHECK(c.uplinks[0].gateway->text() == "192.168.1.1");
  CHECK(c.uplinks[0].probe_interval == 5s);
  CHECK(c.uplinks[1].name == "cellular");
  CHECK(c.uplinks[1].kind == UplinkKind::ppp);
  CHECK(c.find_uplink("cellular") == &c.uplinks[1]);
  CHECK(c.find_uplink("dsl") == nullptr);
}

TEST_CASE("explicit values override defaults and each uplink keeps its own") {
  std::string text = std::string(kMinimal) + R"(
[general]
mode = router
log_level = debug
dry_run = yes

[nat]
lan_interface = eth1
metered_allow = 192.168.1.20/32

[ddns]
provider = lambda-v3
url = https://abc.lambda-url.eu-west-1.on.aws/
hostname = home.example.com
secret_file = /etc/failberry/ddns.secret
)";
  ConfigResult r = parse_config(text, "t.ini");
  INFO((r.errors.empty() ? std::string() : r.errors[0].to_string()));
  REQUIRE(r.config);
  CHECK(r.config->general.mode == Mode::router);
  CHECK(r.config->general.dry_run);
  CHECK(r.config->general.log_level == fb::Level::debug);
  CHECK(r.config->nat.metered_allow.size() == 1);
  CHECK(r.config->ddns.provider == fb::ddns::Provider::lambda_v3);
  CHECK(r.config->ddns.uplink == "cellular");  // defaults to the ppp uplink
}

TEST_CASE("all errors are reported at once, with file and line") {
  auto errors = errors_of(R"([general]
mode = bridge
log_level = loud
[uplink.wired]
interface = eth0
)");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0] == "t.ini:2: [general] mode = \"bridge\": not one of the allowed values (backup-gateway|router)");
  CHECK(errors[1] ==
        "t.ini:3: [general] log_level = \"loud\": not one of the allowed values (error|warning|notice|info|debug)");
  CHECK(errors[2].find("t.ini:4: [uplink.wired] priority: missing required key") == 0);
}

TEST_CASE("an error shows the value as a string literal: quotes, backslashes and tabs escaped") {
  auto errors = errors_of("[general]\nstate_dir = var\\\"lib\"\tx\n");
  REQUIRE(errors.size() >= 1);
  CHECK(errors[0] ==
        "t.ini:2: [general] state_dir = \"var\\\\\\\"lib\\\"\\tx\": must be an absolute path (starting with /)");
}

TEST_CASE("the secret check runs for secret keys only and names the line") {
  std::vector<std::string> checked;
  std::string text =
      std::string(kMinimal).replace(std::string(kMinimal).find("apn = internet"), 14,
                                    "apn = internet\npin_file = /x/pin\n[general]\nstate_dir = /x/state");
  auto r = parse_config(text, "t.ini", [&](const std::string& path, const FileRule&) -> std::optional<std::string> {
    checked.push_back(path);
    return "secret file is accessible by group or others (mode 0644); run: chmod 600 " + path;
  });
  CHECK(checked == std::vector<std::string>{"/x/pin"});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        "t.ini:4: [modem] pin_file = \"/x/pin\": secret file is accessible by group or others (mode 0644); run: chmod "
        "600 /x/pin");
}

TEST_CASE("a secret file's content is checked by its key's rule, and no error quotes it") {
  std::map<std::string, std::string> files{{"/x/pin", " 12a4\n"}, {"/x/ppp", "user web\nhunter2\n"}, {"/x/ddns", "s3"}};
  std::vector<std::string> checked;
  FileCheck check = [&](const std::string& path, const FileRule& rule) -> std::optional<std::string> {
    if (!rule.content) return std::nullopt;
    checked.push_back(path);
    return rule.content(files.at(path));
  };
  std::string text = R"([modem]
apn = internet
pin_file = /x/pin
[ppp]
credentials_file = /x/ppp
[uplink.cellular]
interface = ppp0
kind = ppp
priority = 10
[ddns]
provider = lambda-v3
url = https://abc.lambda-url.eu-west-1.on.aws/
hostname = home.example.com
secret_file = /x/ddns
)";
  auto errors = parse_config(text, "t.ini", check).errors;
  CHECK(checked == std::vector<std::string>{"/x/pin", "/x/ppp"});  // the DDNS secret's format is the DDNS client's
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].to_string() == "t.ini:3: [modem] pin_file = \"/x/pin\": not a PIN (4 to 8 digits)");
  CHECK(errors[1].to_string() ==
        "t.ini:5: [ppp] credentials_file = \"/x/ppp\": line 2: not 'user NAME' or 'password SECRET' (the line is not "
        "shown: it may hold the secret)");

  files = {{"/x/pin", "12345678\n"}, {"/x/ppp", "user web\npassword hunter2\n"}, {"/x/ddns", "s3"}};
  auto r = parse_config(text, "t.ini", check);
  INFO((r.errors.empty() ? std::string() : r.errors[0].to_string()));
  CHECK(r.config);
}

TEST_CASE("comments, blank lines, CRLF endings and a BOM are accepted; '#' inside a value is kept") {
  std::string text = "\xEF\xBB\xBF# comment\r\n; other comment\r\n\r\n[general]\r\nstate_dir = /srv/fb#1;x\r\n";
  text += "[modem]\r\napn = internet\r\n[uplink.c]\r\ninterface = ppp0\r\nkind = ppp\r\npriority = 1\r\n";
  ConfigResult r = parse_config(text, "t.ini");
  INFO((r.errors.empty() ? std::string() : r.errors[0].to_string()));
  REQUIRE(r.config);
  CHECK(r.config->general.state_dir == "/srv/fb#1;x");
  CHECK(r.config->modem.apn == "internet");
}

std::string with_modem_line(const std::string& line) {
  std::string text = kMinimal;
  return text.replace(text.find("apn = internet"), 14, "apn = internet\n" + line);
}

TEST_CASE("[modem] profile offers every vendor profile the drivers have") {
  for (const fb::modem::Profile* p : fb::modem::all_profiles()) {
    std::string name(fb::modem::to_string(p->vendor));
    CAPTURE(name);
    ConfigResult r = parse_config(with_modem_line("profile = " + name), "t.ini");
    REQUIRE(r.errors.empty());
    REQUIRE(r.config->modem.profile);
    CHECK(*r.config->modem.profile == p->vendor);
  }
  ConfigResult a = parse_config(with_modem_line("profile = auto"), "t.ini");
  REQUIRE(a.errors.empty());
  CHECK_FALSE(a.config->modem.profile);
}

TEST_CASE("interface = auto is accepted for a kind = cellular uplink on the net data path, with data = net or auto") {
  for (const char* data : {"data = net\n", ""}) {
    std::string text = std::string("[modem]\napn = internet\n") + data +
                       "[uplink.wired]\ninterface = eth0\ngateway = 192.168.1.1\npriority = 20\n"
                       "[uplink.lte]\ninterface = auto\nkind = cellular\npriority = 10\n";
    ConfigResult r = parse_config(text, "t.ini");
    INFO((r.errors.empty() ? std::string() : r.errors[0].to_string()));
    REQUIRE(r.config);
    const fb::core::UplinkConfig* lte = r.config->find_uplink("lte");
    REQUIRE(lte);
    CHECK(lte->interface == "auto");
    CHECK(lte->interface_auto());
    CHECK_FALSE(r.config->find_uplink("wired")->interface_auto());
  }
}

TEST_CASE("[modem] data = auto on a kind = cellular uplink takes hilink_url and hilink_password_file too") {
  std::string text =
      "[modem]\napn = internet\nhilink_url = http://192.168.9.1\n"
      "hilink_password_file = /etc/failberry/hilink.password\n"
      "[uplink.wired]\ninterface = eth0\ngateway = 192.168.1.1\npriority = 20\n"
      "[uplink.lte]\ninterface = auto\nkind = cellular\npriority = 10\n";
  ConfigResult r = parse_config(text, "t.ini");
  INFO((r.errors.empty() ? std::string() : r.errors[0].to_string()));
  REQUIRE(r.config);
  CHECK_FALSE(r.config->modem.data);  // auto
  CHECK(r.config->modem.hilink_url == "http://192.168.9.1");
  CHECK(r.config->modem.hilink_password_file == "/etc/failberry/hilink.password");
}

TEST_CASE("[modem] data = hilink: the API's URL and password file, device = api, no APN needed") {
  std::string text = kMinimal;
  text.replace(text.find("apn = internet"), 14,
               "data = hilink\ndevice = api\nhilink_url = http://10.9.8.1:8080/\n"
               "hilink_password_file = /etc/failberry/hilink.password");
  text.replace(text.find("interface = ppp0"), 16, "interface = eth1");
  text.replace(text.find("kind = ppp"), 10, "kind = cellular");
  CAPTURE(text);
  ConfigResult r = parse_config(text, "t.ini");
  for (const auto& e : r.errors) CAPTURE(e.to_string());
  REQUIRE(r.errors.empty());
  CHECK(r.config->modem.data == fb::modem::DataPath::hilink);
  CHECK(r.config->modem.device.api_only());
  CHECK(r.config->modem.hilink_url == "http://10.9.8.1:8080/");
  CHECK(r.config->modem.hilink_password_file == "/etc/failberry/hilink.password");
  CHECK(r.config->modem.apn.empty());
  ConfigResult def = parse_config(kMinimal, "t.ini");
  REQUIRE(def.config);
  CHECK(def.config->modem.hilink_url.empty());  // unset: the router API's own address (ModemService)
  CHECK_FALSE(def.config->modem.device.api_only());
}

TEST_CASE("[modem] router_api: auto by default, huawei or zte when set, with data = hilink or auto") {
  std::string text = kMinimal;
  text.replace(text.find("apn = internet"), 14, "data = hilink\nrouter_api = zte");
  text.replace(text.find("interface = ppp0"), 16, "interface = eth1");
  text.replace(text.find("kind = ppp"), 10, "kind = cellular");
  ConfigResult r = parse_config(text, "t.ini");
  for (const auto& e : r.errors) CAPTURE(e.to_string());
  REQUIRE(r.errors.empty());
  CHECK(r.config->modem.router_api == fb::modem::RouterApi::zte);
  text.replace(text.find("router_api = zte"), 16, "router_api = huawei");
  ConfigResult h = parse_config(text, "t.ini");
  REQUIRE(h.config);
  CHECK(h.config->modem.router_api == fb::modem::RouterApi::huawei);
  ConfigResult def = parse_config(kMinimal, "t.ini");
  REQUIRE(def.config);
  CHECK_FALSE(def.config->modem.router_api);  // auto: from the stick's USB id
}

TEST_CASE("ipv6 = false: probe_targets of both families are one pool, as before families existed") {
  auto wired = [](const std::string& lines) {
    std::string text = kMinimal;
    return text.replace(text.find("priority = 20"), 13, "priority = 20\n" + lines);
  };
  // A config written before [uplink] ipv6 existed still loads and means what it meant.
  ConfigResult r = parse_config(wired("probe_targets = 192.0.2.53, 2001:db8::53\nreliability = 2"), "t.ini");
  REQUIRE(r.errors.empty());
  const fb::core::UplinkConfig& u = r.config->uplinks.front();
  CHECK_FALSE(u.ipv6);
  CHECK(u.probe_targets.size() == 2);
  CHECK(u.reliability == 2);
  // Only IPv6 targets: the pool is those.
  CHECK(parse_config(wired("probe_targets = 2001:db8::53"), "t.ini").errors.empty());
  CHECK(parse_config(wired("probe_targets = 2001:db8::53\nrequire = ipv4"), "t.ini").errors.empty());
  // Families are chosen only where failberryd runs the uplink's IPv6.
  ConfigResult six = parse_config(wired("probe_targets = 192.0.2.53, 2001:db8::53\nrequire = both"), "t.ini");
  REQUIRE(six.errors.size() == 1);
  CHECK(six.errors[0].to_string().find("ipv6 = false") != std::string::npos);
}
