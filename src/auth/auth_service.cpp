#include "auth/auth_service.hpp"

#include <sodium.h>

#include <algorithm>

#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace vireo::auth {

namespace {
constexpr int kRecoveryCodes = 10;
constexpr int64_t kClientTokenSeconds = 3600;

Status check_roles(const std::vector<Role>& roles, const std::string& patient_id, const std::string& physician) {
  if (roles.empty()) return fail(ErrorCode::InvalidArgument, "a user needs at least one role");
  bool is_patient = std::ranges::find(roles, Role::Patient) != roles.end();
  if (is_patient && patient_id.empty())
    return fail(ErrorCode::InvalidArgument, "a patient user must be linked to a Patient ID (--patient-id)");
  if (is_patient && roles.size() > 1)
    return fail(ErrorCode::InvalidArgument, "the patient role cannot be combined with staff roles");
  if (std::ranges::find(roles, Role::ReferringPhysician) != roles.end() && physician.empty())
    return fail(ErrorCode::InvalidArgument,
                "a referring physician must be linked to the name studies carry (--physician, e.g. SMITH^JOHN)");
  return {};
}

Status check_scopes(const std::vector<std::string>& scopes) {
  if (scopes.empty()) return fail(ErrorCode::InvalidArgument, "at least one scope (or *) is needed");
  for (const auto& s : scopes)
    if (s != "*" && (!access::is_known_permission(s) || s == access::kPublic || s == access::kAuthenticated))
      return fail(ErrorCode::InvalidArgument, "unknown scope '" + s + "'");
  return {};
}
constexpr const char* kUserColumns =
    "id, username, display_name, disabled, totp_enabled, patient_id, physician_name, failed_logins, "
    "locked_until, created_at, password_hash, totp_secret, totp_last_step, totp_pending, must_change_password";

Error unauthenticated(std::string why) { return Error{ErrorCode::Unauthenticated, std::move(why)}; }

std::string to_hex(std::string_view bin) {
  std::string out(bin.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()), bin.size());
  out.pop_back();
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &len,
                     nullptr) != 0)
    return {};
  out.resize(len);
  return out;
}

bool valid_username(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::ranges::all_of(name, [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@';
  });
}

// "K7QF2-MX9PA": 50 bits, typed by hand from a printout.
std::string new_recovery_code() {
  std::string b = base32(random_bytes(7)).substr(0, 10);
  std::ranges::transform(b, b.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return b.substr(0, 5) + "-" + b.substr(5, 5);
}

std::string normalise_recovery_code(std::string_view code) {
  std::string out;
  for (unsigned char c : code)
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::toupper(c)));
  return out.size() == 10 ? out.substr(0, 5) + "-" + out.substr(5) : out;
}

std::vector<std::string> split_scopes(const std::string& s) {
  std::vector<std::string> out;
  for (auto& part : split(s, ' '))
    if (!part.empty()) out.push_back(part);
  return out;
}

}  // namespace

