#include "app/report_archive.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>

#include "api/query_params.hpp"
#include "app/key_images.hpp"
#include "app/patient_moves.hpp"
#include "core/uid.hpp"
#include "dicom/report_objects.hpp"
#include "reporting/vocabularies.hpp"

namespace vireo::app {

namespace {

// When a version was signed, in the clinic's time, in DICOM's forms.
struct LocalStamp {
  std::string date, time, offset;  // DA, TM, "+0100"
  [[nodiscard]] std::string datetime() const { return date + time + offset; }
};

LocalStamp local_stamp(const TimeZone& zone, const std::string& utc) {
  auto t = parse_instant(utc);
  if (!t) return {};
  const std::string iso = zone.local_iso(*t);  // 2027-03-28T03:00:00+02:00
  auto digits = [](std::string s) {
    std::erase_if(s, [](char c) { return c < '0' || c > '9'; });
    return s;
  };
  return {digits(iso.substr(0, 10)), digits(iso.substr(11, 8)), iso.substr(19, 3) + iso.substr(23, 2)};
}

// The study's patient and study attributes as its images carry them; nullopt when the archive
// has no study of this UID.
Result<std::optional<dicom::ReportObjectHeader>> archived_study(archive::Archive& archive, const std::string& study) {
  const tag::Tag wanted[] = {tag::kPatientID,        tag::kIssuerOfPatientID, tag::kPatientName,
                             tag::kPatientBirthDate, tag::kPatientSex,        tag::kAccessionNumber,
                             tag::kStudyDate,        tag::kStudyTime,         tag::kStudyID,
                             tag::kReferringPhysicianName, tag::kStudyDescription};
  archive::FindQuery q{archive::Level::Study, {{tag::kStudyInstanceUID, study}}, access::Scope::everything()};
  for (tag::Tag t : wanted) q.keys.push_back({t, ""});
  std::optional<dicom::ReportObjectHeader> found;
  auto s = archive.find(q, [&](const archive::FindRow& r) {
    auto at = [&](tag::Tag t) {
      auto it = r.find(t);
      return it == r.end() ? std::string() : it->second;
    };
    dicom::ReportObjectHeader h;
    h.patient = {at(tag::kPatientID), at(tag::kIssuerOfPatientID), at(tag::kPatientName),
                 at(tag::kPatientBirthDate), at(tag::kPatientSex), at(tag::kAccessionNumber)};
    h.study_uid = study;
    h.study_date = at(tag::kStudyDate);
    h.study_time = at(tag::kStudyTime);
    h.study_id = at(tag::kStudyID);
    h.referring_physician = at(tag::kReferringPhysicianName);
    h.study_description = at(tag::kStudyDescription);
    found = std::move(h);
    return false;
  });
  if (!s) return std::unexpected(s.error());
  return found;
}

// The same for an exam whose images are not here: the RIS's patient and order.
Result<dicom::ReportObjectHeader> ordered_study(ris::Patients& patients, const ris::ReadingItem& exam,
                                               const TimeZone& zone) {
  auto patient = patients.get(exam.view.patient_id);
  if (!patient) return std::unexpected(patient.error());
  if (!*patient) return fail(ErrorCode::NotFound, "the exam's patient is gone");
  dicom::ReportObjectHeader h;
  h.patient = dicom_patient(**patient);
  h.patient.accession = exam.view.accession_number;
  h.study_uid = exam.view.study_uid;
  const LocalStamp performed = local_stamp(zone, exam.view.appointment.starts_at);
  h.study_date = performed.date;
  h.study_time = performed.time;
  std::string procedures;
  for (const auto& p : exam.procedures) procedures += (procedures.empty() ? "" : ", ") + p;
  h.study_description = procedures;
  h.referring_physician = exam.referring_physician;
  return h;
}

// The UIDs of a signed version's objects in a study, and of the report's two series there: from
// the study's UID and the signed PDFs' hashes, which nothing else shares.
std::string pdf_uid(const std::string& study, const reporting::Signature& s) {
  return name_uid("vireo-report-pdf:" + study + ":" + s.pdf_sha256);
}
std::string sr_uid(const std::string& study, const reporting::Signature& s) {
  return name_uid("vireo-report-sr:" + study + ":" + s.pdf_sha256);
}

// The sections, the structured findings written out at the end of the findings (what any viewer
// of the SR reads; their table is the PDF's).
std::vector<dicom::ReportObjectSection> sections_of(const reporting::ReportContent& content,
                                                    const std::string& language) {
  std::vector<dicom::ReportObjectSection> out;
  for (const auto& s : content.sections) out.push_back({s.key, s.title, s.text});
  if (content.findings.empty()) return out;
  std::string coded;
  for (const auto& f : content.findings) coded += (coded.empty() ? "" : "\n") + reporting::describe(f, language).sentence();
  auto findings = std::ranges::find(out, std::string("findings"), &dicom::ReportObjectSection::key);
  if (findings == out.end()) findings = out.insert(out.end(), dicom::ReportObjectSection{"findings", "Findings", ""});
  const bool blank = findings->text.find_first_not_of(" \t\r\n") == std::string::npos;
  findings->text = blank ? coded : findings->text + "\n\n" + coded;
  return out;
}

// Writes `write`'s file and stores it, unless the archive has it already; whether it was new.
// What was stored first stays: a delivery tried again after a vocabulary, the clinic's settings
// or the study's patient changed must not make a second object under the same UID.
Result<bool> store(archive::Archive& archive, const std::string& sop_uid,
                   const std::function<Status(const std::filesystem::path&)>& write) {
  auto there = archive.instance(sop_uid, access::Scope::everything());
  if (there) return false;
  if (there.error().code != ErrorCode::NotFound) return std::unexpected(there.error());
  const std::filesystem::path tmp = archive.temp_path();
  if (auto s = write(tmp); !s) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return std::unexpected(s.error());
  }
  archive::StoreSource source = archive::StoreSource::named("report");
  source.expected_sop_instance_uid = sop_uid;
  auto stored = archive.store_file(tmp, source);
  if (!stored) return std::unexpected(stored.error());
  return stored->outcome != archive::StoreOutcome::Duplicate;
}

Status archive_version(archive::Archive& archive, reporting::Reports& reports, ris::Patients& patients,
                       audit::AuditLog& trail, const TimeZone& zone, const std::string& clinic,
                       const std::string& language, int64_t order,
                       int64_t number) {
  auto signed_ = reports.signed_for_archive(order, number);
  if (!signed_) return std::unexpected(signed_.error());
  const reporting::Report& report = signed_->report;
  const reporting::ReportVersion& version = signed_->version;
  const ris::ReadingItem& exam = signed_->exam;
  const std::string study = exam.view.study_uid;
  if (study.empty()) return fail(ErrorCode::NotFound, "order " + std::to_string(order) + " names no study");
  auto here = archived_study(archive, study);
  if (!here) return std::unexpected(here.error());
  dicom::ReportObjectHeader header;
  if (*here) {
    header = std::move(**here);
  } else {
    auto ordered = ordered_study(patients, exam, zone);
    if (!ordered) return std::unexpected(ordered.error());
    header = std::move(*ordered);
  }
  // The report's series are named by its first signature, so that addenda join them.
  auto first = std::ranges::find_if(report.versions, [](const auto& v) { return v.signature.has_value(); });
  const reporting::Signature& sig = *version.signature;
  const LocalStamp at = local_stamp(zone, sig.signed_at);
  header.institution = clinic;
  header.instance_number = version.number;
  header.content_date = at.date;
  header.content_time = at.time;
  header.utc_offset = at.offset;
  const std::string title = version.kind == "addendum" ? "Radiology report, addendum" : "Radiology report";

  dicom::ReportObjectHeader pdf_header = header;
  pdf_header.series_uid = name_uid("vireo-report-pdf-series:" + study + ":" + first->signature->pdf_sha256);
  pdf_header.series_number = kReportPdfSeriesNumber;
  pdf_header.series_description = "Signed report (PDF)";
  pdf_header.sop_uid = pdf_uid(study, sig);
  auto pdf_new = store(archive, pdf_header.sop_uid, [&](const std::filesystem::path& f) {
    return dicom::write_encapsulated_pdf(f, pdf_header, title, signed_->pdf);
  });
  if (!pdf_new) return std::unexpected(pdf_new.error());

  dicom::ReportSr sr;
  sr.header = header;
  sr.header.series_uid = name_uid("vireo-report-sr-series:" + study + ":" + first->signature->pdf_sha256);
  sr.header.series_number = kReportSrSeriesNumber;
  sr.header.series_description = "Signed report (SR)";
  sr.header.sop_uid = sr_uid(study, sig);
  sr.verifier_name = sig.signer_name;
  sr.verified_at = at.datetime();
  sr.language = language;
  for (const auto& p : exam.procedures) sr.requested_procedure += (sr.requested_procedure.empty() ? "" : ", ") + p;
  // The report as first signed, then each addendum up to this one; an addendum's SR follows the
  // SR of the version before it.
  const reporting::ReportVersion* before = nullptr;
  for (const auto& v : report.versions) {
    if (!v.signature || v.number > version.number) continue;
    if (v.kind == "addendum") sr.addenda.push_back({v.signature->signer_name, sections_of(v.content, language)});
    else sr.sections = sections_of(v.content, language);
    if (v.number < version.number) before = &v;
  }
  // The key images of every version signed up to this one, each once.
  std::vector<reporting::KeyImage> shown;
  for (const auto& v : report.versions)
    if (v.signature && v.number <= version.number)
      for (const auto& k : v.content.key_images)
        if (std::ranges::none_of(shown, [&](const auto& o) { return o.sop_uid == k.sop_uid && o.frame == k.frame; }))
          shown.push_back(k);
  auto references = key_image_references(archive, study, shown);
  if (!references) return std::unexpected(references.error());
  sr.key_images = std::move(*references);
  // Those left out (no longer in the study) are said in the trail: the signed PDF shows them.
  const size_t left_out = shown.size() - sr.key_images.size();
  if (before)
    sr.predecessor = dicom::ObjectReference{study, sr.header.series_uid, dicom::kBasicTextSrStorage,
                                            sr_uid(study, *before->signature)};
  auto sr_new = store(archive, sr.header.sop_uid, [&](const std::filesystem::path& f) {
    return dicom::write_report_sr(f, sr);
  });
  if (!sr_new) return std::unexpected(sr_new.error());

  if (*pdf_new || *sr_new) {
    audit::AuditEvent a;
    a.actor = "system";
    a.actor_role = "system";
    a.action = "create";
    a.patient_id = header.patient.id;
    a.study_uid = study;
    a.resource = "archive study report objects";
    a.detail = "report version " + std::to_string(version.number) + " (" + version.kind + ", signed by " + sig.signer +
               ") stored as Encapsulated PDF " + pdf_header.sop_uid + " and Basic Text SR " + sr.header.sop_uid +
               (left_out ? " (" + std::to_string(left_out) + " of its key images no longer in the study left out of the SR)"
                         : std::string());
    trail.record(std::move(a));
  }
  return {};
}

}  // namespace

events::Handler report_objects(archive::Archive& archive_ref, reporting::Reports& reports_ref,
                               ris::Patients& patients_ref, audit::AuditLog& trail_ref, const TimeZone& zone_ref,
                               std::string clinic_name, std::string language) {
  // (pointers: the handler outlives this call; the services it names outlive the dispatcher)
  return [archive = &archive_ref, reports = &reports_ref, patients = &patients_ref, trail = &trail_ref,
          zone = &zone_ref, clinic = std::move(clinic_name),
          language = std::move(language)](const events::Event& e) -> Status {
    auto order = api::row_id(e.id("order"));
    auto number = api::row_id(e.id("version"));
    if (!order || !number) return {};  // not one of ours to act on: nothing to do, ever
    return archive_version(*archive, *reports, *patients, *trail, *zone, clinic, language, *order, *number);
  };
}

}  // namespace vireo::app
