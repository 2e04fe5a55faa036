// The one way a word from a config file, a control verb or a child's output
// becomes an enum value: the value whose name is that word. The names stay
// in each enum's own name function (a switch the compiler checks).
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>

namespace fb {

// The first of `values` whose `name(value)` is `word`; nothing when none is.
template <class E, class Name>
std::optional<E> value_named(std::string_view word, std::initializer_list<E> values, Name name) {
  for (E value : values)
    if (name(value) == word) return value;
  return std::nullopt;
}

// The same over an enum numbered 0 to count - 1.
template <class E, class Name>
std::optional<E> value_named(std::string_view word, int count, Name name) {
  for (int i = 0; i < count; ++i)
    if (name(static_cast<E>(i)) == word) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace fb
