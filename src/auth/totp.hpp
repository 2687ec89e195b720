// TOTP second factor (RFC 6238, liboath): 160-bit secrets, 6 digits, 30-second steps, one
// step of clock drift either way, and each time step usable once (RFC 6238 §5.2).
//
// Thread-safety: all functions are thread-safe.
// Usage:
//   std::string secret = new_totp_secret();                 // raw bytes, stored
//   std::string uri = totp_uri("Vireo", "alice", secret);   // otpauth:// for authenticator apps
//   auto step = verify_totp(secret, "123456", now, last_used_step);  // matched step or nullopt
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vireo::auth {

[[nodiscard]] std::string new_totp_secret();
[[nodiscard]] std::string base32(std::string_view bytes);
[[nodiscard]] std::string totp_uri(std::string_view issuer, std::string_view account,
                                   std::string_view secret);
// The time step the code belongs to when it is valid at `now` and newer than
// `last_used_step`; nullopt otherwise.
[[nodiscard]] std::optional<uint64_t> verify_totp(std::string_view secret, std::string_view code,
                                                  int64_t now, uint64_t last_used_step);
// The code for `now` (tests, and `vireo user totp-code` is deliberately not offered).
[[nodiscard]] std::string totp_code(std::string_view secret, int64_t now);

}  // namespace vireo::auth
