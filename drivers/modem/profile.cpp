#include "fb/modem/profile.hpp"

#include <array>
#include <cstdio>

namespace fb::modem {
namespace {

using By = PortMap::By;

constexpr std::uint16_t kZte = 0x19d2;
constexpr std::uint16_t kHuawei = 0x12d1;
constexpr std::uint16_t kQuectel = 0x2c7c;
constexpr std::uint16_t kSimcom = 0x1e0e;

using P = DataPath;
constexpr DataPathChoice kHiLink{{P::hilink}, P::hilink};

// ZTE: interface numbers from ModemManager's 77-mm-zte-port-types.rules
// (AT_PRIMARY carries PPP, AT_SECONDARY stays free for AT while online).
constexpr PortMap zte_ports(std::uint8_t at, std::uint8_t data) {
  return PortMap{By::interface_number, at, data};
}
// Huawei: bInterfaceProtocol 0x02 = PCUI (AT), 0x01 = modem (PPP), class ff
// (77-mm-huawei-net-port-types.rules) — stable where interface numbers are not.
constexpr PortMap kHuaweiPorts{By::interface_protocol, 0x02, 0x01};

constexpr std::array kZteModems{
    ModemModel{{kZte, 0x0017}, "MF190 variant (from 0154)", zte_ports(1, 2), CdromControl::zte_zcdrun},
    ModemModel{{kZte, 0x0031}, "MF110, MF112, MF626, MF636", zte_ports(1, 3), CdromControl::zte_zcdrun},
    ModemModel{{kZte, 0x0082}, "MF190 variant (from 1224)", zte_ports(1, 3), CdromControl::zte_zcdrun},
    ModemModel{{kZte, 0x0117}, "MF190, MF180", zte_ports(1, 2), CdromControl::zte_zcdrun},
    ModemModel{{kZte, 0x0124}, "MF190 variant (from 0149/0150)", zte_ports(1, 4), CdromControl::zte_zcdrun},
    ModemModel{{kZte, 0x2002}, "MF180 variant", zte_ports(1, 3), CdromControl::zte_zcdrun},
    ModemModel{{kZte, 0x2003}, "MF180 (ZTE/Onda)", zte_ports(1, 3), CdromControl::zte_zcdrun},
    // MF823, MF79x, MF833N after their CD-ROM (19d2:1225, not switched by
    // failberry yet): cdc_ether with the stick's web UI at 192.168.0.1, no
    // serial port (shared/reference/LTE-MODEMS.md §3, 3rd-party but consistent);
    // the web UI's goform JSON API is the router API (drivers/hilink/goform.cpp).
    ModemModel{{kZte, 0x1405}, "MF823, MF833N (router mode)", PortMap{}, CdromControl::none, kHiLink, RouterApi::zte},
};

// usb-modeswitch-data 20191128: 19d2:2000 lists 27 targets; these are the
// ones the sticks use (0124 is deliberately not among them).
constexpr std::array<std::uint16_t, 4> kZte2000Targets{0x0031, 0x0117, 0x2002, 0x2003};
constexpr std::array<std::uint16_t, 1> kZte0149Targets{0x0124};
constexpr std::array<std::uint16_t, 3> kZte0154Targets{0x0017, 0x0117, 0x2003};
constexpr std::array<std::uint16_t, 1> kZte1224Targets{0x0082};

// The MF190 variants are switched by a plain SCSI eject (ArchWiki: 0150
// becomes 0124 after `eject /dev/sr1`), which StandardEject sends.
constexpr std::array kZteStorage{
    StorageModel{
        {kZte, 0x2000}, "MF110, MF180, MF190 and most ZTE (ZeroCD)", SwitchMethod::standard_eject_zte, kZte2000Targets},
    StorageModel{{kZte, 0x0149}, "MF190 variant", SwitchMethod::standard_eject, kZte0149Targets},
    StorageModel{{kZte, 0x0150}, "MF190 variant", SwitchMethod::standard_eject, kZte0149Targets},
    StorageModel{{kZte, 0x0154}, "MF190 variant", SwitchMethod::standard_eject, kZte0154Targets},
    StorageModel{{kZte, 0x1224}, "MF190 variant", SwitchMethod::standard_eject, kZte1224Targets},
};

constexpr std::array kHuaweiModems{
    ModemModel{{kHuawei, 0x1001}, "E169, E620, E1750 (older firmware)", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x1436}, "E173, E1750", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x140c}, "E1552, E1800 family", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x14ac}, "E1820, E367 family", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x1c05}, "E173s", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x1c06}, "E173s", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x1c07}, "E173s", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x1c08}, "E173s", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x1c10}, "E173s", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x14a5}, "E173 (from 1557)", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x14a8}, "E173 (from 14b5)", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x14aa}, "E173 (from 14b5)", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x1c12}, "E173 (from 1c24)", kHuaweiPorts, CdromControl::huawei_u2diag},
    ModemModel{{kHuawei, 0x1c23}, "E173 (from 1c24)", kHuaweiPorts, CdromControl::huawei_u2diag},
    // E3131 and later answer ERROR to ^U2DIAG; their port set is ^SETPORT.
    // 1506: "stick" firmware with an NCM interface (huawei_cdc_ncm);
    // ModemManager's 77-mm-huawei-net-port-types.rules marks it ^NDISDUP-capable.
    ModemModel{{kHuawei, 0x1506},
               "E3131, E3372h (modem/NCM)",
               kHuaweiPorts,
               CdromControl::huawei_setport,
               {{P::ppp, P::net}, P::net}},
    ModemModel{{kHuawei, 0x151b}, "E3131", kHuaweiPorts, CdromControl::huawei_setport},
    ModemModel{{kHuawei, 0x151d}, "E3131", kHuaweiPorts, CdromControl::huawei_setport},
    ModemModel{{kHuawei, 0x151e}, "E3131", kHuaweiPorts, CdromControl::huawei_setport},
    ModemModel{{kHuawei, 0x15b1}, "E3131", kHuaweiPorts, CdromControl::huawei_setport},
    ModemModel{{kHuawei, 0x15b3}, "E3131", kHuaweiPorts, CdromControl::huawei_setport},
    ModemModel{{kHuawei, 0x15d1}, "E3131", kHuaweiPorts, CdromControl::huawei_setport},
    // HiLink (router) firmware: cdc_ether, the stick's DHCP server and HTTP API.
    ModemModel{
        {kHuawei, 0x14db}, "E3131, E3372h, E8372 HiLink", PortMap{}, CdromControl::none, kHiLink, RouterApi::huawei},
    ModemModel{
        {kHuawei, 0x14dc}, "E3131, E3372h, E8372 HiLink", PortMap{}, CdromControl::none, kHiLink, RouterApi::huawei},
    // E3372h-320 after usb_modeswitch's HuaweiAltMode message: a standard
    // NCM interface (cdc_ncm) and three option ttys (mrhaav/openwrt
    // atc/hua-e3372h_320, FW 11.0.1.1). Its ttys' protocols are not
    // documented: without a PCUI interface discovery probes them. Whether it
    // answers ^SETPORT is not known, so no CD-ROM control.
    ModemModel{{kHuawei, 0x155e}, "E3372h-320 (NCM)", kHuaweiPorts, CdromControl::none, {{P::net}, P::net}},
};

