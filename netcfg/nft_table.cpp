#include "fb/net/nft_table.hpp"

#include <nftables/libnftables.h>

#include <cerrno>
#include <cstring>

#include "netlink_support.hpp"

namespace fb::net {

namespace {
// nft reports an error over several lines (message, the offending input, a
// caret): one line, " | " between them, runs of blanks folded.
std::string one_line(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c == '\n') {
      while (!s.empty() && s.back() == ' ') s.pop_back();
      s += " | ";
    } else if (c != ' ' && c != '\t') {
      s += c;
    } else if (!s.empty() && s.back() != ' ') {
      s += ' ';
    }
  }
  while (s.size() >= 3 && s.compare(s.size() - 3, 3, " | ") == 0) s.resize(s.size() - 3);
  return s;
}
}  // namespace

Result<std::unique_ptr<NftTable>> NftTable::open() {
  auto netns = std::make_unique<detail::NetnsHandle>();
  if (!netns->valid())
    return Error{NetError::namespace_unavailable,
                 std::string("cannot open /proc/thread-self/ns/net: ") + std::strerror(errno)};
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return Error{NetError::netlink_unavailable, "nft_ctx_new failed"};
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  return std::unique_ptr<NftTable>(new NftTable(ctx, std::move(netns)));
}

NftTable::NftTable(nft_ctx* ctx, std::unique_ptr<detail::NetnsHandle> netns) : ctx_(ctx), netns_(std::move(netns)) {}

NftTable::~NftTable() {
  nft_ctx_free(ctx_);
}

Status NftTable::run(std::string_view batch, NetError failure) {
  detail::InNamespace inside(*netns_);
  if (!inside.ok()) return {NetError::namespace_unavailable, "cannot enter the nft context's network namespace"};
  int rc = nft_run_cmd_from_buffer(ctx_, std::string(batch).c_str());
  nft_ctx_get_output_buffer(ctx_);  // discard (and rewind) what a batch may echo
  std::string error = one_line(nft_ctx_get_error_buffer(ctx_));
  if (rc != 0) return {failure, "nft: " + (error.empty() ? "refused the batch" : error)};
  return {};
}

Result<std::string> NftTable::command_output(std::string_view command) {
  detail::InNamespace inside(*netns_);
  if (!inside.ok()) return Error{NetError::namespace_unavailable, "cannot enter the nft context's namespace"};
  int rc = nft_run_cmd_from_buffer(ctx_, std::string(command).c_str());
  std::string output = nft_ctx_get_output_buffer(ctx_);
  std::string error = one_line(nft_ctx_get_error_buffer(ctx_));
  if (rc != 0) return Error{NetError::read_back_failed, "nft " + std::string(command) + ": " + error};
  return output;
}

Result<bool> NftTable::exists() {
  Result<std::string> tables = command_output("list tables inet");
  if (!tables.ok()) return tables.error();
  return tables->find("table inet failberry\n") != std::string::npos;
}

Result<std::string> NftTable::list() {
  return command_output("list table inet failberry");
}

}  // namespace fb::net
