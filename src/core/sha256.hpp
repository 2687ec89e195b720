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

}  // namespace vireo
