#include "fb/config/schema.hpp"

#include <type_traits>

#include "fb/ppp/pppd.hpp"

namespace fb::core {
namespace {

// Value -> field conversions, one per field type used by the typed config.
void assign(std::string& f, const Value& v) {
  f = std::get<std::string>(v);
}
void assign(bool& f, const Value& v) {
  f = std::get<bool>(v);
}
void assign(int& f, const Value& v) {
  f = static_cast<int>(std::get<std::int64_t>(v));
}
void assign(std::uint64_t& f, const Value& v) {
  f = static_cast<std::uint64_t>(std::get<std::int64_t>(v));
}
void assign(Duration& f, const Value& v) {
  f = std::get<Duration>(v);
}
void assign(std::optional<IpAddress>& f, const Value& v) {
  f = std::get<IpAddress>(v);
}
void assign(std::vector<IpAddress>& f, const Value& v) {
  f = std::get<std::vector<IpAddress>>(v);
}
void assign(std::vector<Prefix>& f, const Value& v) {
  f = std::get<std::vector<Prefix>>(v);
}
void assign(ModemDevice& f, const Value& v) {
  f = std::get<ModemDevice>(v);
}

template <class S, class T>
Store field(S Config::*section, T S::*member) {
  return [=](Config& c, UplinkConfig*, const Value& v) { assign(c.*section.*member, v); };
}
template <class T>
Store uplink_field(T UplinkConfig::*member) {
  return [=](Config&, UplinkConfig* u, const Value& v) { assign(u->*member, v); };
}

// An enum-valued key: the choices and the mapping come from one list.
template <class E>
std::pair<ValueType, std::function<void(E&, const Value&)>> choice(std::vector<std::pair<std::string_view, E>> map) {
  ValueType t{ValueKind::choice, 0, 0, {}};
  for (auto& [name, _] : map) t.choices.push_back(name);
  return {t, [map](E& f, const Value& v) {
            for (auto& [name, e] : map)
              if (name == std::get<std::string>(v)) f = e;
          }};
}
template <class S, class E>
KeySpec choice_key(std::string_view key, S Config::*section, E S::*member,
                   std::vector<std::pair<std::string_view, E>> map, std::string_view def, std::string_view doc) {
  auto [type, set] = choice(std::move(map));
  return KeySpec{
      key, type, def, false, doc, {}, [=](Config& c, UplinkConfig*, const Value& v) { set(c.*section.*member, v); }};
}

const std::vector<std::pair<std::string_view, UplinkKind>> kUplinkKinds{
    {"ethernet", UplinkKind::ethernet}, {"ppp", UplinkKind::ppp}, {"cellular", UplinkKind::cellular}};

KeySpec secret(KeySpec k, std::optional<std::string> (*content)(std::string_view) = nullptr) {
  k.secret = FileRule{content};
  return k;
}

std::optional<std::string> sim_pin_content(std::string_view text) {
  auto pin = parse_sim_pin(text);
  if (pin) return std::nullopt;
  return pin.error().detail;
}
std::optional<std::string> ppp_credentials_content(std::string_view text) {
  std::string why;
  if (ppp::parse_credentials(text, why)) return std::nullopt;
  return why;
}

std::optional<std::string> bearer_token_content(std::string_view text) {
  auto token = parse_bearer_token(text);
  if (token) return std::nullopt;
  return token.error().detail;
}

ValueType T(ValueKind k) {
  return ValueType{k, 0, 0, {}};
}
ValueType Int(std::int64_t min, std::int64_t max) {
  return ValueType{ValueKind::integer, min, max, {}};
}
ValueType Dur(std::int64_t min_ms, std::int64_t max_ms) {
  return ValueType{ValueKind::duration, min_ms, max_ms, {}};
}
ValueType Size(std::int64_t min_bytes, std::int64_t max_bytes) {
  return ValueType{ValueKind::size, min_bytes, max_bytes, {}};
}
constexpr std::int64_t kSec = 1000, kMin = 60 * kSec, kHour = 60 * kMin, kDay = 24 * kHour;

std::vector<SectionSpec> build() {
  using G = GeneralConfig;
  using M = ModemConfig;
  using P = PppConfig;
  using U = UplinkConfig;
  using R = RecoveryConfig;
  using D = DdnsConfig;
  std::vector<SectionSpec> s;

  s.push_back({"general",
               false,
               "Daemon-wide settings.",
               {
                   choice_key("mode", &Config::general, &G::mode,
                              {{"backup-gateway", Mode::backup_gateway}, {"router", Mode::router}}, "backup-gateway",
                              "backup-gateway: the main router sends traffic to the Pi when its wired line fails; "
                              "router: the Pi chooses between the wired gateway and the cellular link."),
                   KeySpec{"log_level",
                           ValueType{ValueKind::choice, 0, 0, {"error", "warning", "notice", "info", "debug"}},
                           "info",
                           false,
                           "Least important messages written to the log.",
                           {},
                           [](Config& c, UplinkConfig*, const Value& v) {
                             c.general.log_level = *parse_level(std::get<std::string>(v));
                           }},
                   {"state_dir",
                    T(ValueKind::path),
                    "/var/lib/failberry",
                    false,
                    "Where the last published address and counters are kept (written atomically).",
                    {},
                    field(&Config::general, &G::state_dir)},
                   {"control_socket",
                    T(ValueKind::path),
                    "/run/failberry/control.sock",
                    false,
                    "Unix socket for failberryctl (mode 0660: root and the socket's group).",
                    {},
                    field(&Config::general, &G::control_socket)},
                   {"lldp_socket",
                    T(ValueKind::path),
                    "/run/lldpd.socket",
                    false,
                    "The control socket of lldpd (its -u), asked every 15 s with lldpcli for the switch and port "
                    "each interface is plugged into (LLDP neighbours in /status and failberryctl status). "
                    "failberryd sends no LLDP itself; without lldpd, /status says \"no LLDP agent\".",
                    {},
                    field(&Config::general, &G::lldp_socket)},
                   {"dry_run",
                    T(ValueKind::boolean),
                    "false",
                    false,
                    "Change nothing outside failberryd (also --dry-run): routes, rules, nftables and sysctl "
                    "changes are logged, not made; no pppd is started (after CONNECT the line is hung up and "
                    "the modem stops with DRY_RUN); no USB power is cut, no reboot, no DDNS request. The modem "
                    "itself is still driven (AT commands, CD-ROM off, PIN, mode switch, a net data session: its "
                    "address is logged, not configured, and no udhcpc is started); a HiLink stick's API is "
                    "read, but mobile data is not switched and the stick not rebooted.",
                    {},
                    field(&Config::general, &G::dry_run)},
               },
               {}});

  s.push_back(
      {"modem",
       false,
       "The USB 3G/4G modem.",
       {
           {"device",
            T(ValueKind::modem_device),
            "auto",
            false,
            "How to find the modem: auto, a tty path, usb:VID:PID, or a USB port path such as 1-1.3 (ttyUSB "
            "numbers are never trusted). With data = hilink, api drives the stick through hilink_url alone, "
            "without looking for it on USB (a stick behind a hub this machine cannot see, a router-mode stick "
            "on another box, a test); the power-cycle rung then needs [recovery] hub and hub_port.",
            {},
            field(&Config::modem, &M::device)},
           {"apn",
            T(ValueKind::apn),
            {},
            false,
            "Access point name given by the carrier. Required when an uplink has kind = ppp or cellular (not with "
            "data = hilink: the stick keeps its own).",
            "internet",
            field(&Config::modem, &M::apn)},
           [] {
             auto [type, set] = choice<std::optional<modem::PdpType>>(
                 {{"ipv4", modem::PdpType::ip}, {"ipv6", modem::PdpType::ipv6}, {"ipv4v6", modem::PdpType::ipv4v6}});
             return KeySpec{"pdp_type",
                            type,
                            {},
                            false,
                            "The data context's address family (+CGDCONT's IP, IPV6 or IPV4V6), for the dial and for "
                            "LTE's initial attach (context 1), which is set to the APN and this type when it "
                            "differs (radio off, write, radio on). Each probe asks the stick which types it lists "
                            "(AT+CGDCONT=?). Unset: ipv4v6 when the stick lists IPV4V6, else ipv4 (an older stick; the "
                            "log and /status modem.pdp_type_reason say so). Written: that type only; a stick that does "
                            "not list it is not attached or dialled with another (PDP_TYPE_UNSUPPORTED, naming what it "
                            "lists). A stick that refuses the question or answers something unreadable is not checked, "
                            "as ModemManager does: a written type is used as written, an unset one is ipv4.",
                            "ipv4v6",
                            [=](Config& c, UplinkConfig*, const Value& v) { set(c.modem.pdp_type, v); }};
           }(),
           secret(KeySpec{"pin_file",
                          T(ValueKind::path),
                          {},
                          false,
                          "File holding the SIM PIN (mode 0600). A wrong PIN is tried at most once per SIM: "
                          "its ICCID is then kept in "
                          "state_dir/sim-pin.json; remove it there after fixing this file.",
                          "/etc/failberry/sim.pin",
                          field(&Config::modem, &M::pin_file)},
                  sim_pin_content),
           choice_key("rat", &Config::modem, &M::rat,
                      {{"auto", modem::RatLock::any}, {"lte", modem::RatLock::lte}, {"lte-3g", modem::RatLock::lte_3g}},
                      "auto",
                      "Radio access technologies the stick may use: auto leaves the stick's own setting, lte "
                      "locks it to LTE, lte-3g to LTE and UMTS (no GSM). Sent after each probe; Huawei "
                      "(^SYSCFGEX) and Quectel (+QCFG=\"nwscanmode\", lte only) can; for other sticks it "
                      "is logged and left."),
           choice_key("profile", &Config::modem, &M::profile,
                      {{"auto", std::optional<modem::Vendor>()},
                       {"generic", modem::Vendor::generic},
                       {"zte", modem::Vendor::zte},
                       {"huawei", modem::Vendor::huawei},
                       {"quectel", modem::Vendor::quectel},
                       {"simcom", modem::Vendor::simcom}},
                      "auto", "Vendor profile; auto picks it from the USB vendor id."),
           choice_key(
               "data", &Config::modem, &M::data,
               {{"auto", std::optional<modem::DataPath>()},
                {"ppp", modem::DataPath::ppp},
                {"net", modem::DataPath::net},
                {"hilink", modem::DataPath::hilink}},
               "auto",
               "How data leaves the modem, for a kind = cellular uplink: ppp (dial, then pppd), net "
               "(the stick's own network interface, e.g. wwan0; the session is started over AT and "
               "the address comes from the modem), hilink (a router-mode stick: no AT port; mobile "
               "data is switched and the stick read through its HTTP API, hilink_url, and the "
               "uplink's interface, named explicitly, gets its address from the stick's DHCP "
               "server); auto: chosen each time the stick is found on USB — hilink for a router-mode stick "
               "(Huawei HiLink 12d1:14db/14dc, ZTE 19d2:1405; see router_api; its interface named, or with interface = "
               "auto found beside it; its API "
               "at hilink_url), ppp when the uplink's interface is a pppN name, net when it names another "
               "one, and with interface = auto net for a stick that prefers it (its interface is there, "
               "or its profile can switch it into a mode with one), else ppp; /status shows the choice and why. The "
               "stick's profile must offer the path (not checked for hilink). net on a Quectel "
               "EC25/EG25-G/EP06 in another USB mode sets ECM (AT+QCFG=\"usbnet\",1) and resets it "
               "once; still not ECM after that is NET_MODE_UNCHANGED, final. A kind = ppp uplink "
               "always dials PPP."),
           {"hilink_url",
            T(ValueKind::token),
            {},
            false,
            "With data = hilink, or auto on a kind = cellular uplink: the stick's HTTP API, "
            "http(s)://host[:port] (no path). Unset: where the router API's sticks answer, "
            "http://192.168.8.1 for huawei (HiLink), http://192.168.0.1 for zte. A value set is always used, "
            "whichever the router API.",
            "http://192.168.8.1",
            field(&Config::modem, &M::hilink_url)},
           secret(KeySpec{"hilink_password_file",
                          T(ValueKind::path),
                          {},
                          false,
                          "With data = hilink, or auto on a kind = cellular uplink: file holding the stick's web "
                          "login password (mode 0600), when it "
                          "has one; the user is admin (a ZTE stick's LOGIN has none). A wrong password is final, like "
                          "a wrong PIN: fix the "
                          "file, then restart failberryd.",
                          "/etc/failberry/hilink.password",
                          field(&Config::modem, &M::hilink_password_file)}),
           choice_key("router_api", &Config::modem, &M::router_api,
                      {{"auto", std::optional<modem::RouterApi>()},
                       {"huawei", modem::RouterApi::huawei},
                       {"zte", modem::RouterApi::zte}},
                      "auto",
                      "With data = hilink, or auto on a kind = cellular uplink: the HTTP API the router-mode "
                      "stick speaks. huawei: HiLink's XML API (/api/..., E3131/E3372h/E8372 in 12d1:14db/14dc); "
                      "zte: the goform JSON API of ZTE router sticks (MF823/MF831/MF833 in 19d2:1405; "
                      "/goform/goform_get_cmd_process and goform_set_cmd_process with the Referer the stick "
                      "checks; CONNECT_NETWORK/DISCONNECT_NETWORK switch mobile data, REBOOT_DEVICE is the modem "
                      "reset rung; a password is sent as the base64 LOGIN of that firmware, while newer "
                      "firmware's SHA-256 login is refused as HILINK_LOGIN_REFUSED naming it). auto: from the "
                      "stick's USB id (its profile row, else its vendor: ZTE zte, Huawei huawei); with device "
                      "= api, from [modem] profile, huawei when that is auto; a stick of another vendor is "
                      "refused until this is set. /status shows the choice and why (modem.router_api, "
                      "router_api_reason)."),
           {"disable_cdrom",
            T(ValueKind::boolean),
            "true",
            false,
            "Switch the stick's CD-ROM (mass-storage) mode off for good when the modem reports it on.",
            {},
            field(&Config::modem, &M::disable_cdrom)},
           {"command_timeout",
            Dur(100, 5 * kMin),
            "5s",
            false,
            "Default time an AT command may take.",
            {},
            field(&Config::modem, &M::command_timeout)},
       },
       {{"", {{"apn", "internet"}}}}});

  s.push_back(
      {"ppp",
       false,
       "The pppd session on the cellular link.",
       {
           {"pppd", T(ValueKind::path), "/usr/sbin/pppd", false, "The pppd binary.", {}, field(&Config::ppp, &P::pppd)},
           {"lcp_echo_interval",
            Dur(kSec, 10 * kMin),
            "10s",
            false,
            "Interval of LCP echo requests.",
            {},
            field(&Config::ppp, &P::lcp_echo_interval)},
           {"lcp_echo_failure",
            Int(1, 100),
            "3",
            false,
            "Unanswered LCP echoes before the link is declared dead.",
            {},
            field(&Config::ppp, &P::lcp_echo_failure)},
           secret(KeySpec{"credentials_file",
                          T(ValueKind::path),
                          {},
                          false,
                          "File with 'user' and 'password' lines for PAP/CHAP (mode 0600), if the carrier needs them.",
                          "/etc/failberry/ppp.secret",
                          field(&Config::ppp, &P::credentials_file)},
                  ppp_credentials_content),
           {"connect_timeout",
            Dur(kSec, 10 * kMin),
            "60s",
            false,
            "Time from dialing (or, on the net data path, starting the session) to the link carrying IP before the "
            "attempt counts as failed.",
            {},
            field(&Config::ppp, &P::connect_timeout)},
       },
       {}});

  s.push_back(
      {"uplink",
       true,
       "One section per uplink, named [uplink.NAME] (NAME: 1-15 of a-z 0-9 _ -).",
       {
           {"interface",
            T(ValueKind::ifname),
            {},
            true,
            "Network interface of the uplink (eth0, ppp0; for kind = cellular on the net data path the stick's own, "
            "e.g. wwan0, or auto: the network interface of the same USB device as the AT port, found in sysfs each "
            "time the data session starts; until one is found the uplink is unbound and /status shows its "
            "interface as \"auto (not found yet)\").",
            "eth0",
            uplink_field(&U::interface)},
           KeySpec{"kind",
                   choice<UplinkKind>(kUplinkKinds).first,
                   "ethernet",
                   false,
                   "ethernet: a wired gateway; ppp: the cellular link that failberryd dials with PPP; cellular: the "
                   "link failberryd brings up through the modem, by the data path [modem] data chooses.",
                   {},
                   [set = choice<UplinkKind>(kUplinkKinds).second](Config&, UplinkConfig* u, const Value& v) {
                     set(u->kind, v);
                   }},
           {"gateway",
            T(ValueKind::address),
            {},
            false,
            "Next hop; required for kind = ethernet, not used for ppp or cellular (the link tells it).",
            "192.168.1.1",
            uplink_field(&U::gateway)},
           {"ipv6",
            T(ValueKind::boolean),
            "false",
            false,
            "Carry IPv6 too. Its global addresses and its default router come from the kernel (router "
            "advertisements, SLAAC): failberryd sets net.ipv6.conf.IF.accept_ra = 2 on this interface, since "
            "with forwarding on the kernel ignores router advertisements otherwise, and never on interfaces it "
            "does not own. Its own table and rules mirror the IPv4 ones, and failberryd's IPv6 default route "
            "follows the IPv4 one on failover and failback; an uplink chosen without usable IPv6 leaves no IPv6 "
            "default of failberryd's. /status shows its IPv6 state. gateway stays the IPv4 next hop.",
            {},
            uplink_field(&U::ipv6)},
           {"priority",
            Int(1, 1000),
            {},
            true,
            "Lower is preferred; each uplink has its own.",
            "10",
            uplink_field(&U::priority)},
           KeySpec{"probe",
                   choice<ProbeMethod>(
                       {{"icmp", ProbeMethod::icmp}, {"http", ProbeMethod::http}, {"dns", ProbeMethod::dns}})
                       .first,
                   "icmp",
                   false,
                   "How reachability is probed through this uplink.",
                   {},
                   [set = choice<ProbeMethod>(
                              {{"icmp", ProbeMethod::icmp}, {"http", ProbeMethod::http}, {"dns", ProbeMethod::dns}})
                              .second](Config&, UplinkConfig* u, const Value& v) { set(u->probe, v); }},
           {"probe_targets",
            T(ValueKind::address_list),
            {},
            false,
            "Addresses probed through this uplink; none: carrier and address only.",
            "192.0.2.53, 198.51.100.53",
            uplink_field(&U::probe_targets)},
           [] {
             auto [type, set] = choice<std::optional<ProbeFamilies>>(
                 {{"ipv4", ProbeFamilies::ipv4}, {"ipv6", ProbeFamilies::ipv6}, {"both", ProbeFamilies::both}});
             return KeySpec{
                 "require",
                 type,
                 {},
                 false,
                 "The probe_targets families that must answer for a round to succeed: ipv4, ipv6 or both "
                 "(reliability targets of each). Unset: ipv4 when probe_targets has an IPv4 address, else ipv6. "
                 "Targets of a family that is not required are still probed and shown in /status. With ipv6 = "
                 "true, IPv6 targets are probed from the uplink's IPv6 side only while it has a global address "
                 "and a router (otherwise they count as unanswered and /status says why). With ipv6 = false "
                 "there are no families: all targets are one pool (reliability of them), and require may only "
                 "be ipv4. Written as ipv6 it also makes the uplink an IPv6-only one: up on its IPv6 alone, with "
                 "no IPv4 address needed; chosen without one it carries IPv6 only, and failberryd has no IPv4 "
                 "default meanwhile (IPv4 then needs the carrier's NAT64/464XLAT).",
                 "both",
                 [=](Config&, UplinkConfig* u, const Value& v) { set(u->require, v); }};
           }(),
           {"probe_interval",
            Dur(500, 10 * kMin),
            "5s",
            false,
            "Time between probe rounds.",
            {},
            uplink_field(&U::probe_interval)},
           {"probe_timeout",
            Dur(100, kMin),
            "2s",
            false,
            "Time a probe may take; less than probe_interval.",
            {},
            uplink_field(&U::probe_timeout)},
           {"up_count",
            Int(1, 100),
            "3",
            false,
            "Successful rounds in a row before the uplink counts as up.",
            {},
            uplink_field(&U::up_count)},
           {"down_count",
            Int(1, 100),
            "3",
            false,
            "Failed rounds in a row before the uplink counts as down.",
            {},
            uplink_field(&U::down_count)},
           {"reliability",
            Int(1, 16),
            "1",
            false,
            "Targets of each required family (require) that must answer for a round to succeed; at most the "
            "number of probe_targets of that family.",
            {},
            uplink_field(&U::reliability)},
           {"quality_window",
            Int(1, 100),
            "10",
            false,
            "Probe rounds over which /status gives the median RTT and the loss of this uplink; the quality "
            "thresholds judge a full window.",
            {},
            uplink_field(&U::quality_window)},
           {"quality_fail_latency",
            Dur(1, kMin),
            {},
            false,
            "Link quality (like mwan3's check_quality): when the median RTT over the window is above this, the "
            "uplink is degraded (HIGH_LATENCY): still usable, but a healthy uplink is preferred to it whatever "
            "the priorities. Unset: latency is not judged. Needs probe_targets.",
            "1000ms",
            uplink_field(&U::quality_fail_latency)},
           {"quality_recover_latency",
            Dur(1, kMin),
            {},
            false,
            "A degraded uplink is healthy again only when the median RTT is at or below this (and the loss at "
            "or below quality_recover_loss); less than quality_fail_latency. Unset: half of quality_fail_latency.",
            "500ms",
            uplink_field(&U::quality_recover_latency)},
           {"quality_fail_loss",
            Int(1, 100),
            {},
            false,
            "Percent of probes lost over the window above which the uplink is degraded (HIGH_LOSS). Unset: loss "
            "is judged only by down_count. Needs probe_targets.",
            "40",
            uplink_field(&U::quality_fail_loss)},
           {"quality_recover_loss",
            Int(0, 99),
            {},
            false,
            "Percent of probes lost at or below which a degraded uplink is healthy again (with the latency); "
            "less than quality_fail_loss; 0: only when nothing is lost. Unset: half of quality_fail_loss.",
            "10",
            uplink_field(&U::quality_recover_loss)},
           {"probe_on_silence",
            Dur(0, kMin),
            "1s",
            false,
            "When the interface has sent packets and received none for this long (its counters, read every "
            "250 ms, which sends nothing), probe at once and back to back until a round passes or the uplink is "
            "down, instead of waiting for probe_interval. An idle uplink sends nothing and is not probed more. "
            "0: off. Only with probe_targets.",
            {},
            uplink_field(&U::probe_on_silence)},
           {"metered",
            T(ValueKind::boolean),
            "false",
            false,
            "Traffic costs money here: only [nat] metered_allow hosts may use it.",
            {},
            uplink_field(&U::metered)},
           {"budget",
            Size(1000, 100'000'000'000'000),
            {},
            false,
            "Data budget per cycle: the bytes in and out of the interface (its kernel counters, so the probes "
            "count too), kept in state_dir/budget.json across restarts and reconnects. Written with kB, MB, GB, "
            "TB (1000^n) or KiB, MiB, GiB, TiB (1024^n). Unset: no budget.",
            "5GB",
            uplink_field(&U::budget)},
           {"budget_cycle_day",
            Int(1, 28),
            "1",
            false,
            "Day of the month on which the budget's count starts again (at local midnight). Needs budget.",
            {},
            uplink_field(&U::budget_cycle_day)},
           {"budget_warn",
            Int(1, 99),
            "80",
            false,
            "Percent of the budget at which a budget_warning event is published. Needs budget.",
            {},
            uplink_field(&U::budget_warn)},
           [] {
             auto [type, set] = choice<BudgetAction>({{"warn", BudgetAction::warn},
                                                      {"allow-list", BudgetAction::allow_list},
                                                      {"stop", BudgetAction::stop}});
             return KeySpec{"budget_action",
                            type,
                            "warn",
                            false,
                            "At the limit: warn only tells (the budget_exhausted event); allow-list forwards only "
                            "[nat] metered_allow hosts out of this uplink; stop forwards nothing out of it. "
                            "failberryd's own traffic (health answers, DDNS, probes) is not forwarded and goes on. "
                            "Needs budget.",
                            {},
                            [=](Config&, UplinkConfig* u, const Value& v) { set(u->budget_action, v); }};
           }(),
           {"probe_interval_idle",
            Dur(500, kHour),
            {},
            false,
            "Time between probe rounds while this uplink is metered (metered or budget) and does not carry the "
            "default route: probing slower on standby costs less. At least probe_interval. Unset: "
            "probe_interval.",
            "60s",
            uplink_field(&U::probe_interval_idle)},
           {"serve_status",
            T(ValueKind::boolean),
            "false",
            false,
            "Answer /status and /metrics to requests that arrive on this uplink's interface (status_allow "
            "still applies). Off: only /health is answered there, since a carrier's other subscribers share "
            "its address ranges.",
            {},
            uplink_field(&U::serve_status)},
       },
       {{"wired", {{"interface", "eth0"}, {"gateway", "192.168.1.1"}, {"priority", "20"}}},
        {"cellular", {{"interface", "ppp0"}, {"kind", "ppp"}, {"priority", "10"}, {"metered", "true"}}}}});

  s.push_back({"failover",
               false,
               "Choosing the default route.",
               {
                   {"failback_hold",
                    Dur(0, kDay),
                    "60s",
                    false,
                    "How long a preferred uplink must stay up before traffic moves back to it.",
                    {},
                    field(&Config::failover, &FailoverConfig::failback_hold)},
                   {"flush_conntrack",
                    T(ValueKind::boolean),
                    "true",
                    false,
                    "Drop the connection-tracking entries of a dead uplink so established flows move.",
                    {},
                    field(&Config::failover, &FailoverConfig::flush_conntrack)},
               },
               {}});

  s.push_back({"nat",
               false,
               "Forwarding and masquerading LAN traffic out of the uplinks (one nftables table, inet failberry).",
               {
                   {"enabled",
                    T(ValueKind::boolean),
                    "true",
                    false,
                    "Masquerade and forward LAN traffic.",
                    {},
                    field(&Config::nat, &NatConfig::enabled)},
                   {"lan_interface",
                    T(ValueKind::ifname),
                    "eth0",
                    false,
                    "Interface facing the LAN hosts (may be a wired uplink's interface in backup-gateway mode).",
                    {},
                    field(&Config::nat, &NatConfig::lan_interface)},
                   {"metered_allow",
                    T(ValueKind::cidr_list),
                    {},
                    false,
                    "LAN hosts or networks allowed to use metered uplinks; unset: all.",
                    "192.168.1.20/32, 192.168.1.64/28",
                    field(&Config::nat, &NatConfig::metered_allow)},
                   {"masquerade_ipv6",
                    T(ValueKind::boolean),
                    "false",
                    false,
                    "Also masquerade IPv6 (NAT66) out of the uplinks with ipv6 = true. Off: IPv6 is forwarded "
                    "as it is, which works where the uplink routes a prefix to us (the LAN's addresses are in it); "
                    "LAN addresses from another uplink's prefix are dropped by the carrier, so turn this on only "
                    "when the backup uplink routes no prefix to the LAN. Needs enabled and an uplink with "
                    "ipv6 = true.",
                    {},
                    field(&Config::nat, &NatConfig::masquerade_ipv6)},
               },
               {}});

  s.push_back({"health",
               false,
               "The HTTP endpoint for Route53 health checks (/health), /status and /metrics.",
               {
                   {"enabled",
                    T(ValueKind::boolean),
                    "true",
                    false,
                    "Serve the HTTP endpoint.",
                    {},
                    field(&Config::health, &HealthConfig::enabled)},
                   {"listen",
                    T(ValueKind::address_list),
                    "0.0.0.0, ::",
                    false,
                    "Addresses to listen on.",
                    {},
                    field(&Config::health, &HealthConfig::listen)},
                   {"port", Int(1, 65535), "9000", false, "TCP port.", {}, field(&Config::health, &HealthConfig::port)},
                   {"status_allow",
                    T(ValueKind::cidr_list),
                    "127.0.0.0/8, ::1/128, 192.168.0.0/16, fc00::/7",
                    false,
                    "Who may read /status and /metrics (others get 403), on the LAN or loopback; a request "
                    "arriving on an uplink is refused unless that uplink has serve_status = true. Add your "
                    "LAN's range when it is in 10.0.0.0/8 or 172.16.0.0/12 (not by default: on a carrier's "
                    "network those are other subscribers).",
                    {},
                    field(&Config::health, &HealthConfig::status_allow)},
                   {"request_timeout",
                    Dur(100, kMin),
                    "2s",
                    false,
                    "Deadline for reading one request.",
                    {},
                    field(&Config::health, &HealthConfig::request_timeout)},
                   {"max_connections",
                    Int(4, 10000),
                    "256",
                    false,
                    "Concurrent connections; the oldest idle one is closed first.",
                    {},
                    field(&Config::health, &HealthConfig::max_connections)},
                   choice_key("heartbeat", &Config::heartbeat, &HeartbeatConfig::kind,
                              {{"none", Heartbeat::none}, {"cloudwatch", Heartbeat::cloudwatch}}, "none",
                              "A push heartbeat for uplinks a health check cannot reach (carrier-grade NAT): "
                              "cloudwatch puts the metric UplinkUp (1 up, 0 down; dimension Uplink = the "
                              "uplink's name) into CloudWatch every heartbeat_interval, for a Route53 health "
                              "check on a CloudWatch alarm."),
                   {"heartbeat_interval",
                    Dur(10 * kSec, kHour),
                    "60s",
                    false,
                    "How often the heartbeat is sent.",
                    {},
                    field(&Config::heartbeat, &HeartbeatConfig::interval)},
                   {"heartbeat_region",
                    T(ValueKind::token),
                    {},
                    false,
                    "AWS region of the CloudWatch metrics (heartbeat = cloudwatch).",
                    "eu-west-1",
                    field(&Config::heartbeat, &HeartbeatConfig::region)},
                   {"heartbeat_namespace",
                    T(ValueKind::token),
                    "failberry",
                    false,
                    "CloudWatch namespace of the metrics.",
                    {},
                    field(&Config::heartbeat, &HeartbeatConfig::metric_namespace)},
                   secret(KeySpec{"heartbeat_credentials_file",
                                  T(ValueKind::path),
                                  {},
                                  false,
                                  "AWS access key id and secret key allowed cloudwatch:PutMetricData (mode 0600; "
                                  "the format of [ddns] credentials_file).",
                                  "/etc/failberry/heartbeat.credentials",
                                  field(&Config::heartbeat, &HeartbeatConfig::credentials_file)}),
                   {"heartbeat_endpoint",
                    T(ValueKind::https_url),
                    {},
                    false,
                    "CloudWatch endpoint instead of https://monitoring.<region>.amazonaws.com (a VPC "
                    "endpoint, a test server).",
                    "https://monitoring.eu-west-1.amazonaws.com",
                    field(&Config::heartbeat, &HeartbeatConfig::endpoint)},
                   {"heartbeat_ca_file",
                    T(ValueKind::path),
                    {},
                    false,
                    "CA bundle for the heartbeat's TLS verification instead of the system's.",
                    "/etc/ssl/certs/ca-certificates.crt",
                    field(&Config::heartbeat, &HeartbeatConfig::ca_file)},
               },
               {}});

  s.push_back(
      {"ddns",
       false,
       "Dynamic DNS for the cellular address.",
       {
           choice_key(
               "provider", &Config::ddns, &D::provider,
               {{"none", std::optional<ddns::Provider>()},
                {"lambda-v1", ddns::Provider::lambda_v1},
                {"lambda-v2", ddns::Provider::lambda_v2},
                {"lambda-v3", ddns::Provider::lambda_v3},
                {"route53", ddns::Provider::route53}},
               "none",
               "none, the AWS Lambda reference API generation (lambda-v1, lambda-v2, lambda-v3), or route53 directly."),
           choice_key("families", &Config::ddns, &D::families,
                      {{"ipv4", DdnsFamilies::ipv4}, {"ipv6", DdnsFamilies::ipv6}, {"both", DdnsFamilies::both}},
                      "ipv4",
                      "Which records are kept current: ipv4 (the A record), ipv6 (AAAA) or both, each with its own "
                      "state. ipv6 publishes the uplink's global IPv6 address (not link-local, not ULA, not "
                      "deprecated, not a temporary privacy address); it needs provider = route53 or lambda-v2 "
                      "(whose API takes the record type from the source address of a request sent over IPv6). "
                      "lambda-v1 and lambda-v3 keep A records only."),
           {"url",
            T(ValueKind::https_url),
            {},
            false,
            "API URL (lambda-*). With route53: the Route53 API endpoint instead of AWS's "
            "https://route53.amazonaws.com (a proxy endpoint of your own, or a test server).",
            "https://abc123.lambda-url.eu-west-1.on.aws/",
            field(&Config::ddns, &D::url)},
           {"hostname",
            T(ValueKind::hostname),
            {},
            false,
            "The record kept current.",
            "home.dyn.example.com",
            field(&Config::ddns, &D::hostname)},
           secret(KeySpec{"secret_file",
                          T(ValueKind::path),
                          {},
                          false,
                          "Shared secret of the Lambda API (mode 0600).",
                          "/etc/failberry/ddns.secret",
                          field(&Config::ddns, &D::secret_file)}),
           secret(KeySpec{"api_key_file",
                          T(ValueKind::path),
                          {},
                          false,
                          "x-api-key for lambda-v2 stacks deployed with an API key (mode 0600).",
                          "/etc/failberry/ddns.apikey",
                          field(&Config::ddns, &D::api_key_file)}),
           {"uplink",
            T(ValueKind::token),
            {},
            false,
            "Uplink whose address is published; requests leave through it. Default: the ppp uplink.",
            "cellular",
            field(&Config::ddns, &D::uplink)},
           {"interval",
            Dur(kMin, kDay),
            "15m",
            false,
            "How often the published record is verified.",
            {},
            field(&Config::ddns, &D::interval)},
           {"zone_id",
            T(ValueKind::token),
            {},
            false,
            "Route53 hosted zone id (route53).",
            "Z0123456789ABCDEFGHIJ",
            field(&Config::ddns, &D::zone_id)},
           {"ttl", Int(1, 86400), "60", false, "Record TTL in seconds (route53).", {}, field(&Config::ddns, &D::ttl)},
           secret(KeySpec{"credentials_file",
                          T(ValueKind::path),
                          {},
                          false,
                          "AWS access key id and secret key (route53, mode 0600).",
                          "/etc/failberry/aws.credentials",
                          field(&Config::ddns, &D::credentials_file)}),
           {"ca_file",
            T(ValueKind::path),
            {},
            false,
            "CA bundle for TLS verification instead of the system's.",
            "/etc/ssl/certs/ca-certificates.crt",
            field(&Config::ddns, &D::ca_file)},
           {"publish_behind_nat",
            T(ValueKind::boolean),
            "no",
            false,
            "Publish the record also when the uplink is behind carrier-grade NAT (its address in "
            "100.64.0.0/10, or RFC 1918 on a ppp or cellular uplink), where it points at the carrier, not at "
            "this Pi. With no, the record is not published and /status says why.",
            {},
            field(&Config::ddns, &D::publish_behind_nat)},
       },
       {}});

  s.push_back({"recovery",
               false,
               "The recovery ladder: redial, modem reset, USB power cycle, reboot.",
               {
                   {"redial_attempts",
                    Int(0, 100),
                    "3",
                    false,
                    "Redials before the modem is reset.",
                    {},
                    field(&Config::recovery, &R::redial_attempts)},
                   {"reset_attempts",
                    Int(0, 100),
                    "2",
                    false,
                    "Modem resets before the USB port is power-cycled.",
                    {},
                    field(&Config::recovery, &R::reset_attempts)},
                   {"power_cycle_attempts",
                    Int(0, 100),
                    "2",
                    false,
                    "USB power cycles before a reboot is considered.",
                    {},
                    field(&Config::recovery, &R::power_cycle_attempts)},
                   {"backoff_initial",
                    Dur(100, kHour),
                    "5s",
                    false,
                    "First wait between attempts; doubles per attempt.",
                    {},
                    field(&Config::recovery, &R::backoff_initial)},
                   {"backoff_max",
                    Dur(kSec, kDay),
                    "10m",
                    false,
                    "Longest wait between attempts.",
                    {},
                    field(&Config::recovery, &R::backoff_max)},
                   {"stable_after",
                    Dur(kSec, kDay),
                    "10m",
                    false,
                    "Time online after which the ladder starts from the bottom again.",
                    {},
                    field(&Config::recovery, &R::stable_after)},
                   {"hub",
                    T(ValueKind::hub_location),
                    "auto",
                    false,
                    "Hub whose port is power-cycled: auto (the modem's own) or a location like 1-1.",
                    {},
                    field(&Config::recovery, &R::hub)},
                   {"hub_port",
                    Int(1, 15),
                    {},
                    false,
                    "Port on `hub` to power-cycle (on a Raspberry Pi 2B/3B/3B+ only port 2 switches).",
                    "2",
                    field(&Config::recovery, &R::hub_port)},
                   {"reboot_allowed",
                    T(ValueKind::boolean),
                    "false",
                    false,
                    "May failberryd reboot the Pi as the last rung.",
                    {},
                    field(&Config::recovery, &R::reboot_allowed)},
                   {"reboot_max_per_day",
                    Int(1, 24),
                    "2",
                    false,
                    "Reboots allowed in 24 hours.",
                    {},
                    field(&Config::recovery, &R::reboot_max_per_day)},
               },
               {}});

  s.push_back(
      {"alerts",
       false,
       "Telling people what happened: each event (failover, failback, an uplink up or down, DDNS, ...) "
       "runs the hooks and may be posted to a webhook or sent as a text message. See README, \"Events and hooks\".",
       {
           {"hooks_dir",
            T(ValueKind::path),
            "/etc/failberry/hooks.d",
            false,
            "Every executable file in it runs for each event, one at a time in name order, without a shell, "
            "with the event in FB_* environment variables. Refused (with a log line) unless owned by root "
            "and not writable by group or others; a missing directory runs nothing.",
            {},
            field(&Config::alerts, &AlertsConfig::hooks_dir)},
           {"hook_timeout",
            Dur(100, 10 * kMin),
            "10s",
            false,
            "How long a hook may run: then SIGTERM, and SIGKILL 2 s later.",
            {},
            field(&Config::alerts, &AlertsConfig::hook_timeout)},
           {"webhook_url",
            T(ValueKind::http_url),
            {},
            false,
            "Where each chosen event is POSTed as JSON (text and message: one sentence; event, uplink, "
            "from, to, reason, address, duration_ms, time, host, dry_run; title), by the main routing table, so "
            "over the active uplink; ntfy-style and Slack-style endpoints take it as is. Retried with "
            "backoff on connection errors, timeouts, 408, 429 and 5xx (Retry-After honoured, at most 5 min); "
            "other answers are not retried. Up to 32 events wait; then the oldest is dropped. Only "
            "scheme://host[:port] is shown in the log and /status (the path may be a secret). Dry-run "
            "posts too, with dry_run: true. See README, \"Webhook\".",
            "https://ntfy.sh/mytopic?tpl=1&t={{.title}}&m={{.message}}",
            field(&Config::alerts, &AlertsConfig::webhook_url)},
           secret(KeySpec{"webhook_token_file",
                          T(ValueKind::path),
                          {},
                          false,
                          "File holding a bearer token for webhook_url (mode 0600): sent as "
                          "Authorization: Bearer TOKEN, never logged or shown.",
                          "/etc/failberry/webhook.token",
                          field(&Config::alerts, &AlertsConfig::webhook_token_file)},
                  bearer_token_content),
           KeySpec{"webhook_events",
                   T(ValueKind::event_list),
                   "failover, failback, uplink_down, uplink_up, modem_error, reboot_scheduled",
                   false,
                   "The event kinds posted to webhook_url (README, \"Events and hooks\"), or all.",
                   {},
                   [](Config& c, UplinkConfig*, const Value& v) {
                     c.alerts.webhook_events = event_list_kinds(std::get<std::string>(v));
                   }},
           KeySpec{"sms_to",
                   T(ValueKind::phone_list),
                   {},
                   false,
                   "Phone numbers (international form, + then 6 to 15 digits, comma-separated, at most 5) that get "
                   "a short text through the modem (SMS text mode) for the events in sms_events: the one channel "
                   "that still works when the data plan is used up. Needs the modem's AT port (kind = ppp or "
                   "cellular, not data = hilink). A text waits while the modem dials, connects or resets, and "
                   "while pppd holds a single-port stick's only AT port. Dry-run sends none and logs what would "
                   "go. See README, \"SMS alerts\".",
                   "+15550100, +447700900123",
                   [](Config& c, UplinkConfig*, const Value& v) {
                     c.alerts.sms_to = phone_list_numbers(std::get<std::string>(v));
                   }},
           KeySpec{"sms_events",
                   T(ValueKind::event_list),
                   "failover, failback",
                   false,
                   "The event kinds that send a text to sms_to (README, \"Events and hooks\"), or all.",
                   {},
                   [](Config& c, UplinkConfig*, const Value& v) {
                     c.alerts.sms_events = event_list_kinds(std::get<std::string>(v));
                   }},
           {"sms_min_interval",
            Dur(30 * kSec, kDay),
            "10m",
            false,
            "At most one text per number in this time: the first goes at once; events in the meantime are "
            "coalesced into the next text (\"failberry pi (UTC): wired down 14:02, now cellular; wired back 14:05\").",
            {},
            field(&Config::alerts, &AlertsConfig::sms_min_interval)},
           {"sms_daily_limit",
            Int(1, 100),
            "10",
            false,
            "Texts per number in any 24 hours, failed ones included; a text over the limit is dropped, logged "
            "and counted (/status alerts.sms.dropped_daily_limit).",
            {},
            field(&Config::alerts, &AlertsConfig::sms_daily_limit)},
       },
       {}});
  return s;
}

}  // namespace

const KeySpec* SectionSpec::find(std::string_view k) const {
  for (const KeySpec& spec : keys)
    if (spec.key == k) return &spec;
  return nullptr;
}

const std::vector<SectionSpec>& schema() {
  static const std::vector<SectionSpec> table = build();
  return table;
}

const SectionSpec* find_section(std::string_view name) {
  for (const SectionSpec& s : schema())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace fb::core
