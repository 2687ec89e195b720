// Server configuration: built-in defaults, then one file (`key = value` lines, see
// docs/vireo.conf.example), then environment variables `VIREO_<KEY>` (upper case), then
// command-line flags. Each later source overrides the earlier ones.
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

#include "core/error.hpp"

namespace vireo {

// A DICOM peer that may be named as C-MOVE destination: "AET@host:port".
struct DicomPeer {
  std::string aet;
  std::string host;
  uint16_t port = 0;
};

enum class DuplicatePolicy { KeepFirst, Overwrite };
// DICOM callers whose AE title is not a configured peer.
enum class UnknownCallers { Loopback, Refuse, Accept };

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
  std::string aet = "VIREO";
  uint16_t dicom_port = 11112;
  uint16_t dicom_tls_port = 0;               // 0: no DICOM TLS listener
  std::filesystem::path dicom_tls_client_ca;  // set: callers must present a certificate from it
  int dicom_max_associations = 32;
  uint32_t dicom_max_pdu = 131072;
  int dicom_acse_timeout_s = 5;
  int dicom_max_connecting_per_address = 16;  // connections still sending their association request
  int dicom_dimse_timeout_s = 60;
  std::vector<std::string> dicom_storage_transfer_syntaxes;  // the site's order; empty: the sender's
  std::vector<DicomPeer> peers;
  UnknownCallers dicom_unknown_callers = UnknownCallers::Loopback;
  DuplicatePolicy duplicate_policy = DuplicatePolicy::KeepFirst;
  std::string default_encoding = "ISO_IR 100";  // text of files that declare no character set
  uint64_t min_free_space_mb = 100;
  uint64_t render_cache_mb = 2048;  // 0: no rendered-frame cache
  std::filesystem::path web_root;   // the built web app; empty: web/dist beside the binary's folder
  uint64_t viewer_image_cache_mb = 1024;  // the browser viewer's decoded-image budget
  std::string log_level = "info";
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

  [[nodiscard]] const DicomPeer* find_peer(std::string_view aet) const;
  [[nodiscard]] std::filesystem::path database_path() const { return data_dir / "index.sqlite"; }
  [[nodiscard]] std::filesystem::path blob_dir() const { return data_dir / "blobs"; }
  [[nodiscard]] std::filesystem::path s3_cache_dir() const { return data_dir / "s3-cache"; }
  [[nodiscard]] std::filesystem::path render_cache_dir() const { return data_dir / "cache" / "rendered"; }
};

// The folder above the one that holds the vireo binary: the source tree after `make run`, or
// the installation's prefix. Defaults that name files (data_dir, web_root) start from it, so
// that `vireo serve` and every other subcommand find the same archive from any folder.
[[nodiscard]] std::filesystem::path installation_root();

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

[[nodiscard]] Result<DicomPeer> parse_peer(std::string_view text);

}  // namespace vireo
