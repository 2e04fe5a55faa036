// The smallest valid failberry.ini with two uplinks (wired preferred over
// cellular): the base that config tests change one key of.
#pragma once

namespace fb::test {

inline constexpr const char* kMinimalConfig = R"(
[modem]
apn = internet

[uplink.wired]
interface = eth0
gateway = 192.168.1.1
priority = 20

[uplink.cellular]
interface = ppp0
kind = ppp
priority = 10
)";

}  // namespace fb::test
