#include "fb/core/sim_policy.hpp"

#include <cctype>

namespace fb::core {

std::string mask_iccid(const std::string& iccid) {
  if (iccid.size() <= 10) return std::string(iccid.size(), '*');
  return iccid.substr(0, 6) + std::string(iccid.size() - 10, '*') + iccid.substr(iccid.size() - 4);
}

std::string mask_long_numbers(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i) {
      out.push_back(text[i++]);
      continue;
    }
    std::string run = text.substr(i, j - i);
    out += run.size() >= 14 ? mask_iccid(run) : run;
    i = j;
  }
  return out;
}

}  // namespace fb::core
