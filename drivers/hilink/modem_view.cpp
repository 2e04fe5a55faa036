#include "fb/hilink/modem_view.hpp"

#include <string>

#include "fb/text.hpp"

namespace fb::hilink {

namespace {

// The 27.007 <AcT> of a technology the API names (HSPA+ has none of its own).
std::optional<std::uint32_t> act_of(at::AccessTech tech) {
  switch (tech) {
    case at::AccessTech::gsm:
    case at::AccessTech::gprs: return 0;
    case at::AccessTech::umts: return 2;
    case at::AccessTech::edge: return 3;
    case at::AccessTech::hsdpa: return 4;
    case at::AccessTech::hsupa: return 5;
    case at::AccessTech::hspa:
    case at::AccessTech::hspa_plus: return 6;
    case at::AccessTech::lte: return 7;
    case at::AccessTech::nr5g: return 11;
    case at::AccessTech::unknown: break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<at::Registration> registration_of(const Status& status) {
  if (!status.service_status) return std::nullopt;
  at::Registration r;
  r.domain = status.tech == at::AccessTech::lte ? at::RegDomain::eps : at::RegDomain::ps;
  if (*status.service_status != 2)
    r.state = at::RegState::searching;
  else
    r.state = status.roaming_status == 1 ? at::RegState::roaming : at::RegState::home;
  if (auto act = act_of(status.tech)) r.act = *act;
  return r;
}

std::optional<at::Operator> operator_of(const Plmn& plmn, const Status& status) {
  at::Operator op;
  // The stick's own words reach /status and the log: valid UTF-8, no control characters.
  op.name = clean_text(!plmn.full_name.empty()    ? plmn.full_name
                       : !plmn.short_name.empty() ? plmn.short_name
                                                  : plmn.numeric,
                       64);
  if (op.name.empty()) return std::nullopt;
  op.format = !plmn.full_name.empty() ? 0 : !plmn.short_name.empty() ? 1 : 2;
  if (plmn.rat && *plmn.rat >= 0)
    op.act = static_cast<std::uint32_t>(*plmn.rat);
  else if (auto act = act_of(status.tech))
    op.act = *act;
  return op;
}

at::SimState sim_state_of(const Status& status) {
  if (!status.sim_status || *status.sim_status == 1) return at::SimState::ready;
  if (*status.sim_status == 255) return at::SimState::missing;
  return at::SimState::not_ready;
}

modem::Error modem_error(const Error& error) {
  modem::Code code = modem::Code::hilink_api_error;
  switch (error.code) {
    case Code::needs_login:
    case Code::bad_password:
    case Code::too_many_attempts:
    case Code::password_change:
    case Code::secret_refused:
    case Code::login_unsupported: code = modem::Code::hilink_login_refused; break;
    case Code::timeout:
    case Code::unreachable: code = modem::Code::hilink_unreachable; break;
    case Code::bad_reply:
    case Code::http: code = modem::Code::hilink_bad_reply; break;
    case Code::token:
    case Code::busy:
    case Code::not_supported:
    case Code::format_error:
    case Code::api_error:
    case Code::config: code = modem::Code::hilink_api_error; break;
  }
  // The client's own word leads unless it is the same word.
  bool same = modem::code_name(code) == code_name(error.code);
  return modem::Error{code, same ? error.detail : describe(error)};
}

}  // namespace fb::hilink
