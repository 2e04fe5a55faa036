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

// `[modem] data = auto`: which path the stick just discovered takes, and
// why in words for /status ("auto: HiLink stick 12d1:14dc"). Decided each
// time the modem is found (a unit may come back from a mode switch as a
// HiLink stick or as a stick with AT ports), from:
struct AutoPathFacts {
  DataPathChoice offered;        // data_paths() of the stick (its model row's, else its profile's)
  std::string stick;             // "12d1:14dc E3131, E3372h, E8372 HiLink"; a tty's profile name
  std::string interface;         // the modem uplink's [uplink] interface: a name, or "auto"
  bool net_interface = false;    // a network interface the net path can use is beside its AT port now
  bool net_mode_switch = false;  // the profile can switch it into a mode with one (NetModeSwitch)
};
struct PathChoice {
  DataPath path = DataPath::ppp;
  std::string why;
  bool operator==(const PathChoice&) const = default;
};
// The rule, first match:
//  1. a HiLink stick (its paths prefer hilink): hilink;
//  2. the uplink's interface is a PPP name (ppp0): ppp;
//  3. it names another interface (wwan0, usb0): net, the stick's own;
//  4. interface = auto and the stick prefers net and either has its
//     interface now or can be switched into a mode that has one: net;
//  5. otherwise ppp (pppd's pppN is then the uplink's interface).
// Whether the stick offers the path chosen is choose_data_path()'s check.
PathChoice choose_auto_path(const AutoPathFacts& facts);

// The USB mode a NetModeSwitch query's answer reports: the text after its
// prefix up to a comma, trimmed ("0" for +QCFG: "usbnet",0).
// AT_BAD_RESPONSE when no line has the prefix or the value is empty.
Result<std::string> net_mode_of(const NetModeSwitch& mode, std::string_view answer);

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
