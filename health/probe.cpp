// How the probes meet the kernel (the contract is in probe.hpp):
//  - One socket per ICMP/DNS probe, bound to the uplink (SO_BINDTODEVICE) and
//    closed when the probe ends; HTTP probes share one curl multi handle.
//  - ICMP: a ping socket (SOCK_DGRAM/IPPROTO_ICMP[V6]) when
//    net.ipv4.ping_group_range admits our group (it covers IPv6 too), else a
//    raw socket. A raw socket sees every ICMP message of its interface, so
//    replies are matched by id, sequence, source and payload token.
//  - Ping and UDP sockets get ICMP errors through IP_RECVERR's error queue;
//    without it Linux drops "soft" ones (net unreachable, ICMPv6 no route).
//  - When the uplink's gateway never answers ARP/ND, the kernel's own "host
//    unreachable" reaches ping and raw sockets but not UDP or TCP sockets
//    bound to the uplink (it arrives on lo): DNS and HTTP probes then end
//    with PROBE_TIMEOUT. Both are failures to the uplink tracker.
//  - Bytes: ICMP and DNS from the datagrams themselves (IPv4 header without
//    options, IPv6 without extension headers); an ICMP error heard through
//    the error queue is counted as header + our whole datagram (what Linux
//    and routers quote for packets this small); TCP from TCP_INFO.
#include "fb/health/probe.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fb/curl_multi.hpp"
#include "fb/health/probe_packets.hpp"
#include "fb/log.hpp"
#include "fb/version.hpp"
#include "probe_socket.hpp"
#include "tcp_counts.hpp"

namespace fb::health {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

const char* to_string(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::icmp: return "icmp";
    case ProbeKind::http: return "http";
    case ProbeKind::dns: return "dns";
  }
  return "?";
}

