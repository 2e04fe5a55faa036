// The System that changes nothing (netifd's system-dummy.c, chrony's
// sys_null.c): failberryd --dry-run runs its whole logic unprivileged on a
// laptop, and tests of the layers above run against it.
//
// Contract: each call validates like the real System, then logs the
// equivalent command lines (commands.hpp) at info through the Logger
// "netcfg[dry-run]" and updates an in-memory model of the owned state with the
// kernel's semantics (replace by table+destination+metric, rules unique), which
// read_owned() and cleanup_stale() report. flush_conntrack() reports 0.
// Interfaces set up and addresses put on them are kept apart (links_up(),
// addresses()), with the kernel's identity of an address
// (same_kernel_address() for a replace, an exact match for a remove); it
// cannot know which interfaces exist, so naming
// one that does not is no error here. cleanup_stale() leaves them, as the
// kernel's System does. Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "fb/log.hpp"
#include "fb/net/system.hpp"

namespace fb::net {

class DryRunSystem final : public System {
 public:
  DryRunSystem() = default;

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

  // The model of what the calls above did: interfaces set up, in call order
  // without repeats, and the addresses on them, in the order they were added.
  const std::vector<std::string>& links_up() const { return links_up_; }
  const std::vector<InterfaceAddress>& addresses() const { return addresses_; }

 private:
  Logger log_{"netcfg[dry-run]"};
  OwnedState state_;
  std::vector<std::string> links_up_;
  std::vector<InterfaceAddress> addresses_;
};

}  // namespace fb::net
