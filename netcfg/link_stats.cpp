#include "fb/net/link_stats.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include "netlink_support.hpp"

namespace fb::net {

using detail::NlPtr;

struct LinkStatsReader::Socket {
  detail::KernelError error;  // before the socket whose error callback points at it
  NlPtr<nl_sock> route;
};

Result<LinkStatsReader> LinkStatsReader::open() {
  auto s = std::make_unique<Socket>();
  s->route.reset(nl_socket_alloc());
  if (!s->route) return Error{NetError::netlink_unavailable, "nl_socket_alloc failed"};
  errno = 0;
  if (int err = nl_connect(s->route.get(), NETLINK_ROUTE); err < 0) {
    // libnl turns errnos it has no code for, such as socket()'s EMFILE (out
    // of file descriptors), into "Unspecific failure": add errno's words.
    std::string text = nl_geterror(err);
    if (errno != 0) text += std::string(" (") + std::strerror(errno) + ")";
    return Error{NetError::netlink_unavailable, "rtnetlink socket: " + text};
  }
  s->error.install(s->route.get());
  return LinkStatsReader(std::move(s));
}

LinkStatsReader::LinkStatsReader(std::unique_ptr<Socket> socket) : socket_(std::move(socket)) {}
LinkStatsReader::~LinkStatsReader() = default;
LinkStatsReader::LinkStatsReader(LinkStatsReader&&) noexcept = default;
LinkStatsReader& LinkStatsReader::operator=(LinkStatsReader&&) noexcept = default;

Result<LinkCountersByName> LinkStatsReader::read() {
  nl_cache* cache = nullptr;
  socket_->error.reset();
  // libnl restarts a dump the kernel marks interrupted (a link changed meanwhile).
  if (int err = rtnl_link_alloc_cache(socket_->route.get(), AF_UNSPEC, &cache); err < 0)
    return Error{NetError::read_back_failed, "link dump: " + socket_->error.text(err)};
  NlPtr<nl_cache> links(cache);
  LinkCountersByName counters;
  for (nl_object* o = nl_cache_get_first(links.get()); o; o = nl_cache_get_next(o)) {
    auto* link = reinterpret_cast<rtnl_link*>(o);
    const char* name = rtnl_link_get_name(link);
    if (!name) continue;
    counters[name] = {rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES), rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES),
                      rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS), rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS)};
  }
  return counters;
}

}  // namespace fb::net
