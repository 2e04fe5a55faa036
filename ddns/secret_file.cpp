#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fb/ddns/secrets.hpp"
#include "fb/secret_file.hpp"

namespace fb::ddns {

std::variant<Secret, std::string> read_secret_file(const std::string& path) {
  constexpr off_t kMaxBytes = 4096;  // a secret or a key pair is tens of bytes
  // O_NOFOLLOW: a symlink planted in place of the file cannot redirect us.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return path + ": cannot open: " + std::strerror(errno);
  struct stat st {};
  std::string error;
  if (::fstat(fd, &st) != 0) {
    error = path + ": cannot stat: " + std::strerror(errno);
  } else if (auto problem = fb::secret_file_problem(st, path)) {
    error = path + ": " + *problem;
  } else if (st.st_size > kMaxBytes) {
    error = path + ": too large for a secret (" + std::to_string(st.st_size) + " bytes)";
  }
  Secret text;
  if (error.empty()) {
    std::string buf(static_cast<std::size_t>(kMaxBytes) + 1, '\0');
    std::size_t used = 0;
    while (used < buf.size()) {
      ssize_t n = ::read(fd, buf.data() + used, buf.size() - used);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = path + ": read failed: " + std::strerror(errno);
        break;
      }
      if (n == 0) break;
      used += static_cast<std::size_t>(n);
    }
    if (error.empty() && used > static_cast<std::size_t>(kMaxBytes)) error = path + ": too large for a secret";
    buf.resize(used);
    text = Secret(std::move(buf));  // buf's storage moves into the wiping holder
  }
  ::close(fd);
  if (!error.empty()) return error;
  return text;
}

}  // namespace fb::ddns
