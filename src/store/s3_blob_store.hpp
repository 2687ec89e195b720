// Object-store BlobStore: every blob is an object under the bucket's prefix, with the same keys
// as the filesystem store. A PUT answered 200 is durable (S3's contract), so sync() has nothing
// to do and an instance is acknowledged only after its object is stored.
//
// Readers get local files: a node keeps copies of the objects it read (and of the files it just
// stored) in a bounded cache under data_dir/s3-cache, so a study being viewed is fetched once.
// Parts of an object (one frame of a multi-frame image) are read by range, without a copy.
// The cache is the only thing a node keeps locally besides temporary files.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto store = S3BlobStore::open(*settings, data_dir / "s3-cache", 10ull << 30);
//   // fails with a line that says what to check when the bucket cannot be reached
#pragma once

#include <atomic>
#include <memory>

#include "store/blob_store.hpp"
#include "store/file_cache.hpp"
#include "store/s3_client.hpp"

namespace vireo {

class S3BlobStore final : public BlobStore {
 public:
  // Checks the bucket and the credentials with one request. `node_id` is recorded with each
  // object this node writes (x-amz-meta-node), for the operator who wonders where one came from.
  [[nodiscard]] static Result<std::unique_ptr<S3BlobStore>> open(S3Settings settings, std::filesystem::path local_dir,
                                                                 uint64_t cache_bytes, std::string node_id = "");

  [[nodiscard]] std::filesystem::path temp_path() override;
  [[nodiscard]] Result<BlobInfo> put_file(const std::string& name, const std::string& group,
                                          const std::filesystem::path& source,
                                          Durability durability = Durability::Now,
                                          const std::string& known_sha256 = {}) override;
  [[nodiscard]] Status sync(const std::vector<std::string>& keys) override;
  // The cached copy, fetched first when absent.
  [[nodiscard]] Result<std::filesystem::path> local_path(const std::string& key) override;
  [[nodiscard]] std::optional<std::filesystem::path> direct_path(const std::string& key) override;
  // Whether this node keeps a copy.
  [[nodiscard]] bool is_local(const std::string& key) override;
  // From the copy when this node keeps one, else one ranged GET (not kept: a viewer asking for
  // one frame of a large multi-frame object does not wait for the whole of it).
  [[nodiscard]] Result<std::string> read_range(const std::string& key, uint64_t offset, uint64_t length) override;
  [[nodiscard]] Result<BlobInfo> stat(const std::string& key) override;
  // Hashes the cached copy; a copy that does not match is fetched again once, so only damage
  // in the bucket itself is reported.
  [[nodiscard]] Status verify(const std::string& key, const std::string& expected_sha256) override;
  // Reads the object from the bucket (not the local copy) and hashes it.
  [[nodiscard]] Status verify_stored(const std::string& key, const std::string& expected_sha256) override;
  [[nodiscard]] Status remove(const std::string& key) override;
  Status for_each_key(const std::function<void(const std::string& key, int64_t written_at)>& fn) override;
  [[nodiscard]] bool shared() const override { return true; }
  // Room on the local disk that takes incoming files before they go up.
  [[nodiscard]] Result<uint64_t> free_bytes() override;
  void clear_temp() override;

  [[nodiscard]] S3Client& client() { return *client_; }

 private:
  S3BlobStore(std::unique_ptr<S3Client> client, std::filesystem::path local_dir, std::unique_ptr<FileCache> cache,
              std::string node_id)
      : client_(std::move(client)), local_dir_(std::move(local_dir)), cache_(std::move(cache)), node_id_(std::move(node_id)) {}
  [[nodiscard]] Result<std::filesystem::path> fetch(const std::string& key);

  std::unique_ptr<S3Client> client_;
  std::filesystem::path local_dir_;
  std::unique_ptr<FileCache> cache_;
  std::string node_id_;
  std::atomic<uint64_t> temp_counter_{0};
};

}  // namespace vireo
