// The HTTP security layer around every route: who is asking (session cookie or bearer
// token), whether the route's permission allows it, CSRF for cookie-authenticated changes,
// and the audit event that every answered request to a protected route leaves.
//
// Thread-safety: the installed hooks run concurrently on the HTTP worker threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "net/http/credentials.hpp"
#include "net/http/http_types.hpp"

namespace vireo::api {

inline constexpr std::string_view kSessionCookie = "vireo_session";

void install_security(http::Router& router, auth::AuthService& auth, audit::AuditLog& audit);

// An audit event with who/where filled from the request.
[[nodiscard]] audit::AuditEvent audit_event_for(const http::HttpRequest& req, std::string action,
                                                std::string outcome);

}  // namespace vireo::api
