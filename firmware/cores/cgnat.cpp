#include "fb/core/cgnat.hpp"

#include <netinet/in.h>

#include <array>

namespace fb::core {

namespace {

// The carrier-NAT range first: it is the one that means NAT on any uplink.
constexpr std::array<const char*, 4> kRanges = {"100.64.0.0/10", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"};

}  // namespace

NatFinding detect_nat(const std::optional<IpAddress>& address, bool modem_link, const std::optional<IpAddress>& seen) {
  NatFinding f;
  if (!address || address->family != AF_INET) return f;
  for (std::size_t i = 0; i < kRanges.size(); ++i) {
    if (!Prefix::parse(kRanges[i])->contains(*address)) continue;
    if (i > 0 && !modem_link) return f;       // a router's LAN behind an Ethernet uplink
    if (seen && *seen == *address) return f;  // the server reached this very address
    f.behind = true;
    f.address = *address;
    f.range = kRanges[i];
    if (seen && seen->family == AF_INET) f.seen = seen;
    return f;
  }
  return f;
}

std::string nat_sentence(const std::string& uplink, const NatFinding& f, bool heartbeat) {
  if (!f.behind) return "";
  std::string s = "uplink " + uplink + " is behind carrier-grade NAT (" + f.address.text();
  if (f.seen) s += "; the DDNS server saw " + f.seen->text();
  s += "): Route53 health checks cannot reach it; ";
  s += heartbeat ? "the [health] heartbeat to CloudWatch stands in for them" : "use [health] heartbeat = cloudwatch";
  return s;
}

PublishDecision publish_decision(const std::string& uplink, const NatFinding& f, bool publish_behind_nat) {
  if (!f.behind) return {};
  std::string why = "uplink " + uplink + " is behind carrier-grade NAT (" + f.address.text() + " is in " + f.range +
                    (f.seen ? "; the DDNS server saw " + f.seen->text() : std::string()) + ")";
  if (publish_behind_nat)
    return {true, "", why + "; published anyway ([ddns] publish_behind_nat = yes): the record reaches the carrier"};
  return {false, kBehindNatCode,
          "not published: " + why +
              ", so a record would point at the carrier, not at this Pi; set [ddns] "
              "publish_behind_nat = yes to publish it anyway"};
}

}  // namespace fb::core
