#include "fb/core/interface_binding.hpp"

namespace fb::core {

namespace {
constexpr std::string_view kAuto = "auto";
}

SessionInterface session_interface(std::string_view configured, const std::optional<std::string>& found) {
  if (configured == kAuto) return {found.value_or(""), ""};
  SessionInterface s{std::string(configured), ""};
  if (found && !found->empty() && *found != configured)
    s.warning = "the modem's network interface beside its AT port is " + *found + ", but the uplink names " +
                std::string(configured) + "; using " + std::string(configured) + " as configured";
  return s;
}

std::string_view to_string(BindingStep step) {
  switch (step) {
    case BindingStep::keep: return "keep";
    case BindingStep::bind: return "bind";
    case BindingStep::rebind: return "rebind";
    case BindingStep::ignore: return "ignore";
  }
  return "?";
}

BindingStep binding_step(bool automatic, std::string_view bound, std::string_view reported) {
  if (reported.empty() || reported == bound) return BindingStep::keep;
  if (!automatic) return BindingStep::ignore;
  return bound.empty() ? BindingStep::bind : BindingStep::rebind;
}

std::string shown_interface(bool automatic, std::string_view bound) {
  if (automatic && bound.empty()) return std::string(kUnboundInterface);
  return std::string(bound);
}

}  // namespace fb::core
