#include "app/config.hpp"

#include "core/time_zone.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>

#include <arpa/inet.h>

#include "core/strings.hpp"
#include "ris/orders.hpp"
#include "ris/patient_rules.hpp"

namespace vireo {

const std::vector<ConfigOption>& config_options() {
  static const std::vector<ConfigOption> options = {
      {"data_dir", "var",
       "Folder for the index database (index.sqlite) and the blob store (blobs/). A relative path is taken "
       "from the folder of the file that sets it (from the current folder in VIREO_DATA_DIR or --data-dir); "
       "unset, var/ in the installation (beside the folder of the vireo binary), whatever the current folder."},
      {"database_url", "",
       "PostgreSQL for every table instead of SQLite under data_dir: a libpq URI such as "
       "postgresql://vireo@db.example.org/vireo (a password is best kept in ~/.pgpass or PGPASSWORD, not "
       "here). Unset: SQLite, nothing to install. Several nodes may share one database, with one blob_store "
       "bucket."},
      {"blob_store", "",
       "Where the DICOM files are kept: s3://bucket/prefix puts them in an S3-compatible object store (AWS "
       "S3, MinIO, Ceph RGW), with s3_endpoint, s3_region and credentials from AWS_ACCESS_KEY_ID and "
       "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) or s3_credentials_file. Unset: files under "
       "data_dir/blobs."},
      {"s3_endpoint", "",
       "The object store's address, such as http://minio.example.org:9000 (path-style requests). Unset: "
       "AWS S3 in s3_region (virtual-hosted requests)."},
      {"s3_region", "us-east-1", "The bucket's region (the one the requests are signed for)."},
      {"s3_credentials_file", "",
       "A file in the AWS credentials format (aws_access_key_id, aws_secret_access_key in [default] or "
       "in the section AWS_PROFILE names), used when AWS_ACCESS_KEY_ID is not set."},
      {"shared_removal_delay", "3600",
       "Seconds an object given up (its instance deleted, replaced or refused) stays in a blob_store bucket "
       "before it is removed, if no index row names it by then and nobody wrote it since: another node may be "
       "storing the same content under the same key at that moment."},
      {"s3_cache_mb", "10240",
       "Disk under data_dir/s3-cache for copies of objects read from the store (and the files just "
       "stored), so that a study being read is fetched once; least recently used copies go first."},
      {"http_host", "127.0.0.1",
       "Address the HTTP(S) server binds to: loopback by default; 0.0.0.0 (with a real certificate) to "
       "serve the network."},
      {"http_port", "8080", "HTTP(S) port (REST API, /healthz, /metrics)."},
      {"http_tls", "on",
       "Serve HTTPS (on) or plain HTTP (off: only behind a TLS-terminating reverse proxy on the same host)."},
      {"tls_certificate", "",
       "PEM certificate chain for HTTPS. Empty: a self-signed certificate is generated once under "
       "data_dir/tls (fine for a single machine; use your own for a network)."},
      {"tls_private_key", "", "PEM private key of tls_certificate."},
      {"http_max_body_bytes", "67108864",
       "Largest accepted HTTP request body, in bytes (STOW-RS has its own limits below)."},
      {"stow_max_bytes", "8589934592",
       "Largest STOW-RS request, in bytes (streamed to disk, never held in memory); larger ones are answered "
       "413. Clients split bigger studies over several requests."},
      {"stow_max_part_bytes", "4294967296", "Largest single instance (multipart part) in a STOW-RS request, in bytes."},
      {"http_header_timeout", "10",
       "Seconds from the first byte of an HTTP request to the end of its headers; a slower client is "
       "disconnected."},
      {"http_idle_timeout", "60",
       "Seconds a kept-alive HTTP connection may wait for its next request, and a request body may go "
       "without receiving data, before the connection is closed."},
      {"http_threads", "0",
       "HTTP worker threads; 0 means two per CPU core, at least 4 (handlers wait on the disk and on "
       "index commits, so more threads than cores keep the others serving)."},
      {"aet", "VIREO", "The archive's DICOM Application Entity title."},
      {"dicom_port", "11112", "DICOM (DIMSE) port; listens on all IPv4 interfaces."},
      {"dicom_tls_port", "0",
       "DICOM TLS port (2762 is the registered one); 0 for none. Uses tls_certificate/tls_private_key "
       "(or the self-signed certificate), BCP 195 profile."},
      {"dicom_tls_client_ca", "",
       "PEM file of the CA (or certificates) whose client certificates DICOM TLS callers must present "
       "(node authentication, IHE ATNA). Empty: no client certificate required."},
      {"dicom_max_associations", "32", "Concurrent DICOM associations; more are rejected (transient)."},
      {"dicom_max_pdu", "131072", "Largest PDU the archive receives, in bytes."},
      {"dicom_acse_timeout", "5",
       "Seconds a DICOM caller has to send its whole association request (and other negotiation "
       "messages); a caller that takes longer is disconnected and the attempt audited."},
      {"dicom_max_connecting_per_address", "16",
       "Connections from one network address that may be sending their association request at the same "
       "time; more are closed at once. (Everyone together: at most 256; the address of a configured peer "
       "only counts towards that.) Negotiation takes milliseconds, so only a stalled or hostile caller "
       "reaches this."},
      {"dicom_dimse_timeout", "60", "Seconds to wait for a DIMSE message before giving up on a peer."},
      {"dicom_storage_transfer_syntaxes", "",
       "When a sender proposes several transfer syntaxes for one image, the ones to accept first, "
       "comma-separated UIDs, most preferred first (e.g. 1.2.840.10008.1.2.1 to have images sent "
       "uncompressed). Empty: the sender's own order, so that a scanner offering JPEG Lossless before "
       "uncompressed sends compressed and the archive stores it that way."},
      {"peers", "",
       "Known DICOM peers, comma-separated AET@host:port (e.g. CT1@10.0.0.7:104,WS1@10.0.0.5:104): "
       "C-MOVE destinations, and callers admitted from that host only."},
      {"dicom_unknown_callers", "loopback",
       "Associations from AE titles that are not in peers: loopback (only from this machine), refuse, "
       "or accept (any caller; for closed networks only)."},
      {"duplicate_policy", "keep_first",
       "When an instance arrives again with different content: keep_first (refuse it with status "
       "0111) or overwrite. Identical re-sends always succeed."},
      {"mrn_pattern", "{seq:8}",
       "How new patients' MRNs (their DICOM Patient ID) are made: {seq:N} is a counter padded to N "
       "digits, {yyyy} the year, other text kept (e.g. VIR{yyyy}{seq:6})."},
      {"mrn_issuer", "VIREO",
       "The Issuer of Patient ID of the MRNs this clinic makes (DICOM (0010,0021), HL7 PID-3.4)."},
      {"accession_pattern", "{yyyy}{seq:7}",
       "How orders' accession numbers (DICOM (0008,0050), at most 16 characters) are made: as "
       "mrn_pattern."},
      {"clinic_time_zone", "",
       "The clinic's time zone, an IANA name (Europe/Madrid, America/New_York): opening hours and "
       "appointments are its wall-clock times (stored in UTC). Empty: this machine's zone. Every "
       "node of a cluster must say the same."},
      {"clinic_region", "",
       "The clinic's country or region, two letters of ISO 3166 (ES, GB, US): the browser app "
       "writes dates, times and numbers its way (day first in Spain) in whatever language each "
       "reader chose. Empty: each browser's own region."},
      {"clinic_name", "Vireo",
       "The clinic's name, printed at the head of every signed report and in its certificate authority."},
      {"clinic_address", "",
       "The lines printed under the clinic's name on reports (address, telephone, web), separated by |."},
      {"clinic_city", "",
       "Where reports are signed: the signature's location (for example Barcelona)."},
      {"report_language", "en",
       "The language of the labels printed on reports (en, es, ca); the report's own text is as written."},
      {"critical_findings", "",
       "The clinic's list of critical findings, separated by |: what a radiologist may flag as a critical "
       "result, to be communicated and recorded. Empty: ACR's examples (tension pneumothorax, intracranial "
       "haemorrhage, pulmonary embolism...)."},
      {"critical_result_escalation_s", "3600",
       "Seconds a critical result may stay uncommunicated before it escalates (an event through the "
       "outbox, again every as many seconds until its communication is recorded)."},
      {"sensitive_release_delay_h", "0",
       "Hours a signed report with a sensitive result (BI-RADS 4-6, Lung-RADS 4, TI-RADS TR5, LI-RADS LR-5/M/TIV, "
       "PI-RADS 4-5, a TNM stage, or a critical result flagged) is held before it is released to the referrer and "
       "the patient, so that the referrer can tell the patient first; a radiologist may release it earlier. 0: "
       "every report is released when signed."},
      {"report_tsa_url", "",
       "An RFC 3161 time-stamping authority (http:// or https://): each report signature is time-stamped by "
       "it (PAdES B-T), and signing waits for it. Empty: signatures carry the signer's own time (PAdES B-B)."},
      {"report_trusted_ca_file", "",
       "A PEM file of certification authorities trusted besides the clinic's own: those that issued the "
       "certificates radiologists bring to sign with (PKCS#12, on their account page), and the time-stamping "
       "authority's. Signatures are checked against them and the clinic's CA. Empty: the clinic's CA only."},
      {"report_revocation_check", "true",
       "Whether a certificate a radiologist brings (PKCS#12, or on the security module) is checked with "
       "the OCSP responder its authority names in it, when chosen and before each signature: a revoked "
       "one is refused, and signing waits for the answer (kept until its next update) and is refused "
       "while the responder cannot be reached. Certificates that name no responder, and the clinic's "
       "own, are not asked about."},
      {"report_pkcs11_module", "",
       "The PKCS#11 library (.so) of a hardware security module holding radiologists' signing keys (a "
       "network HSM every node reaches, or a smart card reader on a single node), e.g. "
       "/usr/lib/softhsm/libsofthsm2.so. Radiologists choose their key on it on their account page; it "
       "never leaves the module. Empty: none."},
      {"report_pkcs11_token", "",
       "The label of the token, in report_pkcs11_module, whose keys and certificates radiologists sign "
       "with. Required with report_pkcs11_module."},
      {"report_pkcs11_pin_file", "",
       "A file whose first line is that token's user PIN (readable by the server only). Required with "
       "report_pkcs11_module."},
      {"peer_review_percent", "0",
       "The share, in percent, of signed reports offered to a second radiologist for peer review (RADPEER "
       "scores); chosen by accession number. 0: none."},
      {"report_key_passphrase_file", "",
       "A file whose first line encrypts the keys that sign reports, kept in the database. Empty: "
       "data_dir/report-keys.passphrase, made on first start. Every node of a cluster must read the same."},
      {"default_encoding", "ISO_IR 100",
       "Character set (a Specific Character Set defined term, e.g. ISO_IR 100 for Latin-1, ISO_IR 101, "
       "ISO_IR 144, GB18030) of text in files that declare none but are not ASCII; text that is valid "
       "UTF-8 is read as UTF-8 whatever this says. Empty: such text keeps its ASCII and the rest is "
       "replaced."},
      {"min_free_space_mb", "100",
       "Refuse new instances (DICOM status A700, HTTP 507) when the blob store has less free space, "
       "in MiB, so that the disk never fills up under the index."},
      {"render_cache_mb", "2048",
       "Disk space, in MiB, for rendered frames and thumbnails kept under data_dir/cache/rendered (least "
       "recently used go first); 0 turns the cache off."},
      {"web_root", "",
       "Folder of the built browser application (index.html, assets/), served at /. Empty: web/dist "
       "beside the folder that holds the vireo binary (the source tree's, after make run)."},
      {"viewer_image_cache_mb", "1024",
       "Memory, in MiB, that the browser viewer keeps decoded images in (least recently used go first), "
       "per browser tab: lower it for workstations with little memory."},
      {"log_level", "info", "trace, debug, info, warn, error."},
      {"trusted_proxies", "",
       "IP addresses of reverse proxies in front of the HTTP port (comma-separated): a request from one is taken "
       "as from the address its X-Forwarded-For names (the nearest that is not a listed proxy), for the audit "
       "trail, sign-in lockouts and signatures. Empty: the header is ignored and the peer's address is used."},
      {"cors_origins", "",
       "Web origins allowed to call the API and DICOMweb from their pages (comma-separated, e.g. "
       "https://viewer.example.org, or * for any). Empty: same origin only. Cookies never cross origins; "
       "such pages use bearer tokens."},
      {"dicomweb_public_url", "",
       "The DICOMweb root as clients reach it (e.g. https://pacs.example.org/dicom-web), for the URLs in "
       "answers behind a reverse proxy. Empty: https://<Host header>/dicom-web."},
      {"audit_syslog", "",
       "Also send every audit event as a DICOM PS3.15 audit message over syslog (RFC 5424) to an audit "
       "repository: udp://host:514, tcp://host:601 or tls://host:6514 (IHE ATNA). Empty: only the "
       "database trail."},
      {"audit_syslog_ca", "", "For tls:// syslog: the CA file that signed the collector's certificate "
                              "(empty: the system's CAs)."},
      {"password_min_length", "12", "Shortest password accepted (NIST SP 800-63B: at least 8; long passphrases are best)."},
      {"login_max_failures", "5", "Failed sign-ins in a row after which an account is locked."},
      {"login_lockout_minutes", "15",
       "How long a locked account stays locked; an admin can unlock it sooner (vireo user unlock)."},
      {"login_max_failures_per_address", "20",
       "Failed sign-ins from one network address within login_lockout_minutes after which that address "
       "must wait."},
      {"session_idle_minutes", "30", "A browser session ends after this long without a request."},
      {"session_absolute_hours", "12", "A browser session ends this long after sign-in, whatever the activity."},
      {"totp_required_roles", "admin,radiologist",
       "Roles that must use a TOTP second factor (comma-separated; empty for none)."},
  };
  return options;
}

namespace {
template <typename T>
Status parse_number(const std::string& key, const std::string& value, T& out, T min, T max) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || v < static_cast<long long>(min) ||
      v > static_cast<long long>(max)) {
    return fail(ErrorCode::InvalidArgument, key + " must be a whole number from " +
                                                std::to_string(min) + " to " + std::to_string(max) +
                                                ", not '" + value + "'");
  }
  out = static_cast<T>(v);
  return {};
}

