// The archive's side of a merge of two RIS patients: the consumer of the merge events that
// moves the studies (and rewrites their files) to the patient kept, or back on an undoing.
#pragma once

#include "archive/archive.hpp"
#include "audit/audit_log.hpp"
#include "events/dispatcher.hpp"
#include "ris/patient_merge.hpp"
#include "ris/patients.hpp"

namespace vireo::app {

inline constexpr const char* kPatientMovesConsumer = "archive.patient-moves";

// The DICOM attributes that name a RIS patient (the RIS is the master of demographics).
[[nodiscard]] dicom::PatientAttributes dicom_patient(const ris::Patient& p);

// Delivers kPatientMerged and kPatientUnmerged: idempotent, and a merge undone before its
// studies moved moves nothing. Studies moved are written to the audit trail (whose images were
// rewritten to name whom, on whose merge), those of a move that then failed too. A long move
// keeps its delivery's lease and stops when the node stops or another node has taken it over
// (`dispatcher`'s keep_going, between studies).
[[nodiscard]] events::Handler patient_moves(archive::Archive& archive, ris::Patients& patients,
                                            ris::Merges& merges, audit::AuditLog& audit,
                                            events::Dispatcher& dispatcher);

}  // namespace vireo::app
