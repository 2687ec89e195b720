// Server configuration: built-in defaults, then one file (`key = value` lines, see
// docs/vireo.conf.example), then environment variables `VIREO_<KEY>` (upper case), then
// command-line flags. Each later source overrides the earlier ones.
//
// The application reads it; modules never see it. A module that has settings declares its own
// options (net::DimseOptions, archive::DuplicatePolicy, auth::AuthPolicy, S3Settings, …), which
// are members here or are made from these fields in app/services.cpp.
//
// Thread-safety: a Config is built once at start-up and then only read.
// Usage:
//   auto cfg = load_config(file_path_or_empty);   // defaults + file + environment
//   if (!cfg) { print cfg.error().message(); }
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "archive/duplicate_policy.hpp"
#include "core/error.hpp"
#include "core/installation.hpp"
#include "net/dimse/dimse_options.hpp"
#include "ris/order.hpp"
#include "ris/patient_options.hpp"

namespace vireo {

struct Config {
  std::filesystem::path data_dir = "var";
  std::string database_url;  // PostgreSQL; empty: SQLite at database_path()
  std::string blob_store;    // s3://bucket/prefix; empty: files under blob_dir()
  std::string s3_endpoint;   // empty: AWS S3 in s3_region
  std::string s3_region = "us-east-1";
  std::filesystem::path s3_credentials_file;
  uint64_t s3_cache_mb = 10240;
  int64_t shared_removal_delay_s = 3600;
  std::string http_host = "127.0.0.1";
  uint16_t http_port = 8080;
  size_t http_max_body_bytes = 64u << 20;
  uint64_t stow_max_bytes = 8ull << 30;       // one STOW-RS request, streamed to disk
  uint64_t stow_max_part_bytes = 4ull << 30;  // one instance in it
  int http_header_timeout_s = 10;  // from a request's first byte to the end of its head
  int http_idle_timeout_s = 60;    // a kept-alive connection waiting, or a body making no progress
  bool http_tls = true;
  std::filesystem::path tls_certificate, tls_private_key;  // empty: self-signed under data_dir/tls
  int http_threads = 0;  // 0: two per core, at least 4
  net::DimseOptions dicom;                    // aet, dicom_port, dicom_*, peers
  std::filesystem::path dicom_tls_client_ca;  // set: callers must present a certificate from it
  ris::PatientOptions ris_patients;  // mrn_pattern, mrn_issuer
  ris::OrderOptions ris_orders;      // accession_pattern
  std::string clinic_time_zone;      // IANA; empty: the machine's
  std::string clinic_region;         // ISO 3166 alpha-2 for the browser's formats; empty: each browser's
  std::string clinic_name = "Vireo";  // on reports and in their certificate authority
  std::vector<std::string> clinic_address;  // the lines under the name on reports
  std::string clinic_city;           // where reports are signed
  std::string report_language = "en";  // the labels printed on reports: en, es, ca
  std::vector<std::string> critical_findings;  // what may be flagged critical; empty: ACR's examples
  int critical_result_escalation_s = 3600;      // uncommunicated this long: escalated
  int sensitive_release_delay_h = 0;  // a sensitive result held this long before release; 0: at once
  int peer_review_percent = 0;  // of the final reports, the share offered for peer review
  std::string report_tsa_url;   // an RFC 3161 time-stamping authority: signatures are PAdES B-T; empty: B-B
  std::filesystem::path report_key_passphrase_file;  // empty: data_dir/report-keys.passphrase
  std::filesystem::path report_trusted_ca_file;      // authorities trusted besides the clinic's CA; empty: none
  bool report_revocation_check = true;               // ask own certificates' OCSP responders
  std::filesystem::path report_pkcs11_module;        // a security module's PKCS#11 library; empty: none
  std::string report_pkcs11_token;                   // the label of its token holding the radiologists' keys
  std::filesystem::path report_pkcs11_pin_file;      // the token's user PIN (first line)
  archive::DuplicatePolicy duplicate_policy = archive::DuplicatePolicy::KeepFirst;
  std::string default_encoding = "ISO_IR 100";  // text of files that declare no character set
  uint64_t min_free_space_mb = 100;
  uint64_t render_cache_mb = 2048;  // 0: no rendered-frame cache
  std::filesystem::path web_root;   // the built web app; empty: web/dist beside the binary's folder
  uint64_t viewer_image_cache_mb = 1024;  // the browser viewer's decoded-image budget
  std::string log_level = "info";
  std::vector<std::string> trusted_proxies;  // reverse proxies whose X-Forwarded-For is believed
  std::vector<std::string> cors_origins;     // browser origins allowed cross-origin; "*" any
  std::string dicomweb_public_url;          // RetrieveURL base behind a proxy; empty: from Host
  std::string audit_syslog;                 // udp://host:port, tcp://host:port, tls://host:port
  std::filesystem::path audit_syslog_ca;    // TLS: the collector's CA
  int password_min_length = 12;
  int login_max_failures = 5;
  int login_lockout_minutes = 15;
  int login_max_failures_per_address = 20;
  int session_idle_minutes = 30;
  int session_absolute_hours = 12;
  std::vector<std::string> totp_required_roles{"admin", "radiologist"};  // checked against auth roles at start

  [[nodiscard]] std::filesystem::path database_path() const { return data_dir / "index.sqlite"; }
  [[nodiscard]] std::filesystem::path blob_dir() const { return data_dir / "blobs"; }
  [[nodiscard]] std::filesystem::path s3_cache_dir() const { return data_dir / "s3-cache"; }
  [[nodiscard]] std::filesystem::path render_cache_dir() const { return data_dir / "cache" / "rendered"; }
};

// Every option with its documentation: the source of `vireo config` and of the example file.
struct ConfigOption {
  std::string key;
  std::string default_value;
  std::string help;
};
[[nodiscard]] const std::vector<ConfigOption>& config_options();

// Applies one `key = value` setting; unknown keys and bad values are errors that name the key.
[[nodiscard]] Status apply_setting(Config& cfg, const std::string& key, const std::string& value);

// Defaults, then `file` (if not empty; must exist), then VIREO_* environment variables.
[[nodiscard]] Result<Config> load_config(const std::filesystem::path& file);

}  // namespace vireo
