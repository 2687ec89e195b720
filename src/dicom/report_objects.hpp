// A signed radiology report as DICOM objects in the study it reports on, so that any PACS or
// viewer shows it: the signed PDF as an Encapsulated PDF (PS3.3 A.45.1), and its text as a Basic
// Text SR (A.35.1) with the headings of TID 2000 (LOINC codes for the standard sections, a local
// code for a template's own). Text is UTF-8 (ISO_IR 192).
//
// The same input gives the same bytes: a delivery made twice stores the same objects twice, which
// the archive takes as one.
//
// Thread-safety: free functions; files of their own per call.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "dicom/patient_rewrite.hpp"

namespace vireo::dicom {

// What both objects say of the patient, the study, their series and themselves.
struct ReportObjectHeader {
  PatientAttributes patient;  // accession: the study's
  std::string study_uid, study_date, study_time, study_id, referring_physician, study_description;
  std::string series_uid, series_description;
  int64_t series_number = 0;
  std::string sop_uid;
  int64_t instance_number = 0;
  // When it was signed, in the clinic's time: DA, TM and the offset ("+0100").
  std::string content_date, content_time, utc_offset;
  std::string institution;  // the clinic
};

// One section of the report: its key (findings, impression, ...), its title as printed, its text.
struct ReportObjectSection {
  std::string key, title, text;
};

// A signed addendum, after the report it adds to.
struct ReportObjectAddendum {
  std::string signer_name;
  std::vector<ReportObjectSection> sections;
};

// An SOP instance this one follows (the SR of the version before an addendum).
struct ObjectReference {
  std::string study_uid, series_uid, sop_class_uid, sop_uid;
};

// An image the report shows (a key image): the instance, its frame (from 1), the caption.
struct ImageReference {
  ObjectReference image;
  int64_t frame = 1;
  std::string caption;
  int64_t frames = 1;  // the instance's: a frame of a multi-frame image is named, even the first
};

struct ReportSr {
  ReportObjectHeader header;
  std::vector<ReportObjectSection> sections;   // the report as signed
  std::vector<ReportObjectAddendum> addenda;   // each signed since, in order
  std::string verifier_name, verified_at;      // who signed this version, when (DT)
  std::string language = "en";                 // of the text: en, es, ca
  std::string requested_procedure;             // the order's procedures: the request it answers
  std::optional<ObjectReference> predecessor;  // the SR this one amends
  // Under "Key Images" (DCM 121180), each with its caption; also the request's evidence.
  std::vector<ImageReference> key_images;
};

inline constexpr const char* kEncapsulatedPdfStorage = "1.2.840.10008.5.1.4.1.1.104.1";
inline constexpr const char* kBasicTextSrStorage = "1.2.840.10008.5.1.4.1.1.88.11";

// Writes `file` (Part 10, Explicit VR Little Endian): the PDF as an Encapsulated PDF, titled `title`.
[[nodiscard]] Status write_encapsulated_pdf(const std::filesystem::path& file, const ReportObjectHeader& header,
                                            const std::string& title, std::string_view pdf);
// Writes `file`: the report's text as a completed, verified Basic Text SR.
[[nodiscard]] Status write_report_sr(const std::filesystem::path& file, const ReportSr& sr);

}  // namespace vireo::dicom
