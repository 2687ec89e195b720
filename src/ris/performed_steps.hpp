// What the scanner says it did (DICOM Modality Performed Procedure Step, PS3.4 F.7; IHE
// Scheduled Workflow): a step reported IN PROGRESS starts the exam (the patient counted as
// arrived when nobody checked them in), COMPLETED records the series made and the images as
// acquired, DISCONTINUED records why and frees the booking, the order waiting to be booked again
// or cancelled by staff. Each report is one write job with the order's change and its event in
// the outbox.
//
// A report names the scheduled step it performs by the Scheduled Procedure Step ID the worklist
// gave (the appointment's id), else the accession number, else the Study Instance UID; the
// patient it names, when it names one, must be the order's. Knows no DICOM encoding.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto mpps = PerformedSteps::open(db, writes, outbox);
//   auto made = (*mpps)->create(uid, {.status = "IN PROGRESS", .accession_number = "A1"}, "CT1");
//   if (made->refusal != PerformedOutcome::Refusal::None) ... made->why
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/time_zone.hpp"
#include "events/outbox.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

// The Performed Procedure Step Status values (0040,0252).
inline constexpr const char* kPerformedStates[] = {"IN PROGRESS", "COMPLETED", "DISCONTINUED"};

struct PerformedSeries {
  std::string series_uid, modality, description;
  int images = 0;
};

// What one N-CREATE or N-SET says. Empty texts: not said.
struct PerformedReport {
  std::string status;
  std::string station_aet;
  // Which scheduled step (N-CREATE): any of them; those given must agree.
  std::string step_id, accession_number, study_instance_uid;
  std::string patient_id;  // when given, the order's patient's MRN
  bool series_given = false;
  std::vector<PerformedSeries> series;  // what was made (replaces what was said before)
  std::string discontinued_reason;
};

struct PerformedOutcome {
  enum class Refusal {
    None,
    Duplicate,          // a step with this UID exists (N-CREATE)
    NoSuchStep,         // no step has this UID (N-SET)
    InvalidValue,       // a value that cannot be: an unknown status, a step that is not scheduled, another patient
    NoLongerUpdatable,  // completed or discontinued already
    WrongMoment,        // the order is not where the step could begin (cancelled, read already,
                        // booked for another day)
  };
  Refusal refusal = Refusal::None;
  std::string why;  // in English, for the peer's Error Comment and the audit trail
  // The exam, for the audit trail.
  int64_t order_id = 0;
  std::string patient_id, accession_number, study_instance_uid, status;
};

// A performed step as recorded.
struct PerformedStep {
  std::string uid, status, station_aet, discontinued_reason, created_at, updated_at;
  int64_t order_id = 0, appointment_id = 0;
  std::vector<PerformedSeries> series;
};

class PerformedSteps {
 public:
  // `zone` and `clock`: the clinic's day, on which alone a step begins.
  static Result<std::unique_ptr<PerformedSteps>> open(Database& db, WriteQueue& writes,
                                                      const events::Outbox& outbox, TimeZone zone,
                                                      const Clock& clock = system_clock(),
                                                      const MigrationProgress& progress = {});
  // N-CREATE: the status must be IN PROGRESS (PS3.4 F.7.2.1).
  [[nodiscard]] Result<PerformedOutcome> create(const std::string& uid, const PerformedReport& r,
                                                const std::string& actor);
  // N-SET: a later status (COMPLETED, DISCONTINUED), or more series while IN PROGRESS.
  [[nodiscard]] Result<PerformedOutcome> update(const std::string& uid, const PerformedReport& r,
                                                const std::string& actor);
  [[nodiscard]] Result<std::vector<PerformedStep>> of_order(int64_t order_id);

 private:
  PerformedSteps(Database& db, WriteQueue& writes, const events::Outbox& outbox, TimeZone zone, const Clock& clock)
      : writes_(writes), outbox_(outbox), readers_(db), zone_(std::move(zone)), clock_(clock) {}
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  ConnectionPool readers_;
  TimeZone zone_;
  const Clock& clock_;
};

}  // namespace vireo::ris
