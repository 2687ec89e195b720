// SHA-256 of files and buffers (OpenSSL EVP), as lowercase hex. Blobs are verified by it.
// Thread-safe: every call has its own context.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vireo {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  [[nodiscard]] std::string hex_digest();  // finishes the hash

 private:
  void* ctx_;
};

[[nodiscard]] std::string sha256_hex(std::string_view data);
[[nodiscard]] Result<std::string> sha256_file(const std::filesystem::path& path);

struct FdDigest {
  std::string sha256;
  uint64_t size = 0;
};
// The hash and size of what remains to be read from `fd` (left open); the errno of a
// failed read. One reused buffer per thread: no allocation per file.
[[nodiscard]] std::expected<FdDigest, int> sha256_fd(int fd);

}  // namespace vireo