// usb-modeswitch-data 20191128 target lists (the ids the sticks use).
// The E1750 is not named there; it uses the generic 1446 -> 1001 entry.
constexpr std::array<std::uint16_t, 5> kHw1446Targets{0x1001, 0x1436, 0x140c, 0x14ac, 0x1506};
constexpr std::array<std::uint16_t, 5> kHw1c0bTargets{0x1c05, 0x1c06, 0x1c07, 0x1c08, 0x1c10};
constexpr std::array<std::uint16_t, 1> kHw1557Targets{0x14a5};
constexpr std::array<std::uint16_t, 2> kHw14b5Targets{0x14a8, 0x14aa};
constexpr std::array<std::uint16_t, 2> kHw1c24Targets{0x1c12, 0x1c23};
constexpr std::array<std::uint16_t, 1> kHw15caTargets{0x1506};
constexpr std::array<std::uint16_t, 3> kHw151aTargets{0x151b, 0x151d, 0x151e};
constexpr std::array<std::uint16_t, 2> kHw15ceTargets{0x15b1, 0x15b3};
constexpr std::array<std::uint16_t, 1> kHw15d0Targets{0x15d1};
constexpr std::array<std::uint16_t, 4> kHwLteTargets{0x14db, 0x14dc, 0x1506, 0x155e};

