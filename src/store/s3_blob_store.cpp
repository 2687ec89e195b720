#include "store/s3_blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/metrics.hpp"
#include "core/sha256.hpp"

namespace fs = std::filesystem;

namespace vireo {

namespace {
// Cache entries are grouped by the key's study part, so a study's copies sit together.
std::string cache_group(const std::string& key) { return key.substr(0, 4); }

Histogram& put_seconds() {
  static auto& h = Metrics::histogram("vireo_s3_put_seconds", "Time to store one object in the object store");
  return h;
}
Histogram& get_seconds() {
  static auto& h = Metrics::histogram("vireo_s3_get_seconds", "Time to fetch one object from the object store");
  return h;
}
Counter& range_reads() {
  static auto& c = Metrics::counter("vireo_s3_range_reads_total", "Ranged reads of parts of objects (frames)");
  return c;
}
Counter& range_bytes() {
  static auto& c = Metrics::counter("vireo_s3_range_bytes_total", "Bytes read from the object store by range");
  return c;
}
}  // namespace

Result<std::unique_ptr<S3BlobStore>> S3BlobStore::open(S3Settings settings, fs::path local_dir, uint64_t cache_bytes,
                                                       std::string node_id) {
  auto client = S3Client::open(std::move(settings));
  if (!client) return std::unexpected(client.error());
  if (auto s = (*client)->check(); !s) return std::unexpected(s.error());
  std::error_code ec;
  fs::create_directories(local_dir / "incoming", ec);
  if (ec) return fail(ErrorCode::OutOfResources, "cannot create " + (local_dir / "incoming").string() + ": " + ec.message());
  auto cache = FileCache::open(local_dir / "objects", cache_bytes, "s3_object");
  if (!cache) return std::unexpected(cache.error());
  (void)put_seconds(), (void)get_seconds(), (void)range_reads(), (void)range_bytes();
  return std::unique_ptr<S3BlobStore>(
      new S3BlobStore(std::move(*client), std::move(local_dir), std::move(*cache), std::move(node_id)));
}

fs::path S3BlobStore::temp_path() {
  // Beside the cache (one filesystem): a stored file becomes its cached copy by a rename.
  return local_dir_ / "incoming" / (std::to_string(::getpid()) + "-" + std::to_string(temp_counter_.fetch_add(1)) + ".part");
}

Result<BlobInfo> S3BlobStore::put_file(const std::string& name, const std::string& group, const fs::path& source,
                                       Durability, const std::string& known_sha256) {
  auto discard = [&](Error e) -> Result<BlobInfo> {
    ::unlink(source.c_str());
    return std::unexpected(std::move(e));
  };
  if (!is_valid_blob_name(name)) return discard(Error{ErrorCode::InvalidArgument, "invalid blob name"});
  FdDigest digest{known_sha256, 0};
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return discard(Error{ErrorCode::OutOfResources, std::string("open received file: ") + std::strerror(errno)});
  if (known_sha256.empty()) {
    auto d = sha256_fd(fd);
    if (!d) { ::close(fd); return discard(Error{ErrorCode::OutOfResources, std::string("read received file: ") + std::strerror(d.error())}); }
    digest = *d;
  } else {
    struct stat st {};
    if (::fstat(fd, &st) != 0) { ::close(fd); return discard(Error{ErrorCode::OutOfResources, "stat received file"}); }
    digest.size = static_cast<uint64_t>(st.st_size);
  }
  ::close(fd);
  std::string key = blob_key(name, group, digest.sha256);
  {
    auto timer = put_seconds().time();
    if (auto s = client_->put_file(key, source, digest.size, digest.sha256, node_id_); !s) return discard(s.error());
  }
  // The file just stored is the copy the next reader wants (the viewer opens a study as it arrives).
  (void)cache_->adopt(cache_group(key), key, source);
  return BlobInfo{key, digest.sha256, digest.size};
}

Status S3BlobStore::sync(const std::vector<std::string>&) { return {}; }  // a PUT answered 200 is durable

Result<fs::path> S3BlobStore::fetch(const std::string& key) {
  fs::path tmp = cache_->temp_path();
  auto timer = get_seconds().time();
  auto got = client_->get_to_file(key, tmp);
  if (!got) {
    ::unlink(tmp.c_str());
    if (got.error().code == ErrorCode::NotFound) return fail(ErrorCode::IntegrityError, "blob missing: " + key);
    return std::unexpected(got.error());
  }
  // The key names the first 16 hex digits of the content's hash: a copy that does not match
  // them is not the stored instance.
  if (key.size() < 16 || !got->starts_with(key.substr(key.size() - 16))) {
    ::unlink(tmp.c_str());
    return fail(ErrorCode::IntegrityError, "hash mismatch for blob " + key);
  }
  return cache_->adopt(cache_group(key), key, tmp);
}

Result<fs::path> S3BlobStore::local_path(const std::string& key) {
  if (!is_valid_blob_key(key)) return fail(ErrorCode::InvalidArgument, "invalid blob key");
  if (auto hit = cache_->find(cache_group(key), key)) return *hit;
  return fetch(key);
}

std::optional<fs::path> S3BlobStore::direct_path(const std::string&) { return std::nullopt; }

bool S3BlobStore::is_local(const std::string& key) {
  return is_valid_blob_key(key) && cache_->contains(cache_group(key), key);
}

Result<std::string> S3BlobStore::read_range(const std::string& key, uint64_t offset, uint64_t length) {
  if (!is_valid_blob_key(key)) return fail(ErrorCode::InvalidArgument, "invalid blob key");
  if (auto hit = cache_->find(cache_group(key), key)) return read_file_range(*hit, offset, length);
  auto got = client_->get_range(key, offset, length);
  if (!got) {
    if (got.error().code == ErrorCode::NotFound) return fail(ErrorCode::IntegrityError, "blob missing: " + key);
    return std::unexpected(got.error());
  }
  range_reads().inc();
  range_bytes().inc(got->size());
  if (got->size() != length) return fail(ErrorCode::IntegrityError, "blob " + key + " is shorter than its index says");
  return got;
}

Result<BlobInfo> S3BlobStore::stat(const std::string& key) {
  if (!is_valid_blob_key(key)) return fail(ErrorCode::InvalidArgument, "invalid blob key");
  auto o = client_->head(key);
  if (!o) {
    if (o.error().code == ErrorCode::NotFound) return fail(ErrorCode::NotFound, "blob missing: " + key);
    return std::unexpected(o.error());
  }
  return BlobInfo{key, o->sha256, o->size, o->last_modified};
}

Status S3BlobStore::verify(const std::string& key, const std::string& expected_sha256) {
  for (int round = 0; round < 2; ++round) {
    auto p = local_path(key);
    if (!p) return std::unexpected(p.error());
    auto h = sha256_file(*p);
    if (h && *h == expected_sha256) return {};
    cache_->drop(cache_group(key), key);  // a damaged local copy: the bucket's is read again
  }
  return fail(ErrorCode::IntegrityError, "hash mismatch for blob " + key);
}

Status S3BlobStore::verify_stored(const std::string& key, const std::string& expected_sha256) {
  if (!is_valid_blob_key(key)) return fail(ErrorCode::InvalidArgument, "invalid blob key");
  fs::path tmp = cache_->temp_path();
  auto sha = client_->get_to_file(key, tmp);
  ::unlink(tmp.c_str());
  if (!sha) {
    if (sha.error().code == ErrorCode::NotFound) return fail(ErrorCode::IntegrityError, "blob missing: " + key);
    return std::unexpected(sha.error());
  }
  if (*sha != expected_sha256) return fail(ErrorCode::IntegrityError, "hash mismatch for blob " + key);
  return {};
}

Status S3BlobStore::remove(const std::string& key) {
  if (!is_valid_blob_key(key)) return fail(ErrorCode::InvalidArgument, "invalid blob key");
  cache_->drop(cache_group(key), key);
  return client_->remove(key);
}

Status S3BlobStore::for_each_key(const std::function<void(const std::string& key, int64_t written_at)>& fn) {
  return client_->list([&](const S3Listed& o) {
    if (is_valid_blob_key(o.key)) fn(o.key, o.last_modified);
  });
}

Result<uint64_t> S3BlobStore::free_bytes() {
  struct statvfs st {};
  if (::statvfs(local_dir_.c_str(), &st) != 0)
    return fail(ErrorCode::OutOfResources, std::string("statvfs: ") + std::strerror(errno));
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

void S3BlobStore::clear_temp() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(local_dir_ / "incoming", ec)) fs::remove(e.path(), ec);
}

}  // namespace vireo
