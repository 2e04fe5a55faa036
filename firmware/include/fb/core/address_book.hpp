// AddressBook: the addresses of the configured uplinks' interfaces, live —
// an AddressTable (fb/core/address_table.hpp) fed by netcfg's NetlinkMonitor
// on the daemon's io_context plus one dump (getifaddrs) at start and after
// the monitor reports lost events.
//
// Contract: single-threaded on the io_context. start() subscribes first and
// dumps second, so nothing that happens in between is missed (the events
// queued meanwhile are applied on top of the dump; the table ignores
// repeats). It returns false, logged with NETLINK_UNAVAILABLE, when the
// monitor cannot be opened: the book then holds the dump only. Listeners are
// called on the io_context's thread when an uplink's primary IPv4 changes;
// they may add or remove listeners. Owns the netlink socket, nothing else.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
//
#include <boost/asio/io_context.hpp>

#include "fb/config/config.hpp"
#include "fb/core/address_table.hpp"
#include "fb/log.hpp"
#include "fb/net/monitor.hpp"

namespace fb::core {

class AddressBook {
 public:
  using Listener = std::function<void(const std::string& uplink, const std::optional<IpAddress>& primary)>;
  using ListenerId = int;

  explicit AddressBook(boost::asio::io_context& io);
  AddressBook(const AddressBook&) = delete;
  AddressBook& operator=(const AddressBook&) = delete;

  bool start();
  void stop();
  // The uplinks to track (from the config; again after each reload).
  void set_uplinks(const std::vector<UplinkConfig>& uplinks);

  ListenerId listen(Listener listener);
  void unlisten(ListenerId id);

  std::string uplink_of(const IpAddress& local) const { return table_.uplink_of(local); }
  std::optional<IpAddress> primary_ipv4(const std::string& uplink) const { return table_.primary_ipv4(uplink); }
  std::vector<IpAddress> addresses(const std::string& uplink) const { return table_.addresses(uplink); }

 private:
  void on_event(const fb::net::NetEvent& event);
  void redump();
  void publish(const std::vector<AddressTable::Change>& changes);

  fb::net::NetlinkMonitor monitor_;
  AddressTable table_;
  std::map<ListenerId, Listener> listeners_;
  ListenerId last_id_ = 0;
  Logger log_{"addresses"};
};

}  // namespace fb::core
