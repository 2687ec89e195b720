#include "store/file_cache.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "core/metrics.hpp"
#include "core/sha256.hpp"

namespace vireo {

namespace fs = std::filesystem;

namespace {
std::string hashed(const std::string& s) { return sha256_hex(s).substr(0, 32); }
}  // namespace

FileCache::FileCache(fs::path dir, uint64_t max_bytes, const std::string& metric)
    : dir_(std::move(dir)),
      max_bytes_(max_bytes),
      hits_(&Metrics::counter("vireo_" + metric + "_cache_hits_total", "Reads served from the " + metric + " cache")),
      misses_(&Metrics::counter("vireo_" + metric + "_cache_misses_total", "Reads the " + metric + " cache could not serve")) {}

Result<std::unique_ptr<FileCache>> FileCache::open(fs::path dir, uint64_t max_bytes, const std::string& metric) {
  std::error_code ec;
  fs::create_directories(dir / "tmp", ec);
  if (ec) return fail(ErrorCode::OutOfResources, "cannot create the cache folder " + dir.string() + ": " + ec.message());
  std::unique_ptr<FileCache> cache(new FileCache(dir, max_bytes, metric));
  for (const auto& e : fs::directory_iterator(dir / "tmp", ec)) fs::remove(e.path(), ec);
  struct Found {
    fs::file_time_type mtime;
    std::string path;
    uint64_t size;
  };
  std::vector<Found> found;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it.depth() == 0 && it->path().filename() == "tmp") {
      it.disable_recursion_pending();
      continue;
    }
    if (it.depth() != 2 || !it->is_regular_file(ec)) continue;
    found.push_back({it->last_write_time(ec), fs::relative(it->path(), dir).string(), it->file_size(ec)});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.mtime > b.mtime; });
  std::lock_guard lock(cache->mutex_);
  for (auto& f : found) {
    cache->lru_.push_back({std::move(f.path), f.size});
    cache->by_path_[cache->lru_.back().path] = std::prev(cache->lru_.end());
    cache->bytes_ += f.size;
  }
  cache->evict_locked();
  return cache;
}

bool FileCache::contains(const std::string& group, const std::string& name) const {
  std::string rel = relative_path(group, name);
  std::lock_guard lock(mutex_);
  return by_path_.contains(rel);
}

std::string FileCache::relative_path(const std::string& group, const std::string& name) const {
  return (group_dir(group) / hashed(name)).string();
}

std::optional<std::list<FileCache::Entry>::iterator> FileCache::lookup_locked(const std::string& rel) {
  auto it = by_path_.find(rel);
  if (it == by_path_.end()) {
    misses_->inc();
    return std::nullopt;
  }
  return it->second;
}

fs::path FileCache::group_dir(const std::string& group) const {
  std::string g = hashed(group);
  return fs::path(g.substr(0, 2)) / g;
}

std::optional<std::string> FileCache::get(const std::string& group, const std::string& name) {
  std::string rel = relative_path(group, name);
  {
    std::lock_guard lock(mutex_);
    auto entry = lookup_locked(rel);
    if (!entry) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, *entry);
  }
  int fd = ::open((dir_ / rel).c_str(), O_RDONLY | O_CLOEXEC);
  std::string out;
  if (fd >= 0) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    if (n == 0 && !out.empty()) {
      hits_->inc();
      return out;
    }
  }
  // Deleted or damaged behind our back: forget it; the caller renders and puts it again.
  std::lock_guard lock(mutex_);
  if (auto it = by_path_.find(rel); it != by_path_.end()) erase_locked(it->second);
  misses_->inc();
  return std::nullopt;
}

