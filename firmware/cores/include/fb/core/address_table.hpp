// AddressTable: which addresses each configured uplink's interface holds,
// kept from the kernel's link and address events (fb::net::NetEvent) on top
// of one dump. Bookkeeping, not a decision core: it decides nothing, it
// answers "whose address is this?" (the HTTP endpoint's arrival uplink) and
// says when an uplink's primary IPv4 address changes (the DDNS scheduler's
// AddressChanged/AddressLost).
//
// Contract: pure — no fds, no clocks, no Asio; single-threaded. Interfaces
// are keyed by ifindex (names come from the dump and from link events, so a
// rename moves the addresses with it); uplinks name their interface. Every
// mutator returns the uplinks whose primary IPv4 changed, in config order.
// Addresses are kept in the kernel's order; the primary IPv4 is the first
// IPv4 address of the interface — the kernel lists a subnet's primary before
// its secondaries and promotes the next one when the primary goes
// (promote_secondaries), which is what removing the first entry models.
// Adding an address already held, or removing one not held, changes nothing
// (netlink repeats itself; events queued before the dump overlap it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fb/net/events.hpp"
#include "fb/net_types.hpp"

namespace fb::core {

class AddressTable {
 public:
  struct Interface {
    int ifindex = 0;
    std::string name;
    std::vector<IpAddress> addresses;  // kernel order, IPv4 and IPv6
  };
  struct Change {
    std::string uplink;
    std::optional<IpAddress> primary;  // the uplink's primary IPv4 now; nothing: it has none
  };
  using Uplinks = std::vector<std::pair<std::string, std::string>>;  // uplink name, interface name

  std::vector<Change> set_uplinks(Uplinks uplinks);
  // Replaces everything known with a fresh dump (at start, after EventsLost).
  std::vector<Change> reset(std::vector<Interface> dump);
  std::vector<Change> apply(const fb::net::NetEvent& event);
  // An address event may name an ifindex no dump or link event has shown yet;
  // the caller looks its name up and tells us first.
  bool knows(int ifindex) const { return interfaces_.count(ifindex) != 0; }
  std::vector<Change> name_interface(int ifindex, std::string name);

  // The uplink whose interface holds `local`; "" when none does.
  std::string uplink_of(const IpAddress& local) const;
  std::optional<IpAddress> primary_ipv4(const std::string& uplink) const;
  std::vector<IpAddress> addresses(const std::string& uplink) const;
  const std::string& interface_of(const std::string& uplink) const;
  // The uplinks' names, in config order.
  std::vector<std::string> uplink_names() const;

 private:
  using Primaries = std::vector<std::optional<IpAddress>>;  // per uplink, config order
  Primaries primaries() const;
  std::vector<Change> changes_since(const Primaries& before) const;
  const Interface* find(const std::string& name) const;

  Uplinks uplinks_;
  std::map<int, Interface> interfaces_;
};

// An address with the kernel's IFA_F_* flags (fb::net::KernelView::Address).
struct FlaggedAddress {
  IpAddress address;
  std::uint32_t flags = 0;
};

// Whether an address is global unicast IPv6: not unspecified, loopback,
// IPv4-mapped, link-local (fe80::/10), unique-local (fc00::/7: not routed on
// the internet) or multicast. The one definition: what DDNS publishes and
// what makes an uplink's IPv6 usable (NetworkService) agree. Pure.
bool is_global_ipv6(const IpAddress& address);

// The IPv6 address DDNS publishes as an uplink's AAAA record: the first one,
// in the kernel's order, that is global (is_global_ipv6()) and neither deprecated (its preferred
// lifetime is over: the prefix is leaving), temporary (an RFC 4941 privacy
// address, replaced every day or so; the stable one is what a DNS name
// should point at), tentative nor duplicate (DAD has not passed). Nothing
// when there is none. Pure.
std::optional<IpAddress> publishable_ipv6(const std::vector<FlaggedAddress>& addresses);

}  // namespace fb::core
