#include "fb/ddns/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fb::ddns {
namespace {

std::string write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::strerror(errno);
    done += static_cast<std::size_t>(n);
  }
  return "";
}

}  // namespace

std::optional<IpAddress> StateFile::load() const {
  std::ifstream in(path_);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().size() > 4096) return std::nullopt;
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto field = [&](const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (field("provider") != to_string(provider_) || field("hostname") != hostname_) return std::nullopt;
  return IpAddress::parse(field("address"));
}

std::string StateFile::store(const IpAddress& address) const {
  std::string body =
      nlohmann::json{{"provider", to_string(provider_)}, {"hostname", hostname_}, {"address", address.text()}}.dump() +
      "\n";
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return tmp + ": " + std::strerror(errno);
  std::string err = write_all(fd, body);
  if (err.empty() && ::fsync(fd) != 0) err = std::strerror(errno);
  ::close(fd);
  if (err.empty() && ::rename(tmp.c_str(), path_.c_str()) != 0) err = std::strerror(errno);
  if (!err.empty()) {
    ::unlink(tmp.c_str());
    return path_ + ": " + err;
  }
  // The rename is durable only once the directory entry is on disk.
  auto slash = path_.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return "";
}

}  // namespace fb::ddns
