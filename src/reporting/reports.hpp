// The reports of the exams: the radiologist's working text, autosaved; a preliminary version;
// the signature, which makes the final version and its signed PDF; addenda after it. Only the
// radiologist reading the exam (ris::Reading's claim) writes, hands on or signs its report, so
// that two never sign the same exam; an addendum may be written by any radiologist. What is
// handed on is a new version, kept append-only: a signed text is never edited.
//
// Signing renders and signs the PDF (the Signer port: pdf/ layout and PAdES with the
// radiologist's certificate) before its write; the write checks again that nothing changed
// meanwhile, and keeps the PDF in the database (a few hundred kB; base64, as the database port
// binds text) with its SHA-256 in a table of its own. Not in the blob store: the archive's
// integrity check owns every blob there and would take a report's for an orphan. Re-authenticating
// the signer is the caller's (the API's) part, before calling sign().
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto reports = Reports::open(db, writes, outbox, signer);
//   auto saved = (*reports)->save_draft(order_id, seen_revision, content, principal);
//   auto signed_ = (*reports)->sign(order_id, saved->value.draft_revision, principal, "10.0.0.7");
#pragma once

#include <map>
#include <memory>

#include "access/principal.hpp"
#include "events/outbox.hpp"
#include "reporting/report.hpp"
#include "reporting/release.hpp"
#include "reporting/sign_checks.hpp"
#include "reporting/signer.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::reporting {

[[nodiscard]] const std::vector<Migration>& migrations();

// Limits of a report's text: far above any real report, below what would burden a page.
inline constexpr size_t kMaxSections = 40;
inline constexpr size_t kMaxSectionText = 100'000;
inline constexpr size_t kMaxFindings = 40;
// Two to a row in the PDF: four rows, beyond which a report is no longer the place for them.
inline constexpr size_t kMaxKeyImages = 8;
// A patient's prior reports shown beside an exam: as far back as a comparison usually goes.
inline constexpr size_t kMaxPriorReports = 20;

