// The scheduled procedure steps the scanners ask for (DICOM Modality Worklist, PS3.4 K; IHE
// Scheduled Workflow). An order is one Requested Procedure, its accession number the
// Requested Procedure ID, its Study Instance UID chosen by the RIS; its current appointment
// (booked or arrived) is the one Scheduled Procedure Step, in the appointment's room, whose
// scanner's AE title is the Scheduled Station AE Title. The step's status follows the order:
// scheduled → SCHEDULED, arrived → ARRIVED, in_progress → STARTED, acquired and after →
// COMPLETED. Cancelled orders and moved or cancelled appointments are not steps at all.
//
// Read straight from the RIS's tables, through their indexes: nothing to export or keep in
// step. Knows no DICOM encoding (api/dimse/mwl_service does that).
//
// Thread-safety: find() may be called from any thread.
// Usage:
//   auto steps = ProcedureSteps::open(db, zone);
//   StepQuery q{.station_aet = "CT1", .from = zone.utc_of(today, 0), .to = ...};
//   auto found = (*steps)->find(q);    // Result<std::vector<ScheduledStep>>
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/time_zone.hpp"
#include "ris/patient.hpp"
#include "store/database.hpp"

namespace vireo::ris {

// The Scheduled Procedure Step Status values (0040,0020) a step can have here.
inline constexpr const char* kStepStates[] = {"SCHEDULED", "ARRIVED", "STARTED", "COMPLETED"};

struct StepQuery {
  // Each empty (or unset, or "*") matches everything. Texts may hold DICOM wildcards (* and ?)
  // and a list of values apart by backslashes (any of them), except where said.
  std::string station_aet;             // the room's scanner
  std::string modality;                // exact: the room's modality
  std::optional<Instant> from, to;     // the step's start, both inclusive
  std::string family_name, given_name; // matched on the name's search keys (case and accents folded)
  std::string patient_id;              // the MRN
  std::string issuer;                  // exact: the MRN's issuer
  std::string accession_number;
  std::string requested_procedure_id;  // the accession number again, as its own key
  std::string study_instance_uid;
  std::string performing_physician;    // the booked radiologist's name holds this name's family part
  // Empty: SCHEDULED and ARRIVED (what a scanner is about to do). A state Vireo never gives
  // (READY, DEPARTED) matches nothing.
  std::vector<std::string> states;
  int64_t limit = 1000;
  // Workitems (UPS-RS) instead of the scanners' steps: every booking that has a workitem UID,
  // ended ones too, matched on `workitem_states` (kWorkitemStates; empty: any) instead of
  // `states`, and on their UIDs (a list apart by backslashes).
  bool workitems = false;
  std::vector<std::string> workitem_states;
  std::string workitem_uid;
  int64_t appointment_id = 0;  // one booking's (0: any)
  int64_t offset = 0;
};

struct StepProcedure {
  std::string code, name, body_part;
};

struct ScheduledStep {
  int64_t appointment_id = 0, order_id = 0, patient_id = 0;
  std::string state;       // kStepStates
  std::string starts_at;   // UTC
  LocalTime local_start;   // the clinic's wall clock
  std::string station_aet, room_name, modality;
  std::string performing_physician;  // the radiologist booked with it, or empty
  std::string accession_number, priority, reason, clinical_info, referring_physician,
      requesting_department, study_instance_uid;
  std::vector<StepProcedure> procedures;  // in the order they are done
  PersonName name;
  std::string mrn, mrn_issuer, birth_date, sex, allergies;
  bool contrast_allergy = false;
  // The booking behind it.
  std::string workitem_uid, appointment_status, order_status, cancel_reason, created_at, updated_at;
};

// The Procedure Step State (0074,1000) values of a workitem, and which a booking has: SCHEDULED
// while booked or arrived, IN PROGRESS once begun, COMPLETED once its images are acquired,
// CANCELED when the booking or the order was cancelled.
inline constexpr const char* kWorkitemStates[] = {"SCHEDULED", "IN PROGRESS", "CANCELED", "COMPLETED"};
[[nodiscard]] std::string workitem_state(const std::string& appointment_status, const std::string& order_status);

class ProcedureSteps {
 public:
  static Result<std::unique_ptr<ProcedureSteps>> open(Database& db, TimeZone zone);
  // In start order, at most q.limit.
  [[nodiscard]] Result<std::vector<ScheduledStep>> find(const StepQuery& q);
  // Whether the scanner calling with this AE title is to be offered its own room's steps only
  // (a room of that AE title says so: RoomFields::worklist_own_only).
  [[nodiscard]] Result<bool> own_room_only(const std::string& calling_aet);
  [[nodiscard]] const TimeZone& zone() const { return zone_; }

 private:
  ProcedureSteps(Database& db, TimeZone zone) : db_(db), readers_(db), zone_(std::move(zone)) {}
  Database& db_;
  ConnectionPool readers_;
  TimeZone zone_;
};

}  // namespace vireo::ris
