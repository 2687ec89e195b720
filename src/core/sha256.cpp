#include "core/sha256.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/strings.hpp"

namespace vireo {

namespace {
constexpr size_t kBuffer = 1 << 18;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const void* data, size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}

std::string Sha256::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  return hex_encode(md, len);
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.hex_digest();
}

std::expected<FdDigest, int> sha256_fd(int fd) {
  // Not a std::vector: zero-filling (and faulting in) a fresh buffer per file cost more
  // CPU than hashing it.
  thread_local std::unique_ptr<char[]> buf = std::make_unique_for_overwrite<char[]>(kBuffer);
  Sha256 h;
  FdDigest out;
  while (true) {
    ssize_t n = ::read(fd, buf.get(), kBuffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(errno);
    if (n == 0) break;
    h.update(buf.get(), static_cast<size_t>(n));
    out.size += static_cast<uint64_t>(n);
  }
  out.sha256 = h.hex_digest();
  return out;
}

Result<std::string> sha256_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::NotFound, "cannot open blob: " + std::string(std::strerror(errno)));
  auto d = sha256_fd(fd);
  ::close(fd);
  if (!d) return fail(ErrorCode::IntegrityError, "read failed: " + std::string(std::strerror(d.error())));
  return d->sha256;
}

}  // namespace vireo
