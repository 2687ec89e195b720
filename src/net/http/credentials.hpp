// Parsing the credentials a request carries: one cookie out of a Cookie header (RFC 6265)
// and a bearer token out of an Authorization header (RFC 6750). Hostile input is the norm
// here, so both are small, bounded and fuzzed (fuzz/credentials_fuzz.cpp).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace vireo::http {

inline constexpr size_t kMaxCredentialLength = 512;

// The value of cookie `name`; nullopt when absent, empty, oversized or not a valid
// cookie-octet string. Malformed pairs around it are skipped, never fatal.
[[nodiscard]] std::optional<std::string> cookie_value(std::string_view header, std::string_view name);
// "Bearer <b64token>" (scheme case-insensitive) -> the token; nullopt for any other form.
[[nodiscard]] std::optional<std::string> bearer_token(std::string_view header);
// "Basic base64(user:password)" (RFC 7617) -> {user, password}; nullopt for any other form.
[[nodiscard]] std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view header);

}  // namespace vireo::http
