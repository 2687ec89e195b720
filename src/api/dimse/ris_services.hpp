// The RIS's DIMSE services, for the scanners (IHE Scheduled Workflow): the Modality Worklist
// (C-FIND, 1.2.840.10008.5.1.4.31) served straight from the RIS's tables, and what the scanner
// reports it performed (MPPS).
//
// Usage:
//   server.add(api::dimse::worklist_service(steps));
#pragma once

#include <memory>

#include "net/dimse/dimse_service.hpp"
#include "ris/performed_steps.hpp"
#include "ris/procedure_steps.hpp"

namespace vireo::api::dimse {

// Matches on Scheduled Station AE Title, Modality, the step's start date and time (ranges, the
// clinic's wall clock), Patient's Name (wildcards; case and accents ignored), Patient ID and
// its issuer, Accession Number, Requested Procedure ID, Study Instance UID and the step's
// status; returns what the identifier asks for. A key outside the model that carries a value,
// a second Scheduled Procedure Step item, a sequence nested deeper than the model's, or a
// malformed date or time: A900, nothing matched.
[[nodiscard]] std::unique_ptr<net::DimseService> worklist_service(ris::ProcedureSteps& steps);

// Modality Performed Procedure Step (N-CREATE, N-SET; 1.2.840.10008.3.1.2.3.3): the scanner's
// IN PROGRESS starts the exam, COMPLETED records its series and the images as acquired,
// DISCONTINUED frees the booking for staff to book again or cancel. An unknown step, another
// patient, an unknown status: 0106; a UID in use: 0111; an unknown UID: 0112; a step completed
// or discontinued already, or an order that cannot begin: 0110; no status: 0120.
[[nodiscard]] std::unique_ptr<net::DimseService> performed_step_service(ris::PerformedSteps& steps);

}  // namespace vireo::api::dimse
