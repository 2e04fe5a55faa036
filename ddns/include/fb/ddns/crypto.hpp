// SHA-256 and HMAC-SHA256 through OpenSSL libcrypto (EVP), hex helpers.
//
// Contract: pure, thread-safe; std::runtime_error only if libcrypto itself
// fails (out of memory), never for any input.
#pragma once

#include <string>
#include <string_view>

namespace fb::ddns {

std::string sha256_raw(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_raw(std::string_view key, std::string_view data);
std::string to_hex(std::string_view bytes);  // lowercase

}  // namespace fb::ddns
