// A bounded cache of files on disk (rendered frames; copies of objects read from S3): entries are grouped by what
// they derive from (an instance's blob) so a group can be dropped when its source changes or
// goes, and the least recently used entries are evicted when the cache exceeds its size.
// A file deleted behind the cache's back is a miss, and is rebuilt by the caller's next put.
// The index of entries lives in memory, rebuilt from the folder at open (oldest first by
// modification time), so the cache survives restarts.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto cache = FileCache::open(data_dir / "cache/rendered", 1 << 30);
//   if (auto hit = (*cache)->get(blob_key, options_key)) return *hit;
//   (*cache)->put(blob_key, options_key, bytes);
#pragma once

#include <cstdint>
#include <filesystem>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/error.hpp"

namespace vireo {

class Counter;

class FileCache {
 public:
  // OutOfResources when the folder cannot be created. `metric` names its hit and miss counters
  // on /metrics: vireo_<metric>_cache_hits_total.
  [[nodiscard]] static Result<std::unique_ptr<FileCache>> open(std::filesystem::path dir, uint64_t max_bytes,
                                                               const std::string& metric = "render");

  [[nodiscard]] std::optional<std::string> get(const std::string& group, const std::string& name);
  // Best effort: a cache that cannot write (full disk) just does not keep the entry.
  void put(const std::string& group, const std::string& name, const std::string& bytes);
  // Forgets every entry of a group (its source changed or was deleted).
  void drop_group(const std::string& group);

  // Entries as files, for readers that want a path (a DICOM file to parse or send). An entry
  // handed out as a path is not evicted for a minute (kPathHold), even when that leaves the
  // cache over its size for a while: its reader opens it in that time (an open file outlives
  // its eviction).
  static constexpr std::chrono::seconds kPathHold{60};
  // A fresh path in the cache's folder for a file that adopt() will move in.
  [[nodiscard]] std::filesystem::path temp_path();
  // Moves `file` in as the entry; its path.
  [[nodiscard]] Result<std::filesystem::path> adopt(const std::string& group, const std::string& name,
                                                    const std::filesystem::path& file);
  // The entry's file when present (and marks it used).
  [[nodiscard]] std::optional<std::filesystem::path> find(const std::string& group, const std::string& name);
  void drop(const std::string& group, const std::string& name);
  // Whether the entry is present, without marking it used, holding it or counting a miss.
  [[nodiscard]] bool contains(const std::string& group, const std::string& name) const;

  [[nodiscard]] uint64_t bytes() const;
  [[nodiscard]] size_t entries() const;

 private:
  FileCache(std::filesystem::path dir, uint64_t max_bytes, const std::string& metric);
  [[nodiscard]] std::string relative_path(const std::string& group, const std::string& name) const;
  // Evicts down to the size, but for entries held for their readers.
  void insert_locked(const std::string& rel, uint64_t size, std::chrono::steady_clock::time_point held_until);
  struct Entry {
    std::string path;  // relative to dir_: "ab/<group hash>/<name hash>"
    uint64_t size = 0;
    std::chrono::steady_clock::time_point held_until{};  // handed out as a path: not evicted before
  };
  [[nodiscard]] std::filesystem::path group_dir(const std::string& group) const;
  // The entry's place in the list; a miss counted when there is none.
  [[nodiscard]] std::optional<std::list<Entry>::iterator> lookup_locked(const std::string& rel);
  void forget_locked(std::list<Entry>::iterator it);  // the index only
  void erase_locked(std::list<Entry>::iterator it);   // the index and the file
  void evict_locked();

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_path_;
  uint64_t bytes_ = 0;
  uint64_t temp_counter_ = 0;
  Counter* hits_;
  Counter* misses_;
};

}  // namespace vireo
