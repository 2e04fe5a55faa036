// Internal to ModemService (firmware/modem_service*.cpp), not for other
// callers: what its files share. ModemService's member functions are split
// by concern:
//   modem_service.cpp           construction, start, the event pump, status, operator verbs
//   modem_service_usb.cpp       sysfs discovery and the mode switch
//   modem_service_at.cpp        the AT session: channel, probe, CD-ROM, SIM and PIN, polls, reset
//   modem_service_link.cpp      dial, hang-up and the data link's end
//   modem_service_net.cpp       the network-interface data path: which path, its session over AT
//   modem_service_hilink.cpp    the HiLink data path: the stick's HTTP API in place of the AT session
//   modem_service_recovery.cpp  USB power cycle, reboot, the state files
//   modem_service_sms.cpp       a text message (SMS alerts) on the AT channel
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "fb/core/modem_service.hpp"
#include "fb/result.hpp"
#include "state_file.hpp"

namespace fb::core {

namespace mev = modem_event;
namespace mact = modem_action;
namespace lev = ladder_event;
namespace lact = ladder_action;

// A modem operation as a coroutine on the io_context; one that throws is a
// bug, logged.
template <class Work>
void ModemService::spawn(Work work) {
  boost::asio::co_spawn(io_, std::move(work), [log = log_](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log.error() << "BUG: modem operation threw: " << ex.what();
    }
  });
}

}  // namespace fb::core
