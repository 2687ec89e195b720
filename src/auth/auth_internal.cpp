#include "auth/auth_internal.hpp"

#include <sodium.h>

#include <algorithm>

#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/strings.hpp"

namespace vireo::auth::detail {

Status check_roles(const std::vector<Role>& roles, const std::string& patient_id,
                   const std::string& physician) {
  if (roles.empty()) return fail(ErrorCode::InvalidArgument, "a user needs at least one role");
  bool is_patient = std::ranges::find(roles, Role::Patient) != roles.end();
  if (is_patient && patient_id.empty())
    return fail(ErrorCode::InvalidArgument,
                "a patient user must be linked to a Patient ID (--patient-id)");
  if (is_patient && roles.size() > 1)
    return fail(ErrorCode::InvalidArgument, "the patient role cannot be combined with staff roles");
  if (std::ranges::find(roles, Role::ReferringPhysician) != roles.end() && physician.empty())
    return fail(ErrorCode::InvalidArgument,
                "a referring physician must be linked to the name studies carry (--physician, e.g. "
                "SMITH^JOHN)");
  return {};
}

Status check_scopes(const std::vector<std::string>& scopes) {
  if (scopes.empty())
    return fail(ErrorCode::InvalidArgument, "at least one scope (or *) is needed");
  for (const auto& s : scopes)
    if (s != "*" &&
        (!access::is_known_permission(s) || s == access::kPublic || s == access::kAuthenticated))
      return fail(ErrorCode::InvalidArgument, "unknown scope '" + s + "'");
  return {};
}

Error unauthenticated(std::string why) { return Error{ErrorCode::Unauthenticated, std::move(why)}; }

std::string to_hex(std::string_view bin) {
  std::string out(bin.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()),
                 bin.size());
  out.pop_back();
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &len, nullptr) != 0)
    return {};
  out.resize(len);
  return out;
}

bool valid_username(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::ranges::all_of(name, [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@';
  });
}

std::string new_recovery_code() {
  std::string b = base32(random_bytes(7)).substr(0, 10);
  std::ranges::transform(b, b.begin(),
                         [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return b.substr(0, 5) + "-" + b.substr(5, 5);
}

std::string normalise_recovery_code(std::string_view code) {
  std::string out;
  for (unsigned char c : code)
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::toupper(c)));
  return out.size() == 10 ? out.substr(0, 5) + "-" + out.substr(5) : out;
}

std::vector<std::string> split_scopes(const std::string& s) {
  std::vector<std::string> out;
  for (auto& part : split(s, ' '))
    if (!part.empty()) out.push_back(part);
  return out;
}

}  // namespace vireo::auth::detail
