#include "store/fs_blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/sha256.hpp"

namespace fs = std::filesystem;

namespace vireo {
namespace {

Error io_error(std::string_view what, int err) {
  // ENOSPC, EDQUOT, EROFS, EACCES: the storage cannot take the data. The sender may retry later.
  return Error{ErrorCode::OutOfResources, std::string(what) + ": " + std::strerror(err)};
}

// Opens a directory and applies fsync or syncfs to it.
Status sync_directory(const fs::path& dir, int (*sync)(int), const char* what) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("open directory", errno));
  int rc = sync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return std::unexpected(io_error(what, err));
  return {};
}

Status fsync_dir(const fs::path& dir) { return sync_directory(dir, ::fsync, "fsync directory"); }

}  // namespace

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::open(fs::path root) {
  std::error_code ec;
  fs::create_directories(root / "tmp", ec);
  if (ec) return fail(ErrorCode::OutOfResources, "cannot create " + (root / "tmp").string() + ": " + ec.message());
  return std::unique_ptr<FsBlobStore>(new FsBlobStore(std::move(root)));
}

fs::path FsBlobStore::path_for(const std::string& key) const {
  return root_ / key.substr(0, 2) / key.substr(2, 2) / key.substr(5);
}

fs::path FsBlobStore::temp_path() {
  uint64_t n = temp_counter_.fetch_add(1);
  return root_ / "tmp" / (std::to_string(::getpid()) + "-" + std::to_string(n) + ".part");
}

Result<BlobInfo> FsBlobStore::put_file(const std::string& name, const std::string& group, const fs::path& source,
                                       Durability durability, const std::string& known_sha256) {
  const bool now = durability == Durability::Now;
  auto discard = [&](Error e) -> Result<BlobInfo> {
    ::unlink(source.c_str());
    return std::unexpected(std::move(e));
  };
  if (!is_valid_blob_name(name)) return discard(Error{ErrorCode::InvalidArgument, "invalid blob name"});

  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return discard(io_error("open received file", errno));
  std::expected<FdDigest, int> digest = FdDigest{known_sha256, 0};
  if (known_sha256.empty()) {
    digest = sha256_fd(fd);
  } else if (struct stat st {}; ::fstat(fd, &st) == 0) {
    digest->size = static_cast<uint64_t>(st.st_size);
  } else {
    digest = std::unexpected(errno);
  }
  if (!digest) { ::close(fd); return discard(io_error("read received file", digest.error())); }
  // fdatasync through a read-only descriptor is allowed on Linux and flushes the file's pages.
  if (now && ::fdatasync(fd) != 0) { int e = errno; ::close(fd); return discard(io_error("fsync blob", e)); }
  ::close(fd);

  const std::string& sha = digest->sha256;
  const uint64_t size = digest->size;
  std::string key = blob_key(name, group, sha);
  fs::path target = path_for(key);
  std::error_code ec;
  bool created = !fs::exists(target.parent_path(), ec);
  fs::create_directories(target.parent_path(), ec);
  if (ec) return discard(io_error("create blob directory", ec.value()));
  // The key is content-addressed: a blob already under it holds these bytes and may be an
  // acknowledged instance. It is kept, never replaced by a file that is not yet durable
  // (after a power loss the name could point at unwritten data).
  struct stat existing {};
  if (::stat(target.c_str(), &existing) == 0) {
    if (static_cast<uint64_t>(existing.st_size) == size) {
      ::unlink(source.c_str());
      return BlobInfo{key, sha, size};
    }
    // Same key, other size: the stored copy is damaged. Replace it, durably first.
    int sfd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (sfd < 0 || ::fdatasync(sfd) != 0) {
      int e = errno;
      if (sfd >= 0) ::close(sfd);
      return discard(io_error("fsync blob", e));
    }
    ::close(sfd);
  }
  if (::rename(source.c_str(), target.c_str()) != 0) return discard(io_error("rename blob", errno));
  if (now) {
    if (auto s = fsync_dir(target.parent_path()); !s) return std::unexpected(s.error());
  }
  if (now && created) {
    // A new fan-out directory must itself be durable in its parent.
    if (auto s = fsync_dir(target.parent_path().parent_path()); !s) return std::unexpected(s.error());
    if (auto s = fsync_dir(target.parent_path().parent_path().parent_path()); !s) return std::unexpected(s.error());
  }
  return BlobInfo{key, sha, size};
}

Status FsBlobStore::sync(const std::vector<std::string>& keys) {
  if (keys.empty()) return {};
  return sync_directory(root_, ::syncfs, "syncfs");
}

Result<fs::path> FsBlobStore::local_path(const std::string& key) {
  if (!is_valid_blob_key(key)) return fail(ErrorCode::InvalidArgument, "invalid blob key");
  fs::path p = path_for(key);
  if (::access(p.c_str(), R_OK) != 0) return fail(ErrorCode::IntegrityError, "blob missing: " + key);
  return p;
}

std::optional<fs::path> FsBlobStore::direct_path(const std::string& key) {
  if (!is_valid_blob_key(key)) return std::nullopt;
  return path_for(key);
}

Result<BlobInfo> FsBlobStore::stat(const std::string& key) {
  if (!is_valid_blob_key(key)) return fail(ErrorCode::InvalidArgument, "invalid blob key");
  struct stat st {};
  if (::stat(path_for(key).c_str(), &st) != 0) return fail(ErrorCode::NotFound, "blob missing: " + key);
  return BlobInfo{key, "", static_cast<uint64_t>(st.st_size), static_cast<int64_t>(st.st_mtime)};
}

Status FsBlobStore::verify(const std::string& key, const std::string& expected_sha256) {
  auto p = local_path(key);
  if (!p) return std::unexpected(p.error());
  auto h = sha256_file(*p);
  if (!h) return std::unexpected(h.error());
  if (*h != expected_sha256) return fail(ErrorCode::IntegrityError, "hash mismatch for blob " + key);
  return {};
}

Status FsBlobStore::remove(const std::string& key) {
  if (!is_valid_blob_key(key)) return fail(ErrorCode::InvalidArgument, "invalid blob key");
  if (::unlink(path_for(key).c_str()) != 0 && errno != ENOENT) return std::unexpected(io_error("remove blob", errno));
  return {};
}

Status FsBlobStore::for_each_key(const std::function<void(const std::string& key, int64_t written_at)>& fn) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it.depth() == 0 && it->path().filename() == "tmp") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it.depth() == 2) {
      const auto& p = it->path();
      struct stat st {};
      int64_t written_at = ::stat(p.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
      fn(p.parent_path().parent_path().filename().string() + p.parent_path().filename().string() + "/" +
             p.filename().string(),
         written_at);
    }
  }
  if (ec) return fail(ErrorCode::OutOfResources, "cannot list blobs: " + ec.message());
  return {};
}

Result<uint64_t> FsBlobStore::free_bytes() {
  struct statvfs st {};
  if (::statvfs(root_.c_str(), &st) != 0) return std::unexpected(io_error("statvfs", errno));
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

void FsBlobStore::clear_temp() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ / "tmp", ec)) fs::remove(e.path(), ec);
}

}  // namespace vireo
