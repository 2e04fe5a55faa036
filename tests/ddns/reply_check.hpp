// What a parsed DDNS reply must be: the row's outcome, and the row's address
// exactly (none when the row has none). doctest only.
#pragma once

#include <doctest/doctest.h>

#include "fb/ddns/reply.hpp"

namespace fb::test {

inline void check_reply(const fb::ddns::Reply& r, fb::ddns::Outcome outcome, const char* address) {
  CHECK(fb::ddns::to_string(r.outcome) == fb::ddns::to_string(outcome));
  if (address) {
    REQUIRE(r.address);
    CHECK(r.address->text() == address);
  } else {
    CHECK_FALSE(r.address);
  }
}

}  // namespace fb::test
