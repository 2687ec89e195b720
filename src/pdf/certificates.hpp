// The certificates that sign reports: a clinic's own certification authority, the
// radiologists' signing certificates it issues, and certificates bought elsewhere and
// brought in as PKCS#12 files. Keys are EC P-256 (small signatures, fast; accepted by
// every PAdES validator we know).
//
// Thread-safety: each call is independent.
// Usage:
//   auto ca = make_clinic_ca("Clínica Diagonal");
//   auto person = issue_signing_certificate(*ca, "Núria Puigdemont i Soler", "nuria@example.org", 825);
//   auto signed_pdf = sign_pades(pdf, *person, request);      // pdf/pades.hpp
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vireo::pdf {

class TokenKey;  // a private key on a PKCS#11 token (pdf/pkcs11.hpp)

// What signs: a private key, its certificate, and the certificates above it.
struct SigningIdentity {
  std::string key_pem;    // PKCS#8 PEM, unencrypted: the caller decides how to keep it
  std::string cert_pem;
  std::string chain_pem;  // the CA certificates, PEM, concatenated; may be empty
  // Set instead of key_pem for a key that cannot leave its token (Pkcs11Token::identity).
  std::shared_ptr<const TokenKey> token_key;
};

// A self-signed CA for one clinic: 20 years, basicConstraints CA:TRUE (critical),
// keyUsage keyCertSign and cRLSign (critical). chain_pem is empty.
[[nodiscard]] Result<SigningIdentity> make_clinic_ca(std::string_view clinic_name);

// A person's signing certificate from the clinic's CA: keyUsage digitalSignature and
// nonRepudiation (critical), extendedKeyUsage emailProtection, the e-mail address in
// subjectAltName, valid for validity_days from now. chain_pem is the CA's certificate.
// InvalidArgument for an empty name, validity_days < 1, or a CA whose key does not match.
[[nodiscard]] Result<SigningIdentity> issue_signing_certificate(const SigningIdentity& ca, std::string_view person_name,
                                                                std::string_view email, int validity_days);

// A PKCS#12 file (DER) and its password: the key, its certificate, the other
// certificates as the chain. InvalidArgument for a wrong password, a file without a key
// or a certificate, or one whose key does not match its certificate. (OpenSSL 3 reads
// AES and 3DES encrypted files; the legacy RC2-40 of very old exports needs OpenSSL's
// legacy provider, which this does not load: re-export such a file.)
[[nodiscard]] Result<SigningIdentity> load_pkcs12(std::string_view der, std::string_view password);

// Whether the key is the one of the certificate (InvalidArgument otherwise, or for either unreadable).
[[nodiscard]] Status check_key_pair(const SigningIdentity& identity);

// The certificates of `candidates_pem` that issued `cert_pem`, then its issuer, and so on up to a
// self-signed one (PEM, concatenated, nearest first): its chain, and nothing else of the bundle.
[[nodiscard]] Result<std::string> issuer_chain(std::string_view cert_pem, std::string_view candidates_pem);

// The first certificate of a PEM bundle, PEM; NotFound for an empty bundle.
[[nodiscard]] Result<std::string> first_certificate(std::string_view pem);

// How many certificates a PEM bundle holds; InvalidArgument for one that is not readable.
[[nodiscard]] Result<size_t> certificates_in(std::string_view pem);

// Whether `identity` may sign reports now: its certificate is within its validity period, may
// sign (keyUsage digitalSignature or nonRepudiation, where it states a key usage), and chains,
// through the certificates of its own chain_pem, to one of `trusted_pem` (PEM, concatenated).
// InvalidArgument naming, in plain words, the first that fails.
[[nodiscard]] Status check_signing_identity(const SigningIdentity& identity, std::string_view trusted_pem);

}  // namespace vireo::pdf
