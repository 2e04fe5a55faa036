// The state failberryd keeps while running, for the TwoUplinks lab (lab.hpp):
// the main default via fbw0, both uplink tables, the five rules, the table,
// loose rp_filter on both uplinks. Shared by the cleanup tests and the crash
// helper process, so it has no test-framework dependency.
#pragma once

#include <cstddef>
#include <vector>

#include "fb/net/system.hpp"

namespace fb::net::test {

inline constexpr std::size_t kFullStateRoutes = 3;
inline constexpr std::size_t kFullStateRules = 5;

// The calls that failed (empty: all applied).
std::vector<Status> apply_full_state(System& system);

}  // namespace fb::net::test
