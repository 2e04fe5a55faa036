#include "fb/modem/dial.hpp"

#include <sys/socket.h>

#include "fb/at/fields.hpp"
#include "fb/modem/parse_vendor.hpp"

namespace fb::modem {
namespace {

// Printable ASCII without the characters that would end the string or the
// command inside an AT line.
bool sendable(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || c == '"' || c == ';') return false;
  }
  return true;
}

Error bad(std::string detail) {
  return Error{Code::bad_dial_settings, std::move(detail)};
}

// The checks both kinds of session share; the +CGDCONT command on success.
Result<std::string> define_context(const DialPlan& plan) {
  if (auto apn = check_apn(plan.apn); !apn) return apn.error();
  auto type = cgdcont_text(plan.pdp_type);
  if (type.empty())
    return bad("PDP type " + std::to_string(static_cast<int>(plan.pdp_type)) + " is not IP, IPV6 or IPV4V6");
  if (plan.cid < 1 || plan.cid > 24) return bad("context id " + std::to_string(plan.cid) + " is not 1-24");
  return "AT+CGDCONT=" + std::to_string(plan.cid) + ",\"" + std::string(type) + "\",\"" + plan.apn + "\"";
}

// `command` with every {cid} and {apn} replaced (template_problem() said it is fine).
std::string fill(std::string_view command, const DialPlan& plan) {
  std::string out;
  for (std::size_t i = 0; i < command.size();) {
    if (command.compare(i, 5, "{cid}") == 0) {
      out += std::to_string(plan.cid), i += 5;
    } else if (command.compare(i, 5, "{apn}") == 0) {
      out += plan.apn, i += 5;
    } else {
      out += command[i++];
    }
  }
  return out;
}

}  // namespace

std::string_view cgdcont_text(PdpType type) {
  switch (type) {
    case PdpType::ip: return "IP";
    case PdpType::ipv6: return "IPV6";
    case PdpType::ipv4v6: return "IPV4V6";
  }
  return {};
}

Result<PdpType> parse_pdp_type(std::string_view text) {
  for (auto type : {PdpType::ip, PdpType::ipv6, PdpType::ipv4v6})
    if (at::iequals(text, cgdcont_text(type))) return type;
  std::string shown(text.substr(0, 16));
  if (!sendable(shown)) shown = "?";
  return bad("PDP type must be IP, IPV6 or IPV4V6, not '" + shown + "'");
}

Result<void> check_apn(std::string_view apn) {
  if (apn.empty() || apn.size() > 100 || !sendable(apn))
    return bad("APN must be 1-100 printable characters without '\"' or ';'");
  return {};
}

Result<DialCommands> dial_commands(const DialPlan& plan) {
  auto context = define_context(plan);
  if (!context) return context.error();
  const auto& d = plan.dial;
  if (d.size() < 4 || d.size() > 40 || (d.compare(0, 3, "ATD") != 0 && d.compare(0, 3, "atd") != 0) || !sendable(d))
    return bad("dial command must look like ATD*99#, not '" + d.substr(0, 40) + "'");
  return DialCommands{std::move(context).value(), d};
}

Result<NetSessionCommands> net_session_commands(const NetCommands& commands, const DialPlan& plan) {
  auto context = define_context(plan);
  if (!context) return context.error();
  if (commands.connect.empty() || commands.disconnect.empty())
    return bad("the profile has no commands for a network-interface session");
  for (auto command : {commands.connect, commands.disconnect, commands.status, commands.address})
    if (auto problem = template_problem(command))
      return bad("profile command '" + std::string(command.substr(0, 60)) + "': " + *problem);
  return NetSessionCommands{std::move(context).value(), fill(commands.connect, plan), fill(commands.disconnect, plan),
                            fill(commands.status, plan), fill(commands.address, plan)};
}

std::optional<int> ppp_unit(std::string_view interface) {
  if (interface.size() <= 3 || interface.size() > 12 || interface.substr(0, 3) != "ppp")
    return std::nullopt;  // 9 digits fit an int
  auto digits = interface.substr(3);
  if (!at::all_digits(digits)) return std::nullopt;
  return std::stoi(std::string(digits));
}

Result<DataPath> choose_data_path(std::optional<DataPath> wanted, std::string_view interface, DataPathChoice offered,
                                  std::string_view stick) {
  std::string why = "[modem] data = " + std::string(wanted ? to_string(*wanted) : "auto");
  if (!wanted) {
    wanted = ppp_unit(interface) ? DataPath::ppp : DataPath::net;
    if (*wanted == DataPath::net) why += " and interface = " + std::string(interface);
  }
  if (*wanted != DataPath::hilink && offered.supported.has(*wanted)) return *wanted;
  std::string paths;
  for (DataPath p : {DataPath::ppp, DataPath::net, DataPath::hilink})
    if (offered.supported.has(p)) paths += (paths.empty() ? "" : ", ") + std::string(to_string(p));
  return bad(why + " needs the " + std::string(to_string(*wanted)) + " data path, but " + std::string(stick) +
             " offers " + (paths.empty() ? "nothing" : paths));
}

