// Filesystem BlobStore: a key "g0g1g2g3/<name>-<sha16>" lives at blobs/g0g1/g2g3/<name>-<sha16>,
// where g0..g3 are the first hex digits of SHA-256(group): a study's files share a folder
// (one directory to create and sync per study, not per file) and 65,536 folders spread the
// studies. Temporary files are under blobs/tmp/.
#pragma once

#include <atomic>

#include "store/blob_store.hpp"

namespace vireo {

class FsBlobStore final : public BlobStore {
 public:
  // Creates the folders; fails with OutOfResources if they cannot be created.
  [[nodiscard]] static Result<std::unique_ptr<FsBlobStore>> open(std::filesystem::path root);

  [[nodiscard]] std::filesystem::path temp_path() override;
  [[nodiscard]] Result<BlobInfo> put_file(const std::string& name, const std::string& group,
                                          const std::filesystem::path& source,
                                          Durability durability = Durability::Now,
                                          const std::string& known_sha256 = {}) override;
  // One syncfs() of the store's filesystem: every pending file's data, inode and directory
  // entry in one device flush (Linux >= 5.8 reports write-back errors through it).
  [[nodiscard]] Status sync(const std::vector<std::string>& keys) override;
  [[nodiscard]] Result<std::filesystem::path> local_path(const std::string& key) override;
  [[nodiscard]] std::optional<std::filesystem::path> direct_path(const std::string& key) override;
  [[nodiscard]] Result<BlobInfo> stat(const std::string& key) override;
  [[nodiscard]] Status verify(const std::string& key, const std::string& expected_sha256) override;
  [[nodiscard]] Status remove(const std::string& key) override;
  Status for_each_key(const std::function<void(const std::string& key, int64_t written_at)>& fn) override;
  void clear_temp() override;
  [[nodiscard]] Result<uint64_t> free_bytes() override;

  [[nodiscard]] std::filesystem::path path_for(const std::string& key) const;

 private:
  explicit FsBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
  std::atomic<uint64_t> temp_counter_{0};
};

}  // namespace vireo
