// NetlinkMonitor: the kernel's link, address and route events on the daemon's
// io_context, as fb::net::NetEvent values (events.hpp).
//
// Contract: start() opens a libnl socket in the calling thread's network
// namespace and subscribes it to RTNLGRP_LINK, RTNLGRP_IPV4/IPV6_IFADDR and
// RTNLGRP_IPV4/IPV6_ROUTE. The socket is non-blocking; its fd is watched with
// boost::asio::posix::stream_descriptor::async_wait(wait_read), and each
// wake-up reads with nl_recvmsgs_report() until the socket is empty (at most
// kDatagramsPerTurn datagrams, then the rest is posted behind other work), so
// the loop never blocks. The handler runs on the io_context's thread, once per
// event, in the kernel's order. A socket overflow (ENOBUFS) is delivered as
// EventsLost: the consumer must re-read what it tracks. stop() and the
// destructor cancel; no handler runs after them. The handler may call stop()
// but must not destroy the monitor. start() fails with NETLINK_UNAVAILABLE.
#pragma once

// Boost 1.74's Asio with GCC 12 in C++20 needs <utility> first.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "fb/log.hpp"
#include "fb/net/events.hpp"
#include "fb/net/status.hpp"

struct nl_sock;
struct nl_cb;
struct nl_msg;

namespace fb::net {

class NetlinkMonitor {
 public:
  using Handler = std::function<void(const NetEvent&)>;
  static constexpr int kDatagramsPerTurn = 64;

  NetlinkMonitor(boost::asio::io_context& io, Handler handler);
  ~NetlinkMonitor();
  NetlinkMonitor(const NetlinkMonitor&) = delete;
  NetlinkMonitor& operator=(const NetlinkMonitor&) = delete;

  Status start();
  void stop();

 private:
  void close();
  void wait();
  void drain();
  static int on_message(nl_msg* message, void* self);

  boost::asio::io_context& io_;
  Handler handler_;
  nl_sock* socket_ = nullptr;
  nl_cb* callbacks_ = nullptr;
  std::optional<boost::asio::posix::stream_descriptor> descriptor_;
  // Cleared by stop(): completions already queued in the io_context check it
  // before touching the monitor.
  std::shared_ptr<bool> active_ = std::make_shared<bool>(false);
  bool draining_ = false;  // inside nl_recvmsgs_report(): stop() must not free the socket
  Logger log_{"netlink-monitor"};
};

}  // namespace fb::net
