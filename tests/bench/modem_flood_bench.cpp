// Benchmark (reported, never asserted): what a stick flooding garbage costs
// the AT framer, fed the way AtChannel feeds it (4096-byte reads, events
// handed off after each read). For each kind of garbage it prints the CPU
// time per MB for a 1 MB and an 8 MB flood and their ratio: about 1.0 when
// the cost is linear in the bytes, about 8 when it is quadratic. The line
// cut (kMaxLine) bounds any per-line rescan, so a rescan shows as a large
// constant instead: the "x random" column (the large flood's cost per MB
// over random bytes') and the second table, where the cost per MB of high
// bytes after a pending line of L spaces must not grow with L.
// Usage: fb_modem_flood_bench [MB]   (the small flood, default 1; the large one is 8x)
// Built and run by tests/bench/modem_flood_bench.sh.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/framing.hpp"
#include "fb/modem/profile.hpp"

namespace {

constexpr std::size_t kMB = 1 << 20;
constexpr std::size_t kRead = 4096;  // AtChannel's read buffer

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// `pattern` repeated to `size` bytes.
std::string repeat(std::string_view pattern, std::size_t size) {
  std::string s;
  s.reserve(size + pattern.size());
  while (s.size() < size) s.append(pattern);
  s.resize(size);
  return s;
}

struct Kind {
  const char* name;
  std::string (*make)(std::size_t size);
};

const Kind kKinds[] = {
    {"random bytes",
     [](std::size_t size) {
       std::string s(size, '\0');
       std::uint32_t x = 1;
       for (auto& c : s) {
         x = x * 1103515245u + 12345u;
         c = static_cast<char>(x >> 24);
       }
       return s;
     }},
    // One pending line of spaces, then bytes >= 0x80 (noise before a line's
    // text) and never a line end.
    {"spaces, then high bytes",
     [](std::size_t size) {
       std::string s(fb::at::Framer::kMaxLine - 1, ' ');
       s.append(size - s.size(), '\x80');
       return s;
     }},
    // Lines whose text starts late and runs past kMaxLine in bytes >= 0x80.
    {"late text, high bytes",
     [](std::size_t size) {
       std::string line(fb::at::Framer::kMaxLine / 2, ' ');
       line += "A" + std::string(fb::at::Framer::kMaxLine / 2 + 10, '\xE9') + "\r\n";
       return repeat(line, size);
     }},
    {"no line end", [](std::size_t size) { return std::string(size, 'A'); }},
    {"short stray lines", [](std::size_t size) { return repeat("x\r\n", size); }},
    {"URC storm", [](std::size_t size) { return repeat("\r\n^RSSI:17\r\n", size); }},
    {"NUL/0xFF burst", [](std::size_t size) { return repeat(std::string("\x00\xFF", 2), size); }},
};

// CPU seconds to frame `flood`, best of `runs` (the machine may be busy).
double frame(const std::string& flood, bool busy, int runs) {
  double best = 1e300;
  for (int r = 0; r < runs; ++r) {
    fb::at::Framer framer;
    for (auto p : fb::modem::generic_urcs()) framer.add_urc_prefix(std::string(p));
    if (busy) framer.begin("ATI", {});
    std::vector<fb::at::FramerEvent> events;
    double start = cpu_seconds();
    for (std::size_t i = 0; i < flood.size(); i += kRead) {
      framer.feed(std::string_view(flood).substr(i, kRead), events);
      events.clear();
    }
    best = std::min(best, cpu_seconds() - start);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t small_mb = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1;
  if (small_mb == 0) small_mb = 1;
  const std::size_t small = small_mb * kMB, large = 8 * small;
  std::printf("AT framer, CPU ms per MB of garbage (best of 3), %zu MB vs %zu MB; ratio ~1 = linear, ~8 = quadratic\n",
              small / kMB, large / kMB);
  std::printf("%-26s %-5s %12s %12s %7s %9s\n", "garbage", "cmd", "small ms/MB", "large ms/MB", "ratio", "x random");
  double worst_ratio = 0, worst_factor = 0, random_per_mb[2] = {0, 0};
  for (const auto& kind : kKinds) {
    std::string a = kind.make(small), b = kind.make(large);
    for (bool busy : {false, true}) {
      double per_a = frame(a, busy, 3) / (static_cast<double>(small) / kMB) * 1e3;
      double per_b = frame(b, busy, 3) / (static_cast<double>(large) / kMB) * 1e3;
      if (&kind == &kKinds[0]) random_per_mb[busy] = per_b;
      double ratio = per_a > 0 ? per_b / per_a : 0;
      double factor = random_per_mb[busy] > 0 ? per_b / random_per_mb[busy] : 0;
      worst_ratio = std::max(worst_ratio, ratio);
      worst_factor = std::max(worst_factor, factor);
      std::printf("%-26s %-5s %12.2f %12.2f %7.2f %9.2f\n", kind.name, busy ? "busy" : "idle", per_a, per_b, ratio,
                  factor);
    }
  }
  std::printf("worst ratio large/small %.2f, worst cost per MB %.2f x random bytes'\n\n", worst_ratio, worst_factor);

  std::printf("high bytes after a pending line of L spaces, %zu MB: CPU ms per MB (flat = no rescan)\n", small / kMB);
  double first = 0;
  for (std::size_t spaces : {std::size_t{16}, std::size_t{128}, fb::at::Framer::kMaxLine - 1}) {
    std::string flood(spaces, ' ');
    flood.append(small, '\x80');
    double per = frame(flood, false, 3) / (static_cast<double>(flood.size()) / kMB) * 1e3;
    if (first == 0) first = per;
    std::printf("  L = %4zu %10.2f ms/MB %7.2f x L=16\n", spaces, per, first > 0 ? per / first : 0);
  }
  return 0;
}