const std::vector<Migration>& auth_migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "identity: users, roles, sessions, tokens, recovery codes, login failures",
       {
           R"(CREATE TABLE users (
                id ${PK},
                username TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL DEFAULT '',
                password_hash TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                patient_id TEXT NOT NULL DEFAULT '',
                physician_name TEXT NOT NULL DEFAULT '',
                totp_enabled INTEGER NOT NULL DEFAULT 0,
                totp_secret TEXT NOT NULL DEFAULT '',
                totp_pending TEXT NOT NULL DEFAULT '',
                totp_last_step INTEGER NOT NULL DEFAULT 0,
                failed_logins INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                password_changed_at INTEGER NOT NULL))",
           R"(CREATE TABLE user_roles (
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                PRIMARY KEY (user_fk, role)))",
           R"(CREATE TABLE sessions (
                id ${PK},
                token_hash TEXT NOT NULL UNIQUE,
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                last_seen INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                address TEXT NOT NULL DEFAULT '',
                user_agent TEXT NOT NULL DEFAULT '',
                revoked INTEGER NOT NULL DEFAULT 0))",
           "CREATE INDEX sessions_user ON sessions (user_fk)",
           R"(CREATE TABLE api_tokens (
                id ${PK},
                token_hash TEXT NOT NULL UNIQUE,
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                scopes TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL DEFAULT 0,
                last_used INTEGER NOT NULL DEFAULT 0,
                revoked INTEGER NOT NULL DEFAULT 0))",
           "CREATE INDEX api_tokens_user ON api_tokens (user_fk)",
           R"(CREATE TABLE recovery_codes (
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                code_hash TEXT NOT NULL,
                used_at INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (user_fk, code_hash)))",
           R"(CREATE TABLE login_failures (
                id ${PK},
                at INTEGER NOT NULL,
                address TEXT NOT NULL,
                username TEXT NOT NULL))",
           "CREATE INDEX login_failures_address ON login_failures (address, at)",
           "CREATE INDEX login_failures_at ON login_failures (at)",
       }},
      {2,
       "identity: OAuth 2.0 clients (client credentials grant)",
       {
           R"(CREATE TABLE oauth_clients (
                id ${PK},
                client_id TEXT NOT NULL UNIQUE,
                secret_hash TEXT NOT NULL,
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                scopes TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0))",
           "ALTER TABLE api_tokens ADD COLUMN client_fk INTEGER REFERENCES oauth_clients (id)",
           "CREATE INDEX api_tokens_client ON api_tokens (client_fk)",
       }},
      {3,
       "identity: a password an administrator reset must be changed at the next sign-in",
       {
           "ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0",
       }},
  };
  return migrations;
}

AuthService::AuthService(Database& db, AuthPolicy policy, const Clock& clock)
    : db_(db), policy_(std::move(policy)), clock_(clock), pool_(db) {}

Result<std::unique_ptr<AuthService>> AuthService::open(Database& db, AuthPolicy policy, const Clock& clock,
                                                       const MigrationProgress& progress) {
  auto conn = db.connect();
  if (!conn) return std::unexpected(conn.error());
  if (auto s = migrate(**conn, db.dialect(), "auth", auth_migrations(), progress); !s)
    return std::unexpected(s.error());
  return std::unique_ptr<AuthService>(new AuthService(db, std::move(policy), clock));
}

Result<User> AuthService::load_user(Connection& c, const std::string& where, const SqlValue& key) {
  std::vector<SqlValue> params{key};
  auto rows = c.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE " + where, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no such user");
  const Row& r = rows->front();
  User u;
  u.id = r.integer(0);
  u.username = r.text(1);
  u.display_name = r.text(2);
  u.disabled = r.integer(3) != 0;
  u.totp_enabled = r.integer(4) != 0;
  u.patient_id = r.text(5);
  u.physician_name = r.text(6);
  u.failed_logins = static_cast<int>(r.integer(7));
  u.locked_until = r.integer(8);
  u.created_at = r.integer(9);
  u.must_change_password = r.integer(14) != 0;
  auto roles = c.query("SELECT role FROM user_roles WHERE user_fk = ? ORDER BY role", {u.id});
  if (!roles) return std::unexpected(roles.error());
  for (const auto& rr : *roles)
    if (auto role = access::parse_role(rr.text(0))) u.roles.push_back(*role);
  return u;
}

