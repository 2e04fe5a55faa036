// Test support: the IPv4 address events of one interface from rtnetlink
// (RTMGRP_IPV4_IFADDR) on an io_context — a stand-in for netcfg's monitor in
// the namespace test. It reports what the uplink's sockets will use: a new
// primary address (secondaries are ignored until promoted) and the loss of
// the primary. The socket belongs to the namespace of the constructing thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "fb/net_types.hpp"

namespace fb::test {

class AddressWatch {
 public:
  // added: a primary address appeared; otherwise the primary `address` went away.
  using Callback = std::function<void(bool added, const IpAddress& address)>;
  AddressWatch(boost::asio::io_context& io, const std::string& ifname, Callback callback);
  ~AddressWatch();

 private:
  void wait();
  void drain();

  unsigned ifindex_ = 0;
  Callback callback_;
  std::shared_ptr<boost::asio::posix::stream_descriptor> socket_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fb::test