// Huawei's switch message changed over the data package's history (three
// different 0x11 0x06 CDBs); HuaweiNewMode is the current one for all rows.
constexpr std::array kHuaweiStorage{
    StorageModel{{kHuawei, 0x1446},
                 "E1552, E1750, E173 and most older Huawei (ZeroCD)",
                 SwitchMethod::huawei_new_mode,
                 kHw1446Targets},
    StorageModel{{kHuawei, 0x1c0b}, "E173s", SwitchMethod::huawei_new_mode, kHw1c0bTargets},
    StorageModel{{kHuawei, 0x1557}, "E173", SwitchMethod::huawei_new_mode, kHw1557Targets},
    StorageModel{{kHuawei, 0x14b5}, "E173", SwitchMethod::huawei_new_mode, kHw14b5Targets},
    StorageModel{{kHuawei, 0x1c24}, "E173", SwitchMethod::huawei_new_mode, kHw1c24Targets},
    StorageModel{{kHuawei, 0x15ca}, "E3131", SwitchMethod::huawei_new_mode, kHw15caTargets},
    StorageModel{{kHuawei, 0x151a}, "E3131", SwitchMethod::huawei_new_mode, kHw151aTargets},
    StorageModel{{kHuawei, 0x15ce}, "E3131", SwitchMethod::huawei_new_mode, kHw15ceTargets},
    StorageModel{{kHuawei, 0x15d0}, "E3131", SwitchMethod::huawei_new_mode, kHw15d0Targets},
    // The LTE sticks' storage ids. usb-modeswitch-data's 12d1:1f01 and 157d
    // files say HuaweiNewMode with targets 14db/14dc (HiLink firmware); a
    // stick-firmware E3372h comes back as 1506 or 155e (NCM with AT ports)
    // instead, so every one of them is a target and discovery drives what
    // appears (shared/reference/LTE-MODEMS.md §2).
    StorageModel{{kHuawei, 0x1f01}, "E3131, E3372h, E8372", SwitchMethod::huawei_new_mode, kHwLteTargets},
    StorageModel{{kHuawei, 0x157d}, "E3331, E3372", SwitchMethod::huawei_new_mode, kHwLteTargets},
};

// Quectel and SIMCom LTE modules: serial ports whose interface numbers shift
// with the USB composition (AT+QCFG="usbnet", AT+CUSBPIDSWITCH), so the AT
// port is probed. ModemManager's 77-mm-quectel-port-types.rules and
// 77-mm-simtech-port-types.rules name the ids.
constexpr std::array kQuectelModems{
    ModemModel{{kQuectel, 0x0125}, "EC25, EG25-G", PortMap{}, CdromControl::none},
    ModemModel{{kQuectel, 0x0306}, "EP06, EG06, EM06", PortMap{}, CdromControl::none},
};
constexpr std::array kSimcomModems{
    ModemModel{{kSimcom, 0x9001}, "SIM7600 (default composition)", PortMap{}, CdromControl::none},
};

constexpr std::array<std::string_view, 0> kNoInit{};
constexpr std::array<std::string_view, 5> kZteUrcs{"+ZUSIMR:", "+ZPAS:", "+ZPASR:", "+ZDONR:", "+ZEND:"};
constexpr std::array<std::string_view, 9> kHuaweiUrcs{
    "^RSSI:", "^BOOT:", "^MODE:", "^DSFLOWRPT:", "^SRVST:", "^SIMST:", "^CEND:", "^ORIG:", "^CONF:"};
constexpr std::array<std::string_view, 10> kGenericUrcs{
    "+CREG:", "+CGREG:", "+CEREG:", "RING", "+CRING:", "+CMTI:", "+CDSI:", "+CGEV:", "+CUSD:", "NO CARRIER"};

