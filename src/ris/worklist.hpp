// The technicians' worklist and the exam itself: a day's appointments by room and modality,
// the steps arrived → in_progress → acquired, and the radiologist who will read the images
// (assigned by hand, or when the images are acquired by the clinic's rule: round-robin or the
// least loaded of the active radiologists).
//
// Each step is one job of the node's write queue: it checks the appointment's version and the
// order's state, checks that the actor's role allows the step (the same permission table the
// routes use), moves the order along its lifecycle and publishes the step's event through the
// outbox in that job.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto exams = Exams::open(db, writes, outbox, zone);
//   auto day = (*exams)->worklist({.day = "2027-03-01", .modality = "CT"});
//   auto started = (*exams)->start(appointment_id, version, principal);  // ->conflict or ->value
#pragma once

#include <map>
#include <memory>

#include "access/principal.hpp"
#include "core/clock.hpp"
#include "core/time_zone.hpp"
#include "events/outbox.hpp"
#include "ris/appointment.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

// Topics (ids as the appointment's events: appointment, order, accession, room, patient).
inline constexpr const char* kExamStarted = "ris.exam.started";
inline constexpr const char* kExamAcquired = "ris.exam.acquired";
// Stopped before its images were made (at the scanner, or asked to by a worklist client): the
// booking cancelled, the order waiting to be booked again or cancelled by staff.
inline constexpr const char* kExamDiscontinued = "ris.exam.discontinued";
inline constexpr const char* kReaderAssigned = "ris.exam.reader_assigned";

// How an acquired exam finds its radiologist.
inline constexpr const char* kAssignmentRules[] = {"manual", "round_robin", "least_loaded"};

struct WorklistQuery {
  std::string day;       // YYYY-MM-DD, the clinic's; empty: today
  int64_t room_id = 0;   // or 0: every room
  std::string modality;  // of the room; or empty
  std::string status;    // the order's (kOrderStates); or empty
  std::string priority;  // or empty
};

// What the scanners and worklist clients said of an exam, for the technicians who share the
// room with them.
struct ExamActivity {
  std::string claimed_by, claimed_at;        // a UPS-RS performer that claimed its workitem
  std::string reported_by, reported_status;  // the latest MPPS: the scanner's AE title, its status
  // A cancellation asked for through UPS-RS (of an exam in progress: the performer decides).
  std::string cancel_requested_by, cancel_reason, cancel_requested_at;
};

struct WorklistDay {
  std::string day;
  // Open exams (scheduled, arrived, in progress) before the rest; stat, then urgent, then
  // routine; then by time.
  std::vector<AppointmentView> items;
  std::map<int64_t, ExamActivity> activity;  // by appointment id: those with any
};

struct RisSettings {
  std::string reading_assignment = "manual";
  std::string updated_at, updated_by;
};

class Exams {
 public:
  static Result<std::unique_ptr<Exams>> open(Database& db, WriteQueue& writes,
                                             const events::Outbox& outbox, TimeZone zone,
                                             const Clock& clock = system_clock(),
                                             const MigrationProgress& progress = {});

  [[nodiscard]] Result<Checked<WorklistDay>> worklist(const WorklistQuery& q);

  // arrived → in_progress, and in_progress → acquired (then the reader is assigned by the
  // clinic's rule when it is not manual and none is yet). Forbidden for a role that may not;
  // NotFound for an unknown appointment; a conflict (exam_state, stale) for the wrong moment.
  [[nodiscard]] Result<Booked> start(int64_t appointment_id, int64_t seen_version,
                                     const access::Principal& actor);
  [[nodiscard]] Result<Booked> acquired(int64_t appointment_id, int64_t seen_version,
                                        const access::Principal& actor);
  // By hand: a radiologist of the bookable staff (field radiologistId), or 0 to take it back.
  [[nodiscard]] Result<Booked> assign_reader(int64_t appointment_id, int64_t seen_version,
                                             int64_t radiologist_id,
                                             const access::Principal& actor);

  [[nodiscard]] Result<RisSettings> settings();
  [[nodiscard]] Result<Checked<RisSettings>> save_settings(const RisSettings& s,
                                                           const access::Principal& actor);

 private:
  Exams(Database& db, WriteQueue& writes, const events::Outbox& outbox, TimeZone zone,
        const Clock& clock)
      : writes_(writes), outbox_(outbox), readers_(db), zone_(std::move(zone)), clock_(clock) {}
  Result<Booked> step(int64_t appointment_id, int64_t seen_version, const access::Principal& actor,
                      const char* from, const char* to, const char* topic);
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  ConnectionPool readers_;
  TimeZone zone_;
  const Clock& clock_;
};

}  // namespace vireo::ris
