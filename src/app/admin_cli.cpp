// `vireo user …`, `vireo token …` and `vireo audit …`: account administration from the
// shell (scripts and integrations get a token without a browser) and audit verification.
// Every change is written to the audit trail as done by the operating-system user.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <iostream>
#include <pwd.h>

#include <nlohmann/json.hpp>

#include "app/admin_cli.hpp"
#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/sha256.hpp"

namespace vireo::app {

namespace {


int report(audit::AuditLog& log, const Status& s, const std::string& action, const std::string& what) {
  audit_cli(log, action, what, s ? "success" : "failure", s ? "" : s.error().detail);
  (void)log.flush();
  if (!s) {
    std::cerr << "vireo: " << s.error().detail << "\n";
    return 1;
  }
  return 0;
}

// A password from stdin (one line), or a generated one that passes the policy.
Result<std::pair<std::string, bool>> obtain_password(const UserCommand& c, size_t min_length) {
  if (c.password_stdin) {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return std::pair{line, false};
  }
  auto pw = auth::generate_password(c.username, min_length);
  if (!pw) return std::unexpected(pw.error());
  return std::pair{*pw, true};
}

std::string roles_text(const std::vector<access::Role>& roles) {
  std::string out;
  for (auto r : roles) out += (out.empty() ? "" : ",") + std::string(access::role_name(r));
  return out;
}
}  // namespace

audit::AuditEvent operator_event(const std::string& action, const std::string& what, const std::string& detail) {
  audit::AuditEvent e;
  e.actor = operator_name();
  e.actor_role = "operator";
  e.action = action;
  e.resource = what;
  e.source = "localhost";
  e.detail = detail;
  return e;
}

void audit_cli(audit::AuditLog& log, const std::string& action, const std::string& what, const std::string& outcome,
               const std::string& detail) {
  audit::AuditEvent e = operator_event(action, what, detail);
  e.outcome = outcome;
  log.record(std::move(e));
}

std::string operator_name() {
  if (const passwd* pw = ::getpwuid(::getuid())) return std::string("cli:") + pw->pw_name;
  return "cli:uid" + std::to_string(::getuid());
}

int run_user_command(Services& s, const UserCommand& c) {
  auth::AuthService& auth = *s.auth;
  audit::AuditLog& log = *s.audit;
  if (c.action == "list") {
    auto users = auth.users();
    if (!users) return report(log, std::unexpected(users.error()), "query", "users");
    std::cout << "user\troles\tstate\ttotp\tlinked to\n";
    for (const auto& u : *users) {
      std::string state = u.disabled ? "disabled" : u.locked_until > system_clock().unix_seconds() ? "locked" : "active";
      std::string link = !u.patient_id.empty() ? "patient " + u.patient_id
                         : !u.physician_name.empty() ? "physician " + u.physician_name : "";
      std::cout << u.username << "\t" << roles_text(u.roles) << "\t" << state << "\t"
                << (u.totp_enabled ? "yes" : "no") << "\t" << link << "\n";
    }
    return 0;
  }
  if (c.action == "add") {
    auth::NewUser n{c.username, c.display_name, "", {}, c.patient_id, c.physician};
    for (const auto& r : c.roles) {
      auto role = access::parse_role(r);
      if (!role) {
        std::cerr << "vireo: unknown role '" << r
                  << "' (admin, receptionist, technician, radiologist, referring, billing, patient)\n";
        return 2;
      }
      n.roles.push_back(*role);
    }
    auto pw = obtain_password(c, auth.policy().password_min_length);
    if (!pw) return report(log, std::unexpected(pw.error()), "create", "user " + c.username);
    n.password = pw->first;
    auto u = auth.add_user(n);
    if (int rc = report(log, u ? Status{} : std::unexpected(u.error()), "create", "user " + c.username); rc) return rc;
    std::cout << "created user " << u->username << " (" << roles_text(u->roles) << ")\n";
    if (pw->second) std::cout << "password: " << pw->first << "\n(shown once; the user can change it)\n";
    return 0;
  }
  if (c.action == "passwd") {
    auto pw = obtain_password(c, auth.policy().password_min_length);
    if (!pw) return report(log, std::unexpected(pw.error()), "update", "password of " + c.username);
    if (int rc = report(log, auth.set_password(c.username, pw->first), "update", "password of " + c.username); rc)
      return rc;
    std::cout << "password changed; the user's sessions were ended\n";
    if (pw->second) std::cout << "password: " << pw->first << "\n(shown once)\n";
    return 0;
  }
  if (c.action == "roles") {
    std::vector<access::Role> roles;
    for (const auto& r : c.roles) {
      auto role = access::parse_role(r);
      if (!role) {
        std::cerr << "vireo: unknown role '" << r << "'\n";
        return 2;
      }
      roles.push_back(*role);
    }
    if (int rc = report(log, auth.set_roles(c.username, roles), "update", "roles of " + c.username); rc) return rc;
    std::cout << c.username << " now has the roles " << roles_text(roles) << "; their sessions were ended\n";
    return 0;
  }
  Status st;
  if (c.action == "disable") st = auth.set_disabled(c.username, true);
  else if (c.action == "enable") st = auth.set_disabled(c.username, false);
  else if (c.action == "unlock") st = auth.unlock(c.username);
  else if (c.action == "reset-totp") st = auth.reset_totp(c.username);
  else st = fail(ErrorCode::InvalidArgument, "unknown action " + c.action);
  if (int rc = report(log, st, "update", c.action + " user " + c.username); rc) return rc;
  std::cout << c.action << ": done for " << c.username << "\n";
  return 0;
}

int run_token_command(Services& s, const TokenCommand& c) {
  auth::AuthService& auth = *s.auth;
  audit::AuditLog& log = *s.audit;
  if (c.action == "create") {
    int64_t expires = c.expires_days > 0 ? system_clock().unix_seconds() + int64_t{c.expires_days} * 86400 : 0;
    auto t = auth.create_token(c.username, c.name, c.scopes.empty() ? std::vector<std::string>{"*"} : c.scopes, expires);
    if (int rc = report(log, t ? Status{} : std::unexpected(t.error()), "create", "token for " + c.username); rc)
      return rc;
    std::cerr << "token " << t->info.id << " for " << c.username << " (shown once; send it as "
              << "'Authorization: Bearer <token>'):\n";
    std::cout << t->token << "\n";
    return 0;
  }
  if (c.action == "list") {
    auto list = auth.tokens(c.username);
    if (!list) return report(log, std::unexpected(list.error()), "query", "tokens");
    std::cout << "id\tuser\tname\tscopes\texpires\tstate\n";
    for (const auto& t : *list) {
      std::string scopes;
      for (const auto& sc : t.scopes) scopes += (scopes.empty() ? "" : " ") + sc;
      std::cout << t.id << "\t" << t.username << "\t" << t.name << "\t" << scopes << "\t"
                << (t.expires_at ? utc_iso(t.expires_at) : "never") << "\t" << (t.revoked ? "revoked" : "active")
                << "\n";
    }
    return 0;
  }
  if (c.action == "revoke") {
    if (int rc = report(log, auth.revoke_token(c.id, 0), "update", "revoke token " + std::to_string(c.id)); rc)
      return rc;
    std::cout << "token " << c.id << " revoked\n";
    return 0;
  }
  std::cerr << "vireo: unknown token action\n";
  return 2;
}

int run_client_command(Services& s, const ClientCommand& c) {
  auth::AuthService& auth = *s.auth;
  audit::AuditLog& log = *s.audit;
  if (c.action == "add") {
    auto created = auth.create_client(c.username, c.name, c.scopes.empty() ? std::vector<std::string>{"*"} : c.scopes);
    if (int rc = report(log, created ? Status{} : std::unexpected(created.error()), "create",
                        "OAuth client for " + c.username);
        rc)
      return rc;
    std::cout << "client_id:     " << created->info.client_id << "\nclient_secret: " << created->secret
              << "\n(the secret is shown once; the client gets tokens with grant_type=client_credentials at "
                 "POST /oauth/token)\n";
    return 0;
  }
  if (c.action == "list") {
    auto list = auth.clients();
    if (!list) return report(log, std::unexpected(list.error()), "query", "clients");
    std::cout << "client_id\tuser\tname\tscopes\tstate\n";
    for (const auto& cl : *list) {
      std::string scopes;
      for (const auto& sc : cl.scopes) scopes += (scopes.empty() ? "" : " ") + sc;
      std::cout << cl.client_id << "\t" << cl.username << "\t" << cl.name << "\t" << scopes << "\t"
                << (cl.revoked ? "revoked" : "active") << "\n";
    }
    return 0;
  }
  if (int rc = report(log, auth.revoke_client(c.client_id), "update", "revoke OAuth client " + c.client_id); rc)
    return rc;
  std::cout << "client " << c.client_id << " and its tokens revoked\n";
  return 0;
}

int run_audit_verify(Services& s) {
  auto v = s.audit->verify([](int64_t n) { std::cerr << "\rverified " << n << " events" << std::flush; });
  if (!v) {
    std::cerr << "\nvireo: " << v.error().detail << "\n";
    return 1;
  }
  if (v->ok) {
    std::cout << "audit trail intact: " << v->events << " events, every link holds\n";
    return 0;
  }
  std::cout << "audit trail BROKEN at event " << v->first_broken_id << ": " << v->reason
            << "\nevents before it are intact; the trail was changed outside Vireo\n";
  return 1;
}

int run_report_verify(Services& s, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "vireo: cannot read " << file.string() << "\n";
    return 2;
  }
  const std::string pdf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto check = s.report_signer->verify(pdf);
  if (!check) {
    std::cerr << "vireo: " << check.error().detail << "\n";
    return 1;
  }
  auto known = s.reports->signed_version_of(sha256_hex(pdf));
  if (!known) {
    std::cerr << "vireo: " << known.error().message() << "\n";
    return 1;
  }
  std::cout << "signature: " << (check->signature_valid ? "valid" : "NOT VALID") << "\n"
            << "document: " << (check->whole_document_covered ? "whole document signed" : "NOT wholly signed") << "\n"
            << "certificate: " << (check->chain_trusted ? "issued by this clinic's CA" : "NOT trusted") << " ("
            << check->signer_common_name << ")\n"
            << "type: " << check->sub_filter << (check->timestamped ? ", time-stamped" : "") << "\n";
  if (*known)
    std::cout << "record: version " << (*known)->number << " of exam " << (*known)->accession_number << ", signed by "
              << (*known)->signer_name << " at " << (*known)->signed_at << "\n";
  else
    std::cout << "record: NO signed report here has this file's SHA-256\n";
  if (!check->problem.empty()) std::cout << "problem: " << check->problem << "\n";
  const bool ok = check->valid() && known->has_value();
  std::cout << (ok ? "verified: this is the report as signed\n" : "NOT VERIFIED\n");
  return ok ? 0 : 1;
}

int print_access_model(Services& s) {
  http::Router router;
  build_router(s, router);
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& r : router.routes())
    routes.push_back({{"method", r.method}, {"path", r.pattern}, {"permission", r.permission}});
  nlohmann::json roles = nlohmann::json::object();
  for (access::Role role : access::all_roles()) {
    nlohmann::json perms = nlohmann::json::array();
    for (auto p : access::permissions_of(role)) perms.push_back(std::string(p));
    roles[std::string(access::role_name(role))] = perms;
  }
  nlohmann::json permissions = nlohmann::json::object();
  for (const auto& p : access::all_permissions()) permissions[std::string(p.name)] = std::string(p.description);
  std::cout << nlohmann::json{{"routes", routes}, {"roles", roles}, {"permissions", permissions}}.dump(2) << "\n";
  return 0;
}

}  // namespace vireo::app
