#include "fb/secret_file.hpp"

#include <fcntl.h>
#include <string.h>  // explicit_bzero
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fb {

std::optional<std::string> secret_file_problem(const struct stat& st, const std::string& path) {
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "accessible by group or others (mode " + std::string(mode) + "); run: chmod 600 " + path;
  }
  return std::nullopt;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

void Secret::wipe() {
  // explicit_bzero: a plain memset of memory about to be freed may be elided.
  if (!value_.empty()) ::explicit_bzero(value_.data(), value_.size());
  value_.clear();
}

std::variant<Secret, std::string> read_secret_file(const std::string& path) {
  // O_NOFOLLOW: a symlink planted in place of the file cannot redirect us.
  // O_NONBLOCK: a FIFO put there cannot hang the open; fstat refuses it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ELOOP) return path + ": is a symbolic link; name the file itself";
    return path + ": cannot open: " + std::strerror(errno);
  }
  struct stat st {};
  std::string error;
  if (::fstat(fd, &st) != 0) {
    error = path + ": cannot stat: " + std::strerror(errno);
  } else if (auto problem = secret_file_problem(st, path)) {
    error = path + ": " + *problem;
  } else if (static_cast<std::size_t>(st.st_size) > kSecretFileMaxBytes) {
    error = path + ": larger than " + std::to_string(kSecretFileMaxBytes) + " bytes, too large for a secret";
  }
  Secret text;
  if (error.empty()) {
    std::string buf(kSecretFileMaxBytes + 1, '\0');
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
    // The file grew after fstat.
    if (error.empty() && used > kSecretFileMaxBytes)
      error = path + ": larger than " + std::to_string(kSecretFileMaxBytes) + " bytes, too large for a secret";
    buf.resize(used);
    text = Secret(std::move(buf));  // buf's storage moves into the wiping holder
  }
  ::close(fd);
  if (!error.empty()) return error;
  return text;
}

}  // namespace fb
