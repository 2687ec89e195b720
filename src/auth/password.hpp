// Passwords: Argon2id hashes (libsodium's crypto_pwhash_str, parameters inside the string so
// they can be raised later) and the password policy of NIST SP 800-63B: a minimum length,
// no dictionary or common breached-password bases (cracklib), not the user name.
//
// Thread-safety: all functions are thread-safe (libsodium is initialised once).
// Usage:
//   if (auto s = check_password_policy("alice", pw, 12); !s) reject(s.error());
//   auto hash = hash_password(pw);          // Result<std::string>, "$argon2id$v=19$..."
//   bool ok = verify_password(*hash, pw);
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vireo::auth {

[[nodiscard]] Result<std::string> hash_password(std::string_view password);
[[nodiscard]] bool verify_password(const std::string& hash, std::string_view password);
// Spends the time of one verification, so that an unknown user name answers as slowly as
// a wrong password (no user enumeration by timing).
void verify_password_dummy(std::string_view password);

// InvalidArgument with a sentence the user can act on.
[[nodiscard]] Status check_password_policy(std::string_view username, std::string_view password,
                                           size_t min_length);

// Cryptographically random bytes, and as URL-safe base64 without padding.
[[nodiscard]] std::string random_bytes(size_t n);
[[nodiscard]] std::string random_token(size_t bytes);
// A random password the policy accepts for `username`, at least `min_length` long; tries a
// bounded number of times (InvalidArgument if none passes, never a loop without end).
[[nodiscard]] Result<std::string> generate_password(std::string_view username, size_t min_length);
// Compares secrets in constant time.
[[nodiscard]] bool equal_secrets(std::string_view a, std::string_view b);

}  // namespace vireo::auth
