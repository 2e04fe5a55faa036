#include "fb/modem/pdp_choice.hpp"

#include <algorithm>

#include "fb/at/fields.hpp"
#include "fb/text.hpp"

namespace fb::modem {
namespace {

// The family a listed name stands for: parse_pdp_type()'s, and "IPV4" for
// IPv4 too, as ModemManager reads it.
std::optional<PdpType> family(const std::string& name) {
  if (at::iequals(name, "IPV4")) return PdpType::ip;
  auto type = parse_pdp_type(name);
  if (!type) return std::nullopt;
  return *type;
}

}  // namespace

std::string_view config_word(PdpType type) {
  switch (type) {
    case PdpType::ip: return "ipv4";
    case PdpType::ipv6: return "ipv6";
    case PdpType::ipv4v6: return "ipv4v6";
  }
  return {};
}

PdpChoice choose_pdp_type(std::optional<PdpType> written, const Result<std::vector<at::PdpFormat>>& listed) {
  PdpChoice c;
  std::vector<PdpType> known;
  std::vector<std::string> names;
  if (listed) {
    for (const auto& f : *listed) {
      std::string name = clean_text(f.type, 24);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      if (auto t = family(f.type); t && std::find(known.begin(), known.end(), *t) == known.end()) known.push_back(*t);
    }
    for (const auto& n : names) c.listed += (c.listed.empty() ? "" : ", ") + n;
  }
  auto lists = [&](PdpType t) { return std::find(known.begin(), known.end(), t) != known.end(); };
  std::string written_text =
      written ? "pdp_type = " + std::string(config_word(*written)) + " (" + std::string(cgdcont_text(*written)) + ")"
              : std::string();

  if (known.empty()) {
    // Nothing to check against: ModemManager goes on with its defaults.
    std::string why;
    if (!listed)
      why = "AT+CGDCONT=? failed: " + clean_text(describe(listed.error()));
    else if (names.empty())
      why = "AT+CGDCONT=? lists no PDP type";
    else
      why = "AT+CGDCONT=? lists no IP type (" + c.listed + ")";
    if (written) {
      c.kind = PdpChoice::Kind::as_written;
      c.type = *written;
      c.reason = written_text + " as written; the modem's PDP types are unknown (" + why + "), so it is not checked";
    } else {
      c.kind = PdpChoice::Kind::fallback;
      c.type = PdpType::ip;
      c.reason = "pdp_type not written and the modem's PDP types are unknown (" + why +
                 "): IP, as ModemManager uses when nothing is known";
    }
    return c;
  }

  std::string lists_text = "AT+CGDCONT=? lists " + c.listed;
  if (written) {
    if (lists(*written)) {
      c.kind = PdpChoice::Kind::as_written;
      c.type = *written;
      c.reason = written_text + " as written; " + lists_text;
    } else {
      c.reason = written_text + " is written, but the modem lists no " + std::string(cgdcont_text(*written)) + " (" +
                 lists_text +
                 "): nothing is attached or dialled with another type; write a type it lists or "
                 "remove pdp_type";
    }
    return c;
  }
  if (lists(PdpType::ipv4v6)) {
    c.kind = PdpChoice::Kind::preferred;
    c.type = PdpType::ipv4v6;
    c.reason = "pdp_type not written: IPV4V6 (" + lists_text + ")";
  } else if (lists(PdpType::ip)) {
    c.kind = PdpChoice::Kind::fallback;
    c.type = PdpType::ip;
    c.reason = "the modem lists no IPV4V6 (" + lists_text + "): IP";
  } else {
    c.reason = "pdp_type not written, and the modem lists neither IPV4V6 nor IP (" + lists_text +
               "): nothing is dialled; write pdp_type = ipv6 to use IPV6 alone";
  }
  return c;
}

}  // namespace fb::modem