void FileCache::put(const std::string& group, const std::string& name, const std::string& bytes) {
  if (bytes.empty() || bytes.size() > max_bytes_) return;
  fs::path rel = group_dir(group) / hashed(name);
  fs::path tmp;
  {
    std::lock_guard lock(mutex_);
    tmp = dir_ / "tmp" / (std::to_string(::getpid()) + "-" + std::to_string(++temp_counter_));
  }
  std::error_code ec;
  fs::create_directories(dir_ / rel.parent_path(), ec);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  // No fsync: a cache entry lost in a crash is simply rendered again.
  if (!ok || ::rename(tmp.c_str(), (dir_ / rel).c_str()) != 0) {
    ::unlink(tmp.c_str());
    return;
  }
  std::lock_guard lock(mutex_);
  insert_locked(rel.string(), bytes.size(), {});
}

void FileCache::insert_locked(const std::string& rel, uint64_t size,
                              std::chrono::steady_clock::time_point held_until) {
  if (auto it = by_path_.find(rel); it != by_path_.end()) forget_locked(it->second);  // replaced by the rename
  lru_.push_front({rel, size});
  by_path_[lru_.front().path] = lru_.begin();
  bytes_ += size;
  lru_.front().held_until = held_until;
  evict_locked();
}

fs::path FileCache::temp_path() {
  std::lock_guard lock(mutex_);
  return dir_ / "tmp" / (std::to_string(::getpid()) + "-" + std::to_string(++temp_counter_));
}

Result<fs::path> FileCache::adopt(const std::string& group, const std::string& name, const fs::path& file) {
  std::string rel = relative_path(group, name);
  std::error_code ec;
  uint64_t size = fs::file_size(file, ec);
  if (!ec) fs::create_directories(dir_ / fs::path(rel).parent_path(), ec);
  if (ec || ::rename(file.c_str(), (dir_ / rel).c_str()) != 0) {
    ::unlink(file.c_str());
    return fail(ErrorCode::OutOfResources, "cannot keep a file in the cache " + dir_.string());
  }
  std::lock_guard lock(mutex_);
  insert_locked(rel, size, std::chrono::steady_clock::now() + kPathHold);  // its reader is about to open it
  return dir_ / rel;
}

std::optional<fs::path> FileCache::find(const std::string& group, const std::string& name) {
  std::string rel = relative_path(group, name);
  std::lock_guard lock(mutex_);
  auto entry = lookup_locked(rel);
  if (!entry) return std::nullopt;
  if (::access((dir_ / rel).c_str(), R_OK) != 0) {  // deleted behind our back
    forget_locked(*entry);
    misses_->inc();
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, *entry);
  (*entry)->held_until = std::chrono::steady_clock::now() + kPathHold;
  hits_->inc();
  return dir_ / rel;
}

void FileCache::drop(const std::string& group, const std::string& name) {
  std::string rel = relative_path(group, name);
  std::lock_guard lock(mutex_);
  if (auto it = by_path_.find(rel); it != by_path_.end()) erase_locked(it->second);
}

void FileCache::drop_group(const std::string& group) {
  fs::path g = group_dir(group);
  std::error_code ec;
  std::lock_guard lock(mutex_);
  for (const auto& e : fs::directory_iterator(dir_ / g, ec)) {
    auto it = by_path_.find((g / e.path().filename()).string());
    if (it != by_path_.end()) forget_locked(it->second);
  }
  fs::remove_all(dir_ / g, ec);
}

void FileCache::forget_locked(std::list<Entry>::iterator it) {
  bytes_ -= it->size;
  by_path_.erase(it->path);
  lru_.erase(it);
}

void FileCache::erase_locked(std::list<Entry>::iterator it) {
  std::error_code ec;
  fs::remove(dir_ / it->path, ec);
  forget_locked(it);
}

void FileCache::evict_locked() {
  const auto now = std::chrono::steady_clock::now();
  auto it = lru_.end();  // from the least recently used
  while (bytes_ > max_bytes_ && it != lru_.begin()) {
    auto victim = std::prev(it);
    if (victim->held_until > now) it = victim;  // a reader may not have opened it yet
    else erase_locked(victim);                  // `it` stays valid
  }
}

uint64_t FileCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

size_t FileCache::entries() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace vireo
