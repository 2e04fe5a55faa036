// Host health: each parser against literal file contents (real ones from a
// Raspberry Pi 4 and an x86 box, garbage, empty), and the reader against a
// fake /proc and /sys tree in a temp dir.
#include <doctest/doctest.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>

#include "../support/scratch_dir.hpp"
#include "fb/health/host_health.hpp"

using namespace fb::health;
namespace fs = std::filesystem;

namespace {
void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}
}  // namespace

TEST_CASE("meminfo: MemTotal and MemAvailable in bytes, or why not") {
  const char* pi4 =
      "MemTotal:        3884376 kB\n"
      "MemFree:         2817316 kB\n"
      "MemAvailable:    3415128 kB\n"
      "Buffers:           48328 kB\n"
      "HugePages_Total:       0\n";
  HostValue<MemoryInfo> m = parse_meminfo(pi4);
  REQUIRE(m.value);
  CHECK(m.value->total_bytes == 3884376ull * 1024);
  CHECK(m.value->available_bytes == 3415128ull * 1024);
  CHECK(m.unknown.empty());

  struct Row {
    const char* text;
    const char* reason;
  };
  for (Row row :
       {Row{"", "/proc/meminfo has no MemTotal line"},
        Row{"MemTotal: 1000 kB\n", "/proc/meminfo has no MemAvailable line (kernel before 3.14?)"},
        Row{"MemTotal: lots kB\nMemAvailable: 10 kB\n", "/proc/meminfo: MemTotal is not a count of kB: \"lots kB\""},
        Row{"MemTotal: 1000 kB\nMemAvailable: 10 MB\n", "/proc/meminfo: MemAvailable is not a count of kB: \"10 MB\""},
        Row{"MemTotal: -5 kB\nMemAvailable: 1 kB\n", "/proc/meminfo: MemTotal is not a count of kB: \"-5 kB\""},
        Row{"\x01\xff\xfe garbage\n\n\n", "/proc/meminfo has no MemTotal line"}}) {
    CAPTURE(row.text);
    HostValue<MemoryInfo> bad = parse_meminfo(row.text);
    CHECK_FALSE(bad.value);
    CHECK(bad.unknown == row.reason);
  }
}

TEST_CASE("loadavg and uptime") {
  HostValue<std::array<double, 3>> load = parse_loadavg("0.52 0.58 1.59 1/123 4567\n");
  REQUIRE(load.value);
  CHECK((*load.value)[0] == doctest::Approx(0.52));
  CHECK((*load.value)[1] == doctest::Approx(0.58));
  CHECK((*load.value)[2] == doctest::Approx(1.59));
  for (const char* bad : {"", "0.5 0.6\n", "a b c 1/1 1\n", "0.5 -1 0.3 1/1 1\n", "nan 1 1 1/1 1"}) {
    CAPTURE(bad);
    HostValue<std::array<double, 3>> v = parse_loadavg(bad);
    CHECK_FALSE(v.value);
    CHECK(v.unknown.rfind("/proc/loadavg: not three load averages: \"", 0) == 0);
  }
  HostValue<double> up = parse_uptime("350735.47 234388.90\n");
  REQUIRE(up.value);
  CHECK(*up.value == doctest::Approx(350735.47));
  for (const char* bad : {"", "\n", "x 1\n", "-3 1\n"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_uptime(bad).value);
    CHECK(parse_uptime(bad).unknown.rfind("/proc/uptime: not a number of seconds", 0) == 0);
  }
}

TEST_CASE("boot id: a UUID, anything else is unknown") {
  HostValue<std::string> id = parse_boot_id("8a3c1f0e-5b2d-4e7a-9c1b-0d2e3f4a5b6c\n");
  REQUIRE(id.value);
  CHECK(*id.value == "8a3c1f0e-5b2d-4e7a-9c1b-0d2e3f4a5b6c");
  for (const char* bad : {"", "8a3c1f0e5b2d4e7a9c1b0d2e3f4a5b6c", "8a3c1f0e-5b2d-4e7a-9c1b-0d2e3f4a5b6g",
                          "8a3c1f0e-5b2d-4e7a-9c1b-0d2e3f4a5b6c-extra"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_boot_id(bad).value);
  }
  CHECK(parse_boot_id("\x1b[31mred\n").unknown == "boot_id: not a UUID: \" [31mred\"");
}

