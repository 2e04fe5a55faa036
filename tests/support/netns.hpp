// Test support: a throwaway network namespace for adapter tests.
//
// Each instance creates a uniquely named namespace ("fbt-<pid>-<n>", or
// "fbt-<tag>-<pid>-<n>" when the test names its purpose) with
// `ip netns add`, brings its loopback up, and deletes it in the destructor —
// also when the test fails (doctest failures unwind). Tests run commands in
// it with exec() or enter it on the current thread with Enter (for in-process
// netlink). Requires root: use require_root() to skip loudly otherwise.
#pragma once

#include <string>
#include <vector>

#include "process.hpp"

namespace fb::test {

// Exits the test binary with 77 (ctest: skipped) and a loud message when not root.
void require_root(const char* why);

// The same for a whole test binary, before its first test: at file scope,
// `const RootRequired root_required("the probe tests");`.
struct RootRequired {
  explicit RootRequired(const char* why) { require_root(why); }
};

class NetNamespace {
 public:
  explicit NetNamespace(const std::string& tag = "");
  ~NetNamespace();
  NetNamespace(const NetNamespace&) = delete;
  NetNamespace& operator=(const NetNamespace&) = delete;

  const std::string& name() const { return name_; }
  // argv prefixed with `ip netns exec NAME`.
  std::vector<std::string> wrap(const std::vector<std::string>& argv) const;
  RunResult exec(const std::vector<std::string>& argv) const { return run(wrap(argv)); }

  // Moves the calling thread into the namespace until destroyed.
  class Enter {
   public:
    explicit Enter(const NetNamespace& ns);
    ~Enter();

   private:
    int original_ = -1;
  };

 private:
  std::string name_;
};

bool netns_exists(const std::string& name);

}  // namespace fb::test
