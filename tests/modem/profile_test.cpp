// Vendor profiles, the quirk table, the stable error codes, and the
// mode-switch messages byte for byte against usb_modeswitch's documented hex
// (shared/reference/PROTOCOLS.md §4).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "fb/at/error.hpp"
#include "fb/modem/dial.hpp"
#include "fb/modem/profile.hpp"
#include "fb/usb/modeswitch.hpp"

using namespace fb::modem;
using fb::modem::SwitchMethod;

TEST_CASE("every error code has a stable SCREAMING_CASE name that round-trips") {
  std::set<std::string> names;
  for (int i = 0; i < kCodeCount; ++i) {
    auto code = static_cast<Code>(i);
    std::string name(code_name(code));
    CAPTURE(name);
    CHECK(name != "UNKNOWN");
    for (char c : name) CHECK(((c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9')));
    CHECK(code_from_string(name) == code);
    names.insert(name);
  }
  CHECK(names.size() == static_cast<std::size_t>(kCodeCount));
  for (const char* required : {"NO_MODEM", "SIM_MISSING", "SIM_PIN_REQUIRED", "SIM_PIN_WRONG", "SIM_PUK_REQUIRED",
                               "REG_DENIED", "AT_TIMEOUT", "MODEM_GONE", "MODESWITCH_FAILED"})
    CHECK(names.count(required) == 1);
  CHECK_FALSE(code_from_string("SIM_OK"));
  CHECK(describe(Error{Code::at_timeout, "AT+CSQ (5000 ms)"}) == "AT_TIMEOUT: AT+CSQ (5000 ms)");
  CHECK(describe(Error{Code::modem_gone, ""}) == "MODEM_GONE");
}

TEST_CASE("Result holds a value or an error") {
  Result<int> good(7);
  REQUIRE(good);
  CHECK(*good == 7);
  Result<int> bad(Code::at_bad_response, "x");
  CHECK_FALSE(bad);
  CHECK(bad.code() == Code::at_bad_response);
  CHECK(bad.error().detail == "x");
  Result<void> done;
  CHECK(done.ok());
  Result<void> failed(Code::no_modem);
  CHECK(failed.code() == Code::no_modem);
}

TEST_CASE("modem-mode lookups by VID:PID give the profile, ports and CD-ROM control") {
  struct Row {
    UsbId id;
    Vendor vendor;
    PortMap ports;
    CdromControl cdrom;
  };
  using By = PortMap::By;
  const PortMap huawei{By::interface_protocol, 0x02, 0x01};
  const std::vector<Row> rows = {
      {{0x19d2, 0x0117}, Vendor::zte, {By::interface_number, 1, 2}, CdromControl::zte_zcdrun},
      {{0x19d2, 0x0031}, Vendor::zte, {By::interface_number, 1, 3}, CdromControl::zte_zcdrun},
      {{0x19d2, 0x2003}, Vendor::zte, {By::interface_number, 1, 3}, CdromControl::zte_zcdrun},
      {{0x19d2, 0x0124}, Vendor::zte, {By::interface_number, 1, 4}, CdromControl::zte_zcdrun},
      {{0x12d1, 0x1001}, Vendor::huawei, huawei, CdromControl::huawei_u2diag},
      {{0x12d1, 0x1436}, Vendor::huawei, huawei, CdromControl::huawei_u2diag},
      {{0x12d1, 0x1c05}, Vendor::huawei, huawei, CdromControl::huawei_u2diag},
      {{0x12d1, 0x1506}, Vendor::huawei, huawei, CdromControl::huawei_setport},
      {{0x12d1, 0x15b1}, Vendor::huawei, huawei, CdromControl::huawei_setport},
      {{0x12d1, 0x14db}, Vendor::huawei, PortMap{}, CdromControl::none},
  };
  for (const auto& row : rows) {
    CAPTURE(to_string(row.id));
    auto m = find_modem(row.id);
    REQUIRE(m);
    CHECK(m->profile->vendor == row.vendor);
    CHECK(m->model->ports == row.ports);
    CHECK(m->model->cdrom == row.cdrom);
    CHECK_FALSE(find_storage(row.id));  // an id is a modem or a disk, never both
  }
  CHECK_FALSE(find_modem({0x19d2, 0x2000}));
  CHECK_FALSE(find_modem({0x1234, 0x5678}));
  CHECK(to_string(UsbId{0x19d2, 0x0117}) == "19d2:0117");
}

TEST_CASE("storage-mode lookups and the storage -> modem mapping") {
  auto zte = find_storage({0x19d2, 0x2000});
  REQUIRE(zte);
  CHECK(zte->profile->vendor == Vendor::zte);
  CHECK(zte->model->method == SwitchMethod::standard_eject_zte);
  CHECK(switches_to({0x19d2, 0x2000}, {0x19d2, 0x0031}));
  CHECK(switches_to({0x19d2, 0x2000}, {0x19d2, 0x0117}));
  CHECK(switches_to({0x19d2, 0x2000}, {0x19d2, 0x2003}));
  CHECK_FALSE(switches_to({0x19d2, 0x2000}, {0x19d2, 0x0124}));  // PROTOCOLS.md: not in 2000's list
  CHECK(switches_to({0x19d2, 0x0149}, {0x19d2, 0x0124}));
  CHECK(switches_to({0x19d2, 0x0150}, {0x19d2, 0x0124}));
  CHECK(switches_to({0x19d2, 0x1224}, {0x19d2, 0x0082}));
  CHECK(switches_to({0x19d2, 0x0154}, {0x19d2, 0x0017}));

  auto hw = find_storage({0x12d1, 0x1446});
  REQUIRE(hw);
  CHECK(hw->model->method == SwitchMethod::huawei_new_mode);
  for (std::uint16_t t : {0x1001, 0x1436, 0x140c, 0x14ac, 0x1506}) CHECK(switches_to({0x12d1, 0x1446}, {0x12d1, t}));
  CHECK(switches_to({0x12d1, 0x1c0b}, {0x12d1, 0x1c05}));
  CHECK(switches_to({0x12d1, 0x1557}, {0x12d1, 0x14a5}));
  CHECK(switches_to({0x12d1, 0x14b5}, {0x12d1, 0x14aa}));
  CHECK(switches_to({0x12d1, 0x1c24}, {0x12d1, 0x1c23}));
  CHECK(switches_to({0x12d1, 0x15ca}, {0x12d1, 0x1506}));
  CHECK(switches_to({0x12d1, 0x151a}, {0x12d1, 0x151d}));
  CHECK(switches_to({0x12d1, 0x15ce}, {0x12d1, 0x15b3}));
  CHECK(switches_to({0x12d1, 0x15d0}, {0x12d1, 0x15d1}));
  CHECK_FALSE(switches_to({0x12d1, 0x1446}, {0x19d2, 0x1001}));  // other vendor
  CHECK_FALSE(switches_to({0x12d1, 0x9999}, {0x12d1, 0x1001}));  // unknown storage id
  // The E3372h's storage ids switch like the older sticks; it comes back as
  // HiLink or as a stick with AT ports, whichever its firmware is.
  for (std::uint16_t storage : {0x1f01, 0x157d}) {
    auto lte = find_storage({0x12d1, storage});
    REQUIRE(lte);
    CHECK(lte->model->method == SwitchMethod::huawei_new_mode);
    for (std::uint16_t target : {0x14db, 0x14dc, 0x1506, 0x155e})
      CHECK(switches_to({0x12d1, storage}, {0x12d1, target}));
    CHECK_FALSE(switches_to({0x12d1, storage}, {0x12d1, 0x1001}));
  }
  CHECK(fb::usb::switch_messages(SwitchMethod::unsupported).empty());

  // Every target of every storage row is a known modem of the same profile.
  for (Vendor v : {Vendor::zte, Vendor::huawei})
    for (const auto& s : profile(v).storage)
      for (auto product : s.targets) {
        CAPTURE(to_string(s.id));
        CAPTURE(product);
        auto m = find_modem({s.id.vendor, product});
        REQUIRE(m);
        CHECK(m->profile == &profile(v));
      }
}

TEST_CASE("profiles: vendor fallback, reset and CD-ROM commands") {
  CHECK(profile_for(0x19d2).vendor == Vendor::zte);
  CHECK(profile_for(0x12d1).vendor == Vendor::huawei);
  CHECK(profile_for(0x1199).vendor == Vendor::generic);
  CHECK(profile(Vendor::generic).reset == "AT+CFUN=1,1");
  CHECK(profile(Vendor::huawei).reset == "AT^RESET");
  CHECK(profile(Vendor::zte).reset == "AT+CFUN=1,1");
  CHECK(to_string(Vendor::huawei) == "huawei");

  const CdromCommands* zte = cdrom_commands(CdromControl::zte_zcdrun);
  REQUIRE(zte);
  CHECK(zte->query == "AT+ZCDRUN=4");
  CHECK(zte->disable == "AT+ZCDRUN=8");
  const CdromCommands* u2 = cdrom_commands(CdromControl::huawei_u2diag);
  REQUIRE(u2);
  CHECK(u2->query == "AT^U2DIAG?");
  CHECK(u2->query_prefix == "^U2DIAG:");
  CHECK(u2->disable == "AT^U2DIAG=0");
  CHECK(cdrom_commands(CdromControl::huawei_setport)->query == "AT^SETPORT?");
  CHECK_FALSE(cdrom_commands(CdromControl::none));

  auto sp = huawei::parse_setport("^SETPORT:A1,A2;1,16,3,2,A1,A2");
  REQUIRE(sp);
  CHECK(setport_disable_command(*sp) == "AT^SETPORT=\"FF;1,16,3,2\"");
  sp = huawei::parse_setport("^SETPORT:A1,A2;A1,A2");
  REQUIRE(sp);
  CHECK_FALSE(setport_disable_command(*sp));

  auto urcs = generic_urcs();
  CHECK(std::find(urcs.begin(), urcs.end(), "+CREG:") != urcs.end());
  CHECK(std::find(urcs.begin(), urcs.end(), "RING") != urcs.end());
  auto hw = profile(Vendor::huawei).urcs;
  CHECK(std::find(hw.begin(), hw.end(), "^RSSI:") != hw.end());
  CHECK(std::find(hw.begin(), hw.end(), "^DSFLOWRPT:") != hw.end());
  auto z = profile(Vendor::zte).urcs;
  CHECK(std::find(z.begin(), z.end(), "+ZUSIMR:") != z.end());
}

TEST_CASE("RAT locks: Huawei ^SYSCFGEX for lte and lte-3g, Quectel nwscanmode for lte, nothing for auto") {
  using fb::modem::RatLock;
  const auto& huawei = fb::modem::profile(fb::modem::Vendor::huawei);
  const auto& quectel = fb::modem::profile(fb::modem::Vendor::quectel);
  CHECK(rat_command(huawei, RatLock::lte) == "AT^SYSCFGEX=\"03\",3FFFFFFF,2,4,7FFFFFFFFFFFFFFF,,");
  CHECK(rat_command(huawei, RatLock::lte_3g) == "AT^SYSCFGEX=\"0302\",3FFFFFFF,2,4,7FFFFFFFFFFFFFFF,,");
  CHECK(rat_command(quectel, RatLock::lte) == "AT+QCFG=\"nwscanmode\",3,1");
  CHECK(rat_command(quectel, RatLock::lte_3g).empty());
  for (const auto* p : fb::modem::all_profiles()) {
    CAPTURE(p->name);
    CHECK(rat_command(*p, RatLock::any).empty());  // auto sends nothing, on any stick
    for (auto lock : {RatLock::lte, RatLock::lte_3g}) {
      auto c = rat_command(*p, lock);
      CHECK((c.empty() || !fb::modem::template_problem(c)));  // one printable AT command, no placeholders
    }
  }
  CHECK(rat_command(fb::modem::profile(fb::modem::Vendor::generic), RatLock::lte).empty());
  CHECK(to_string(RatLock::lte_3g) == "lte-3g");
}

TEST_CASE("the quirk table: one row per model and symptom, looked up by VID:PID") {
  for (const auto& q : quirk_table()) {
    CAPTURE(to_string(q.id));
    CHECK_FALSE(q.why.empty());
    if (q.quirk == Quirk::init_command) CHECK(q.command.rfind("AT", 0) == 0);
  }
  CHECK(has_quirk({0x19d2, 0x0117}, Quirk::init_command));  // vendor-wide row
  auto zte = quirks_for({0x19d2, 0x0031});
  REQUIRE(zte.size() == 1);
  CHECK(zte[0]->command == "AT+CPMS?");
  CHECK(has_quirk({0x12d1, 0x14db}, Quirk::no_at_port));
  CHECK(has_quirk({0x12d1, 0x14dc}, Quirk::no_at_port));
  CHECK_FALSE(has_quirk({0x12d1, 0x1001}, Quirk::no_at_port));
  CHECK(has_quirk({0x12d1, 0x1573}, Quirk::no_getportmode));
  CHECK(has_quirk({0x12d1, 0x1003}, Quirk::control_request_switch));
  CHECK(quirks_for({0x1199, 0x68a3}).empty());
  CHECK(to_string(Quirk::no_at_port) == "no-at-port");
}

TEST_CASE("data paths: the model row's when it has them, else the profile's") {
  struct Row {
    UsbId id;
    Vendor vendor;
    DataPaths supported;
    DataPath preferred;
  };
  using P = DataPath;
  const std::vector<Row> rows = {
      {{0x12d1, 0x1506}, Vendor::huawei, {P::ppp, P::net}, P::net},  // E3372h stick firmware
      {{0x12d1, 0x155e}, Vendor::huawei, {P::net}, P::net},          // E3372h-320 NCM
      {{0x12d1, 0x14db}, Vendor::huawei, {P::hilink}, P::hilink},
      {{0x12d1, 0x14dc}, Vendor::huawei, {P::hilink}, P::hilink},
      {{0x19d2, 0x1405}, Vendor::zte, {P::hilink}, P::hilink},       // MF823/MF833N router mode
      {{0x12d1, 0x1436}, Vendor::huawei, {P::ppp, P::net}, P::ppp},  // E173: the profile's, PPP first
      {{0x19d2, 0x0117}, Vendor::zte, {P::ppp, P::net}, P::ppp},
      {{0x2c7c, 0x0125}, Vendor::quectel, {P::ppp, P::net}, P::ppp},  // EC25/EG25-G
      {{0x2c7c, 0x0306}, Vendor::quectel, {P::ppp, P::net}, P::ppp},  // EP06
      {{0x1e0e, 0x9001}, Vendor::simcom, {P::ppp, P::net}, P::ppp},   // SIM7600
  };
  for (const auto& row : rows) {
    CAPTURE(to_string(row.id));
    auto m = find_modem(row.id);
    REQUIRE(m);
    CHECK(m->profile->vendor == row.vendor);
    auto paths = data_paths(*m->profile, m->model);
    CHECK(paths.supported == row.supported);
    CHECK(paths.preferred == row.preferred);
  }
  // A stick of a known vendor without a row, and one of an unknown vendor.
  CHECK(data_paths(profile_for(0x12d1), nullptr).preferred == DataPath::ppp);
  CHECK(data_paths(profile_for(0x1199), nullptr) == DataPathChoice{{P::ppp, P::net}, P::ppp});
  CHECK(profile_for(0x2c7c).vendor == Vendor::quectel);
  CHECK(profile_for(0x1e0e).vendor == Vendor::simcom);
  CHECK(to_string(Vendor::quectel) == "quectel");
  CHECK(to_string(Vendor::simcom) == "simcom");
  for (auto p : {P::ppp, P::net, P::hilink}) CHECK(data_path_from_string(to_string(p)) == p);
  CHECK_FALSE(data_path_from_string("auto"));
  CHECK_FALSE(data_path_from_string("NET"));
  // A HiLink-only stick has no AT port; the quirk table says so.
  for (const Profile* p : all_profiles())
    for (const auto& m : p->modems)
      if (m.paths.supported == DataPaths{P::hilink}) {
        CAPTURE(to_string(m.id));
        CHECK(has_quirk(m.id, Quirk::no_at_port));
      }
}

TEST_CASE("router API: each router-mode row names its API; else the vendor's; another vendor none") {
  using A = RouterApi;
  using P = DataPath;
  // Every router-mode-only row says which API it speaks (the table walk).
  for (const Profile* p : all_profiles())
    for (const auto& m : p->modems)
      if (m.paths.supported == DataPaths{P::hilink}) {
        CAPTURE(to_string(m.id));
        CHECK(m.router_api.has_value());
      }
  struct Row {
    UsbId id;
    std::optional<A> api;
  };
  for (const Row& r : {
           Row{{0x19d2, 0x1405}, A::zte},                                    // MF823/MF833N router mode: goform
           Row{{0x12d1, 0x14db}, A::huawei},                                 // E3131/E3372h HiLink
           Row{{0x12d1, 0x14dc}, A::huawei}, Row{{0x19d2, 0x0117}, A::zte},  // a ZTE row without its own: by vendor
           Row{{0x12d1, 0x1506}, A::huawei},                                 // likewise Huawei
       }) {
    CAPTURE(to_string(r.id));
    auto match = find_modem(r.id);
    REQUIRE(match);
    CHECK(router_api_of(*match->profile, match->model) == r.api);
  }
  CHECK_FALSE(router_api_of(profile(Vendor::quectel), nullptr));
  CHECK_FALSE(router_api_of(profile(Vendor::generic), nullptr));
  CHECK(router_api_of(profile(Vendor::zte), nullptr) == A::zte);
  for (auto a : {A::huawei, A::zte}) CHECK(router_api_from_string(to_string(a)) == a);
  CHECK_FALSE(router_api_from_string("auto"));
  CHECK_FALSE(router_api_from_string("ZTE"));
}

TEST_CASE("every profile with a net path has well-formed command templates") {
  DialPlan plan;
  plan.apn = "internet.example";
  int walked = 0;
  CHECK(all_profiles().size() == 5);
  CHECK(all_profiles().front() == &profile(Vendor::generic));
  for (const Profile* p : all_profiles()) {
    CAPTURE(p->name);
    CHECK(&profile(p->vendor) == p);
    CHECK(p->paths.supported.has(p->paths.preferred));
    bool net = p->paths.supported.has(DataPath::net);
    for (const auto& m : p->modems) {
      CAPTURE(to_string(m.id));
      auto paths = data_paths(*p, &m);
      CHECK(paths.supported.has(paths.preferred));  // auto never picks what the stick lacks
      net = net || paths.supported.has(DataPath::net);
    }
    if (!net) continue;
    ++walked;
    const NetCommands& c = p->net;
    CHECK_FALSE(c.connect.empty());
    CHECK_FALSE(c.disconnect.empty());
    for (auto command : {c.connect, c.disconnect, c.status, c.address}) {
      CAPTURE(command);
      CHECK_FALSE(template_problem(command));
    }
    // A status or address command comes with the parser that reads it; an
    // address by DHCP has no command, and every net path has an address.
    CHECK(c.status.empty() == (c.status_form == NetStatusForm::none));
    CHECK(c.address.empty() == (c.address_form == NetAddressForm::none || c.address_form == NetAddressForm::dhcp));
    CHECK(c.address_form != NetAddressForm::none);
    if (!c.status_urc.empty()) CHECK(c.status_urc.back() == ':');
    auto filled = net_session_commands(c, plan);
    REQUIRE(filled);
    for (const auto& command : {filled->define_context, filled->connect, filled->disconnect}) {
      CAPTURE(command);
      CHECK(command.rfind("AT", 0) == 0);
      CHECK(command.find('{') == std::string::npos);
    }
    // The APN goes out only as the quoted string the template asks for.
    bool names_apn = c.connect.find("{apn}") != std::string_view::npos;
    CHECK((filled->connect.find("\"internet.example\"") != std::string::npos) == names_apn);
    // Quoting: an APN that would break out of the string is refused, never sent.
    for (const char* hostile : {"a\"b", "a;b", "a\rb", "a\nAT+CFUN=0", ""}) {
      DialPlan h = plan;
      h.apn = hostile;
      auto refused = net_session_commands(c, h);
      REQUIRE_FALSE(refused);
      CHECK(refused.code() == Code::bad_dial_settings);
    }
  }
  CHECK(walked == 5);
  CHECK(to_string(NetStatusForm::huawei_ndisstat) == "huawei-ndisstat");
  CHECK(to_string(NetAddressForm::cgcontrdp) == "cgcontrdp");
}

TEST_CASE("mode-switch messages match usb_modeswitch's documented hex byte for byte") {
  using fb::usb::to_hex;
  CHECK(to_hex(fb::usb::prevent_allow_medium_removal(0)) ==
        "5553424387654321000000000000061e000000000000000000000000000000");
  CHECK(to_hex(fb::usb::start_stop_unit_eject(0)) == "5553424397654321000000000000061b000000020000000000000000000000");
  CHECK(to_hex(fb::usb::prevent_allow_medium_removal(1)) ==
        "5553424387654321000000000001061e000000000000000000000000000000");
  CHECK(to_hex(fb::usb::start_stop_unit_eject(1)) == "5553424397654321000000000001061b000000020000000000000000000000");
  CHECK(to_hex(fb::usb::huawei_new_mode_message()) == "55534243123456780000000000000011062000000101000100000000000000");
  CHECK(to_hex(fb::usb::zte_message_content()) == "55534243123456702000000080000c85010101180101010101000000000000");

  // Each table row's sequence, in sending order.
  for (Vendor v : {Vendor::zte, Vendor::huawei})
    for (const auto& s : profile(v).storage) {
      CAPTURE(to_string(s.id));
      auto msgs = fb::usb::switch_messages(s.method);
      std::vector<std::string> hex;
      for (const auto& m : msgs) hex.push_back(to_hex(m));
      switch (s.method) {
        case SwitchMethod::standard_eject:
          CHECK(hex == std::vector<std::string>{"5553424387654321000000000000061e000000000000000000000000000000",
                                                "5553424397654321000000000000061b000000020000000000000000000000",
                                                "5553424387654321000000000001061e000000000000000000000000000000",
                                                "5553424397654321000000000001061b000000020000000000000000000000"});
          break;
        case SwitchMethod::standard_eject_zte:
          CHECK(hex == std::vector<std::string>{"5553424387654321000000000000061e000000000000000000000000000000",
                                                "5553424397654321000000000000061b000000020000000000000000000000",
                                                "5553424387654321000000000001061e000000000000000000000000000000",
                                                "5553424397654321000000000001061b000000020000000000000000000000",
                                                "55534243123456702000000080000c85010101180101010101000000000000"});
          break;
        case SwitchMethod::huawei_new_mode:
          CHECK(hex == std::vector<std::string>{"55534243123456780000000000000011062000000101000100000000000000"});
          break;
        case SwitchMethod::unsupported: CHECK(hex.empty()); break;
      }
      for (const auto& m : msgs) CHECK(m.size() == 31);
    }
  CHECK(to_string(SwitchMethod::huawei_new_mode) == "HuaweiNewMode");
}

TEST_CASE("the CBW encoder and the CSW parser") {
  fb::usb::Cbw c;
  c.tag = {1, 2, 3, 4};
  c.data_length = 0x11223344;
  c.data_in = true;
  c.lun = 3;
  c.cb_length = 10;
  c.cb[0] = 0xab;
  c.cb[15] = 0xcd;
  auto bytes = fb::usb::encode(c);
  CHECK(fb::usb::to_hex(bytes) == "55534243010203044433221180030aab0000000000000000000000000000cd");

  std::array<std::uint8_t, 13> csw{'U', 'S', 'B', 'S', 0x87, 0x65, 0x43, 0x21, 0x10, 0, 0, 0, 1};
  auto r = fb::usb::parse_csw(csw);
  REQUIRE(r);
  CHECK(r->tag == std::array<std::uint8_t, 4>{0x87, 0x65, 0x43, 0x21});
  CHECK(r->residue == 16);
  CHECK(r->status == 1);
  csw[3] = 'C';
  CHECK(fb::usb::parse_csw(csw).code() == Code::modeswitch_failed);
  CHECK_FALSE(fb::usb::parse_csw(std::span<const std::uint8_t>(csw.data(), 12)));
}

TEST_CASE("USB network modes: a profile's switch is whole and well-formed; Quectel's is usbnet ECM with CFUN=1,1") {
  int with_switch = 0;
  for (const Profile* p : all_profiles()) {
    CAPTURE(p->name);
    const NetModeSwitch& m = p->net_mode;
    if (m.query.empty()) {
      CHECK(m.set.empty());
      CHECK(m.reset.empty());
      continue;
    }
    ++with_switch;
    CHECK(p->paths.supported.has(DataPath::net));  // a switch only serves the net path
    for (auto command : {m.query, m.set, m.reset}) {
      CAPTURE(command);
      CHECK(command.rfind("AT", 0) == 0);
      CHECK_FALSE(template_problem(command));
    }
    CHECK_FALSE(m.prefix.empty());
    CHECK_FALSE(m.wanted.empty());
    CHECK_FALSE(m.name.empty());
  }
  CHECK(with_switch == 1);
  const NetModeSwitch& q = profile(Vendor::quectel).net_mode;
  CHECK(q.query == "AT+QCFG=\"usbnet\"");
  CHECK(q.prefix == "+QCFG: \"usbnet\",");
  CHECK(q.wanted == "1");
  CHECK(q.set == "AT+QCFG=\"usbnet\",1");
  CHECK(q.reset == "AT+CFUN=1,1");
  CHECK(q.name == "ECM");
}
