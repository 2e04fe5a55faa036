#include "fb/core/address_book.hpp"

namespace fb::core {

namespace {

// Every interface with its addresses, as the view holds them.
std::vector<AddressTable::Interface> interfaces(const fb::net::KernelView& view) {
  std::vector<AddressTable::Interface> out;
  for (const fb::net::KernelView::Link& l : view.links()) {
    AddressTable::Interface i{l.ifindex, l.name, {}};
    for (const auto& a : l.addresses) i.addresses.push_back(a.address);
    out.push_back(std::move(i));
  }
  return out;
}

std::string uplink_text(const std::string& uplink, const std::optional<IpAddress>& primary) {
  return "uplink[" + uplink + "] primary IPv4 " + (primary ? primary->text() : std::string("none"));
}

}  // namespace

AddressBook::AddressBook(fb::net::KernelView& view) : view_(view) {}

bool AddressBook::start() {
  if (!subscription_) subscription_ = view_.subscribe([this](const fb::net::NetEvent& e) { on_event(e); });
  if (!view_.watching()) log_.error() << "uplink addresses are read once and not followed";
  redump();
  return view_.watching();
}

void AddressBook::stop() {
  if (subscription_) view_.unsubscribe(*subscription_);
  subscription_.reset();
}

void AddressBook::set_uplinks(const std::vector<UplinkConfig>& uplinks) {
  AddressTable::Uplinks list;
  for (const UplinkConfig& u : uplinks) list.emplace_back(u.name, u.interface);
  publish(table_.set_uplinks(std::move(list)));
  follow_ipv6();
}

AddressBook::ListenerId AddressBook::listen(Listener listener) {
  listeners_[++last_id_] = std::move(listener);
  return last_id_;
}

AddressBook::ListenerId AddressBook::listen_ipv6(Listener listener) {
  // Nothing was followed while no one listened: start from the addresses now.
  if (listeners6_.empty()) ipv6_ = global_ipv6s();
  listeners6_[++last_id_] = std::move(listener);
  return last_id_;
}

void AddressBook::unlisten(ListenerId id) {
  listeners_.erase(id);
  listeners6_.erase(id);
}

std::optional<IpAddress> AddressBook::global_ipv6(const std::string& uplink) const {
  const std::string& ifname = table_.interface_of(uplink);
  const fb::net::KernelView::Link* link = ifname.empty() ? nullptr : view_.link(ifname);
  if (!link) return std::nullopt;
  std::vector<FlaggedAddress> list;
  for (const auto& a : link->addresses) list.push_back({a.address, a.flags});
  return publishable_ipv6(list);
}

std::map<std::string, std::optional<IpAddress>> AddressBook::global_ipv6s() const {
  std::map<std::string, std::optional<IpAddress>> now;
  for (const std::string& u : table_.uplink_names()) now[u] = global_ipv6(u);
  return now;
}

void AddressBook::follow_ipv6() {
  if (listeners6_.empty()) return;  // no AAAA record kept: nothing to compare
  std::map<std::string, std::optional<IpAddress>> now = global_ipv6s();
  std::map<std::string, std::optional<IpAddress>> before = std::exchange(ipv6_, now);
  for (const std::string& u : table_.uplink_names()) {
    auto old = before.find(u);
    if (old != before.end() && old->second == now[u]) continue;
    if (old == before.end() && !now[u]) continue;  // a new uplink without one: nothing changed
    log_.info() << "uplink[" << u << "] global IPv6 " << (now[u] ? now[u]->text() : std::string("none"));
    tell(listeners6_, u, now[u]);
  }
}

void AddressBook::tell(std::map<ListenerId, Listener>& listeners, const std::string& uplink,
                       const std::optional<IpAddress>& address) {
  // A listener may (un)register others: look each one up again.
  std::vector<ListenerId> ids;
  for (const auto& [id, l] : listeners) ids.push_back(id);
  for (ListenerId id : ids)
    if (auto it = listeners.find(id); it != listeners.end()) {
      Listener l = it->second;  // a copy: the listener may remove itself
      l(uplink, address);
    }
}

void AddressBook::redump() {
  publish(table_.reset(interfaces(view_)));
  follow_ipv6();
}

void AddressBook::on_event(const fb::net::NetEvent& event) {
  if (std::holds_alternative<fb::net::EventsLost>(event)) return redump();  // the view has read them again
  if (const auto* a = std::get_if<fb::net::AddressEvent>(&event); a && !table_.knows(a->ifindex))
    if (const auto* link = view_.link(a->ifindex)) publish(table_.name_interface(a->ifindex, link->name));
  publish(table_.apply(event));
  follow_ipv6();
}

void AddressBook::publish(const std::vector<AddressTable::Change>& changes) {
  for (const AddressTable::Change& c : changes) {
    log_.info() << uplink_text(c.uplink, c.primary);
    tell(listeners_, c.uplink, c.primary);
  }
}

}  // namespace fb::core
