#include "fb/modem/dial.hpp"

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

}  // namespace

Result<DialCommands> dial_commands(const DialPlan& plan) {
  if (plan.apn.empty() || plan.apn.size() > 100 || !sendable(plan.apn))
    return bad("APN must be 1-100 printable characters without '\"' or ';'");
  if (plan.pdp_type != "IP" && plan.pdp_type != "IPV6" && plan.pdp_type != "IPV4V6")
    return bad("PDP type must be IP, IPV6 or IPV4V6, not '" + plan.pdp_type.substr(0, 16) + "'");
  if (plan.cid < 1 || plan.cid > 24) return bad("context id " + std::to_string(plan.cid) + " is not 1-24");
  const auto& d = plan.dial;
  if (d.size() < 4 || d.size() > 40 || (d.compare(0, 3, "ATD") != 0 && d.compare(0, 3, "atd") != 0) || !sendable(d))
    return bad("dial command must look like ATD*99#, not '" + d.substr(0, 40) + "'");
  return DialCommands{"AT+CGDCONT=" + std::to_string(plan.cid) + ",\"" + plan.pdp_type + "\",\"" + plan.apn + "\"", d};
}

Result<std::string> dial_outcome(const at::Final& final) {
  if (final.kind == at::FinalKind::connect) return final.argument;
  if (auto e = at::final_error(final)) return *e;
  return Error{Code::at_bad_response, "dial answered " + final.line + " instead of CONNECT"};
}

}  // namespace fb::modem
