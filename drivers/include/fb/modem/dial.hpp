// Starting a data session, the pure part: the AT commands of a dial plan —
// for PPP (dial on the data port) and for a network-interface session (the
// profile's connect/disconnect/status templates, fb/modem/profile.hpp) — and
// what the dial command's final result means.
//
// failberryd dials itself and hands the CONNECTed tty to pppd as stdin
// (fb/ppp/pppd.hpp explains the choice); the table that runs these commands
// is fb::modem::dial_steps() in sequences.hpp.
//
// Contract: pure. Nothing the user wrote is rewritten: an APN, PDP type or
// dial string that cannot be sent safely inside an AT command is refused with
// BAD_DIAL_SETTINGS, never "fixed". Dial failures map to stable codes:
// NO CARRIER -> NO_CARRIER, BUSY -> BUSY, NO DIALTONE -> NO_DIALTONE,
// NO ANSWER -> NO_ANSWER, ERROR -> AT_ERROR, +CME ERROR -> its 27.007 code
// (PDP_REJECTED, PDP_AUTH_FAILED, NO_NETWORK, …), OK without CONNECT ->
// AT_BAD_RESPONSE.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "fb/at/error.hpp"
#include "fb/at/framing.hpp"
#include "fb/at/parse_3gpp.hpp"
#include "fb/modem/profile.hpp"

namespace fb::modem {

// The PDP type of a context, as +CGDCONT names it.
enum class PdpType : std::uint8_t { ip, ipv6, ipv4v6 };
// "IP", "IPV6", "IPV4V6".
std::string_view cgdcont_text(PdpType type);
// The +CGDCONT word, any case; anything else ("PPP", "IPV4", "") is
// BAD_DIAL_SETTINGS.
Result<PdpType> parse_pdp_type(std::string_view text);

struct DialPlan {
  std::string apn;
  int cid = 1;
  PdpType pdp_type = PdpType::ip;
  std::string dial = "ATD*99#";                                  // or the carrier's, e.g. "ATD*99***1#"
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  // the dial command's
};

// An APN failberry can put between the quotes of an AT command: 1-100
// printable ASCII characters without '"' or ';'. BAD_DIAL_SETTINGS otherwise.
Result<void> check_apn(std::string_view apn);

struct DialCommands {
  std::string define_context;  // AT+CGDCONT=1,"IP","internet"
  std::string dial;            // ATD*99#
};

Result<DialCommands> dial_commands(const DialPlan& plan);

// A network-interface session's commands: the context definition (as for
// PPP), then the profile's NetCommands with {cid} and {apn} filled in.
// `status`/`address` may be empty when the profile has none. `plan.dial` is
// not used. BAD_DIAL_SETTINGS for a plan dial_commands() would refuse, and
// for a profile without a net path (empty connect template).
struct NetSessionCommands {
  std::string define_context;  // AT+CGDCONT=1,"IPV4V6","internet"
  std::string connect;         // AT^NDISDUP=1,1,"internet"
  std::string disconnect;      // AT^NDISDUP=1,0
  std::string status;          // AT^NDISSTATQRY?
  std::string address;         // AT^DHCP?
};
Result<NetSessionCommands> net_session_commands(const NetCommands& commands, const DialPlan& plan);

// The unit of a PPP interface name ("ppp0" -> 0, "ppp12" -> 12; pppd's
// `unit`); nothing for any other name ("eth0", "pppoe", "ppp").
std::optional<int> ppp_unit(std::string_view interface);

// Which data path a dial takes. `wanted` is [modem] data; none (auto) is PPP
// when the modem uplink's `interface` is a PPP name, the stick's own
// interface (net) otherwise. The path must be one the stick offers
// (`offered`, data_paths()); HiLink is never dialled. Refused with
// BAD_DIAL_SETTINGS in words that name `stick` ("12d1:1506 E3372h (NCM)").
Result<DataPath> choose_data_path(std::optional<DataPath> wanted, std::string_view interface, DataPathChoice offered,
                                  std::string_view stick);

// What a network-interface session's status answer (NetCommands::status,
// read as `form` says) means for context `cid`: connected or not. The answer
// to ^NDISSTATQRY? (or a ^NDISSTAT URC) is connected when either family is;
// +CGACT? when the line for `cid` says active (no line: not active).
// AT_BAD_RESPONSE for an answer the form's parser refuses, and for
// NetStatusForm::none (nothing to read).
Result<bool> net_session_connected(NetStatusForm form, std::string_view answer, int cid);

// The address the session got, from the answer to NetCommands::address read
// as `form` says: Huawei ^DHCP, or the +CGCONTRDP line of `cid` with an IPv4
// address (the first one). AT_BAD_RESPONSE when the answer cannot be read or
// holds no usable address (none, or no prefix length, or the gateway
// missing), with the words of what is missing.
Result<at::IpConfig> net_session_address(NetAddressForm form, std::string_view answer, int cid);

// What is wrong with a command template (nullopt: nothing): it must be empty
// or printable ASCII starting with "AT", without ';' (one command per line),
// whose only placeholders are {cid} and {apn}, and {apn} only between double
// quotes. The profile test walks every template with it.
std::optional<std::string> template_problem(std::string_view command);

// CONNECT's text ("7200000", possibly empty) or the error the final stands for.
Result<std::string> dial_outcome(const at::Final& final);

}  // namespace fb::modem
