// usb_modeswitch-compatible mode-switch messages: the bytes a storage-mode
// ("ZeroCD") stick must receive on its bulk-out endpoint to re-enumerate as a
// modem. Built from fields, not pasted hex, so each message says what it is.
//
// Contract: pure; every message is a 31-byte USB mass-storage Command Block
// Wrapper (USB MSC Bulk-Only Transport 1.0 §5.1); after each one the sender
// reads a 13-byte Command Status Wrapper (§5.2), which parse_csw() checks.
// Sequences follow NetworkManager/usb_modeswitch (2016+):
//   StandardEject  PREVENT/ALLOW MEDIUM REMOVAL and START STOP UNIT (eject)
//                  for LUN 0, then the same for LUN 1, then MessageContent;
//   HuaweiNewMode  one vendor CDB 0x11 0x06 (the message its switch mode uses).
// The libusb sending path lives elsewhere; nothing here touches a device.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/error.hpp"
#include "fb/modem/profile.hpp"

namespace fb::usb {

using Cbw31 = std::array<std::uint8_t, 31>;

struct Cbw {
  // usb_modeswitch writes its tags as wire bytes ("87654321"), not numbers.
  std::array<std::uint8_t, 4> tag{};
  std::uint32_t data_length = 0;  // little-endian on the wire
  bool data_in = false;           // bmCBWFlags 0x80
  std::uint8_t lun = 0;
  std::uint8_t cb_length = 0;
  std::array<std::uint8_t, 16> cb{};
};
Cbw31 encode(const Cbw& cbw);

// The switch method is a property of a storage model (fb/modem/profile.hpp).
using SwitchMethod = modem::SwitchMethod;

// The messages for one table row, in sending order (empty for unsupported).
std::vector<Cbw31> switch_messages(SwitchMethod method);

// The individual messages, for tests and logs.
Cbw31 prevent_allow_medium_removal(std::uint8_t lun);
Cbw31 start_stop_unit_eject(std::uint8_t lun);
Cbw31 zte_message_content();
Cbw31 huawei_new_mode_message();

struct Csw {
  std::array<std::uint8_t, 4> tag{};
  std::uint32_t residue = 0;
  std::uint8_t status = 0;  // 0 passed, 1 failed, 2 phase error
};
// A 13-byte CSW ("USBS", tag, residue, status); anything else is an error
// (many sticks detach before answering the eject — the caller treats a
// missing CSW after the last message as normal).
modem::Result<Csw> parse_csw(std::span<const std::uint8_t> bytes);

std::string to_hex(std::span<const std::uint8_t> bytes);  // lower case, no separators

}  // namespace fb::usb
