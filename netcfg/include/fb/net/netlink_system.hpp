// The System that acts on the kernel: libnl-3/libnl-route-3 for routes, rules,
// links and addresses, libnl-nf-3 for conntrack, libnftables (NftTable) for the table,
// /proc/sys for sysctls.
//
// Contract: open() binds its netlink sockets and nft context to the network
// namespace of the calling thread; later calls act on that namespace from any
// thread (sysctl writes and nft batches enter it for the call). Each call is
// one synchronous request/ack round trip (one dump per table for read-back,
// cleanup and conntrack), run on the daemon's one thread; not thread-safe.
// Failures: status.hpp codes with errno's text and the netlink extended ack.
// Every change is logged at info as its ip/nft/sysctl command (commands.hpp)
// by Logger "netcfg"; failures at error with their code.
// Limitation: libnl 3.7 cannot read FRA_SUPPRESS_PREFIXLEN back, so
// read_owned() reports the main-routes rule without suppress_prefixlength.
// Never open one in a unit test: libnftables exits under qemu-user.
#pragma once

#include <memory>

#include "fb/log.hpp"
#include "fb/net/system.hpp"

namespace fb::net {

class NetlinkSystem final : public System {
 public:
  static Result<std::unique_ptr<NetlinkSystem>> open();
  ~NetlinkSystem() override;
  NetlinkSystem(const NetlinkSystem&) = delete;
  NetlinkSystem& operator=(const NetlinkSystem&) = delete;

  Status replace_route(const Route& route) override;
  Status remove_route(const Route& route) override;
  Status add_rule(const Rule& rule) override;
  Status remove_rule(const Rule& rule) override;
  Result<OwnedState> read_owned() override;
  Result<std::size_t> flush_conntrack(const IpAddress& address) override;
  Status set_sysctl(const Sysctl& sysctl) override;
  Status apply_firewall(const FirewallSpec& spec) override;
  Status remove_firewall() override;
  Status set_link_up(const std::string& device) override;
  Status replace_address(const std::string& device, const IpAddress& address, int prefix_length) override;
  Status remove_address(const std::string& device, const IpAddress& address, int prefix_length) override;
  Result<CleanupReport> cleanup_stale() override;

 private:
  struct Kernel;
  explicit NetlinkSystem(std::unique_ptr<Kernel> kernel);
  Error failed(Error error) const;  // logged, then returned
  std::unique_ptr<Kernel> kernel_;
  Logger log_{"netcfg"};
};

}  // namespace fb::net
