#include "fb/config/wvdial_import.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "fb/config/parse.hpp"
#include "fb/config/values.hpp"
#include "fb/text.hpp"

namespace fb::core {

std::string_view code_name(WvdialCode code) {
  switch (code) {
    case WvdialCode::not_text: return "WVDIAL_NOT_TEXT";
    case WvdialCode::syntax: return "WVDIAL_SYNTAX";
    case WvdialCode::no_section: return "WVDIAL_NO_SECTION";
    case WvdialCode::inherits_loop: return "WVDIAL_INHERITS_LOOP";
    case WvdialCode::no_apn: return "WVDIAL_NO_APN";
    case WvdialCode::bad_value: return "WVDIAL_BAD_VALUE";
  }
  return "?";
}

namespace {

using Out = fb::Result<std::string, WvdialCode>;

struct Entry {
  std::string key, value;
  int line = 0;
};
struct Section {
  std::string name;
  std::vector<Entry> entries;
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string shown(std::string_view s) {
  return clean_text(s, 120);
}

// wvdial keeps a value as written; people quote empty ones ('' or "").
std::string unquoted(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front())
    return std::string(v.substr(1, v.size() - 2));
  return std::string(v);
}

// 'text' for sh, whatever it holds.
std::string sh_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One +CGDCONT=<cid>,"<type>","<apn>"[,...] found in an Init string.
struct Context {
  int cid = 0;
  std::string type, apn;
  std::string key;  // the Init key it came from
};

std::vector<Context> contexts_in(std::string_view init, const std::string& key) {
  std::vector<Context> out;
  std::string low = lower(init);
  for (std::size_t at = low.find("+cgdcont="); at != std::string::npos; at = low.find("+cgdcont=", at + 1)) {
    std::string_view rest = init.substr(at + 9);
    Context c;
    c.key = key;
    std::size_t i = 0;
    while (i < rest.size() && i < 3 && std::isdigit(static_cast<unsigned char>(rest[i])))
      c.cid = c.cid * 10 + (rest[i++] - '0');  // three digits at most: more is no cid (and no overflow)
    if (i == 0 || i > 2) continue;
    auto quoted = [&](std::string& into) {
      if (i >= rest.size() || rest[i] != ',') return false;
      ++i;
      if (i >= rest.size() || rest[i] != '"') return false;
      std::size_t end = rest.find('"', i + 1);
      if (end == std::string_view::npos) return false;
      into = std::string(rest.substr(i + 1, end - i - 1));
      i = end + 1;
      return true;
    };
    if (quoted(c.type) && quoted(c.apn)) out.push_back(std::move(c));
  }
  return out;
}

bool is_init(const std::string& key) {
  return key == "init" || (key.size() == 5 && key.rfind("init", 0) == 0 && key[4] >= '1' && key[4] <= '9');
}

// Why a key has no failberry equivalent (keys in lower case).
std::string why_not_mapped(const std::string& key) {
  static const std::map<std::string, std::string> why = {
      {"baud", "a USB modem's AT port ignores the line speed; failberry sets up the tty itself"},
      {"stupid mode",
       "failberry starts pppd as soon as the modem answers CONNECT and never waits for a login prompt, "
       "which is what Stupid Mode = 1 asked for"},
      {"carrier check", "failberry follows the link through pppd, netlink and its own probes"},
      {"new pppd", "failberry runs the installed pppd and gives it its options itself"},
      {"auto reconnect", "failberry's recovery ladder redials, resets and power-cycles the modem by itself"},
      {"dial attempts", "failberry's recovery ladder decides when to dial again"},
      {"dial command", "failberry dials with ATD and the 3GPP packet-data number"},
      {"idle seconds", "a backup uplink stays up; failberry has no idle hang-up"},
      {"auto dns", "failberry takes the DNS servers pppd learns and shows them in /status"},
      {"check dns", "failberry checks the link with its own probes ([uplink.NAME] probe_targets)"},
      {"check def route", "failberry installs the routes itself (per-uplink tables, the failover policy)"},
      {"modem type", "failberry finds the modem's kind from its USB ids ([modem] profile)"},
      {"isdn", "failberry drives 3G/4G modems only"},
      {"ask password", "failberry reads the login from [ppp] credentials_file"},
  };
  auto it = why.find(key);
  return it != why.end() ? it->second : "no failberry equivalent";
}

}  // namespace

fb::Result<std::string, WvdialCode> import_wvdial(std::string_view text, const WvdialImportOptions& options) {
  const std::string& file = options.file_name;

  // Read: sections, KEY = VALUE, # or ; comments; anything else is refused.
  std::vector<Section> sections;
  int number = 0;
  for (std::string_view rest = text; !rest.empty();) {
    std::size_t nl = rest.find('\n');
    std::string_view raw = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string tabs_as_blanks(raw);
    std::replace(tabs_as_blanks.begin(), tabs_as_blanks.end(), '\t', ' ');
    if (clean_text(tabs_as_blanks, tabs_as_blanks.size() + 1) != tabs_as_blanks)
      return Out(WvdialCode::not_text, file + ":" + std::to_string(number) +
                                           ": control characters or bytes that are not UTF-8: not a wvdial.conf");
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']' || trim(line.substr(1, line.size() - 2)).empty())
        return Out(WvdialCode::syntax,
                   file + ":" + std::to_string(number) + ": a section header is [NAME], not " + shown(line));
      sections.push_back({std::string(trim(line.substr(1, line.size() - 2))), {}});
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty())
      return Out(WvdialCode::syntax, file + ":" + std::to_string(number) +
                                         ": expected [Dialer NAME], KEY = VALUE or a # comment, not " + shown(line));
    if (sections.empty())
      return Out(WvdialCode::syntax,
                 file + ":" + std::to_string(number) + ": " + shown(trim(line.substr(0, eq))) + " before any section");
    sections.back().entries.push_back(
        {std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1))), number});
  }

  // The chain wvdial reads: the dialer, what it Inherits, [Dialer Defaults].
  auto find = [&](const std::string& name) -> const Section* {
    const Section* found = nullptr;
    for (const Section& s : sections)
      if (lower(s.name) == lower(name)) found = &s;  // a repeated section: the last one, like a repeated key
    return found;
  };
  auto dialer = [](std::string name) { return lower(name).rfind("dialer ", 0) == 0 ? name : "Dialer " + name; };
  std::string wanted = dialer(options.section);
  std::vector<const Section*> chain;
  std::set<std::string> seen;
  for (std::string name = wanted; !name.empty();) {
    const Section* s = find(name);
    if (!s) {
      std::string dialers;
      for (const Section& d : sections)
        if (lower(d.name).rfind("dialer ", 0) == 0) dialers += (dialers.empty() ? "" : ", ") + shown(d.name.substr(7));
      return Out(WvdialCode::no_section, file + ": no [" + shown(name) + "]" +
                                             (name == wanted ? "" : " (inherited by [" + shown(wanted) + "])") +
                                             (dialers.empty() ? "; it has no [Dialer ...] section"
                                                              : "; its dialers: " + dialers + " (--section NAME)"));
    }
    if (!seen.insert(lower(s->name)).second)
      return Out(WvdialCode::inherits_loop, file + ": [" + shown(s->name) + "] inherits itself through Inherits");
    chain.push_back(s);
    std::string next;
    for (const Entry& e : s->entries)
      if (lower(e.key) == "inherits") next = dialer(e.value);
    if (next.empty() && lower(s->name) != "dialer defaults" && find("Dialer Defaults")) next = "Dialer Defaults";
    name = next;
  }

  // Each key once: the first section of the chain that sets it wins (its last line there).
  struct Setting {
    std::string key, value, section;
    int line = 0;
  };
  std::vector<Setting> settings;
  std::map<std::string, std::size_t> by_key;
  for (const Section* s : chain) {
    std::map<std::string, std::size_t> here;
    for (const Entry& e : s->entries) {
      std::string k = lower(e.key);
      if (auto it = here.find(k); it != here.end()) {
        settings[it->second] = {e.key, e.value, s->name, e.line};
        continue;
      }
      if (by_key.count(k)) continue;
      here[k] = by_key[k] = settings.size();
      settings.push_back({e.key, e.value, s->name, e.line});
    }
  }
  auto get = [&](const char* key) -> const Setting* {
    auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : &settings[it->second];
  };
  std::vector<std::string> not_mapped, notes;
  auto skip = [&](const Setting& s, const std::string& why) {
    not_mapped.push_back("# not mapped: " + shown(s.key) + " = " + shown(s.value) + " (" + why + ")");
  };

  // The context the Phone number dials, and its APN from the Init strings.
  int cid = 1;
  std::set<std::string> used;
  if (const Setting* phone = get("phone")) {
    used.insert("phone");
    std::string p = unquoted(phone->value);
    if (p == "*99#") {
      notes.push_back("# Phone = *99#: failberry dials ATD*99# on context 1 itself");
    } else if (p.size() == 8 && p.rfind("*99***", 0) == 0 && p.back() == '#' &&
               std::all_of(p.begin() + 6, p.end() - 1, [](unsigned char c) { return std::isdigit(c); })) {
      cid = std::stoi(p.substr(6, p.size() - 7));
      notes.push_back("# Phone = " + p + ": failberry defines context 1 with that context's APN and dials ATD*99#");
    } else {
      skip(*phone, "failberry dials *99#, the 3GPP packet-data number; the APN below says which network");
    }
  }
  std::optional<Context> context;
  for (const Setting& s : settings) {
    if (!is_init(lower(s.key))) continue;
    for (Context& c : contexts_in(s.value, s.key))
      if (c.cid == cid) context = std::move(c);  // a later Init redefines the context, as the modem would see it
  }
  if (!context)
    return Out(WvdialCode::no_apn, file + ": [" + shown(wanted) +
                                       "] (with what it inherits) has no Init string with +CGDCONT=" +
                                       std::to_string(cid) + ",\"IP\",\"APN\": failberry needs the APN ([modem] apn)");
  ParsedValue apn = parse_value(ValueType{ValueKind::apn, 0, 0, {}}, context->apn);
  if (!apn.value)
    return Out(WvdialCode::bad_value, file + ": " + shown(context->key) + ": the APN \"" + shown(context->apn) +
                                          "\" is not one failberry accepts: " + apn.error);
  // Always written: an unwritten pdp_type is ipv4v6 on a stick that lists it,
  // and the user's dialer asked for the type below. A type failberry cannot
  // send (PPP, …) becomes ipv4, with a note.
  std::string type = lower(context->type);
  std::string pdp_type = "ipv4";
  if (type == "ipv6") pdp_type = "ipv6";
  if (type == "ipv4v6") pdp_type = "ipv4v6";

  std::string ini = "# failberry.ini made from " + shown(file) + ", [" + shown(wanted) +
                    "], by failberryctl import-wvdial.\n"
                    "# Review it, then install it as /etc/failberry/failberry.ini; check it with\n"
                    "# failberryd --check-config FILE.\n\n[modem]\n";
  if (const Setting* modem = get("modem")) {
    used.insert("modem");
    ParsedValue device = parse_value(ValueType{ValueKind::modem_device, 0, 0, {}}, modem->value);
    if (device.value) {
      ini +=
          "# From Modem. ttyUSB numbers can change when the stick comes back on USB;\n"
          "# device = auto finds the modem's AT port by itself.\n"
          "device = " +
          modem->value + "\n";
    } else {
      ini += "device = auto\n";
      skip(*modem, "failberry's device is auto, a tty path, usb:VID:PID or a USB port: " + device.error);
    }
  } else {
    ini += "device = auto\n";
  }
  ini += "# From " + shown(context->key) + ": +CGDCONT=" + std::to_string(context->cid) + ",\"" + shown(context->type) +
         "\",\"" + shown(context->apn) + "\"\n";
  ini += "apn = " + context->apn + "\n";
  ini += "pdp_type = " + pdp_type + "\n";
  if (type != "ip" && type != "ipv6" && type != "ipv4v6")
    notes.push_back("# PDP type \"" + shown(context->type) + "\" in " + shown(context->key) +
                    " is not IP, IPV6 or IPV4V6: failberry uses IP (pdp_type = ipv4)");

  // [ppp]: the pppd binary and the login.
  std::string ppp;
  if (const Setting* path = get("pppd path")) {
    used.insert("pppd path");
    ParsedValue p = parse_value(ValueType{ValueKind::path, 0, 0, {}}, path->value);
    if (p.value)
      ppp += "pppd = " + path->value + "\n";
    else
      skip(*path, p.error);
  }
  const Setting* user = get("username");
  const Setting* password = get("password");
  if (user) used.insert("username");
  if (password) used.insert("password");
  std::string login = user ? unquoted(user->value) : std::string();
  std::string secret = password ? unquoted(password->value) : std::string();
  bool login_ok = std::none_of(login.begin(), login.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  if (!login.empty() && login_ok) {
    const std::string& f = options.credentials_file;
    ppp +=
        "# The login goes into this file (mode 0600), never into the INI:\n"
        "credentials_file = " +
        f +
        "\n"
        "#   printf 'user %s\\npassword %s\\n' " +
        sh_quoted(shown(login)) + " 'PASSWORD' > " + sh_quoted(f) +
        "\n"
        "#   chmod 600 " +
        sh_quoted(f) + "\n" +
        (secret.empty() ? "# wvdial.conf has no password for it: write password ''.\n"
                        : "# PASSWORD: the Password of " + shown(file) + " (not copied here).\n");
  } else if (!login.empty()) {
    skip(*user, "a control character in the user name");
  } else if (!secret.empty()) {
    notes.push_back("# Password is set without a Username: pppd cannot log in with it; not copied here");
  } else if (user || password) {
    notes.push_back("# Username and Password are empty: no login, no credentials_file");
  }
  if (!ppp.empty()) ini += "\n[ppp]\n" + ppp;

  ini +=
      "\n[uplink.cellular]\ninterface = ppp0\nkind = ppp\npriority = 10\n"
      "\n# The wired uplink, which wvdial.conf knows nothing of: fill in and uncomment.\n"
      "# [uplink.wired]\n# interface = eth0\n# gateway = 192.168.1.1\n# priority = 20\n";

  for (const Setting& s : settings) {
    std::string k = lower(s.key);
    if (used.count(k) || k == "inherits") continue;
    if (is_init(k)) {
      std::string low = lower(s.value);
      if (low.find("+cpin") != std::string::npos) {
        not_mapped.push_back("# not mapped: " + shown(s.key) +
                             " (sends the SIM PIN, not shown: put it in a file named by [modem] pin_file, mode 0600)");
      } else if (k == lower(context->key)) {
        continue;  // the APN's
      } else {
        // An AT setup string is not copied: it may carry a PIN (+CLCK) or a
        // password (+CGAUTH, ^AUTHDATA, $QCPDPP) among its commands.
        bool other_context = !contexts_in(s.value, s.key).empty();
        not_mapped.push_back("# not mapped: " + shown(s.key) + " (" +
                             (other_context ? "defines a context other than the one Phone dials"
                                            : "failberry's modem profile sends its own AT setup") +
                             "; the string is not shown: it may hold a PIN or a password)");
      }
      continue;
    }
    skip(s, why_not_mapped(k));
  }
  if (!notes.empty() || !not_mapped.empty()) ini += "\n# From " + shown(file) + ", without a key of its own:\n";
  for (const std::string& line : notes) ini += line + "\n";
  for (const std::string& line : not_mapped) ini += line + "\n";

  // What is printed must pass the schema: the same check failberryd makes.
  ConfigResult check = parse_config(ini, "the imported INI");
  if (!check.config) {
    std::string why;
    for (const ConfigError& e : check.errors) why += "\n  " + e.to_string();
    return Out(WvdialCode::bad_value, file + ": the INI made from [" + shown(wanted) + "] is not valid:" + why);
  }
  return ini;
}

}  // namespace fb::core
