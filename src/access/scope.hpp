// Who may see which rows (DESIGN.md "Security"): a Scope is the row-level part of an
// access decision, made here from the Principal and handed to a domain as a plain value, so
// that every API over it (REST, DICOMweb, WADO-URI, FHIR, DIMSE) applies the same rule.
#pragma once

#include <string>

#include "access/principal.hpp"

namespace vireo::access {

// Whose rows a query may see (DESIGN.md "Security": patients see only their own records,
// referring physicians only their patients'). The default is nothing, so a caller that
// forgets to say gets no rows rather than someone else's.
struct Scope {
  enum class Kind { Nothing, Everything, Patient, ReferringPhysician };
  Kind kind = Kind::Nothing;
  std::string value;  // the PatientID, or the physician's name as DICOM PN

  [[nodiscard]] static Scope everything() { return {Kind::Everything, {}}; }
  [[nodiscard]] static Scope patient(std::string patient_id) {
    return {Kind::Patient, std::move(patient_id)};
  }
  // A referring physician sees the patients of the studies that name them, all their studies.
  [[nodiscard]] static Scope referred_by(std::string physician_name) {
    return {Kind::ReferringPhysician, std::move(physician_name)};
  }
};

// Staff roles see every patient; a patient user sees the record their account is linked
// to; a referring physician the patients of studies naming them; anyone else nothing.
[[nodiscard]] Scope scope_for(const Principal& principal);

}  // namespace vireo::access
