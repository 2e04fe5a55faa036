#include "fb/net/monitor.hpp"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>

#include <boost/asio/post.hpp>

#include "netlink_support.hpp"

namespace fb::net {

namespace {

struct Parsed {
  nlmsghdr header;
  std::optional<NetEvent> event;
};

void on_object(nl_object* object, void* arg) {
  auto* parsed = static_cast<Parsed*>(arg);
  std::uint16_t type = parsed->header.nlmsg_type;
  switch (type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      auto* link = reinterpret_cast<rtnl_link*>(object);
      LinkEvent e;
      e.removed = type == RTM_DELLINK;
      e.ifindex = rtnl_link_get_ifindex(link);
      if (const char* name = rtnl_link_get_name(link)) e.name = name;
      unsigned flags = rtnl_link_get_flags(link);
      e.admin_up = flags & IFF_UP;
      e.carrier = flags & IFF_LOWER_UP;
      parsed->event = e;
      break;
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      auto* addr = reinterpret_cast<rtnl_addr*>(object);
      auto local = detail::from_nl_addr(rtnl_addr_get_local(addr));
      if (!local) return;
      AddressEvent e;
      e.removed = type == RTM_DELADDR;
      e.ifindex = rtnl_addr_get_ifindex(addr);
      e.address = *local;
      e.prefix_length = rtnl_addr_get_prefixlen(addr);
      e.flags = rtnl_addr_get_flags(addr);
      auto peer = detail::from_nl_addr(rtnl_addr_get_peer(addr));
      if (peer && *peer != *local) e.peer = peer;
      parsed->event = e;
      break;
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      RouteEvent e;
      e.removed = type == RTM_DELROUTE;
      e.replaced = !e.removed && (parsed->header.nlmsg_flags & NLM_F_REPLACE);
      e.route = detail::route_from_kernel(reinterpret_cast<rtnl_route*>(object), nullptr);
      parsed->event = e;
      break;
    }
    default: break;
  }
}

}  // namespace

NetlinkMonitor::NetlinkMonitor(boost::asio::io_context& io, Handler handler) : io_(io), handler_(std::move(handler)) {}

NetlinkMonitor::~NetlinkMonitor() {
  stop();
}

Status NetlinkMonitor::start() {
  if (socket_) return {};
  socket_ = nl_socket_alloc();
  if (!socket_) return {NetError::netlink_unavailable, "monitor: nl_socket_alloc failed"};
  // Events are unsolicited: they carry no sequence number to check.
  nl_socket_disable_seq_check(socket_);
  nl_socket_modify_cb(socket_, NL_CB_VALID, NL_CB_CUSTOM, &NetlinkMonitor::on_message, this);
  int err = nl_connect(socket_, NETLINK_ROUTE);
  if (err >= 0)
    err = nl_socket_add_memberships(socket_, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
                                    RTNLGRP_IPV6_ROUTE, 0);
  if (err >= 0) err = nl_socket_set_nonblocking(socket_);
  // Room for a burst (an interface going away takes its addresses and routes with it).
  if (err >= 0) err = nl_socket_set_buffer_size(socket_, 1 << 20, 0);
  if (err < 0) {
    std::string why = nl_geterror(err);
    close();
    return {NetError::netlink_unavailable, "monitor: " + why};
  }
  callbacks_ = nl_socket_get_cb(socket_);
  descriptor_.emplace(io_, nl_socket_get_fd(socket_));
  active_ = std::make_shared<bool>(true);
  wait();
  return {};
}

void NetlinkMonitor::stop() {
  *active_ = false;
  if (!draining_) close();  // else drain() closes once libnl has returned
}

void NetlinkMonitor::close() {
  if (descriptor_) {
    descriptor_->cancel();
    descriptor_->release();  // libnl owns and closes the fd
    descriptor_.reset();
  }
  if (callbacks_) nl_cb_put(callbacks_);
  callbacks_ = nullptr;
  if (socket_) nl_socket_free(socket_);
  socket_ = nullptr;
}

void NetlinkMonitor::wait() {
  descriptor_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this, active = active_](const boost::system::error_code& ec) {
                            if (ec || !*active) return;
                            drain();
                          });
}

void NetlinkMonitor::drain() {
  std::shared_ptr<bool> active = active_;
  draining_ = true;
  int n = 0;
  for (int i = 0; i < kDatagramsPerTurn && *active; ++i) {
    n = nl_recvmsgs_report(socket_, callbacks_);
    if (n == -NLE_NOMEM && *active) {  // ENOBUFS: the kernel dropped events meant for us
      log_.warning() << "socket overflow: events lost";
      handler_(EventsLost{});
      continue;
    }
    if (n == -NLE_AGAIN) n = 0;  // libnl 3.7 reports the drained non-blocking socket as -NLE_AGAIN
    if (n <= 0) break;           // 0: drained
  }
  draining_ = false;
  if (!*active) return close();  // a handler called stop()
  if (n < 0 && n != -NLE_NOMEM) log_.error() << "NETLINK_RECEIVE_FAILED: " << nl_geterror(n);
  if (n > 0 || n == -NLE_NOMEM) {
    // Still readable after a full turn: yield to the rest of the loop first.
    boost::asio::post(io_, [this, active] {
      if (*active) drain();
    });
    return;
  }
  wait();
}

int NetlinkMonitor::on_message(nl_msg* message, void* self) {
  auto* monitor = static_cast<NetlinkMonitor*>(self);
  Parsed parsed{*nlmsg_hdr(message), std::nullopt};
  nl_msg_parse(message, &on_object, &parsed);
  if (parsed.event && *monitor->active_) monitor->handler_(*parsed.event);
  return NL_OK;
}

}  // namespace fb::net
