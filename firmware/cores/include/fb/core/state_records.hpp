// The supervisor's records in [general] state_dir, as text: what counts as a
// readable record and how one is written. The service reads and writes the
// files (atomically); these functions only judge and build their contents.
//
// Contract: pure (no I/O). Every doubt says "don't": text that is not a
// well-formed record is reported as unreadable, and the caller then hands
// the core a record problem (SimPolicy enters no PIN, RecoveryLadder asks
// for no reboot).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "fb/core/recovery_ladder.hpp"

namespace fb::core {

// sim-pin.json: {"tried": [ICCID, ...]}. Fills `tried` with the ICCIDs read
// before the first bad entry; false when the text is not such a record.
bool parse_pin_record(std::string_view text, std::set<std::string>& tried);
std::string pin_record_json(const std::set<std::string>& tried);

// reboots.json: {"reboots": [{"unix": N, "boot_id": "...", "uptime": N}], "last_reason": "..."};
// the older {"times": [N, ...]} form is read too (boot and uptime unknown).
std::optional<RebootRecord> parse_reboot_record(std::string_view text);
std::string reboot_record_json(const RebootRecord& record);

}  // namespace fb::core
