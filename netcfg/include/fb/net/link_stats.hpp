// LinkStatsReader: every interface's byte and packet counters from one RTM_GETLINK dump
// (libnl-route-3; the kernel's IFLA_STATS64, so they do not wrap at 4 GiB),
// for /status and /metrics without a file open per interface and counter.
//
// Contract: open() binds one NETLINK_ROUTE socket to the network namespace of
// the calling thread; read() then dumps that namespace's links from any
// thread, one synchronous request and its replies, and returns the counters
// by interface name. An interface that does not exist is simply absent. Not
// thread-safe. Failures: open() with NETLINK_UNAVAILABLE, read() with
// READ_BACK_FAILED, both carrying libnl's or the kernel's words. After a
// failed read() the socket may hold the rest of a dump: open a new reader.
// Logs nothing; the caller decides what a failure is worth.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "fb/net/status.hpp"

namespace fb::net {

struct LinkCounters {
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t rx_packets = 0;
  std::uint64_t tx_packets = 0;
  bool operator==(const LinkCounters&) const = default;
};

using LinkCountersByName = std::map<std::string, LinkCounters, std::less<>>;

class LinkStatsReader {
 public:
  static Result<LinkStatsReader> open();
  ~LinkStatsReader();
  LinkStatsReader(LinkStatsReader&&) noexcept;
  LinkStatsReader& operator=(LinkStatsReader&&) noexcept;

  Result<LinkCountersByName> read();

 private:
  struct Socket;
  explicit LinkStatsReader(std::unique_ptr<Socket> socket);
  std::unique_ptr<Socket> socket_;
};

}  // namespace fb::net
