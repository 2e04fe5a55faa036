// busybox udhcpc, driven by failberry: its argv, and the lines of the event
// script failberry ships (image/overlay/usr/libexec/failberry/udhcpc-event)
// turned into typed events. Pure: no I/O, no Asio.
//
// Contract:
//  - build_argv() runs udhcpc in the foreground on one interface with our
//    script, releasing the lease when it ends (-R); a binary named
//    "busybox" gets the applet name first. Bad settings are DHCP_BAD_SETTINGS
//    with the setting named, never an argv.
//  - The script prints one line per event on udhcpc's stdout:
//      failberry-dhcp event=E interface=I ip=A subnet=M mask=N router=A,B
//          dns=A,B lease=S serverid=A message=TEXT
//    (one line; lists comma-separated, any value may be empty, `message`
//    last and the rest of the line). is_event_line() tells these from
//    udhcpc's own log lines. parse_event() reads one into an Event, or says
//    what is wrong with it (DHCP_BAD_LINE): an unknown event, a bad or
//    missing address, a subnet that is no mask or disagrees with `mask`, a
//    bad lease time, a field twice. Fields it does not know are ignored.
//  - bound and renew carry a Lease (IPv4): the address, the subnet as a
//    prefix, routers, DNS servers, the server id and the lease time, all
//    checked. deconfig, leasefail and nak carry none (nak: the server's
//    message, cleaned).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fb/net_types.hpp"
#include "fb/result.hpp"

namespace fb::dhcp {

// Stable codes (names in the log, /status and tests never change meaning).
enum class Code : std::uint8_t {
  bad_settings,   // DHCP_BAD_SETTINGS: interface, binary, script, hostname or vendor class unusable
  busy,           // DHCP_BUSY: start() while a client runs
  spawn_failed,   // DHCP_SPAWN_FAILED: udhcpc could not be started
  bad_line,       // DHCP_BAD_LINE: a script line that cannot be read
  timeout,        // DHCP_TIMEOUT: no lease within the lease timeout
  client_exited,  // DHCP_CLIENT_EXITED: udhcpc ended without being asked to
  killed,         // DHCP_KILLED: udhcpc ignored SIGTERM and was killed (no release sent)
};
std::string_view code_name(Code code);

template <class T>
using Result = fb::Result<T, Code>;
using Error = fb::Error<Code>;

struct Settings {
  std::string binary = "/sbin/udhcpc";  // Debian 12's udhcpc package (a busybox link)
  std::string interface;                // "usb0"
  std::string script = "/usr/libexec/failberry/udhcpc-event";
  std::string hostname;         // empty: none sent (option 12)
  std::string vendor_class;     // empty: udhcpc's own ("udhcp 1.35.0")
  int discover_tries = 3;       // -t: discovers per round
  int discover_interval_s = 3;  // -T: seconds between them
  int retry_after_s = 20;       // -A: pause after a round without a lease
};

Result<std::vector<std::string>> build_argv(const Settings& settings);

struct Lease {
  std::string interface;
  IpAddress address;               // 192.0.2.55
  Prefix subnet;                   // 192.0.2.0/24; its length is the address's
  std::vector<IpAddress> routers;  // in the server's order
  std::vector<IpAddress> dns;
  std::optional<IpAddress> server;  // option 54
  std::chrono::seconds lease_time{0};
  bool operator==(const Lease&) const = default;
};

enum class EventKind : std::uint8_t { bound, renew, deconfig, leasefail, nak };
std::string_view to_string(EventKind kind);

struct Event {
  EventKind kind = EventKind::deconfig;
  std::string interface;
  std::optional<Lease> lease;  // bound and renew
  std::string message;         // nak: the server's words, cleaned
};

inline constexpr std::string_view kLinePrefix = "failberry-dhcp ";

bool is_event_line(std::string_view line);
Result<Event> parse_event(std::string_view line);

}  // namespace fb::dhcp
