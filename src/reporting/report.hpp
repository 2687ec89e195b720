// A radiology report: its working text (autosaved as it is typed), and the versions that were
// handed on: preliminary (a text awaiting a radiologist's signature), final (signed), and each
// addendum (signed, after the final; never an edit of the signed text). Versions are kept
// append-only, with the signed PDF's SHA-256 apart from the PDF.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ris/catalogue.hpp"

namespace vireo::reporting {

using ris::FieldError;

// draft → preliminary → final → amended (after its first addendum).
inline constexpr const char* kReportStates[] = {"draft", "preliminary", "final", "amended"};
inline constexpr const char* kVersionKinds[] = {"preliminary", "final", "addendum"};

// Topics (ids: report, order, accession, patient, version).
inline constexpr const char* kReportPreliminary = "report.preliminary";
inline constexpr const char* kReportSigned = "report.signed";
inline constexpr const char* kReportAmended = "report.amended";

// The sections of IHE MRRT's reports, in order; a template may add others.
inline constexpr const char* kStandardSections[] = {"indication", "technique", "comparison", "findings",
                                                    "impression"};

struct ReportSection {
  std::string key;    // "findings"; lower case letters, digits and _
  std::string title;  // as shown and printed, in the clinic's language
  std::string text;
  friend bool operator==(const ReportSection&, const ReportSection&) = default;
};

// A finding recorded in a controlled vocabulary (reporting/vocabularies.hpp): its system
// ("birads"), and for each of its fields the term's code or the number chosen ("4A", "12").
struct CodedFinding {
  std::string system;
  std::vector<std::pair<std::string, std::string>> values;  // field → value, as entered
  friend bool operator==(const CodedFinding&, const CodedFinding&) = default;
  [[nodiscard]] std::string value(std::string_view field) const;  // "" when not given
};

// An image of the exam the radiologist chose to show with the report: which frame of which
// instance, the window it was read in (as the viewer showed it; none: the image's own), and a
// caption. Printed in the signed PDF and referenced by the report's SR.
struct KeyImage {
  std::string series_uid, sop_uid;
  int64_t frame = 1;  // from 1
  std::optional<double> window_center, window_width;
  std::string caption;
  friend bool operator==(const KeyImage&, const KeyImage&) = default;
};

struct ReportContent {
  std::string template_code;  // the template it was written from, or empty
  std::vector<ReportSection> sections;
  std::vector<CodedFinding> findings;  // structured findings, rendered into the printed report
  std::vector<KeyImage> key_images;    // in the order they are printed
  friend bool operator==(const ReportContent&, const ReportContent&) = default;
  [[nodiscard]] bool empty() const;  // no section has any text but blanks
};

struct Signature {
  std::string signer, signer_name, signed_at, signed_from;  // account, name, UTC, address
  std::string certificate_subject, certificate_serial;
  std::string pdf_sha256;  // of the signed PDF as stored
};

// When a signed version goes out to the referrer and the patient.
struct Release {
  bool sensitive = false;  // held by the clinic's rule for sensitive results
  std::string due_at;      // UTC ISO-8601: when it goes (the signature's time when at once)
  std::string released_at, released_by;  // empty while held
};

struct ReportVersion {
  int64_t number = 0;  // 1, 2, ... in the order they were made
  std::string kind;    // kVersionKinds
  ReportContent content;
  std::string author, author_name, created_at;
  std::optional<Signature> signature;  // final and addendum versions
  std::optional<Release> release;      // signed versions: when it goes out (release.hpp)
};

struct Report {
  int64_t id = 0;
  int64_t order_id = 0;
  int64_t patient_id = 0;
  std::string accession_number, study_uid;
  std::string status = "draft";
  // The working text: the report until it is signed, then the next addendum's.
  ReportContent draft;
  int64_t draft_revision = 0;  // moves with every save; a save must name the one it saw
  std::string draft_saved_at, draft_saved_by;
  std::vector<ReportVersion> versions;
  std::string created_at, created_by, updated_at;
};

inline constexpr const char* kSignBlock = "block";
inline constexpr const char* kSignWarn = "warn";

// A rule the text fails at signing (sign_checks.hpp): it blocks the signature, or warns and is
// signed past once the radiologist acknowledges it.
struct SignCheck {
  std::string rule;    // finding_side, text_side, images_side, finding_required, finding_uncoded, field_required,
                       // field_unfilled
  std::string level;   // kSignBlock or kSignWarn
  std::string field;   // what to correct: "findings/0/laterality", "impression", "findings", or ""
  std::string detail;  // in English, for the API's detail and the audit trail
  // The sides a side check found at odds ("left", "right", "both"): the exam's (as ordered, for
  // images_side), and the one the finding, text or images name; empty for the others.
  std::string exam_side = {}, named_side = {};
  std::string blank = {};  // field_required and field_unfilled: the template's blank left unfilled
  friend bool operator==(const SignCheck&, const SignCheck&) = default;
};

// A conflict with the report's state or another writer: an HTTP 409.
struct ReportConflict {
  std::string rule;  // stale, reading_claimed, already_signed, not_signed, exam_state, empty_report, or a
                     // SignCheck's rule
  std::string message;
  std::vector<SignCheck> checks = {};  // a signature stopped by the text's checks: all of them
};

// The result of a change: fields to correct (400), a conflict (409), or the report as saved.
struct ReportSaved {
  std::vector<FieldError> invalid;
  std::optional<ReportConflict> conflict;
  Report value;
  [[nodiscard]] bool saved() const { return invalid.empty() && !conflict; }
};

}  // namespace vireo::reporting
