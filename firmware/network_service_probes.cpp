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
  u.answered = 0;
  u.rtts.clear();
  for (const IpAddress& target : u.cfg.probe_targets) {
    health::ProbeRequest request;
    request.kind = u.cfg.probe;
    request.interface = u.interface;
    request.target = target;
    request.timeout = u.cfg.probe_timeout;
    ++u.probes_sent;
    u.probes.push_back(prober_->start(request, [this, &u](const health::ProbeResult& r) {
      u.bytes_sent += r.bytes_sent;
      u.bytes_received += r.bytes_received;
      if (r.ok) {
        ++u.answered;
        u.rtt_us = r.rtt.count();
        u.rtts.push_back(r.rtt);
      } else {
        ++u.probes_lost;
        log_.debug() << "uplink[" << u.cfg.name << "]: probe: " << r.error;
      }
      if (--u.pending == 0) {
        u.probes.clear();
        event_at_ = timers_.now();
        feed(u, tracker_event::RoundDone{u.answered, std::move(u.rtts)});
      }
    }));
  }
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
  u.pending = 0;
}

}  // namespace fb::core
