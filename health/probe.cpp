// How the probes meet the kernel (the contract is in probe.hpp; each kind
// lives in its own file behind probe_kind.hpp):
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

#include <net/if.h>
#include <sys/socket.h>

#include <map>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/post.hpp>

#include "fb/curl_multi.hpp"
#include "probe_kind.hpp"

namespace fb::health {
namespace asio = boost::asio;

ProbeHost::ProbeHost(asio::io_context& io_) : io(io_), random(std::random_device{}()) {
  icmp_sequence = static_cast<std::uint16_t>(random());
}

ProbeHost::~ProbeHost() = default;

Probe::Probe(ProbeHost& host_, ProbeId id_, const ProbeRequest& request_, Prober::Done done_)
    : host(host_),
      id(id_),
      request(request_),
      done(std::move(done_)),
      log("probe[" + std::string(to_string(request_.kind)) + " " + request_.target.text() + " via " +
          request_.interface + "]") {}

void Probe::fail_later(const char* code, const std::string& text) {
  result.ok = false;
  result.error = std::string(code) + ": " + text;
  // Never from inside start(): the caller may still be setting up its bookkeeping.
  asio::post(host.io, [weak = host.weak_from_this(), id = id] {
    if (auto self = weak.lock()) self->finish(id);
  });
}

void Probe::fail(const char* code, const std::string& text) {
  result.ok = false;
  result.error = std::string(code) + ": " + text;
  finish();
}

void Probe::succeed() {
  result.ok = true;
  result.error.clear();
  result.rtt = std::chrono::duration_cast<std::chrono::microseconds>(ProbeClock::now() - started);
  finish();
}

void Probe::finish() {
  host.finish(id);
}

struct Prober::Impl : ProbeHost {
  using ProbeHost::ProbeHost;
  ~Impl() override { drop_all(); }

  std::map<ProbeId, std::unique_ptr<Probe>> probes;
  ProbeId next_id = 1;

  void drop_all() {
    // Out of the map first: what a dying probe triggers (curl's close hook) finds no map being edited.
    auto doomed = std::move(probes);
    probes.clear();
    doomed.clear();
  }

  Probe* find(ProbeId id) override {
    auto it = probes.find(id);
    return it == probes.end() ? nullptr : it->second.get();
  }

  static std::unique_ptr<Probe> make(ProbeHost& host, ProbeId id, const ProbeRequest& request, Done done) {
    switch (request.kind) {
      case ProbeKind::icmp: return make_icmp_probe(host, id, request, std::move(done));
      case ProbeKind::dns: return make_dns_probe(host, id, request, std::move(done));
      case ProbeKind::http: return make_http_probe(host, id, request, std::move(done));
    }
    return nullptr;
  }

  ProbeId start(const ProbeRequest& request, Done done) {
    ProbeId id = next_id++;
    auto owned = make(*this, id, request, std::move(done));
    if (!owned) {  // a value outside the enum: no probe, so no callback either
      log.error() << "BUG: unknown probe kind " << static_cast<int>(request.kind);
      return id;
    }
    Probe& p = *owned;
    probes.emplace(id, std::move(owned));
    if (request.interface.empty()) return fail_later(p, "PROBE_BIND_FAILED", "no interface given");
    if (request.interface.size() >= IFNAMSIZ)
      return fail_later(p, "PROBE_BIND_FAILED", "interface name '" + request.interface + "' is too long");
    if (request.target.family != AF_INET && request.target.family != AF_INET6)
      return fail_later(p, "PROBE_FAILED", "no target address");
    if (request.timeout.count() <= 0) return fail_later(p, "PROBE_FAILED", "timeout must be positive");
    p.start();
    return id;
  }

  static ProbeId fail_later(Probe& p, const char* code, const std::string& text) {
    p.fail_later(code, text);
    return p.id;
  }

  void cancel(ProbeId id) {
    auto it = probes.find(id);
    if (it == probes.end()) return;
    auto doomed = std::move(it->second);
    probes.erase(it);
    doomed->log.debug() << "cancelled";
  }

  // The probe leaves the map, gives back its fd / curl handle, then its callback
  // runs last (it may start probes, cancel others or destroy the Prober).
  void finish(ProbeId id) override {
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
