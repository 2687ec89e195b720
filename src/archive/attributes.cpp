#include "archive/attributes.hpp"

#include <string>

#include "core/strings.hpp"

namespace vireo::archive {

namespace {
using enum Level;
using enum Match;
// Order within a level is the column order of the level's table.
constexpr IndexedAttribute kAttributes[] = {
    {tag::kPatientID, "PatientID", Patient, "patient_id", Text, "LO"},
    {tag::kIssuerOfPatientID, "IssuerOfPatientID", Patient, "issuer", Text, "LO"},
    {tag::kPatientName, "PatientName", Patient, "patient_name", PersonName, "PN"},
    {tag::kPatientBirthDate, "PatientBirthDate", Patient, "birth_date", Date, "DA"},
    {tag::kPatientSex, "PatientSex", Patient, "sex", Text, "CS"},
    {tag::kNumberOfPatientRelatedStudies, "NumberOfPatientRelatedStudies", Patient, "num_studies", ReturnOnly, "IS"},
    {tag::kNumberOfPatientRelatedSeries, "NumberOfPatientRelatedSeries", Patient, "num_series", ReturnOnly, "IS"},
    {tag::kNumberOfPatientRelatedInstances, "NumberOfPatientRelatedInstances", Patient, "num_instances", ReturnOnly, "IS"},

    {tag::kStudyInstanceUID, "StudyInstanceUID", Study, "study_uid", Uid, "UI"},
    {tag::kStudyDate, "StudyDate", Study, "study_date", Date, "DA"},
    {tag::kStudyTime, "StudyTime", Study, "study_time", Time, "TM"},
    {tag::kAccessionNumber, "AccessionNumber", Study, "accession_number", Text, "SH"},
    {tag::kStudyID, "StudyID", Study, "study_id", Text, "SH"},
    {tag::kStudyDescription, "StudyDescription", Study, "study_description", Text, "LO"},
    {tag::kReferringPhysicianName, "ReferringPhysicianName", Study, "referring_physician", PersonName, "PN"},
    {tag::kModalitiesInStudy, "ModalitiesInStudy", Study, "modalities", Modalities, "CS"},
    {tag::kNumberOfStudyRelatedSeries, "NumberOfStudyRelatedSeries", Study, "num_series", ReturnOnly, "IS"},
    {tag::kNumberOfStudyRelatedInstances, "NumberOfStudyRelatedInstances", Study, "num_instances", ReturnOnly, "IS"},

    {tag::kSeriesInstanceUID, "SeriesInstanceUID", Series, "series_uid", Uid, "UI"},
    {tag::kModality, "Modality", Series, "modality", Text, "CS"},
    {tag::kSeriesNumber, "SeriesNumber", Series, "series_number", Text, "IS"},
    {tag::kSeriesDescription, "SeriesDescription", Series, "series_description", Text, "LO"},
    {tag::kBodyPartExamined, "BodyPartExamined", Series, "body_part", Text, "CS"},
    {tag::kSeriesDate, "SeriesDate", Series, "series_date", Date, "DA"},
    {tag::kSeriesTime, "SeriesTime", Series, "series_time", Time, "TM"},
    {tag::kNumberOfSeriesRelatedInstances, "NumberOfSeriesRelatedInstances", Series, "num_instances", ReturnOnly, "IS"},
    {tag::kPerformedProcedureStepStartDate, "PerformedProcedureStepStartDate", Series, "pps_start_date", Date, "DA"},
    {tag::kPerformedProcedureStepStartTime, "PerformedProcedureStepStartTime", Series, "pps_start_time", Time, "TM"},
    {tag::kScheduledProcedureStepID, "ScheduledProcedureStepID", Series, "request_sps_id", Text, "SH",
     tag::kRequestAttributesSequence},
    {tag::kRequestedProcedureID, "RequestedProcedureID", Series, "request_rp_id", Text, "SH",
     tag::kRequestAttributesSequence},

    {tag::kSOPInstanceUID, "SOPInstanceUID", Instance, "sop_instance_uid", Uid, "UI"},
    {tag::kSOPClassUID, "SOPClassUID", Instance, "sop_class_uid", Uid, "UI"},
    {tag::kInstanceNumber, "InstanceNumber", Instance, "instance_number", Text, "IS"},
    {tag::kContentDate, "ContentDate", Instance, "content_date", Date, "DA"},
    {tag::kContentTime, "ContentTime", Instance, "content_time", Time, "TM"},
    {tag::kNumberOfFrames, "NumberOfFrames", Instance, "num_frames", Text, "IS"},
    {tag::kRows, "Rows", Instance, "pixel_rows", Text, "US"},
    {tag::kColumns, "Columns", Instance, "pixel_columns", Text, "US"},
    {tag::kAvailableTransferSyntaxUID, "AvailableTransferSyntaxUID", Instance, "transfer_syntax", ReturnOnly, "UI"},
};

bool read_from_file(const IndexedAttribute& a) {
  return a.match != ReturnOnly && a.match != Modalities;
}
}  // namespace

std::string_view level_table(Level level) {
  constexpr std::string_view names[] = {"patients", "studies", "series", "instances"};
  return names[static_cast<int>(level)];
}

std::string_view level_alias(Level level) {
  constexpr std::string_view names[] = {"p", "st", "se", "i"};
  return names[static_cast<int>(level)];
}

std::span<const IndexedAttribute> indexed_attributes() { return kAttributes; }

const IndexedAttribute* find_attribute(tag::Tag t, tag::Tag sequence) {
  for (const auto& a : kAttributes)
    if (a.tag == t && a.sequence == sequence) return &a;
  return nullptr;
}

std::vector<const IndexedAttribute*> stored_attributes(Level level) {
  std::vector<const IndexedAttribute*> out;
  for (const auto& a : kAttributes)
    if (a.level == level && read_from_file(a)) out.push_back(&a);
  return out;
}

std::vector<tag::Tag> ingest_tags() {
  std::vector<tag::Tag> out{tag::kSpecificCharacterSet};
  for (const auto& a : kAttributes)
    if (read_from_file(a) && a.sequence == 0) out.push_back(a.tag);
  return out;
}

std::vector<std::pair<tag::Tag, tag::Tag>> ingest_nested_tags() {
  std::vector<std::pair<tag::Tag, tag::Tag>> out;
  for (const auto& a : kAttributes)
    if (read_from_file(a) && a.sequence != 0) out.emplace_back(a.sequence, a.tag);
  return out;
}

std::string select_expression(const IndexedAttribute& a) {
  return std::string(level_alias(a.level)) + "." + std::string(a.column);
}

std::string normalize_for_index(const IndexedAttribute& a, std::string value) {
  if (a.match == Date || a.match == Time) {
    std::string out;
    for (char c : value)
      if (c != '.' || a.match == Time) out.push_back(c);
    if (a.match == Time) {
      // "10:15:30.5" (ACR-NEMA) -> "101530.5"
      std::string t;
      for (char c : out)
        if (c != ':') t.push_back(c);
      return t;
    }
    return out;
  }
  return value;
}

std::string person_name_key(std::string_view value) {
  std::string n = normalize_person_name(value);
  // "DOE^JOHN^^^" and "DOE^JOHN" are the same name (PS3.5 6.2.1.1: trailing empty
  // components may be omitted).
  while (!n.empty() && (n.back() == '^' || n.back() == '=' || n.back() == ' ')) n.pop_back();
  return n;
}

}  // namespace vireo::archive
