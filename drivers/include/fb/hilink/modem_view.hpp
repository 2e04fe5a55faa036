// A HiLink stick's API readings in the modem layer's vocabulary, so the
// modem supervisor and /status treat the stick like one driven over AT:
// registration, operator, SIM state and error codes.
//
// Contract: pure, no I/O; nothing throws. What the stick does not say stays
// unknown (nullopt), never a guess.
#pragma once

#include <optional>

#include "fb/at/error.hpp"
#include "fb/at/parse_3gpp.hpp"
#include "fb/hilink/api.hpp"

namespace fb::hilink {

// monitoring/status as a registration: ServiceStatus 2 (service available)
// is registered — roaming when RoamingStatus is 1, else home — any other
// number is searching; on the LTE domain (+CEREG's) when the network type is
// LTE, else the packet domain's (+CGREG's). Nothing without ServiceStatus.
std::optional<at::Registration> registration_of(const Status& status);

// net/current-plmn as +COPS? would say it: the full name (else the short
// name, else the numeric id) and Rat as <AcT> (the API prints 27.007's
// numbers: 0 GSM, 2 UMTS, 7 LTE); without Rat, the status's network type.
// Nothing when the stick names no network.
std::optional<at::Operator> operator_of(const Plmn& plmn, const Status& status);

// SimStatus: 1 ready, 255 missing, absent (older firmware) ready, anything
// else not ready yet (the supervisor looks again).
at::SimState sim_state_of(const Status& status);

// An API failure as the supervisor's error; the detail leads with the
// client's own code where it differs ("HILINK_TIMEOUT: GET
// /api/monitoring/status: ..." under HILINK_UNREACHABLE).
//   wrong password or user, too many logins, a default password to change,
//   a password file refused, a login we cannot compute, or a login wanted
//   and no password file         → HILINK_LOGIN_REFUSED (final: retrying
//                                   only adds failed logins)
//   no connection, no answer      → HILINK_UNREACHABLE
//   not an API reply, HTTP error  → HILINK_BAD_REPLY
//   any other <error>, a base URL → HILINK_API_ERROR
modem::Error modem_error(const Error& error);

}  // namespace fb::hilink
