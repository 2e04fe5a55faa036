// Host health: what the Pi says about itself (disk, memory, load,
// temperature, Raspberry Pi throttling, a root file system remounted
// read-only, uptime, boot id), read from /proc and /sys under a root path
// ("/" in the daemon; a fake tree in a temp dir in tests).
//
// Contract: read_host_health() reads files and calls statvfs(), nothing
// else; it never throws and never blocks on anything but the file system.
// Each value is either known or unknown with the reason (a missing file,
// garbage in it), never a made-up zero. Text taken from the files (zone
// types, the reason's quotes) is cleaned (fb::clean_text). The parsers are
// pure: text in, value or reason out. Throttling comes from the Raspberry Pi
// OS kernel's sysfs file only (soc:firmware/get_throttled); the firmware
// mailbox (vcgencmd) is not used, and off a Pi the flags are unknown.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fb::health {

// A value read from the host, or the reason it is unknown.
template <class T>
struct HostValue {
  std::optional<T> value;
  std::string unknown;  // why there is no value ("" when there is one)
  static HostValue known(T v) { return {std::move(v), {}}; }
  static HostValue missing(std::string why) { return {std::nullopt, std::move(why)}; }
};

struct FilesystemUsage {
  std::string role;        // "root" or "data" ([general] state_dir)
  std::string path;        // what was asked: "/", "/var/lib/failberry"
  std::string mountpoint;  // the mount holding `path` (/proc/mounts); `path` when unknown
  std::optional<std::uint64_t> size_bytes, avail_bytes;
  std::optional<bool> readonly;
  std::string unknown;  // why the numbers are missing
};

struct MemoryInfo {
  std::uint64_t total_bytes = 0;
  std::uint64_t available_bytes = 0;
};

struct ThermalZone {
  std::string zone;  // "thermal_zone0"
  std::string type;  // "cpu-thermal"; "" when the zone has no type file
  HostValue<double> celsius;
};

// The Raspberry Pi firmware's throttling word (get_throttled).
struct ThrottleFlags {
  std::uint32_t raw = 0;
};
// Each flag of the word: bit, the name used in /metrics and /status.
struct ThrottleFlagName {
  unsigned bit;
  const char* name;
};
extern const std::array<ThrottleFlagName, 8> kThrottleFlags;

struct HostHealth {
  std::vector<FilesystemUsage> filesystems;
  HostValue<MemoryInfo> memory;
  HostValue<std::array<double, 3>> load;  // 1, 5, 15 minutes
  std::vector<ThermalZone> thermal;
  std::string thermal_unknown;  // why `thermal` is empty
  // The zone taken as the CPU's: type cpu-thermal, else the only zone with a reading; "" none.
  std::string cpu_zone;
  HostValue<ThrottleFlags> throttled;
  std::string throttled_source;           // the file read, "" when none
  HostValue<bool> root_readonly;          // "/" mounted ro (/proc/mounts): a failing SD card
  HostValue<double> uptime_seconds;       // /proc/uptime
  std::optional<std::int64_t> boot_time;  // unix seconds, from uptime and the time given
  HostValue<std::string> boot_id;
};

// Pure parsers of the files' text; `name` is the file's name for the reason.
HostValue<MemoryInfo> parse_meminfo(std::string_view text);
HostValue<std::array<double, 3>> parse_loadavg(std::string_view text);
HostValue<double> parse_uptime(std::string_view text);
HostValue<std::string> parse_boot_id(std::string_view text);
HostValue<double> parse_thermal_temp(std::string_view text);  // millidegrees -> celsius
HostValue<ThrottleFlags> parse_throttled(std::string_view text);
// Whether the last mount of "/" in /proc/mounts has the option "ro".
HostValue<bool> parse_root_readonly(std::string_view mounts);
// The mount point holding `path` (longest prefix among /proc/mounts' mount
// points, octal escapes undone); nullopt when none matches.
std::optional<std::string> mountpoint_of(std::string_view mounts, std::string_view path);

struct HostPaths {
  std::string root = "/";  // the tree /proc and /sys are read under
  std::string data_dir;    // [general] state_dir, under `root`; "" none
};

// Everything above, read now; `now_unix` gives the boot time.
HostHealth read_host_health(const HostPaths& paths, std::int64_t now_unix);

// The flags set in `flags`, by name, comma-separated ("" when none).
std::string throttle_words(std::uint32_t flags);

}  // namespace fb::health
