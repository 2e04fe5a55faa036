// libnftables adapter for failberryd's own table.
//
// Contract: open() creates an nft context; libnftables opens its netlink
// socket there and then, so the context belongs to the calling thread's
// network namespace, and run() enters that namespace for the call if the
// caller has moved. run() hands one buffer to nft_run_cmd_from_buffer(): one
// batch, applied by the kernel as a whole or not at all. Failures carry nft's
// own error output (one line, " | " between its lines). Blocking for one
// batch round trip; single-threaded. Never open one in a unit test:
// libnftables exits the process where netfilter netlink is missing (qemu-user).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "fb/net/status.hpp"

struct nft_ctx;

namespace fb::net {

namespace detail {
class NetnsHandle;
}

class NftTable {
 public:
  static Result<std::unique_ptr<NftTable>> open();
  ~NftTable();
  NftTable(const NftTable&) = delete;
  NftTable& operator=(const NftTable&) = delete;

  // Runs `batch` (nft syntax); `failure` is the code to report if refused.
  Status run(std::string_view batch, NetError failure);
  // Whether `inet failberry` exists.
  Result<bool> exists();
  // `nft list table inet failberry` as nft prints it.
  Result<std::string> list();

 private:
  NftTable(nft_ctx* ctx, std::unique_ptr<detail::NetnsHandle> netns);
  Result<std::string> command_output(std::string_view command);
  nft_ctx* ctx_;
  std::unique_ptr<detail::NetnsHandle> netns_;
};

}  // namespace fb::net