PathChoice choose_auto_path(const AutoPathFacts& facts) {
  const DataPathChoice& o = facts.offered;
  if (o.preferred == DataPath::hilink && o.supported.has(DataPath::hilink))
    return {DataPath::hilink, "auto: HiLink stick " + facts.stick};
  if (ppp_unit(facts.interface)) return {DataPath::ppp, "auto: interface = " + facts.interface + " is PPP"};
  if (facts.interface != "auto") return {DataPath::net, "auto: interface = " + facts.interface + " is the stick's own"};
  if (o.preferred == DataPath::net && o.supported.has(DataPath::net)) {
    if (facts.net_interface) return {DataPath::net, "auto: " + facts.stick + " prefers net, its interface is there"};
    if (facts.net_mode_switch)
      return {DataPath::net, "auto: " + facts.stick + " prefers net (its network mode is switched on)"};
    return {DataPath::ppp, "auto: " + facts.stick + " prefers net but has no network interface; PPP"};
  }
  return {DataPath::ppp, "auto: " + facts.stick + " prefers PPP"};
}

Result<std::string> net_mode_of(const NetModeSwitch& mode, std::string_view answer) {
  auto bad = [&](const std::string& why) { return Error{Code::at_bad_response, std::string(mode.query) + ": " + why}; };
  if (mode.prefix.empty()) return bad("the profile names no answer prefix");
  std::optional<std::string_view> rest = at::find_tagged(answer, mode.prefix);
  if (!rest) return bad("no line starts with '" + std::string(mode.prefix) + "'");
  std::vector<at::Field> fields = at::split_fields(*rest);
  if (fields.empty() || fields[0].quoted || fields[0].empty() || fields[0].text.size() > 8 ||
      !at::all_digits(fields[0].text))
    return bad("no mode number after '" + std::string(mode.prefix) + "'");
  return std::string(fields[0].text);
}

Result<bool> net_session_connected(NetStatusForm form, std::string_view answer, int cid) {
  auto unreadable = [&](const std::string& why) { return Error{Code::at_bad_response, "session status: " + why}; };
  switch (form) {
    case NetStatusForm::huawei_ndisstat: {
      auto stat = huawei::parse_ndisstat(answer);
      if (!stat) return unreadable(stat.error().detail);
      return stat->connected();
    }
    case NetStatusForm::cgact: {
      auto contexts = at::parse_cgact(answer);
      if (!contexts) return unreadable(contexts.error().detail);
      for (const at::ContextState& c : *contexts)
        if (c.cid == cid) return c.active;
      return false;
    }
    case NetStatusForm::none: break;
  }
  return unreadable("the profile has no status query");
}

Result<at::IpConfig> net_session_address(NetAddressForm form, std::string_view answer, int cid) {
  auto unusable = [](const std::string& why) { return Error{Code::at_bad_response, "session address: " + why}; };
  at::IpConfig ip;
  switch (form) {
    case NetAddressForm::huawei_dhcp: {
      auto dhcp = huawei::parse_dhcp(answer);
      if (!dhcp) return unusable(dhcp.error().detail);
      ip = dhcp->ip;
      break;
    }
    case NetAddressForm::cgcontrdp: {
      auto contexts = at::parse_cgcontrdp(answer);
      if (!contexts) return unusable(contexts.error().detail);
      const at::ContextAddress* found = nullptr;
      for (const at::ContextAddress& c : *contexts)
        if (c.cid == cid && c.ip.address && c.ip.address->family == AF_INET) {
          found = &c;
          break;
        }
      if (!found) return unusable("no IPv4 address for context " + std::to_string(cid));
      ip = found->ip;
      break;
    }
    case NetAddressForm::none: return unusable("the profile has no address query");
    case NetAddressForm::dhcp: return unusable("the address comes by DHCP, not from an AT answer");
  }
  if (!ip.address) return unusable("the modem reported no address");
  if (!ip.prefix_length) return unusable("the modem reported " + ip.address->text() + " without a subnet mask");
  if (!ip.gateway) return unusable("the modem reported " + ip.address->text() + " without a gateway");
  return ip;
}

std::optional<std::string> template_problem(std::string_view command) {
  if (command.empty()) return std::nullopt;
  if (command.rfind("AT", 0) != 0) return "does not start with AT";
  if (command.size() < 3) return "is a bare AT";
  if (command.size() > 80) return "longer than 80 characters";
  bool quoted = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return "has a character that is not printable ASCII";
    if (c == ';') return "has ';' (more than one command)";
    if (c == '"') quoted = !quoted;
    if (c == '}') return "has a '}' outside a placeholder";
    if (c != '{') continue;
    auto close = command.find('}', i);
    if (close == std::string_view::npos) return "has an unterminated placeholder";
    auto name = command.substr(i, close - i + 1);
    if (name == "{apn}") {
      if (!quoted || command[i - 1] != '"' || close + 1 >= command.size() || command[close + 1] != '"')
        return "has {apn} outside double quotes";
    } else if (name != "{cid}") {
      return "has an unknown placeholder " + std::string(name.substr(0, 16));
    }
    i = close;
  }
  if (quoted) return "has an unterminated string";
  return std::nullopt;
}

Result<std::string> dial_outcome(const at::Final& final) {
  if (final.kind == at::FinalKind::connect) return final.argument;
  if (auto e = at::final_error(final)) return *e;
  return Error{Code::at_bad_response, "dial answered " + final.line + " instead of CONNECT"};
}

}  // namespace fb::modem
