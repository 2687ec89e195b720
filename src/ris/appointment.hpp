// An appointment: when and where an order's procedures are done (all of them, one after the
// other, in one room), with the staff the procedures need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ris/catalogue.hpp"

namespace vireo::ris {

// booked → arrived (checked in), or cancelled, or no_show; only booked and arrived ones keep
// their room.
inline constexpr const char* kAppointmentStates[] = {"booked", "arrived", "cancelled", "no_show"};

struct Appointment {
  int64_t id = 0;
  int64_t order_id = 0;
  int64_t room_id = 0;
  std::string starts_at, ends_at;  // UTC, "2027-03-28T08:00:00Z"
  int64_t radiologist_id = 0;      // the staff booked with it, or 0
  int64_t technician_id = 0;
  std::string status = "booked";
  std::string cancel_reason;
  std::string arrived_at;
  int64_t version = 0;
  std::string created_at, created_by, updated_at;
};

// An appointment as the calendar and the worklist show it: with its order and patient. Where
// the exam is (arrived, in_progress, acquired...) is the order's status.
struct AppointmentView {
  Appointment appointment;
  std::string accession_number, priority, order_status, reason, clinical_info;
  std::vector<int64_t> procedure_ids;
  int64_t patient_id = 0;
  std::string patient_name;  // "FAMILY, Given"
  std::string mrn, birth_date, sex;
  bool contrast_allergy = false;
  int64_t reader_id = 0;  // the radiologist (ris_staff) the images are assigned to, or 0
  std::string study_uid;  // the order's Study Instance UID (chosen for it, or its images')
  std::string images_at;  // when its images arrived and were linked to it; empty until then
};

// Why a booking cannot be made as asked, when the request itself was well formed: someone or
// something else holds the time, or a limit is reached. An HTTP 409.
struct Conflict {
  std::string rule;  // slot_taken, patient_busy, radiologist_busy, technician_busy, daily_limit,
                     // order_state, appointment_state, stale
  std::string message;
  int64_t appointment_id = 0;  // the booking in the way, when there is one
};

// The result of a booking, a move or a transition: fields to correct (400), a conflict (409),
// or the appointment as saved.
struct Booked {
  std::vector<FieldError> invalid;
  std::optional<Conflict> conflict;
  Appointment value;
  [[nodiscard]] bool saved() const { return invalid.empty() && !conflict; }
};

}  // namespace vireo::ris
