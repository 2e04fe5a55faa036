// Vendor profiles as data: which USB ids a stick has in modem mode and in
// storage ("ZeroCD") mode, how to switch it, which interface carries AT
// commands and which PPP, how to query and disable its CD-ROM, how to reset
// it, what to send after the generic init, which data paths it offers (PPP,
// its own network interface, HiLink) and the commands of its network-
// interface session — and ONE quirk table for the individual models that
// misbehave.
//
// Contract: constant tables with static storage; lookups are pure and return
// pointers into them (never null for profile(), nullable for the find_*
// functions). Adding a stick means adding a row, not code. Facts and their
// sources are in shared/reference/PROTOCOLS.md §4 (3G sticks),
// shared/reference/LTE-MODEMS.md (LTE sticks, data paths) and in the
// comments of profile.cpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fb/modem/parse_vendor.hpp"

namespace fb::modem {

struct UsbId {
  std::uint16_t vendor = 0;
  std::uint16_t product = 0;
  bool operator==(const UsbId&) const = default;
};
std::string to_string(UsbId id);  // "19d2:0117"

enum class Vendor : std::uint8_t { generic, zte, huawei, quectel, simcom };
struct Profile;
std::string_view to_string(Vendor vendor);

// How data leaves the stick: PPP over a tty (pppd), the stick's own network
// interface with the session started over AT (cdc_ncm, cdc_ether,
// rndis_host, qmi_wwan), or a router-mode stick ("HiLink") that is an
// Ethernet uplink with its own DHCP server and HTTP API.
enum class DataPath : std::uint8_t { ppp, net, hilink };
std::string_view to_string(DataPath path);
std::optional<DataPath> data_path_from_string(std::string_view word);  // "ppp", "net", "hilink"

// The HTTP API a router-mode stick speaks on the hilink path: Huawei's
// HiLink XML (/api/...) or ZTE's goform JSON (/goform/goform_*_cmd_process).
// Facts: shared/reference/LTE-MODEMS.md §3 and drivers/hilink/goform.cpp.
enum class RouterApi : std::uint8_t { huawei, zte };
std::string_view to_string(RouterApi api);                               // "huawei", "zte"
std::optional<RouterApi> router_api_from_string(std::string_view word);  // "huawei", "zte"

// A set of data paths.
struct DataPaths {
  std::uint8_t bits = 0;
  constexpr DataPaths() = default;
  constexpr DataPaths(std::initializer_list<DataPath> paths) {
    for (auto p : paths) bits = static_cast<std::uint8_t>(bits | (1u << static_cast<unsigned>(p)));
  }
  constexpr bool has(DataPath p) const { return (bits >> static_cast<unsigned>(p)) & 1u; }
  constexpr bool empty() const { return bits == 0; }
  bool operator==(const DataPaths&) const = default;
};

// Which paths a stick offers and which one `[modem] data = auto` takes.
struct DataPathChoice {
  DataPaths supported;
  DataPath preferred = DataPath::ppp;
  bool operator==(const DataPathChoice&) const = default;
};

// Which parser reads the answer to NetCommands::status / ::address.
enum class NetStatusForm : std::uint8_t { none, huawei_ndisstat, cgact };  // huawei::parse_ndisstat, at::parse_cgact
// The session's address: read with huawei::parse_dhcp or at::parse_cgcontrdp
// from the answer to NetCommands::address, or (dhcp) leased by a DHCP client
// on the stick's interface from the stick's own server (ECM/RNDIS sticks that
// route for the host; OpenWrt's comgt-ncm does the same for every stick).
enum class NetAddressForm : std::uint8_t { none, huawei_dhcp, cgcontrdp, dhcp };
std::string_view to_string(NetStatusForm form);
std::string_view to_string(NetAddressForm form);

// The AT commands of a network-interface session, as templates: {cid} is
// the context id, {apn} the APN (always between double quotes); see
// net_session_commands() in dial.hpp. Empty connect: the vendor has none.
struct NetCommands {
  std::string_view connect = {};     // AT^NDISDUP={cid},1,"{apn}"
  std::string_view disconnect = {};  // AT^NDISDUP={cid},0
  std::string_view status = {};      // AT^NDISSTATQRY?
  NetStatusForm status_form = NetStatusForm::none;
  std::string_view address = {};  // AT^DHCP?
  NetAddressForm address_form = NetAddressForm::none;
  std::string_view status_urc = {};  // prefix of the URC that reports the session's state ("^NDISSTAT:"), "" none
  // The connect command also starts a call on a QMI (RmNet) function, so a
  // qmi_wwan interface may carry the session (SIMCom $QCRMCALL); otherwise
  // only Ethernet-framed ones (NCM, ECM, RNDIS) do (net_discovery.hpp).
  bool rmnet = false;
};

// A module whose network interface appears only in one of its USB modes
// (Quectel EC25/EG25-G/EP06: QMI/RmNet by default, ECM after
// AT+QCFG="usbnet",1 and a reset). When the net data path is wanted the
// daemon asks `query`, reads the value after `prefix` in its answer, and when
// it is not `wanted` sends `set`, then `reset` (the module re-enumerates; the
// setting persists) — once: a module still in another mode after that stops
// with NET_MODE_UNCHANGED. Empty `query`: the profile has no such switch.
struct NetModeSwitch {
  std::string_view query = {};   // AT+QCFG="usbnet"
  std::string_view prefix = {};  // +QCFG: "usbnet",
  std::string_view wanted = {};  // 1
  std::string_view set = {};     // AT+QCFG="usbnet",1
  std::string_view reset = {};   // AT+CFUN=1,1
  std::string_view name = {};    // what the wanted mode is called in the log and /status: "ECM"
};

// The vendor's own signal query, polled after +CSQ and +CESQ (its values
// win), and which parser reads its answer.
enum class SignalForm : std::uint8_t {
  none,
  huawei_hcsq,
  quectel_qeng
};  // huawei::parse_hcsq, quectel::parse_qeng_servingcell
std::string_view to_string(SignalForm form);
struct SignalQuery {
  std::string_view command = {};  // AT^HCSQ?; "" none
  SignalForm form = SignalForm::none;
  std::string_view prefix = {};  // the answer's information-line prefix ("^HCSQ:")
};

// Which radio access technologies the stick may use ([modem] rat): `any` is
// the stick's own setting (nothing is sent), `lte` LTE only, `lte_3g` LTE
// and UMTS (LTE first) without GSM.
enum class RatLock : std::uint8_t { any, lte, lte_3g };
std::string_view to_string(RatLock lock);  // "auto", "lte", "lte-3g"
// The vendor's command for each lock; "" when the vendor has none for it.
struct RatCommands {
  std::string_view lte = {};     // AT^SYSCFGEX="03",…
  std::string_view lte_3g = {};  // AT^SYSCFGEX="0302",…
};
// The command that sets `lock` on a stick of `profile`; "" for `any` and
// when the profile has none.
std::string_view rat_command(const Profile& profile, RatLock lock);

// Where the AT and PPP ports are. ZTE numbers its interfaces per product
// (ModemManager's 77-mm-zte-port-types.rules: the PPP "primary" and the AT
// "secondary"); Huawei marks them in bInterfaceProtocol (0x01 modem, 0x02
// PCUI) across products; a generic stick's AT port is searched for
// (AtPortFinder).
struct PortMap {
  enum class By : std::uint8_t { interface_number, interface_protocol, search };
  By by = By::search;
  std::uint8_t at = 0;    // interface number or bInterfaceProtocol
  std::uint8_t data = 0;  // same
  bool operator==(const PortMap&) const = default;
};

enum class CdromControl : std::uint8_t { none, zte_zcdrun, huawei_u2diag, huawei_setport };
std::string_view to_string(CdromControl control);

struct CdromCommands {
  std::string_view query;         // "AT+ZCDRUN=4"
  std::string_view query_prefix;  // information-line prefix of the answer ("" = untagged)
  std::string_view disable;       // "AT+ZCDRUN=8" (for ^SETPORT built from the query: setport_disable_command)
};
const CdromCommands* cdrom_commands(CdromControl control);  // null for none

// AT^SETPORT="FF;<switched ports without A1/A2>": no CD-ROM first, the same
// serial/network ports after. Null when the answer has no port to keep.
std::optional<std::string> setport_disable_command(const huawei::SetPort& current);

struct ModemModel {
  UsbId id;
  std::string_view models;  // "MF190, MF180"
  PortMap ports;
  CdromControl cdrom = CdromControl::none;
  DataPathChoice paths = {};                 // empty `supported`: the profile's
  std::optional<RouterApi> router_api = {};  // a router-mode stick: the API it speaks
};

// How a storage-mode stick is switched (usb_modeswitch's names); the
// messages themselves are fb::usb::switch_messages() (fb/usb/modeswitch.hpp).
enum class SwitchMethod : std::uint8_t {
  standard_eject,      // StandardEject=1
  standard_eject_zte,  // StandardEject=1 + ZTE MessageContent (19d2:2000)
  huawei_new_mode,     // HuaweiNewMode=1
  unsupported,         // known stick we deliberately do not switch (see profile.cpp)
};
std::string_view to_string(SwitchMethod method);  // "StandardEject", "HuaweiNewMode", …

struct StorageModel {
  UsbId id;
  std::string_view models;
  SwitchMethod method;
  std::span<const std::uint16_t> targets;  // product ids it re-enumerates as (same vendor)
};

struct Profile {
  Vendor vendor;
  std::string_view name;
  std::uint16_t usb_vendor;  // 0 for generic
  std::span<const ModemModel> modems;
  std::span<const StorageModel> storage;
  std::string_view reset;                  // "AT+CFUN=1,1"
  std::span<const std::string_view> init;  // sent after the generic init, in order; errors tolerated
  std::span<const std::string_view> urcs;  // URC prefixes beyond the generic 3GPP ones
  std::string_view iccid = {};             // the vendor's own ICCID query, tried before the generic ones
  std::string_view pin_retries = {};       // the vendor's own "PIN attempts left" query, before AT+CPINR
  DataPathChoice paths = {{DataPath::ppp}, DataPath::ppp};  // for a stick of the vendor without its own row
  NetCommands net = {};                                     // for DataPath::net
  SignalQuery signal = {};                                  // beyond +CSQ/+CESQ
  RatCommands rat = {};                                     // [modem] rat
  NetModeSwitch net_mode = {};                              // the USB mode the net path needs
};

const Profile& profile(Vendor vendor);
// The profile for a USB vendor id; generic for anyone else.
const Profile& profile_for(std::uint16_t usb_vendor);
// Generic URC prefixes every channel registers (+CREG:, RING, …).
std::span<const std::string_view> generic_urcs();

struct ModemMatch {
  const Profile* profile;
  const ModemModel* model;
};
std::optional<ModemMatch> find_modem(UsbId id);

struct StorageMatch {
  const Profile* profile;
  const StorageModel* model;
};
std::optional<StorageMatch> find_storage(UsbId id);

// The data paths of a stick: its model row's when it has one with paths,
// else its profile's.
DataPathChoice data_paths(const Profile& profile, const ModemModel* model);
// The router API of a stick: its model row's, else its vendor's (zte → zte,
// huawei → huawei), else none (a vendor whose router sticks we do not know).
std::optional<RouterApi> router_api_of(const Profile& profile, const ModemModel* model);
// Every profile, generic first (for tests and docs that walk the table).
std::span<const Profile* const> all_profiles();

// True when `appeared` is one of the ids the storage stick `storage` turns into.
bool switches_to(UsbId storage, UsbId appeared);

// ---- the quirk table ----
enum class Quirk : std::uint8_t {
  init_command,            // send `command` during init
  no_at_port,              // the stick has no serial AT port at all
  no_getportmode,          // never send AT^GETPORTMODE while probing
  control_request_switch,  // switch with the old SET_FEATURE control request, not a bulk message
};
std::string_view to_string(Quirk quirk);

struct QuirkRow {
  UsbId id;  // product 0 = every product of the vendor
  Quirk quirk;
  std::string_view command;  // for init_command
  std::string_view why;      // model and symptom, also logged when applied
};
std::span<const QuirkRow> quirk_table();
std::vector<const QuirkRow*> quirks_for(UsbId id);
bool has_quirk(UsbId id, Quirk quirk);

}  // namespace fb::modem