Result<User> AuthService::add_user(const NewUser& n) {
  if (!valid_username(n.username))
    return fail(ErrorCode::InvalidArgument, "a user name has 1 to 64 letters, digits, '.', '_', '-' or '@'");
  if (auto s = check_roles(n.roles, n.patient_id, n.physician_name); !s) return std::unexpected(s.error());
  if (auto s = check_password_policy(n.username, n.password, policy_.password_min_length); !s)
    return std::unexpected(s.error());
  auto hash = hash_password(n.password);
  if (!hash) return std::unexpected(hash.error());
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto existing = load_user(**c, "username = ?", n.username);
  if (existing) return fail(ErrorCode::AlreadyExists, "user '" + n.username + "' already exists");
  if (auto s = (*c)->execute(db_.dialect().begin_write, {}); !s) return std::unexpected(s.error());
  int64_t now = clock_.unix_seconds();
  auto ins = (*c)->query(
      "INSERT INTO users (username, display_name, password_hash, patient_id, physician_name, created_at, "
      "password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {n.username, n.display_name, *hash, n.patient_id, n.physician_name, now, now});
  if (!ins || ins->empty()) {
    (void)(*c)->execute("ROLLBACK", {});
    return std::unexpected(ins ? Error{ErrorCode::DatabaseError, "insert user"} : ins.error());
  }
  int64_t id = ins->front().integer(0);
  for (Role r : n.roles) {
    if (auto s = (*c)->execute("INSERT INTO user_roles (user_fk, role) VALUES (?, ?) ON CONFLICT DO NOTHING",
                               {id, std::string(role_name(r))});
        !s) {
      (void)(*c)->execute("ROLLBACK", {});
      return std::unexpected(s.error());
    }
  }
  if (auto s = (*c)->execute("COMMIT", {}); !s) {
    (void)(*c)->execute("ROLLBACK", {});
    return std::unexpected(s.error());
  }
  return load_user(**c, "id = ?", id);
}

Status AuthService::set_password(const std::string& username, const std::string& password) {
  if (auto s = check_password_policy(username, password, policy_.password_min_length); !s) return s;
  auto hash = hash_password(password);
  if (!hash) return std::unexpected(hash.error());
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "username = ?", username);
  if (!u) return std::unexpected(u.error());
  // A new password ends every session signed in with the old one (OWASP ASVS 3.3.3).
  if (auto s = (*c)->execute("UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, "
                             "locked_until = 0, must_change_password = 0 WHERE id = ?",
                             {*hash, clock_.unix_seconds(), u->id});
      !s)
    return s;
  return (*c)->execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ?", {u->id});
}

Result<std::string> AuthService::reset_password(const std::string& username) {
  auto generated = generate_password(username, policy_.password_min_length);
  if (!generated) return std::unexpected(generated.error());
  const std::string temporary = *generated;
  if (auto s = set_password(username, temporary); !s) return std::unexpected(s.error());
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  if (auto s = (*c)->execute("UPDATE users SET must_change_password = 1 WHERE username = ?", {username}); !s)
    return std::unexpected(s.error());
  // An administrator resets a password that is forgotten or may be known to someone else:
  // tokens minted with it end too (sessions ended with the old password, in set_password).
  if (auto s = (*c)->execute("UPDATE api_tokens SET revoked = 1 WHERE client_fk IS NULL AND user_fk = "
                             "(SELECT id FROM users WHERE username = ?)",
                             {username});
      !s)
    return std::unexpected(s.error());
  return temporary;
}

Status AuthService::change_own_password(int64_t user_id, int64_t session_id, const std::string& current,
                                        const std::string& replacement, const std::string& address) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "id = ?", user_id);
  if (!u) return std::unexpected(u.error());
  auto rows = (*c)->query("SELECT password_hash FROM users WHERE id = ?", {user_id});
  if (!rows || rows->empty()) return std::unexpected(rows ? Error{ErrorCode::DatabaseError, "user vanished"} : rows.error());
  // A locked account is not asked for its password at all, not even from an open session.
  if (u->locked_until > clock_.unix_seconds())
    return fail(ErrorCode::TooManyAttempts, "the account is locked after failed attempts; try again later or ask an administrator");
  // A wrong current password counts as a failed sign-in: a session left open is not a way
  // to guess it.
  if (!verify_password(rows->front().text(0), current)) {
    LoginRequest as_login{u->username, "", "", "", address, ""};
    if (auto s = record_failure(**c, as_login, &*u); !s) return s;
    return fail(ErrorCode::InvalidArgument, "the current password is not right");
  }
  if (current == replacement) return fail(ErrorCode::InvalidArgument, "the new password must differ from the current one");
  if (auto s = check_password_policy(u->username, replacement, policy_.password_min_length); !s) return s;
  auto hash = hash_password(replacement);
  if (!hash) return std::unexpected(hash.error());
  if (auto s = (*c)->execute("UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = 0 "
                             "WHERE id = ?",
                             {*hash, clock_.unix_seconds(), user_id});
      !s)
    return s;
  // Every other session signed in with the old password ends; this one goes on.
  return (*c)->execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ? AND id <> ?", {user_id, session_id});
}

