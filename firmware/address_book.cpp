#include "fb/core/address_book.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace fb::core {

namespace {

// Every interface with its addresses, in the kernel's order (glibc's
// getifaddrs reads them with a netlink dump).
std::vector<AddressTable::Interface> dump_interfaces(std::string& error) {
  std::vector<AddressTable::Interface> out;
  std::map<std::string, std::size_t> by_name;
  auto slot = [&](const std::string& name) -> AddressTable::Interface* {
    auto it = by_name.find(name);
    if (it != by_name.end()) return &out[it->second];
    unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0) return nullptr;  // gone since the dump
    by_name[name] = out.size();
    out.push_back({static_cast<int>(index), name, {}});
    return &out.back();
  };
  if (struct if_nameindex* names = ::if_nameindex()) {
    for (struct if_nameindex* n = names; n->if_index != 0; ++n) slot(n->if_name);
    ::if_freenameindex(names);
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    error = std::strerror(errno);
    return out;
  }
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || !a->ifa_name) continue;
    // IPv4 entries carry the address label ("eth0:1"); the device is before the colon.
    std::string name = a->ifa_name;
    name = name.substr(0, name.find(':'));
    IpAddress address;
    if (a->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      address = IpAddress::from_bytes(AF_INET, reinterpret_cast<const std::uint8_t*>(&sin->sin_addr));
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      address = IpAddress::from_bytes(AF_INET6, reinterpret_cast<const std::uint8_t*>(&sin6->sin6_addr));
    } else {
      continue;
    }
    if (AddressTable::Interface* i = slot(name)) i->addresses.push_back(address);
  }
  ::freeifaddrs(list);
  return out;
}

std::string uplink_text(const std::string& uplink, const std::optional<IpAddress>& primary) {
  return "uplink[" + uplink + "] primary IPv4 " + (primary ? primary->text() : std::string("none"));
}

}  // namespace

AddressBook::AddressBook(boost::asio::io_context& io)
    : monitor_(io, [this](const fb::net::NetEvent& e) { on_event(e); }) {}

bool AddressBook::start() {
  fb::net::Status status = monitor_.start();
  if (!status.ok()) log_.error() << status.text() << "; uplink addresses are read once and not followed";
  redump();
  return status.ok();
}

void AddressBook::stop() {
  monitor_.stop();
}

void AddressBook::set_uplinks(const std::vector<UplinkConfig>& uplinks) {
  AddressTable::Uplinks list;
  for (const UplinkConfig& u : uplinks) list.emplace_back(u.name, u.interface);
  publish(table_.set_uplinks(std::move(list)));
}

AddressBook::ListenerId AddressBook::listen(Listener listener) {
  listeners_[++last_id_] = std::move(listener);
  return last_id_;
}

void AddressBook::unlisten(ListenerId id) {
  listeners_.erase(id);
}

void AddressBook::redump() {
  std::string error;
  auto dump = dump_interfaces(error);
  if (!error.empty()) log_.error() << "cannot read the interface addresses: " << error;
  publish(table_.reset(std::move(dump)));
}

void AddressBook::on_event(const fb::net::NetEvent& event) {
  if (std::holds_alternative<fb::net::EventsLost>(event)) {
    log_.warning() << "netlink events were lost; reading the addresses again";
    return redump();
  }
  if (const auto* a = std::get_if<fb::net::AddressEvent>(&event); a && !table_.knows(a->ifindex)) {
    char name[IF_NAMESIZE] = {};
    if (::if_indextoname(static_cast<unsigned>(a->ifindex), name)) publish(table_.name_interface(a->ifindex, name));
  }
  publish(table_.apply(event));
}

void AddressBook::publish(const std::vector<AddressTable::Change>& changes) {
  for (const AddressTable::Change& c : changes) {
    log_.info() << uplink_text(c.uplink, c.primary);
    // A listener may (un)register others: look each one up again.
    std::vector<ListenerId> ids;
    for (const auto& [id, l] : listeners_) ids.push_back(id);
    for (ListenerId id : ids)
      if (auto it = listeners_.find(id); it != listeners_.end()) {
        Listener l = it->second;  // a copy: the listener may remove itself
        l(c.uplink, c.primary);
      }
  }
}

}  // namespace fb::core
