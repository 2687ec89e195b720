#include "pdf/certificates.hpp"

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>

#include <vector>

#include "pdf/openssl_handles.hpp"
#include "pdf/token_key.hpp"

namespace vireo::pdf {

using namespace detail;

namespace {

constexpr long kSecondsPerDay = 24L * 60 * 60;
// RFC 5280 4.1.2.2: at most 20 octets, positive; 16 random octets with the top bit
// cleared make collisions between certificates of one CA practically impossible.
constexpr int kSerialBytes = 16;

Result<PkeyPtr> new_ec_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return fail(ErrorCode::Internal, "cannot generate an EC key: " + openssl_error_text());
  return key;
}

Status set_random_serial(X509* cert) {
  unsigned char bytes[kSerialBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return fail(ErrorCode::Internal, "no random serial: " + openssl_error_text());
  bytes[0] &= 0x7F;
  bytes[0] |= 0x01;  // never a shorter (leading zero) encoding
  BIGNUM* number = BN_bin2bn(bytes, sizeof bytes, nullptr);
  bool ok = number && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != nullptr;
  BN_free(number);
  if (!ok) return fail(ErrorCode::Internal, "cannot set a serial number: " + openssl_error_text());
  return {};
}

Status add_name_entry(X509_NAME* name, const char* field, std::string_view value) {
  if (value.empty()) return {};
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1)
    return fail(ErrorCode::InvalidArgument, std::string("the ") + field + " is not usable in a certificate: " +
                                                openssl_error_text());
  return {};
}

// One extension in OpenSSL's configuration syntax ("critical,CA:TRUE"), issuer and
// subject set for the key identifiers.
Status add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1)
    return fail(ErrorCode::Internal, std::string("cannot add the extension ") + OBJ_nid2sn(nid) + ": " +
                                         openssl_error_text());
  return {};
}

// A version 3 certificate for key, valid from an hour ago (clocks of validators drift)
// for the given days.
Result<X509Ptr> new_certificate(EVP_PKEY* key, long validity_days) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1 || X509_set_pubkey(cert.get(), key) != 1)
    return fail(ErrorCode::Internal, "cannot make a certificate: " + openssl_error_text());
  if (auto serial = set_random_serial(cert.get()); !serial) return std::unexpected(serial.error());
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(validity_days), 0, nullptr))
    return fail(ErrorCode::Internal, "cannot set the validity: " + openssl_error_text());
  return cert;
}

Result<SigningIdentity> identity_of(EVP_PKEY* key, X509* cert, std::string chain_pem) {
  auto key_pem = private_key_pem(key);
  if (!key_pem) return std::unexpected(key_pem.error());
  auto cert_pem = certificate_pem(cert);
  if (!cert_pem) return std::unexpected(cert_pem.error());
  return SigningIdentity{*key_pem, *cert_pem, std::move(chain_pem), {}};
}

}  // namespace

Result<SigningIdentity> make_clinic_ca(std::string_view clinic_name) {
  if (clinic_name.empty()) return fail(ErrorCode::InvalidArgument, "the clinic needs a name for its certificate");
  auto key = new_ec_key();
  if (!key) return std::unexpected(key.error());
  constexpr long kTwentyYears = 20L * 365 + 5;  // the leap days
  auto cert = new_certificate(key->get(), kTwentyYears);
  if (!cert) return std::unexpected(cert.error());
  X509* c = cert->get();
  X509_NAME* name = X509_get_subject_name(c);
  std::string common = std::string(clinic_name) + " Signing CA";
  for (auto added : {add_name_entry(name, "O", clinic_name), add_name_entry(name, "CN", common)})
    if (!added) return std::unexpected(added.error());
  if (X509_set_issuer_name(c, name) != 1) return fail(ErrorCode::Internal, openssl_error_text());
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}})
    if (auto added = add_extension(c, c, nid, value); !added) return std::unexpected(added.error());
  if (X509_sign(c, key->get(), EVP_sha256()) <= 0)
    return fail(ErrorCode::Internal, "cannot sign the CA certificate: " + openssl_error_text());
  return identity_of(key->get(), c, "");
}

