#include "fb/modem/dial.hpp"

#include "fb/at/fields.hpp"

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

Result<std::string> dial_outcome(const at::Final& final) {
  if (final.kind == at::FinalKind::connect) return final.argument;
  if (auto e = at::final_error(final)) return *e;
  return Error{Code::at_bad_response, "dial answered " + final.line + " instead of CONNECT"};
}

}  // namespace fb::modem
