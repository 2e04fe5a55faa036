// The kernel's network events as values (what NetlinkMonitor delivers).
//
// Contract: plain values, no I/O, so the decision cores may take them without
// linking libnl or Asio. describe() gives the one-line log form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "fb/net/address.hpp"
#include "fb/net/routing.hpp"

namespace fb::net {

struct LinkEvent {
  bool removed = false;  // RTM_DELLINK
  int ifindex = 0;
  std::string name;
  bool admin_up = false;  // IFF_UP
  bool carrier = false;   // IFF_LOWER_UP: the driver says the link can pass packets
};

struct AddressEvent {
  bool removed = false;
  int ifindex = 0;
  IpAddress address;  // the interface's own (IFA_LOCAL)
  int prefix_length = 0;
  std::optional<IpAddress> peer;  // the far end of a point-to-point link (ppp), when set
  std::uint32_t flags = 0;        // IFA_F_* as the kernel reports them (IPv6: deprecated, temporary, tentative)
};

struct RouteEvent {
  bool removed = false;
  bool replaced = false;  // RTM_NEWROUTE with NLM_F_REPLACE: a route changed in place
  Route route;            // ifindex filled in, device left empty
};

// The socket overflowed (ENOBUFS) and events were lost: re-read what you track.
struct EventsLost {};

using NetEvent = std::variant<LinkEvent, AddressEvent, RouteEvent, EventsLost>;

std::string describe(const NetEvent& event);

}  // namespace fb::net