class Reports {
 public:
  // `release`: the clinic's rule for when a signed report goes out (release.hpp).
  static Result<std::unique_ptr<Reports>> open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                               Signer& signer, const ReleaseRule& release = {},
                                               const Clock& clock = system_clock(),
                                               const MigrationProgress& progress = {});

  // The report of an order's exam, with its versions; nullopt when none was begun.
  [[nodiscard]] Result<std::optional<Report>> of_order(int64_t order_id, const access::Principal& actor);

  // The signed reports of the patient's exams performed before this one (`order_id`), for the
  // radiologist reading it to compare with: the latest exam first, at most kMaxPriorReports, each
  // with its signed versions only (the final report and its addenda; a text nobody signed is not
  // a report); `total`, how many there are in all.
  struct PriorReport {
    ris::ReadingItem exam;
    std::string status;                  // final or amended
    std::vector<ReportVersion> versions;  // signed, oldest first
  };
  struct PriorReports {
    std::vector<PriorReport> items;
    int64_t total = 0;
  };
  [[nodiscard]] Result<PriorReports> prior_reports(int64_t order_id, const access::Principal& actor);
  // For the reading worklist: how many signed reports each exam's patient has of exams performed
  // before it, by order (those with none are left out).
  [[nodiscard]] Result<std::map<int64_t, int64_t>> prior_report_counts(const std::vector<ris::ReadingItem>& exams,
                                                                       const access::Principal& actor);

  // What the patient's result letter (letter.hpp) speaks of: the latest signed version with a
  // BI-RADS assessment, once every version signed is released. Else the conflict: no_letter
  // (none signed with a BI-RADS assessment) or not_released (held by the release rule).
  struct LetterSource {
    ris::ReadingItem exam;
    ReportVersion version;
    std::optional<ReportConflict> conflict;
  };
  [[nodiscard]] Result<LetterSource> letter_source(int64_t order_id, const access::Principal& actor);

  // Saves the working text (autosave): the first save begins the report. `seen_revision` is
  // the draft_revision the editor loaded (0 before the report exists). Once the report is signed
  // its text is never edited: the working text is an addendum's, and says so (`addendum`).
  enum class Draft { Report, Addendum };
  [[nodiscard]] Result<ReportSaved> save_draft(int64_t order_id, int64_t seen_revision, const ReportContent& content,
                                               const access::Principal& actor, Draft kind = Draft::Report);
  // draft → preliminary: the text as it is becomes version N, awaiting a signature.
  [[nodiscard]] Result<ReportSaved> submit_preliminary(int64_t order_id, int64_t seen_revision,
                                                       const access::Principal& actor);
  // Signs the working text: the final report, or an addendum of a signed one. The caller has
  // re-authenticated the actor; `signed_from` is their address, for the audit trail.
  // The text's checks (sign_checks.hpp) need what the exam is of, and the warnings the
  // radiologist has acknowledged: a blocking check, or a warning not acknowledged, stops it.
  struct SignContext {
    ExamSides sides;
    std::vector<std::string> acknowledged;  // SignCheck rules
  };
  [[nodiscard]] Result<ReportSaved> sign(int64_t order_id, int64_t seen_revision, const access::Principal& actor,
                                         const std::string& signed_from, const SignContext& context = {});
  // The same checks as sign() without signing: for the caller to refuse before asking the
  // radiologist to re-authenticate (a code is good once). Conflict, or nullopt.
  [[nodiscard]] Result<std::optional<ReportConflict>> check_sign(int64_t order_id, int64_t seen_revision,
                                                                 const access::Principal& actor,
                                                                 const SignContext& context = {});
  // The checks the working text fails now, for the editor to show before signing.
  [[nodiscard]] Result<std::vector<SignCheck>> sign_checks_of(int64_t order_id, const ExamSides& sides,
                                                              const access::Principal& actor);

  // The name a signature of `username` prints: their staff name, else their account's.
  [[nodiscard]] Result<std::string> signer_name(const std::string& username);

  // The signed PDF of a version, as stored, with its recorded SHA-256.
  struct SignedFile {
    std::string pdf, sha256;
  };
  [[nodiscard]] Result<SignedFile> signed_pdf(int64_t order_id, int64_t number, const access::Principal& actor);

  // A signed version as the archive takes it in (the consumer of kReportSigned and kReportAmended,
  // acting for the clinic rather than a person): the report, the version, its PDF (checked against
  // the SHA-256 recorded when it was signed: IntegrityError when they differ), and the exam.
  // NotFound when the order has no signed version of this number.
  struct Archivable {
    Report report;
    ReportVersion version;
    std::string pdf;
    ris::ReadingItem exam;
  };
  [[nodiscard]] Result<Archivable> signed_for_archive(int64_t order_id, int64_t number);

  // The signed version a PDF with this SHA-256 is, if it is one signed here: for checking a file
  // that comes back (vireo report verify). Its accession, version, signer and when.
  struct SignedVersion {
    std::string accession_number;
    int64_t number = 0;
    std::string signer_name, signed_at;
  };
  [[nodiscard]] Result<std::optional<SignedVersion>> signed_version_of(const std::string& pdf_sha256);

 private:
  Reports(Database& db, WriteQueue& writes, const events::Outbox& outbox, Signer& signer, const ReleaseRule& release,
          const Clock& clock)
      : writes_(writes), outbox_(outbox), signer_(signer), release_(release), clock_(clock), readers_(db) {}
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  Signer& signer_;
  const ReleaseRule release_;
  const Clock& clock_;
  ConnectionPool readers_;
};

// Sections to correct in a content: too many, unknown key form, too long.
[[nodiscard]] std::vector<FieldError> check_content(const ReportContent& content);
// Key images to correct: too many, malformed UIDs, frame, half a window, a long caption, twice.
[[nodiscard]] std::vector<FieldError> check_key_images(const std::vector<KeyImage>& list);
// Why `actor` may not sign the report's working text now (seen at `seen_revision`), or nullopt:
// not theirs to write, stale, empty, already signed, or an addendum someone else wrote last.
[[nodiscard]] std::optional<ReportConflict> sign_conflict(const std::optional<Report>& report,
                                                          const ris::ReadingItem& exam, int64_t seen_revision,
                                                          const access::Principal& actor);

}  // namespace vireo::reporting
