// The kernel identifiers failberryd claims, so that it can find and remove
// exactly its own entries — after a crash, at start and at stop — and never
// touch anyone else's.
//
// Contract: constants and pure arithmetic only.
//  - Routes and policy rules carry rtm_protocol / FRA_PROTOCOL kRouteProtocol
//    (251, unused in iproute2's rt_protos and by FRR 186-198, bird 12, babel 42,
//    openr 99, keepalived 18). The protocol is the ownership key: cleanup
//    removes a route or rule only when it carries 251, whatever its table or
//    priority, so a foreign rule that happens to sit in our priority range, or
//    a foreign route in one of our tables, is left alone.
//  - Uplink slot i (0..15) owns route table 64256+i (0xfb00+i), fwmark/connmark
//    0xfb000001+i and rule priorities 3200+i (fwmark) and 3300+i (source
//    address); priority 3100 holds "lookup main suppress_prefixlength 0" so that
//    everything but the default route (LAN and connected subnets) is routed by
//    main before any uplink table is consulted. All of 3100-3399 sit before
//    main's 32766 and after local's 0.
//  - The main table's default route is failberryd's at metric 10: below the
//    defaults of NetworkManager (100), dhcpcd (200+ifindex) and
//    systemd-networkd (1024), so it wins over theirs without replacing them
//    (NLM_F_REPLACE only replaces a route with the same metric), and above the
//    0 of a static ifupdown gateway, which it therefore never overwrites.
//    Each ready uplink also has a default of its own in main at metric 11+i
//    (fallback_metric()), above that one: a socket bound to the uplink's
//    device finds a route through it.
//  - nftables: the one table `inet failberry`.
// An /etc/iproute2/rt_protos.d entry "251 failberry" only makes `ip` print the
// name; nothing depends on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fb::net {

inline constexpr std::uint8_t kRouteProtocol = 251;
inline constexpr std::uint32_t kMainTable = 254;  // RT_TABLE_MAIN
inline constexpr std::uint32_t kMainDefaultMetric = 10;

inline constexpr int kMaxUplinks = 16;
inline constexpr std::uint32_t kFirstUplinkTable = 0xfb00;
inline constexpr std::uint32_t kFirstUplinkMark = 0xfb000001;
inline constexpr std::uint32_t kMainRoutesRulePriority = 3100;
inline constexpr std::uint32_t kFirstMarkRulePriority = 3200;
inline constexpr std::uint32_t kFirstSourceRulePriority = 3300;

inline constexpr std::string_view kNftFamily = "inet";
inline constexpr std::string_view kNftTable = "failberry";

// One uplink's share of the identifiers above.
class UplinkSlot {
 public:
  static std::optional<UplinkSlot> at(int index) {
    if (index < 0 || index >= kMaxUplinks) return std::nullopt;
    return UplinkSlot(index);
  }
  int index() const { return index_; }
  std::uint32_t table() const { return kFirstUplinkTable + static_cast<std::uint32_t>(index_); }
  std::uint32_t mark() const { return kFirstUplinkMark + static_cast<std::uint32_t>(index_); }
  std::uint32_t mark_rule_priority() const { return kFirstMarkRulePriority + static_cast<std::uint32_t>(index_); }
  std::uint32_t source_rule_priority() const { return kFirstSourceRulePriority + static_cast<std::uint32_t>(index_); }
  std::uint32_t fallback_metric() const { return kMainDefaultMetric + 1 + static_cast<std::uint32_t>(index_); }
  bool operator==(const UplinkSlot& other) const = default;

 private:
  explicit UplinkSlot(int index) : index_(index) {}
  int index_;
};

inline bool is_uplink_table(std::uint32_t table) {
  return table >= kFirstUplinkTable && table < kFirstUplinkTable + kMaxUplinks;
}
inline bool is_uplink_mark(std::uint32_t mark) {
  return mark >= kFirstUplinkMark && mark < kFirstUplinkMark + kMaxUplinks;
}
inline bool is_failberry_rule_priority(std::uint32_t priority) {
  return priority == kMainRoutesRulePriority ||
         (priority >= kFirstMarkRulePriority && priority < kFirstMarkRulePriority + kMaxUplinks) ||
         (priority >= kFirstSourceRulePriority && priority < kFirstSourceRulePriority + kMaxUplinks);
}

}  // namespace fb::net
