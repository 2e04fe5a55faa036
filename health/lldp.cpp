#include "fb/health/lldp.hpp"

#include <nlohmann/json.hpp>

#include "fb/text.hpp"

namespace fb::health {

std::string_view code_name(LldpParseError e) {
  switch (e) {
    case LldpParseError::bad_json: return "LLDP_BAD_JSON";
    case LldpParseError::bad_shape: return "LLDP_BAD_SHAPE";
  }
  return "LLDP_UNKNOWN";
}

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxNeighbors = 64;

// json0: every value is an array of objects; the text of a leaf is its
// "value". A missing key is "".
const json* first(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return nullptr;
  return &(*it)[0];
}

std::string text_of(const json* leaf, const char* key = "value") {
  if (!leaf) return {};
  auto it = leaf->find(key);
  if (it == leaf->end() || !it->is_string()) return {};
  return clean_text(it->get<std::string>(), 128);
}

// "mac 00:11:…": the id's type and value, as lldpcli's text output shows it.
std::string id_of(const json* parent) {
  const json* id = parent ? first(*parent, "id") : nullptr;
  std::string type = text_of(id, "type"), value = text_of(id);
  if (value.empty()) return {};
  return type.empty() ? value : type + " " + value;
}

std::optional<int> vlan_id(const json& vlan) {
  auto it = vlan.find("vlan-id");
  if (it == vlan.end()) return std::nullopt;
  std::string s = it->is_string()           ? it->get<std::string>()
                  : it->is_number_integer() ? std::to_string(it->get<int>())
                                            : "";
  if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int id = std::stoi(s);
  if (id < 1 || id > 4094) return std::nullopt;
  return id;
}

}  // namespace

Result<std::vector<LldpNeighbor>, LldpParseError> parse_lldpcli_json0(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) return {LldpParseError::bad_json, "lldpcli's answer is not JSON"};
  if (!doc.is_object() || !doc.contains("lldp") || !doc["lldp"].is_array())
    return {LldpParseError::bad_shape, "no \"lldp\" list (is this lldpcli -f json0?)"};
  std::vector<LldpNeighbor> out;
  for (const json& section : doc["lldp"]) {
    if (!section.is_object()) return {LldpParseError::bad_shape, "an \"lldp\" entry is not an object"};
    auto interfaces = section.find("interface");
    if (interfaces == section.end()) continue;  // no neighbour at all: {"lldp": [{}]}
    if (!interfaces->is_array()) return {LldpParseError::bad_shape, "\"interface\" is not a list"};
    for (const json& i : *interfaces) {
      if (!i.is_object()) return {LldpParseError::bad_shape, "an interface entry is not an object"};
      if (out.size() == kMaxNeighbors) break;
      LldpNeighbor n;
      auto name = i.find("name");
      if (name == i.end() || !name->is_string() || name->get<std::string>().empty())
        return {LldpParseError::bad_shape, "an interface entry has no name"};
      n.interface = clean_text(name->get<std::string>(), 32);
      auto age = i.find("age");
      if (age != i.end() && age->is_string()) n.age = clean_text(age->get<std::string>(), 32);
      const json* chassis = first(i, "chassis");
      n.system_name = text_of(chassis ? first(*chassis, "name") : nullptr);
      n.chassis_id = id_of(chassis);
      n.management_ip = text_of(chassis ? first(*chassis, "mgmt-ip") : nullptr);
      const json* port = first(i, "port");
      n.port_id = id_of(port);
      n.port_description = text_of(port ? first(*port, "descr") : nullptr);
      auto vlans = i.find("vlan");
      if (vlans != i.end() && vlans->is_array())
        for (const json& v : *vlans) {
          if (!v.is_object()) continue;
          std::optional<int> id = vlan_id(v);
          if (!id) continue;
          n.vlans.push_back(*id);
          auto pvid = v.find("pvid");
          if (pvid != v.end() && pvid->is_boolean() && pvid->get<bool>()) n.pvid = *id;
        }
      out.push_back(std::move(n));
    }
  }
  return out;
}

}  // namespace fb::health
