// The System that changes nothing (netifd's system-dummy.c, chrony's
// sys_null.c): failberryd --dry-run runs its whole logic unprivileged on a
// laptop, and tests of the layers above run against it.
//
// Contract: each call validates like the real System, then logs the
// equivalent command lines (commands.hpp) at info through the Logger
// "netcfg[dry-run]" and updates an in-memory model of the owned state with the
// kernel's semantics (replace by table+destination+metric, rules unique), which
// read_owned() and cleanup_stale() report. flush_conntrack() reports 0.
// Single-threaded.
#pragma once

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
  Result<CleanupReport> cleanup_stale() override;

 private:
  Logger log_{"netcfg[dry-run]"};
  OwnedState state_;
};

}  // namespace fb::net
