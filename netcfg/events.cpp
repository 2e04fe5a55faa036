#include "fb/net/events.hpp"

namespace fb::net {

namespace {
struct Describe {
  std::string operator()(const LinkEvent& e) const {
    std::string s = "link " + e.name + " (" + std::to_string(e.ifindex) + ") ";
    if (e.removed) return s + "removed";
    if (!e.admin_up) return s + "down";
    return s + (e.carrier ? "up, carrier" : "up, no carrier");
  }
  std::string operator()(const AddressEvent& e) const {
    std::string s = "address " + e.address.text() + "/" + std::to_string(e.prefix_length);
    if (e.peer) s += " peer " + e.peer->text();
    return s + (e.removed ? " removed from" : " added on") + " ifindex " + std::to_string(e.ifindex);
  }
  std::string operator()(const RouteEvent& e) const {
    const Route& r = e.route;
    std::string s = std::string("route ") +
                    (e.removed    ? "removed"
                     : e.replaced ? "replaced"
                                  : "added") +
                    ": " + (r.destination.is_default() ? "default" : r.destination.text());
    if (r.gateway) s += " via " + r.gateway->text();
    if (r.ifindex) s += " ifindex " + std::to_string(r.ifindex);
    return s + " table " + std::to_string(r.table) + " metric " + std::to_string(r.metric) + " proto " +
           std::to_string(r.protocol);
  }
  std::string operator()(const EventsLost&) const { return "netlink socket overflowed: events lost, re-read state"; }
};
}  // namespace

std::string describe(const NetEvent& event) {
  return std::visit(Describe{}, event);
}

}  // namespace fb::net
