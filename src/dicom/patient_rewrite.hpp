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
};

// Writes `dst`: `src` with `to` as its Patient ID, Issuer of Patient ID, Patient's Name, Birth
// Date and Sex, and one more item of the Original Attributes Sequence (0400,0561) holding the
// values replaced, when, by `modifying_system`, for the reason CORRECT. The transfer syntax and
// every other attribute stay; the text becomes UTF-8 (ISO_IR 192) only when `to` needs it.
[[nodiscard]] Status rewrite_patient(const std::filesystem::path& src,
                                     const std::filesystem::path& dst, const PatientAttributes& to,
                                     const std::string& modifying_system);

}  // namespace vireo::dicom
