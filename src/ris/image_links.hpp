// Images meet their orders. When a study arrives (by C-STORE, STOW or import), it is linked to
// the order whose accession number it carries, else to the order whose pre-assigned Study
// Instance UID it carries, but only when the patient it names is the order's: the same Patient
// ID (and issuer, when it says one) and, when both say one, the same birth date. Never by name.
// A linked study closes out the exam: an order still scheduled, arrived or in progress becomes
// acquired (the patient counted as arrived if nobody checked them in), its reader assigned by
// the clinic's rule, and the order records the study's real UID (a scanner that ignored the one
// offered). A study that matches no order, or whose patient is not the order's, is kept in the
// list of studies to reconcile, with why; nothing is changed for it. One that waits for want of an
// order is tried again when an order carrying its accession number or Study UID is made
// (waiting_for): images that came first, as in an emergency, then meet their order.
//
// Idempotent: a study delivered twice links once. Knows no DICOM: the archive's facts arrive as
// text (app/ reads them from the archive's index).
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto links = ImageLinks::open(db, writes, outbox);
//   auto done = (*links)->study_arrived({.study_uid = "1.2.3", .patient_id = "P1", .accession = "A1"});
//   auto open = (*links)->unmatched(100);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "events/outbox.hpp"
#include "ris/appointment.hpp"
#include "ris/patient.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

inline constexpr const char* kImagesLinked = "ris.exam.images_linked";  // ids: order, accession, study
inline constexpr const char* kStudyUnmatched = "ris.study.unmatched";   // ids: study, reason
// Staff linked a study to its order: its files are to name the order's patient and accession.
inline constexpr const char* kStudyReconciled = "ris.study.reconciled";  // ids: study, order, unmatched

// What the archive knows of a study, as its index holds it.
struct ArrivedStudy {
  std::string study_uid, patient_id, issuer, accession, patient_name, birth_date, modalities, study_date;
};

struct UnmatchedStudy {
  int64_t id = 0;
  ArrivedStudy study;
  std::string reason;     // no_order, patient_mismatch
  int64_t order_id = 0;   // the order its accession or UID named, for a patient_mismatch
  std::string created_at;
  int64_t reconciled_to = 0;  // the order staff linked it to, while its files are corrected
};

// A study staff linked to an order: what its images say, and what they will say.
struct Reconciliation {
  std::vector<FieldError> invalid;  // orderId: unknown, cancelled
  int64_t unmatched_id = 0, order_id = 0;
  ArrivedStudy study;
  PersonName name;
  std::string mrn, issuer, birth_date, sex, accession;  // birth_date YYYY-MM-DD
  std::string decided_by;
  [[nodiscard]] bool saved() const { return invalid.empty(); }
};

struct LinkOutcome {
  int64_t order_id = 0;  // the order linked, or named by a mismatch
  std::string reason;    // empty: linked; else why it waits to be reconciled
};

class ImageLinks {
 public:
  static Result<std::unique_ptr<ImageLinks>> open(Database& db, WriteQueue& writes,
                                                  const events::Outbox& outbox,
                                                  const MigrationProgress& progress = {});
  [[nodiscard]] Result<LinkOutcome> study_arrived(const ArrivedStudy& s, const std::string& actor);
  // The studies still to reconcile, newest first (one without an order, linked since by an order
  // made for it, is no longer listed; one naming another patient stays listed, even when it
  // carries an order's pre-assigned Study UID, until staff link it).
  [[nodiscard]] Result<std::vector<UnmatchedStudy>> unmatched(int64_t limit);
  // Staff's decision: study `unmatched_id` of the list is order `order_id`'s. Recorded with its
  // event (kStudyReconciled) in one write; the study's files are then corrected (by the
  // archive) and the study linked as if it had come right. NotFound for an unknown entry.
  [[nodiscard]] Result<Reconciliation> reconcile(int64_t unmatched_id, int64_t order_id, const std::string& actor);
  // The decision recorded for a study, while its correction waits; nullopt when none.
  [[nodiscard]] Result<std::optional<Reconciliation>> reconciliation_of(const std::string& study_uid);
  // The studies waiting without an order that carry this order's accession number or Study
  // UID (the images came first, the order after): to be linked now, as if they had just come.
  [[nodiscard]] Result<std::vector<std::string>> waiting_for(int64_t order_id);

 private:
  ImageLinks(Database& db, WriteQueue& writes, const events::Outbox& outbox)
      : writes_(writes), outbox_(outbox), readers_(db) {}
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  ConnectionPool readers_;
};

}  // namespace vireo::ris
