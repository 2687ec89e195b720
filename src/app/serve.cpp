#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "api/atna/audit_message.hpp"
#include "api/dicomweb/routes.hpp"
#include "api/rest/routes.hpp"
#include "api/rest/security.hpp"
#include "api/web/web_app.hpp"
#include "auth/password.hpp"
#include "app/image_links.hpp"
#include "app/key_images.hpp"
#include "pdf/certificates.hpp"
#include "pdf/pkcs11.hpp"
#include "app/report_archive.hpp"
#include "app/patient_moves.hpp"
#include "app/services.hpp"
#include "core/log.hpp"
#include "net/tsa/der_post.hpp"
#include "net/tsa/tsa_client.hpp"
#include "api/dimse/archive_services.hpp"
#include "api/dimse/ris_services.hpp"
#include "net/dimse/dimse_server.hpp"
#include "net/dimse/echo_client.hpp"
#include "net/http/http_server.hpp"
#include "net/http/tls_certificate.hpp"
#include "store/pg_database.hpp"

namespace vireo::app {

Result<auth::AuthPolicy> auth_policy(const Config& config) {
  auth::AuthPolicy p;
  p.password_min_length = static_cast<size_t>(config.password_min_length);
  p.max_failures_per_account = config.login_max_failures;
  p.lockout_seconds = config.login_lockout_minutes * 60;
  p.max_failures_per_address = config.login_max_failures_per_address;
  p.address_window_seconds = config.login_lockout_minutes * 60;
  p.session_idle_seconds = config.session_idle_minutes * 60;
  p.session_absolute_seconds = config.session_absolute_hours * 3600;
  p.totp_required_roles.clear();
  for (const auto& name : config.totp_required_roles) {
    auto role = access::parse_role(name);
    if (!role) return fail(ErrorCode::InvalidArgument, "totp_required_roles: unknown role '" + name + "'");
    p.totp_required_roles.push_back(*role);
  }
  return p;
}

// This node's name among the nodes sharing a bucket: made once, kept in data_dir/node-id.
static Result<std::string> node_id(const Config& config) {
  auto path = config.data_dir / "node-id";
  std::string id;
  if (std::ifstream in(path); in) std::getline(in, id);
  if (!id.empty()) return id;
  id = auth::random_token(12);
  std::ofstream out(path);
  out << id << "\n";
  if (!out) return fail(ErrorCode::OutOfResources, "cannot write " + path.string());
  return id;
}

// A secret kept in a file: its first line without trailing blanks; empty when it cannot be read.
static std::string first_line_of(const std::filesystem::path& path) {
  std::string line;
  if (std::ifstream in(path); in) std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  return line;
}

// The security module holding radiologists' signing keys, logged in; null when none is configured.
static Result<std::shared_ptr<pdf::Pkcs11Token>> security_module(const Config& config) {
  if (config.report_pkcs11_module.empty() && config.report_pkcs11_token.empty() && config.report_pkcs11_pin_file.empty())
    return std::shared_ptr<pdf::Pkcs11Token>();
  if (config.report_pkcs11_module.empty() || config.report_pkcs11_token.empty() || config.report_pkcs11_pin_file.empty())
    return fail(ErrorCode::InvalidArgument, "a security module for signing keys needs report_pkcs11_module, "
                                            "report_pkcs11_token and report_pkcs11_pin_file, all three");
  const std::string pin = first_line_of(config.report_pkcs11_pin_file);
  if (pin.empty())
    return fail(ErrorCode::InvalidArgument, "report_pkcs11_pin_file " + config.report_pkcs11_pin_file.string() +
                                                " is empty or unreadable");
  auto token = pdf::Pkcs11Token::open(config.report_pkcs11_module.string(), config.report_pkcs11_token, pin);
  if (!token) return fail(ErrorCode::InvalidArgument, "report_pkcs11_module: " + token.error().detail);
  return token;
}

// The passphrase that encrypts the report-signing keys in the database: the configured file's
// first line, or one made on first start in data_dir, created readable by this user only.
static Result<std::string> report_key_passphrase(const Config& config) {
  const bool made_here = config.report_key_passphrase_file.empty();
  const auto path = made_here ? config.data_dir / "report-keys.passphrase" : config.report_key_passphrase_file;
  std::string secret = first_line_of(path);
  if (!secret.empty()) return secret;
  if (!made_here) return fail(ErrorCode::InvalidArgument, "report_key_passphrase_file " + path.string() + " is empty or unreadable");
  secret = auth::random_token(32) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::OutOfResources, "cannot create " + path.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return fail(ErrorCode::OutOfResources, "cannot write " + path.string());
  secret.pop_back();
  return secret;
}

Result<std::unique_ptr<BlobStore>> open_blob_store(const Config& config) {
  if (config.blob_store.empty()) {
    auto fs_store = FsBlobStore::open(config.blob_dir());
    if (!fs_store) return std::unexpected(fs_store.error());
    return std::unique_ptr<BlobStore>(std::move(*fs_store));
  }
  auto settings = parse_s3_settings(config.blob_store, config.s3_endpoint, config.s3_region, config.s3_credentials_file);
  if (!settings) return std::unexpected(settings.error());
  auto node = node_id(config);
  if (!node) return std::unexpected(node.error());
  auto s3 = S3BlobStore::open(std::move(*settings), config.s3_cache_dir(), config.s3_cache_mb << 20, *node);
  if (!s3) return std::unexpected(s3.error());
  return std::unique_ptr<BlobStore>(std::move(*s3));
}

void route_events(events::Outbox& outbox) {
  outbox.route("study.deleted", annotations::Annotations::kConsumer);
  outbox.route("study.deleted", ai::Findings::kConsumer);
  // What the open calendars, worklists and order lists show at once, on every node.
  for (const char* topic : {ris::kOrderCreated, ris::kOrderCancelled, ris::kAppointmentBooked,
                            ris::kAppointmentMoved, ris::kAppointmentCancelled, ris::kPatientArrived,
                            ris::kPatientNoShow, ris::kExamStarted, ris::kExamAcquired, ris::kExamDiscontinued, ris::kReaderAssigned,
                            ris::kRequestCreated, ris::kRequestConfirmed, ris::kRequestDeclined, ris::kRequestReopened,
                            ris::kPatientUpdated, ris::kPatientMerged, ris::kPatientUnmerged,
                            ris::kImagesLinked, ris::kStudyUnmatched, "study.patient_changed",
                            // and what the UPS-RS event channels tell, on whichever node they are
                            ris::kWorkitemCancelRequested, ris::kWorkitemSubscribed,
                            // the reading worklists and open reports
                            ris::kReadingClaimed, ris::kReadingReleased, reporting::kReportPreliminary,
                            reporting::kReportSigned, reporting::kReportAmended, reporting::kCriticalFlagged,
                            reporting::kCriticalCommunicated, reporting::kCriticalEscalated})
    outbox.broadcast(topic);
  // A merge's studies follow it into the archive (their files rewritten to name the patient kept).
  outbox.route(ris::kPatientMerged, kPatientMovesConsumer);
  outbox.route(ris::kPatientUnmerged, kPatientMovesConsumer);
  // Each study that arrives finds its order (or waits to be reconciled).
  outbox.route("study.received", kImageLinksConsumer);
  outbox.route(ris::kStudyReconciled, kImageLinksConsumer);
  outbox.route(ris::kOrderCreated, kImageLinksConsumer);  // images that came before their order
  // Each signed version of a report goes into its study as DICOM.
  // A signed version goes into the study when it is released: a held one reaches no one outside the
  // reading room before its time (the study is readable by the referrer and the patient).
  outbox.route(reporting::kReportReleased, kReportObjectsConsumer);
  outbox.route(reporting::kReportSigned, reporting::PeerReviews::kConsumer);
}

Result<Services> open_services(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return fail(ErrorCode::OutOfResources, "cannot create data_dir " + config.data_dir.string() + ": " + ec.message());
  Services s;
  if (config.database_url.empty()) s.db = std::make_unique<SqliteDatabase>(config.database_path());
  else s.db = std::make_unique<PgDatabase>(config.database_url);
  auto blobs = open_blob_store(config);
  if (!blobs) return std::unexpected(blobs.error());
  s.blobs = std::move(*blobs);
  const MigrationProgress progress = [](const std::string& domain, const Migration& m, size_t i, size_t n) {
    std::cerr << "migrating " << domain << ": " << i << "/" << n << " " << m.description << "\n";
  };
  s.writes = std::make_unique<WriteQueue>(*s.db, s.blobs.get());
  auto outbox = events::Outbox::open(*s.db, system_clock(), progress);
  if (!outbox) return std::unexpected(outbox.error());
  s.outbox = std::move(*outbox);
  route_events(*s.outbox);
  auto node = node_id(config);
  if (!node) return std::unexpected(node.error());
  s.dispatcher = std::make_unique<events::Dispatcher>(*s.db, *s.writes, *s.outbox, *node + "/" + std::to_string(::getpid()));
  s.dispatcher->listen_to(*s.writes);
  s.live = std::make_unique<events::LiveFeed>(*s.db);
  s.live->listen_to(*s.writes, *s.outbox);
  if (auto started = s.writes->start(); !started) return std::unexpected(started.error());
  auto archive = archive::Archive::open(*s.db, *s.blobs, *s.writes, *s.outbox, config.duplicate_policy, progress);
  if (!archive) return std::unexpected(archive.error());
  s.archive = std::move(*archive);
  auto notes = annotations::Annotations::open(*s.db, *s.writes, progress);
  if (!notes) return std::unexpected(notes.error());
  s.annotations = std::move(*notes);
  auto findings = ai::Findings::open(*s.db, *s.writes, progress);
  if (!findings) return std::unexpected(findings.error());
  s.ai_findings = std::move(*findings);
  auto patients = ris::Patients::open(*s.db, *s.writes, config.ris_patients, progress);
  if (!patients) return std::unexpected(patients.error());
  s.ris_patients = std::move(*patients);
  s.ris_patients->publish_to(*s.outbox);
  auto catalogue = ris::Catalogue::open(*s.db, *s.writes, progress);
  if (!catalogue) return std::unexpected(catalogue.error());
  s.ris_catalogue = std::move(*catalogue);
  auto orders = ris::Orders::open(*s.db, *s.writes, *s.outbox, config.ris_orders, progress);
  if (!orders) return std::unexpected(orders.error());
  s.ris_orders = std::move(*orders);
  auto zone = TimeZone::named(config.clinic_time_zone);
  if (!zone) return std::unexpected(zone.error());
  auto schedule = ris::Schedule::open(*s.db, *s.writes, *s.outbox, std::move(*zone), system_clock(), progress);
  if (!schedule) return std::unexpected(schedule.error());
  s.ris_schedule = std::move(*schedule);
  auto exams = ris::Exams::open(*s.db, *s.writes, *s.outbox, s.ris_schedule->zone(), system_clock(), progress);
  if (!exams) return std::unexpected(exams.error());
  s.ris_exams = std::move(*exams);
  auto steps = ris::ProcedureSteps::open(*s.db, s.ris_schedule->zone());
  if (!steps) return std::unexpected(steps.error());
  s.ris_steps = std::move(*steps);
  auto performed = ris::PerformedSteps::open(*s.db, *s.writes, *s.outbox, s.ris_schedule->zone(), system_clock(), progress);
  if (!performed) return std::unexpected(performed.error());
  s.ris_performed = std::move(*performed);
  auto links = ris::ImageLinks::open(*s.db, *s.writes, *s.outbox, progress);
  if (!links) return std::unexpected(links.error());
  s.ris_image_links = std::move(*links);
  auto workitems = ris::Workitems::open(*s.db, *s.writes, *s.outbox, s.ris_schedule->zone(), system_clock(), progress);
  if (!workitems) return std::unexpected(workitems.error());
  s.ris_workitems = std::move(*workitems);
  s.workitem_events = std::make_unique<api::dicomweb::WorkitemEvents>(*s.ris_workitems, *s.live);
  auto reading = ris::Reading::open(*s.db, *s.writes, *s.outbox, progress);
  if (!reading) return std::unexpected(reading.error());
  s.ris_reading = std::move(*reading);
  auto keys = reporting::SigningKeys::open(*s.db, *s.writes, progress);
  if (!keys) return std::unexpected(keys.error());
  s.signing_keys = std::move(*keys);
  auto passphrase = report_key_passphrase(config);
  if (!passphrase) return std::unexpected(passphrase.error());
  reporting::PdfSignerOptions signing;
  signing.clinic_name = config.clinic_name;
  signing.clinic_address = config.clinic_address;
  signing.clinic_city = config.clinic_city;
  signing.language = config.report_language;
  signing.key_passphrase = *passphrase;
  if (!config.report_tsa_url.empty())
    signing.timestamp = [tsa = std::make_shared<net::TsaClient>(config.report_tsa_url)](std::string_view query) {
      return tsa->post(query);
    };
  signing.key_images = key_image_source(*s.archive);
  if (!config.report_trusted_ca_file.empty()) {
    std::ifstream in(config.report_trusted_ca_file, std::ios::binary);
    signing.trusted_ca_pem.assign(std::istreambuf_iterator<char>(in), {});
    auto count = pdf::certificates_in(signing.trusted_ca_pem);
    if (!in.good() && !in.eof()) count = fail(ErrorCode::InvalidArgument, "it cannot be read");
    if (count && *count == 0) count = fail(ErrorCode::InvalidArgument, "it holds no PEM certificate");
    if (!count)
      return fail(ErrorCode::InvalidArgument, "report_trusted_ca_file " + config.report_trusted_ca_file.string() + ": " +
                                                  count.error().detail);
  }
  if (config.report_revocation_check)
    signing.revocation = [](const std::string& url, std::string_view request) {
      return net::post_der(url, request, "application/ocsp-request", "application/ocsp-response",
                           "the certificate's revocation responder (" + url + ")", std::chrono::seconds(10));
    };
  auto token = security_module(config);
  if (!token) return std::unexpected(token.error());
  signing.token = std::move(*token);
  s.report_signer = std::make_unique<reporting::PdfSigner>(*s.signing_keys, s.ris_schedule->zone(), std::move(signing));
  if (auto checked = s.report_signer->check_keys(); !checked) return std::unexpected(checked.error());
  const reporting::ReleaseRule release{std::chrono::hours(config.sensitive_release_delay_h)};
  auto reports = reporting::Reports::open(*s.db, *s.writes, *s.outbox, *s.report_signer, release, system_clock(),
                                          progress);
  if (!reports) return std::unexpected(reports.error());
  s.reports = std::move(*reports);
  auto releases = reporting::Releases::open(*s.db, *s.writes, *s.outbox);
  if (!releases) return std::unexpected(releases.error());
  s.releases = std::move(*releases);
  auto stats = reporting::ReportingStats::open(*s.db);
  if (!stats) return std::unexpected(stats.error());
  s.reporting_stats = std::move(*stats);
  s.peer_reviews = reporting::PeerReviews::open(*s.db, *s.writes, config.peer_review_percent);
  s.templates = reporting::Templates::open(*s.db, *s.writes);
  s.dispatcher->handle(reporting::PeerReviews::kConsumer,
                       [reviews = s.peer_reviews.get()](const events::Event& e) { return reviews->offer(e); });
  s.critical_results = reporting::CriticalResults::open(
      *s.db, *s.writes, *s.outbox,
      config.critical_findings.empty() ? reporting::default_critical_findings() : config.critical_findings);
  auto merges = ris::Merges::open(*s.db, *s.writes, *s.outbox, progress);
  if (!merges) return std::unexpected(merges.error());
  s.ris_merges = std::move(*merges);
  s.dispatcher->handle(annotations::Annotations::kConsumer, [notes = s.annotations.get()](const events::Event& e) {
    return notes->forget_study(e.id("study"), e.id("deleted_at"));
  });
  s.dispatcher->handle(ai::Findings::kConsumer, [found = s.ai_findings.get()](const events::Event& e) {
    return found->forget_study(e.id("study"), e.id("deleted_at"));
  });
  auto policy = auth_policy(config);
  if (!policy) return std::unexpected(policy.error());
  auto auth = auth::AuthService::open(*s.db, *s.writes, *policy, system_clock(), progress);
  if (!auth) return std::unexpected(auth.error());
  s.auth = std::move(*auth);
  auto audit = audit::AuditLog::open(*s.db, *s.writes, progress);
  if (!audit) return std::unexpected(audit.error());
  s.audit = std::move(*audit);
  s.dispatcher->handle(kPatientMovesConsumer, patient_moves(*s.archive, *s.ris_patients, *s.ris_merges, *s.audit, *s.dispatcher));
  s.dispatcher->handle(kImageLinksConsumer, image_links(*s.archive, *s.ris_image_links, *s.audit));
  s.dispatcher->handle(kReportObjectsConsumer, report_objects(*s.archive, *s.reports, *s.ris_patients, *s.audit,
                                                              s.ris_schedule->zone(), config.clinic_name,
                                                              config.report_language));
  if (!config.audit_syslog.empty()) {
    auto sender = net::SyslogSender::open(config.audit_syslog, config.audit_syslog_ca);
    if (!sender) return std::unexpected(sender.error());
    s.syslog = std::move(*sender);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    s.audit->set_sink([sender = s.syslog.get(), hostname = std::string(host)](const audit::AuditEvent& e) {
      sender->send(api::atna::syslog_line(e, hostname));
    });
  }
  s.archive->set_min_free_bytes(config.min_free_space_mb << 20);
  s.archive->set_removal_delay(config.shared_removal_delay_s);
  s.dicomweb = {config.dicomweb_public_url, config.http_tls ? "https" : "http", config.stow_max_bytes,
                config.stow_max_part_bytes};
  s.web_root = config.web_root.empty() ? api::web::default_web_root() : config.web_root;
  s.web_settings.image_cache_bytes = config.viewer_image_cache_mb << 20;
  static constexpr const char* kCallers[] = {"loopback", "refuse", "accept"};
  s.dicom = {config.dicom.aet, config.dicom.port, config.dicom.tls_port,
             kCallers[static_cast<int>(config.dicom.unknown_callers)], config.dicom.peers,
             [aet = config.dicom.aet, timeout = config.dicom.acse_timeout_s](const net::DicomPeer& peer) {
               return net::dicom_echo(aet, peer, timeout);
             }};
  return s;
}

void build_router(Services& s, http::Router& router) {
  api::register_system_routes(router, *s.archive, *s.outbox, *s.writes, s.dicom);
  api::register_archive_routes(router, *s.archive);
  api::register_study_document_routes(router, *s.archive, *s.annotations, *s.ai_findings);
  api::register_auth_routes(router, *s.auth, *s.audit);
  api::register_ris_routes(router, *s.ris_patients);
  api::register_catalogue_routes(router, *s.ris_catalogue);
  api::register_order_routes(router, *s.ris_orders, *s.ris_patients, *s.ris_performed);
  api::register_schedule_routes(router, *s.ris_schedule, s.clinic_region);
  api::register_request_routes(router, *s.ris_schedule);
  api::register_merge_routes(router, *s.ris_merges, *s.ris_patients, *s.archive);
  api::register_worklist_routes(router, *s.ris_schedule, *s.ris_exams, *s.live, *s.auth);
  api::register_reconciliation_routes(router, *s.ris_image_links);
  api::register_reporting_routes(router, *s.ris_reading, *s.reports, *s.report_signer, *s.auth, *s.archive,
                                 *s.releases);
  api::register_critical_routes(router, *s.critical_results);
  api::register_turnaround_routes(router, *s.reporting_stats);
  api::register_peer_review_routes(router, *s.peer_reviews);
  api::register_template_routes(router, *s.templates);
  api::dicomweb::register_qido_routes(router, *s.archive, s.dicomweb);
  api::dicomweb::register_wado_routes(router, *s.archive, s.dicomweb);
  api::dicomweb::register_rendered_routes(router, *s.archive, s.render_cache.get());
  api::dicomweb::register_stow_routes(router, *s.archive, s.dicomweb);
  api::dicomweb::register_ups_routes(router, *s.ris_workitems, *s.ris_schedule, *s.workitem_events, s.dicomweb);
  api::dicomweb::register_capabilities_route(router, s.dicomweb);
  api::install_security(router, *s.auth, *s.audit);
  api::web::register_web_app(router, s.web_root, s.web_settings);
}

namespace {
// A fresh installation gets one admin with a generated password, printed once: never a
// fixed default password (OWASP ASVS 2.5.x).
void create_first_admin(Services& s) {
  auto n = s.auth->count_users();
  if (!n || *n > 0) return;
  auto generated = auth::generate_password("admin", s.auth->policy().password_min_length);
  if (!generated) {
    spdlog::error("cannot create the first admin: {}", generated.error().message());
    return;
  }
  const std::string password = *generated;
  auto u = s.auth->add_user({"admin", "Administrator", password, {access::Role::Admin}, "", ""});
  if (!u) {
    spdlog::error("cannot create the first admin: {}", u.error().message());
    return;
  }
  audit::AuditEvent e;
  e.actor = "vireo";
  e.actor_role = "system";
  e.action = "create";
  e.resource = "user admin";
  e.detail = "first admin of a new installation";
  s.audit->record(std::move(e));
  std::cout << "First start: created the user 'admin' with the password\n\n    " << password
            << "\n\nIt is shown only this once. Sign in with it; the admin role also needs a TOTP "
               "authenticator (POST /api/auth/totp).\nAnother password: vireo user passwd admin; a token for "
               "scripts and DICOMweb tools: vireo token create admin --name WHAT\n\n";
}

// Started with stdin, stdout or stderr closed, the first connections would get those numbers:
// dcmnet takes no socket numbered 0, and a log line would go to a caller. /dev/null holds them.
void open_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd)
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) (void)::open("/dev/null", O_RDWR);
}