constexpr std::array<ModemModel, 0> kNoModems{};
constexpr std::array<StorageModel, 0> kNoStorage{};

// Network-interface sessions (shared/reference/LTE-MODEMS.md §2, §4-§7). The
// context is defined with +CGDCONT first (net_session_commands()), so only
// Huawei's connect names the APN again.
// 27.007: activate the context; state from +CGACT?. The address of the
// interface comes by DHCP from the stick, as OpenWrt's comgt-ncm gets it for
// every vendor but Huawei: +CGCONTRDP names the carrier's address, which an
// ECM/RNDIS stick that routes for the host does not put on the link.
constexpr NetCommands kCgactNet{"AT+CGACT=1,{cid}",  "AT+CGACT=0,{cid}", "AT+CGACT?", NetStatusForm::cgact, "",
                                NetAddressForm::dhcp};
// Huawei ^NDISDUP (ModemManager's mm-broadband-bearer-huawei.c sends
// ^NDISDUP=1,1,"<apn>" and ^NDISDUP=1,0, follows ^NDISSTATQRY? and the
// ^NDISSTAT URC, then reads ^DHCP?).
constexpr NetCommands kHuaweiNet{
    "AT^NDISDUP={cid},1,\"{apn}\"", "AT^NDISDUP={cid},0", "AT^NDISSTATQRY?", NetStatusForm::huawei_ndisstat, "AT^DHCP?",
    NetAddressForm::huawei_dhcp,    "^NDISSTAT:"};
// ZTE +ZGACT=<on>,<cid> (OpenWrt comgt ncm.json "zte").
constexpr NetCommands kZteNet{"AT+ZGACT=1,{cid}",  "AT+ZGACT=0,{cid}", "AT+CGACT?", NetStatusForm::cgact, "",
                              NetAddressForm::dhcp};
// Quectel +QNETDEVCTL=<op>,<cid>,<urc> (OpenWrt comgt ncm.json "quectel").
// In ECM mode the module serves DHCP on the interface and routes for the host.
constexpr NetCommands kQuectelNet{
    "AT+QNETDEVCTL=1,{cid},1", "AT+QNETDEVCTL=0,{cid},0", "AT+CGACT?", NetStatusForm::cgact, "", NetAddressForm::dhcp};
// SIMCom $QCRMCALL=<on>,<instance>: the second number is the RmNet instance,
// not a context id; the call uses profile (cid) 1. It starts the RmNet
// (qmi_wwan) interface of the default composition, 802.3-framed.
constexpr NetCommands kSimcomNet{
    "AT$QCRMCALL=1,1", "AT$QCRMCALL=0,1", "AT+CGACT?", NetStatusForm::cgact, "", NetAddressForm::dhcp, "", true};

// Quectel's USB network mode (shared/reference/LTE-MODEMS.md §5):
// AT+QCFG="usbnet" answers +QCFG: "usbnet",<n> (0 QMI/RmNet, the default; 1
// ECM; 2 MBIM; 3 RNDIS); cdc_ether binds only in ECM, which is set with
// AT+QCFG="usbnet",1, kept in flash, and takes effect after AT+CFUN=1,1.
// Verbatim on a Raspberry Pi (montimage, an EC25 on /dev/ttyUSB2):
// 'AT+QCFG="usbnet"' / '+QCFG: "usbnet",0' / 'OK'; MuditaOS parses the same
// header ("+QCFG: \"usbnet\","; RMNET=0, ECM, MBIM, RNDIS).
constexpr NetModeSwitch kQuectelEcm{"AT+QCFG=\"usbnet\"",   "+QCFG: \"usbnet\",", "1",
                                    "AT+QCFG=\"usbnet\",1", "AT+CFUN=1,1",        "ECM"};

// Vendor signal queries (shared/reference/LTE-MODEMS.md §2, §5): Huawei's
// ^HCSQ (ModemManager's mm-broadband-modem-huawei.c polls AT^HCSQ?) and
// Quectel's serving-cell report, the one that names the band.
constexpr SignalQuery kHuaweiSignal{"AT^HCSQ?", SignalForm::huawei_hcsq, "^HCSQ:"};
constexpr SignalQuery kQuectelSignal{"AT+QENG=\"servingcell\"", SignalForm::quectel_qeng, "+QENG:"};

