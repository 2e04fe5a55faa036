#include "fb/net/dry_run_system.hpp"

#include <algorithm>

#include "fb/net/commands.hpp"

namespace fb::net {

namespace {
// The kernel's identity of a route for NLM_F_REPLACE and delete.
bool same_slot(const Route& a, const Route& b) {
  return a.table == b.table && a.destination == b.destination && a.metric == b.metric;
}
}  // namespace

Status DryRunSystem::replace_route(const Route& route) {
  if (Status s = validate(route); !s.ok()) return s;
  log_.info() << ip_route_command("replace", route);
  auto it = std::find_if(state_.routes.begin(), state_.routes.end(), [&](auto& r) { return same_slot(r, route); });
  if (it != state_.routes.end())
    *it = route;
  else
    state_.routes.push_back(route);
  return {};
}

Status DryRunSystem::remove_route(const Route& route) {
  if (Status s = validate(route); !s.ok()) return s;
  log_.info() << ip_route_command("del", route);
  std::erase_if(state_.routes, [&](auto& r) { return same_slot(r, route); });
  return {};
}

Status DryRunSystem::add_rule(const Rule& rule) {
  if (Status s = validate(rule); !s.ok()) return s;
  log_.info() << ip_rule_command("add", rule);
  if (std::find(state_.rules.begin(), state_.rules.end(), rule) == state_.rules.end()) state_.rules.push_back(rule);
  return {};
}

Status DryRunSystem::remove_rule(const Rule& rule) {
  if (Status s = validate(rule); !s.ok()) return s;
  log_.info() << ip_rule_command("del", rule);
  std::erase(state_.rules, rule);
  return {};
}

Result<OwnedState> DryRunSystem::read_owned() {
  return state_;
}

Result<std::size_t> DryRunSystem::flush_conntrack(const IpAddress& address) {
  if (address == IpAddress::any(address.family))
    return Error{NetError::invalid_spec, "conntrack: flushing " + address.text() + " would match nothing useful"};
  for (const std::string& line : conntrack_flush_commands(address)) log_.info() << line;
  return std::size_t{0};
}

Status DryRunSystem::set_sysctl(const Sysctl& sysctl) {
  if (Status s = validate(sysctl); !s.ok()) return s;
  log_.info() << sysctl_command(sysctl);
  return {};
}

Status DryRunSystem::apply_firewall(const FirewallSpec& spec) {
  if (Status s = validate(spec); !s.ok()) return s;
  for (const std::string& line : nft_commands(replace_transaction(render_ruleset(spec)))) log_.info() << line;
  state_.firewall = true;
  return {};
}

Status DryRunSystem::remove_firewall() {
  log_.info() << nft_remove_command();
  state_.firewall = false;
  return {};
}

Status DryRunSystem::set_link_up(const std::string& device) {
  if (!is_valid_interface_name(device))
    return Error{NetError::invalid_spec, "link '" + device + "': not a valid interface name"};
  log_.info() << ip_link_up_command(device);
  if (std::find(links_up_.begin(), links_up_.end(), device) == links_up_.end()) links_up_.push_back(device);
  return {};
}

Status DryRunSystem::replace_address(const std::string& device, const IpAddress& address, int prefix_length) {
  InterfaceAddress wanted{device, address, prefix_length};
  if (Status s = validate(wanted); !s.ok()) return s;
  log_.info() << ip_address_command("replace", wanted);
  auto it = std::find_if(addresses_.begin(), addresses_.end(),
                         [&](const InterfaceAddress& a) { return same_kernel_address(a, wanted); });
  if (it == addresses_.end()) addresses_.push_back(wanted);  // else: updated in place, nothing we model changes
  return {};
}

Status DryRunSystem::remove_address(const std::string& device, const IpAddress& address, int prefix_length) {
  InterfaceAddress gone{device, address, prefix_length};
  if (Status s = validate(gone); !s.ok()) return s;
  log_.info() << ip_address_command("del", gone);
  std::erase(addresses_, gone);  // the kernel deletes only an exact match
  return {};
}

Result<CleanupReport> DryRunSystem::cleanup_stale() {
  for (const std::string& line : cleanup_commands()) log_.info() << line;
  CleanupReport report;
  report.routes = state_.routes.size();
  report.rules = state_.rules.size();
  report.firewall = state_.firewall;
  state_ = {};
  return report;
}

}  // namespace fb::net
