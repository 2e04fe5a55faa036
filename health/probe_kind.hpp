// The seam between fb::health::Prober (probe.cpp) and the probe kinds
// (icmp_probe.cpp, dns_probe.cpp, http_probe.cpp), which keep probe.hpp's
// contract together. Private to health/.
//  - The Prober checks the request, owns each Probe from start() until it
//    ends, and runs the caller's callback. Cancelling a probe is destroying
//    it: its destructor gives back its fd or curl handle.
//  - A kind ends its probe with fail_later() (what start() uses: the callback
//    never runs inside Prober::start()), fail(), succeed() or finish(). The
//    probe is destroyed then, before the callback runs, so the kind returns
//    at once.
//  - Handlers reach their probe through guard(): they run only while the
//    probe still exists, and hold the ProbeHost meanwhile, because a callback
//    may destroy the Prober (and with it the curl multi handle it runs in).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/io_context.hpp>

#include "fb/health/probe.hpp"
#include "fb/log.hpp"

namespace fb {
class CurlMulti;
}

namespace fb::health {

using ProbeId = Prober::ProbeId;
using ProbeClock = std::chrono::steady_clock;

class Probe;

// What the probes of one Prober share; Prober::Impl is the implementation.
class ProbeHost : public std::enable_shared_from_this<ProbeHost> {
 public:
  explicit ProbeHost(boost::asio::io_context& io);
  virtual ~ProbeHost();
  ProbeHost(const ProbeHost&) = delete;
  ProbeHost& operator=(const ProbeHost&) = delete;

  // The probe `id` while it runs, else nothing.
  virtual Probe* find(ProbeId id) = 0;
  // Probe `id` leaves and is destroyed, then its callback runs (it may start
  // probes, cancel others or destroy the Prober). Nothing when `id` is gone.
  virtual void finish(ProbeId id) = 0;

  boost::asio::io_context& io;
  Logger log{"probe"};
  std::mt19937 random;
  std::uint16_t icmp_sequence = 0;   // ICMP: the next echo request's sequence number
  int icmp_method[2] = {0, 0};       // ICMP per family: 0 unknown, 1 ping socket, 2 raw socket (logged on change)
  std::unique_ptr<CurlMulti> multi;  // HTTP: one multi handle for all, made on first use; outlives the probes
};

// One probe in flight.
class Probe {
 public:
  Probe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done);
  virtual ~Probe() = default;
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Sends the probe. The request is checked already: an interface name that
  // fits, a target address, a positive timeout.
  virtual void start() = 0;

  void fail_later(const char* code, const std::string& text);
  void fail(const char* code, const std::string& text);
  void succeed();  // ok, rtt since `started`
  void finish();   // with `result` as it is

  // Wraps a completion handler so that it runs only while this probe exists.
  template <class F>
  auto guard(F f) {
    return [weak = host.weak_from_this(), id = id, f = std::move(f)](auto&&... args) {
      auto keep = weak.lock();
      if (keep && keep->find(id)) f(std::forward<decltype(args)>(args)...);
    };
  }

  ProbeHost& host;
  const ProbeId id;
  const ProbeRequest request;
  Prober::Done done;
  Logger log;
  ProbeResult result;
  ProbeClock::time_point started = ProbeClock::now();
};

std::unique_ptr<Probe> make_icmp_probe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done);
std::unique_ptr<Probe> make_dns_probe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done);
std::unique_ptr<Probe> make_http_probe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done);

}  // namespace fb::health