Status AuthService::set_disabled(const std::string& username, bool disabled) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "username = ?", username);
  if (!u) return std::unexpected(u.error());
  if (auto s = (*c)->execute("UPDATE users SET disabled = ? WHERE id = ?", {int64_t{disabled}, u->id}); !s) return s;
  if (disabled) return (*c)->execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ?", {u->id});
  return {};
}

Status AuthService::unlock(const std::string& username) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "username = ?", username);
  if (!u) return std::unexpected(u.error());
  return (*c)->execute("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", {u->id});
}

Status AuthService::reset_totp(const std::string& username) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "username = ?", username);
  if (!u) return std::unexpected(u.error());
  if (auto s = (*c)->execute("UPDATE users SET totp_enabled = 0, totp_secret = '', totp_pending = '', "
                             "totp_last_step = 0 WHERE id = ?",
                             {u->id});
      !s)
    return s;
  if (auto s = (*c)->execute("DELETE FROM recovery_codes WHERE user_fk = ?", {u->id}); !s) return s;
  return (*c)->execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ?", {u->id});
}

Status AuthService::set_roles(const std::string& username, const std::vector<Role>& roles) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "username = ?", username);
  if (!u) return std::unexpected(u.error());
  if (auto s = check_roles(roles, u->patient_id, u->physician_name); !s) return s;
  if (auto s = (*c)->execute(db_.dialect().begin_write, {}); !s) return s;
  auto abort = [&](Status s) {
    (void)(*c)->execute("ROLLBACK", {});
    return s;
  };
  if (auto s = (*c)->execute("DELETE FROM user_roles WHERE user_fk = ?", {u->id}); !s) return abort(s);
  for (Role r : roles)
    if (auto s = (*c)->execute("INSERT INTO user_roles (user_fk, role) VALUES (?, ?) ON CONFLICT DO NOTHING",
                               {u->id, std::string(role_name(r))});
        !s)
      return abort(s);
  // New roles take effect at the next sign-in, and old privileges never linger in a session.
  if (auto s = (*c)->execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ?", {u->id}); !s) return abort(s);
  if (auto s = (*c)->execute("COMMIT", {}); !s) return abort(s);
  return {};
}

Result<User> AuthService::user(const std::string& username) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  return load_user(**c, "username = ?", username);
}

Result<std::vector<User>> AuthService::users() {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto ids = (*c)->query("SELECT id FROM users ORDER BY username", {});
  if (!ids) return std::unexpected(ids.error());
  std::vector<User> out;
  for (const auto& r : *ids) {
    auto u = load_user(**c, "id = ?", r.integer(0));
    if (!u) return std::unexpected(u.error());
    out.push_back(std::move(*u));
  }
  return out;
}

Result<int64_t> AuthService::count_users() {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT COUNT(*) FROM users", {});
  if (!rows) return std::unexpected(rows.error());
  return rows->front().integer(0);
}

bool AuthService::totp_required(const User& u) const {
  return std::ranges::any_of(u.roles, [&](Role r) {
    return std::ranges::find(policy_.totp_required_roles, r) != policy_.totp_required_roles.end();
  });
}

Result<bool> AuthService::address_blocked(Connection& c, const std::string& address) {
  auto rows = c.query("SELECT COUNT(*) FROM login_failures WHERE address = ? AND at > ?",
                      {address, clock_.unix_seconds() - policy_.address_window_seconds});
  if (!rows) return std::unexpected(rows.error());
  return rows->front().integer(0) >= policy_.max_failures_per_address;
}

Status AuthService::record_failure(Connection& c, const LoginRequest& req, const User* u) {
  int64_t now = clock_.unix_seconds();
  if (auto s = c.execute("DELETE FROM login_failures WHERE at < ?", {now - 4 * int64_t{policy_.address_window_seconds}});
      !s)
    return s;
  if (auto s = c.execute("INSERT INTO login_failures (at, address, username) VALUES (?, ?, ?)",
                         {now, req.address, req.username.substr(0, 64)});
      !s)
    return s;
  if (!u) return {};
  return c.execute(
      "UPDATE users SET failed_logins = failed_logins + 1, locked_until = CASE WHEN failed_logins + 1 >= ? "
      "THEN ? ELSE locked_until END WHERE id = ?",
      {int64_t{policy_.max_failures_per_account}, now + policy_.lockout_seconds, u->id});
}

