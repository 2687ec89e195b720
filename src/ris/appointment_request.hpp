// A request for an appointment: a patient or a referrer asks for an order to be booked, with the
// days and the part of the day that suit them; reception books it (confirmed, with the booking)
// or declines it with a reason. One pending request per order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ris/appointment.hpp"

namespace vireo::ris {

inline constexpr const char* kRequestStates[] = {"pending", "confirmed", "declined"};
inline constexpr const char* kPreferredTimes[] = {"any", "morning", "afternoon"};
// Who asked: the patient (the portal), the referrer, or the staff on their behalf.
inline constexpr const char* kRequestSources[] = {"patient", "referrer", "staff"};

struct RequestFields {
  int64_t order_id = 0;
  std::string preferred_from, preferred_to;  // the clinic's days, YYYY-MM-DD; or empty: any
  std::string preferred_time = "any";
  std::string note;  // what the asker wants reception to know
};

struct AppointmentRequest : RequestFields {
  int64_t id = 0;
  int64_t patient_id = 0;
  std::string source = "staff";
  std::string status = "pending";
  std::string decline_reason;
  int64_t appointment_id = 0;  // the booking that confirmed it
  int64_t version = 0;
  std::string created_at, created_by, updated_at, updated_by;
};

// A request as reception's list shows it: with its order and patient.
struct RequestView {
  AppointmentRequest request;
  std::string accession_number, priority, order_status, reason;
  std::vector<int64_t> procedure_ids;
  std::string patient_name, mrn, birth_date, sex, phone;
  bool contrast_allergy = false;
};

// The result of a request's change: fields to correct (400), a conflict (409), or the request.
struct RequestChange {
  std::vector<FieldError> invalid;
  std::optional<Conflict> conflict;
  AppointmentRequest value;
  [[nodiscard]] bool saved() const { return invalid.empty() && !conflict; }
};

}  // namespace vireo::ris
