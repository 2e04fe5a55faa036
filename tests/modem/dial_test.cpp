// Dialing, the pure part: the commands a plan becomes and what the dial
// command's final result means.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "fb/modem/dial.hpp"
#include "fb/modem/profile.hpp"
#include "table.hpp"

using namespace fb::modem;
using fb::at::classify_final;

TEST_CASE("dial plan: the commands") {
  DialPlan plan;
  plan.apn = "internet.example";
  auto c = dial_commands(plan);
  REQUIRE(c);
  CHECK(c->define_context == "AT+CGDCONT=1,\"IP\",\"internet.example\"");
  CHECK(c->dial == "ATD*99#");
  plan.cid = 3;
  plan.pdp_type = PdpType::ipv4v6;
  plan.dial = "ATD*99***3#";
  c = dial_commands(plan);
  REQUIRE(c);
  CHECK(c->define_context == "AT+CGDCONT=3,\"IPV4V6\",\"internet.example\"");
  CHECK(c->dial == "ATD*99***3#");
}

TEST_CASE("dial plan: what cannot be sent is refused, not fixed") {
  auto refused = [](DialPlan plan) {
    auto c = dial_commands(plan);
    return !c && c.code() == Code::bad_dial_settings;
  };
  DialPlan ok;
  ok.apn = "web";
  CHECK_FALSE(refused(ok));
  for (const char* apn : {"", "we\"b", "web;+CFUN=0", "we\rb",
                          "w\xc3\xa9"
                          "b"}) {
    DialPlan p = ok;
    p.apn = apn;
    CHECK_MESSAGE(refused(p), apn);
  }
  DialPlan p = ok;
  p.apn = std::string(101, 'a');
  CHECK(refused(p));
  for (const char* dial : {"", "ATZ", "AT+CFUN=1,1", "ATD*99#;+CFUN=0", "ATD\r"}) {
    p = ok;
    p.dial = dial;
    CHECK_MESSAGE(refused(p), dial);
  }
  CHECK(parse_pdp_type("PPP").code() == Code::bad_dial_settings);  // the one way a PDP type comes from text
  p = ok;
  p.cid = 0;
  CHECK(refused(p));
}

TEST_CASE("PDP type: a typed value with the +CGDCONT words, anything else refused") {
  struct Row {
    const char* text;
    std::optional<PdpType> type;
  };
  for (auto row :
       {Row{"IP", PdpType::ip}, Row{"IPV6", PdpType::ipv6}, Row{"IPV4V6", PdpType::ipv4v6}, Row{"ip", PdpType::ip},
        Row{"Ipv4v6", PdpType::ipv4v6}, Row{"PPP", std::nullopt}, Row{"IPV4", std::nullopt}, Row{"", std::nullopt},
        Row{"IP ", std::nullopt}, Row{"IP\";+CFUN=0", std::nullopt}, Row{"IPV4V6IPV4V6IPV4V6", std::nullopt}}) {
    CAPTURE(row.text);
    auto t = parse_pdp_type(row.text);
    REQUIRE(t.ok() == row.type.has_value());
    if (t)
      CHECK(*t == *row.type);
    else
      CHECK(t.code() == Code::bad_dial_settings);
  }
  for (auto type : {PdpType::ip, PdpType::ipv6, PdpType::ipv4v6}) {
    CAPTURE(cgdcont_text(type));
    CHECK(parse_pdp_type(cgdcont_text(type)).value() == type);  // round trip
    DialPlan plan;
    plan.apn = "internet";
    plan.pdp_type = type;
    auto c = dial_commands(plan);
    REQUIRE(c);
    CHECK(c->define_context == "AT+CGDCONT=1,\"" + std::string(cgdcont_text(type)) + "\",\"internet\"");
  }
}

