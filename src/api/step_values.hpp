// A scheduled step's values as DICOM writes them, for every protocol that offers the RIS's steps
// to scanners and pipelines (the modality worklist over DIMSE, UPS workitems over DICOMweb):
// names, dates, the procedures, values cut to their VR's length.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "ris/procedure_steps.hpp"

namespace vireo::api {

// The scheme of the clinic's own procedure codes (PS3.3 8.2: "99" local designators).
inline constexpr const char* kProcedureCodingScheme = "99VIREO";

// "Family^Given^Middle^Prefix^Suffix", trailing empty components dropped.
[[nodiscard]] std::string person_name(const ris::PersonName& n);
// "2027-03-01" → "20270301".
[[nodiscard]] std::string dicom_date(const std::string& iso_day);
// "HHMM00" of a minute of the day.
[[nodiscard]] std::string dicom_time(int minute_of_day);
// The step's start on the clinic's clock as a DT with its offset: "20270301100000+0100".
[[nodiscard]] std::string dicom_datetime(const LocalTime& t);
// The procedures' names in the order they are done, " + " between.
[[nodiscard]] std::string procedures_text(const ris::ScheduledStep& s);
// The first `max` characters (UTF-8 code points) of `v`.
[[nodiscard]] std::string cut_chars(const std::string& v, size_t max);
// A free text as the values of a multi-valued attribute: a value per line, and per `max`
// characters of a longer line, cut between words.
[[nodiscard]] std::vector<std::string> line_values(const std::string& text, size_t max);

}  // namespace vireo::api
