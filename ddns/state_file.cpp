#include "fb/ddns/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
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

std::string text_of(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The file's JSON object when it is ours (provider and hostname match), else nothing.
std::optional<nlohmann::json> read_own(const std::string& path, Provider provider, const std::string& hostname) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().size() > 4096) return std::nullopt;
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  if (text_of(j, "provider") != to_string(provider) || text_of(j, "hostname") != hostname) return std::nullopt;
  return j;
}

// Each family's entry in the file: "families" (an object with "address" and
// "at", or, as written before the times were kept, the address alone), or the
// single-address form's "address" as ipv4. An entry without its own time
// takes `mtime`, the file's, as before.
std::map<std::string, StateFile::Entry> entries_of(const nlohmann::json& j, std::optional<std::int64_t> mtime) {
  std::map<std::string, StateFile::Entry> out;
  auto families = j.find("families");
  if (families != j.end() && families->is_object()) {
    for (Family f : {Family::ipv4, Family::ipv6}) {
      std::string name(to_string(f));
      auto entry = families->find(name);
      if (entry == families->end()) continue;
      std::optional<IpAddress> ip;
      std::optional<std::int64_t> at = mtime;
      if (entry->is_string()) {
        ip = IpAddress::parse(entry->get<std::string>());
      } else if (entry->is_object()) {
        ip = IpAddress::parse(text_of(*entry, "address"));
        auto t = entry->find("at");
        if (t != entry->end() && t->is_number_integer() && t->get<std::int64_t>() > 0) at = t->get<std::int64_t>();
      }
      if (ip && ip->family == address_family(f)) out[name] = {*ip, at};
    }
    return out;
  }
  auto ip = IpAddress::parse(text_of(j, "address"));
  if (ip && ip->family == AF_INET) out[std::string(to_string(Family::ipv4))] = {*ip, mtime};
  return out;
}

std::optional<std::int64_t> mtime_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st.st_mtim.tv_sec;
}

}  // namespace

std::optional<StateFile::Entry> StateFile::load_entry() const {
  auto j = read_own(path_, provider_, hostname_);
  if (!j) return std::nullopt;
  auto all = entries_of(*j, mtime_of(path_));
  auto it = all.find(std::string(to_string(family_)));
  if (it == all.end()) return std::nullopt;
  return it->second;
}

std::optional<IpAddress> StateFile::load() const {
  auto entry = load_entry();
  if (!entry) return std::nullopt;
  return entry->address;
}

std::string StateFile::store(const IpAddress& address, std::optional<std::int64_t> at) const {
  std::map<std::string, Entry> all;
  // The other family's entry stays, with its time (the old file's mtime when it had none).
  if (auto j = read_own(path_, provider_, hostname_)) all = entries_of(*j, mtime_of(path_));
  all[std::string(to_string(family_))] = {address, at ? at : std::optional<std::int64_t>(::time(nullptr))};
  nlohmann::json families = nlohmann::json::object();
  for (const auto& [name, e] : all) {
    nlohmann::json entry{{"address", e.address.text()}};
    if (e.at) entry["at"] = *e.at;
    families[name] = entry;
  }
  nlohmann::json out{{"provider", to_string(provider_)}, {"hostname", hostname_}, {"families", families}};
  if (auto v4 = all.find(std::string(to_string(Family::ipv4))); v4 != all.end())
    out["address"] = v4->second.address.text();
  std::string body = out.dump() + "\n";
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
