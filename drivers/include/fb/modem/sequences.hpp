// The modem's AT tables: init, identify, SIM, signal, registration and the
// CD-ROM query, as fb::at::Step rows whose processors fill one ModemSnapshot.
//
// Contract: building a table is pure (profile + USB id in, rows out); the
// rows run with fb::at::run_steps on the daemon's io_context. Processors
// record what the modem says (a missing SIM, a denied registration are
// values in the snapshot, not errors); they stop a table only when a required
// row fails or its answer cannot be understood. An optional row that fails
// (an ERROR, an answer it cannot read) leaves its part of the snapshot empty
// and the next rows run. Deciding what to run
// next, and what to do about a locked SIM, is the supervisor's job.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fb/at/charset.hpp"
#include "fb/at/parse_3gpp.hpp"
#include "fb/at/sequencer.hpp"
#include "fb/modem/dial.hpp"
#include "fb/modem/parse_vendor.hpp"
#include "fb/modem/profile.hpp"

namespace fb::modem {

struct ModemSnapshot {
  std::string manufacturer;
  std::string model;
  std::string revision;
  std::string imei;
  std::string iccid;
  std::optional<int> pin_retries;  // PIN attempts left, when the stick tells
  std::optional<at::SimState> sim;
  std::optional<Code> sim_error;  // what a CME error to AT+CPIN? said (SIM_MISSING…)
  std::optional<at::SignalReport> signal;
  std::optional<at::Registration> cs;
  std::optional<at::Registration> ps;
  std::optional<at::Registration> eps;
  std::optional<at::Registration> nr;  // +C5GREG, where the stick answers it
  std::optional<at::Operator> network;
  // The stick's AT+CSCS character set, as init_steps() left it; network's
  // name is decoded from it (identity strings are information text, not
  // charset-encoded). A table run on a fresh snapshot after init
  // (registration_steps) needs it copied in.
  at::Charset charset = at::Charset::unknown;
  std::vector<at::Charset> charsets;  // what AT+CSCS=? offered
  CdromState cdrom = CdromState::unknown;
  std::optional<huawei::SetPort> setport;  // kept to build the ^SETPORT disable command
  bool lte = false;                        // AT+CEREG=2 was accepted: the stick has LTE

  // Registered (home or roaming) in any domain; denied when every domain
  // that answered says denied.
  bool registered() const;
  bool denied() const;
};

using Steps = std::vector<at::Step<ModemSnapshot>>;

// AT (required), then ATE0, ATV1, AT+CMEE=1, registration URCs on, quirk and
// profile init commands, each allowed to fail (older sticks lack +CEREG);
// then charset_steps().
Steps init_steps(const Profile& profile, UsbId id);
// The character set: the best one AT+CSCS=? offers — "UCS2" (any
// operator name, as hex), else "8859-1", else "IRA" (better than "GSM",
// whose codes below 0x20 the framer drops and whose '_', '@' and '$' are
// not ASCII in the APN and PIN we send) — then AT+CSCS? for the one in
// force, into `charset`. All optional: a stick without +CSCS keeps its own
// and text is decoded as decode_text() says.
Steps charset_steps();
// ATI, +CGMI/+CGMM/+CGMR, +CGSN (required), then iccid_steps().
Steps identify_steps(const Profile& profile);
// The ICCID, each row only until one answered: the profile's query, AT+CCID,
// AT^ICCID?, AT+ICCID, then the SIM's EF_ICCID file itself
// (AT+CRSM=176,12258,0,0,10: READ BINARY of 2FE2, BCD with swapped nibbles).
Steps iccid_steps(const Profile& profile);
// PIN attempts left (the profile's query, then AT+CPINR="SIM PIN"); a stick
// that answers neither leaves pin_retries empty.
Steps pin_retries_steps(const Profile& profile);
// +CPIN?; a CME error is recorded in sim_error, not a stop.
Steps sim_steps();
// +CSQ (required), then +CESQ and the profile's own signal query (optional;
// LTE sticks answer them, 3G ones say ERROR), merged into one `signal`.
Steps signal_steps(const Profile& profile);
// +CREG? (required), +CGREG?, +CEREG?, +C5GREG?, +COPS? (the name decoded
// from `charset`).
Steps registration_steps();
// The profile's CD-ROM query (empty for CdromControl::none).
Steps cdrom_query_steps(CdromControl control);

// ---- LTE's initial attach context ----
// An LTE stick attaches with context 1 when it registers: its APN and PDP
// type must be the plan's before registration, or the network may attach it
// with one the carrier refuses. As ModemManager does: read AT+CGDCONT?, and
// only when context 1 is not the plan's APN (case-insensitive) and type,
// radio off (AT+CFUN=4), write it, radio on (AT+CFUN=1). Every row is
// optional but the last: a refused read or a refused radio-off changes
// nothing; AT+CFUN=1 runs whenever AT+CFUN=4 went out, and its refusal stops
// the table (the stick would stay off the air).
struct AttachState {
  std::optional<at::PdpContext> before;  // context 1 as AT+CGDCONT? showed it
  bool read = false;                     // AT+CGDCONT? was answered and understood
  bool differs = false;                  // context 1 is not the plan's
  bool radio_off = false;                // AT+CFUN=4 went out and was accepted
  bool written = false;                  // AT+CGDCONT=1,... was accepted
  std::optional<Error> problem;          // why a row changed nothing (a refusal), for the log
};
using AttachSteps = std::vector<at::Step<AttachState>>;
// BAD_DIAL_SETTINGS when dial_commands() refuses the plan (context 1 is written whatever plan.cid is).
Result<AttachSteps> attach_context_steps(const DialPlan& plan);

// ---- dialing (the data port): see fb/modem/dial.hpp ----
struct DialState {
  std::optional<std::string> connect;  // CONNECT's text ("7200000"), set once connected
};

using DialSteps = std::vector<at::Step<DialState>>;

// dial_commands() as a table: the context definition, then the dial command
// with plan.timeout, whose processor keeps CONNECT's text (dial_outcome()).
// BAD_DIAL_SETTINGS when dial_commands() refuses the plan.
Result<DialSteps> dial_steps(const DialPlan& plan);

}  // namespace fb::modem
