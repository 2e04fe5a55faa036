// Which PDP type the stick's contexts get: [modem] pdp_type (when written)
// checked against the types the stick lists for AT+CGDCONT=?
// (fb::at::parse_cgdcont_test).
//
// Contract: pure. The rules, ModemManager's where it has one:
// - pdp_type written and listed: that type. Written and not listed: refused
//   (PDP_TYPE_UNSUPPORTED): nothing is attached or dialled with another type.
// - pdp_type not written: IPV4V6 when listed, else IP when listed (an older
//   stick; the reason says so), else refused (only IPV6: write it).
// - The types unknown — the query refused, a reply that cannot be read, or
//   no IP type in it: like ModemManager, whose supported IP families stay
//   unset then and whose context setup goes on with its defaults, nothing is
//   checked: a written type is used as written; an unwritten one is IP,
//   ModemManager's family for a connection that names none
//   (mm_3gpp_normalize_ip_family: IPv4 "to ensure backward compatibility").
// "IPV4" counts as IP (mm_3gpp_get_ip_family_from_pdp_type). Text from the
// stick is cleaned (fb::clean_text) before it reaches the reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fb/at/parse_3gpp.hpp"
#include "fb/modem/dial.hpp"

namespace fb::modem {

struct PdpChoice {
  enum class Kind {
    as_written,  // pdp_type written, and the stick lists it (or lists nothing readable)
    preferred,   // not written: IPV4V6, listed
    fallback,    // not written: IP, because IPV4V6 is not listed or nothing is known
    refused,     // no type: PDP_TYPE_UNSUPPORTED
  };
  Kind kind = Kind::refused;
  std::optional<PdpType> type;  // none when refused
  std::string reason;           // for the log and /status
  std::string listed;           // what AT+CGDCONT=? lists ("IP, PPP"), "" when it was not read
  bool operator==(const PdpChoice&) const = default;
};

// `listed`: the parsed AT+CGDCONT=? reply, or the error that stood in its way
// (the stick's refusal, AT_BAD_RESPONSE). A transport failure (no answer) is
// the caller's: it fails the probe, it is not a fact about the stick's types.
PdpChoice choose_pdp_type(std::optional<PdpType> written, const Result<std::vector<at::PdpFormat>>& listed);

// "ipv4", "ipv6", "ipv4v6": the [modem] pdp_type word of a type.
std::string_view config_word(PdpType type);

}  // namespace fb::modem
