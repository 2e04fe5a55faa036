// The daemon's files in [general] state_dir (sim-pin.json, reboots.json,
// budget.json): how one is read and written. Private to firmware/; the
// services that keep records (ModemService, NetworkService) share it.
//
// Contract: synchronous, small files (at most 64 KiB); errors are returned in
// words naming the file, never thrown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fb/result.hpp"

namespace fb::core {

// Why a state file that exists could not be read; the detail ("PATH: the
// errno text", "PATH: larger than 64 KiB") becomes the core's record problem.
enum class StateFileCode : std::uint8_t { unreadable };
std::string_view code_name(StateFileCode code);  // "STATE_FILE_UNREADABLE"

// A state file's text; nullopt when it does not exist (no record yet); an
// Error when it exists but cannot be read.
fb::Result<std::optional<std::string>, StateFileCode> read_state_file(const std::string& path);

// Atomic: a temporary file beside it, fsync, rename, fsync of the directory.
// Returns "" when the file is durably on disk, else why not.
std::string write_atomically(const std::string& path, const std::string& body);

}  // namespace fb::core
