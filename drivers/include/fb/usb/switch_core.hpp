// The mode switch as a pure decision core: what to send to a storage-mode
// stick, in which order, how to read its answers, and when to call it a
// modem — or a failure, with a detail that says what happened.
//
// Contract: pure — no fds, no clocks read (handle() gets `now`), no libusb.
// The adapter (fb::usb::ModeSwitcher, switcher.hpp) performs the actions and
// feeds back what libusb and sysfs said. An explicit state × event table
// (switch_core.cpp) drives it; an event the table does not define for the
// current state is a bug in the caller: logged at error level ("BUG:
// undefined transition"), counted and ignored. Every transition is logged,
// prefixed with the name ("modeswitch[1-1.2]").
//
// Sequence (USB MSC Bulk-Only Transport 1.0, as usb_modeswitch does it):
//   Open (detach the kernel driver, claim the mass-storage interface), then
//   per message: SendCbw, ReadData when the CBW asks for a data-in phase,
//   ReadCsw; a stalled endpoint is cleared (ClearHalt) and a stalled CSW
//   read retried once (BOT §6.7.2). A stalled CBW (a stick with one LUN
//   refusing LUN 1) is noted and the next message sent. The device leaving
//   the bus (NO_DEVICE) means it is switching: stop sending. A transfer that
//   times out or fails otherwise ends the sending too. Then Release and
//   Watch sysfs until the stick is back at the same port as one of the
//   target ids (or another non-storage id of its vendor) *with a tty bound*
//   (success), or the deadline passes
//   (MODESWITCH_FAILED naming the messages' outcomes and what is at the port
//   now: still in storage mode, gone, another id, the target without a tty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fb/at/error.hpp"
#include "fb/log.hpp"
#include "fb/modem/discovery.hpp"
#include "fb/modem/profile.hpp"
#include "fb/time.hpp"
#include "fb/usb/modeswitch.hpp"

