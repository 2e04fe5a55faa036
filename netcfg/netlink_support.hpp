// Private to netcfg/: ownership of libnl objects, conversions between libnl
// and fb::net values, the kernel's own error text, and entering a network
// namespace. Used by NetlinkSystem, NftTable and NetlinkMonitor only.
#pragma once

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/socket.h>

#include <memory>
#include <optional>
#include <string>

#include "fb/net/address.hpp"
#include "fb/net/routing.hpp"

namespace fb::net::detail {

struct NlDeleter {
  void operator()(nl_sock* p) const { nl_socket_free(p); }
  void operator()(nl_cache* p) const { nl_cache_free(p); }
  void operator()(nl_addr* p) const { nl_addr_put(p); }
  void operator()(rtnl_route* p) const { rtnl_route_put(p); }
  void operator()(rtnl_rule* p) const { rtnl_rule_put(p); }
  void operator()(rtnl_link* p) const { rtnl_link_put(p); }
  void operator()(rtnl_addr* p) const { rtnl_addr_put(p); }
  void operator()(nl_msg* p) const { nlmsg_free(p); }
  void operator()(nl_cb* p) const { nl_cb_put(p); }
};
template <class T>
using NlPtr = std::unique_ptr<T, NlDeleter>;

NlPtr<nl_addr> to_nl_addr(const IpAddress& address, int prefix_length);
std::optional<IpAddress> from_nl_addr(const nl_addr* address);
// `links` (may be null) names the nexthop's device.
Route route_from_kernel(rtnl_route* route, nl_cache* links);
Rule rule_from_kernel(rtnl_rule* rule);

// The last NLMSG_ERROR the kernel sent on a socket: its errno and the
// extended-ack message (NETLINK_EXT_ACK), which libnl 3.7 maps away.
class KernelError {
 public:
  // Turns on extended acks (capped) and routes error messages here. `this`
  // must outlive the socket.
  void install(nl_sock* socket);
  void reset() {
    errno_ = 0;
    extack_.clear();
  }
  int error_number() const { return errno_; }
  // "Network is unreachable (Nexthop has invalid gateway)"; libnl's text for
  // failures that never reached the kernel.
  std::string text(int libnl_error) const;

 private:
  static int on_error(sockaddr_nl* who, nlmsgerr* error, void* self);
  int errno_ = 0;
  std::string extack_;
};

// A handle on the network namespace a netlink object was opened in.
class NetnsHandle {
 public:
  NetnsHandle();  // the calling thread's; valid() false when /proc is missing
  ~NetnsHandle();
  NetnsHandle(const NetnsHandle&) = delete;
  NetnsHandle& operator=(const NetnsHandle&) = delete;
  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Moves the calling thread into `ns` for its lifetime when the thread is
// elsewhere (a sysctl write or nft batch must happen inside, while netlink
// sockets stay bound to where they were opened).
class InNamespace {
 public:
  explicit InNamespace(const NetnsHandle& ns);
  ~InNamespace();
  InNamespace(const InNamespace&) = delete;
  InNamespace& operator=(const InNamespace&) = delete;
  bool ok() const { return ok_; }

 private:
  int original_ = -1;
  bool ok_ = false;
};

}  // namespace fb::net::detail
