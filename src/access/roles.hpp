// Roles and the permissions they grant: the one table of DESIGN.md "Security". Every HTTP
// route names one permission (net/http Route::permission); a user holds one or more roles,
// and a request is allowed when any of them grants the route's permission.
//
// Thread-safety: immutable tables.
// Usage:
//   auto role = parse_role("radiologist");            // std::optional<Role>
//   bool ok = grants({Role::Radiologist}, "archive.read");
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vireo::access {

enum class Role {
  Admin,
  Receptionist,
  Technician,
  Radiologist,
  ReferringPhysician,
  Billing,
  Patient
};

// Pseudo-permissions of routes: anyone, and anyone signed in (whatever the role).
inline constexpr std::string_view kPublic = "public";
inline constexpr std::string_view kAuthenticated = "authenticated";

struct PermissionInfo {
  std::string_view name;
  std::string_view description;
};

[[nodiscard]] std::span<const Role> all_roles();
[[nodiscard]] std::string_view role_name(Role role);
[[nodiscard]] std::optional<Role> parse_role(std::string_view name);
// Every permission a route may name, with what it allows (for docs and token scopes).
[[nodiscard]] std::span<const PermissionInfo> all_permissions();
[[nodiscard]] bool is_known_permission(std::string_view permission);
[[nodiscard]] std::vector<std::string_view> permissions_of(Role role);
[[nodiscard]] bool grants(std::span<const Role> roles, std::string_view permission);

}  // namespace vireo::access
