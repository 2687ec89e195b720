// A stored file made to name another patient, the values it replaced kept in the file itself
// (PS3.3 C.12.1, Original Attributes Sequence): what a merge of two patients, or its undoing,
// does to the DICOM the archive holds.
//
// Thread-safety: a free function; files of their own per call.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace vireo::dicom {

// The Patient module's identifying attributes, in DICOM's own forms.
struct PatientAttributes {
  std::string id, issuer;
  std::string name;        // PN: Family^Given^Middle^Prefix^Suffix
  std::string birth_date;  // DA: YYYYMMDD, or empty
  std::string sex;         // CS: F, M, O, or empty
  // When not empty, the Accession Number (0008,0050) too: a study reconciled to its order
  // (IHE Patient Information Reconciliation), not a patient's merge.
  std::string accession = {};
};

// Writes `dst`: `src` with `to` as its Patient ID, Issuer of Patient ID, Patient's Name, Birth
// Date and Sex (and Accession Number when `to` has one), and one more item of the Original Attributes Sequence (0400,0561) holding the
// values replaced, when, by `modifying_system`, for the reason CORRECT. The transfer syntax and
// every other attribute stay, but Issuer of Patient ID Qualifiers (recorded with the issuer it
// qualified). The file keeps its character set when that holds `to` (ASCII; Latin-1 in ISO_IR
// 100); otherwise all its text becomes UTF-8 (ISO_IR 192), the set it had recorded too.
// `modified_at` (UTC ISO-8601) is the record's time: the same for every file of one change, so
// that rewriting the same file twice (a resend of the original) gives the same bytes.
[[nodiscard]] Status rewrite_patient(const std::filesystem::path& src,
                                     const std::filesystem::path& dst, const PatientAttributes& to,
                                     const std::string& modifying_system,
                                     const std::string& modified_at);

}  // namespace vireo::dicom
