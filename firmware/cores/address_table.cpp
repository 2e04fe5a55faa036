#include "fb/core/address_table.hpp"

#include <linux/if_addr.h>

#include <algorithm>

namespace fb::core {

std::vector<AddressTable::Change> AddressTable::set_uplinks(Uplinks uplinks) {
  // Uplinks added or renamed count as changed from "none".
  Primaries before;
  for (const auto& [name, ifname] : uplinks) {
    auto old = std::find_if(uplinks_.begin(), uplinks_.end(), [&](const auto& u) { return u.first == name; });
    before.push_back(old != uplinks_.end() ? primary_ipv4(name) : std::nullopt);
  }
  uplinks_ = std::move(uplinks);
  return changes_since(before);
}

std::vector<AddressTable::Change> AddressTable::reset(std::vector<Interface> dump) {
  Primaries before = primaries();
  interfaces_.clear();
  for (Interface& i : dump) {
    int index = i.ifindex;
    interfaces_[index] = std::move(i);
  }
  return changes_since(before);
}

std::vector<AddressTable::Change> AddressTable::name_interface(int ifindex, std::string name) {
  Primaries before = primaries();
  Interface& i = interfaces_[ifindex];
  i.ifindex = ifindex;
  i.name = std::move(name);
  return changes_since(before);
}

std::vector<AddressTable::Change> AddressTable::apply(const fb::net::NetEvent& event) {
  Primaries before = primaries();
  if (const auto* link = std::get_if<fb::net::LinkEvent>(&event)) {
    if (link->removed) {
      interfaces_.erase(link->ifindex);
    } else {
      Interface& i = interfaces_[link->ifindex];
      i.ifindex = link->ifindex;
      if (!link->name.empty()) i.name = link->name;
    }
  } else if (const auto* a = std::get_if<fb::net::AddressEvent>(&event)) {
    const IpAddress& address = a->address;
    auto it = interfaces_.find(a->ifindex);
    if (a->removed) {
      if (it != interfaces_.end()) std::erase(it->second.addresses, address);
    } else {
      Interface& i = interfaces_[a->ifindex];
      i.ifindex = a->ifindex;
      if (std::find(i.addresses.begin(), i.addresses.end(), address) == i.addresses.end())
        i.addresses.push_back(address);
    }
  }
  // Routes say nothing about addresses; EventsLost is the caller's to answer with reset().
  return changes_since(before);
}

const AddressTable::Interface* AddressTable::find(const std::string& name) const {
  if (name.empty()) return nullptr;
  for (const auto& [index, i] : interfaces_)
    if (i.name == name) return &i;
  return nullptr;
}

std::string AddressTable::uplink_of(const IpAddress& local) const {
  for (const auto& [uplink, ifname] : uplinks_)
    if (const Interface* i = find(ifname))
      if (std::find(i->addresses.begin(), i->addresses.end(), local) != i->addresses.end()) return uplink;
  return "";
}

const std::string& AddressTable::interface_of(const std::string& uplink) const {
  static const std::string none;
  for (const auto& [name, ifname] : uplinks_)
    if (name == uplink) return ifname;
  return none;
}

std::vector<IpAddress> AddressTable::addresses(const std::string& uplink) const {
  const Interface* i = find(interface_of(uplink));
  return i ? i->addresses : std::vector<IpAddress>{};
}

std::optional<IpAddress> AddressTable::primary_ipv4(const std::string& uplink) const {
  for (const IpAddress& a : addresses(uplink))
    if (a.family == AF_INET) return a;
  return std::nullopt;
}

std::vector<std::string> AddressTable::uplink_names() const {
  std::vector<std::string> out;
  out.reserve(uplinks_.size());
  for (const auto& [name, ifname] : uplinks_) out.push_back(name);
  return out;
}

AddressTable::Primaries AddressTable::primaries() const {
  Primaries p;
  for (const auto& [name, ifname] : uplinks_) p.push_back(primary_ipv4(name));
  return p;
}

std::vector<AddressTable::Change> AddressTable::changes_since(const Primaries& before) const {
  std::vector<Change> out;
  for (std::size_t k = 0; k < uplinks_.size(); ++k) {
    std::optional<IpAddress> now = primary_ipv4(uplinks_[k].first);
    if (now != before[k]) out.push_back({uplinks_[k].first, now});
  }
  return out;
}

bool is_global_ipv6(const IpAddress& address) {
  static const Prefix kNotGlobal[] = {*Prefix::parse("::/128"),        *Prefix::parse("::1/128"),
                                      *Prefix::parse("::ffff:0:0/96"), *Prefix::parse("fe80::/10"),
                                      *Prefix::parse("fc00::/7"),      *Prefix::parse("ff00::/8")};
  return address.family == AF_INET6 && std::none_of(std::begin(kNotGlobal), std::end(kNotGlobal),
                                                    [&](const Prefix& p) { return p.contains(address); });
}

std::optional<IpAddress> publishable_ipv6(const std::vector<FlaggedAddress>& addresses) {
  constexpr std::uint32_t kUnfit = IFA_F_DEPRECATED | IFA_F_TEMPORARY | IFA_F_TENTATIVE | IFA_F_DADFAILED;
  for (const FlaggedAddress& a : addresses)
    if ((a.flags & kUnfit) == 0 && is_global_ipv6(a.address)) return a.address;
  return std::nullopt;
}

}  // namespace fb::core
