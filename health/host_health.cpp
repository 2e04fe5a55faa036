#include "fb/health/host_health.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "fb/text.hpp"

namespace fb::health {

const std::array<ThrottleFlagName, 8> kThrottleFlags = {{
    {0, "under_voltage_now"},
    {1, "arm_freq_capped_now"},
    {2, "throttled_now"},
    {3, "soft_temp_limit_now"},
    {16, "under_voltage_occurred"},
    {17, "arm_freq_capped_occurred"},
    {18, "throttled_occurred"},
    {19, "soft_temp_limit_occurred"},
}};

namespace {

namespace fs = std::filesystem;

// The file's text (at most 256 KiB: /proc/mounts on a busy host is the
// largest), or the reason it cannot be read.
HostValue<std::string> read_text(const fs::path& file, const std::string& shown) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return HostValue<std::string>::missing("cannot read " + shown + ": " + std::strerror(errno));
  std::string text;
  char buf[4096];
  while (text.size() < 256 * 1024 && in.read(buf, sizeof buf).gcount() > 0)
    text.append(buf, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return HostValue<std::string>::missing("cannot read " + shown + ": " + std::strerror(errno));
  return HostValue<std::string>::known(std::move(text));
}

std::string quoted(std::string_view text) {
  return "\"" + clean_text(text, 40) + "\"";
}

std::optional<double> number(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// /proc/mounts escapes blanks, tabs, newlines and backslashes as \ooo.
std::string unescape_mount(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() &&
        std::all_of(field.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    field.begin() + static_cast<std::ptrdiff_t>(i) + 4, [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

bool under(std::string_view path, std::string_view mount) {
  if (mount == "/") return !path.empty() && path.front() == '/';
  return path.substr(0, mount.size()) == mount && (path.size() == mount.size() || path[mount.size()] == '/');
}

}  // namespace

HostValue<MemoryInfo> parse_meminfo(std::string_view text) {
  std::optional<std::uint64_t> total, available;
  for (std::string_view line : lines(text)) {
    std::vector<std::string_view> f = fields(line);
    if (f.size() < 2 || (f[0] != "MemTotal:" && f[0] != "MemAvailable:")) continue;
    std::uint64_t kib = 0;
    auto [end, ec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), kib);
    std::string key(f[0].substr(0, f[0].size() - 1));
    if (ec != std::errc() || end != f[1].data() + f[1].size() || f.size() != 3 || f[2] != "kB" ||
        kib > UINT64_MAX / 1024)
      return HostValue<MemoryInfo>::missing("/proc/meminfo: " + key +
                                            " is not a count of kB: " + quoted(trim(line.substr(f[0].size()))));
    (f[0] == "MemTotal:" ? total : available) = kib * 1024;
  }
  if (!total) return HostValue<MemoryInfo>::missing("/proc/meminfo has no MemTotal line");
  if (!available) return HostValue<MemoryInfo>::missing("/proc/meminfo has no MemAvailable line (kernel before 3.14?)");
  return HostValue<MemoryInfo>::known({*total, *available});
}

HostValue<std::array<double, 3>> parse_loadavg(std::string_view text) {
  std::vector<std::string_view> f = fields(trim(text));
  std::array<double, 3> load{};
  for (std::size_t i = 0; i < 3; ++i) {
    std::optional<double> v = i < f.size() ? number(f[i]) : std::nullopt;
    if (!v || *v < 0)
      return HostValue<std::array<double, 3>>::missing("/proc/loadavg: not three load averages: " + quoted(trim(text)));
    load[i] = *v;
  }
  return HostValue<std::array<double, 3>>::known(load);
}

HostValue<double> parse_uptime(std::string_view text) {
  std::vector<std::string_view> f = fields(trim(text));
  std::optional<double> v = f.empty() ? std::nullopt : number(f[0]);
  if (!v || *v < 0) return HostValue<double>::missing("/proc/uptime: not a number of seconds: " + quoted(trim(text)));
  return HostValue<double>::known(*v);
}

HostValue<std::string> parse_boot_id(std::string_view text) {
  std::string_view id = trim(text);
  bool ok = id.size() == 36;
  for (std::size_t i = 0; ok && i < id.size(); ++i)
    ok = (i == 8 || i == 13 || i == 18 || i == 23) ? id[i] == '-' : std::isxdigit(static_cast<unsigned char>(id[i]));
  if (!ok) return HostValue<std::string>::missing("boot_id: not a UUID: " + quoted(id));
  return HostValue<std::string>::known(std::string(id));
}

HostValue<double> parse_thermal_temp(std::string_view text) {
  std::string_view t = trim(text);
  long long milli = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), milli);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size())
    return HostValue<double>::missing("temp: not millidegrees Celsius: " + quoted(t));
  // A sensor that failed reads as nonsense (-273000, 1000000): not a temperature.
  if (milli < -100000 || milli > 200000)
    return HostValue<double>::missing("temp: out of range (-100..200 C): " + quoted(t));
  return HostValue<double>::known(static_cast<double>(milli) / 1000.0);
}

HostValue<ThrottleFlags> parse_throttled(std::string_view text) {
  std::string_view t = trim(text);
  std::string_view digits = t.substr(0, 2) == "0x" || t.substr(0, 2) == "0X" ? t.substr(2) : t;
  std::uint32_t raw = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), raw, 16);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
    return HostValue<ThrottleFlags>::missing("get_throttled: not a hexadecimal word: " + quoted(t));
  return HostValue<ThrottleFlags>::known({raw});
}

