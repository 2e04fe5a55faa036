#include "netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace fb::test {

void require_root(const char* why) {
  if (::geteuid() == 0) return;
  std::fprintf(stderr, "SKIPPED: %s: root is needed for network namespaces; run the test command as root\n", why);
  std::exit(77);
}

NetNamespace::NetNamespace(const std::string& tag) {
  static std::atomic<int> counter{0};
  name_ = "fbt-" + (tag.empty() ? "" : tag + "-") + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  RunResult r = run({"ip", "netns", "add", name_});
  if (r.code != 0) throw std::runtime_error("ip netns add " + name_ + " failed: " + r.output);
  r = exec({"ip", "link", "set", "lo", "up"});
  if (r.code != 0) {
    run({"ip", "netns", "del", name_});
    throw std::runtime_error("cannot bring lo up in " + name_ + ": " + r.output);
  }
}

NetNamespace::~NetNamespace() {
  run({"ip", "netns", "del", name_});
}

std::vector<std::string> NetNamespace::wrap(const std::vector<std::string>& argv) const {
  std::vector<std::string> full{"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

NetNamespace::Enter::Enter(const NetNamespace& ns) {
  original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = ::open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
  if (original_ < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
    if (target >= 0) ::close(target);
    throw std::runtime_error("cannot enter namespace " + ns.name());
  }
  ::close(target);
}

NetNamespace::Enter::~Enter() {
  ::setns(original_, CLONE_NEWNET);
  ::close(original_);
}

bool netns_exists(const std::string& name) {
  return std::filesystem::exists("/run/netns/" + name);
}

}  // namespace fb::test
