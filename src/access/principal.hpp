// Who is asking: the user behind a request (browser session or bearer token), with the
// roles and links that decide what they may do and which rows they may see.
//
// Thread-safety: a plain value.
// Usage:
//   if (!principal.may(route.permission)) return 403;
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "access/roles.hpp"

namespace vireo::access {

enum class Credential { None, Session, Token };

struct Principal {
  int64_t user_id = 0;
  std::string username;
  std::vector<Role> roles;
  std::string patient_id;      // patient users: the PatientID of their record
  std::string physician_name;  // referring physicians: the name orders and studies carry (DICOM PN)
  Credential via = Credential::None;
  int64_t credential_id = 0;  // the session's or token's id
  std::vector<std::string>
      token_scopes;  // tokens: the permissions it is limited to; "*" = all of the user's
  bool enrolment_only =
      false;  // the role requires TOTP and none is set up: only /api/auth/* until it is
  bool password_change_only =
      false;               // an administrator reset the password: only /api/auth/* until changed
  bool totp_enabled = false;  // re-authentication (signing a report) asks for the code, not the password
  std::string csrf_token;  // sessions: what state-changing requests must echo

  [[nodiscard]] bool authenticated() const { return via != Credential::None; }
  [[nodiscard]] bool has_role(Role r) const;
  // The permission check of every route: role grants, narrowed by token scopes and by a
  // pending TOTP enrolment.
  [[nodiscard]] bool may(std::string_view permission) const;
  [[nodiscard]] std::string role_list() const;  // "radiologist,admin"
  // Admins, radiologists, technicians... see every patient; patients and referring
  // physicians only theirs.
  [[nodiscard]] bool sees_all_patients() const;
};

}  // namespace vireo::access
