#include "pdf/revocation.hpp"

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "pdf/openssl_handles.hpp"

namespace vireo::pdf {

using namespace detail;

namespace {

using OcspRequestPtr = std::unique_ptr<OCSP_REQUEST, OsslFree<OCSP_REQUEST_free>>;
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, OsslFree<OCSP_RESPONSE_free>>;
using OcspBasicPtr = std::unique_ptr<OCSP_BASICRESP, OsslFree<OCSP_BASICRESP_free>>;
using OcspIdPtr = std::unique_ptr<OCSP_CERTID, OsslFree<OCSP_CERTID_free>>;
using StringStackPtr = std::unique_ptr<STACK_OF(OPENSSL_STRING), OsslFree<X509_email_free>>;

constexpr long kClockSkewSeconds = 300;

Error untrusted(const std::string& why) {
  return Error{ErrorCode::Unavailable, "the revocation responder's answer cannot be trusted: " + why};
}

}  // namespace

Result<std::string> ocsp_url(std::string_view cert_pem) {
  auto cert = read_certificate(cert_pem);
  if (!cert) return std::unexpected(cert.error());
  StringStackPtr urls(X509_get1_ocsp(cert->get()));
  if (!urls || sk_OPENSSL_STRING_num(urls.get()) == 0) return std::string();
  return std::string(sk_OPENSSL_STRING_value(urls.get(), 0));
}

Result<Revocation> check_revocation(std::string_view cert_pem, std::string_view issuer_pem, const OcspCallback& post) {
  auto url = ocsp_url(cert_pem);
  if (!url) return std::unexpected(url.error());
  if (url->empty()) return fail(ErrorCode::InvalidArgument, "the certificate names no revocation responder");
  auto cert = read_certificate(cert_pem);
  if (!cert) return std::unexpected(cert.error());
  auto issuer = read_certificate(issuer_pem);
  if (!issuer) return std::unexpected(issuer.error());

  OcspRequestPtr request(OCSP_REQUEST_new());
  OcspIdPtr id(OCSP_cert_to_id(EVP_sha1(), cert->get(), issuer->get()));
  if (!request || !id) return fail(ErrorCode::Internal, "cannot make a revocation request: " + openssl_error_text());
  OCSP_CERTID* asked = OCSP_CERTID_dup(id.get());
  if (!asked || !OCSP_request_add0_id(request.get(), asked) || OCSP_request_add1_nonce(request.get(), nullptr, -1) != 1)
    return fail(ErrorCode::Internal, "cannot make a revocation request: " + openssl_error_text());
  unsigned char* der = nullptr;
  const int length = i2d_OCSP_REQUEST(request.get(), &der);
  if (length <= 0) return fail(ErrorCode::Internal, "cannot encode a revocation request: " + openssl_error_text());
  const std::string request_der(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);

  auto answer = post(*url, request_der);
  if (!answer) return std::unexpected(answer.error());
  const auto* p = reinterpret_cast<const unsigned char*>(answer->data());
  OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(answer->size())));
  if (!response) {
    ERR_clear_error();
    return std::unexpected(untrusted("it is not an OCSP response"));
  }
  if (const int status = OCSP_response_status(response.get()); status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
    return fail(ErrorCode::Unavailable,
                std::string("the revocation responder refused to answer: ") + OCSP_response_status_str(status));
  OcspBasicPtr basic(OCSP_response_get1_basic(response.get()));
  if (!basic) return std::unexpected(untrusted("it has no basic response"));
  // A responder that echoes nonces must echo ours; one that does not (common for answers it keeps
  // made in advance) is judged by its freshness below.
  if (OCSP_check_nonce(request.get(), basic.get()) == 0)
    return std::unexpected(untrusted("its nonce is not the one asked with"));

  // Signed by the issuer, or by a responder the issuer delegated to (OCSPSigning): the issuer is the
  // only root trusted for this answer.
  StorePtr store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), OsslFree<sk_X509_free_plain>> issuers(sk_X509_new_null());
  if (!store || !issuers || X509_STORE_add_cert(store.get(), issuer->get()) != 1)
    return fail(ErrorCode::OutOfResources, "no memory to check a revocation answer");
  sk_X509_push(issuers.get(), issuer->get());
  if (OCSP_basic_verify(basic.get(), issuers.get(), store.get(), OCSP_TRUSTOTHER | OCSP_PARTIAL_CHAIN) != 1) {
    const std::string why = openssl_error_text();
    return std::unexpected(untrusted("it is not signed by the certificate's authority (" + why + ")"));
  }
  int status = -1, reason = -1;
  ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked_at, &this_update, &next_update) != 1)
    return std::unexpected(untrusted("it does not speak of this certificate"));
  if (OCSP_check_validity(this_update, next_update, kClockSkewSeconds, -1) != 1) {
    ERR_clear_error();
    return std::unexpected(untrusted("it is out of date"));
  }
  Revocation out;
  out.valid_until = std::chrono::system_clock::now();
  if (next_update)
    if (auto until = to_time_point(next_update)) out.valid_until = *until;
  if (status == V_OCSP_CERTSTATUS_GOOD) {
    out.status = Revocation::Good;
  } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
    out.status = Revocation::Revoked;
    if (reason >= 0) out.reason = OCSP_crl_reason_str(reason);
    if (revoked_at)
      if (auto when = to_time_point(revoked_at)) out.revoked_at = *when;
  }
  return out;
}

}  // namespace vireo::pdf