Result<LoginResult> AuthService::login(const LoginRequest& req) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  Connection& conn = **c;
  auto failed = [&](const User* u, std::string why) -> Result<LoginResult> {
    if (auto s = record_failure(conn, req, u); !s) return std::unexpected(s.error());
    return std::unexpected(unauthenticated(std::move(why)));
  };
  auto blocked = address_blocked(conn, req.address);
  if (!blocked) return std::unexpected(blocked.error());
  if (*blocked) {
    verify_password_dummy(req.password);
    return failed(nullptr, "too many failed sign-ins from this address");
  }
  auto u = load_user(conn, "username = ?", req.username);
  if (!u) {
    if (u.error().code != ErrorCode::NotFound) return std::unexpected(u.error());
    verify_password_dummy(req.password);
    return failed(nullptr, "unknown user");
  }
  auto secret_rows = conn.query("SELECT password_hash, totp_secret, totp_last_step FROM users WHERE id = ?", {u->id});
  if (!secret_rows || secret_rows->empty()) return std::unexpected(Error{ErrorCode::DatabaseError, "user vanished"});
  const std::string hash = secret_rows->front().text(0);
  const std::string totp_secret = from_hex(secret_rows->front().text(1));
  const uint64_t last_step = static_cast<uint64_t>(secret_rows->front().integer(2));
  const int64_t now = clock_.unix_seconds();
  if (u->locked_until > now) {
    verify_password_dummy(req.password);
    return failed(nullptr, "account locked");
  }
  if (!verify_password(hash, req.password)) return failed(&*u, "wrong password");
  if (u->disabled) return failed(nullptr, "account disabled");
  if (u->totp_enabled) {
    if (!req.recovery_code.empty()) {
      std::string code_hash = sha256_hex(normalise_recovery_code(req.recovery_code));
      if (auto s = conn.execute("UPDATE recovery_codes SET used_at = ? WHERE user_fk = ? AND code_hash = ? AND "
                                "used_at = 0",
                                {now, u->id, code_hash});
          !s)
        return std::unexpected(s.error());
      if (conn.changes() != 1) return failed(&*u, "wrong or used recovery code");
    } else {
      auto step = verify_totp(totp_secret, req.totp, now, last_step);
      if (!step) return failed(&*u, req.totp.empty() ? "TOTP code missing" : "wrong or reused TOTP code");
      if (auto s = conn.execute("UPDATE users SET totp_last_step = ? WHERE id = ?", {static_cast<int64_t>(*step), u->id});
          !s)
        return std::unexpected(s.error());
    }
  }
  if (auto s = conn.execute("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", {u->id}); !s)
    return std::unexpected(s.error());

  LoginResult out;
  out.session_token = random_token(32);
  out.expires_at = now + policy_.session_absolute_seconds;
  std::string csrf = random_token(24);
  auto ins = conn.query(
      "INSERT INTO sessions (token_hash, user_fk, csrf_token, created_at, last_seen, expires_at, address, user_agent) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {sha256_hex(out.session_token), u->id, csrf, now, now, out.expires_at, req.address,
       req.user_agent.substr(0, 256)});
  if (!ins || ins->empty()) return std::unexpected(ins ? Error{ErrorCode::DatabaseError, "insert session"} : ins.error());
  auto p = principal_for(conn, u->id);
  if (!p) return std::unexpected(p.error());
  out.principal = std::move(*p);
  out.principal.via = Credential::Session;
  out.principal.credential_id = ins->front().integer(0);
  out.principal.csrf_token = csrf;
  return out;
}

Result<Principal> AuthService::principal_for(Connection& c, int64_t user_id) {
  auto u = load_user(c, "id = ?", user_id);
  if (!u) return std::unexpected(u.error());
  if (u->disabled) return std::unexpected(unauthenticated("account disabled"));
  Principal p;
  p.user_id = u->id;
  p.username = u->username;
  p.roles = u->roles;
  p.patient_id = u->patient_id;
  p.physician_name = u->physician_name;
  p.enrolment_only = totp_required(*u) && !u->totp_enabled;
  p.password_change_only = u->must_change_password;
  return p;
}

