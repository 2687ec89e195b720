// The radiologists' reading worklist and who is reading what. An exam whose images are acquired
// waits for a radiologist: the one it is assigned to (ris_orders.reader_id, by hand or by the
// clinic's rule), or any when it is unassigned. Opening it claims it: acquired → in_reading,
// with the account that reads it, so that colleagues see who is reading and cannot sign it
// meanwhile. The claim is one conditional write on the order, so two radiologists opening the
// same exam at once on any two nodes get one claim and one conflict.
//
// The report itself (its text, versions and signature) is the reporting domain's; it moves the
// order along (preliminary, final, amended) through `set_report_status`, inside its own write.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto reading = Reading::open(db, writes, outbox);
//   auto mine = (*reading)->worklist({}, principal);          // assigned to me or to nobody
//   auto claimed = (*reading)->claim(order_id, principal);    // ->conflict or ->value
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/principal.hpp"
#include "events/outbox.hpp"
#include "ris/appointment.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

inline constexpr const char* kReadingClaimed = "ris.reading.claimed";
inline constexpr const char* kReadingReleased = "ris.reading.released";

// Order statuses of exams waiting for, or under, a radiologist's report.
inline constexpr const char* kReadingStates[] = {"acquired", "in_reading", "preliminary"};

struct ReadingQuery {
  // mine: assigned to me, to nobody, or being read by me; all: every exam waiting for a report.
  std::string scope = "mine";
  std::string modality;  // of the exam's procedures; or empty
  std::string priority;  // routine, urgent, stat; or empty
  int64_t limit = 50;    // at most 200
  int64_t offset = 0;
};

// An exam as the reading worklist shows it.
struct ReadingItem {
  AppointmentView view;  // the arrived appointment, its order and patient
  std::vector<std::string> procedures;  // the catalogue's names, in order
  std::string modality;                 // the first procedure's
  std::string body_part;                // the first procedure's
  std::string report_template;          // the first procedure's default template code
  std::string referring_physician;
  std::string site;         // its room's (RoomFields::site), or empty
  std::string reader_name;  // the radiologist it is assigned to, or empty
  std::string reading_by, reading_by_name, reading_since;  // who is reading it, or empty
  std::string waiting_since;  // when its images were acquired (linked, or the exam marked so)
};

struct ReadingList {
  std::vector<ReadingItem> items;  // stat, urgent, routine; then the longest waiting first
  int64_t total = 0;               // of the query, all pages
};

// A claim or its release: a conflict (409) or the exam as it is now.
struct Claimed {
  std::optional<Conflict> conflict;
  ReadingItem value;
  [[nodiscard]] bool saved() const { return !conflict; }
};

class Reading {
 public:
  static Result<std::unique_ptr<Reading>> open(Database& db, WriteQueue& writes,
                                               const events::Outbox& outbox,
                                               const MigrationProgress& progress = {});

  // Refused (Forbidden) to whoever may not read; invalid values of the query are InvalidArgument.
  [[nodiscard]] Result<ReadingList> worklist(const ReadingQuery& q, const access::Principal& actor);
  [[nodiscard]] Result<std::optional<ReadingItem>> item(int64_t order_id);

  // Opening an exam to read it: acquired → in_reading, or taking again a preliminary one nobody
  // is reading; the actor's own claim is kept as it is. Conflicts: another is reading it
  // (reading_claimed), it is assigned to another radiologist (assigned_to_another), it is not
  // waiting for a report (exam_state).
  [[nodiscard]] Result<Claimed> claim(int64_t order_id, const access::Principal& actor);
  // Leaving it for another: in_reading → acquired (a preliminary report stays preliminary).
  // Only the reader, or an administrator.
  [[nodiscard]] Result<Claimed> release(int64_t order_id, const access::Principal& actor);

 private:
  Reading(Database& db, WriteQueue& writes, const events::Outbox& outbox)
      : writes_(writes), outbox_(outbox), readers_(db) {}
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  ConnectionPool readers_;
};

// For the reporting domain, inside its write job: the exam of an order (nullopt when the order
// has no arrived appointment), and the step of its report.
[[nodiscard]] Result<std::optional<ReadingItem>> reading_item(Connection& c, int64_t order_id);
// For the reporting domain: the exams performed of these patients (orders with an arrived
// appointment), each with its patient and when it was booked to start, in no set order.
struct PerformedExam {
  int64_t order_id = 0, patient_id = 0;
  std::string starts_at;  // UTC ISO-8601, of its latest arrived appointment
};
[[nodiscard]] Result<std::vector<PerformedExam>> performed_exams_of(Connection& c,
                                                                    const std::vector<int64_t>& patient_ids);
// For the reporting domain: the exams of these orders as the reading worklist shows them, the
// latest first (orders with no arrived appointment are left out).
[[nodiscard]] Result<std::vector<ReadingItem>> reading_items(Connection& c, const std::vector<int64_t>& order_ids);
// Sets the order's status (preliminary, final, amended); a signed one is nobody's to read any
// more. The caller has checked that the step is allowed, and tells of it with its own event.
[[nodiscard]] Status set_report_status(Connection& c, const ReadingItem& item, const char* status,
                                       const std::string& actor);
// For reporting's statistics: what turnaround counts of these orders (their priority, their first
// procedure's modality, when they were ordered and their images acquired), in no set order.
struct OrderTimes {
  int64_t order_id = 0;
  std::string priority, modality, ordered_at, acquired_at;
};
[[nodiscard]] Result<std::vector<OrderTimes>> order_times(Connection& c, const std::vector<int64_t>& order_ids);

// The exams waiting for their report (acquired, in reading, preliminary), counted by modality and
// priority, with when the longest waiting one's images were acquired.
struct PendingReading {
  std::string modality, priority;
  int64_t count = 0;
  std::string oldest_acquired_at;
};
[[nodiscard]] Result<std::vector<PendingReading>> pending_reading(Connection& c);

// For the reporting domain, inside its write job: final → released, when the clinic's rule lets
// the signed report out (to the referrer and the patient). False when the order is not final (an
// addendum signed since, or cancelled): it stays as it is.
[[nodiscard]] Result<bool> release_order(Connection& c, int64_t order_id, const std::string& actor);

}  // namespace vireo::ris
