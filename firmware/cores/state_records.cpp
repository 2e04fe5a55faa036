#include "fb/core/state_records.hpp"

#include <nlohmann/json.hpp>

namespace fb::core {

bool parse_pin_record(std::string_view text, std::set<std::string>& tried) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  bool ok = j.is_object() && j.contains("tried") && j["tried"].is_array();
  if (ok)
    for (const auto& i : j["tried"]) {
      if (!i.is_string()) ok = false;
      if (ok) tried.insert(i.get<std::string>());
    }
  return ok;
}

std::string pin_record_json(const std::set<std::string>& tried) {
  nlohmann::json j = {{"tried", tried}};
  return j.dump(1) + "\n";
}

std::optional<RebootRecord> parse_reboot_record(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  RebootRecord r;
  if (j.contains("reboots")) {
    if (!j["reboots"].is_array()) return std::nullopt;
    for (const auto& e : j["reboots"]) {
      if (!e.is_object() || !e.contains("unix") || !e["unix"].is_number_integer()) return std::nullopt;
      RebootEntry entry;
      entry.unix_seconds = e["unix"].get<std::int64_t>();
      if (e.contains("boot_id") && e["boot_id"].is_string()) entry.boot_id = e["boot_id"].get<std::string>();
      if (e.contains("uptime") && e["uptime"].is_number_integer())
        entry.uptime_seconds = e["uptime"].get<std::int64_t>();
      r.reboots.push_back(entry);
    }
  } else if (j.contains("times")) {
    if (!j["times"].is_array()) return std::nullopt;
    for (const auto& t : j["times"]) {
      if (!t.is_number_integer()) return std::nullopt;
      r.reboots.push_back({t.get<std::int64_t>(), "", -1});
    }
  }
  if (j.contains("last_reason") && j["last_reason"].is_string()) r.last_reason = j["last_reason"].get<std::string>();
  return r;
}

std::string reboot_record_json(const RebootRecord& r) {
  nlohmann::json list = nlohmann::json::array();
  for (const RebootEntry& e : r.reboots)
    list.push_back({{"unix", e.unix_seconds}, {"boot_id", e.boot_id}, {"uptime", e.uptime_seconds}});
  nlohmann::json j = {{"reboots", list}, {"last_reason", r.last_reason}};
  return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace fb::core
