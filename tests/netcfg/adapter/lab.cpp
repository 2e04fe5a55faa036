#include "lab.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <regex>

namespace fb::net::test {

namespace {

// Every adapter test needs root for its namespaces: skip the binary loudly otherwise.
const fb::test::RootRequired root_required("the netcfg adapter tests");

sockaddr_in socket_address(const std::string& address, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE_MESSAGE(::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) == 1, address);
  return sa;
}

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int n;
  do n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  while (n < 0 && errno == EINTR);
  return n == 1 && (p.revents & events);
}

std::string address_text(nl_addr* a) {
  char buf[INET6_ADDRSTRLEN + 8] = {};
  return a ? nl_addr2str(a, buf, sizeof buf) : "";
}

}  // namespace

nlohmann::json json_of(const NetNamespace& ns, const std::vector<std::string>& argv) {
  std::string out = must(ns, argv);
  if (out.find_first_not_of(" \n") == std::string::npos) return nlohmann::json::array();
  return nlohmann::json::parse(out);
}

std::string snapshot(const NetNamespace& ns) {
  static const std::regex counters("counter packets [0-9]+ bytes [0-9]+");
  return "routes:\n" + must(ns, {"ip", "-4", "route", "show", "table", "all"}) +
         must(ns, {"ip", "-6", "route", "show", "table", "all"}) + "rules:\n" + must(ns, {"ip", "-4", "rule"}) +
         must(ns, {"ip", "-6", "rule"}) + "nft:\n" +
         std::regex_replace(must(ns, {"nft", "list", "ruleset"}), counters, "counter");
}

void veth(const NetNamespace& a, const std::string& a_if, const std::string& a_addr, const NetNamespace& b,
          const std::string& b_if, const std::string& b_addr) {
  std::vector<std::string> add{"ip", "link", "add", a_if, "type", "veth", "peer", "name", b_if};
  if (&a != &b) add.insert(add.end(), {"netns", b.name()});
  must(a, add);
  if (!a_addr.empty()) must(a, {"ip", "addr", "add", a_addr, "dev", a_if});
  if (!b_addr.empty()) must(b, {"ip", "addr", "add", b_addr, "dev", b_if});
  must(a, {"ip", "link", "set", a_if, "up"});
  must(b, {"ip", "link", "set", b_if, "up"});
}

TwoUplinks::TwoUplinks() {
  // IPv4 only: IPv6 link-local routes appearing after DAD would make
  // before/after snapshots differ for reasons of their own.
  must(ns, {"sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"});
  must(ns, {"sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"});
  veth(ns, "fbw0", "192.0.2.2/30", ns, "fbp0", "");
  veth(ns, "fbw1", "198.51.100.2/30", ns, "fbp1", "");
}

void seed_foreign_state(const NetNamespace& ns) {
  must(ns, {"ip", "route", "add", "default", "via", "198.51.100.1", "dev", "fbw1", "metric", "500", "proto", "static"});
  must(ns, {"ip", "route", "add", "default", "via", "192.0.2.1", "dev", "fbw0", "table", "64256", "metric", "7",
            "proto", "static"});
  must(ns, {"ip", "route", "add", "203.0.113.0/24", "via", "192.0.2.1", "dev", "fbw0"});
  must(ns, {"ip", "rule", "add", "priority", "3201", "fwmark", "0x77", "lookup", "64256", "protocol", "static"});
  must(ns, {"ip", "rule", "add", "priority", "1000", "from", "192.0.2.2", "lookup", "100"});
  must(ns, {"nft", "add", "table", "inet", "user"});
  must(ns, {"nft", "add", "chain", "inet", "user", "input", "{ type filter hook input priority 0; policy accept; }"});
  must(ns, {"nft", "add", "rule", "inet", "user", "input", "counter", "comment", "\"the user's own\""});
  must(ns, {"nft", "add", "table", "ip", "nat"});
  must(ns,
       {"nft", "add", "chain", "ip", "nat", "post", "{ type nat hook postrouting priority srcnat; policy accept; }"});
  must(ns, {"nft", "add", "rule", "ip", "nat", "post", "oifname", "fbw1", "masquerade"});
}

std::unique_ptr<NetlinkSystem> open_system(const NetNamespace& ns) {
  NetNamespace::Enter inside(ns);
  auto system = NetlinkSystem::open();
  REQUIRE_MESSAGE(system.ok(), describe(system));
  return std::move(system).value();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ::poll(nullptr, 0, 5);
  }
  return true;
}