Result<Principal> AuthService::authenticate_session(const std::string& session_token) {
  if (session_token.empty() || session_token.size() > 128) return std::unexpected(unauthenticated("malformed session"));
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT id, user_fk, csrf_token, last_seen, expires_at, revoked FROM sessions "
                          "WHERE token_hash = ?",
                          {sha256_hex(session_token)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::unexpected(unauthenticated("unknown session"));
  const Row& r = rows->front();
  int64_t now = clock_.unix_seconds();
  if (r.integer(5) != 0) return std::unexpected(unauthenticated("session ended"));
  if (now >= r.integer(4)) return std::unexpected(unauthenticated("session expired (absolute timeout)"));
  if (now - r.integer(3) >= policy_.session_idle_seconds)
    return std::unexpected(unauthenticated("session expired (idle timeout)"));
  auto p = principal_for(**c, r.integer(1));
  if (!p) return std::unexpected(p.error());
  if (now > r.integer(3)) (void)(*c)->execute("UPDATE sessions SET last_seen = ? WHERE id = ?", {now, r.integer(0)});
  p->via = Credential::Session;
  p->credential_id = r.integer(0);
  p->csrf_token = r.text(2);
  return p;
}

Result<Principal> AuthService::authenticate_bearer(const std::string& token) {
  if (token.empty() || token.size() > 256) return std::unexpected(unauthenticated("malformed token"));
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT id, user_fk, scopes, expires_at, revoked, last_used FROM api_tokens "
                          "WHERE token_hash = ?",
                          {sha256_hex(token)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::unexpected(unauthenticated("unknown token"));
  const Row& r = rows->front();
  int64_t now = clock_.unix_seconds();
  if (r.integer(4) != 0) return std::unexpected(unauthenticated("token revoked"));
  if (r.integer(3) != 0 && now >= r.integer(3)) return std::unexpected(unauthenticated("token expired"));
  auto p = principal_for(**c, r.integer(1));
  if (!p) return std::unexpected(p.error());
  if (now >= r.integer(5) + 60) (void)(*c)->execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", {now, r.integer(0)});
  p->via = Credential::Token;
  p->credential_id = r.integer(0);
  p->token_scopes = split_scopes(r.text(2));
  // A token is for scripts: it cannot be used to finish a TOTP enrolment, and a role that
  // requires TOTP keeps its tokens working (they were created by an admin or a signed-in user).
  p->enrolment_only = false;
  p->password_change_only = false;
  return p;
}

Status AuthService::logout(int64_t session_id) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  return (*c)->execute("UPDATE sessions SET revoked = 1 WHERE id = ?", {session_id});
}

Result<TotpEnrolment> AuthService::begin_totp(int64_t user_id) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "id = ?", user_id);
  if (!u) return std::unexpected(u.error());
  if (u->totp_enabled)
    return fail(ErrorCode::AlreadyExists, "TOTP is already set up; an admin can reset it (vireo user reset-totp)");
  std::string secret = new_totp_secret();
  if (auto s = (*c)->execute("UPDATE users SET totp_pending = ? WHERE id = ?", {to_hex(secret), user_id}); !s)
    return std::unexpected(s.error());
  return TotpEnrolment{base32(secret), totp_uri("Vireo", u->username, secret)};
}

Result<std::vector<std::string>> AuthService::confirm_totp(int64_t user_id, const std::string& code) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT totp_pending, totp_enabled FROM users WHERE id = ?", {user_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no such user");
  if (rows->front().integer(1) != 0) return fail(ErrorCode::AlreadyExists, "TOTP is already set up");
  std::string secret = from_hex(rows->front().text(0));
  if (secret.empty()) return fail(ErrorCode::InvalidArgument, "start the TOTP set-up first");
  auto step = verify_totp(secret, code, clock_.unix_seconds(), 0);
  if (!step) return fail(ErrorCode::InvalidArgument, "the code does not match; check the authenticator app's clock");
  std::vector<std::string> codes;
  if (auto s = (*c)->execute(db_.dialect().begin_write, {}); !s) return std::unexpected(s.error());
  auto abort = [&](const Error& e) -> Result<std::vector<std::string>> {
    (void)(*c)->execute("ROLLBACK", {});
    return std::unexpected(e);
  };
  if (auto s = (*c)->execute("UPDATE users SET totp_enabled = 1, totp_secret = totp_pending, totp_pending = '', "
                             "totp_last_step = ? WHERE id = ?",
                             {static_cast<int64_t>(*step), user_id});
      !s)
    return abort(s.error());
  if (auto s = (*c)->execute("DELETE FROM recovery_codes WHERE user_fk = ?", {user_id}); !s) return abort(s.error());
  for (int i = 0; i < kRecoveryCodes; ++i) {
    codes.push_back(new_recovery_code());
    if (auto s = (*c)->execute("INSERT INTO recovery_codes (user_fk, code_hash) VALUES (?, ?)",
                               {user_id, sha256_hex(codes.back())});
        !s)
      return abort(s.error());
  }
  if (auto s = (*c)->execute("COMMIT", {}); !s) return abort(s.error());
  return codes;
}

