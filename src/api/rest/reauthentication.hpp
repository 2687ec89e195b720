// A step that the signed-in person confirms by re-authenticating (their password, or their
// authenticator's code for TOTP accounts): signing a report, changing the certificate they sign
// with. The answer to a refusal, in the API's terms.
#pragma once

#include <optional>
#include <string>

#include "auth/auth_service.hpp"
#include "net/http/http_types.hpp"

namespace vireo::api {

// nullopt when `secret` confirms the request's principal; else the answer: 400 (field
// reauthentication, a malformed code), 403 with rule reauthentication (a wrong one; it counts
// towards the lockout), or the service's own error (429 when locked).
[[nodiscard]] std::optional<http::HttpResponse> reauthentication_refused(auth::AuthService& auth,
                                                                         const http::HttpRequest& r,
                                                                         const std::string& secret);

}  // namespace vireo::api