// RAT locks (shared/reference/LTE-MODEMS.md §2.4, §5). Huawei ^SYSCFGEX as
// ModemManager's mm-broadband-modem-huawei.c sends it: acquisition order
// ("03" LTE only, "0302" LTE then WCDMA), any GSM/UMTS band, roaming and
// domain unchanged, any LTE band. Quectel +QCFG="nwscanmode",3,1: LTE only,
// at once; its modes are single technologies, so no LTE-and-3G lock.
constexpr RatCommands kHuaweiRat{"AT^SYSCFGEX=\"03\",3FFFFFFF,2,4,7FFFFFFFFFFFFFFF,,",
                                 "AT^SYSCFGEX=\"0302\",3FFFFFFF,2,4,7FFFFFFFFFFFFFFF,,"};
constexpr RatCommands kQuectelRat{"AT+QCFG=\"nwscanmode\",3,1", ""};

// A stick without a row of its own gets PPP unless set otherwise: whether
// an older stick of a vendor has a network interface is not known.
constexpr DataPathChoice kPppOrNet{{P::ppp, P::net}, P::ppp};

const Profile kGeneric{Vendor::generic, "generic", 0,  kNoModems, kNoStorage, "AT+CFUN=1,1",
                       kNoInit,         {},        "", "",        kPppOrNet,  kCgactNet};
const Profile kZteProfile{Vendor::zte, "zte",    kZte, kZteModems,     kZteStorage, "AT+CFUN=1,1",
                          kNoInit,     kZteUrcs, "",   "AT+ZPINPUK=?", kPppOrNet,   kZteNet};
const Profile kHuaweiProfile{Vendor::huawei, "huawei",   kHuawei,       kHuaweiModems, kHuaweiStorage,
                             "AT^RESET",     kNoInit,    kHuaweiUrcs,   "AT^ICCID?",   "AT^CPIN?",
                             kPppOrNet,      kHuaweiNet, kHuaweiSignal, kHuaweiRat};
// Quectel and SIMCom behave as generic sticks for everything but the data
// path (and Quectel's serving-cell signal report).
const Profile kQuectelProfile{
    Vendor::quectel, "quectel",   kQuectel,       kQuectelModems, kNoStorage, "AT+CFUN=1,1", kNoInit, {}, "", "",
    kPppOrNet,       kQuectelNet, kQuectelSignal, kQuectelRat,    kQuectelEcm};
const Profile kSimcomProfile{
    Vendor::simcom, "simcom",  kSimcom, kSimcomModems, kNoStorage, "AT+CFUN=1,1", kNoInit, {}, "", "",
    kPppOrNet,      kSimcomNet};
const std::array<const Profile*, 5> kProfiles{&kGeneric, &kZteProfile, &kHuaweiProfile, &kQuectelProfile,
                                              &kSimcomProfile};

constexpr CdromCommands kZcdrun{"AT+ZCDRUN=4", "", "AT+ZCDRUN=8"};
constexpr CdromCommands kU2diag{"AT^U2DIAG?", "^U2DIAG:", "AT^U2DIAG=0"};
constexpr CdromCommands kSetport{"AT^SETPORT?", "^SETPORT:", ""};