// Every connection holds a descriptor (a DICOM caller still negotiating, two), and the usual
// soft limit of 1024 is reached long before the memory or the threads run out: take what the
// hard limit allows.
void raise_open_file_limit() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return;
  rlim_t wanted = std::min<rlim_t>(files.rlim_max, 1 << 16);
  if (files.rlim_cur >= wanted) return;
  files.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_NOFILE, &files) != 0) spdlog::warn("cannot raise the open-file limit; fewer connections fit");
}
}  // namespace

int serve(const Config& config) {
  open_standard_descriptors();
  raise_open_file_limit();
  // Signals are taken synchronously by this thread; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Before data_dir's default became the installation's var/, it was ./var: an archive left
  // there by an older version is named, not silently replaced by an empty one.
  std::error_code ec;
  const auto here = std::filesystem::current_path(ec) / "var";
  if (!ec && std::filesystem::exists(here / "index.sqlite") &&
      std::filesystem::weakly_canonical(here, ec) != std::filesystem::weakly_canonical(config.data_dir, ec))
    spdlog::warn("an archive is in {}, but this server uses {}; to keep using the first, set data_dir = {}", here.string(),
                 config.data_dir.string(), here.string());

  // One server per data folder: a second one would break the crash marker below.
  std::filesystem::create_directories(config.data_dir, ec);
  int lock_fd = ::open((config.data_dir / "server.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    spdlog::error("another vireo serve is using {} (or it is not writable); stop it or set data_dir",
                  config.data_dir.string());
    return 1;
  }

  auto services = open_services(config);
  if (!services) {
    spdlog::error("cannot open the archive: {}", services.error().message());
    return 1;
  }
  archive::Archive& archive = *services->archive;

  // A marker that exists while the server runs: found at start, the last run crashed, so
  // look for files written but never indexed (and for index rows without files).
  auto marker = config.data_dir / "server.running";
  if (std::filesystem::exists(marker, ec)) {
    spdlog::warn("the previous run did not stop cleanly; checking the archive");
    auto report = archive.check_integrity(false, true);
    if (!report) {
      spdlog::error("integrity check failed: {}", report.error().message());
    } else {
      spdlog::info("integrity check: {} instances, {} orphan files removed, {} queued for removal, {} missing, {} damaged",
                   report->instances_checked, report->orphans_removed, report->orphans_queued, report->missing_blobs.size(),
                   report->corrupt_blobs.size());
    }
  } else {
    services->blobs->clear_temp();
  }
  std::ofstream(marker) << ::getpid() << "\n";

  create_first_admin(*services);
  if (config.render_cache_mb > 0) {
    auto cache = FileCache::open(config.render_cache_dir(), config.render_cache_mb << 20);
    if (!cache) {
      spdlog::error("{} (set render_cache_mb=0 to run without the rendered-frame cache)", cache.error().message());
      return 1;
    }
    services->render_cache = std::move(*cache);
    archive.on_blob_removed([cache = services->render_cache.get()](const std::string& key) { cache->drop_group(key); });
  }

  services->clinic_region = config.clinic_region;
  http::Router router;
  build_router(*services, router);
  router.set_cors_origins(config.cors_origins);
  http::HttpServerOptions http_options;
  http_options.host = config.http_host;
  http_options.port = config.http_port;
  http_options.max_body_bytes = config.http_max_body_bytes;
  http_options.threads = config.http_threads;
  http_options.header_timeout = std::chrono::seconds(config.http_header_timeout_s);
  http_options.idle_timeout = std::chrono::seconds(config.http_idle_timeout_s);
  http_options.trusted_proxies = config.trusted_proxies;
  std::string tls_note;
  net::DimseTls dimse_tls;
  if (config.http_tls || config.dicom.tls_port != 0) {
    auto files = config.tls_certificate.empty() ? http::ensure_self_signed(config.data_dir / "tls")
                                                : Result<http::TlsFiles>(http::TlsFiles{config.tls_certificate,
                                                                                        config.tls_private_key, {}});
    if (files && files->sha256_fingerprint.empty()) {
      auto fp = http::certificate_fingerprint(files->certificate);
      if (fp) files->sha256_fingerprint = *fp;
      else files = std::unexpected(fp.error());
    }
    if (!files) {
      spdlog::error("{}", files.error().message());
      std::filesystem::remove(marker, ec);
      return 1;
    }
    if (config.http_tls) {
      http_options.tls_certificate = files->certificate;
      http_options.tls_private_key = files->private_key;
    }
    dimse_tls = {files->certificate, files->private_key, config.dicom_tls_client_ca};
    tls_note = "  TLS:    certificate " + std::filesystem::absolute(files->certificate).string() + "\n          SHA-256 " +
               files->sha256_fingerprint + "\n";
  }
  services->live->start();  // before the first stream can open
  services->workitem_events->start();
  http::HttpServer http(http_options, router);
  if (auto s = http.start(); !s) {
    spdlog::error("{}", s.error().message());
    std::filesystem::remove(marker, ec);
    return 1;
  }
  net::set_outgoing_connect_timeout(config.dicom.acse_timeout_s);
  net::DimseServer dimse(config.dicom, *services->audit);
  dimse.add(api::dimse::worklist_service(*services->ris_steps));
  dimse.add(api::dimse::performed_step_service(*services->ris_performed));
  api::dimse::add_archive_services(dimse, archive, config.dicom);
  dimse.set_tls(dimse_tls);
  if (auto s = dimse.start(); !s) {
    spdlog::error("{}", s.error().message());
    http.stop();
    std::filesystem::remove(marker, ec);
    return 1;
  }

  auto stats = archive.stats();
  std::cout << "Vireo is running.\n"
            << "  HTTP:   " << (config.http_tls ? "https://" : "http://")
            << (config.http_host == "0.0.0.0" ? "localhost" : config.http_host) << ":" << http.port()
            << "/  (REST API under /api, /healthz, /metrics)\n"
            << tls_note
            << "  DICOM:  AE title " << config.dicom.aet << ", port " << config.dicom.port
            << (config.dicom.tls_port ? ", TLS port " + std::to_string(config.dicom.tls_port) : std::string()) << "\n"
            << "  Data:   " << std::filesystem::absolute(config.data_dir).string()
            << (config.database_url.empty() ? " (index.sqlite" : " (index in PostgreSQL: database_url")
            << (config.blob_store.empty() ? ", blobs/)" : "; files in " + config.blob_store + ", local copies in s3-cache/)")
            << "\n"
            << "  Stored: " << (stats ? stats->instances : 0) << " instances in " << (stats ? stats->studies : 0)
            << " studies\n"
            << "Stop with Ctrl-C (or SIGTERM).\n"
            << std::flush;

  services->dispatcher->start();
  // On a bucket several nodes share, blobs given up are removed an hour later (Archive::sweep_removals).
  std::jthread sweeper;
  if (services->blobs->shared())
    sweeper = std::jthread([&archive](std::stop_token stop) {
      std::mutex m;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        if (auto n = archive.sweep_removals(); !n) spdlog::warn("removing given-up blobs: {}", n.error().message());
        else if (*n > 0) spdlog::info("removed {} blobs given up earlier (shared_removal_delay)", *n);
        std::unique_lock lock(m);
        cv.wait_for(lock, stop, std::chrono::minutes(5), [] { return false; });
      }
    });

  // Critical results not communicated in time escalate, and held reports are released when
  // their time comes (on whichever node looks first).
  const auto escalation = std::chrono::seconds(config.critical_result_escalation_s);
  std::jthread escalator([&critical = *services->critical_results, &releases = *services->releases,
                          escalation](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    const auto every = std::clamp<std::chrono::seconds>(escalation / 4, std::chrono::seconds(1), std::chrono::seconds(60));
    while (!stop.stop_requested()) {
      if (auto n = critical.escalate_due(escalation); !n) spdlog::warn("escalating critical results: {}", n.error().message());
      else if (*n > 0) spdlog::warn("{} critical results not yet communicated escalated", *n);
      if (auto n = releases.release_due(); !n) spdlog::warn("releasing held reports: {}", n.error().message());
      else if (*n > 0) spdlog::info("{} held reports released", *n);
      std::unique_lock lock(m);
      cv.wait_for(lock, stop, every, [] { return false; });
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  if (sweeper.joinable()) {
    sweeper.request_stop();
    sweeper.join();
  }
  escalator.request_stop();
  escalator.join();
  spdlog::info("signal {} received: stopping", sig);
  services->live->stop();  // open event streams end first: the server does not wait on them
  services->workitem_events->stop();  // (its channels are told the node goes down)
  http.stop();
  bool dimse_ended = dimse.stop();
  // The audit trail's events first (nothing after the listeners stop records any), then event
  // deliveries end, then the write queue finishes what is queued.
  (void)services->audit->flush();
  services->dispatcher->stop();
  services->writes->stop();
  if (!dimse_ended) {
    // A DICOM thread still uses the archive: it must not be torn down under it. The marker
    // stays, so the next start checks the archive.
    spdlog::error("stopped with DICOM work still running; the next start checks the archive");
    std::_Exit(1);
  }
  std::filesystem::remove(marker, ec);
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace vireo::app
