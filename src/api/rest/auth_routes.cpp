// Sign-in, sessions, TOTP enrolment and personal tokens (/api/auth/*), user administration
// (/api/users) and the audit trail (/api/audit).
#include <nlohmann/json.hpp>

#include "api/query_params.hpp"
#include "auth/password.hpp"
#include "api/rest/routes.hpp"
#include "api/rest/security.hpp"
#include "api/fhir/audit_event.hpp"
#include "core/clock.hpp"
#include "core/strings.hpp"
#include "net/http/credentials.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The body as a JSON object, or a 400 problem.
Result<json> json_body(const HttpRequest& r) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(ErrorCode::InvalidArgument, "the body must be a JSON object");
  return j;
}

std::string string_field(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json user_json(const auth::User& u) {
  json roles = json::array();
  for (auto r : u.roles) roles.push_back(std::string(access::role_name(r)));
  return {{"username", u.username},
          {"displayName", u.display_name},
          {"roles", roles},
          {"disabled", u.disabled},
          {"totpEnabled", u.totp_enabled},
          {"patientId", u.patient_id},
          {"physicianName", u.physician_name},
          {"failedLogins", u.failed_logins},
          {"lockedUntil", u.locked_until ? json(utc_iso(u.locked_until)) : json(nullptr)},
          {"createdAt", utc_iso(u.created_at)}};
}

json token_json(const auth::TokenInfo& t) {
  return {{"id", t.id},
          {"username", t.username},
          {"name", t.name},
          {"scopes", t.scopes},
          {"createdAt", utc_iso(t.created_at)},
          {"expiresAt", t.expires_at ? json(utc_iso(t.expires_at)) : json(nullptr)},
          {"lastUsed", t.last_used ? json(utc_iso(t.last_used)) : json(nullptr)},
          {"revoked", t.revoked}};
}

json session_json(const access::Principal& p) {
  json roles = json::array(), permissions = json::array();
  for (auto r : p.roles) roles.push_back(std::string(access::role_name(r)));
  for (const auto& perm : access::all_permissions())
    if (p.may(perm.name)) permissions.push_back(std::string(perm.name));
  json j = {{"username", p.username}, {"roles", roles}, {"permissions", permissions},
            {"totpEnrolmentRequired", p.enrolment_only}, {"passwordChangeRequired", p.password_change_only},
            {"totpEnabled", p.totp_enabled}};
  if (p.via == access::Credential::Session) j["csrfToken"] = p.csrf_token;
  return j;
}

std::string session_cookie(const std::string& value, int64_t max_age) {
  return std::string(kSessionCookie) + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) +
         "; HttpOnly; Secure; SameSite=Strict";
}


Result<int64_t> id_param(const HttpRequest& r, const char* name) {
  auto id = row_id(r.param(name));
  if (!id) return fail(ErrorCode::NotFound, "no such token");
  return *id;
}

// POST body {"name", "scopes": [...], "expiresInDays"} -> a token for `username`.
// The permissions a token or client is limited to; absent: everything its user may do.
std::vector<std::string> scopes_field(const json& body) {
  std::vector<std::string> scopes;
  if (auto it = body.find("scopes"); it != body.end() && it->is_array()) {
    for (const auto& s : *it)
      if (s.is_string()) scopes.push_back(s.get<std::string>());
  } else {
    scopes.push_back("*");
  }
  return scopes;
}

json client_json(const auth::OAuthClient& c) {
  return {{"clientId", c.client_id}, {"username", c.username}, {"name", c.name},
          {"scopes", c.scopes},      {"createdAt", utc_iso(c.created_at)}, {"revoked", c.revoked}};
}

HttpResponse create_token(auth::AuthService& auth, const HttpRequest& r, const std::string& username) {
  auto body = json_body(r);
  if (!body) return http::problem(body.error());
  std::vector<std::string> scopes = scopes_field(*body);
  int64_t expires = 0;
  if (auto it = body->find("expiresInDays"); it != body->end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 3650)
      return http::problem(Error{ErrorCode::InvalidArgument, "expiresInDays must be a whole number from 1 to 3650"});
    expires = system_clock().unix_seconds() + it->get<int64_t>() * 86400;
  }
  auto t = auth.create_token(username, string_field(*body, "name"), scopes, expires);
  if (!t) return http::problem(t.error());
  r.audit.detail = "token " + std::to_string(t->info.id) + " for " + username + ", scopes " + join(scopes, ' ');
  json j = token_json(t->info);
  j["token"] = t->token;
  return http::json_response(201, dump(j));
}
}  // namespace