TEST_CASE("network-interface session: the profile's templates filled in, the plan checked as for PPP") {
  DialPlan plan;
  plan.apn = "internet.example";
  plan.cid = 2;
  plan.pdp_type = PdpType::ipv4v6;
  auto hw = net_session_commands(profile(Vendor::huawei).net, plan);
  REQUIRE(hw);
  CHECK(hw->define_context == "AT+CGDCONT=2,\"IPV4V6\",\"internet.example\"");
  CHECK(hw->connect == "AT^NDISDUP=2,1,\"internet.example\"");
  CHECK(hw->disconnect == "AT^NDISDUP=2,0");
  CHECK(hw->status == "AT^NDISSTATQRY?");
  CHECK(hw->address == "AT^DHCP?");
  plan.cid = 1;
  auto generic = net_session_commands(profile(Vendor::generic).net, plan);
  REQUIRE(generic);
  CHECK(generic->connect == "AT+CGACT=1,1");
  CHECK(generic->disconnect == "AT+CGACT=0,1");
  CHECK(generic->status == "AT+CGACT?");
  CHECK(generic->address.empty());  // the interface's address comes by DHCP
  CHECK(profile(Vendor::generic).net.address_form == NetAddressForm::dhcp);
  CHECK(profile(Vendor::huawei).net.address_form == NetAddressForm::huawei_dhcp);
  CHECK(net_session_commands(profile(Vendor::zte).net, plan)->connect == "AT+ZGACT=1,1");
  CHECK(net_session_commands(profile(Vendor::quectel).net, plan)->connect == "AT+QNETDEVCTL=1,1,1");
  CHECK(net_session_commands(profile(Vendor::simcom).net, plan)->connect == "AT$QCRMCALL=1,1");

  // What dial_commands() refuses, this refuses too.
  for (const char* apn : {"", "we\"b", "web;+CFUN=0", "we\rb",
                          "w\xc3\xa9"
                          "b"}) {
    DialPlan p = plan;
    p.apn = apn;
    auto c = net_session_commands(profile(Vendor::huawei).net, p);
    REQUIRE_FALSE(c);
    CHECK(c.code() == Code::bad_dial_settings);
    CHECK_FALSE(dial_commands(p));
  }
  DialPlan p = plan;
  p.cid = 25;
  CHECK(net_session_commands(profile(Vendor::huawei).net, p).code() == Code::bad_dial_settings);
  // A profile without a net path, or with a broken template.
  CHECK(net_session_commands(NetCommands{}, plan).code() == Code::bad_dial_settings);
  NetCommands broken{"AT^NDISDUP={cid},1,{apn}", "AT^NDISDUP={cid},0"};
  CHECK(net_session_commands(broken, plan).code() == Code::bad_dial_settings);
}

TEST_CASE("command templates: what template_problem() refuses") {
  for (const char* good : {"", "AT+CGACT=1,{cid}", "AT^NDISDUP={cid},1,\"{apn}\"", "AT^NDISSTATQRY?", "AT$QCRMCALL=1,1",
                           "AT+QNETDEVCTL=1,{cid},1"}) {
    CAPTURE(good);
    CHECK_FALSE(template_problem(good));
  }
  for (const char* bad : {"AT", "+CGACT=1,1", "at+cgact=1,1", "AT+CGACT=1,1;+CFUN=0", "AT^NDISDUP=1,1,{apn}",
                          "AT^NDISDUP=1,1,\"x{apn}\"", "AT^NDISDUP=1,1,\"{apn}", "AT+X={user}", "AT+X={cid",
                          "AT+X=cid}", "AT+X=\"open", "AT+X=1\r", "AT+X=\xc3\xa9"}) {
    CAPTURE(bad);
    CHECK(template_problem(bad));
  }
  CHECK(template_problem(std::string(81, 'A').insert(1, "T")));
}

TEST_CASE("dial outcome: CONNECT and every way a dial fails") {
  struct Row {
    const char* line;
    bool connected;
    Code code;
  };
  for (auto row : {Row{"CONNECT", true, Code::no_modem}, Row{"CONNECT 7200000", true, Code::no_modem},
                   Row{"NO CARRIER", false, Code::no_carrier}, Row{"BUSY", false, Code::busy},
                   Row{"NO DIALTONE", false, Code::no_dialtone}, Row{"NO DIAL TONE", false, Code::no_dialtone},
                   Row{"NO ANSWER", false, Code::no_answer}, Row{"ERROR", false, Code::at_error},
                   Row{"+CME ERROR: 30", false, Code::no_network}, Row{"+CME ERROR: 133", false, Code::pdp_rejected},
                   Row{"+CME ERROR: 149", false, Code::pdp_auth_failed}, Row{"+CME ERROR: 3", false, Code::not_allowed},
                   Row{"OK", false, Code::at_bad_response}}) {
    CAPTURE(row.line);
    auto final = classify_final(row.line);
    REQUIRE(final);
    auto outcome = dial_outcome(*final);
    CHECK(outcome.ok() == row.connected);
    if (!row.connected) {
      CHECK(outcome.code() == row.code);
      CHECK(outcome.error().detail.find(row.line) != std::string::npos);
    }
  }
  auto connect = classify_final("CONNECT 7200000");
  REQUIRE(connect);
  CHECK(dial_outcome(*connect).value().find("7200000") != std::string::npos);
}

