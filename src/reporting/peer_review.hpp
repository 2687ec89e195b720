// Peer review, RADPEER style: a share of the reports signed (the clinic's setting) is offered to a
// second radiologist, who reads the images and the signed report and scores their agreement: 1
// (concur), 2 (a discrepancy not ordinarily expected to be made) or 3 (one that should be made
// most of the time), with a (unlikely to be clinically significant) or b (likely to be) for 2 and
// 3, and a comment for every discrepancy. Results per radiologist are for the administrator; a
// review is never part of the report, and never shown to the patient.
//
// Offers are made by the outbox's consumer of report.signed (kConsumer): one per final version,
// chosen by its accession number, so that a retry offers the same again.
//
// Thread-safety: all methods may be called concurrently; two reviewers scoring one offer: the
// first wins (409 already_reviewed).
// Usage:
//   auto reviews = PeerReviews::open(db, writes, 5);                 // 5% of reports
//   dispatcher.handle(PeerReviews::kConsumer, [&](const Event& e) { return reviews->offer(e); });
//   auto mine = reviews->offered(principal);
//   reviews->score(order_id, {"2b", "Missed 6 mm nodule, right upper lobe"}, principal);
#pragma once

#include <memory>

#include "access/principal.hpp"
#include "core/clock.hpp"
#include "events/event.hpp"
#include "reporting/report.hpp"
#include "store/write_queue.hpp"

namespace vireo::reporting {

inline constexpr const char* kPeerScores[] = {"1", "2a", "2b", "3a", "3b"};

struct PeerReview {
  int64_t id = 0;
  int64_t order_id = 0, report_id = 0, number = 0;  // the signed version reviewed
  std::string accession_number, modality, mrn, study_uid;  // the exam's, as it is now
  std::vector<std::string> procedures;
  std::string reader, reader_name, signed_at;  // who signed it, when
  std::string offered_at;
  std::string status = "open";  // open, done
  std::string reviewer, reviewer_name, score, comment, reviewed_at;
};

struct PeerScore {
  std::string score;  // kPeerScores
  std::string comment;
};

struct PeerSaved {
  std::vector<FieldError> invalid;
  std::optional<ReportConflict> conflict;  // already_reviewed, own_report
  PeerReview value;
  [[nodiscard]] bool saved() const { return invalid.empty() && !conflict; }
};

// One radiologist's reviewed reports in a period: how many, and how many of each score.
struct PeerSummary {
  std::string reader, reader_name;
  int64_t reviewed = 0;
  std::vector<std::pair<std::string, int64_t>> scores;  // each of kPeerScores, in order
  int64_t significant = 0;                               // 2b and 3b: likely clinically significant
};

class PeerReviews {
 public:
  static constexpr const char* kConsumer = "reporting.peer-review";
  // `percent`: the share of final reports offered for review, 0 (none) to 100.
  static std::unique_ptr<PeerReviews> open(Database& db, WriteQueue& writes, int percent,
                                           const Clock& clock = system_clock());

  // The consumer of report.signed: offers the version for review when it is chosen; once.
  [[nodiscard]] Status offer(const events::Event& signed_event);
  // The open offers that `actor` may take (not their own reports), the oldest first.
  [[nodiscard]] Result<std::vector<PeerReview>> offered(const access::Principal& actor);
  // Scored by a radiologist other than the one who signed it.
  [[nodiscard]] Result<PeerSaved> score(int64_t order_id, const PeerScore& score, const access::Principal& actor);
  // For the administrator: per radiologist, the reviews scored in the last `days` days.
  [[nodiscard]] Result<std::vector<PeerSummary>> summary(int days, const access::Principal& actor);

 private:
  PeerReviews(Database& db, WriteQueue& writes, int percent, const Clock& clock)
      : writes_(writes), percent_(percent), clock_(clock), readers_(db) {}
  WriteQueue& writes_;
  const int percent_;
  const Clock& clock_;
  ConnectionPool readers_;
};

// Whether the report of `accession` is among `percent` in 100 chosen for review: the same answer
// every time for the same accession number.
[[nodiscard]] bool chosen_for_review(const std::string& accession, int percent);

}  // namespace vireo::reporting
