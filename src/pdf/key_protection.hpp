// Private keys kept where others can read them (the database every node shares) are kept
// encrypted: PKCS#8 with PBES2 (AES-256-CBC, PBKDF2) under the installation's passphrase.
// Also what the Signer shows of a certificate: its subject and serial number.
//
// Thread-safety: each call is independent.
// Usage:
//   auto sealed = encrypt_private_key(identity.key_pem, passphrase);   // to store
//   auto key_pem = decrypt_private_key(*sealed, passphrase);            // to sign
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vireo::pdf {

[[nodiscard]] Result<std::string> encrypt_private_key(std::string_view key_pem, std::string_view passphrase);
// InvalidArgument for a wrong passphrase or a damaged key.
[[nodiscard]] Result<std::string> decrypt_private_key(std::string_view encrypted_pem, std::string_view passphrase);

// What binds a row that holds no key (a key on a security module: its object and certificate) to
// this installation: HMAC-SHA256 of `data` under the passphrase, lower-case hex. Only a holder of
// the passphrase, which is not in the database, can make a row that passes seal_holds.
[[nodiscard]] std::string seal_of(std::string_view data, std::string_view passphrase);
[[nodiscard]] bool seal_holds(std::string_view data, std::string_view passphrase, std::string_view seal);

struct CertificateSummary {
  std::string subject;  // RFC 2253, UTF-8
  std::string issuer;   // the same, of its issuer
  std::string serial;   // hex
  std::string common_name;
  std::chrono::system_clock::time_point not_after{};
};
[[nodiscard]] Result<CertificateSummary> certificate_summary(std::string_view cert_pem);

}  // namespace vireo::pdf