Fd tcp_listen(const NetNamespace& ns, const std::string& address, int port) {
  NetNamespace::Enter inside(ns);
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.get() >= 0);
  int one = 1;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = socket_address(address, port);
  REQUIRE_MESSAGE(::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0, std::strerror(errno));
  REQUIRE(::listen(s.get(), 8) == 0);
  return s;
}

Fd tcp_connect(const NetNamespace& ns, const std::string& source, int source_port, const std::string& address,
               int port) {
  NetNamespace::Enter inside(ns);
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  REQUIRE(s.get() >= 0);
  if (!source.empty()) {
    int one = 1;
    ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in local = socket_address(source, source_port);
    REQUIRE_MESSAGE(::bind(s.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) == 0, std::strerror(errno));
  }
  sockaddr_in remote = socket_address(address, port);
  int rc = ::connect(s.get(), reinterpret_cast<sockaddr*>(&remote), sizeof remote);
  REQUIRE_MESSAGE((rc == 0 || errno == EINPROGRESS), std::strerror(errno));
  return s;
}

bool connected(const Fd& socket, std::chrono::milliseconds timeout) {
  if (!wait_for(socket.get(), POLLOUT, timeout)) return false;
  int error = 0;
  socklen_t len = sizeof error;
  return ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
}

Fd accept_one(const Fd& listener, std::chrono::milliseconds timeout) {
  if (!wait_for(listener.get(), POLLIN, timeout)) return Fd();
  return Fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
}

bool exchange(const Fd& from, const Fd& to, const std::string& text) {
  if (::send(from.get(), text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) return false;
  std::string got;
  while (got.size() < text.size()) {
    if (!wait_for(to.get(), POLLIN, 5s)) return false;
    char buf[256];
    ssize_t n = ::recv(to.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return false;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got == text;
}

std::vector<Flow> conntrack_flows(const NetNamespace& ns) {
  NetNamespace::Enter inside(ns);
  std::unique_ptr<nl_sock, void (*)(nl_sock*)> sock(nl_socket_alloc(), nl_socket_free);
  REQUIRE(sock);
  REQUIRE(nfnl_connect(sock.get()) == 0);
  nl_cache* raw = nullptr;
  int err = nfnl_ct_alloc_cache(sock.get(), &raw);
  REQUIRE_MESSAGE(err == 0, nl_geterror(err));
  std::unique_ptr<nl_cache, void (*)(nl_cache*)> cache(raw, nl_cache_free);
  std::vector<Flow> flows;
  for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o)) {
    auto* ct = reinterpret_cast<nfnl_ct*>(o);
    Flow f;
    f.orig_src = address_text(nfnl_ct_get_src(ct, 0));
    f.orig_dst = address_text(nfnl_ct_get_dst(ct, 0));
    f.reply_src = address_text(nfnl_ct_get_src(ct, 1));
    f.reply_dst = address_text(nfnl_ct_get_dst(ct, 1));
    f.protocol = nfnl_ct_get_proto(ct);
    f.orig_dst_port = nfnl_ct_get_dst_port(ct, 0);
    flows.push_back(f);
  }
  return flows;
}

std::size_t flows_involving(const std::vector<Flow>& flows, const std::string& address) {
  return static_cast<std::size_t>(std::count_if(flows.begin(), flows.end(), [&](const Flow& f) {
    return f.orig_src == address || f.orig_dst == address || f.reply_src == address || f.reply_dst == address;
  }));
}

long long nft_counter(const NetNamespace& ns, const std::string& family, const std::string& table,
                      const std::string& chain, const std::string& comment) {
  nlohmann::json listing = json_of(ns, {"nft", "-j", "list", "table", family, table});
  for (const auto& item : listing["nftables"]) {
    if (!item.contains("rule")) continue;
    const auto& rule = item["rule"];
    if (rule.value("chain", "") != chain || rule.value("comment", "") != comment) continue;
    for (const auto& expr : rule["expr"])
      if (expr.contains("counter")) return expr["counter"]["packets"].get<long long>();
  }
  FAIL("no counter on rule \"" << comment << "\" in " << family << " " << table << " " << chain);
  return -1;
}

}  // namespace fb::net::test