TEST_CASE("net session: the status answer, read as the profile's form says, for the session's context") {
  struct Row {
    NetStatusForm form;
    const char* answer;
    int cid;
    bool readable;
    bool connected;
  };
  const Row rows[] = {
      // ^NDISSTATQRY? answers and the ^NDISSTAT URC (ModemManager's forms).
      {NetStatusForm::huawei_ndisstat, "^NDISSTATQRY: 1,,,\"IPV4\",0,,,\"IPV6\"", 1, true, true},
      {NetStatusForm::huawei_ndisstat, "^NDISSTATQRY: 0,,,\"IPV4\",0,,,\"IPV6\"", 1, true, false},
      {NetStatusForm::huawei_ndisstat, "^NDISSTAT: 0,33,,\"IPV4\"", 1, true, false},
      {NetStatusForm::huawei_ndisstat, "^NDISSTAT: 2,,,\"IPV4\"", 1, true, false},  // connecting
      {NetStatusForm::huawei_ndisstat, "^NDISSTATQRY: fine", 1, false, false},
      // +CGACT?: the line of the session's context decides; none is "not active".
      {NetStatusForm::cgact, "+CGACT: 1,1\n+CGACT: 2,0", 1, true, true},
      {NetStatusForm::cgact, "+CGACT: 1,1\n+CGACT: 2,0", 2, true, false},
      {NetStatusForm::cgact, "", 1, true, false},
      {NetStatusForm::cgact, "+CGACT: one,1", 1, false, false},
      {NetStatusForm::none, "+CGACT: 1,1", 1, false, false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.answer);
    auto c = net_session_connected(r.form, r.answer, r.cid);
    REQUIRE(c.ok() == r.readable);
    if (r.readable)
      CHECK(*c == r.connected);
    else
      CHECK(c.code() == Code::at_bad_response);
  }
}

TEST_CASE("net session: the address, with its prefix and gateway, or words for what is missing") {
  auto hw = net_session_address(NetAddressForm::huawei_dhcp,
                                "^DHCP: 16007e0a,fcffffff,15007e0a,15007e0a,6537480a,64ff480a,7200000,384000", 1);
  REQUIRE(hw);
  CHECK(hw->address->text() == "10.126.0.22");
  CHECK(*hw->prefix_length == 30);
  CHECK(hw->gateway->text() == "10.126.0.21");
  CHECK(hw->dns1->text() == "10.72.55.101");

  auto contrdp =
      net_session_address(NetAddressForm::cgcontrdp,
                          "+CGCONTRDP: 2,6,\"other\",10.1.1.2.255.255.255.0,10.1.1.1\n"
                          "+CGCONTRDP: 1,5,\"internet\",10.64.12.34.255.255.255.248,10.64.12.33,10.64.0.1,10.64.0.2",
                          1);
  REQUIRE(contrdp);
  CHECK(contrdp->address->text() == "10.64.12.34");
  CHECK(*contrdp->prefix_length == 29);
  CHECK(contrdp->gateway->text() == "10.64.12.33");

  struct Bad {
    NetAddressForm form;
    const char* answer;
    const char* words;
  };
  const Bad bad[] = {
      {NetAddressForm::huawei_dhcp, "^DHCP: 16007e0a,fcffffff", "session address:"},
      {NetAddressForm::huawei_dhcp, "^DHCP: 0,fcffffff,15007e0a,15007e0a,0,0", "no address"},
      {NetAddressForm::huawei_dhcp, "^DHCP: 16007e0a,fcffffff,0,0,0,0", "without a gateway"},
      {NetAddressForm::cgcontrdp, "", "no IPv4 address for context 1"},
      {NetAddressForm::cgcontrdp, "+CGCONTRDP: 2,5,\"internet\",10.1.1.2.255.255.255.0,10.1.1.1", "context 1"},
      {NetAddressForm::cgcontrdp, "+CGCONTRDP: 1,5,\"internet\",10.1.1.2", "without a subnet mask"},
      {NetAddressForm::none, "^DHCP: 16007e0a,fcffffff,15007e0a,15007e0a,0,0", "no address query"},
      {NetAddressForm::dhcp, "+CGCONTRDP: 1,5,\"internet\",10.64.12.34.255.255.255.248,10.64.12.33", "by DHCP"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.answer);
    auto a = net_session_address(b.form, b.answer, 1);
    REQUIRE_FALSE(a);
    CHECK(a.code() == Code::at_bad_response);
    CHECK(a.error().detail.find(b.words) != std::string::npos);
  }
}