HostValue<bool> parse_root_readonly(std::string_view mounts) {
  std::optional<bool> readonly;
  for (std::string_view line : lines(mounts)) {
    std::vector<std::string_view> f = fields(line);
    if (f.size() < 4 || unescape_mount(f[1]) != "/") continue;
    bool ro = false;
    for (std::string_view opts = f[3]; !opts.empty();) {
      std::size_t comma = opts.find(',');
      ro = ro || opts.substr(0, comma) == "ro";
      opts = comma == std::string_view::npos ? std::string_view() : opts.substr(comma + 1);
    }
    readonly = ro;  // the last mount of "/" is the one in effect
  }
  if (!readonly) return HostValue<bool>::missing("/proc/mounts has no entry for /");
  return HostValue<bool>::known(*readonly);
}

std::optional<std::string> mountpoint_of(std::string_view mounts, std::string_view path) {
  std::optional<std::string> best;
  for (std::string_view line : lines(mounts)) {
    std::vector<std::string_view> f = fields(line);
    if (f.size() < 2) continue;
    std::string mount = unescape_mount(f[1]);
    if (under(path, mount) && (!best || mount.size() >= best->size())) best = mount;
  }
  return best;
}

std::string throttle_words(std::uint32_t flags) {
  std::string out;
  for (const ThrottleFlagName& f : kThrottleFlags)
    if (flags & (1u << f.bit)) out += (out.empty() ? "" : ",") + std::string(f.name);
  return out;
}

HostHealth read_host_health(const HostPaths& paths, std::int64_t now_unix) {
  HostHealth h;
  fs::path root = paths.root.empty() ? fs::path("/") : fs::path(paths.root);
  auto file = [&](std::string_view logical) { return root / fs::path(logical).relative_path(); };
  auto parsed = [&](std::string_view logical, auto parse) {
    HostValue<std::string> text = read_text(file(logical), std::string(logical));
    using Out = decltype(parse(std::string_view()));
    return text.value ? parse(*text.value) : Out::missing(text.unknown);
  };

  HostValue<std::string> mounts = read_text(file("/proc/mounts"), "/proc/mounts");
  h.root_readonly = mounts.value ? parse_root_readonly(*mounts.value) : HostValue<bool>::missing(mounts.unknown);

  std::vector<std::pair<std::string, std::string>> wanted = {{"root", "/"}};
  if (!paths.data_dir.empty()) wanted.emplace_back("data", paths.data_dir);
  for (const auto& [role, path] : wanted) {
    FilesystemUsage u;
    u.role = role;
    u.path = path;
    std::optional<std::string> mount = mounts.value ? mountpoint_of(*mounts.value, path) : std::nullopt;
    u.mountpoint = clean_text(mount ? *mount : path);
    struct statvfs st {};
    if (::statvfs(file(path).c_str(), &st) != 0) {
      u.unknown = "statvfs " + path + ": " + std::strerror(errno);
    } else {
      std::uint64_t unit = st.f_frsize ? st.f_frsize : st.f_bsize;
      u.size_bytes = static_cast<std::uint64_t>(st.f_blocks) * unit;
      u.avail_bytes = static_cast<std::uint64_t>(st.f_bavail) * unit;
      u.readonly = (st.f_flag & ST_RDONLY) != 0;
    }
    h.filesystems.push_back(std::move(u));
  }

  h.memory = parsed("/proc/meminfo", parse_meminfo);
  h.load = parsed("/proc/loadavg", parse_loadavg);
  h.uptime_seconds = parsed("/proc/uptime", parse_uptime);
  if (h.uptime_seconds.value) h.boot_time = now_unix - static_cast<std::int64_t>(*h.uptime_seconds.value);
  h.boot_id = parsed("/proc/sys/kernel/random/boot_id", parse_boot_id);

  std::error_code ec;
  std::vector<std::string> zones;
  for (fs::directory_iterator it(file("/sys/class/thermal"), ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind("thermal_zone", 0) == 0) zones.push_back(name);
  }
  if (ec && zones.empty()) h.thermal_unknown = "cannot list /sys/class/thermal: " + ec.message();
  if (!ec && zones.empty()) h.thermal_unknown = "no thermal zone in /sys/class/thermal";
  // thermal_zone2 before thermal_zone10.
  std::sort(zones.begin(), zones.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  for (const std::string& zone : zones) {
    ThermalZone z;
    z.zone = clean_text(zone, 40);
    std::string dir = "/sys/class/thermal/" + zone;
    HostValue<std::string> type = read_text(file(dir + "/type"), dir + "/type");
    if (type.value) z.type = clean_text(trim(*type.value), 40);
    HostValue<std::string> temp = read_text(file(dir + "/temp"), dir + "/temp");
    if (temp.value) {
      z.celsius = parse_thermal_temp(*temp.value);
      if (!z.celsius.value) z.celsius.unknown = z.zone + " " + z.celsius.unknown;
    } else {
      z.celsius = HostValue<double>::missing(temp.unknown);
    }
    h.thermal.push_back(std::move(z));
  }
  int with_reading = 0;
  for (const ThermalZone& z : h.thermal) {
    if (z.type == "cpu-thermal" && h.cpu_zone.empty()) h.cpu_zone = z.zone;
    with_reading += z.celsius.value.has_value();
  }
  if (h.cpu_zone.empty() && with_reading == 1)
    for (const ThermalZone& z : h.thermal)
      if (z.celsius.value) h.cpu_zone = z.zone;

  const std::string throttled = "/sys/devices/platform/soc/soc:firmware/get_throttled";
  if (fs::exists(file(throttled), ec)) {
    h.throttled_source = throttled;
    h.throttled = parsed(throttled, parse_throttled);
  } else {
    h.throttled = HostValue<ThrottleFlags>::missing("no " + throttled +
                                                    " (not a Raspberry Pi, or a kernel without the firmware driver)");
  }
  return h;
}

}  // namespace fb::health
