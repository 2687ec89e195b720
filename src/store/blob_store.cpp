#include "store/blob_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/sha256.hpp"

namespace vireo {

std::string blob_key(const std::string& name, const std::string& group, const std::string& sha256) {
  return sha256_hex(group).substr(0, 4) + "/" + name + "-" + sha256.substr(0, 16);
}

bool is_valid_blob_name(const std::string& name) {
  if (name.empty() || name.size() > 200 || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_valid_blob_key(const std::string& key) {
  if (key.size() < 6 || key[4] != '/') return false;
  for (size_t i = 0; i < 4; ++i) {
    char c = key[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return is_valid_blob_name(key.substr(5));
}

Result<std::string> read_file_range(const std::filesystem::path& path, uint64_t offset,
                                    uint64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(ErrorCode::IntegrityError,
                "cannot open " + path.string() + ": " + std::strerror(errno));
  std::string out(length, '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t got =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (got <= 0) {
      int err = got < 0 ? errno : 0;
      ::close(fd);
      return fail(ErrorCode::IntegrityError,
                  "cannot read " + path.string() + ": " +
                      (err ? std::strerror(err) : "the file is shorter than expected"));
    }
    done += static_cast<size_t>(got);
  }
  ::close(fd);
  return out;
}

Result<std::string> BlobStore::read_range(const std::string& key, uint64_t offset,
                                          uint64_t length) {
  auto path = local_path(key);
  if (!path) return std::unexpected(path.error());
  return read_file_range(*path, offset, length);
}

}  // namespace vireo
