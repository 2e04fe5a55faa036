#include "state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fb::core {

namespace fs = std::filesystem;

std::string_view code_name(StateFileCode code) {
  switch (code) {
    case StateFileCode::unreadable: return "STATE_FILE_UNREADABLE";
  }
  return "STATE_FILE_UNREADABLE";
}

fb::Result<std::optional<std::string>, StateFileCode> read_state_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return {StateFileCode::unreadable, path + ": " + std::strerror(errno)};
  }
  std::string text, problem;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) problem = path + ": " + std::strerror(errno);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 65536) {
      problem = path + ": larger than 64 KiB";
      break;
    }
  }
  ::close(fd);
  if (!problem.empty()) return {StateFileCode::unreadable, std::move(problem)};
  return std::optional<std::string>(std::move(text));
}

std::string write_atomically(const std::string& path, const std::string& body) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return tmp + ": " + std::strerror(errno);
  std::string err;
  for (std::size_t done = 0; err.empty() && done < body.size();) {
    ssize_t n = ::write(fd, body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      err = std::strerror(errno);
    else
      done += static_cast<std::size_t>(n);
  }
  if (err.empty() && ::fsync(fd) != 0) err = std::strerror(errno);
  if (::close(fd) != 0 && err.empty()) err = std::strerror(errno);
  if (err.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) err = std::strerror(errno);
  if (!err.empty()) {
    ::unlink(tmp.c_str());
    return path + ": " + err;
  }
  // The rename is durable only once the directory is.
  int dfd = ::open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fs::path(path).parent_path().string() + ": " + std::strerror(errno);
  if (::fsync(dfd) != 0) err = std::strerror(errno);
  ::close(dfd);
  if (!err.empty()) return fs::path(path).parent_path().string() + ": fsync: " + err;
  return "";
}

}  // namespace fb::core
