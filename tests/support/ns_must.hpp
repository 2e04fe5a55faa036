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

}  // namespace fb::test
