// KernelView: the daemon's one follower of the kernel's network state.
//
// It owns the one NetlinkMonitor and the one link-counter reader. It keeps
// every link (index, name, admin state, carrier) with its addresses, from a
// dump at start and again after the monitor reports lost events, and passes
// each event on to every subscriber in the kernel's order — after its own
// table has taken the event, so a subscriber that reads the view sees the
// state the event describes.
//
// Contract: single-threaded on the io_context. start() opens the monitor
// first and dumps second, so nothing that happens in between is missed (the
// events queued meanwhile are applied on top of the dump; repeats are
// harmless). It returns the monitor's status: when netlink cannot be watched
// the view holds the dump only and watching() is false. After EventsLost the
// view dumps again before it passes EventsLost on, so a subscriber then
// re-reads links(). A subscriber may subscribe or unsubscribe others, or
// itself, from inside its callback; one subscribed during a delivery gets the
// next event. stop() and the destructor end delivery. The table keeps
// addresses as the kernel reports them (IFA_LOCAL), link-local ones included,
// and each link's IPv6 default routers (Link::routers6) from the route dump
// and the route events.
#pragma once
// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fb/log.hpp"
#include "fb/net/events.hpp"
#include "fb/net/link_stats.hpp"
#include "fb/net/monitor.hpp"
#include "fb/net/status.hpp"

namespace fb::net {

class KernelView {
 public:
  struct Address {
    IpAddress address;
    int prefix_length = 0;
    std::optional<IpAddress> peer;
    std::uint32_t flags = 0;  // IFA_F_*; a flags change arrives as a new event for the same address
    bool operator==(const Address&) const = default;
  };
  struct Link {
    int ifindex = 0;
    std::string name;
    bool admin_up = false;
    bool carrier = false;
    std::vector<Address> addresses;  // in the order the kernel reported them
    // IPv6 default routers on this link: the main table's ::/0 routes through
    // a gateway here that failberry does not own (a router advertisement's,
    // proto ra, or one put there by hand), in the order they came.
    std::vector<IpAddress> routers6;
    // Up and able to pass packets (IFF_UP and IFF_LOWER_UP).
    bool running() const { return admin_up && carrier; }
  };
  using Subscriber = std::function<void(const NetEvent&)>;
  using SubscriberId = int;

  explicit KernelView(boost::asio::io_context& io);
  KernelView(const KernelView&) = delete;
  KernelView& operator=(const KernelView&) = delete;

  Status start();
  void stop();
  bool watching() const { return watching_; }

  SubscriberId subscribe(Subscriber subscriber);
  void unsubscribe(SubscriberId id);

  const Link* link(int ifindex) const;
  const Link* link(const std::string& name) const;
  std::vector<Link> links() const;  // by index

  // Dumps again and passes EventsLost on: what a socket overflow does.
  void resync();

  // Every interface's byte counters (one RTM_GETLINK dump). Nullopt while
  // they cannot be read, logged once per streak of failures.
  std::optional<LinkCountersByName> counters() const;

  // Sockets this view has opened to follow the kernel (tests: exactly one).
  int monitors_opened() const { return monitors_opened_; }

 private:
  void on_event(const NetEvent& event);
  void apply(const NetEvent& event);
  void dump();
  void deliver(const NetEvent& event);

  NetlinkMonitor monitor_;
  std::map<int, Link> links_;
  std::map<SubscriberId, Subscriber> subscribers_;
  SubscriberId last_id_ = 0;
  bool watching_ = false;
  int monitors_opened_ = 0;
  mutable std::optional<LinkStatsReader> stats_;
  mutable bool stats_failing_ = false;
  Logger log_{"kernel"};
};

}  // namespace fb::net
