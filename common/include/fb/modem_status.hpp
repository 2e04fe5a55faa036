// The cellular modem's status: one value type, kept by the modem supervisor
// (fb::core::ModemMachine) and shown by /status, /metrics and failberryctl
// (fb::health::ModemReport holds one and adds what only the adapters know).
//
// Contract: plain data, no behaviour. Strings are the stable words /status
// prints ("home", "on", a code name); "" or nullopt is "not known".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fb {

struct ModemIdentity {
  std::string manufacturer, model, revision, imei;
  std::string iccid;  // in full in the supervisor; masked where it is shown
  bool operator==(const ModemIdentity&) const = default;
};

struct ModemStatus {
  std::string state;   // the supervisor's state: "absent", "registered", ...
  std::string device;  // the AT tty, or what was looked for
  ModemIdentity identity;
  std::string sim;                 // "ready", "pin_required", "missing", ...
  std::optional<int> pin_retries;  // SIM PIN attempts left, when the stick tells
  std::string registration = "unknown";
  std::string network;             // operator name
  std::string access_tech;         // the network's, from +COPS? <AcT>: "umts", "hspa+", "lte", ...
  std::string rat;                 // its radio access technology: "gsm", "umts", "lte", "5g"; "" unknown
  std::optional<int> signal_dbm;   // received signal strength (RSSI)
  std::optional<int> signal_bars;  // 0..4: from RSRP on LTE when known, else from +CSQ
  std::optional<int> rsrp_dbm;     // LTE reference signal received power
  std::optional<double> rsrq_db;   // LTE reference signal received quality
  std::optional<double> sinr_db;   // LTE signal to interference plus noise
  std::optional<int> band;         // E-UTRA band, when the stick tells
  std::string cdrom = "unknown";   // "on", "off", "unknown"
  std::string cdrom_action;        // "", "disabled", "left on (disable_cdrom = false)", "DISABLE_FAILED: ..."
  std::string code;                // stable code of the last problem, "" when none
  std::string detail;
  std::uint64_t probes = 0;
  std::uint64_t gone = 0;  // times the stick vanished
  bool operator==(const ModemStatus&) const = default;
};

}  // namespace fb
