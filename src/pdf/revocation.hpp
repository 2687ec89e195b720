// Whether a signing certificate has been revoked (a lost card, a colleague who left), asked of
// the OCSP responder (RFC 6960) its authority names in the certificate's Authority Information
// Access. The answer must be signed by the issuer or by a responder it delegated to, be fresh
// (thisUpdate .. nextUpdate, five minutes of clock skew), and carry our nonce when the responder
// echoes nonces.
//
// Thread-safety: each call is independent (the callback runs on the caller's thread).
// Usage:
//   auto url = ocsp_url(cert_pem);                       // empty: the certificate names none
//   auto state = check_revocation(cert_pem, issuer_pem, [&](auto& url, auto der) { return post(url, der); });
//   if (state && state->status == Revocation::Revoked) ...
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vireo::pdf {

// Posts an OCSP request (DER) to `url`, returns the responder's answer (DER).
using OcspCallback = std::function<Result<std::string>(const std::string& url, std::string_view request_der)>;

struct Revocation {
  enum Status { Good, Revoked, Unknown };
  Status status = Unknown;
  std::string reason;  // for Revoked: the CRL reason in words ("key compromise"), or empty
  std::chrono::system_clock::time_point revoked_at{}, valid_until{};  // valid_until: the answer's nextUpdate, or now
};

// The OCSP responder's URL the certificate names; empty when it names none.
[[nodiscard]] Result<std::string> ocsp_url(std::string_view cert_pem);

// The certificate's status, asked of ocsp_url's responder. InvalidArgument for unreadable
// certificates or one that names no responder; Unavailable, saying why, when the responder
// cannot be reached or its answer cannot be trusted (unsigned by the issuer, stale, another
// certificate's, a nonce that is not ours).
[[nodiscard]] Result<Revocation> check_revocation(std::string_view cert_pem, std::string_view issuer_pem,
                                                  const OcspCallback& post);

}  // namespace vireo::pdf
