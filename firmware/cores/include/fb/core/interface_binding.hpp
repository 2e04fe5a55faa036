// Which network interface an uplink uses when its name may come late
// (`[uplink] interface = auto`, kind = cellular on the net data path): the
// stick's own interface, found in sysfs beside its AT port by ModemService
// (modem::find_net_interface()) and reported to NetworkService, which binds
// the uplink to it.
//
// Contract: pure; strings in, a decision out. No I/O, no logging.
//  - session_interface(): the interface ModemService runs the net session on.
//    A configured name wins; a different name found in sysfs is only a
//    warning (the user may know better: a renamed or bridged interface).
//    With auto the found name is the answer; none found is none (the caller
//    waits a moment and then fails the dial with NO_NET_INTERFACE).
//  - binding_step(): what NetworkService does with a name the modem reports
//    (DataLinkReport::interface): an uplink that names its interface is never
//    rebound; an auto uplink is bound to the first name and rebound when the
//    name changes (a replug that gives wwan1); an empty report is no news.
//  - shown_interface(): the interface /status shows for an uplink: the bound
//    name, or kUnboundInterface while an auto uplink has none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fb::core {

inline constexpr std::string_view kUnboundInterface = "auto (not found yet)";

struct SessionInterface {
  std::string name;     // empty: none (auto, and nothing found)
  std::string warning;  // a configured name that sysfs contradicts, in words; else empty
};
// `configured`: [uplink] interface ("auto" or a name); `found`: the name
// discovery chose beside the AT port, if any.
SessionInterface session_interface(std::string_view configured, const std::optional<std::string>& found);

enum class BindingStep : std::uint8_t {
  keep,    // nothing to do (same name, no name, or a named uplink's own name)
  bind,    // an auto uplink gets its first name
  rebind,  // an auto uplink's name changed: undo what belonged to the old one, then bind
  ignore,  // a named uplink and another name: not used (the caller logs it)
};
std::string_view to_string(BindingStep step);  // "keep", "bind", "rebind", "ignore"

// `automatic`: the uplink has interface = auto; `bound`: its name now ("" none).
BindingStep binding_step(bool automatic, std::string_view bound, std::string_view reported);

std::string shown_interface(bool automatic, std::string_view bound);

}  // namespace fb::core
