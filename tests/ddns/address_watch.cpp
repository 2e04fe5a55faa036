#include "address_watch.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fb::test {

AddressWatch::AddressWatch(boost::asio::io_context& io, const std::string& ifname, Callback callback)
    : callback_(std::move(callback)) {
  ifindex_ = ::if_nametoindex(ifname.c_str());
  if (!ifindex_) throw std::runtime_error("no interface " + ifname);
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) throw std::runtime_error("netlink socket: " + std::string(std::strerror(errno)));
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_IPV4_IFADDR;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    throw std::runtime_error("netlink bind: " + std::string(std::strerror(errno)));
  }
  socket_ = std::make_shared<boost::asio::posix::stream_descriptor>(io, fd);
  wait();
}

AddressWatch::~AddressWatch() {
  *alive_ = false;
  boost::system::error_code ec;
  socket_->close(ec);
}

void AddressWatch::wait() {
  auto alive = alive_;
  socket_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this, alive](const boost::system::error_code& ec) {
                        if (!*alive || ec) return;
                        drain();
                        if (*alive) wait();
                      });
}

void AddressWatch::drain() {
  alignas(nlmsghdr) char buf[16384];
  while (true) {
    ssize_t n = ::recv(socket_->native_handle(), buf, sizeof buf, 0);
    if (n <= 0) return;  // EAGAIN: all read
    auto len = static_cast<unsigned>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) continue;
      auto* ifa = static_cast<ifaddrmsg*>(NLMSG_DATA(h));
      if (ifa->ifa_family != AF_INET || ifa->ifa_index != ifindex_) continue;
      if (ifa->ifa_flags & IFA_F_SECONDARY) continue;  // not what sockets use (yet)
      int rest = static_cast<int>(IFA_PAYLOAD(h));
      for (auto* a = IFA_RTA(ifa); RTA_OK(a, rest); a = RTA_NEXT(a, rest)) {
        if (a->rta_type != IFA_LOCAL) continue;
        IpAddress address = IpAddress::from_bytes(AF_INET, static_cast<const std::uint8_t*>(RTA_DATA(a)));
        callback_(h->nlmsg_type == RTM_NEWADDR, address);
        if (!*alive_) return;
      }
    }
  }
}

}  // namespace fb::test
