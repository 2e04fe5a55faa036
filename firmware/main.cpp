// failberryd: the failberry supervisor daemon. Parses the command line,
// validates the config and hands over to fb::core::Daemon.
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <string>
#include <string_view>

#include "fb/core/config_file.hpp"
#include "fb/core/daemon.hpp"
#include "fb/log.hpp"
#include "fb/version.hpp"

namespace {

constexpr const char* kDefaultConfig = "/etc/failberry/failberry.ini";

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: failberryd [--config FILE] [--dry-run]\n"
               "       failberryd --check-config [FILE]\n"
               "       failberryd --version | --help\n"
               "\n"
               "  --config FILE        configuration (default %s)\n"
               "  --dry-run            change nothing outside failberryd: log kernel changes,\n"
               "                       start no pppd, cut no USB power, no reboot, no DDNS\n"
               "  --check-config FILE  validate FILE and exit: 0 valid, 1 invalid\n",
               kDefaultConfig);
}

int check_config(const std::string& path) {
  fb::core::LoadedConfig loaded = fb::core::load_config_file(path);
  if (!loaded.config) {
    for (const std::string& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
    std::fprintf(stderr, "%s: invalid (%zu error%s)\n", path.c_str(), loaded.errors.size(),
                 loaded.errors.size() == 1 ? "" : "s");
    return 1;
  }
  std::string names;
  for (const auto& u : loaded.config->uplinks) names += (names.empty() ? "" : ", ") + u.name;
  std::printf("%s: OK (%zu uplink%s: %s)\n", path.c_str(), loaded.config->uplinks.size(),
              loaded.config->uplinks.size() == 1 ? "" : "s", names.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = kDefaultConfig;
  bool dry_run = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--version") {
      std::printf("failberryd %s\n", fb::kVersion);
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else if (arg == "--check-config") {
      return check_config(has_value ? argv[i + 1] : config_path);
    } else if (arg == "--config" && has_value) {
      config_path = argv[++i];
    } else if (arg == "--dry-run") {
      dry_run = true;
    } else {
      std::fprintf(stderr, "failberryd: unknown or incomplete option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }

  fb::logging::set_format(fb::logging::detect_format());
  fb::Logger log{"failberryd"};
  fb::core::LoadedConfig loaded = fb::core::load_config_file(config_path);
  if (!loaded.config) {
    for (const std::string& e : loaded.errors) log.error() << e;
    log.error() << "not starting: " << config_path << " is invalid (" << loaded.errors.size() << " error(s))";
    return 1;
  }
  boost::asio::io_context io;
  fb::core::Daemon daemon(io, {config_path, dry_run}, std::move(*loaded.config));
  return daemon.run();
}
