// The HTTPS certificate: the configured one, or, for the embedded default, a self-signed
// one generated on first start (EC P-256, valid for localhost, this host's name and its
// loopback addresses) and kept under the data folder.
//
// Thread-safety: call once at start-up.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace vireo::http {

struct TlsFiles {
  std::filesystem::path certificate, private_key;
  std::string sha256_fingerprint;  // "AB:CD:..." of the certificate, for people to compare
};

// Creates `dir`/cert.pem and `dir`/key.pem (mode 0600) when they do not exist yet.
[[nodiscard]] Result<TlsFiles> ensure_self_signed(const std::filesystem::path& dir);
[[nodiscard]] Result<std::string> certificate_fingerprint(const std::filesystem::path& certificate);

}  // namespace vireo::http