Status parse_bool(const std::string& key, const std::string& value, bool& out) {
  auto v = to_lower_ascii(value);
  if (v == "true" || v == "1" || v == "yes" || v == "on") { out = true; return {}; }
  if (v == "false" || v == "0" || v == "no" || v == "off") { out = false; return {}; }
  return fail(ErrorCode::InvalidArgument, key + " must be on or off, not '" + value + "'");
}
}  // namespace

Status apply_setting(Config& cfg, const std::string& key, const std::string& value) {
  if (key == "data_dir") { cfg.data_dir = value; return {}; }
  if (key == "database_url") { cfg.database_url = value; return {}; }
  if (key == "blob_store") {
    if (!value.empty() && !value.starts_with("s3://"))
      return fail(ErrorCode::InvalidArgument, "blob_store must be empty (files under data_dir) or s3://bucket/prefix");
    cfg.blob_store = value;
    return {};
  }
  if (key == "s3_endpoint") { cfg.s3_endpoint = value; return {}; }
  if (key == "s3_region") { cfg.s3_region = value; return {}; }
  if (key == "s3_credentials_file") { cfg.s3_credentials_file = value; return {}; }
  if (key == "shared_removal_delay")
    return parse_number<int64_t>(key, value, cfg.shared_removal_delay_s, 1, int64_t{30} * 86400);
  if (key == "s3_cache_mb") return parse_number<uint64_t>(key, value, cfg.s3_cache_mb, 16, uint64_t{1} << 30);
  if (key == "http_host") { cfg.http_host = value; return {}; }
  if (key == "http_port") return parse_number<uint16_t>(key, value, cfg.http_port, 0, 65535);
  if (key == "http_max_body_bytes")
    return parse_number<size_t>(key, value, cfg.http_max_body_bytes, 1024, size_t{1} << 40);
  if (key == "stow_max_bytes")
    return parse_number<uint64_t>(key, value, cfg.stow_max_bytes, 1024, uint64_t{1} << 50);
  if (key == "stow_max_part_bytes")
    return parse_number<uint64_t>(key, value, cfg.stow_max_part_bytes, 1024, uint64_t{1} << 50);
  if (key == "http_header_timeout") return parse_number<int>(key, value, cfg.http_header_timeout_s, 1, 3600);
  if (key == "http_idle_timeout") return parse_number<int>(key, value, cfg.http_idle_timeout_s, 1, 86400);
  if (key == "http_tls") return parse_bool(key, value, cfg.http_tls);
  if (key == "tls_certificate") { cfg.tls_certificate = value; return {}; }
  if (key == "tls_private_key") { cfg.tls_private_key = value; return {}; }
  if (key == "http_threads") return parse_number<int>(key, value, cfg.http_threads, 0, 256);
  if (key == "aet") {
    if (value.empty() || value.size() > 16)
      return fail(ErrorCode::InvalidArgument, "aet must have 1 to 16 characters");
    cfg.dicom.aet = value;
    return {};
  }
  if (key == "dicom_port") return parse_number<uint16_t>(key, value, cfg.dicom.port, 0, 65535);
  if (key == "dicom_tls_port") return parse_number<uint16_t>(key, value, cfg.dicom.tls_port, 0, 65535);
  if (key == "dicom_tls_client_ca") { cfg.dicom_tls_client_ca = value; return {}; }
  if (key == "dicom_max_associations")
    return parse_number<int>(key, value, cfg.dicom.max_associations, 1, 1000);
  if (key == "dicom_max_pdu")
    return parse_number<uint32_t>(key, value, cfg.dicom.max_pdu, 4096, 131072);
  if (key == "dicom_acse_timeout") return parse_number<int>(key, value, cfg.dicom.acse_timeout_s, 1, 3600);
  if (key == "dicom_max_connecting_per_address")
    return parse_number<int>(key, value, cfg.dicom.max_connecting_per_address, 1, 256);
  if (key == "dicom_dimse_timeout") return parse_number<int>(key, value, cfg.dicom.dimse_timeout_s, 1, 3600);
  if (key == "dicom_storage_transfer_syntaxes") {
    cfg.dicom.storage_transfer_syntaxes.clear();
    for (const auto& item : split(value, ',')) {
      std::string uid(trim(item));
      if (uid.empty()) continue;
      if (uid.size() > 64 || uid.find_first_not_of("0123456789.") != std::string::npos)
        return fail(ErrorCode::InvalidArgument, key + ": '" + uid + "' is not a transfer syntax UID");
      cfg.dicom.storage_transfer_syntaxes.push_back(uid);
    }
    return {};
  }
  if (key == "peers") {
    cfg.dicom.peers.clear();
    for (const auto& item : split(value, ',')) {
      if (trim(item).empty()) continue;
      auto p = net::parse_peer(trim(item));
      if (!p) return std::unexpected(p.error());
      cfg.dicom.peers.push_back(*p);
    }
    return {};
  }
  if (key == "dicom_unknown_callers") {
    if (value == "loopback") { cfg.dicom.unknown_callers = net::UnknownCallers::Loopback; return {}; }
    if (value == "refuse") { cfg.dicom.unknown_callers = net::UnknownCallers::Refuse; return {}; }
    if (value == "accept") { cfg.dicom.unknown_callers = net::UnknownCallers::Accept; return {}; }
    return fail(ErrorCode::InvalidArgument, "dicom_unknown_callers must be loopback, refuse or accept");
  }
  if (key == "duplicate_policy") {
    if (value == "keep_first") { cfg.duplicate_policy = archive::DuplicatePolicy::KeepFirst; return {}; }
    if (value == "overwrite") { cfg.duplicate_policy = archive::DuplicatePolicy::Overwrite; return {}; }
    return fail(ErrorCode::InvalidArgument, "duplicate_policy must be keep_first or overwrite");
  }
  if (key == "default_encoding") { cfg.default_encoding = std::string(trim(value)); return {}; }
  if (key == "min_free_space_mb")
    return parse_number<uint64_t>(key, value, cfg.min_free_space_mb, 0, uint64_t{1} << 40);
  if (key == "render_cache_mb")
    return parse_number<uint64_t>(key, value, cfg.render_cache_mb, 0, uint64_t{1} << 30);
  if (key == "log_level") { cfg.log_level = value; return {}; }
  if (key == "mrn_pattern") {
    if (auto problem = ris::mrn_pattern_problem(value); !problem.empty())
      return fail(ErrorCode::InvalidArgument, "mrn_pattern: " + problem);
    cfg.ris_patients.mrn_pattern = value;
    return {};
  }
  if (key == "accession_pattern") {
    if (auto problem = ris::accession_pattern_problem(value); !problem.empty())
      return fail(ErrorCode::InvalidArgument, "accession_pattern: " + problem);
    cfg.ris_orders.accession_pattern = value;
    return {};
  }
  if (key == "clinic_region") {
    const std::string region(trim(value));
    if (!region.empty() &&
        (region.size() != 2 || !std::ranges::all_of(region, [](char c) { return c >= 'A' && c <= 'Z'; })))
      return fail(ErrorCode::InvalidArgument,
                  "clinic_region is two capital letters of ISO 3166 (ES, GB, US), or empty");
    cfg.clinic_region = region;
    return {};
  }
  if (key == "clinic_time_zone") {
    if (auto zone = TimeZone::named(trim(value)); !zone)
      return fail(ErrorCode::InvalidArgument, "clinic_time_zone: " + zone.error().detail);
    cfg.clinic_time_zone = std::string(trim(value));
    return {};
  }
  if (key == "mrn_issuer") {
    if (value.empty() || value.size() > 64 || value.find('\\') != std::string::npos)
      return fail(ErrorCode::InvalidArgument, "mrn_issuer must be 1 to 64 characters without a backslash");
    cfg.ris_patients.mrn_issuer = value;
    return {};
  }
  if (key == "web_root") { cfg.web_root = value; return {}; }
  if (key == "viewer_image_cache_mb")
    return parse_number<uint64_t>(key, value, cfg.viewer_image_cache_mb, 64, 65536);
  if (key == "trusted_proxies") {
    cfg.trusted_proxies.clear();
    for (const auto& item : split(value, ',')) {
      const std::string address(trim(item));
      if (address.empty()) continue;
      // As the server prints a peer's address, so that they compare equal.
      unsigned char raw[sizeof(in6_addr)];
      char text[INET6_ADDRSTRLEN];
      const int family = address.find(':') == std::string::npos ? AF_INET : AF_INET6;
      if (inet_pton(family, address.c_str(), raw) != 1 || !inet_ntop(family, raw, text, sizeof text))
        return fail(ErrorCode::InvalidArgument, "trusted_proxies lists IP addresses (" + address + " is not one)");
      cfg.trusted_proxies.emplace_back(text);
    }
    return {};
  }
  if (key == "cors_origins") {
    cfg.cors_origins.clear();
    for (const auto& item : split(value, ',')) {
      std::string origin(trim(item));
      while (!origin.empty() && origin.back() == '/') origin.pop_back();
      if (!origin.empty()) cfg.cors_origins.push_back(origin);
    }
    return {};
  }
  if (key == "clinic_name") {
    if (trim(value).empty()) return fail(ErrorCode::InvalidArgument, "clinic_name is the clinic's name, not empty");
    cfg.clinic_name = std::string(trim(value));
    return {};
  }
  if (key == "clinic_address") {
    cfg.clinic_address.clear();
    for (const auto& line : split(value, '|'))
      if (!trim(line).empty()) cfg.clinic_address.emplace_back(trim(line));
    return {};
  }
  if (key == "clinic_city") { cfg.clinic_city = std::string(trim(value)); return {}; }
  if (key == "report_language") {
    const std::string language(trim(value));
    if (language != "en" && language != "es" && language != "ca")
      return fail(ErrorCode::InvalidArgument, "report_language is en, es or ca");
    cfg.report_language = language;
    return {};
  }
  if (key == "critical_findings") {
    cfg.critical_findings.clear();
    for (const auto& item : split(value, '|'))
      if (!trim(item).empty()) cfg.critical_findings.emplace_back(trim(item));
    return {};
  }
  if (key == "report_tsa_url") {
    const std::string url(trim(value));
    if (!url.empty() && !url.starts_with("http://") && !url.starts_with("https://"))
      return fail(ErrorCode::InvalidArgument, "report_tsa_url is an http:// or https:// address");
    cfg.report_tsa_url = url;
    return {};
  }
  if (key == "peer_review_percent") return parse_number<int>(key, value, cfg.peer_review_percent, 0, 100);
  if (key == "sensitive_release_delay_h")
    return parse_number<int>(key, value, cfg.sensitive_release_delay_h, 0, 14 * 24);
  if (key == "critical_result_escalation_s")
    return parse_number<int>(key, value, cfg.critical_result_escalation_s, 1, 7 * 24 * 3600);
  if (key == "report_key_passphrase_file") { cfg.report_key_passphrase_file = std::string(trim(value)); return {}; }
  if (key == "report_trusted_ca_file") { cfg.report_trusted_ca_file = std::string(trim(value)); return {}; }
  if (key == "report_revocation_check") return parse_bool(key, value, cfg.report_revocation_check);
  if (key == "report_pkcs11_module") { cfg.report_pkcs11_module = std::string(trim(value)); return {}; }
  if (key == "report_pkcs11_token") { cfg.report_pkcs11_token = std::string(trim(value)); return {}; }
  if (key == "report_pkcs11_pin_file") { cfg.report_pkcs11_pin_file = std::string(trim(value)); return {}; }
  if (key == "dicomweb_public_url") {
    cfg.dicomweb_public_url = value;
    while (!cfg.dicomweb_public_url.empty() && cfg.dicomweb_public_url.back() == '/') cfg.dicomweb_public_url.pop_back();
    return {};
  }
  if (key == "audit_syslog") { cfg.audit_syslog = value; return {}; }
  if (key == "audit_syslog_ca") { cfg.audit_syslog_ca = value; return {}; }
  if (key == "password_min_length") return parse_number<int>(key, value, cfg.password_min_length, 8, 128);
  if (key == "login_max_failures") return parse_number<int>(key, value, cfg.login_max_failures, 1, 1000);
  if (key == "login_lockout_minutes") return parse_number<int>(key, value, cfg.login_lockout_minutes, 1, 100000);
  if (key == "login_max_failures_per_address")
    return parse_number<int>(key, value, cfg.login_max_failures_per_address, 1, 100000);
  if (key == "session_idle_minutes") return parse_number<int>(key, value, cfg.session_idle_minutes, 1, 100000);
  if (key == "session_absolute_hours") return parse_number<int>(key, value, cfg.session_absolute_hours, 1, 10000);
  if (key == "totp_required_roles") {
    cfg.totp_required_roles.clear();
    for (const auto& item : split(value, ',')) {
      auto role = std::string(trim(item));
      if (!role.empty()) cfg.totp_required_roles.push_back(role);
    }
    return {};
  }
  return fail(ErrorCode::InvalidArgument, "unknown setting '" + key + "' (see vireo config)");
}

