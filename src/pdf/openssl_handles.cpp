#include "pdf/openssl_handles.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <ctime>

namespace vireo::pdf::detail {

namespace {

BioPtr memory_bio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

}  // namespace

std::string openssl_error_text() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail from OpenSSL";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

Result<PkeyPtr> read_private_key(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return fail(ErrorCode::InvalidArgument, "the private key is not a readable PEM key: " + openssl_error_text());
  return key;
}

Result<X509Ptr> read_certificate(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return fail(ErrorCode::InvalidArgument, "the certificate is not a readable PEM certificate: " + openssl_error_text());
  return cert;
}

Result<std::vector<X509Ptr>> read_certificates(std::string_view pem) {
  std::vector<X509Ptr> certs;
  // PEM_read_bio_X509 cannot tell "no more certificates" from "a broken one" by its
  // result, so count the BEGIN lines and demand as many certificates.
  size_t expected = 0;
  for (size_t at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string_view::npos;
       at = pem.find("-----BEGIN CERTIFICATE-----", at + 1))
    ++expected;
  BioPtr bio = memory_bio(pem);
  while (certs.size() < expected) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
      return fail(ErrorCode::InvalidArgument, "certificate " + std::to_string(certs.size() + 1) +
                                                  " of the chain is not readable: " + openssl_error_text());
    certs.push_back(std::move(cert));
  }
  ERR_clear_error();
  return certs;
}

Status key_of_certificate(X509* cert, EVP_PKEY* key, const char* mismatch) {
  if (X509_check_private_key(cert, key) == 1) return {};
  ERR_clear_error();
  return fail(ErrorCode::InvalidArgument, mismatch);
}

Result<std::string> certificate_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    return fail(ErrorCode::Internal, "cannot write a certificate as PEM: " + openssl_error_text());
  return bio_contents(bio.get());
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail(ErrorCode::Internal, "cannot write a private key as PEM: " + openssl_error_text());
  return bio_contents(bio.get());
}

std::string common_name(const X509* cert) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  int index = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
  if (index < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) return {};
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return name;
}

std::string sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

Result<std::chrono::system_clock::time_point> to_time_point(const ASN1_TIME* time) {
  std::tm fields{};
  if (!time || ASN1_TIME_to_tm(time, &fields) != 1) return fail(ErrorCode::InvalidArgument, "an unreadable ASN.1 time");
  // ASN1_TIME_to_tm gives UTC; timegm reads it as UTC.
  return std::chrono::system_clock::from_time_t(::timegm(&fields));
}

}  // namespace vireo::pdf::detail