namespace {

constexpr int kIcmpFilter = 1;                     // ICMP_FILTER (SOL_RAW) from <linux/icmp.h>
constexpr std::size_t kEchoPayload = 8;            // a random token: small, the cellular link is metered
constexpr std::size_t kHttpBodyLimit = 16 * 1024;  // past it the transfer stops (the answer is already in)
constexpr std::size_t kUdpHeader = 8;

void curl_global() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct Prober::Impl : std::enable_shared_from_this<Prober::Impl> {
  struct Probe {
    Probe(asio::io_context& io, ProbeId id_, const ProbeRequest& request_, Done done_)
        : id(id_),
          request(request_),
          done(std::move(done_)),
          log("probe[" + std::string(to_string(request_.kind)) + " " + request_.target.text() + " via " +
              request_.interface + "]"),
          socket(io),
          timer(io) {}
    ~Probe() {
      if (easy) {
        multi->remove(easy);
        curl_easy_cleanup(easy);
      }
      if (tcp_fd >= 0) ::close(tcp_fd);
    }

    ProbeId id;
    ProbeRequest request;
    Done done;
    Logger log;
    ProbeResult result;
    Clock::time_point started = Clock::now();
    // ICMP and DNS: our own socket and deadline.
    asio::posix::stream_descriptor socket;
    asio::steady_timer timer;
    bool raw = false;  // ICMP over a raw socket (the reply carries the IPv4 header; ids are ours to match)
    std::uint16_t echo_id = 0;
    std::uint16_t sequence = 0;
    std::vector<std::uint8_t> token;  // ICMP: the echo payload; DNS: the query
    std::string bad_reply;            // the first unusable reply, reported if nothing better comes
    // HTTP: curl's handle on the shared multi.
    CURL* easy = nullptr;
    CurlMulti* multi = nullptr;
    int tcp_fd = -1;  // our duplicate of curl's socket, so its TCP_INFO outlives curl's close()
    TcpCounts tcp;
    // Counts what the socket carried, then closes our duplicate (the kernel's
    // close — FIN or RST — happens now if curl has closed its descriptor).
    void let_go_of_tcp() {
      if (tcp_fd < 0) return;
      add_tcp_counts(tcp_fd, request.target.family, tcp);
      ::close(tcp_fd);
      tcp_fd = -1;
    }
    std::size_t body_bytes = 0;
    bool body_capped = false;
    char curl_error[CURL_ERROR_SIZE] = {};
  };

  explicit Impl(asio::io_context& io_) : io(io_), random(std::random_device{}()) {
    sequence = static_cast<std::uint16_t>(random());
  }

  ~Impl() { drop_all(); }

  asio::io_context& io;
  Logger log{"probe"};
  std::unique_ptr<CurlMulti> multi;  // before `probes`: a probe's handle leaves the multi first
  std::map<ProbeId, std::unique_ptr<Probe>> probes;
  ProbeId next_id = 1;
  std::mt19937 random;
  std::uint16_t sequence = 0;
  int icmp_method[2] = {0, 0};  // per family: 0 unknown, 1 ping socket, 2 raw socket (logged on change)

  void drop_all() {
    // Out of the map first: what a dying probe triggers (curl's close hook) finds no map being edited.
    auto doomed = std::move(probes);
    probes.clear();
    doomed.clear();
  }

  Probe* find(ProbeId id) {
    auto it = probes.find(id);
    return it == probes.end() ? nullptr : it->second.get();
  }

  ProbeId start(const ProbeRequest& request, Done done) {
    ProbeId id = next_id++;
    auto owned = std::make_unique<Probe>(io, id, request, std::move(done));
    Probe& p = *owned;
    probes.emplace(id, std::move(owned));
    if (request.interface.empty()) return fail_later(p, "PROBE_BIND_FAILED", "no interface given");
    if (request.interface.size() >= IFNAMSIZ)
      return fail_later(p, "PROBE_BIND_FAILED", "interface name '" + request.interface + "' is too long");
    if (request.target.family != AF_INET && request.target.family != AF_INET6)
      return fail_later(p, "PROBE_FAILED", "no target address");
    if (request.timeout.count() <= 0) return fail_later(p, "PROBE_FAILED", "timeout must be positive");
    switch (request.kind) {
      case ProbeKind::icmp: start_icmp(p); break;
      case ProbeKind::dns: start_dns(p); break;
      case ProbeKind::http: start_http(p); break;
    }
    return id;
  }

  void cancel(ProbeId id) {
    auto it = probes.find(id);
    if (it == probes.end()) return;
    auto doomed = std::move(it->second);
    probes.erase(it);
    doomed->log.debug() << "cancelled";
  }

  // --- completion -------------------------------------------------------------------------------------------

  ProbeId fail_later(Probe& p, const char* code, const std::string& text) {
    p.result.ok = false;
    p.result.error = std::string(code) + ": " + text;
    // Never from inside start(): the caller may still be setting up its bookkeeping.
    asio::post(io, [weak = weak_from_this(), id = p.id] {
      if (auto self = weak.lock()) self->finish(id);
    });
    return p.id;
  }

  void fail(Probe& p, const char* code, const std::string& text) {
    p.result.ok = false;
    p.result.error = std::string(code) + ": " + text;
    finish(p.id);
  }

  void succeed(Probe& p) {
    p.result.ok = true;
    p.result.error.clear();
    p.result.rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p.started);
    finish(p.id);
  }

  // The probe leaves the map, gives back its fd / curl handle, then its callback
  // runs last (it may start probes, cancel others or destroy the Prober).
  void finish(ProbeId id) {
    auto it = probes.find(id);
    if (it == probes.end()) return;
    std::unique_ptr<Probe> p = std::move(it->second);
    probes.erase(it);
    if (p->result.ok)
      p->log.debug() << "ok in " << p->result.rtt.count() << " us, " << p->result.bytes_sent << " bytes out, "
                     << p->result.bytes_received << " in";
    else
      p->log.debug() << p->result.error;
    Done done = std::move(p->done);
    ProbeResult result = std::move(p->result);
    p.reset();
    if (done) done(result);
  }

  // --- ICMP and DNS: one datagram socket each ----------------------------------------------------------------

