// What the identity domain's files share: input rules, encodings and constants. Not for
// use outside auth/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_service.hpp"

namespace vireo::auth::detail {

inline constexpr int kRecoveryCodes = 10;
inline constexpr int64_t kClientTokenSeconds = 3600;
// How stale a session's last_seen or a token's last_used may get before it is written again.
inline constexpr int64_t kLastSeenStep = 60;

[[nodiscard]] Status check_roles(const std::vector<Role>& roles, const std::string& patient_id,
                                 const std::string& physician);
[[nodiscard]] Status check_scopes(const std::vector<std::string>& scopes);
[[nodiscard]] Error unauthenticated(std::string why);
[[nodiscard]] std::string to_hex(std::string_view bin);
[[nodiscard]] std::string from_hex(std::string_view hex);
[[nodiscard]] bool valid_username(std::string_view name);
// "K7QF2-MX9PA": 50 bits, typed by hand from a printout.
[[nodiscard]] std::string new_recovery_code();
[[nodiscard]] std::string normalise_recovery_code(std::string_view code);
[[nodiscard]] std::vector<std::string> split_scopes(const std::string& s);

}  // namespace vireo::auth::detail
