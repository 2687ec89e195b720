// Wiring shared by the subcommands: the database, the blob store and the archive for a
// configuration, with migration progress shown on the terminal.
#pragma once

#include <memory>

#include "api/dicomweb/routes.hpp"
#include "api/dicomweb/ups_events.hpp"
#include "api/rest/routes.hpp"
#include "api/web/web_app.hpp"
#include "archive/archive.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "app/config.hpp"
#include "events/dispatcher.hpp"
#include "events/live_feed.hpp"
#include "events/outbox.hpp"
#include "net/http/http_types.hpp"
#include "net/syslog/syslog_sender.hpp"
#include "ris/image_links.hpp"
#include "ris/performed_steps.hpp"
#include "ris/procedure_steps.hpp"
#include "ris/workitems.hpp"
#include "reporting/pdf_signer.hpp"
#include "reporting/critical_results.hpp"
#include "reporting/reports.hpp"
#include "reporting/peer_review.hpp"
#include "reporting/turnaround.hpp"
#include "ris/reading.hpp"
#include "store/fs_blob_store.hpp"
#include "store/s3_blob_store.hpp"
#include "store/sqlite_database.hpp"

namespace vireo::app {

struct Services {
  std::unique_ptr<Database> db;  // SQLite under data_dir, or PostgreSQL (database_url)
  std::unique_ptr<BlobStore> blobs;  // files under data_dir, or an S3 bucket (blob_store)
  std::unique_ptr<WriteQueue> writes;  // the node's one write path; outlives the domains that use it
  std::unique_ptr<events::Outbox> outbox;  // what domains tell each other; routes fixed at wiring
  std::unique_ptr<FileCache> render_cache;  // opened by serve only; outlives the archive that feeds it
  std::unique_ptr<archive::Archive> archive;
  std::unique_ptr<annotations::Annotations> annotations;
  std::unique_ptr<ai::Findings> ai_findings;
  std::unique_ptr<ris::Patients> ris_patients;
  std::unique_ptr<ris::Catalogue> ris_catalogue;
  std::unique_ptr<ris::Orders> ris_orders;
  std::unique_ptr<ris::Schedule> ris_schedule;
  std::unique_ptr<ris::Exams> ris_exams;
  std::unique_ptr<ris::ProcedureSteps> ris_steps;  // the modality worklist's
  std::unique_ptr<ris::PerformedSteps> ris_performed;  // MPPS
  std::unique_ptr<ris::ImageLinks> ris_image_links;    // studies to their orders
  std::unique_ptr<ris::Workitems> ris_workitems;       // UPS-RS
  std::unique_ptr<ris::Merges> ris_merges;
  std::unique_ptr<ris::Reading> ris_reading;  // the radiologists' worklist and claims
  std::unique_ptr<reporting::SigningKeys> signing_keys;
  std::unique_ptr<reporting::PdfSigner> report_signer;  // outlives the reports that use it
  std::unique_ptr<reporting::Reports> reports;
  std::unique_ptr<reporting::CriticalResults> critical_results;
  std::unique_ptr<reporting::Releases> releases;
  std::unique_ptr<reporting::ReportingStats> reporting_stats;
  std::unique_ptr<reporting::PeerReviews> peer_reviews;
  std::unique_ptr<reporting::Templates> templates;
  // Delivers the outbox to this node's consumers; started by serve only (the CLI's events
  // wait for a server).
  std::unique_ptr<events::Dispatcher> dispatcher;
  // Tells this node's open screens of committed changes (all nodes'); started by serve only.
  std::unique_ptr<events::LiveFeed> live;
  // The UPS-RS event channels of this node, fed by `live`; started by serve only.
  std::unique_ptr<api::dicomweb::WorkitemEvents> workitem_events;
  std::unique_ptr<auth::AuthService> auth;
  api::dicomweb::Options dicomweb;  // public URL and scheme for URLs in DICOMweb answers
  std::filesystem::path web_root;  // the built browser application
  std::string clinic_region;       // clinic_region: the browser app's formats (/api/ris/clinic)
  api::web::WebSettings web_settings;
  api::DicomSettings dicom;  // the DICOM side for the administrator's pages
  std::unique_ptr<net::SyslogSender> syslog;  // outlives the audit log, which feeds it
  std::unique_ptr<audit::AuditLog> audit;     // declared last: destroyed (flushed) first
};

[[nodiscard]] Result<auth::AuthPolicy> auth_policy(const Config& config);

[[nodiscard]] Result<std::unique_ptr<BlobStore>> open_blob_store(const Config& config);
[[nodiscard]] Result<Services> open_services(const Config& config);
// Which consumers take which events: the same on every node and in the CLI.
void route_events(events::Outbox& outbox);
// Who runs a CLI command, as the audit trail names them: "cli:<os user>".
[[nodiscard]] std::string operator_name();
// Every HTTP route, with the security layer around them.
void build_router(Services& s, http::Router& router);

int serve(const Config& config);
int import_paths(const Config& config, const std::vector<std::string>& paths, int threads);
int check(const Config& config, bool deep, bool repair);

}  // namespace vireo::app
