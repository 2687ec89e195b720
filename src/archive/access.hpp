// The archive's row-level rule: which patients a signed-in user's queries may reach.
// Kept in the domain, so every API over the archive (REST, DICOMweb, WADO-URI, FHIR)
// applies the same rule by passing the user's scope into FindQuery / instance().
#pragma once

#include "archive/query.hpp"
#include "auth/principal.hpp"

namespace vireo::archive {

// Staff roles see every patient; a patient user sees the record their account is linked
// to; a referring physician the patients of studies naming them; anyone else nothing.
[[nodiscard]] Scope scope_for(const auth::Principal& principal);

}  // namespace vireo::archive
