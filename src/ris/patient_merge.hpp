// Two registrations of one person made one: the source patient's orders and appointment
// requests (their appointments with them) move to the target, the source stays, found by its
// MRN and marked merged into the target, and can take nothing more. Its allergies are added to
// the target's (a contrast allergy is never lost in a merge). The archive's studies
// follow through the event kPatientMerged (its consumer moves them and rewrites their files).
// An administrator can undo a merge: what it moved goes back (the requests for its orders too),
// so do the studies, and the allergies it added to the kept patient are taken back; an order it
// moved that changed since (booked, performed, cancelled) stops the undoing (merge_used), as
// whose it is can no longer be told.
//
// Each merge and each undoing is one job of the node's write queue: it checks both patients'
// versions and states and the actor's role, moves the rows, records what moved, and publishes
// its event through the outbox in that job.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto merges = Merges::open(db, writes, outbox);
//   auto done = (*merges)->merge({.source_id = 7, .source_version = 3, .target_id = 4,
//                                 .target_version = 9, .reason = "registered twice"}, principal);
#pragma once

#include <memory>
#include <optional>

#include "access/principal.hpp"
#include "events/outbox.hpp"
#include "ris/appointment.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

// (ids: merge, source, target: the merge's and the two patients' ids)
inline constexpr const char* kPatientMerged = "ris.patient.merged";
inline constexpr const char* kPatientUnmerged = "ris.patient.unmerged";

struct MergeRequest {
  int64_t source_id = 0, source_version = 0;  // the registration that goes
  int64_t target_id = 0, target_version = 0;  // the one that stays
  std::string reason;
};

struct PatientMerge {
  int64_t id = 0, source_id = 0, target_id = 0;
  std::string reason;
  std::string status;                // merged, undone
  int64_t orders = 0, requests = 0;  // what it moved
  int64_t version = 1;
  std::string merged_at, merged_by, undone_at, undone_by, undo_reason;
};

// The result of a merge or an undoing: fields to correct (400), a conflict (409: stale,
// merged, merge_state, merged_later, merge_used), or the merge as saved.
struct MergeOutcome {
  std::vector<FieldError> invalid;
  std::optional<Conflict> conflict;
  PatientMerge value;
  [[nodiscard]] bool saved() const { return invalid.empty() && !conflict; }
};

// The name a merge gives the archive's moves of its studies, and their undoing's.
[[nodiscard]] std::string merge_change(int64_t merge_id);
[[nodiscard]] std::string unmerge_change(int64_t merge_id);

class Merges {
 public:
  static Result<std::unique_ptr<Merges>> open(Database& db, WriteQueue& writes,
                                              const events::Outbox& outbox,
                                              const MigrationProgress& progress = {});

  // Forbidden for a role without ris.patients.merge; NotFound for an unknown patient.
  [[nodiscard]] Result<MergeOutcome> merge(const MergeRequest& m, const access::Principal& actor);
  // Forbidden but for an administrator (ris.patients.unmerge); NotFound for an unknown merge.
  [[nodiscard]] Result<MergeOutcome> undo(int64_t merge_id, int64_t seen_version,
                                          const std::string& reason,
                                          const access::Principal& actor);
  [[nodiscard]] Result<std::optional<PatientMerge>> get(int64_t merge_id);
  // The merges the patient was the source or the target of, newest first.
  [[nodiscard]] Result<std::vector<PatientMerge>> of_patient(int64_t patient_id);

 private:
  Merges(Database& db, WriteQueue& writes, const events::Outbox& outbox)
      : writes_(writes), outbox_(outbox), readers_(db) {}
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  ConnectionPool readers_;
};

}  // namespace vireo::ris