Result<Config> load_config(const std::filesystem::path& file) {
  Config cfg;
  cfg.data_dir = installation_root() / "var";
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return fail(ErrorCode::InvalidArgument, "cannot read configuration file " + file.string());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      auto t = trim(line);
      if (t.empty() || t.front() == '#') continue;
      auto eq = t.find('=');
      if (eq == std::string_view::npos)
        return fail(ErrorCode::InvalidArgument,
                    file.string() + ":" + std::to_string(number) + ": expected key = value");
      std::string key(trim(t.substr(0, eq)));
      auto s = apply_setting(cfg, key, std::string(trim(t.substr(eq + 1))));
      if (!s) return fail(s.error().code, file.string() + ":" + std::to_string(number) + ": " + s.error().detail);
      if (key == "data_dir") cfg.data_dir = std::filesystem::absolute(file).parent_path() / cfg.data_dir;
    }
  }
  for (const auto& opt : config_options()) {
    std::string env = "VIREO_" + to_upper_ascii(opt.key);
    if (const char* v = std::getenv(env.c_str())) {
      auto s = apply_setting(cfg, opt.key, v);
      if (!s) return fail(s.error().code, env + ": " + s.error().detail);
      if (opt.key == "data_dir") cfg.data_dir = std::filesystem::absolute(cfg.data_dir);
    }
  }
  return cfg;
}

}  // namespace vireo
