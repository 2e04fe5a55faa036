// Which interface an uplink with interface = auto uses, and when
// NetworkService binds and rebinds it (fb/core/interface_binding.hpp).
#include "fb/core/interface_binding.hpp"

#include <doctest/doctest.h>

using namespace fb::core;

TEST_CASE("the session's interface: auto takes what sysfs found; a configured name wins and a contradiction warns") {
  CHECK(session_interface("auto", std::string("wwan0")).name == "wwan0");
  CHECK(session_interface("auto", std::string("wwan0")).warning.empty());
  CHECK(session_interface("auto", std::nullopt).name.empty());  // none: the caller waits, then NO_NET_INTERFACE

  SessionInterface agree = session_interface("wwan0", std::string("wwan0"));
  CHECK(agree.name == "wwan0");
  CHECK(agree.warning.empty());
  SessionInterface unknown = session_interface("wwan0", std::nullopt);  // a tty outside USB, or nothing found
  CHECK(unknown.name == "wwan0");
  CHECK(unknown.warning.empty());
  SessionInterface contradicted = session_interface("wwan0", std::string("wwx0c5b8f279a64"));
  CHECK(contradicted.name == "wwan0");
  CHECK(contradicted.warning ==
        "the modem's network interface beside its AT port is wwx0c5b8f279a64, but the uplink names wwan0; using "
        "wwan0 as configured");
}

TEST_CASE("binding: an auto uplink is bound to the first name, rebound on a new one; a named one never moves") {
  CHECK(binding_step(true, "", "wwan0") == BindingStep::bind);
  CHECK(binding_step(true, "wwan0", "wwan0") == BindingStep::keep);
  CHECK(binding_step(true, "wwan0", "wwan1") == BindingStep::rebind);  // replugged, renumbered
  CHECK(binding_step(true, "wwan0", "") == BindingStep::keep);         // a report without a name: no news
  CHECK(binding_step(true, "", "") == BindingStep::keep);
  CHECK(binding_step(false, "fbW", "fbW") == BindingStep::keep);
  CHECK(binding_step(false, "fbW", "wwan0") == BindingStep::ignore);
  CHECK(binding_step(false, "fbW", "") == BindingStep::keep);
  CHECK(to_string(BindingStep::rebind) == "rebind");
  CHECK(to_string(BindingStep::ignore) == "ignore");
}

TEST_CASE("/status shows the bound name, or that an auto uplink has none yet") {
  CHECK(shown_interface(true, "") == "auto (not found yet)");
  CHECK(shown_interface(true, "wwan1") == "wwan1");
  CHECK(shown_interface(false, "eth0") == "eth0");
}
