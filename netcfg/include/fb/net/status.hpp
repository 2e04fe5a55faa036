// The error codes of fb::net, on the one convention of fb/result.hpp.
//
// Contract: every operation that can fail returns a Status (success or an
// Error), or a Result<T> holding either a value or an Error. An Error carries
// a stable machine-readable code (code_name(): "ROUTE_ADD_FAILED", shown in
// /status and matched by tests) and a detail naming what was attempted, in
// `ip`/`nft` terms, followed by the kernel's own words ("Network is
// unreachable", the netlink extended-ack text, nft's error output). Nothing
// here throws.
#pragma once

#include <string_view>

#include "fb/result.hpp"

namespace fb::net {

enum class NetError {
  invalid_spec,           // a value failed validation before reaching the kernel
  netlink_unavailable,    // a netlink socket or the nft context could not be opened
  namespace_unavailable,  // the System's network namespace could not be entered
  interface_not_found,    // a named interface does not exist (yet)
  route_add_failed,       // the kernel refused an add/replace of a route
  route_delete_failed,
  rule_add_failed,
  rule_delete_failed,
  read_back_failed,  // a dump of routes, rules, links or the nft table failed
  conntrack_flush_failed,
  sysctl_write_failed,
  nft_apply_failed,  // the ruleset transaction was refused; the previous table is intact
  nft_remove_failed,
  link_change_failed,  // the kernel refused to set an interface up
  address_add_failed,  // the kernel refused an add/replace of an interface address
  address_delete_failed,
};

// The stable name of a code: "ROUTE_ADD_FAILED".
std::string_view code_name(NetError code);

// Success, or an Error{code, detail}: fb::Result<void, NetError>.
// describe(status): "ROUTE_ADD_FAILED: ip -4 route replace ...: Network is
// unreachable", or "OK".
using Status = fb::Result<void, NetError>;
using Error = fb::Error<NetError>;
// A value or the reason there is none; built only from a value or an Error,
// so a Result never claims success without a value.
template <class T>
using Result = fb::Result<T, NetError>;
using fb::describe;

}  // namespace fb::net