TEST_CASE("which data path a dial takes: [modem] data, the interface's name for auto, what the stick offers") {
  CHECK(ppp_unit("ppp0") == 0);
  CHECK(ppp_unit("ppp12") == 12);
  for (const char* other : {"ppp", "pppoe", "eth0", "wwan0", "ppp0a", "ppp1234567890", ""}) {
    CAPTURE(other);
    CHECK_FALSE(ppp_unit(other));
  }
  using P = DataPath;
  const DataPathChoice both{{P::ppp, P::net}, P::ppp};
  const DataPathChoice ppp_only{{P::ppp}, P::ppp};
  const DataPathChoice hilink{{P::hilink}, P::hilink};
  CHECK(choose_data_path(std::nullopt, "ppp0", both, "stick").value() == P::ppp);
  CHECK(choose_data_path(std::nullopt, "wwan0", both, "stick").value() == P::net);
  CHECK(choose_data_path(P::net, "wwan0", both, "stick").value() == P::net);
  CHECK(choose_data_path(P::ppp, "ppp1", ppp_only, "stick").value() == P::ppp);
  auto refused = choose_data_path(std::nullopt, "wwan0", ppp_only, "19d2:0117 MF190, MF180");
  REQUIRE_FALSE(refused);
  CHECK(refused.code() == Code::bad_dial_settings);
  CHECK(refused.error().detail ==
        "[modem] data = auto and interface = wwan0 needs the net data path, but 19d2:0117 MF190, MF180 offers ppp");
  CHECK(choose_data_path(P::hilink, "usb0", hilink, "stick").code() == Code::bad_dial_settings);
  CHECK(choose_data_path(P::net, "wwan0", DataPathChoice{}, "stick").error().detail.find("offers nothing") !=
        std::string::npos);
}

