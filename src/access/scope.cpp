#include "access/scope.hpp"

namespace vireo::access {

Scope scope_for(const Principal& p) {
  if (!p.authenticated()) return {};
  if (p.sees_all_patients()) return Scope::everything();
  if (p.has_role(Role::Patient) && !p.patient_id.empty()) return Scope::patient(p.patient_id);
  if (p.has_role(Role::ReferringPhysician) && !p.physician_name.empty())
    return Scope::referred_by(p.physician_name);
  return {};
}

}  // namespace vireo::access