TEST_CASE("thermal zone temp: millidegrees to Celsius, nonsense is unknown") {
  CHECK(*parse_thermal_temp("47236\n").value == doctest::Approx(47.236));
  CHECK(*parse_thermal_temp("-5000").value == doctest::Approx(-5.0));
  struct Row {
    const char* text;
    const char* reason;
  };
  for (Row row :
       {Row{"", "temp: not millidegrees Celsius: \"\""}, Row{"47.2\n", "temp: not millidegrees Celsius: \"47.2\""},
        Row{"hot\n", "temp: not millidegrees Celsius: \"hot\""},
        Row{"-273000\n", "temp: out of range (-100..200 C): \"-273000\""},
        Row{"1000000", "temp: out of range (-100..200 C): \"1000000\""}}) {
    CAPTURE(row.text);
    HostValue<double> t = parse_thermal_temp(row.text);
    CHECK_FALSE(t.value);
    CHECK(t.unknown == row.reason);
  }
}

TEST_CASE("get_throttled: the firmware's hex word, with or without 0x; its flags by name") {
  CHECK(parse_throttled("0\n").value->raw == 0);
  CHECK(parse_throttled("50005\n").value->raw == 0x50005);
  CHECK(parse_throttled("0x80008").value->raw == 0x80008);
  for (const char* bad : {"", "\n", "0x", "zz", "123456789", "0x5 0x6"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_throttled(bad).value);
    CHECK(parse_throttled(bad).unknown.rfind("get_throttled: not a hexadecimal word", 0) == 0);
  }
  CHECK(throttle_words(0) == "");
  CHECK(throttle_words(0x50005) == "under_voltage_now,throttled_now,under_voltage_occurred,throttled_occurred");
  CHECK(throttle_words(0xa000a) ==
        "arm_freq_capped_now,soft_temp_limit_now,arm_freq_capped_occurred,"
        "soft_temp_limit_occurred");
  CHECK(throttle_words(0xfff0fff0) == "");  // bits nobody defined
}

TEST_CASE("/proc/mounts: / read-only (the last mount of / counts), the mount holding a path") {
  const char* ok =
      "/dev/root / ext4 rw,noatime 0 0\n"
      "proc /proc proc rw,relatime 0 0\n"
      "/dev/mmcblk0p1 /boot/firmware vfat rw,relatime,fmask=0022 0 0\n"
      "/dev/sda1 /var/lib/failberry ext4 rw 0 0\n"
      "/dev/sdb1 /mnt/my\\040disk ext4 ro 0 0\n";
  CHECK(*parse_root_readonly(ok).value == false);
  const char* failing =
      "/dev/root / ext4 rw,noatime 0 0\n"
      "proc /proc proc rw,relatime 0 0\n"
      "/dev/root / ext4 ro,noatime 0 0\n";
  CHECK(*parse_root_readonly(failing).value == true);
  CHECK(*parse_root_readonly("/dev/root / ext4 noatime,ro 0 0\n").value == true);
  CHECK(*parse_root_readonly("/dev/root / ext4 rw,errors=remount-ro 0 0\n").value == false);
  for (const char* bad : {"", "garbage\n", "proc /proc proc rw 0 0\n"}) {
    CAPTURE(bad);
    HostValue<bool> v = parse_root_readonly(bad);
    CHECK_FALSE(v.value);
    CHECK(v.unknown == "/proc/mounts has no entry for /");
  }
  CHECK(mountpoint_of(ok, "/var/lib/failberry") == "/var/lib/failberry");
  CHECK(mountpoint_of(ok, "/var/lib/failberry/x") == "/var/lib/failberry");
  CHECK(mountpoint_of(ok, "/var/lib/failberryd") == "/");
  CHECK(mountpoint_of(ok, "/boot/firmware") == "/boot/firmware");
  CHECK(mountpoint_of(ok, "/mnt/my disk/a") == "/mnt/my disk");
  CHECK(mountpoint_of(ok, "/") == "/");
  CHECK_FALSE(mountpoint_of("", "/var").has_value());
}

