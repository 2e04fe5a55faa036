#include "lab_state.hpp"

namespace fb::net::test {

std::vector<Status> apply_full_state(System& system) {
  auto ip = [](const char* text) { return *IpAddress::parse(text); };
  UplinkSlot a = *UplinkSlot::at(0), b = *UplinkSlot::at(1);
  FirewallSpec firewall;
  firewall.uplinks = {{"a", "fbw0", false, a.mark()}, {"b", "fbw1", true, b.mark()}};
  firewall.health_port = 9000;
  std::vector<Status> results{
      system.replace_route(*main_default_route({ip("192.0.2.1"), "fbw0"})),
      system.replace_route(*uplink_default_route(a, {ip("192.0.2.1"), "fbw0"})),
      system.replace_route(*uplink_default_route(b, {ip("198.51.100.1"), "fbw1"})),
      system.add_rule(main_routes_rule(AF_INET)),
      system.add_rule(mark_rule(a, AF_INET)),
      system.add_rule(mark_rule(b, AF_INET)),
      system.add_rule(*source_rule(a, ip("192.0.2.2"))),
      system.add_rule(*source_rule(b, ip("198.51.100.2"))),
      system.apply_firewall(firewall),
      system.set_sysctl(*rp_filter("fbw0", RpFilter::loose)),
      system.set_sysctl(*rp_filter("fbw1", RpFilter::loose)),
  };
  std::erase_if(results, [](const Status& s) { return s.ok(); });
  return results;
}

}  // namespace fb::net::test
