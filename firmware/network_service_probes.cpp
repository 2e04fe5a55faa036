// NetworkService: an uplink's probe rounds, one probe per target through
// health::Prober; a finished round feeds its UplinkTracker.
#include <vector>

#include "fb/core/network_service.hpp"
#include "fb/health/probe.hpp"
#include "network_service_uplink.hpp"

namespace fb::core {

void NetworkService::start_round(Uplink& u) {
  cancel_round(u);
  u.pending = static_cast<int>(u.cfg.probe_targets.size());
  u.unprobed = 0;
  u.rtts.clear();
  for (auto& f : u.round_now) f = {};
  // An IPv6 target goes out from the uplink's IPv6 side only while it has
  // one; otherwise it is not probed and counts as unanswered. With ipv6 =
  // false failberryd does not follow the uplink's IPv6: its IPv6 targets are
  // probed bound to the interface as ever and answer into one pool with the
  // IPv4 ones (the tracker's policy counts no family then).
  std::string no_ipv6 = !u.cfg.ipv6 || u.ipv6_ready() ? std::string() : ipv6_report(u).reason;
  for (const IpAddress& target : u.cfg.probe_targets) {
    Uplink::FamilyRound& fam = u.round_now[target.family == AF_INET6 ? 1 : 0];
    if (target.family == AF_INET6 && !no_ipv6.empty()) {
      ++u.unprobed;
      fam.why = "not probed: no usable IPv6 (" + no_ipv6 + ")";
      continue;
    }
    ++fam.probed;
    health::ProbeRequest request;
    request.kind = u.cfg.probe;
    request.interface = u.interface;
    request.target = target;
    request.timeout = u.cfg.probe_timeout;
    ++u.probes_sent;
    bool v6 = target.family == AF_INET6;
    u.probes.push_back(prober_->start(request, [this, &u, v6](const health::ProbeResult& r) {
      u.bytes_sent += r.bytes_sent;
      u.bytes_received += r.bytes_received;
      Uplink::FamilyRound& f = u.round_now[v6 ? 1 : 0];
      if (r.ok) {
        ++f.answered;
        u.rtt_us = r.rtt.count();
        u.rtts.push_back(r.rtt);
      } else {
        ++u.probes_lost;
        f.why = r.error;
        log_.debug() << "uplink[" << u.cfg.name << "]: probe: " << r.error;
      }
      probe_done(u);
    }));
  }
  if (u.unprobed > 0) {
    log_.debug() << "uplink[" << u.cfg.name << "]: " << u.unprobed << " IPv6 target(s) not probed: no usable IPv6 ("
                 << no_ipv6 << ")";
    u.unprobed_timer.arm(timers_.now(), [this, &u] {
      int n = u.unprobed;
      u.unprobed = 0;
      for (int i = 0; i < n; ++i) probe_done(u);
    });
  }
}

// One target of the round is settled; the last one ends the round.
void NetworkService::probe_done(Uplink& u) {
  if (--u.pending != 0) return;
  u.probes.clear();
  u.round_last[0] = u.round_now[0];
  u.round_last[1] = u.round_now[1];
  event_at_ = timers_.now();
  // answered_ipv6 is the IPv6 family's count; with ipv6 = false there is one pool.
  int answered6 = u.cfg.ipv6 ? u.round_now[1].answered : 0;
  feed(u, tracker_event::RoundDone{u.round_now[0].answered + u.round_now[1].answered, std::move(u.rtts), answered6});
}

namespace {
// Often enough that silence is seen within a fraction of a second; one
// netlink link dump each, no packet on any uplink.
constexpr Duration kTrafficTick = std::chrono::milliseconds(250);
}  // namespace

void NetworkService::traffic_tick() {
  bool watching = false;
  for (const auto& u : uplinks_)
    if (u->cfg.probe_on_silence.count() > 0 && !u->cfg.probe_targets.empty()) watching = true;
  if (!watching) return;
  traffic_timer_.arm(timers_.now() + kTrafficTick, [this] { traffic_tick(); });
  // Only an up or degraded uplink's traffic is judged (the tracker starts a
  // new baseline when one becomes usable): with none, no link dump at all.
  std::vector<Uplink*> watched;
  for (auto& u : uplinks_) {
    if (u->interface.empty() || u->cfg.probe_on_silence.count() == 0 || u->cfg.probe_targets.empty()) continue;
    UplinkHealth h = u->tracker.state();
    if (h == UplinkHealth::up || h == UplinkHealth::degraded) watched.push_back(u.get());
  }
  if (watched.empty()) return;
  std::optional<net::LinkCountersByName> counters = view_.counters();
  if (!counters) return;  // logged by the view; the probe rounds go on as before
  for (Uplink* u : watched) {
    auto it = counters->find(u->interface);
    if (it == counters->end()) continue;
    event_at_ = timers_.now();
    feed(*u, tracker_event::Traffic{it->second.tx_packets, it->second.rx_packets});
  }
}

void NetworkService::cancel_round(Uplink& u) {
  if (prober_)
    for (auto id : u.probes) prober_->cancel(id);
  u.probes.clear();
  u.unprobed_timer.cancel();
  u.unprobed = 0;
  u.pending = 0;
}

}  // namespace fb::core
