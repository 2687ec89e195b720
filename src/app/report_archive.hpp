// The archive's side of a signature: each signed version of a report, once released (release.hpp:
// at once, or when a sensitive result's hold ends), goes into the study it
// reports on as DICOM (the signed PDF as an Encapsulated PDF, the text as a Basic Text SR), so that
// C-GET, C-MOVE, WADO-RS and any other PACS or viewer show it. An addendum adds two new objects,
// its SR naming the one it amends; what was stored before stays.
#pragma once

#include "archive/archive.hpp"
#include "audit/audit_log.hpp"
#include "core/time_zone.hpp"
#include "events/dispatcher.hpp"
#include "reporting/reports.hpp"
#include "ris/patients.hpp"

namespace vireo::app {

inline constexpr const char* kReportObjectsConsumer = "archive.report-objects";

// The series the objects go in, after whatever the modality numbered.
inline constexpr int64_t kReportPdfSeriesNumber = 9001;
inline constexpr int64_t kReportSrSeriesNumber = 9002;

// Delivers reporting::kReportReleased (each signed version, final or addendum). Idempotent: each object's UID is made
// from its signed PDF's SHA-256, and the same version makes the same bytes. The study's patient
// and study attributes are those its images carry (so that the report files with them), or the
// RIS's for an exam whose images are not in the archive (the order's Study Instance UID). Each
// version stored is written to the audit trail. Structured findings are written out in `language`
// (the report's) at the end of the findings.
[[nodiscard]] events::Handler report_objects(archive::Archive& archive, reporting::Reports& reports,
                                             ris::Patients& patients, audit::AuditLog& audit, const TimeZone& zone,
                                             std::string clinic_name, std::string language);

}  // namespace vireo::app
