// The state records' text: which files count as readable (a doubt makes the
// cores say "don't"), and that what is written reads back the same.
#include <doctest/doctest.h>

#include "fb/core/state_records.hpp"

using fb::core::RebootEntry;
using fb::core::RebootRecord;

namespace {

struct PinRow {
  const char* text;
  bool readable;
  std::set<std::string> tried;
};

// clang-format off
const PinRow kPinRows[] = {
    {R"({"tried": []})",                       true,  {}},
    {R"({"tried": ["8932", "8944"]})",         true,  {"8932", "8944"}},
    {R"({"tried": ["8932"], "other": 1})",     true,  {"8932"}},
    {R"({"tried": ["8932", 7, "8944"]})",      false, {"8932"}},  // read up to the bad entry
    {R"({"tried": "8932"})",                   false, {}},
    {R"({})",                                  false, {}},
    {R"(["8932"])",                            false, {}},
    {"",                                       false, {}},
    {R"({"tried": [)",                         false, {}},
};
// clang-format on

struct RebootRow {
  const char* text;
  std::optional<RebootRecord> record;
};

const RebootRow kRebootRows[] = {
    {R"({"reboots": [{"unix": 1800000000, "boot_id": "b1", "uptime": 600}], "last_reason": "NO_CARRIER"})",
     RebootRecord{{RebootEntry{1800000000, "b1", 600}}, "NO_CARRIER"}},
    {R"({"reboots": [{"unix": 5}]})", RebootRecord{{RebootEntry{5, "", -1}}, ""}},
    {R"({"times": [5, 6], "last_reason": "x"})", RebootRecord{{{5, "", -1}, {6, "", -1}}, "x"}},
    {R"({})", RebootRecord{}},
    {R"({"reboots": [{"unix": "5"}]})", std::nullopt},
    {R"({"reboots": [{"boot_id": "b1"}]})", std::nullopt},
    {R"({"reboots": {}})", std::nullopt},
    {R"({"times": [5, "6"]})", std::nullopt},
    {R"([])", std::nullopt},
    {"not json", std::nullopt},
};

bool same(const std::optional<RebootRecord>& a, const std::optional<RebootRecord>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->reboots == b->reboots && a->last_reason == b->last_reason);
}

}  // namespace

TEST_CASE("PIN record: anything but {\"tried\": [ICCID, ...]} is unreadable") {
  for (const PinRow& row : kPinRows) {
    CAPTURE(row.text);
    std::set<std::string> tried;
    CHECK(fb::core::parse_pin_record(row.text, tried) == row.readable);
    CHECK(tried == row.tried);
  }
}

TEST_CASE("PIN record: written as it is read back") {
  std::set<std::string> tried{"89324102234690160476"};
  std::string text = fb::core::pin_record_json(tried);
  CHECK(text == "{\n \"tried\": [\n  \"89324102234690160476\"\n ]\n}\n");
  std::set<std::string> back;
  CHECK(fb::core::parse_pin_record(text, back));
  CHECK(back == tried);
}

TEST_CASE("reboot record: the current and the older form; anything else is unreadable") {
  for (const RebootRow& row : kRebootRows) {
    CAPTURE(row.text);
    CHECK(same(fb::core::parse_reboot_record(row.text), row.record));
  }
}

TEST_CASE("reboot record: written as it is read back") {
  RebootRecord r{{{1800000000, "b1", 600}, {1800000100, "", -1}}, "AT_TIMEOUT"};
  std::string text = fb::core::reboot_record_json(r);
  CHECK(text.back() == '\n');
  CHECK(same(fb::core::parse_reboot_record(text), r));
}
