// The last published address, kept across restarts so an unchanged address
// is not published again (<state_dir>/ddns.json), one per family:
//   {"provider":…, "hostname":…, "address":"<ipv4>",
//    "families":{"ipv4":{"address":"<ipv4>","at":<unix s>},
//                "ipv6":{"address":"<ipv6>","at":<unix s>}}}
// Each family keeps the time it was published ("at"): with families = both
// the file's mtime is the later of the two. A file of the single-address
// form (before families: provider, hostname, address) still loads: its
// address is the ipv4 family's; a families entry that is the address alone
// (before the times) loads too; either's time is then the file's mtime.
// "address" keeps being written for the ipv4 family, so a daemon from
// before families still reads it. Each family's StateFile writes its own
// entry and keeps the other's.
//
// Contract: store() is atomic — a temporary file in the same directory,
// fsync, rename over the old one, fsync of the directory — so a power cut
// leaves either the old or the new content, never a torn file. load()
// returns nothing for a missing, unreadable or foreign file (another
// hostname or provider: that address says nothing about this record).
// Blocking file I/O of a few bytes, called on the daemon's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fb/ddns/reply.hpp"
#include "fb/net_types.hpp"

namespace fb::ddns {

class StateFile {
 public:
  StateFile(std::string path, Provider provider, std::string hostname, Family family = Family::ipv4)
      : path_(std::move(path)), provider_(provider), hostname_(std::move(hostname)), family_(family) {}

  struct Entry {
    IpAddress address;
    std::optional<std::int64_t> at;  // unix seconds it was published
  };

  std::optional<IpAddress> load() const;
  std::optional<Entry> load_entry() const;
  // Records `address` as published at `at` (now when not given). Empty
  // string on success, else the error (the caller logs it; the scheduler's
  // view is unaffected, only a restart would republish).
  std::string store(const IpAddress& address, std::optional<std::int64_t> at = std::nullopt) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  Provider provider_;
  std::string hostname_;
  Family family_;
};

}  // namespace fb::ddns
