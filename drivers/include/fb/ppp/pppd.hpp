// The pure half of the pppd runner: pppd's argv from settings, the
// credentials file, pppd's exit status as a stable reason, and the few log
// lines that say the link is up.
//
// Who holds the data tty: failberryd. It dials on the modem's data port with
// its own AtChannel (fb::modem::dial_steps: +CGDCONT, ATD*99#), and when the
// modem says CONNECT it hands that tty to pppd as stdin (pppd uses the
// terminal on its stdin when given no device). pppd never runs a `connect`
// script, so no shell is ever involved; the modem's second AT port (when the
// profile has one) stays with failberryd for signal/registration queries.
//
// Routes are failberryd's job: the argv never contains defaultroute (nor the
// replacedefaultroute that newer pppd dropped). `nolock` because failberryd
// already owns the tty (Debian's /etc/ppp/options says `lock`, and the
// sandboxed service cannot write /var/lock).
//
// Secrets never appear in argv (/proc/PID/cmdline is world-readable): the
// runner writes credentials_options() into a pipe that pppd reads as
// `file /proc/self/fd/3`.
//
// Contract: pure, no I/O; reason names are stable SCREAMING_CASE words
// (logs, /status, tests) — add new ones at the end, never change a meaning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/time.hpp"

namespace fb::ppp {

struct Credentials {
  std::string user;
  std::string password;
};

struct Settings {
  std::string pppd = "/usr/sbin/pppd";
  std::string linkname = "failberry";  // pppd writes /run/ppp-<linkname>.pid
  std::string ipparam = "failberry";   // 6th argument of ip-up/ip-down
  int unit = 0;                        // the interface is ppp<unit>
  Duration lcp_echo_interval = std::chrono::seconds(10);
  int lcp_echo_failure = 3;
  bool usepeerdns = true;
  bool modem_lines = true;   // "modem" (DCD hangup detection) or "local"
  bool credentials = false;  // add "file /proc/self/fd/3" (the runner provides the pipe)
  // "+ipv6": negotiate IPv6CP as well ([modem] pdp_type = ipv6 or ipv4v6).
  // IPv6CP agrees on the link-local interface ids only; the global address
  // comes from the carrier's router advertisements (the kernel's SLAAC).
  bool ipv6 = false;
  // false: "noip", no IPCP ([modem] pdp_type = ipv6: the context has no
  // IPv4 to negotiate); the link is then up when IPv6CP is (LogFollower).
  bool ipv4 = true;
  // Appended verbatim after everything else: board tweaks and tests. Each
  // element is one argv word; no shell sees them.
  std::vector<std::string> extra;
};

// The fd on which pppd reads credentials_options() when Settings::credentials.
inline constexpr int kCredentialsFd = 3;

// pppd's argv, argv[0] = settings.pppd. Always: nodetach noauth nolock
// noipdefault, no defaultroute; lcp-echo-* from settings (interval in whole
// seconds, at least 1); +ipv6 with Settings::ipv6 (never defaultroute6
// either: routes are failberryd's).
std::vector<std::string> build_argv(const Settings& settings);

// Settings::unit's interface name: "ppp0".
std::string interface_name(const Settings& settings);

// The longest user name or password pppd takes whole (MAXNAMELEN and
// MAXSECRETLEN are 256 with the terminating NUL); it silently cuts longer ones.
inline constexpr std::size_t kCredentialMaxBytes = 255;

// The credentials file ([ppp] credentials_file): lines "user NAME" and
// "password SECRET" (the rest of the line after one space or tab, kept as
// written), '#' comments and blank lines. Returns nullopt and sets `error`
// ("line 3: not 'user NAME' or 'password SECRET' …") when it cannot be used.
// No text of the file appears in an error but the keywords user and password:
// failberryd --check-config runs this too, and its output is not secret.
std::optional<Credentials> parse_credentials(std::string_view text, std::string& error);

// pppd option-file text: user "…" / password "…" with \ and " escaped.
std::string credentials_options(const Credentials& credentials);

// ---- exit status ----
enum class Reason : std::uint8_t {
  stopped,             // we asked (SIGTERM) and pppd exited
  stop_timeout,        // we asked, pppd ignored SIGTERM and was SIGKILLed
  up_timeout,          // the link did not come up in time; we stopped pppd
  peer_terminated,     // exit 0 unasked: the peer closed the link normally
  fatal_error,         // 1
  option_error,        // 2
  not_root,            // 3
  no_kernel_ppp,       // 4
  terminated,          // 5 unasked: someone else sent SIGTERM/SIGINT/SIGHUP
  lock_failed,         // 6
  open_failed,         // 7
  connect_failed,      // 8
  pty_command_failed,  // 9
  negotiation_failed,  // 10
  peer_auth_failed,    // 11: the peer failed to authenticate to us
  idle_timeout,        // 12
  connect_time_limit,  // 13
  callback,            // 14
  lcp_echo_timeout,    // 15: the peer stopped answering LCP echoes
  modem_hangup,        // 16: the line went away (DCD drop, EIO, unplug)
  loopback,            // 17
  init_failed,         // 18
  auth_failed,         // 19: the peer refused our credentials
  unknown_exit,        // any other exit code
  killed,              // died of a signal we did not send
};

// What the reason means for the recovery ladder.
enum class Disposition : std::uint8_t {
  requested,  // the runner was told to stop: not a failure
  link,       // the link or the modem failed: redial / climb the ladder
  auth,       // credentials refused: retrying the same ones will not help
  local,      // our side (options, kernel, permissions): fix the system, not the link
};

std::string_view to_string(Reason reason);
std::optional<Reason> reason_from_string(std::string_view word);
std::string_view to_string(Disposition disposition);
Disposition disposition(Reason reason);

struct ExitStatus {
  int code = -1;   // exit code, -1 when killed by a signal
  int signal = 0;  // terminating signal, 0 when it exited
};

// The reason for an ended pppd. `stop_requested`: the runner sent SIGTERM;
// `killed_by_us`: it escalated to SIGKILL; `up_timed_out`: it stopped pppd
// because the link never came up. `cause`: what pppd's log said ended the
// link (LogFollower::cause()); it wins over exit codes 0 and 16, because
// pppd on a tty may see its own hangup after an echo timeout, the peer's
// Terminate-Request or a refused login, and then exits 16 (pppd 2.4.9).
Reason classify_exit(ExitStatus status, bool stop_requested, bool killed_by_us, bool up_timed_out,
                     std::optional<Reason> cause = std::nullopt);

// ---- log lines ----
struct LinkInfo {
  std::string interface;  // "ppp0"
  std::string local;      // our address
  std::string remote;     // the peer's
  std::vector<std::string> dns;
  // IPv6CP (+ipv6): the link-local addresses from the negotiated interface
  // ids, as pppd prints them ("fe80::…"); empty without IPv6CP.
  std::string local_ll;
  std::string remote_ll;
  bool operator==(const LinkInfo&) const = default;
};

// Follows pppd's notice lines ("Using interface ppp0", "local  IP address
// …", "remote IP address …", "primary   DNS address …", and IPv6CP's
// "local  LL address fe80::…" / "remote LL address fe80::…"). up() becomes
// true at IPCP's remote-address line (pppd prints it after configuring the
// interface), or, for a follower made with ipv4 = false (Settings::ipv4:
// noip), at IPv6CP's. IPv6CP's lines on an IPv4 link are information, not
// "up": pppd 2.4.9 may finish IPv6CP before IPCP (seen in the QEMU guest),
// and the link's IPv4 address must be there at up. DNS lines and the other
// protocol's lines after up are updates. The kernel (netlink) stays the
// authority for the interface's addresses.
class LogFollower {
 public:
  enum class Change : std::uint8_t { none, up, updated };
  explicit LogFollower(bool ipv4 = true) : ipv4_(ipv4) {}
  Change feed(std::string_view line);
  const LinkInfo& link() const { return link_; }
  bool up() const { return up_; }
  // The first cause pppd named: "No response to N echo-requests"
  // (LCP_ECHO_TIMEOUT), "LCP terminated by peer" (PEER_TERMINATED),
  // "PAP/CHAP authentication failed" (AUTH_FAILED).
  std::optional<Reason> cause() const { return cause_; }

 private:
  bool ipv4_ = true;
  LinkInfo link_;
  bool up_ = false;
  std::optional<Reason> cause_;
};

}  // namespace fb::ppp
