#include "access/principal.hpp"

#include <algorithm>

namespace vireo::access {

bool Principal::has_role(Role r) const { return std::ranges::find(roles, r) != roles.end(); }

bool Principal::may(std::string_view permission) const {
  if (permission == kPublic) return true;
  if (!authenticated()) return false;
  if ((enrolment_only || password_change_only) && permission != kAuthenticated) return false;
  if (!grants(roles, permission)) return false;
  if (via != Credential::Token || permission == kAuthenticated) return true;
  return std::ranges::any_of(token_scopes,
                             [&](const std::string& s) { return s == "*" || s == permission; });
}

std::string Principal::role_list() const {
  std::string out;
  for (Role r : roles) {
    if (!out.empty()) out += ",";
    out += role_name(r);
  }
  return out;
}

bool Principal::sees_all_patients() const {
  return std::ranges::any_of(
      roles, [](Role r) { return r != Role::Patient && r != Role::ReferringPhysician; });
}

}  // namespace vireo::access
