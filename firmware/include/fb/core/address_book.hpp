// AddressBook: the addresses of the configured uplinks' interfaces, live —
// an AddressTable (fb/core/address_table.hpp) fed by the daemon's one
// KernelView (netcfg): its table at start and after lost events, its events
// in between.
//
// Contract: single-threaded on the io_context. start() subscribes first and
// reads the view second, so nothing that happens in between is missed (the
// table ignores repeats). It returns false, logged, when the view is not
// watching the kernel: the book then holds what the view read at its start.
// Listeners are called on the io_context's thread when an uplink's primary
// IPv4 changes (listen) or its publishable IPv6 (listen_ipv6:
// publishable_ipv6() of the view's addresses with their flags, so an address
// turning deprecated counts as a change); they may add or remove listeners.
// Opens nothing itself.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
//
#include "fb/config/config.hpp"
#include "fb/core/address_table.hpp"
#include "fb/log.hpp"
#include "fb/net/kernel_view.hpp"

namespace fb::core {

class AddressBook {
 public:
  using Listener = std::function<void(const std::string& uplink, const std::optional<IpAddress>& primary)>;
  using ListenerId = int;

  explicit AddressBook(fb::net::KernelView& view);
  AddressBook(const AddressBook&) = delete;
  AddressBook& operator=(const AddressBook&) = delete;

  bool start();
  void stop();
  // The uplinks to track (from the config; again after each reload).
  void set_uplinks(const std::vector<UplinkConfig>& uplinks);

  ListenerId listen(Listener listener);
  ListenerId listen_ipv6(Listener listener);
  void unlisten(ListenerId id);

  std::string uplink_of(const IpAddress& local) const { return table_.uplink_of(local); }
  std::optional<IpAddress> primary_ipv4(const std::string& uplink) const { return table_.primary_ipv4(uplink); }
  std::vector<IpAddress> addresses(const std::string& uplink) const { return table_.addresses(uplink); }
  // The uplink's global IPv6 address to publish (publishable_ipv6()), from the view.
  std::optional<IpAddress> global_ipv6(const std::string& uplink) const;

 private:
  void on_event(const fb::net::NetEvent& event);
  void redump();
  void publish(const std::vector<AddressTable::Change>& changes);
  // Compares each uplink's global_ipv6() with the last one told, tells the IPv6 listeners.
  // Does nothing while no IPv6 listener exists.
  void follow_ipv6();
  std::map<std::string, std::optional<IpAddress>> global_ipv6s() const;  // global_ipv6() per uplink
  static void tell(std::map<ListenerId, Listener>& listeners, const std::string& uplink,
                   const std::optional<IpAddress>& address);

  fb::net::KernelView& view_;
  std::optional<fb::net::KernelView::SubscriberId> subscription_;
  AddressTable table_;
  std::map<ListenerId, Listener> listeners_;
  std::map<ListenerId, Listener> listeners6_;
  std::map<std::string, std::optional<IpAddress>> ipv6_;  // the last global_ipv6() told, per uplink
  ListenerId last_id_ = 0;
  Logger log_{"addresses"};
};

}  // namespace fb::core