Result<CreatedToken> AuthService::create_token(const std::string& username, const std::string& name,
                                               const std::vector<std::string>& scopes, int64_t expires_at) {
  if (name.empty() || name.size() > 100) return fail(ErrorCode::InvalidArgument, "a token needs a name (1 to 100 characters)");
  if (auto s = check_scopes(scopes); !s) return std::unexpected(s.error());
  int64_t now = clock_.unix_seconds();
  if (expires_at != 0 && expires_at <= now) return fail(ErrorCode::InvalidArgument, "the expiry is in the past");
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "username = ?", username);
  if (!u) return std::unexpected(u.error());
  CreatedToken out;
  out.token = "vireo_" + random_token(32);
  auto ins = (*c)->query("INSERT INTO api_tokens (token_hash, user_fk, name, scopes, created_at, expires_at) "
                         "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                         {sha256_hex(out.token), u->id, name, join(scopes, ' '), now, expires_at});
  if (!ins || ins->empty()) return std::unexpected(ins ? Error{ErrorCode::DatabaseError, "insert token"} : ins.error());
  out.info = TokenInfo{ins->front().integer(0), u->username, name, scopes, now, expires_at, 0, false};
  return out;
}

Result<std::vector<TokenInfo>> AuthService::tokens(const std::string& username) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  std::string sql =
      "SELECT t.id, u.username, t.name, t.scopes, t.created_at, t.expires_at, t.last_used, t.revoked "
      "FROM api_tokens t JOIN users u ON u.id = t.user_fk WHERE t.client_fk IS NULL";
  std::vector<SqlValue> params;
  if (!username.empty()) {
    sql += " AND u.username = ?";
    params.emplace_back(username);
  }
  sql += " ORDER BY t.id";
  auto rows = (*c)->query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty() && !username.empty()) {
    // No tokens, or no such user: an unknown user is NotFound, like every unknown resource.
    auto known = (*c)->query("SELECT 1 FROM users WHERE username = ?", {username});
    if (!known) return std::unexpected(known.error());
    if (known->empty()) return fail(ErrorCode::NotFound, "no such user");
  }
  std::vector<TokenInfo> out;
  for (const auto& r : *rows)
    out.push_back(TokenInfo{r.integer(0), r.text(1), r.text(2), split_scopes(r.text(3)), r.integer(4), r.integer(5),
                            r.integer(6), r.integer(7) != 0});
  return out;
}

Result<CreatedClient> AuthService::create_client(const std::string& username, const std::string& name,
                                                 const std::vector<std::string>& scopes) {
  if (name.empty() || name.size() > 100) return fail(ErrorCode::InvalidArgument, "a client needs a name (1 to 100 characters)");
  if (auto s = check_scopes(scopes); !s) return std::unexpected(s.error());
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "username = ?", username);
  if (!u) return std::unexpected(u.error());
  CreatedClient out;
  out.info.client_id = "vireo-client-" + random_token(12);
  out.secret = random_token(32);
  int64_t now = clock_.unix_seconds();
  auto ins = (*c)->query("INSERT INTO oauth_clients (client_id, secret_hash, user_fk, name, scopes, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                         {out.info.client_id, sha256_hex(out.secret), u->id, name, join(scopes, ' '), now});
  if (!ins || ins->empty()) return std::unexpected(ins ? Error{ErrorCode::DatabaseError, "insert client"} : ins.error());
  out.info.id = ins->front().integer(0);
  out.info.username = username;
  out.info.name = name;
  out.info.scopes = scopes;
  out.info.created_at = now;
  return out;
}