TEST_CASE("the reader on a fake Raspberry Pi tree: every fact known") {
  fb::test::ScratchDir dir("fb-host");
  const fs::path& root = dir.path();
  write(root / "proc/meminfo", "MemTotal:        3884376 kB\nMemAvailable:    3415128 kB\n");
  write(root / "proc/loadavg", "0.10 0.20 0.30 1/99 1234\n");
  write(root / "proc/uptime", "1000.75 3000.00\n");
  write(root / "proc/sys/kernel/random/boot_id", "8a3c1f0e-5b2d-4e7a-9c1b-0d2e3f4a5b6c\n");
  write(root / "proc/mounts", "/dev/root / ext4 ro,noatime 0 0\n/dev/sda1 /var/lib/failberry ext4 rw 0 0\n");
  write(root / "sys/class/thermal/thermal_zone0/type", "cpu-thermal\n");
  write(root / "sys/class/thermal/thermal_zone0/temp", "51121\n");
  write(root / "sys/devices/platform/soc/soc:firmware/get_throttled", "50005\n");
  fs::create_directories(root / "var/lib/failberry");

  HostHealth h = read_host_health({root.string(), "/var/lib/failberry"}, 1'700'000'000);
  REQUIRE(h.filesystems.size() == 2);
  struct statvfs st {};
  REQUIRE(::statvfs(root.c_str(), &st) == 0);
  for (const FilesystemUsage& f : h.filesystems) {
    CAPTURE(f.role);
    CHECK(f.unknown.empty());
    REQUIRE(f.size_bytes);
    REQUIRE(f.avail_bytes);
    // The same file system as the temp dir: df's numbers.
    CHECK(*f.size_bytes == static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize);
    CHECK(*f.avail_bytes <= *f.size_bytes);
    CHECK(*f.readonly == ((st.f_flag & ST_RDONLY) != 0));
  }
  CHECK(h.filesystems[0].role == "root");
  CHECK(h.filesystems[0].mountpoint == "/");
  CHECK(h.filesystems[1].role == "data");
  CHECK(h.filesystems[1].mountpoint == "/var/lib/failberry");
  REQUIRE(h.memory.value);
  CHECK(h.memory.value->available_bytes == 3415128ull * 1024);
  CHECK((*h.load.value)[2] == doctest::Approx(0.30));
  CHECK(*h.uptime_seconds.value == doctest::Approx(1000.75));
  CHECK(h.boot_time == 1'700'000'000 - 1000);
  CHECK(*h.boot_id.value == "8a3c1f0e-5b2d-4e7a-9c1b-0d2e3f4a5b6c");
  REQUIRE(h.thermal.size() == 1);
  CHECK(h.thermal[0].type == "cpu-thermal");
  CHECK(*h.thermal[0].celsius.value == doctest::Approx(51.121));
  CHECK(h.cpu_zone == "thermal_zone0");
  CHECK(h.throttled.value->raw == 0x50005);
  CHECK(h.throttled_source == "/sys/devices/platform/soc/soc:firmware/get_throttled");
  CHECK(*h.root_readonly.value == true);
}

TEST_CASE("the reader on an empty tree, and on one full of garbage: all unknown, each with its reason") {
  fb::test::ScratchDir dir("fb-host");
  const fs::path& root = dir.path();
  HostHealth h = read_host_health({root.string(), "/var/lib/failberry"}, 1'700'000'000);
  REQUIRE(h.filesystems.size() == 2);
  CHECK(h.filesystems[0].size_bytes);  // the temp dir itself exists
  CHECK_FALSE(h.filesystems[1].size_bytes);
  CHECK(h.filesystems[1].unknown == "statvfs /var/lib/failberry: No such file or directory");
  CHECK(h.filesystems[1].mountpoint == "/var/lib/failberry");
  CHECK(h.memory.unknown == "cannot read /proc/meminfo: No such file or directory");
  CHECK(h.load.unknown == "cannot read /proc/loadavg: No such file or directory");
  CHECK(h.uptime_seconds.unknown == "cannot read /proc/uptime: No such file or directory");
  CHECK_FALSE(h.boot_time);
  CHECK(h.boot_id.unknown == "cannot read /proc/sys/kernel/random/boot_id: No such file or directory");
  CHECK(h.root_readonly.unknown == "cannot read /proc/mounts: No such file or directory");
  CHECK(h.thermal.empty());
  CHECK(h.thermal_unknown == "cannot list /sys/class/thermal: No such file or directory");
  CHECK(h.cpu_zone.empty());
  CHECK_FALSE(h.throttled.value);
  CHECK(h.throttled.unknown ==
        "no /sys/devices/platform/soc/soc:firmware/get_throttled (not a Raspberry Pi, or a kernel without the "
        "firmware driver)");
  CHECK(h.throttled_source.empty());

  std::string binary(
      "\x7f"
      "ELF\x02\x01\x01\x00\x00\x00\x00\xff\xfe\n",
      14);
  for (const char* f : {"proc/meminfo", "proc/loadavg", "proc/uptime", "proc/sys/kernel/random/boot_id", "proc/mounts",
                        "sys/class/thermal/thermal_zone0/temp", "sys/class/thermal/thermal_zone1/temp",
                        "sys/devices/platform/soc/soc:firmware/get_throttled"})
    write(root / f, binary);
  write(root / "sys/class/thermal/thermal_zone1/type", "x86_pkg_temp\n");
  h = read_host_health({root.string(), ""}, 1'700'000'000);
  CHECK(h.filesystems.size() == 1);
  CHECK_FALSE(h.memory.value);
  CHECK(h.memory.unknown == "/proc/meminfo has no MemTotal line");
  CHECK_FALSE(h.load.value);
  CHECK_FALSE(h.uptime_seconds.value);
  CHECK_FALSE(h.boot_id.value);
  CHECK_FALSE(h.root_readonly.value);
  REQUIRE(h.thermal.size() == 2);
  CHECK(h.thermal[0].type == "");
  CHECK(h.thermal[1].type == "x86_pkg_temp");
  CHECK(h.thermal[0].celsius.unknown.rfind("thermal_zone0 temp: not millidegrees Celsius: \"", 0) == 0);
  CHECK(h.cpu_zone.empty());
  CHECK_FALSE(h.throttled.value);
  CHECK(h.throttled_source == "/sys/devices/platform/soc/soc:firmware/get_throttled");
  // The reasons quote what was read, cleaned: no control character or invalid UTF-8 gets through.
  for (const std::string& reason :
       {h.memory.unknown, h.load.unknown, h.boot_id.unknown, h.thermal[0].celsius.unknown, h.throttled.unknown}) {
    CAPTURE(reason);
    for (char c : reason) CHECK_FALSE((static_cast<unsigned char>(c) < 0x20 || c == '\x7f'));
  }
}

TEST_CASE("the reader: thermal zones in numeric order; the CPU's is cpu-thermal, else the only one with a reading") {
  fb::test::ScratchDir dir("fb-host");
  const fs::path& root = dir.path();
  for (int z : {10, 2, 1}) {
    std::string d = "sys/class/thermal/thermal_zone" + std::to_string(z);
    write(root / d / "type", z == 10 ? "cpu-thermal\n" : "acpitz\n");
    write(root / d / "temp", std::to_string(40000 + z * 1000) + "\n");
  }
  write(root / "sys/class/thermal/cooling_device0/type", "fan\n");
  HostHealth h = read_host_health({root.string(), ""}, 0);
  REQUIRE(h.thermal.size() == 3);
  CHECK(h.thermal[0].zone == "thermal_zone1");
  CHECK(h.thermal[1].zone == "thermal_zone2");
  CHECK(h.thermal[2].zone == "thermal_zone10");
  CHECK(h.cpu_zone == "thermal_zone10");

  write(root / "sys/class/thermal/thermal_zone10/type", "acpitz\n");
  CHECK(read_host_health({root.string(), ""}, 0).cpu_zone.empty());  // three candidates: none is known to be the CPU
  fs::remove_all(root / "sys/class/thermal/thermal_zone10");
  fs::remove(root / "sys/class/thermal/thermal_zone2/temp");
  h = read_host_health({root.string(), ""}, 0);
  CHECK(h.cpu_zone == "thermal_zone1");
  CHECK(h.thermal[1].celsius.unknown == "cannot read /sys/class/thermal/thermal_zone2/temp: No such file or directory");
}