namespace fb::usb {

struct SwitchPlan {
  std::string port;                          // sysfs name of the stick: "1-1.2"
  modem::UsbId storage;                      // its id in storage mode
  std::string method;                        // for logs: "StandardEject+ZTE"
  std::vector<Cbw31> messages;               // in sending order, at least one
  std::vector<modem::UsbId> targets;         // ids it comes back as; empty: any id but `storage`
                                             // (also accepted: any other id of the same vendor
                                             // that is not a storage id itself)
  Duration wait = std::chrono::seconds(20);  // for the modem after the last message
};

// The plan for a device discovery found in storage mode, from the product
// table (find_storage). Errors (MODESWITCH_FAILED): not in the table, a row
// marked SwitchMethod::unsupported (none today), a stick that needs the control-request
// switch (quirk control_request_switch) rather than a bulk message.
modem::Result<SwitchPlan> plan_for(const modem::UsbDevice& device, Duration wait = std::chrono::seconds(20));

// A CSW that answers `sent`: parse_csw() plus the tag check (BOT §6.3: the
// tag must echo the CBW's) and a defined status (0 passed, 1 failed,
// 2 phase error). Status 1/2 is a value, not an error: the caller notes it.
modem::Result<Csw> check_csw(const Cbw31& sent, std::span<const std::uint8_t> got);
std::string_view csw_status_name(std::uint8_t status);  // "passed", "failed", "phase error"

// "PREVENT ALLOW MEDIUM REMOVAL lun 0", "START STOP UNIT (eject) lun 1",
// "vendor CDB 0x85", for the log.
std::string describe_cbw(const Cbw31& cbw);

// What a bulk transfer or clear-halt came back with (libusb's outcomes).
enum class Xfer : std::uint8_t { ok, stall, timeout, no_device, error };
std::string_view to_string(Xfer x);

struct SwitchOutcome {
  modem::UsbDevice modem;  // as scanned when it came back (its ttys bound)
  std::string summary;     // "sent 4 messages: …"
};

namespace switch_event {
struct Start {};
struct Claimed {  // the adapter opened the device, detached the driver, claimed the interface
  std::uint8_t interface = 0;
  std::string detached;  // the kernel driver it detached ("usb-storage"), "" if none was bound
};
struct OpenFailed {
  std::string detail;
};
struct Transferred {  // the transfer asked for by the last SendCbw/ReadData/ReadCsw
  Xfer status = Xfer::ok;
  std::vector<std::uint8_t> data;  // what was read (ReadData/ReadCsw)
  std::string detail;              // libusb's words when status is not ok
};
struct HaltCleared {
  Xfer status = Xfer::ok;
};
struct Scanned {  // sysfs now (modem::scan_usb)
  std::vector<modem::UsbDevice> devices;
};
struct TimedOut {};  // the Watch deadline passed
}  // namespace switch_event
using SwitchEvent =
    std::variant<switch_event::Start, switch_event::Claimed, switch_event::OpenFailed, switch_event::Transferred,
                 switch_event::HaltCleared, switch_event::Scanned, switch_event::TimedOut>;

namespace switch_action {
struct Open {};  // open the device at plan.port, detach its kernel driver, claim -> Claimed | OpenFailed
struct SendCbw {
  std::size_t index = 0;  // into plan.messages
  Cbw31 bytes{};
};
struct ReadData {
  std::size_t length = 0;
};
struct ReadCsw {};
struct ClearHalt {
  bool in = false;  // the bulk-in endpoint; else bulk-out
};
struct Release {};  // release the interface, close the device (the kernel driver is not re-attached)
struct Watch {      // scan sysfs now and on every change until `deadline` -> Scanned…, TimedOut
  TimePoint deadline;
};
struct Finish {  // the one result; nothing follows
  modem::Result<SwitchOutcome> result;
};
}  // namespace switch_action
using SwitchAction =
    std::variant<switch_action::Open, switch_action::SendCbw, switch_action::ReadData, switch_action::ReadCsw,
                 switch_action::ClearHalt, switch_action::Release, switch_action::Watch, switch_action::Finish>;

class SwitchCore {
 public:
  enum class State { idle, opening, sending, reading_data, reading_csw, clearing, watching, switched, failed };

  SwitchCore(std::string name, SwitchPlan plan);

  std::vector<SwitchAction> handle(const SwitchEvent& event, TimePoint now);

  State state() const { return state_; }
  const SwitchPlan& plan() const { return plan_; }
  // One entry per message sent: "1/4 PREVENT ALLOW MEDIUM REMOVAL lun 0: CSW passed".
  const std::vector<std::string>& notes() const { return notes_; }
  std::string summary() const;
  // What sysfs showed at the port on the last scan ("still 46f4:0001 (storage mode) at 1-2").
  const std::string& observed() const { return observed_; }
  std::uint64_t undefined_transitions() const { return undefined_; }

 private:
  enum class AfterClear { next_message, read_csw, retry_csw };
  std::vector<SwitchAction> send(std::size_t index);
  std::vector<SwitchAction> next_message();
  std::vector<SwitchAction> stop_sending(TimePoint now);
  std::vector<SwitchAction> on_transferred(const switch_event::Transferred& t, TimePoint now);
  std::vector<SwitchAction> on_scanned(const switch_event::Scanned& s);
  void note(const std::string& text);
  void enter(State next, std::string_view why);
  std::string failure(const std::string& what) const;

  Logger log_;
  SwitchPlan plan_;
  State state_ = State::idle;
  std::size_t index_ = 0;
  bool csw_retried_ = false;
  AfterClear after_clear_ = AfterClear::next_message;
  std::vector<std::string> notes_;
  std::string current_;  // the note being composed for the message in flight
  std::string observed_;
  std::string detached_;
  TimePoint deadline_{};
  std::uint64_t undefined_ = 0;
};

std::string_view to_string(SwitchCore::State state);

}  // namespace fb::usb