// One row per misbehaving model: the model, the symptom, and what we do.
const std::array kQuirks{
    // ZTE MF1xx/MF6xx: "+ZUSIMR:2" is repeated until the SMS storage has been
    // queried once; the flood fills the stick's buffers until it crashes
    // (ModemManager's zte plugin sends AT+CPMS? for the same reason).
    QuirkRow{{kZte, 0}, Quirk::init_command, "AT+CPMS?", "ZTE: +ZUSIMR:2 flood crashes the stick until AT+CPMS?"},
    // Huawei E3131 HiLink (14db/14dc): a router in a stick behind cdc_ether;
    // it has no serial AT port, so there is nothing to dial with.
    QuirkRow{{kHuawei, 0x14db}, Quirk::no_at_port, "", "E3131 HiLink: network-only, no AT port"},
    QuirkRow{{kHuawei, 0x14dc}, Quirk::no_at_port, "", "E3131 HiLink: network-only, no AT port"},
    // ZTE MF823/MF833N in router mode (1405): cdc_ether and a web UI only.
    QuirkRow{{kZte, 0x1405}, Quirk::no_at_port, "", "MF823/MF833N router mode: network-only, no AT port"},
    // Huawei MU609 (1573): AT^GETPORTMODE crashes the default firmware
    // (ModemManager 77-mm-huawei-net-port-types.rules); port probing must skip it.
    QuirkRow{{kHuawei, 0x1573}, Quirk::no_getportmode, "", "MU609: ^GETPORTMODE crashes the firmware"},
    // Huawei E220/E270 (1003): CD-ROM and modem share one id; it ignores bulk
    // switch messages and needs usb_modeswitch's old "HuaweiMode" control
    // request (SET_FEATURE, bmRequestType 0x00, wValue 1).
    QuirkRow{
        {kHuawei, 0x1003}, Quirk::control_request_switch, "", "E220: switches only by SET_FEATURE control request"},
};

}  // namespace

std::string to_string(UsbId id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04x:%04x", static_cast<unsigned>(id.vendor), static_cast<unsigned>(id.product));
  return buf;
}

std::string_view to_string(Vendor vendor) {
  switch (vendor) {
    case Vendor::generic: return "generic";
    case Vendor::zte: return "zte";
    case Vendor::huawei: return "huawei";
    case Vendor::quectel: return "quectel";
    case Vendor::simcom: return "simcom";
  }
  return "generic";
}

std::string_view to_string(DataPath path) {
  switch (path) {
    case DataPath::ppp: return "ppp";
    case DataPath::net: return "net";
    case DataPath::hilink: return "hilink";
  }
  return "ppp";
}

std::string_view to_string(RouterApi api) {
  switch (api) {
    case RouterApi::huawei: return "huawei";
    case RouterApi::zte: return "zte";
  }
  return "huawei";
}

std::optional<RouterApi> router_api_from_string(std::string_view word) {
  for (auto a : {RouterApi::huawei, RouterApi::zte})
    if (to_string(a) == word) return a;
  return std::nullopt;
}

std::optional<RouterApi> router_api_of(const Profile& profile, const ModemModel* model) {
  if (model && model->router_api) return model->router_api;
  if (profile.vendor == Vendor::zte) return RouterApi::zte;
  if (profile.vendor == Vendor::huawei) return RouterApi::huawei;
  return std::nullopt;
}

std::optional<DataPath> data_path_from_string(std::string_view word) {
  for (auto p : {DataPath::ppp, DataPath::net, DataPath::hilink})
    if (to_string(p) == word) return p;
  return std::nullopt;
}

std::string_view to_string(NetStatusForm form) {
  switch (form) {
    case NetStatusForm::none: return "none";
    case NetStatusForm::huawei_ndisstat: return "huawei-ndisstat";
    case NetStatusForm::cgact: return "cgact";
  }
  return "none";
}

std::string_view to_string(RatLock lock) {
  switch (lock) {
    case RatLock::any: return "auto";
    case RatLock::lte: return "lte";
    case RatLock::lte_3g: return "lte-3g";
  }
  return "auto";
}

std::string_view rat_command(const Profile& profile, RatLock lock) {
  switch (lock) {
    case RatLock::any: return {};
    case RatLock::lte: return profile.rat.lte;
    case RatLock::lte_3g: return profile.rat.lte_3g;
  }
  return {};
}

std::string_view to_string(SignalForm form) {
  switch (form) {
    case SignalForm::none: return "none";
    case SignalForm::huawei_hcsq: return "huawei-hcsq";
    case SignalForm::quectel_qeng: return "quectel-qeng";
  }
  return "none";
}

std::string_view to_string(NetAddressForm form) {
  switch (form) {
    case NetAddressForm::none: return "none";
    case NetAddressForm::huawei_dhcp: return "huawei-dhcp";
    case NetAddressForm::cgcontrdp: return "cgcontrdp";
    case NetAddressForm::dhcp: return "dhcp";
  }
  return "none";
}