void register_auth_routes(http::Router& router, auth::AuthService& auth, audit::AuditLog& audit) {
  router.add("POST", "/api/auth/login", std::string(access::kPublic), [&auth, &audit](const HttpRequest& r) {
    auto body = json_body(r);
    if (!body) return http::problem(body.error());
    auth::LoginRequest req{string_field(*body, "username"), string_field(*body, "password"),
                           string_field(*body, "totp"),     string_field(*body, "recoveryCode"),
                           r.remote_address,                r.headers.contains("user-agent") ? r.headers.at("user-agent") : ""};
    auto result = auth.login(req);
    HttpRequest who = r;
    who.principal.username = req.username.substr(0, 64);
    if (!result) {
      if (result.error().code != ErrorCode::Unauthenticated) return http::problem(result.error());
      who.audit.detail = result.error().detail;
      auto e = audit_event_for(who, "login", "failure");
      e.actor = who.principal.username;
      audit.record(std::move(e));
      // One answer for every failure: no hint whether the user exists, is locked or
      // mistyped the code (OWASP ASVS 2.2.1 / 3.x).
      return http::problem(Error{ErrorCode::Unauthenticated, "sign-in failed: check the user name, password and code"});
    }
    who.principal = result->principal;
    audit.record(audit_event_for(who, "login", "success"));
    json j = session_json(result->principal);
    j["expiresAt"] = utc_iso(result->expires_at);
    HttpResponse res = http::json_response(200, dump(j));
    res.headers.emplace_back("Set-Cookie",
                             session_cookie(result->session_token, result->expires_at - system_clock().unix_seconds()));
    return res;
  });

  router.add("POST", "/api/auth/logout", std::string(access::kAuthenticated), [&auth, &audit](const HttpRequest& r) {
    if (r.principal.via == access::Credential::Session) {
      if (auto s = auth.logout(r.principal.credential_id); !s) return http::problem(s.error());
    }
    audit.record(audit_event_for(r, "logout", "success"));
    HttpResponse res = http::no_content();
    res.headers.emplace_back("Set-Cookie", session_cookie("", 0));
    return res;
  });

  router.add("GET", "/api/auth/session", std::string(access::kAuthenticated),
             [](const HttpRequest& r) { return http::json_response(200, dump(session_json(r.principal))); });

  router.add("POST", "/api/auth/totp", std::string(access::kAuthenticated), [&auth](const HttpRequest& r) {
    if (r.principal.via != access::Credential::Session)
      return http::problem(Error{ErrorCode::InvalidArgument, "TOTP is set up from a signed-in session, not with a token"});
    auto e = auth.begin_totp(r.principal.user_id);
    if (!e) return http::problem(e.error());
    return http::json_response(200, dump({{"secret", e->secret_base32}, {"otpauthUri", e->otpauth_uri}}));
  });

  router.add("POST", "/api/auth/totp/confirm", std::string(access::kAuthenticated), [&auth, &audit](const HttpRequest& r) {
    if (r.principal.via != access::Credential::Session)
      return http::problem(Error{ErrorCode::InvalidArgument, "TOTP is set up from a signed-in session, not with a token"});
    auto body = json_body(r);
    if (!body) return http::problem(body.error());
    auto codes = auth.confirm_totp(r.principal.user_id, string_field(*body, "code"));
    if (!codes) return http::problem(codes.error());
    audit.record(audit_event_for(r, "update", "success"));
    return http::json_response(200, dump({{"recoveryCodes", *codes}}));
  });

  // The password policy's verdict on a candidate, as the person types it (nothing is stored).
  router.add("POST", "/api/auth/password/check", std::string(access::kAuthenticated), [&auth](const HttpRequest& r) {
    auto body = json_body(r);
    if (!body) return http::problem(body.error());
    auto verdict = auth::check_password_policy(r.principal.username, string_field(*body, "password"),
                                               auth.policy().password_min_length);
    return http::json_response(200, dump({{"acceptable", verdict.has_value()},
                                          {"reason", verdict ? "" : verdict.error().detail}}));
  });

  router.add("POST", "/api/auth/password", std::string(access::kAuthenticated), [&auth, &audit](const HttpRequest& r) {
    if (r.principal.via != access::Credential::Session)
      return http::problem(Error{ErrorCode::InvalidArgument, "a password is changed from a signed-in session, not with a token"});
    auto body = json_body(r);
    if (!body) return http::problem(body.error());
    auto s = auth.change_own_password(r.principal.user_id, r.principal.credential_id, string_field(*body, "currentPassword"),
                                      string_field(*body, "newPassword"), r.remote_address);
    HttpRequest who = r;
    who.audit.detail = s ? "password changed" : s.error().detail;
    audit.record(audit_event_for(who, "update", s ? "success" : "failure"));
    if (!s) return http::problem(s.error());
    return http::no_content();
  });

  router.add("GET", "/api/auth/tokens", std::string(access::kAuthenticated), [&auth](const HttpRequest& r) {
    auto list = auth.tokens(r.principal.username);
    if (!list) return http::problem(list.error());
    json out = json::array();
    for (const auto& t : *list) out.push_back(token_json(t));
    return http::json_response(200, dump(out));
  });
  // Not while a password change or a second factor is pending: a token would outlive the
  // session that must first do either.
  router.add("POST", "/api/auth/tokens", std::string(access::kAuthenticated), [&auth](const HttpRequest& r) {
    if (r.principal.password_change_only || r.principal.enrolment_only)
      return http::problem(Error{ErrorCode::Forbidden, "choose a new password and set up the second factor first"});
    return create_token(auth, r, r.principal.username);
  });
  router.add("DELETE", "/api/auth/tokens/{id}", std::string(access::kAuthenticated), [&auth](const HttpRequest& r) {
    auto id = id_param(r, "id");
    if (!id) return http::problem(id.error());
    if (auto s = auth.revoke_token(*id, r.principal.user_id); !s) return http::problem(s.error());
    return http::no_content();
  });

  // --- OAuth 2.0 client credentials (RFC 6749 4.4): integrations trade a client id and
  // secret for a one-hour bearer token. Errors in the RFC's own terms (5.2).
  router.add("POST", "/oauth/token", std::string(access::kPublic), [&auth, &audit](const HttpRequest& r) {
    auto oauth_error = [](int status, const char* code, const std::string& description) {
      HttpResponse res = http::json_response(status, dump({{"error", code}, {"error_description", description}}));
      if (status == 401) res.headers.emplace_back("WWW-Authenticate", "Basic realm=\"vireo\"");
      return res;
    };
    std::string path;
    std::map<std::string, std::string> form;
    if (!http::parse_target("/?" + r.body, path, form)) return oauth_error(400, "invalid_request", "malformed form body");
    auto field = [&](const char* k) { return form.contains(k) ? form.at(k) : std::string(); };
    if (field("grant_type") != "client_credentials")
      return oauth_error(400, "unsupported_grant_type", "only client_credentials is supported");
    std::string id = field("client_id"), secret = field("client_secret");
    if (auto it = r.headers.find("authorization"); it != r.headers.end()) {
      auto basic = http::basic_credentials(it->second);
      if (!basic) return oauth_error(401, "invalid_client", "use HTTP Basic with the client id and secret");
      id = percent_decode(basic->first, true);
      secret = percent_decode(basic->second, true);
    }
    if (id.empty() || secret.empty()) return oauth_error(401, "invalid_client", "client authentication is required");
    std::vector<std::string> scopes;
    for (const auto& sc : split(field("scope"), ' '))
      if (!sc.empty()) scopes.push_back(sc);
    auto token = auth.issue_client_token(id, secret, scopes, r.remote_address);
    HttpRequest who = r;
    who.principal.username = id.substr(0, 64);
    if (!token) {
      who.audit.detail = "OAuth client: " + token.error().detail;
      audit.record(audit_event_for(who, "login", "failure"));
      if (token.error().code == ErrorCode::Unauthenticated)
        return oauth_error(401, "invalid_client", "client authentication failed");
      if (token.error().code == ErrorCode::InvalidArgument) return oauth_error(400, "invalid_scope", token.error().detail);
      return http::problem(token.error());
    }
    who.principal.username = token->username;
    who.audit.detail = "OAuth client " + id + " issued a token";
    audit.record(audit_event_for(who, "login", "success"));
    std::string scope;
    for (const auto& sc : token->scopes) scope += (scope.empty() ? "" : " ") + sc;
    HttpResponse res = http::json_response(200, dump({{"access_token", token->access_token}, {"token_type", "Bearer"},
                                                      {"expires_in", token->expires_in}, {"scope", scope}}));
    res.headers.emplace_back("Pragma", "no-cache");
    return res;
  });

  // --- user administration ---
  router.add("GET", "/api/users", "users.admin", [&auth](const HttpRequest&) {
    auto list = auth.users();
    if (!list) return http::problem(list.error());
    json out = json::array();
    for (const auto& u : *list) out.push_back(user_json(u));
    return http::json_response(200, dump(out));
  });
  router.add("POST", "/api/users", "users.admin", [&auth](const HttpRequest& r) {
    auto body = json_body(r);
    if (!body) return http::problem(body.error());
    auth::NewUser n{string_field(*body, "username"), string_field(*body, "displayName"),
                    string_field(*body, "password"), {}, string_field(*body, "patientId"),
                    string_field(*body, "physicianName")};
    if (auto it = body->find("roles"); it != body->end() && it->is_array()) {
      for (const auto& v : *it) {
        auto role = v.is_string() ? access::parse_role(v.get<std::string>()) : std::nullopt;
        if (!role) return http::problem(Error{ErrorCode::InvalidArgument, "unknown role " + v.dump()});
        n.roles.push_back(*role);
      }
    }
    // Without a password: a generated temporary one, handed over once and changed at the first
    // sign-in (as after a reset).
    const bool generated = n.password.empty();
    if (generated) {
      auto placeholder = auth::generate_password(n.username, auth.policy().password_min_length);
      if (!placeholder) return http::problem(placeholder.error());
      n.password = *placeholder;
    }
    auto u = auth.add_user(n);
    if (!u) return http::problem(u.error());
    json j = user_json(*u);
    if (generated) {
      auto temporary = auth.reset_password(n.username);
      if (!temporary) return http::problem(temporary.error());
      j["temporaryPassword"] = *temporary;
    }
    return http::json_response(201, dump(j));
  });
  auto user_action = [&router, &auth](const char* suffix, std::function<Status(const std::string&)> fn) {
    router.add("POST", std::string("/api/users/{username}/") + suffix, "users.admin", [&auth, fn](const HttpRequest& r) {
      if (auto s = fn(r.param("username")); !s) return http::problem(s.error());
      auto u = auth.user(r.param("username"));
      if (!u) return http::problem(u.error());
      return http::json_response(200, dump(user_json(*u)));
    });
  };
  user_action("unlock", [&auth](const std::string& u) { return auth.unlock(u); });
  user_action("disable", [&auth](const std::string& u) { return auth.set_disabled(u, true); });
  user_action("enable", [&auth](const std::string& u) { return auth.set_disabled(u, false); });
  user_action("reset-totp", [&auth](const std::string& u) { return auth.reset_totp(u); });
  router.add("POST", "/api/users/{username}/reset-password", "users.admin", [&auth](const HttpRequest& r) {
    auto temporary = auth.reset_password(r.param("username"));
    if (!temporary) return http::problem(temporary.error());
    return http::json_response(200, dump({{"temporaryPassword", *temporary}, {"mustChange", true}}));
  });
  router.add("PUT", "/api/users/{username}/roles", "users.admin", [&auth](const HttpRequest& r) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_array())
      return http::problem(Error{ErrorCode::InvalidArgument, "the body must be a JSON array of role names"});
    std::vector<access::Role> roles;
    for (const auto& v : body) {
      auto role = v.is_string() ? access::parse_role(v.get<std::string>()) : std::nullopt;
      if (!role) return http::problem(Error{ErrorCode::InvalidArgument, "unknown role " + v.dump()});
      roles.push_back(*role);
    }
    if (auto s = auth.set_roles(r.param("username"), roles); !s) return http::problem(s.error());
    auto u = auth.user(r.param("username"));
    if (!u) return http::problem(u.error());
    return http::json_response(200, dump(user_json(*u)));
  });
  router.add("GET", "/api/users/{username}/tokens", "users.admin", [&auth](const HttpRequest& r) {
    auto list = auth.tokens(r.param("username"));
    if (!list) return http::problem(list.error());
    json out = json::array();
    for (const auto& t : *list) out.push_back(token_json(t));
    return http::json_response(200, dump(out));
  });
  router.add("POST", "/api/users/{username}/tokens", "users.admin",
             [&auth](const HttpRequest& r) { return create_token(auth, r, r.param("username")); });
  router.add("GET", "/api/tokens", "users.admin", [&auth](const HttpRequest&) {
    auto list = auth.tokens("");
    if (!list) return http::problem(list.error());
    json out = json::array();
    for (const auto& t : *list) out.push_back(token_json(t));
    return http::json_response(200, dump(out));
  });
  router.add("DELETE", "/api/tokens/{id}", "users.admin", [&auth](const HttpRequest& r) {
    auto id = id_param(r, "id");
    if (!id) return http::problem(id.error());
    if (auto s = auth.revoke_token(*id, 0); !s) return http::problem(s.error());
    return http::no_content();
  });

  // --- OAuth clients (integrations); the secret is in the answer that creates one, only there ---
  router.add("GET", "/api/oauth-clients", "users.admin", [&auth](const HttpRequest&) {
    auto list = auth.clients();
    if (!list) return http::problem(list.error());
    json out = json::array();
    for (const auto& c : *list) out.push_back(client_json(c));
    return http::json_response(200, dump(out));
  });
  router.add("POST", "/api/oauth-clients", "users.admin", [&auth](const HttpRequest& r) {
    auto body = json_body(r);
    if (!body) return http::problem(body.error());
    auto created = auth.create_client(string_field(*body, "username"), string_field(*body, "name"), scopes_field(*body));
    if (!created) return http::problem(created.error());
    r.audit.detail = "OAuth client " + created->info.client_id + " acting as " + created->info.username + ", scopes " +
                     join(created->info.scopes, ' ');
    json j = client_json(created->info);
    j["clientSecret"] = created->secret;
    return http::json_response(201, dump(j));
  });
  router.add("DELETE", "/api/oauth-clients/{clientId}", "users.admin", [&auth](const HttpRequest& r) {
    if (auto s = auth.revoke_client(r.param("clientId")); !s) return http::problem(s.error());
    return http::no_content();
  });

  // --- audit trail ---
  router.add("GET", "/api/audit", "audit.read", [&audit](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"patient", "user", "action", "from", "to", "limit", "offset", "format"}); !s)
      return http::problem(s.error());
    audit::AuditFilter f;
    f.patient_id = r.query_value("patient").value_or("");
    f.actor = r.query_value("user").value_or("");
    f.action = r.query_value("action").value_or("");
    f.from = r.query_value("from").value_or("");
    f.to = r.query_value("to").value_or("");
    auto page = page_of(r, f.limit, 1000);
    if (!page) return http::problem(page.error());
    f.limit = page->limit;
    f.offset = page->offset;
    if (auto s = audit.flush(); !s) return http::problem(s.error());
    auto events = audit.search(f);
    if (!events) return http::problem(events.error());
    std::string format = r.query_value("format").value_or("json");
    if (format == "fhir") {
      HttpResponse res = http::json_response(200, dump(fhir::audit_bundle(*events)));
      res.content_type = "application/fhir+json";
      return res;
    }
    if (format != "json") return http::problem(Error{ErrorCode::InvalidArgument, "format is json or fhir"});
    json out = json::array();
    for (const auto& e : *events)
      out.push_back({{"id", e.id},           {"at", e.at},           {"actor", e.actor},       {"role", e.actor_role},
                     {"action", e.action},   {"outcome", e.outcome}, {"patientId", e.patient_id},
                     {"studyInstanceUid", e.study_uid}, {"resource", e.resource}, {"source", e.source},
                     {"userAgent", e.user_agent}, {"detail", e.detail}, {"hash", e.hash}});
    return http::json_response(200, dump(out));
  });
  router.add("GET", "/api/audit/verify", "audit.read", [&audit](const HttpRequest&) {
    if (auto s = audit.flush(); !s) return http::problem(s.error());
    auto v = audit.verify();
    if (!v) return http::problem(v.error());
    return http::json_response(200, dump({{"ok", v->ok}, {"events", v->events},
                                          {"firstBrokenId", v->ok ? json(nullptr) : json(v->first_broken_id)},
                                          {"reason", v->reason}}));
  });
}

}  // namespace vireo::api