Result<std::vector<OAuthClient>> AuthService::clients() {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT o.id, o.client_id, u.username, o.name, o.scopes, o.created_at, o.revoked "
                          "FROM oauth_clients o JOIN users u ON u.id = o.user_fk ORDER BY o.id",
                          {});
  if (!rows) return std::unexpected(rows.error());
  std::vector<OAuthClient> out;
  for (const auto& r : *rows)
    out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), split_scopes(r.text(4)), r.integer(5), r.integer(6) != 0});
  return out;
}

Status AuthService::revoke_client(const std::string& client_id) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  if (auto s = (*c)->execute("UPDATE oauth_clients SET revoked = 1 WHERE client_id = ?", {client_id}); !s) return s;
  if ((*c)->changes() == 0) return fail(ErrorCode::NotFound, "no such client");
  return (*c)->execute(
      "UPDATE api_tokens SET revoked = 1 WHERE client_fk = (SELECT id FROM oauth_clients WHERE client_id = ?)",
      {client_id});
}

Result<IssuedToken> AuthService::issue_client_token(const std::string& client_id, const std::string& secret,
                                                    const std::vector<std::string>& requested,
                                                    const std::string& address) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  LoginRequest as_login{client_id.substr(0, 64), "", "", "", address, ""};
  auto blocked = address_blocked(**c, address);
  if (!blocked) return std::unexpected(blocked.error());
  if (*blocked) return std::unexpected(unauthenticated("too many failed sign-ins from this address"));
  auto rows = (*c)->query("SELECT o.id, o.secret_hash, o.scopes, o.revoked, o.user_fk FROM oauth_clients o "
                          "WHERE o.client_id = ?",
                          {client_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty() || !equal_secrets(rows->front().text(1), sha256_hex(secret)) || rows->front().integer(3) != 0) {
    if (auto s = record_failure(**c, as_login, nullptr); !s) return std::unexpected(s.error());
    return std::unexpected(unauthenticated(rows->empty() ? "unknown client" : "wrong secret or revoked client"));
  }
  const Row& r = rows->front();
  auto p = principal_for(**c, r.integer(4));
  if (!p) return std::unexpected(p.error());
  std::vector<std::string> allowed = split_scopes(r.text(2));
  std::vector<std::string> granted;
  for (const auto& s : requested.empty() ? allowed : requested) {
    bool ok = std::ranges::find(allowed, "*") != allowed.end() || std::ranges::find(allowed, s) != allowed.end();
    if (!ok || (s != "*" && !access::is_known_permission(s)))
      return fail(ErrorCode::InvalidArgument, "scope '" + s + "' is not granted to this client");
    granted.push_back(s);
  }
  IssuedToken out;
  out.access_token = "vireo_" + random_token(32);
  out.expires_in = kClientTokenSeconds;
  out.scopes = granted;
  out.username = p->username;
  int64_t now = clock_.unix_seconds();
  auto s = (*c)->execute("INSERT INTO api_tokens (token_hash, user_fk, name, scopes, created_at, expires_at, client_fk) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         {sha256_hex(out.access_token), r.integer(4), "oauth client " + client_id, join(granted, ' '),
                          now, now + kClientTokenSeconds, r.integer(0)});
  if (!s) return std::unexpected(s.error());
  // Issued tokens expire within the hour; old rows are pruned as new ones are issued.
  (void)(*c)->execute("DELETE FROM api_tokens WHERE client_fk IS NOT NULL AND expires_at < ?", {now - 86400});
  return out;
}

Status AuthService::revoke_token(int64_t id, int64_t owner_id) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  Status s = owner_id == 0 ? (*c)->execute("UPDATE api_tokens SET revoked = 1 WHERE id = ?", {id})
                           : (*c)->execute("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND user_fk = ?", {id, owner_id});
  if (!s) return s;
  if ((*c)->changes() == 0) return fail(ErrorCode::NotFound, "no such token");
  return {};
}

}  // namespace vireo::auth