  // Takes `fd` into the probe and binds it to the uplink. False (and the probe failed later) on error.
  bool adopt(Probe& p, int fd) {
    boost::system::error_code ec;
    p.socket.assign(fd, ec);
    if (ec) {
      ::close(fd);
      fail_later(p, "PROBE_FAILED", "cannot watch socket: " + ec.message());
      return false;
    }
    const std::string& name = p.request.interface;
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(), static_cast<socklen_t>(name.size())) != 0) {
      int err = errno;
      std::string why =
          err == ENODEV ? "no interface '" + name + "'" : "SO_BINDTODEVICE " + name + ": " + errno_text(err);
      fail_later(p, "PROBE_BIND_FAILED", why);
      return false;
    }
    return true;
  }

  // Ping and UDP sockets hear of ICMP errors through their error queue
  // (type, code and who sent it) — also of "soft" ones like "network
  // unreachable", which a connected socket otherwise never reports.
  static void want_errors(Probe& p) {
    int on = 1;
    if (p.request.target.family == AF_INET)
      ::setsockopt(p.socket.native_handle(), SOL_IP, IP_RECVERR, &on, sizeof on);
    else
      ::setsockopt(p.socket.native_handle(), SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
  }

  // True when the probe finished (and is gone).
  bool read_errors(Probe& p) {
    int family = p.request.target.family;
    int fd = p.socket.native_handle();
    while (true) {
      std::array<std::uint8_t, 512> data;
      alignas(cmsghdr) char control[512];
      iovec iov{data.data(), data.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return false;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        bool ip_error = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                        (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
        if (!ip_error || c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) continue;
        sock_extended_err ee;
        std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
        if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6) {
          fail(p, "PROBE_FAILED", errno_text(static_cast<int>(ee.ee_errno)));
          return true;
        }
        sockaddr_storage offender{};
        std::size_t room = c->cmsg_len - CMSG_LEN(sizeof(sock_extended_err));
        std::memcpy(&offender, CMSG_DATA(c) + sizeof(sock_extended_err), std::min(room, sizeof offender));
        auto from = peer_of(offender);
        sockaddr_storage local{};
        socklen_t local_len = sizeof local;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
        auto self = peer_of(local);
        // Our own kernel's verdict (a gateway that never answered ARP/ND) crossed no wire.
        bool from_us = from && self && *from == *self;
        if (!from_us) p.result.bytes_received += ip_header_bytes(family) + 8 + p.result.bytes_sent;
        fail(p, "PROBE_UNREACHABLE",
             icmp_error_text(family, ee.ee_type, ee.ee_code) +
                 (from ? (from_us ? " (from this host)" : " (from " + from->text() + ")") : std::string()));
        return true;
      }
    }
  }

  void arm(Probe& p) {
    p.timer.expires_after(p.request.timeout);
    p.timer.async_wait([weak = weak_from_this(), id = p.id](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->timed_out(id);
    });
    wait_readable(p);
  }

  void wait_readable(Probe& p) {
    p.socket.async_wait(asio::posix::stream_descriptor::wait_read,
                        [weak = weak_from_this(), id = p.id](const boost::system::error_code& ec) {
                          if (ec) return;
                          if (auto self = weak.lock()) self->readable(id);
                        });
  }

  void timed_out(ProbeId id) {
    Probe* p = find(id);
    if (!p) return;
    auto ms = std::to_string(p->request.timeout.count());
    if (!p->bad_reply.empty())
      return fail(*p, "PROBE_BAD_REPLY", p->bad_reply + " (and no good reply in " + ms + " ms)");
    const char* what = p->request.kind == ProbeKind::icmp ? "no echo reply" : "no DNS reply";
    fail(*p, "PROBE_TIMEOUT", std::string(what) + " within " + ms + " ms");
  }

  void note_bad(Probe& p, std::string why) {
    if (p.bad_reply.empty()) p.bad_reply = std::move(why);
  }

  // A send/connect/receive error on our socket: local (no route) or an ICMP error the kernel turned into errno.
  void socket_error(Probe& p, const char* what, int err) {
    if (is_unreachable_errno(err)) return fail(p, "PROBE_UNREACHABLE", std::string(what) + ": " + errno_text(err));
    fail(p, "PROBE_FAILED", std::string(what) + ": " + errno_text(err));
  }

  void readable(ProbeId id) {
    Probe* p = find(id);
    if (!p) return;
    if (!p->raw && read_errors(*p)) return;
    std::array<std::uint8_t, 4096> buffer;
    while (true) {
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      ssize_t n = ::recvfrom(p->socket.native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        int err = errno;
        // An ICMP error about our datagram came in (the kernel turned it into errno and keeps no size):
        // routers and Linux quote our whole small datagram, so it is counted as IP + ICMP header + that.
        p->result.bytes_received += ip_header_bytes(p->request.target.family) + 8 + p->result.bytes_sent;
        return socket_error(*p, p->request.kind == ProbeKind::icmp ? "echo" : "DNS query", err);
      }
      std::span<const std::uint8_t> packet(buffer.data(), static_cast<std::size_t>(n));
      bool done = p->request.kind == ProbeKind::icmp ? icmp_packet(*p, packet, from) : dns_packet(*p, packet);
      if (done) return;  // the probe is gone
    }
    wait_readable(*p);
  }

  // --- ICMP ----------------------------------------------------------------------------------------------

  void note_icmp_method(int family, int method, const std::string& why) {
    int& known = icmp_method[family == AF_INET ? 0 : 1];
    if (known == method) return;
    known = method;
    const char* v = family == AF_INET ? "IPv4" : "IPv6";
    if (method == 1)
      log.info() << v << " echo via unprivileged ping sockets";
    else
      log.info() << v << " echo via raw sockets (" << why << ")";
  }

  void start_icmp(Probe& p) {
    int family = p.request.target.family;
    int proto = family == AF_INET ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
    // The ping socket first (no privilege when net.ipv4.ping_group_range admits our group; the kernel
    // matches replies to it by id), else a raw socket (CAP_NET_RAW, which failberryd has).
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd >= 0) {
      note_icmp_method(family, 1, "");
    } else {
      int ping_err = errno;
      fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
      if (fd < 0) {
        int raw_err = errno;
        fail_later(p, "PROBE_FAILED",
                   "no ICMP socket: ping socket: " + errno_text(ping_err) +
                       " (net.ipv4.ping_group_range excludes our group), raw socket: " + errno_text(raw_err) +
                       " (needs CAP_NET_RAW)");
        return;
      }
      p.raw = true;
      note_icmp_method(family, 2, "ping socket: " + errno_text(ping_err));
    }
    if (!adopt(p, fd)) return;
    if (!p.raw) want_errors(p);
    if (p.raw) {
      // Only echo replies and errors wake us: a raw socket sees every ICMP message of the interface.
      if (family == AF_INET) {
        std::uint32_t blocked = ~((1u << 0) | (1u << 3) | (1u << 11));  // echo reply, unreachable, time exceeded
        ::setsockopt(fd, SOL_RAW, kIcmpFilter, &blocked, sizeof blocked);
      } else {
        icmp6_filter filter;
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
        ::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
      }
    }
    sockaddr_storage to;
    socklen_t to_len = socket_address(p.request.target, 0, p.request.interface, to);
    if (!p.raw && ::connect(fd, reinterpret_cast<sockaddr*>(&to), to_len) != 0) {
      int err = errno;
      fail_later(p, is_unreachable_errno(err) ? "PROBE_UNREACHABLE" : "PROBE_FAILED", "connect: " + errno_text(err));
      return;
    }
    p.echo_id = static_cast<std::uint16_t>(random());  // a ping socket replaces it with its own
    p.sequence = sequence++;
    p.token.resize(kEchoPayload);
    for (auto& b : p.token) b = static_cast<std::uint8_t>(random());
    auto request = icmp_echo_request(family, p.echo_id, p.sequence, p.token);
    p.started = Clock::now();
    ssize_t n = p.raw ? ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to), to_len)
                      : ::send(fd, request.data(), request.size(), 0);
    if (n < 0) {
      int err = errno;
      fail_later(p, is_unreachable_errno(err) ? "PROBE_UNREACHABLE" : "PROBE_FAILED", "send: " + errno_text(err));
      return;
    }
    p.result.bytes_sent = ip_header_bytes(family) + request.size();
    arm(p);
  }

  // True when the probe finished (and is gone).
  bool icmp_packet(Probe& p, std::span<const std::uint8_t> packet, const sockaddr_storage& from) {
    int family = p.request.target.family;
    auto m = parse_icmp(family, packet, p.raw && family == AF_INET);
    std::size_t wire = packet.size() + ((p.raw && family == AF_INET) ? 0 : ip_header_bytes(family));
    if (!m) {
      if (!p.raw) {  // a ping socket delivers only what is addressed to it: this was for us, and broken
        p.result.bytes_received += wire;
        note_bad(p, "malformed ICMP reply of " + std::to_string(packet.size()) + " bytes");
      }
      return false;
    }
    auto sender = peer_of(from);
    if (m->kind == IcmpMessage::Kind::echo_reply) {
      bool ours = !p.raw || (m->id == p.echo_id && sender && *sender == p.request.target);
      if (!ours) return false;  // another prober's or ping's reply, seen by every raw socket
      p.result.bytes_received += wire;
      if (m->sequence != p.sequence || m->payload != p.token) {
        note_bad(p, "echo reply with sequence " + std::to_string(m->sequence) + " (expected " +
                        std::to_string(p.sequence) + ") or a payload not ours");
        return false;
      }
      succeed(p);
      return true;
    }
    if (m->kind == IcmpMessage::Kind::error && p.raw && m->id == p.echo_id && m->sequence == p.sequence &&
        m->quoted_destination && *m->quoted_destination == p.request.target) {
      // Our own kernel's verdict (a gateway that never answered ARP/ND) crossed no wire.
      bool from_us = sender && m->quoted_source && *sender == *m->quoted_source;
      if (!from_us) p.result.bytes_received += wire;
      fail(p, "PROBE_UNREACHABLE",
           icmp_error_text(family, m->type, m->code) +
               (sender ? (from_us ? " (from this host)" : " (from " + sender->text() + ")") : std::string()));
      return true;
    }
    return false;
  }

  // --- DNS -----------------------------------------------------------------------------------------------

  void start_dns(Probe& p) {
    int family = p.request.target.family;
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) {
      fail_later(p, "PROBE_FAILED", "socket: " + errno_text(errno));
      return;
    }
    if (!adopt(p, fd)) return;
    want_errors(p);
    sockaddr_storage to;
    socklen_t to_len = socket_address(p.request.target, p.request.port ? p.request.port : 53, p.request.interface, to);
    // Connected: the kernel drops datagrams from anyone else and reports ICMP errors as errno.
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), to_len) != 0) {
      int err = errno;
      fail_later(p, is_unreachable_errno(err) ? "PROBE_UNREACHABLE" : "PROBE_FAILED", "connect: " + errno_text(err));
      return;
    }
    p.token = dns_query(static_cast<std::uint16_t>(random()));
    p.started = Clock::now();
    if (::send(fd, p.token.data(), p.token.size(), 0) < 0) {
      int err = errno;
      fail_later(p, is_unreachable_errno(err) ? "PROBE_UNREACHABLE" : "PROBE_FAILED", "send: " + errno_text(err));
      return;
    }
    p.result.bytes_sent = ip_header_bytes(family) + kUdpHeader + p.token.size();
    arm(p);
  }

  bool dns_packet(Probe& p, std::span<const std::uint8_t> packet) {
    p.result.bytes_received += ip_header_bytes(p.request.target.family) + kUdpHeader + packet.size();
    auto check = check_dns_reply(packet, p.token);
    if (check.verdict != DnsReplyCheck::Verdict::ok) {
      // Maybe a late or forged answer: keep listening for ours until the deadline.
      note_bad(p, std::string(check.verdict == DnsReplyCheck::Verdict::wrong_id ? "DNS reply for another query: "
                                                                                : "malformed DNS reply: ") +
                      check.problem);
      return false;
    }
    p.log.debug() << "rcode " << check.rcode;
    succeed(p);
    return true;
  }

  // --- HTTP ----------------------------------------------------------------------------------------------

  static size_t on_body(char*, size_t size, size_t count, void* userp) {
    auto* p = static_cast<Probe*>(userp);
    p->body_bytes += size * count;
    if (p->body_bytes > kHttpBodyLimit) {
      p->body_capped = true;
      return 0;  // stop: the response is in, the rest would only cost bytes
    }
    return size * count;
  }

  // Keeps a duplicate of each socket curl opens: curl closes a failed connect
  // attempt without its close callback, and the counts must survive either way.
  static int on_socket_options(void* clientp, curl_socket_t fd, curlsocktype) {
    auto* p = static_cast<Probe*>(clientp);
    p->let_go_of_tcp();
    p->tcp_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return CURL_SOCKOPT_OK;
  }

  std::string url_of(const ProbeRequest& r) const {
    std::string host = r.target.text();
    if (r.target.family == AF_INET6)
      host = "[" + host + (is_link_local(r.target) ? "%25" + r.interface : std::string()) + "]";
    return "http://" + host + (r.port ? ":" + std::to_string(r.port) : std::string()) + "/";
  }

  void start_http(Probe& p) {
    curl_global();
    if (!multi) multi = std::make_unique<CurlMulti>(io);
    p.multi = multi.get();
    p.easy = curl_easy_init();
    if (!p.easy) {
      fail_later(p, "PROBE_FAILED", "curl_easy_init failed");
      return;
    }
    CURL* e = p.easy;
    std::string url = url_of(p.request);
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");  // a proxy would test the proxy's uplink, not ours
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);  // each probe proves the path anew
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(p.request.timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(p.request.timeout.count()));
    // "if!": the interface by name only, so a missing uplink fails instead of leaving by the default route.
    std::string interface = "if!" + p.request.interface;
    curl_easy_setopt(e, CURLOPT_INTERFACE, interface.c_str());
    curl_easy_setopt(e, CURLOPT_USERAGENT, (std::string("failberry/") + kVersion + " probe").c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &p);
    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, &Impl::on_socket_options);
    curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, &p);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p.curl_error);
    multi->prepare(e);
    p.started = Clock::now();
    try {
      multi->add(e, [weak = weak_from_this(), id = p.id](CURLcode rc) {
        if (auto self = weak.lock()) self->http_done(id, rc);
      });
    } catch (const std::exception& ex) {
      curl_easy_cleanup(p.easy);
      p.easy = nullptr;
      fail_later(p, "PROBE_FAILED", ex.what());
    }
  }

  void http_done(ProbeId id, CURLcode rc) {
    Probe* found = find(id);
    if (!found) return;
    Probe& p = *found;
    long status = 0;
    curl_off_t first_byte_us = 0;
    long os_errno = 0;
    curl_easy_getinfo(p.easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(p.easy, CURLINFO_STARTTRANSFER_TIME_T, &first_byte_us);
    curl_easy_getinfo(p.easy, CURLINFO_OS_ERRNO, &os_errno);
    // The handle has left the multi and curl has closed its socket (FORBID_REUSE): count, let go.
    curl_easy_cleanup(p.easy);
    p.easy = nullptr;
    p.let_go_of_tcp();
    p.result.bytes_sent = p.tcp.sent;
    p.result.bytes_received = p.tcp.received;
    if (rc == CURLE_OK || (p.body_capped && status > 0)) {
      p.result.ok = true;
      p.result.rtt = std::chrono::microseconds(first_byte_us);
      p.log.debug() << "HTTP " << status;
      return finish(id);
    }
    std::string why = curl_easy_strerror(rc);
    if (p.curl_error[0]) why = p.curl_error;
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return fail(p, "PROBE_TIMEOUT",
                    "no HTTP response within " + std::to_string(p.request.timeout.count()) + " ms (" + why + ")");
      case CURLE_COULDNT_CONNECT: return fail(p, "PROBE_UNREACHABLE", why);
      case CURLE_INTERFACE_FAILED: return fail(p, "PROBE_BIND_FAILED", why);
      case CURLE_GOT_NOTHING:
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_UNSUPPORTED_PROTOCOL:  // e.g. an HTTP/0.9 answer: not HTTP as we know it
        return fail(p, "PROBE_BAD_REPLY", why);
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
        if (is_unreachable_errno(static_cast<int>(os_errno))) return fail(p, "PROBE_UNREACHABLE", why);
        return fail(p, "PROBE_FAILED", why);
      default: return fail(p, "PROBE_FAILED", why);
    }
  }
};

Prober::Prober(boost::asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

Prober::~Prober() {
  // A handler running right now may hold the Impl a little longer: with no probes left, it calls no one.
  impl_->drop_all();
}

Prober::ProbeId Prober::start(const ProbeRequest& request, Done done) {
  return impl_->start(request, std::move(done));
}

void Prober::cancel(ProbeId id) {
  impl_->cancel(id);
}

}  // namespace fb::health
