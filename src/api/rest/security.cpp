#include "api/rest/security.hpp"

#include <nlohmann/json.hpp>

#include "auth/password.hpp"
#include "core/strings.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;


bool changes_state(const std::string& method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

std::string header(const HttpRequest& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

HttpResponse unauthenticated(const std::string& detail) {
  HttpResponse res = http::problem(Error{ErrorCode::Unauthenticated, detail});
  res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vireo\"");
  return res;
}

// Whether the credential itself was refused, as opposed to the database failing to answer
// (which is a 503 to retry, not a reason to sign anyone out).
bool credential_refused(const Error& e) {
  return e.code == ErrorCode::Unauthenticated || e.code == ErrorCode::Forbidden || e.code == ErrorCode::NotFound;
}

// Resolves the credential; nullopt and an anonymous principal when there is none. A
// credential that is present but invalid is an error (never silently anonymous).
std::optional<HttpResponse> authenticate(HttpRequest& req, auth::AuthService& auth, std::string& why) {
  std::string authz = header(req, "authorization");
  std::string cookies = header(req, "cookie");
  if (authz.size() > http::kMaxCredentialLength) {
    why = "oversized Authorization header";
    return unauthenticated("the credential is not valid; sign in again");
  }
  if (!authz.empty()) {
    auto token = http::bearer_token(authz);
    if (!token) {
      why = "unsupported Authorization scheme";
      return unauthenticated("use 'Authorization: Bearer <token>'");
    }
    auto p = auth.authenticate_bearer(*token);
    if (!p) {
      why = p.error().detail;
      if (!credential_refused(p.error())) return http::problem(p.error());
      return unauthenticated("the token is not valid (unknown, expired or revoked)");
    }
    req.principal = std::move(*p);
    return std::nullopt;
  }
  if (auto session = http::cookie_value(cookies, kSessionCookie)) {
    auto p = auth.authenticate_session(*session);
    if (!p) {
      why = p.error().detail;
      // The database did not answer: the session may be fine, so it is kept (the browser retries).
      if (!credential_refused(p.error())) return http::problem(p.error());
      HttpResponse res = unauthenticated("the session has ended; sign in again");
      res.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) +
                                                 "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
      return res;
    }
    req.principal = std::move(*p);
  }
  return std::nullopt;
}
}  // namespace

audit::AuditEvent audit_event_for(const HttpRequest& req, std::string action, std::string outcome) {
  audit::AuditEvent e;
  e.actor = req.principal.authenticated() ? req.principal.username : "anonymous";
  e.actor_role = req.principal.role_list();
  e.action = std::move(action);
  e.outcome = std::move(outcome);
  e.resource = req.method + " " + req.path;
  e.source = req.remote_address;
  e.user_agent = header(req, "user-agent").substr(0, 256);
  e.patient_id = req.audit.patient_id;
  e.study_uid = req.audit.study_uid;
  e.detail = req.audit.detail;
  return e;
}

void install_security(http::Router& router, auth::AuthService& auth, audit::AuditLog& audit) {
  router.set_guard([&auth, &audit](HttpRequest& req, const http::Route& route) -> std::optional<HttpResponse> {
    std::string why;
    auto refused = authenticate(req, auth, why);
    if (route.permission == access::kPublic) {
      // A stale cookie must not stand between a user and the sign-in page.
      if (refused) req.principal = {};
      return std::nullopt;
    }
    if (!refused && !req.principal.authenticated()) {
      why = "no credential";
      refused = unauthenticated("sign in (session cookie) or send 'Authorization: Bearer <token>'");
    }
    if (!refused && !req.principal.may(route.permission)) {
      why = "lacks permission " + route.permission;
      refused = req.principal.enrolment_only
                    ? http::problem(Error{ErrorCode::Forbidden,
                                          "your role requires a second factor: set up TOTP first (POST /api/auth/totp)"})
                : req.principal.password_change_only
                    ? http::problem(Error{ErrorCode::Forbidden,
                                          "your password was reset: choose a new one first (POST /api/auth/password)"})
                    : http::problem(Error{ErrorCode::Forbidden, "your role does not allow this (" + route.permission + ")"});
    }
    if (!refused && req.principal.via == access::Credential::Session && changes_state(req.method) &&
        !auth::equal_secrets(header(req, "x-csrf-token"), req.principal.csrf_token)) {
      why = "missing or wrong CSRF token";
      refused = http::problem(Error{ErrorCode::CsrfRejected, "send the X-CSRF-Token header given at sign-in"});
    }
    if (refused) {
      req.audit.detail = why;
      req.audit.recorded = true;
      audit.record(audit_event_for(req, "refused", "failure"));
    }
    return refused;
  });

  router.set_after([&audit](const HttpRequest& req, const http::Route* route, const HttpResponse& res) {
    if (!route || route->permission == access::kPublic || route->permission == access::kAuthenticated) return;
    // Refused by the guard, which recorded it; a handler's own 403 (a re-authentication that
    // failed, a row of another patient) is recorded here like any other answer.
    if (req.audit.recorded || res.status == 401) return;
    std::string action = route->permission.ends_with(".export") ? "export"
                         : req.method == "DELETE"               ? "delete"
                         // (a POST under a read permission is a question sent in a body)
                         : req.method == "POST" && route->permission.ends_with(".read") ? "query"
                         : req.method == "POST"                 ? "create"
                         : req.method == "PUT" || req.method == "PATCH" ? "update"
                         : req.params.empty()                   ? "query"
                                                                : "read";
    auto e = audit_event_for(req, action, res.status < 400 ? "success" : "failure");
    if (e.detail.empty() && !req.query.empty()) {
      std::string q;
      for (const auto& [k, v] : req.query) q += (q.empty() ? "" : "&") + k + "=" + v;
      e.detail = q.substr(0, 1024);
    }
    if (res.status >= 400) e.detail += (e.detail.empty() ? "" : "; ") + std::string("HTTP ") + std::to_string(res.status);
    audit.record(std::move(e));
  });
}

}  // namespace vireo::api
