// parse_lldpcli_json0(): lldpcli's json0 answers, verbatim where we have
// them, and what must not crash or invent a neighbour.
#include <doctest/doctest.h>

#include <string>

#include "fb/health/lldp.hpp"

using fb::health::LldpParseError;
using fb::health::parse_lldpcli_json0;

namespace {

// Verbatim (whitespace folded): lldpd 1.0.16 on Debian 12, `lldpcli -f json0
// show neighbors details` with one neighbour, hostname sw1, port description
// Gi0/7, on veth la.
const char* kOneNeighbor =
    R"({"lldp": [{"interface": [{"name": "la", "via": "LLDP", "rid": "1", "age": "0 day, 00:00:03", "chassis": [{"id": )"
    R"([{"type": "mac", "value": "8e:69:98:27:90:2d"}], "name": [{"value": "sw1"}], "descr": [{"value": "Debian )"
    R"(GNU/Linux 12 (bookworm) Linux 6.18.44-fc-v1300 #1 SMP PREEMPT_DYNAMIC @0 x86_64"}], "mgmt-ip": [{"value": )"
    R"("fe80::8c69:98ff:fe27:902d"}], "mgmt-iface": [{"value": "7"}], "capability": [{"type": "Bridge", "enabled": )"
    R"(false}, {"type": "Router", "enabled": false}, {"type": "Wlan", "enabled": false}, {"type": "Station", )"
    R"("enabled": true}]}], "port": [{"id": [{"type": "mac", "value": "8e:69:98:27:90:2d"}], "descr": [{"value": )"
    R"("Gi0/7"}], "ttl": [{"value": "4"}], "auto-negotiation": [{"supported": false, "enabled": false, "current": )"
    R"([{"value": "10GbaseT - Four-pair Category 6A or better, full duplex mode only"}]}]}]}]}]})";

// Two neighbours, one a switch port with VLANs: the "vlan" entries as
// lldpd's display_vlans() writes them (vlan-id, pvid on the native one, the
// name as value).
const char* kTwoWithVlans = R"({"lldp": [{"interface": [
  {"name": "eth0", "age": "0 day, 01:02:03",
   "chassis": [{"id": [{"type": "mac", "value": "00:11:22:33:44:55"}], "name": [{"value": "sw-floor2"}],
                "mgmt-ip": [{"value": "10.0.0.2"}]}],
   "port": [{"id": [{"type": "ifname", "value": "Gi0/7"}], "descr": [{"value": "office pi"}]}],
   "vlan": [{"vlan-id": "10", "pvid": true, "value": "users"}, {"vlan-id": "20", "value": "voice"}]},
  {"name": "eth1",
   "chassis": [{"id": [{"type": "mac", "value": "66:77:88:99:aa:bb"}]}],
   "port": [{"id": [{"type": "mac", "value": "66:77:88:99:aa:bb"}]}]}
]}]})";

}  // namespace

TEST_CASE("lldpd's own answer: interface, switch name, ids, port, management address") {
  auto r = parse_lldpcli_json0(kOneNeighbor);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  const auto& n = (*r)[0];
  CHECK(n.interface == "la");
  CHECK(n.system_name == "sw1");
  CHECK(n.chassis_id == "mac 8e:69:98:27:90:2d");
  CHECK(n.port_id == "mac 8e:69:98:27:90:2d");
  CHECK(n.port_description == "Gi0/7");
  CHECK(n.management_ip == "fe80::8c69:98ff:fe27:902d");
  CHECK(n.age == "0 day, 00:00:03");
  CHECK(n.vlans.empty());
  CHECK_FALSE(n.pvid);
}

TEST_CASE("VLANs and the native one; a neighbour without a name keeps its ids") {
  auto r = parse_lldpcli_json0(kTwoWithVlans);
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].system_name == "sw-floor2");
  CHECK((*r)[0].port_id == "ifname Gi0/7");
  CHECK((*r)[0].port_description == "office pi");
  CHECK((*r)[0].vlans == std::vector<int>{10, 20});
  CHECK((*r)[0].pvid == 10);
  CHECK((*r)[1].interface == "eth1");
  CHECK((*r)[1].system_name.empty());
  CHECK((*r)[1].chassis_id == "mac 66:77:88:99:aa:bb");
}

TEST_CASE("no neighbour at all is an empty list, not an error") {
  for (const char* none : {R"({"lldp": [{}]})", R"({"lldp": []})"}) {
    CAPTURE(none);
    auto r = parse_lldpcli_json0(none);
    REQUIRE(r);
    CHECK(r->empty());
  }
}

TEST_CASE("what is not lldpcli's json0: a clear error, never a neighbour") {
  struct Row {
    const char* text;
    LldpParseError code;
  };
  for (const Row& row : {
           Row{"", LldpParseError::bad_json},
           Row{"Error: unable to connect to lldpd daemon", LldpParseError::bad_json},
           Row{R"({"lldp": [{"interface": [)", LldpParseError::bad_json},
           Row{R"([1, 2])", LldpParseError::bad_shape},
           Row{R"({"lldp": {"interface": {"la": {}}}})", LldpParseError::bad_shape},  // plain json, not json0
           Row{R"({"lldp": [{"interface": [{"via": "LLDP"}]}]})", LldpParseError::bad_shape},
           Row{R"({"lldp": [{"interface": "la"}]})", LldpParseError::bad_shape},
           Row{R"({"lldp": [7]})", LldpParseError::bad_shape},
       }) {
    CAPTURE(row.text);
    auto r = parse_lldpcli_json0(row.text);
    REQUIRE_FALSE(r);
    CHECK(r.code() == row.code);
    CHECK_FALSE(r.error().detail.empty());
  }
}

TEST_CASE("a neighbour's own strings are cleaned and bounded; odd values are skipped, not trusted") {
  std::string hostile = std::string(R"({"lldp": [{"interface": [{"name": "eth0", "chassis": [{"name": [{"value": ")") +
                        "evil\\u001b[2J\\nFAILBERRY OK" + std::string(400, 'x') +
                        R"("}]}], "port": [{"descr": [{"value": 42}]}], "vlan": [{"vlan-id": "4095"}, )" +
                        R"({"vlan-id": "x1"}, {"vlan-id": "7", "pvid": "yes"}, 9]}]}]})";
  auto r = parse_lldpcli_json0(hostile);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  const auto& n = (*r)[0];
  CHECK(n.system_name.size() <= 128 + 3);  // then "..."
  CHECK(n.system_name.find('\n') == std::string::npos);
  CHECK(n.system_name.find('\x1b') == std::string::npos);
  CHECK(n.port_description.empty());      // not a string
  CHECK(n.vlans == std::vector<int>{7});  // 4095 and "x1" are no VLAN ids
  CHECK_FALSE(n.pvid);                    // "yes" as a string is not lldpd's boolean
}
