// REST API routes (JSON): thin handlers that decode the request, call the archive, and
// encode the answer. Each route names its permission where it is registered.
#pragma once

#include "archive/archive.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "net/http/http_types.hpp"

namespace vireo::api {

void register_archive_routes(http::Router& router, archive::Archive& archive);
void register_auth_routes(http::Router& router, auth::AuthService& auth, audit::AuditLog& audit);
void register_system_routes(http::Router& router, archive::Archive& archive);

}  // namespace vireo::api
