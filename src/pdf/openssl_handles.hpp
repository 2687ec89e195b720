// Owning handles for the OpenSSL objects the PDF signing code uses, and PEM/DER helpers
// shared by certificates.cpp, pades.cpp and timestamp.cpp. Internal to src/pdf/.
//
// Thread-safety: plain values; OpenSSL 3 is thread-safe for independent objects.
// Usage:
//   auto cert = read_certificate(pem);            // Result<X509Ptr>
//   if (!cert) return std::unexpected(cert.error());
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vireo::pdf::detail {

template <auto Free>
struct OsslFree {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OsslFree<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OsslFree<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OsslFree<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslFree<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslFree<EVP_MD_CTX_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, OsslFree<CMS_ContentInfo_free>>;
using StorePtr = std::unique_ptr<X509_STORE, OsslFree<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslFree<X509_STORE_CTX_free>>;
using NamePtr = std::unique_ptr<X509_NAME, OsslFree<X509_NAME_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OsslFree<X509_EXTENSION_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, OsslFree<PKCS12_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, OsslFree<PKCS7_free>>;
using TsReqPtr = std::unique_ptr<TS_REQ, OsslFree<TS_REQ_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, OsslFree<TS_RESP_free>>;
using TsTstInfoPtr = std::unique_ptr<TS_TST_INFO, OsslFree<TS_TST_INFO_free>>;
using TsMsgImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, OsslFree<TS_MSG_IMPRINT_free>>;
using TsVerifyCtxPtr = std::unique_ptr<TS_VERIFY_CTX, OsslFree<TS_VERIFY_CTX_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, OsslFree<X509_ALGOR_free>>;
using IntegerPtr = std::unique_ptr<ASN1_INTEGER, OsslFree<ASN1_INTEGER_free>>;

// A stack whose certificates belong to someone else.
inline void sk_X509_free_plain(STACK_OF(X509) * s) { sk_X509_free(s); }

struct CertStackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using CertStackPtr = std::unique_ptr<STACK_OF(X509), CertStackFree>;

// The oldest error on OpenSSL's thread-local queue, in words, and the queue cleared (so
// that a later failure is not explained by an earlier one).
[[nodiscard]] std::string openssl_error_text();

[[nodiscard]] Result<PkeyPtr> read_private_key(std::string_view pem);
[[nodiscard]] Result<X509Ptr> read_certificate(std::string_view pem);
// Every certificate of a PEM bundle, in order; an empty bundle gives an empty list.
[[nodiscard]] Result<std::vector<X509Ptr>> read_certificates(std::string_view pem);
[[nodiscard]] Result<std::string> certificate_pem(X509* cert);
// InvalidArgument `mismatch` unless `key` is the private key of `cert`.
[[nodiscard]] Status key_of_certificate(X509* cert, EVP_PKEY* key, const char* mismatch);
[[nodiscard]] Result<std::string> private_key_pem(EVP_PKEY* key);

// The subject's commonName as UTF-8; empty when it has none.
[[nodiscard]] std::string common_name(const X509* cert);

[[nodiscard]] std::string sha256(std::string_view data);

// An ASN.1 UTCTime or GeneralizedTime as a point in time (whole seconds).
[[nodiscard]] Result<std::chrono::system_clock::time_point> to_time_point(const ASN1_TIME* time);

}  // namespace vireo::pdf::detail
