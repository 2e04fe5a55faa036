// must(): a command that has to succeed in a test's namespace. doctest tests only.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "netns.hpp"

namespace fb::test {

// Runs argv in `ns`; REQUIREs exit 0 (the failure names the namespace, the
// command, its exit code and output); returns the output.
inline std::string must(const NetNamespace& ns, const std::vector<std::string>& argv) {
  RunResult r = ns.exec(argv);
  std::string command;
  for (const std::string& a : argv) command += (command.empty() ? "" : " ") + a;
  REQUIRE_MESSAGE(r.code == 0, "in " << ns.name() << ": " << command << " -> " << r.code << ": " << r.output);
  return r.output;
}

// A veth pair between two namespaces, both ends up: `name` in `near` with
// SUBNET.2/24, `peer` in `far` with SUBNET.1/24 (subnet "10.0.1": the
// near end's gateway is 10.0.1.1).
inline void veth_pair(const NetNamespace& near, const std::string& name, const NetNamespace& far,
                      const std::string& peer, const std::string& subnet) {
  must(near, {"ip", "link", "add", name, "type", "veth", "peer", "name", peer, "netns", far.name()});
  must(near, {"ip", "addr", "add", subnet + ".2/24", "dev", name});
  must(far, {"ip", "addr", "add", subnet + ".1/24", "dev", peer});
  must(near, {"ip", "link", "set", name, "up"});
  must(far, {"ip", "link", "set", peer, "up"});
}

}  // namespace fb::test
