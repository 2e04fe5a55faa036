// nf_tables_problem(): whether this kernel speaks nf_tables, asked once
// before the daemon relies on it.
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "fb/core/network_service.hpp"

namespace fb::core {

std::string nf_tables_problem() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0)
    return std::string("cannot open a netfilter netlink socket (") + std::strerror(errno) +
           "): this kernel has no nfnetlink, which nftables needs";
  struct {
    nlmsghdr header;
    nfgenmsg body;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  request.header.nlmsg_seq = 1;
  request.body.nfgen_family = AF_UNSPEC;
  request.body.version = NFNETLINK_V0;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  std::string problem;
  if (::sendto(fd, &request, sizeof(request), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    problem = std::string("cannot ask the kernel for nf_tables (") + std::strerror(errno) + ")";
  } else {
    pollfd p{fd, POLLIN, 0};
    alignas(nlmsghdr) char buffer[8192];
    if (::poll(&p, 1, 2000) != 1) {
      problem = "the kernel did not answer an nf_tables request within 2 s";
    } else {
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      auto* reply = reinterpret_cast<nlmsghdr*>(buffer);
      if (n < static_cast<ssize_t>(sizeof(nlmsghdr)) || !NLMSG_OK(reply, static_cast<unsigned>(n))) {
        problem = "the kernel's answer to an nf_tables request was unreadable";
      } else if (reply->nlmsg_type == NLMSG_ERROR) {
        auto* error = static_cast<nlmsgerr*>(NLMSG_DATA(reply));
        if (error->error != 0)
          problem = std::string("the kernel refused an nf_tables request (") + std::strerror(-error->error) +
                    "): load the nf_tables module or use a kernel with CONFIG_NF_TABLES";
      }
    }
  }
  ::close(fd);
  return problem;
}

}  // namespace fb::core
