// fb_netcfg_state_helper: stands in for a failberryd that is killed while it
// holds its kernel state. In the TwoUplinks lab's namespace (run it under
// `ip netns exec`), it applies the full state, reports READY=1 on
// $NOTIFY_SOCKET, then waits to be killed. Exit 1 if anything was refused.
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>

#include "fb/net/netlink_system.hpp"
#include "lab_state.hpp"

int main() {
  auto system = fb::net::NetlinkSystem::open();
  if (!system.ok()) {
    std::fprintf(stderr, "%s\n", describe(system).c_str());
    return 1;
  }
  std::vector<fb::net::Status> failures = fb::net::test::apply_full_state(**system);
  for (const fb::net::Status& s : failures) std::fprintf(stderr, "%s\n", describe(s).c_str());
  if (!failures.empty()) return 1;
  sd_notify(0, "READY=1");
  for (;;) ::pause();
}