Result<SigningIdentity> issue_signing_certificate(const SigningIdentity& ca, std::string_view person_name,
                                                  std::string_view email, int validity_days) {
  if (person_name.empty()) return fail(ErrorCode::InvalidArgument, "the signing certificate needs the person's name");
  if (validity_days < 1) return fail(ErrorCode::InvalidArgument, "the validity must be at least one day");
  auto ca_key = read_private_key(ca.key_pem);
  if (!ca_key) return std::unexpected(ca_key.error());
  auto ca_cert = read_certificate(ca.cert_pem);
  if (!ca_cert) return std::unexpected(ca_cert.error());
  if (auto s = key_of_certificate(ca_cert->get(), ca_key->get(), "the CA's private key does not match its certificate"); !s)
    return std::unexpected(s.error());
  auto key = new_ec_key();
  if (!key) return std::unexpected(key.error());
  auto cert = new_certificate(key->get(), validity_days);
  if (!cert) return std::unexpected(cert.error());
  X509* c = cert->get();
  X509_NAME* name = X509_get_subject_name(c);
  // The person's organisation is the clinic, as its CA says.
  const X509_NAME* ca_name = X509_get_subject_name(ca_cert->get());
  int o_index = X509_NAME_get_index_by_NID(ca_name, NID_organizationName, -1);
  if (o_index >= 0 &&
      X509_NAME_add_entry(name, X509_NAME_get_entry(ca_name, o_index), -1, 0) != 1)
    return fail(ErrorCode::Internal, openssl_error_text());
  if (auto added = add_name_entry(name, "CN", person_name); !added) return std::unexpected(added.error());
  if (X509_set_issuer_name(c, ca_name) != 1) return fail(ErrorCode::Internal, openssl_error_text());
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,nonRepudiation"},
                            std::pair{NID_ext_key_usage, "emailProtection"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}})
    if (auto added = add_extension(c, ca_cert->get(), nid, value); !added) return std::unexpected(added.error());
  if (!email.empty()) {
    if (email.find_first_of(",\r\n") != std::string_view::npos)
      return fail(ErrorCode::InvalidArgument, "the e-mail address is not valid");
    std::string san = "email:" + std::string(email);
    if (auto added = add_extension(c, ca_cert->get(), NID_subject_alt_name, san.c_str()); !added)
      return std::unexpected(added.error());
  }
  if (X509_sign(c, ca_key->get(), EVP_sha256()) <= 0)
    return fail(ErrorCode::Internal, "cannot sign the certificate: " + openssl_error_text());
  return identity_of(key->get(), c, ca.cert_pem);
}

Result<SigningIdentity> load_pkcs12(std::string_view der, std::string_view password) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) {
    ERR_clear_error();
    return fail(ErrorCode::InvalidArgument, "the file is not a PKCS#12 (.p12/.pfx) file");
  }
  // The iteration count is the file's to say, and parsing spends it: a crafted file could hold a
  // server thread for hours. Real exports use 2,048 to 600,000.
  const ASN1_INTEGER* iterations = nullptr;
  PKCS12_get0_mac(nullptr, nullptr, nullptr, &iterations, p12.get());
  if (iterations && ASN1_INTEGER_get(iterations) > 2'000'000)
    return fail(ErrorCode::InvalidArgument, "the PKCS#12 file asks for too many key derivation iterations; export it again");
  std::string pass(password);
  EVP_PKEY* raw_key = nullptr;
  X509* raw_cert = nullptr;
  STACK_OF(X509)* raw_ca = nullptr;
  if (PKCS12_parse(p12.get(), pass.c_str(), &raw_key, &raw_cert, &raw_ca) != 1) {
    std::string why = openssl_error_text();
    return fail(ErrorCode::InvalidArgument,
                "the PKCS#12 file cannot be opened (wrong password or an unsupported encryption): " + why);
  }
  PkeyPtr key(raw_key);
  X509Ptr cert(raw_cert);
  CertStackPtr ca(raw_ca);
  if (!key || !cert) return fail(ErrorCode::InvalidArgument, "the PKCS#12 file lacks a private key or its certificate");
  if (auto s = key_of_certificate(cert.get(), key.get(), "the PKCS#12 file's key does not match its certificate"); !s)
    return std::unexpected(s.error());
  std::string chain;
  for (int i = 0; ca && i < sk_X509_num(ca.get()); ++i) {
    auto pem = certificate_pem(sk_X509_value(ca.get(), i));
    if (!pem) return std::unexpected(pem.error());
    chain += *pem;
  }
  return identity_of(key.get(), cert.get(), std::move(chain));
}

