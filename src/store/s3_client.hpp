// A small S3 client over libcurl, for the object-store BlobStore: PUT (multipart for large
// objects), GET to a file or of a byte range, HEAD, DELETE and listing, each signed with
// libcurl's AWS Signature Version 4 and retried with backoff on 5xx, throttling and network
// errors. Works with AWS S3, MinIO and Ceph RGW (path-style when an endpoint is given).
//
// Every request carries x-amz-content-sha256: the store checks what it receives against the
// hash we computed, and libcurl signs it. Query strings are written in SigV4's canonical form
// (sorted, RFC 3986-encoded, "k=" for a bare key): libcurl 7.88 signs them as written.
//
// Thread-safety: all methods may be called concurrently; each thread reuses its own curl
// handle (and so its connections).
// Usage:
//   auto s3 = S3Client::open(*parse_s3_settings("s3://archive/vireo/", endpoint, region, creds));
//   (*s3)->check();                          // bucket reachable, credentials accepted
//   (*s3)->put_file("abcd/1.2.3-0011", path, size, sha256_hex);
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vireo {

struct S3Settings {
  std::string bucket;
  std::string prefix;    // "" or ending in '/'
  std::string endpoint;  // scheme://host[:port]; with it requests are path-style
  std::string region = "us-east-1";
  std::string access_key, secret_key, session_token;
  uint64_t multipart_threshold = uint64_t{64} << 20;  // larger objects go up in parts
  uint64_t part_size = uint64_t{16} << 20;            // AWS: at least 5 MiB but for the last part
  int max_attempts = 5;                               // per request, the first one included
  long connect_timeout_ms = 5000;
  int stall_timeout_s = 30;  // a transfer that moves under 1 KB/s for this long is abandoned
};

// blob_store ("s3://bucket/prefix"), endpoint and region from the configuration; credentials
// from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else from
// `credentials_file` (the AWS format: the [default] section, or the one AWS_PROFILE names).
// InvalidArgument says which part is wrong.
[[nodiscard]] Result<S3Settings> parse_s3_settings(const std::string& url, const std::string& endpoint,
                                                   const std::string& region,
                                                   const std::filesystem::path& credentials_file);

struct S3Listed {
  std::string key;  // the prefix taken off
  uint64_t size = 0;
  int64_t last_modified = 0;  // Unix seconds
};

struct S3Object {
  uint64_t size = 0;
  std::string sha256;  // x-amz-meta-sha256, as put_file stored it; empty when absent
  std::string node;    // x-amz-meta-node: who wrote it
  int64_t last_modified = 0;  // Unix seconds
};

class S3Client {
 public:
  [[nodiscard]] static Result<std::unique_ptr<S3Client>> open(S3Settings settings);
  ~S3Client();

  // The bucket answers and accepts our credentials (one listing of at most one key). The error
  // says what failed and what to check.
  [[nodiscard]] Status check();
  // Uploads `size` bytes of `file` under `key` (prefix added), recording its SHA-256 and the
  // writing node as metadata.
  [[nodiscard]] Status put_file(const std::string& key, const std::filesystem::path& file, uint64_t size,
                                const std::string& sha256, const std::string& node = "");
  // Downloads the whole object to `file` (created or truncated); returns its SHA-256 as read.
  [[nodiscard]] Result<std::string> get_to_file(const std::string& key, const std::filesystem::path& file);
  [[nodiscard]] Result<std::string> get_range(const std::string& key, uint64_t offset, uint64_t length);
  // NotFound when there is no such object.
  [[nodiscard]] Result<S3Object> head(const std::string& key);
  [[nodiscard]] Status remove(const std::string& key);
  // Every object under the prefix.
  [[nodiscard]] Status list(const std::function<void(const S3Listed&)>& fn);

  [[nodiscard]] const S3Settings& settings() const { return settings_; }
  // "s3://bucket/prefix" for messages.
  [[nodiscard]] std::string where() const;

  struct Request;
  struct Response;

 private:
  explicit S3Client(S3Settings settings) : settings_(std::move(settings)) {}
  [[nodiscard]] std::string url(const std::string& key, const std::string& query) const;
  [[nodiscard]] Result<Response> perform(Request& request);
  [[nodiscard]] Status put_multipart(const std::string& key, const std::filesystem::path& file, uint64_t size,
                                     std::vector<std::string> metadata);
  S3Settings settings_;
};

}  // namespace vireo
