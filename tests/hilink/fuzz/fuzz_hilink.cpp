// libFuzzer target for the HiLink reply reader and every typed reading, and
// the ZTE dialect's JSON reader and readings: any body a stick (or something
// pretending to be one) can send, read as both. Built by
// tests/fuzz/run.sh hilink with clang++ -fsanitize=fuzzer,address,undefined;
// a crash, a sanitizer report or a broken invariant (abort) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fb/hilink/api.hpp"
#include "fb/hilink/goform.hpp"
#include "fb/hilink/xml.hpp"

namespace {

void check(bool invariant) {
  if (!invariant) std::abort();
}

// The ZTE dialect: the JSON reader and what reads its fields.
void goform(std::string_view body) {
  using namespace fb::hilink;
  auto reply = read_goform_reply(body);
  if (!reply) {
    check(!reply.error().detail.empty());
    check(reply.code() == Code::bad_reply);
    return;
  }
  check(reply->fields.size() <= kMaxFields);
  (void)goform_login_wall(*reply, "fuzz");
  (void)parse_goform_status(*reply);
  if (auto s = parse_goform_signal(*reply)) (void)signal_report(*s, fb::at::AccessTech::lte);
  (void)parse_goform_plmn(*reply);
  (void)parse_goform_traffic(*reply);
  (void)expect_goform_success(*reply);
  (void)goform_login_result(*reply);
  (void)goform_login_scheme(*reply);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fb::hilink;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  goform(body);
  auto reply = read_reply(body);
  if (!reply) {
    // Every refusal names what was wrong; codes stay in range.
    check(!reply.error().detail.empty());
    check(static_cast<int>(reply.code()) < kCodeCount);
    return 0;
  }
  check(reply->fields.size() <= kMaxFields);
  check(!(reply->ok && !reply->fields.empty()));
  // What the reader accepted survives a round trip through the writer.
  if (!reply->ok && !reply->fields.empty()) {
    std::string again = "<response>";
    for (const auto& f : reply->fields) again += "<" + f.name + ">" + escape_xml(f.value) + "</" + f.name + ">";
    again += "</response>";
    auto back = read_reply(again, again.size());
    check(back.ok() && back->fields == reply->fields);
  }
  (void)parse_status(*reply);
  if (auto s = parse_signal(*reply)) (void)signal_report(*s, fb::at::AccessTech::lte);
  (void)parse_plmn(*reply);
  (void)parse_traffic(*reply);
  (void)parse_login_state(*reply);
  (void)parse_token(*reply);
  (void)parse_ses_tok_info(*reply);
  (void)expect_ok(*reply);
  for (const auto& f : reply->fields) (void)parse_level(f.name, f.value, "dBm");
  return 0;
}