TEST_CASE("data = auto: the path for the stick found, from its USB id and the uplink's interface") {
  using P = DataPath;
  struct Row {
    UsbId id;               // the stick discovery found
    std::string interface;  // [uplink] interface
    bool net_interface;     // its network interface is beside it now
    P path;
    std::string why;
  };
  const std::vector<Row> rows = {
      // HiLink sticks: the API path, whatever the interface says.
      {{0x12d1, 0x14dc}, "auto", true, P::hilink, "auto: HiLink stick 12d1:14dc E3131, E3372h, E8372 HiLink"},
      {{0x12d1, 0x14db}, "usb0", true, P::hilink, "auto: HiLink stick 12d1:14db E3131, E3372h, E8372 HiLink"},
      {{0x19d2, 0x1405}, "auto", true, P::hilink, "auto: HiLink stick 19d2:1405 MF823, MF833N (router mode)"},
      // The uplink names a PPP interface: PPP (the defaults of a 3G setup).
      {{0x19d2, 0x0117}, "ppp0", false, P::ppp, "auto: interface = ppp0 is PPP"},
      {{0x12d1, 0x1506}, "ppp0", true, P::ppp, "auto: interface = ppp0 is PPP"},
      // It names another one: the stick's own (net), as before.
      {{0x2c7c, 0x0125}, "wwan0", false, P::net, "auto: interface = wwan0 is the stick's own"},
      // interface = auto: the stick's preference, when its interface is there.
      {{0x12d1, 0x1506},
       "auto",
       true,
       P::net,
       "auto: 12d1:1506 E3131, E3372h (modem/NCM) prefers net, its interface is there"},
      {{0x12d1, 0x1506},
       "auto",
       false,
       P::ppp,
       "auto: 12d1:1506 E3131, E3372h (modem/NCM) prefers net but has no network interface; PPP"},
      {{0x12d1, 0x155e}, "auto", true, P::net, "auto: 12d1:155e E3372h-320 (NCM) prefers net, its interface is there"},
      {{0x19d2, 0x0117}, "auto", false, P::ppp, "auto: 19d2:0117 MF190, MF180 prefers PPP"},
      {{0x2c7c, 0x0125}, "auto", true, P::ppp, "auto: 2c7c:0125 EC25, EG25-G prefers PPP"},
  };
  for (const Row& row : rows) {
    CAPTURE(to_string(row.id));
    CAPTURE(row.interface);
    auto m = find_modem(row.id);
    REQUIRE(m);
    AutoPathFacts facts;
    facts.offered = data_paths(*m->profile, m->model);
    facts.stick = to_string(row.id) + " " + std::string(m->model->models);
    facts.interface = row.interface;
    facts.net_interface = row.net_interface;
    facts.net_mode_switch = !m->profile->net_mode.query.empty();
    PathChoice c = choose_auto_path(facts);
    CHECK(c.path == row.path);
    CHECK(c.why == row.why);
    // What auto chose is always a path the stick offers.
    CHECK(facts.offered.supported.has(c.path));
  }
  // A module that prefers net and can be switched into a mode with an interface.
  AutoPathFacts quectel_like;
  quectel_like.offered = {{P::ppp, P::net}, P::net};
  quectel_like.stick = "2c7c:0125";
  quectel_like.interface = "auto";
  quectel_like.net_mode_switch = true;
  CHECK(choose_auto_path(quectel_like) ==
        PathChoice{P::net, "auto: 2c7c:0125 prefers net (its network mode is switched on)"});
  // A tty outside USB with the generic profile.
  AutoPathFacts tty;
  tty.offered = profile(Vendor::generic).paths;
  tty.stick = "(generic profile)";
  tty.interface = "auto";
  CHECK(choose_auto_path(tty).path == P::ppp);
}

TEST_CASE("Quectel usbnet table: the mode from verbatim +QCFG answers; anything else refused") {
  const NetModeSwitch& q = profile(Vendor::quectel).net_mode;
  struct Row {
    const char* answer;
    const char* mode;
  };
  // Verbatim: an EC25 on a Raspberry Pi (atcom, echo on), the Seeed guide's
  // "+QCFG: "usbnet",0," with its trailing comma, and a module in ECM.
  for (const Row& row :
       {Row{"AT+QCFG=\"usbnet\"\r\n\r\n+QCFG: \"usbnet\",0\r\n\r\nOK", "0"}, Row{"+QCFG: \"usbnet\",0,\r\nOK", "0"},
        Row{"+QCFG: \"usbnet\",1\r\nOK", "1"}, Row{"\r\n+QCFG: \"usbnet\",3\r\n", "3"}}) {
    for (const std::string& text : fb::test::line_end_variants(row.answer)) {
      CAPTURE(text);
      auto mode = net_mode_of(q, text);
      REQUIRE(mode);
      CHECK(*mode == row.mode);
    }
  }
  for (const char* hostile : {"OK", "+QCFG: \"usbnet\",", "+QCFG: \"usbnet\",x", "+QCFG: \"nwscanmode\",0",
                              "+QCFG: \"usbnet\",123456789", ""}) {
    CAPTURE(hostile);
    auto bad = net_mode_of(q, hostile);
    REQUIRE_FALSE(bad);
    CHECK(bad.code() == Code::at_bad_response);
  }
  // A profile without a switch has no prefix to look for.
  CHECK(net_mode_of(profile(Vendor::huawei).net_mode, "+QCFG: \"usbnet\",0").code() == Code::at_bad_response);
}
