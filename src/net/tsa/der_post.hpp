// One DER message posted over HTTP and the DER answer, as the PKI's small protocols work:
// RFC 3161 time-stamps (TsaClient) and RFC 6960 OCSP revocation checks.
//
// Thread-safety: each call is independent (its own connection).
// Usage:
//   auto reply = post_der(url, query, "application/ocsp-request", "application/ocsp-response",
//                         "the revocation responder", std::chrono::seconds(10));
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vireo::net {

// The answer's body; Unavailable, naming `who`, when it cannot be reached, answers other than
// 200, answers more than 1 MiB, or answers another content type than `reply_type`.
[[nodiscard]] Result<std::string> post_der(const std::string& url, std::string_view body, const char* request_type,
                                           const char* reply_type, const std::string& who,
                                           std::chrono::milliseconds timeout);

}  // namespace vireo::net
