// libFuzzer over fb::dhcp::parse_event(), the reader of the udhcpc event
// script's lines. The contract under test: any bytes give an event or a
// DHCP_BAD_LINE error, never a crash or an exception; a lease's address is
// IPv4 and inside its subnet; the detail stays bounded.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fb/dhcp/udhcpc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fb::dhcp;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  (void)is_event_line(line);
  auto event = parse_event(line);
  if (!event.ok()) {
    if (event.code() != Code::bad_line) std::abort();
    if (event.error().detail.size() > 400) std::abort();
    return 0;
  }
  bool has_lease = event->kind == EventKind::bound || event->kind == EventKind::renew;
  if (has_lease != event->lease.has_value()) std::abort();
  if (event->lease) {
    const Lease& l = *event->lease;
    if (l.address.family != AF_INET || !l.subnet.contains(l.address)) std::abort();
    if (l.lease_time.count() < 1) std::abort();
  }
  if (event->message.size() > 210) std::abort();
  return 0;
}
