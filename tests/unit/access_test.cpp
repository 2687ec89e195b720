#include <gtest/gtest.h>

#include "access/scope.hpp"

namespace vireo::access {
namespace {

Principal signed_in(std::vector<Role> roles, std::string patient_id = {}, std::string physician = {}) {
  Principal p;
  p.user_id = 7;
  p.username = "someone";
  p.roles = std::move(roles);
  p.patient_id = std::move(patient_id);
  p.physician_name = std::move(physician);
  p.via = Credential::Session;
  return p;
}

void expect_scope(const Scope& s, Scope::Kind kind, const std::string& value, const char* who) {
  EXPECT_EQ(s.kind, kind) << who;
  EXPECT_EQ(s.value, value) << who;
}

// Which rows a user's queries reach: the rule every API over the archive applies.
TEST(ScopeFor, EachKindOfUserReachesTheirOwnRowsAndNoMore) {
  for (Role staff : {Role::Admin, Role::Receptionist, Role::Technician, Role::Radiologist, Role::Billing})
    expect_scope(scope_for(signed_in({staff})), Scope::Kind::Everything, "", std::string(access::role_name(staff)).c_str());
  expect_scope(scope_for(signed_in({Role::Patient}, "P-1")), Scope::Kind::Patient, "P-1", "a patient");
  expect_scope(scope_for(signed_in({Role::ReferringPhysician}, {}, "HOPPER^GRACE")), Scope::Kind::ReferringPhysician,
               "HOPPER^GRACE", "a referring physician");
  // A patient or referrer account without its link sees nothing rather than everything.
  expect_scope(scope_for(signed_in({Role::Patient})), Scope::Kind::Nothing, "", "an unlinked patient");
  expect_scope(scope_for(signed_in({Role::ReferringPhysician})), Scope::Kind::Nothing, "", "an unlinked referrer");
  expect_scope(scope_for(signed_in({Role::Patient}, {}, "HOPPER^GRACE")), Scope::Kind::Nothing, "",
               "a patient is not a referrer");
  expect_scope(scope_for(signed_in({})), Scope::Kind::Nothing, "", "no role");
  // Someone who also works here sees what their staff role sees.
  expect_scope(scope_for(signed_in({Role::Patient, Role::Technician}, "P-1")), Scope::Kind::Everything, "",
               "a technician who is also a patient");
  Principal anonymous = signed_in({Role::Admin});
  anonymous.via = Credential::None;
  expect_scope(scope_for(anonymous), Scope::Kind::Nothing, "", "not signed in, whatever the roles say");
}

}  // namespace
}  // namespace vireo::access
