#include "fb/secret_file.hpp"

#include <cstdio>

namespace fb {

std::optional<std::string> secret_file_problem(const struct stat& st, const std::string& path) {
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "accessible by group or others (mode " + std::string(mode) + "); run: chmod 600 " + path;
  }
  return std::nullopt;
}

}  // namespace fb
