#include "fb/net/status.hpp"

namespace fb::net {

std::string_view code_name(NetError code) {
  switch (code) {
    case NetError::invalid_spec: return "INVALID_SPEC";
    case NetError::netlink_unavailable: return "NETLINK_UNAVAILABLE";
    case NetError::namespace_unavailable: return "NAMESPACE_UNAVAILABLE";
    case NetError::interface_not_found: return "INTERFACE_NOT_FOUND";
    case NetError::route_add_failed: return "ROUTE_ADD_FAILED";
    case NetError::route_delete_failed: return "ROUTE_DELETE_FAILED";
    case NetError::rule_add_failed: return "RULE_ADD_FAILED";
    case NetError::rule_delete_failed: return "RULE_DELETE_FAILED";
    case NetError::read_back_failed: return "READ_BACK_FAILED";
    case NetError::conntrack_flush_failed: return "CONNTRACK_FLUSH_FAILED";
    case NetError::sysctl_write_failed: return "SYSCTL_WRITE_FAILED";
    case NetError::nft_apply_failed: return "NFT_APPLY_FAILED";
    case NetError::nft_remove_failed: return "NFT_REMOVE_FAILED";
    case NetError::link_change_failed: return "LINK_CHANGE_FAILED";
    case NetError::address_add_failed: return "ADDRESS_ADD_FAILED";
    case NetError::address_delete_failed: return "ADDRESS_DELETE_FAILED";
  }
  return "UNKNOWN";
}

}  // namespace fb::net