Status check_key_pair(const SigningIdentity& identity) {
  auto cert = read_certificate(identity.cert_pem);
  if (!cert) return std::unexpected(cert.error());
  if (identity.token_key)
    return key_of_certificate(cert->get(), identity.token_key->key(), "the private key does not match the certificate");
  auto key = read_private_key(identity.key_pem);
  if (!key) return std::unexpected(key.error());
  return key_of_certificate(cert->get(), key->get(), "the private key does not match the certificate");
}

Result<std::string> issuer_chain(std::string_view cert_pem, std::string_view candidates_pem) {
  auto cert = read_certificate(cert_pem);
  if (!cert) return std::unexpected(cert.error());
  auto candidates = read_certificates(candidates_pem);
  if (!candidates) return std::unexpected(candidates.error());
  std::string out;
  std::vector<bool> used(candidates->size(), false);
  X509* current = cert->get();
  // X509_check_issued compares names and key identifiers; the signature is checked as well.
  while (X509_check_issued(current, current) != X509_V_OK) {
    size_t i = 0;
    for (; i < candidates->size(); ++i) {
      X509* issuer = (*candidates)[i].get();
      if (!used[i] && X509_check_issued(issuer, current) == X509_V_OK &&
          X509_verify(current, X509_get0_pubkey(issuer)) == 1)
        break;
    }
    ERR_clear_error();
    if (i == candidates->size()) break;
    used[i] = true;
    current = (*candidates)[i].get();
    auto pem = certificate_pem(current);
    if (!pem) return std::unexpected(pem.error());
    out += *pem;
  }
  return out;
}

Result<std::string> first_certificate(std::string_view pem) {
  auto certs = read_certificates(pem);
  if (!certs) return std::unexpected(certs.error());
  if (certs->empty()) return fail(ErrorCode::NotFound, "no certificate issued it here");
  return certificate_pem(certs->front().get());
}

Result<size_t> certificates_in(std::string_view pem) {
  auto certs = read_certificates(pem);
  if (!certs) return std::unexpected(certs.error());
  return certs->size();
}

Status check_signing_identity(const SigningIdentity& identity, std::string_view trusted_pem) {
  auto cert = read_certificate(identity.cert_pem);
  if (!cert) return std::unexpected(cert.error());
  const uint32_t usage = X509_get_key_usage(cert->get());
  if (X509_check_ca(cert->get()) != 0 || (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0)
    return fail(ErrorCode::InvalidArgument, "the certificate is not one for signing documents (an authority's, or its "
                                            "key usage allows neither digital signatures nor non-repudiation)");
  auto roots = read_certificates(trusted_pem);
  if (!roots) return std::unexpected(roots.error());
  auto chain = read_certificates(identity.chain_pem);
  if (!chain) return std::unexpected(chain.error());
  StorePtr store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), OsslFree<sk_X509_free_plain>> untrusted(sk_X509_new_null());
  StoreCtxPtr context(X509_STORE_CTX_new());
  if (!store || !untrusted || !context) return fail(ErrorCode::OutOfResources, "no memory to check a certificate");
  for (const auto& root : *roots)
    if (X509_STORE_add_cert(store.get(), root.get()) != 1) ERR_clear_error();  // a root listed twice
  for (const auto& c : *chain) sk_X509_push(untrusted.get(), c.get());
  if (X509_STORE_CTX_init(context.get(), store.get(), cert->get(), untrusted.get()) != 1)
    return fail(ErrorCode::Internal, "cannot check the certificate: " + openssl_error_text());
  if (X509_verify_cert(context.get()) == 1) return {};
  const int error = X509_STORE_CTX_get_error(context.get());
  ERR_clear_error();
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return fail(ErrorCode::InvalidArgument, "the certificate has expired");
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return fail(ErrorCode::InvalidArgument, "the certificate is not valid yet");
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return fail(ErrorCode::InvalidArgument,
                  "the certificate is not issued by an authority this clinic trusts (an administrator adds the "
                  "authority's certificate to report_trusted_ca_file)");
    default:
      return fail(ErrorCode::InvalidArgument,
                  std::string("the certificate does not check out: ") + X509_verify_cert_error_string(error));
  }
}

}  // namespace vireo::pdf