std::string_view to_string(SwitchMethod method) {
  switch (method) {
    case SwitchMethod::standard_eject: return "StandardEject";
    case SwitchMethod::standard_eject_zte: return "StandardEject+ZTE";
    case SwitchMethod::huawei_new_mode: return "HuaweiNewMode";
    case SwitchMethod::unsupported: return "unsupported";
  }
  return "unsupported";
}

std::string_view to_string(CdromControl control) {
  switch (control) {
    case CdromControl::none: return "none";
    case CdromControl::zte_zcdrun: return "zte-zcdrun";
    case CdromControl::huawei_u2diag: return "huawei-u2diag";
    case CdromControl::huawei_setport: return "huawei-setport";
  }
  return "none";
}

const CdromCommands* cdrom_commands(CdromControl control) {
  switch (control) {
    case CdromControl::none: return nullptr;
    case CdromControl::zte_zcdrun: return &kZcdrun;
    case CdromControl::huawei_u2diag: return &kU2diag;
    case CdromControl::huawei_setport: return &kSetport;
  }
  return nullptr;
}

std::optional<std::string> setport_disable_command(const huawei::SetPort& current) {
  std::string ports;
  for (const auto& p : current.switched) {
    if (p == "A1" || p == "A2") continue;
    if (!ports.empty()) ports.push_back(',');
    ports.append(p);
  }
  if (ports.empty()) return std::nullopt;
  return "AT^SETPORT=\"FF;" + ports + "\"";
}

const Profile& profile(Vendor vendor) {
  switch (vendor) {
    case Vendor::zte: return kZteProfile;
    case Vendor::huawei: return kHuaweiProfile;
    case Vendor::quectel: return kQuectelProfile;
    case Vendor::simcom: return kSimcomProfile;
    case Vendor::generic: return kGeneric;
  }
  return kGeneric;
}

const Profile& profile_for(std::uint16_t usb_vendor) {
  for (const Profile* p : kProfiles)
    if (p->vendor != Vendor::generic && p->usb_vendor == usb_vendor) return *p;
  return kGeneric;
}

std::span<const Profile* const> all_profiles() {
  return kProfiles;
}

DataPathChoice data_paths(const Profile& profile, const ModemModel* model) {
  if (model && !model->paths.supported.empty()) return model->paths;
  return profile.paths;
}

std::span<const std::string_view> generic_urcs() {
  return kGenericUrcs;
}

std::optional<ModemMatch> find_modem(UsbId id) {
  const Profile& p = profile_for(id.vendor);
  for (const auto& m : p.modems)
    if (m.id == id) return ModemMatch{&p, &m};
  return std::nullopt;
}

std::optional<StorageMatch> find_storage(UsbId id) {
  const Profile& p = profile_for(id.vendor);
  for (const auto& s : p.storage)
    if (s.id == id) return StorageMatch{&p, &s};
  return std::nullopt;
}

bool switches_to(UsbId storage, UsbId appeared) {
  auto s = find_storage(storage);
  if (!s || appeared.vendor != storage.vendor) return false;
  for (auto product : s->model->targets)
    if (product == appeared.product) return true;
  return false;
}

std::string_view to_string(Quirk quirk) {
  switch (quirk) {
    case Quirk::init_command: return "init-command";
    case Quirk::no_at_port: return "no-at-port";
    case Quirk::no_getportmode: return "no-getportmode";
    case Quirk::control_request_switch: return "control-request-switch";
  }
  return "?";
}

std::span<const QuirkRow> quirk_table() {
  return kQuirks;
}

std::vector<const QuirkRow*> quirks_for(UsbId id) {
  std::vector<const QuirkRow*> out;
  for (const auto& q : kQuirks)
    if (q.id.vendor == id.vendor && (q.id.product == 0 || q.id.product == id.product)) out.push_back(&q);
  return out;
}

bool has_quirk(UsbId id, Quirk quirk) {
  for (const auto* q : quirks_for(id))
    if (q->quirk == quirk) return true;
  return false;
}

}  // namespace fb::modem
