#include "fb/usb/modeswitch.hpp"

namespace fb::usb {
namespace {

constexpr std::array<std::uint8_t, 4> kCbwSignature{'U', 'S', 'B', 'C'};  // 0x43425355 LE
constexpr std::array<std::uint8_t, 4> kCswSignature{'U', 'S', 'B', 'S'};

// SCSI opcodes (SPC/SBC).
constexpr std::uint8_t kPreventAllowMediumRemoval = 0x1e;
constexpr std::uint8_t kStartStopUnit = 0x1b;
constexpr std::uint8_t kStartStopLoadEject = 0x02;  // LoEj=1, Start=0: eject

}  // namespace

Cbw31 encode(const Cbw& cbw) {
  Cbw31 out{};
  std::size_t i = 0;
  for (auto b : kCbwSignature) out[i++] = b;
  for (auto b : cbw.tag) out[i++] = b;
  for (int shift = 0; shift < 32; shift += 8) out[i++] = static_cast<std::uint8_t>(cbw.data_length >> shift);
  out[i++] = cbw.data_in ? 0x80 : 0x00;
  out[i++] = cbw.lun;
  out[i++] = cbw.cb_length;
  for (auto b : cbw.cb) out[i++] = b;
  return out;
}

Cbw31 prevent_allow_medium_removal(std::uint8_t lun) {
  Cbw c;
  c.tag = {0x87, 0x65, 0x43, 0x21};
  c.lun = lun;
  c.cb_length = 6;
  c.cb[0] = kPreventAllowMediumRemoval;  // Prevent=0: allow removal
  return encode(c);
}

Cbw31 start_stop_unit_eject(std::uint8_t lun) {
  Cbw c;
  c.tag = {0x97, 0x65, 0x43, 0x21};
  c.lun = lun;
  c.cb_length = 6;
  c.cb[0] = kStartStopUnit;
  c.cb[4] = kStartStopLoadEject;
  return encode(c);
}

Cbw31 zte_message_content() {
  // ZTE's vendor CDB 0x85 (an ATA pass-through-shaped command) with a 32-byte
  // data-in phase; the firmware switches on receipt.
  Cbw c;
  c.tag = {0x12, 0x34, 0x56, 0x70};
  c.data_length = 0x20;
  c.data_in = true;
  c.cb_length = 0x0c;
  c.cb = {0x85, 0x01, 0x01, 0x01, 0x18, 0x01, 0x01, 0x01, 0x01, 0x01, 0, 0, 0, 0, 0, 0};
  return encode(c);
}

Cbw31 huawei_new_mode_message() {
  // Huawei's vendor CDB 0x11 0x06; the CB length byte is 0 in the original
  // message and the firmware does not care.
  Cbw c;
  c.tag = {0x12, 0x34, 0x56, 0x78};
  c.cb = {0x11, 0x06, 0x20, 0x00, 0x00, 0x01, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0};
  return encode(c);
}

std::vector<Cbw31> switch_messages(SwitchMethod method) {
  std::vector<Cbw31> out;
  switch (method) {
    case SwitchMethod::standard_eject:
    case SwitchMethod::standard_eject_zte:
      for (std::uint8_t lun = 0; lun < 2; ++lun) {
        out.push_back(prevent_allow_medium_removal(lun));
        out.push_back(start_stop_unit_eject(lun));
      }
      if (method == SwitchMethod::standard_eject_zte) out.push_back(zte_message_content());
      break;
    case SwitchMethod::huawei_new_mode: out.push_back(huawei_new_mode_message()); break;
    case SwitchMethod::unsupported: break;
  }
  return out;
}

modem::Result<Csw> parse_csw(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != 13) return modem::Result<Csw>(modem::Code::modeswitch_failed, "CSW is not 13 bytes");
  for (std::size_t i = 0; i < 4; ++i)
    if (bytes[i] != kCswSignature[i]) return modem::Result<Csw>(modem::Code::modeswitch_failed, "CSW signature");
  Csw csw;
  for (std::size_t i = 0; i < 4; ++i) csw.tag[i] = bytes[4 + i];
  for (std::size_t i = 0; i < 4; ++i) csw.residue |= static_cast<std::uint32_t>(bytes[8 + i]) << (8 * i);
  csw.status = bytes[12];
  return csw;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

}  // namespace fb::usb
