#include "netlink_support.hpp"

#include <fcntl.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/route/nexthop.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace fb::net::detail {

NlPtr<nl_addr> to_nl_addr(const IpAddress& address, int prefix_length) {
  NlPtr<nl_addr> a(nl_addr_build(address.family, address.bytes.data(), address.size()));
  if (a) nl_addr_set_prefixlen(a.get(), prefix_length);
  return a;
}

std::optional<IpAddress> from_nl_addr(const nl_addr* address) {
  if (!address) return std::nullopt;
  IpAddress a;
  a.family = nl_addr_get_family(address);
  if (a.family != AF_INET && a.family != AF_INET6) return std::nullopt;
  // A default route's destination has no bytes at all: it stays all zero.
  std::size_t n = std::min<std::size_t>(nl_addr_get_len(address), a.size());
  std::memcpy(a.bytes.data(), nl_addr_get_binary_addr(address), n);
  return a;
}

Route route_from_kernel(rtnl_route* route, nl_cache* links) {
  Route r;
  int family = rtnl_route_get_family(route);
  r.destination = Prefix::default_route(family);
  if (auto dst = from_nl_addr(rtnl_route_get_dst(route))) {
    r.destination.address = *dst;
    r.destination.length = static_cast<int>(nl_addr_get_prefixlen(rtnl_route_get_dst(route)));
  }
  r.table = rtnl_route_get_table(route);
  r.protocol = rtnl_route_get_protocol(route);
  r.metric = rtnl_route_get_priority(route);
  if (rtnl_route_get_nnexthops(route) > 0) {
    rtnl_nexthop* nh = rtnl_route_nexthop_n(route, 0);
    r.gateway = from_nl_addr(rtnl_route_nh_get_gateway(nh));
    r.ifindex = rtnl_route_nh_get_ifindex(nh);
    char name[IFNAMSIZ] = {};
    if (links && r.ifindex > 0 && rtnl_link_i2name(links, r.ifindex, name, sizeof name)) r.device = name;
  }
  return r;
}

Rule rule_from_kernel(rtnl_rule* rule) {
  Rule r;
  r.family = rtnl_rule_get_family(rule);
  r.priority = rtnl_rule_get_prio(rule);
  r.table = rtnl_rule_get_table(rule);
  if (nl_addr* src = rtnl_rule_get_src(rule)) {
    if (auto a = from_nl_addr(src)) r.from = Prefix{*a, static_cast<int>(nl_addr_get_prefixlen(src))};
  }
  // The kernel sends FRA_FWMARK only for a mark-matching rule, and libnl reads 0 otherwise.
  if (std::uint32_t mark = rtnl_rule_get_mark(rule)) r.fwmark = mark;
  std::uint8_t protocol = 0;
  r.protocol = rtnl_rule_get_protocol(rule, &protocol) == 0 ? protocol : 0;
  return r;
}

void KernelError::install(nl_sock* socket) {
  int one = 1;
  // Best effort: without them we still have errno.
  ::setsockopt(nl_socket_get_fd(socket), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  ::setsockopt(nl_socket_get_fd(socket), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  nl_socket_modify_err_cb(socket, NL_CB_CUSTOM, &KernelError::on_error, this);
}

int KernelError::on_error(sockaddr_nl*, nlmsgerr* error, void* self) {
  auto* k = static_cast<KernelError*>(self);
  k->errno_ = -error->error;
  k->extack_.clear();
  // libnl hands us the payload; the header sits right before it.
  auto* header = reinterpret_cast<nlmsghdr*>(reinterpret_cast<char*>(error) - NLMSG_HDRLEN);
  if (header->nlmsg_flags & NLM_F_ACK_TLVS) {
    std::size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if (!(header->nlmsg_flags & NLM_F_CAPPED)) offset += error->msg.nlmsg_len - NLMSG_HDRLEN;
    offset = NLMSG_ALIGN(offset);
    if (offset < header->nlmsg_len) {
      auto* attrs = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(header) + offset);
      int remaining = static_cast<int>(header->nlmsg_len - offset);
      nlattr* attr;
      nla_for_each_attr(attr, attrs, remaining, remaining) {
        if (nla_type(attr) == NLMSGERR_ATTR_MSG) k->extack_ = nla_get_string(attr);
      }
    }
  }
  return NL_STOP;  // libnl then returns the mapped error to the caller
}

std::string KernelError::text(int libnl_error) const {
  if (errno_ == 0) return nl_geterror(libnl_error);
  std::string s = std::strerror(errno_);
  if (!extack_.empty()) s += " (" + extack_ + ")";
  return s;
}

NetnsHandle::NetnsHandle() : fd_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {}

NetnsHandle::~NetnsHandle() {
  if (fd_ >= 0) ::close(fd_);
}

InNamespace::InNamespace(const NetnsHandle& ns) {
  struct stat target {
  }, current{};
  if (!ns.valid() || ::fstat(ns.fd(), &target) != 0 || ::stat("/proc/thread-self/ns/net", &current) != 0) return;
  if (target.st_dev == current.st_dev && target.st_ino == current.st_ino) {
    ok_ = true;
    return;
  }
  original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_ < 0) return;
  ok_ = ::setns(ns.fd(), CLONE_NEWNET) == 0;
}

InNamespace::~InNamespace() {
  if (original_ < 0) return;
  ::setns(original_, CLONE_NEWNET);
  ::close(original_);
}

}  // namespace fb::net::detail
