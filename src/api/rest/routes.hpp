// REST API routes (JSON): thin handlers that decode the request, call the archive, and
// encode the answer. Each route names its permission where it is registered.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ai/findings.hpp"
#include "annotations/annotations.hpp"
#include "archive/archive.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "events/live_feed.hpp"
#include "events/outbox.hpp"
#include "net/dimse/dimse_options.hpp"
#include "net/http/http_types.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/orders.hpp"
#include "ris/patient_merge.hpp"
#include "ris/patients.hpp"
#include "ris/reading.hpp"
#include "reporting/critical_results.hpp"
#include "reporting/pdf_signer.hpp"
#include "reporting/reports.hpp"
#include "reporting/peer_review.hpp"
#include "reporting/template_store.hpp"
#include "reporting/turnaround.hpp"
#include "ris/image_links.hpp"
#include "ris/performed_steps.hpp"
#include "ris/schedule.hpp"
#include "ris/worklist.hpp"

namespace vireo::api {

void register_archive_routes(http::Router& router, archive::Archive& archive);
// A study's annotations (each user's own) and AI findings, for callers who may see the study.
void register_study_document_routes(http::Router& router, archive::Archive& archive, annotations::Annotations& notes,
                                    ai::Findings& findings);
void register_auth_routes(http::Router& router, auth::AuthService& auth, audit::AuditLog& audit);
// The RIS: patients (registration, search, edits).
void register_ris_routes(http::Router& router, ris::Patients& patients);
// The RIS's catalogue: procedures, rooms with their opening hours, closures.
void register_catalogue_routes(http::Router& router, ris::Catalogue& catalogue);
// The RIS's orders: created with their accession numbers, read, cancelled.
void register_order_routes(http::Router& router, ris::Orders& orders, ris::Patients& patients,
                           ris::PerformedSteps& performed);
// /api/ris/slots, /api/ris/calendar, /api/ris/appointments: the appointment book; /api/ris/clinic
// with the clinic's zone and `region` (clinic_region) for the browser's formats.
void register_schedule_routes(http::Router& router, ris::Schedule& schedule,
                              const std::string& region = {});
// /api/ris/appointment-requests: asked for, listed, confirmed by booking, declined.
void register_request_routes(http::Router& router, ris::Schedule& schedule);
// /api/ris/patient-merges, /api/ris/patients/{id}/merges: merging patients, and undoing it.
void register_merge_routes(http::Router& router, ris::Merges& merges, ris::Patients& patients,
                           archive::Archive& archive);
// /api/ris/worklist, the exam's steps, /api/ris/settings, and /api/ris/events: the live stream
// of changes (server-sent events) every open screen listens to, while its session holds.
void register_worklist_routes(http::Router& router, ris::Schedule& schedule, ris::Exams& exams,
                              events::LiveFeed& feed, auth::AuthService& auth);
// /api/reading: the radiologists' reading worklist, opening an exam to read it, its report's
// working text, preliminary and signed versions (signing re-authenticates through `auth`).
void register_reporting_routes(http::Router& router, ris::Reading& reading, reporting::Reports& reports,
                               reporting::PdfSigner& signer, auth::AuthService& auth, archive::Archive& archive,
                               reporting::Releases& releases);
// The certificate a radiologist signs with (/api/account/signing-certificate): which, their own
// brought as a PKCS#12 file (after re-authenticating), or back to the clinic's.
void register_signing_certificate_routes(http::Router& router, reporting::PdfSigner& signer, reporting::Reports& reports,
                                         auth::AuthService& auth);
// Critical results: the clinic's list, flagging one on an exam, recording its communication,
// the list of those still open.
void register_critical_routes(http::Router& router, reporting::CriticalResults& results);
// GET /api/reporting/turnaround?days=: report turnaround and the exams waiting for their report.
void register_turnaround_routes(http::Router& router, reporting::ReportingStats& stats);
// Peer review: the offers open to the caller, scoring one, and the results per radiologist.
void register_peer_review_routes(http::Router& router, reporting::PeerReviews& reviews);
// Report templates: the editor's picker; the administrator's management and IHE MRRT import/export.
void register_template_routes(http::Router& router, reporting::Templates& templates);
// /api/ris/unmatched-studies: studies waiting to be linked to their order by staff.
void register_reconciliation_routes(http::Router& router, ris::ImageLinks& links);
// What the administrator's pages show of the DICOM side, and how they test a peer.
struct DicomSettings {
  std::string aet;
  uint16_t port = 0, tls_port = 0;
  std::string unknown_callers;  // loopback, refuse, accept
  std::vector<net::DicomPeer> peers;
  std::function<Result<double>(const net::DicomPeer&)> echo;  // round trip in ms, or why not
};

// The system status page (with event deliveries that failed, which an administrator retries),
// health, metrics and the DICOM side.
void register_system_routes(http::Router& router, archive::Archive& archive, events::Outbox& outbox,
                            WriteQueue& writes, const DicomSettings& dicom);

}  // namespace vireo::api
