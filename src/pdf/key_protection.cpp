#include "pdf/key_protection.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/strings.hpp"
#include "pdf/openssl_handles.hpp"

namespace vireo::pdf {

using namespace detail;

namespace {

BioPtr read_bio(std::string_view text) { return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

std::string seal_of(std::string_view data, std::string_view passphrase) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), passphrase.data(), static_cast<int>(passphrase.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return hex_encode(mac, length);
}

bool seal_holds(std::string_view data, std::string_view passphrase, std::string_view seal) {
  const std::string expected = seal_of(data, passphrase);
  return !passphrase.empty() && seal.size() == expected.size() &&
         CRYPTO_memcmp(seal.data(), expected.data(), expected.size()) == 0;
}

Result<std::string> encrypt_private_key(std::string_view key_pem, std::string_view passphrase) {
  if (passphrase.empty()) return fail(ErrorCode::InvalidArgument, "an empty passphrase protects nothing");
  auto key = read_private_key(key_pem);
  if (!key) return std::unexpected(key.error());
  BioPtr out(BIO_new(BIO_s_mem()));
  const std::string pass(passphrase);
  if (!out || PEM_write_bio_PKCS8PrivateKey(out.get(), key->get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                            const_cast<char*>(pass.c_str())) != 1)
    return fail(ErrorCode::Internal, "cannot encrypt the key: " + openssl_error_text());
  return bio_text(out.get());
}

Result<std::string> decrypt_private_key(std::string_view encrypted_pem, std::string_view passphrase) {
  // A key kept in clear (planted where only encrypted ones are kept) is refused, not used.
  if (encrypted_pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") == std::string_view::npos)
    return fail(ErrorCode::IntegrityError, "a signing key is kept unencrypted; it is not used");
  BioPtr in = read_bio(encrypted_pem);
  const std::string pass(passphrase);
  PkeyPtr key(in ? PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, const_cast<char*>(pass.c_str())) : nullptr);
  if (!key) {
    (void)openssl_error_text();
    return fail(ErrorCode::InvalidArgument,
                "the signing key cannot be opened: the passphrase is not the one it was kept with, or it is damaged");
  }
  return private_key_pem(key.get());
}

Result<CertificateSummary> certificate_summary(std::string_view cert_pem) {
  auto cert = read_certificate(cert_pem);
  if (!cert) return std::unexpected(cert.error());
  CertificateSummary out;
  BioPtr subject(BIO_new(BIO_s_mem()));
  if (!subject || X509_NAME_print_ex(subject.get(), X509_get_subject_name(cert->get()), 0,
                                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    return fail(ErrorCode::Internal, "cannot print the certificate's subject");
  out.subject = bio_text(subject.get());
  BioPtr issuer(BIO_new(BIO_s_mem()));
  if (!issuer || X509_NAME_print_ex(issuer.get(), X509_get_issuer_name(cert->get()), 0,
                                    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    return fail(ErrorCode::Internal, "cannot print the certificate's issuer");
  out.issuer = bio_text(issuer.get());
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert->get());
  for (int i = 0; i < serial->length; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.serial += kHex[serial->data[i] >> 4];
    out.serial += kHex[serial->data[i] & 15];
  }
  out.common_name = common_name(cert->get());
  auto until = to_time_point(X509_get0_notAfter(cert->get()));
  if (!until) return std::unexpected(until.error());
  out.not_after = *until;
  return out;
}

}  // namespace vireo::pdf
