// LldpReader: the LLDP neighbours of the Pi's interfaces, from an LLDP agent
// that is already there (lldpd): every `interval` it runs
// `lldpcli -u SOCKET -f json0 show neighbors details` and keeps what
// fb::health::parse_lldpcli_json0() makes of it, for /status and
// `failberryctl status`.
//
// Contract: single-threaded on the daemon's io_context; never blocks it (the
// answer comes through ChildProcess). Without lldpcli, or without lldpd's
// socket, report() says "no LLDP agent" and why; a run that fails, hangs
// (killed after `timeout`), answers too much (over 512 KiB) or answers what
// is not lldpcli's json0 keeps no neighbours and says why — never a stale
// list presented as current. Only lldpcli is ever started; failberry sends
// no LLDP itself.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "fb/child_process.hpp"
#include "fb/health/lldp.hpp"
#include "fb/log.hpp"
#include "fb/time.hpp"

namespace fb::core {

struct LldpReaderSettings {
  std::string socket = "/run/lldpd.socket";  // [general] lldp_socket
  std::string lldpcli = "/usr/sbin/lldpcli";
  Duration interval = std::chrono::seconds(15);
  Duration timeout = std::chrono::seconds(5);
};

class LldpReader {
 public:
  LldpReader(boost::asio::io_context& io, TimerService& timers, LldpReaderSettings settings);
  ~LldpReader();
  LldpReader(const LldpReader&) = delete;
  LldpReader& operator=(const LldpReader&) = delete;

  // Reads now, then every interval.
  void start();
  health::LldpReport report() const;
  std::uint64_t reads() const { return reads_; }  // answers taken in (tests wait on it)

 private:
  void read();
  void finish(const ChildExit& exit);
  void fail(std::string why, bool agent);

  boost::asio::io_context& io_;
  TimerService& timers_;
  LldpReaderSettings settings_;
  Logger log_{"lldp"};
  OneShot next_{timers_};
  OneShot timeout_{timers_};
  std::unique_ptr<ChildProcess> child_;
  std::string output_;
  bool too_much_ = false;
  bool timed_out_ = false;
  health::LldpReport report_;
  std::optional<TimePoint> read_at_;
  std::string said_;  // the last problem logged: each new one once
  std::uint64_t reads_ = 0;
};

}  // namespace fb::core
