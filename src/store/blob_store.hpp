// The BlobStore port: immutable binary objects (DICOM files) under string keys, each
// verified by the SHA-256 recorded when it was written. The filesystem implementation
// writes to a temporary name, fsyncs, renames, and fsyncs the directory; an S3
// implementation can stand behind the same interface.
//
// Thread-safety: all methods may be called concurrently; keys are written once.
// Usage:
//   auto info = blobs.put_file(sop_uid, study_uid, received_tmp_path);  // moves it in, durably
//   auto path = blobs.local_path(info->key);                    // for DCMTK to read and send
#pragma once

#include <cstdint>
#include <optional>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vireo {

// Keys are "g0g1g2g3/<name>-<sha16>": g0..g3 the first hex digits of SHA-256(group), which keeps a
// study's blobs together, and sha16 the first 16 hex digits of the content's SHA-256. Every store
// uses the same keys, so an installation moves from one store to another without renaming.
[[nodiscard]] std::string blob_key(const std::string& name, const std::string& group, const std::string& sha256);
// Letters, digits, '.', '_' and '-', not starting with '.': safe as a file name and an object key.
[[nodiscard]] bool is_valid_blob_name(const std::string& name);
[[nodiscard]] bool is_valid_blob_key(const std::string& key);
// `length` bytes of a file from `offset`; IntegrityError when it cannot be read or is shorter.
[[nodiscard]] Result<std::string> read_file_range(const std::filesystem::path& path, uint64_t offset, uint64_t length);

struct BlobInfo {
  std::string key;
  std::string sha256;
  uint64_t size = 0;
  int64_t written_at = 0;  // Unix seconds, from stat(); 0 when unknown
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // A fresh path for a file that will be passed to put_file (same filesystem, so rename works).
  [[nodiscard]] virtual std::filesystem::path temp_path() = 0;
  // Hashes, syncs and moves `source` in under a key made of `name` and the first 16 hex
  // digits of its SHA-256: content-addressed, so different content never replaces a stored
  // blob, and the same content lands on the same key. Blobs with the same `group` (a study)
  // are kept together, which makes writing and reading a study cheaper. On error `source`
  // is removed.
  // With Durability::Deferred the blob is readable on return but durable only after a
  // sync() that covers it: a caller that commits many blobs at once (group commit) pays
  // one flush for all of them instead of one per blob.
  // `known_sha256`: the hash of `source` that its writer computed as it wrote it (a receiver
  // that streams the bytes in); empty: the file is read and hashed here.
  enum class Durability { Now, Deferred };
  [[nodiscard]] virtual Result<BlobInfo> put_file(const std::string& name, const std::string& group,
                                                  const std::filesystem::path& source,
                                                  Durability durability = Durability::Now,
                                                  const std::string& known_sha256 = {}) = 0;
  // Makes these blobs (content and name) durable.
  [[nodiscard]] virtual Status sync(const std::vector<std::string>& keys) = 0;
  // A readable local file for the blob (the file itself for the filesystem store).
  [[nodiscard]] virtual Result<std::filesystem::path> local_path(const std::string& key) = 0;
  // Where the blob's file is, when blobs are local files, without looking at the disk (a
  // reader that opens it finds out if it is missing); nullopt for other stores.
  [[nodiscard]] virtual std::optional<std::filesystem::path> direct_path(const std::string& key) = 0;
  // Whether the blob can be read on this node without fetching it: a local file, or a copy
  // this node keeps of a shared store's object.
  [[nodiscard]] virtual bool is_local(const std::string& key) { return direct_path(key).has_value(); }
  // `length` bytes of the blob from `offset`: from a local file or copy when there is one,
  // else by one ranged read of the store (nothing is kept). IntegrityError when the blob
  // is shorter than that.
  [[nodiscard]] virtual Result<std::string> read_range(const std::string& key, uint64_t offset, uint64_t length);
  [[nodiscard]] virtual Result<BlobInfo> stat(const std::string& key) = 0;
  // Re-reads the blob and compares with the expected hash.
  [[nodiscard]] virtual Status verify(const std::string& key, const std::string& expected_sha256) = 0;
  // The same, reading the store itself even when this node keeps a copy (the deep check).
  [[nodiscard]] virtual Status verify_stored(const std::string& key, const std::string& expected_sha256) {
    return verify(key, expected_sha256);
  }
  [[nodiscard]] virtual Status remove(const std::string& key) = 0;
  // Every stored key with when it was written, in Unix seconds (the integrity check).
  virtual Status for_each_key(const std::function<void(const std::string& key, int64_t written_at)>& fn) = 0;
  // Whether other nodes write to this store too (a bucket several nodes share): a blob that
  // no index row names may then be another node's write about to be committed.
  [[nodiscard]] virtual bool shared() const { return false; }
  // Bytes still free for new blobs.
  [[nodiscard]] virtual Result<uint64_t> free_bytes() = 0;
  // Removes temporary files left by a crash.
  virtual void clear_temp() = 0;
};

}  // namespace vireo
