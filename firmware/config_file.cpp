#include "fb/core/config_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fb/config/parse.hpp"
#include "fb/secret_file.hpp"

namespace fb::core {
namespace {
constexpr off_t kMaxConfigBytes = 1 << 20;  // a real config is a few KiB
}

std::optional<std::string> check_file(const std::string& path, const FileRule& rule) {
  // Read the way the daemon reads it when it needs the secret, so a file it
  // would refuse then (mode, symlink, size, content) is refused now.
  auto file = read_secret_file(path);
  if (auto* why = std::get_if<std::string>(&file)) {
    // The error line already names the file: drop the reader's "PATH: ".
    std::string_view reason = *why;
    if (reason.rfind(path + ": ", 0) == 0) reason.remove_prefix(path.size() + 2);
    return "secret file: " + std::string(reason);
  }
  if (!rule.content) return std::nullopt;
  if (auto why = rule.content(std::get<Secret>(file).reveal())) return "secret file: " + *why;
  return std::nullopt;
}

LoadedConfig load_config_file(const std::string& path) {
  LoadedConfig out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.errors.push_back(path + ": cannot open: " + std::strerror(errno));
    return out;
  }
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    out.errors.push_back(path + ": not a regular file");
  } else if (st.st_size > kMaxConfigBytes) {
    out.errors.push_back(path + ": too large (" + std::to_string(st.st_size) + " bytes; a config is at most 1 MiB)");
  } else {
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() <= static_cast<size_t>(kMaxConfigBytes))
      text.append(buf, static_cast<size_t>(n));
    if (n < 0) out.errors.push_back(path + ": read failed: " + std::strerror(errno));
  }
  ::close(fd);
  if (!out.errors.empty()) return out;

  ConfigResult result = parse_config(text, path, check_file);
  for (const ConfigError& e : result.errors) out.errors.push_back(e.to_string());
  out.config = std::move(result.config);
  return out;
}

}  // namespace fb::core
