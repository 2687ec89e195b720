// The RIS's patient rows for its own other parts (a merge reads both patients in its job).
#pragma once

#include "ris/patient.hpp"
#include "store/database.hpp"

namespace vireo::ris {

// NotFound for an unknown id.
[[nodiscard]] Result<Patient> read_patient(Connection& c, int64_t id);

}  // namespace vireo::ris
