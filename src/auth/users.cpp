// Users: accounts, their roles and passwords, as administrators and the CLI manage them.
#include <algorithm>

#include "auth/auth_internal.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace vireo::auth {

using namespace detail;

Result<std::unique_ptr<AuthService>> AuthService::open(Database& db, WriteQueue& writes,
                                                       AuthPolicy policy, const Clock& clock,
                                                       const MigrationProgress& progress) {
  if (auto s = migrate(db, "auth", auth_migrations(), progress); !s)
    return std::unexpected(s.error());
  return std::unique_ptr<AuthService>(new AuthService(db, writes, std::move(policy), clock));
}

Status AuthService::write(const std::function<Status(Connection&)>& job) {
  auto done = writes_.run<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = job(c); !s) return std::unexpected(s.error());
    return true;
  });
  if (!done) return std::unexpected(done.error());
  return {};
}

std::string AuthService::user_select() const {
  // The user's columns (as `u`) and their roles in one: a credential is checked in one query.
  return "u.id, u.username, u.display_name, u.disabled, u.totp_enabled, u.patient_id, "
         "u.physician_name, "
         "u.failed_logins, u.locked_until, u.created_at, u.must_change_password, (SELECT " +
         db_.dialect().string_aggregate + "(role, ',') FROM user_roles WHERE user_fk = u.id)";
}

User AuthService::user_from_row(const Row& r, size_t at) {
  User u;
  u.id = r.integer(at);
  u.username = r.text(at + 1);
  u.display_name = r.text(at + 2);
  u.disabled = r.integer(at + 3) != 0;
  u.totp_enabled = r.integer(at + 4) != 0;
  u.patient_id = r.text(at + 5);
  u.physician_name = r.text(at + 6);
  u.failed_logins = static_cast<int>(r.integer(at + 7));
  u.locked_until = r.integer(at + 8);
  u.created_at = r.integer(at + 9);
  u.must_change_password = r.integer(at + 10) != 0;
  for (const auto& name : split(r.text(at + 11), ','))
    if (auto role = access::parse_role(name)) u.roles.push_back(*role);
  std::ranges::sort(u.roles, {}, [](Role role) { return role_name(role); });
  return u;
}

Result<User> AuthService::load_user(Connection& c, const std::string& where, const SqlValue& key) {
  std::vector<SqlValue> params{key};
  auto rows = c.query("SELECT " + user_select() + " FROM users u WHERE u." + where, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no such user");
  return user_from_row(rows->front(), 0);
}

Result<User> AuthService::add_user(const NewUser& n) {
  if (!valid_username(n.username))
    return fail(ErrorCode::InvalidArgument,
                "a user name has 1 to 64 letters, digits, '.', '_', '-' or '@'");
  if (auto s = check_roles(n.roles, n.patient_id, n.physician_name); !s)
    return std::unexpected(s.error());
  if (auto s = check_password_policy(n.username, n.password, policy_.password_min_length); !s)
    return std::unexpected(s.error());
  auto hash = hash_password(n.password);
  if (!hash) return std::unexpected(hash.error());
  int64_t id = 0;
  auto added = write([&](Connection& c) -> Status {
    // Checked in the write job: another node may add the same name at the same moment.
    auto existing = load_user(c, "username = ?", n.username);
    if (existing) return fail(ErrorCode::AlreadyExists, "user '" + n.username + "' already exists");
    int64_t now = clock_.unix_seconds();
    auto ins = c.query(
        "INSERT INTO users (username, display_name, password_hash, patient_id, physician_name, "
        "created_at, "
        "password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {n.username, n.display_name, *hash, n.patient_id, n.physician_name, now, now});
    if (!ins || ins->empty())
      return std::unexpected(ins ? Error{ErrorCode::DatabaseError, "insert user"} : ins.error());
    id = ins->front().integer(0);
    for (Role r : n.roles)
      if (auto s = c.execute(
              "INSERT INTO user_roles (user_fk, role) VALUES (?, ?) ON CONFLICT DO NOTHING",
              {id, std::string(role_name(r))});
          !s)
        return s;
    return {};
  });
  if (!added) return std::unexpected(added.error());
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  return load_user(**c, "id = ?", id);
}

Status AuthService::set_password(const std::string& username, const std::string& password) {
  return replace_password(username, password, false);
}

Status AuthService::replace_password(const std::string& username, const std::string& password,
                                     bool temporary) {
  if (auto s = check_password_policy(username, password, policy_.password_min_length); !s) return s;
  auto hash = hash_password(password);
  if (!hash) return std::unexpected(hash.error());
  return write([&](Connection& c) -> Status {
    auto u = load_user(c, "username = ?", username);
    if (!u) return std::unexpected(u.error());
    // A new password ends every session signed in with the old one (OWASP ASVS 3.3.3).
    if (auto s = c.execute(
            "UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, "
            "locked_until = 0, must_change_password = ? WHERE id = ?",
            {*hash, clock_.unix_seconds(), int64_t{temporary}, u->id});
        !s)
      return s;
    if (auto s = c.execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ?", {u->id}); !s)
      return s;
    if (!temporary) return {};
    // An administrator resets a password that is forgotten or may be known to someone else:
    // tokens minted with it end too.
    return c.execute("UPDATE api_tokens SET revoked = 1 WHERE client_fk IS NULL AND user_fk = ?",
                     {u->id});
  });
}

Result<std::string> AuthService::reset_password(const std::string& username) {
  auto generated = generate_password(username, policy_.password_min_length);
  if (!generated) return std::unexpected(generated.error());
  if (auto s = replace_password(username, *generated, true); !s) return std::unexpected(s.error());
  return *generated;
}

Status AuthService::change_own_password(int64_t user_id, int64_t session_id,
                                        const std::string& current, const std::string& replacement,
                                        const std::string& address) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "id = ?", user_id);
  if (!u) return std::unexpected(u.error());
  auto rows = (*c)->query("SELECT password_hash FROM users WHERE id = ?", {user_id});
  if (!rows || rows->empty())
    return std::unexpected(rows ? Error{ErrorCode::DatabaseError, "user vanished"} : rows.error());
  // A locked account is not asked for its password at all, not even from an open session.
  if (u->locked_until > clock_.unix_seconds())
    return fail(
        ErrorCode::TooManyAttempts,
        "the account is locked after failed attempts; try again later or ask an administrator");
  // A wrong current password counts as a failed sign-in: a session left open is not a way
  // to guess it.
  if (!verify_password(rows->front().text(0), current)) {
    LoginRequest as_login{u->username, "", "", "", address, ""};
    if (auto s = record_failure(as_login, &*u); !s) return s;
    return fail(ErrorCode::InvalidArgument, "the current password is not right");
  }
  if (current == replacement)
    return fail(ErrorCode::InvalidArgument, "the new password must differ from the current one");
  if (auto s = check_password_policy(u->username, replacement, policy_.password_min_length); !s)
    return s;
  auto hash = hash_password(replacement);
  if (!hash) return std::unexpected(hash.error());
  return write([&](Connection& w) -> Status {
    if (auto s = w.execute(
            "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = 0 "
            "WHERE id = ?",
            {*hash, clock_.unix_seconds(), user_id});
        !s)
      return s;
    // Every other session signed in with the old password ends; this one goes on.
    return w.execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ? AND id <> ?",
                     {user_id, session_id});
  });
}

Status AuthService::set_disabled(const std::string& username, bool disabled) {
  return write([&](Connection& c) -> Status {
    auto u = load_user(c, "username = ?", username);
    if (!u) return std::unexpected(u.error());
    if (auto s =
            c.execute("UPDATE users SET disabled = ? WHERE id = ?", {int64_t{disabled}, u->id});
        !s)
      return s;
    if (disabled) return c.execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ?", {u->id});
    return {};
  });
}

Status AuthService::unlock(const std::string& username) {
  return write([&](Connection& c) -> Status {
    auto u = load_user(c, "username = ?", username);
    if (!u) return std::unexpected(u.error());
    return c.execute("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", {u->id});
  });
}

Status AuthService::reset_totp(const std::string& username) {
  return write([&](Connection& c) -> Status {
    auto u = load_user(c, "username = ?", username);
    if (!u) return std::unexpected(u.error());
    if (auto s =
            c.execute("UPDATE users SET totp_enabled = 0, totp_secret = '', totp_pending = '', "
                      "totp_last_step = 0 WHERE id = ?",
                      {u->id});
        !s)
      return s;
    if (auto s = c.execute("DELETE FROM recovery_codes WHERE user_fk = ?", {u->id}); !s) return s;
    return c.execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ?", {u->id});
  });
}

Status AuthService::set_roles(const std::string& username, const std::vector<Role>& roles) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "username = ?", username);
  if (!u) return std::unexpected(u.error());
  if (auto s = check_roles(roles, u->patient_id, u->physician_name); !s) return s;
  return write([&](Connection& w) -> Status {
    if (auto s = w.execute("DELETE FROM user_roles WHERE user_fk = ?", {u->id}); !s) return s;
    for (Role r : roles)
      if (auto s = w.execute(
              "INSERT INTO user_roles (user_fk, role) VALUES (?, ?) ON CONFLICT DO NOTHING",
              {u->id, std::string(role_name(r))});
          !s)
        return s;
    // New roles take effect at the next sign-in, and old privileges never linger in a session.
    return w.execute("UPDATE sessions SET revoked = 1 WHERE user_fk = ?", {u->id});
  });
}

Result<User> AuthService::user(const std::string& username) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  return load_user(**c, "username = ?", username);
}

Result<std::vector<User>> AuthService::users() {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT " + user_select() + " FROM users u ORDER BY u.username", {});
  if (!rows) return std::unexpected(rows.error());
  std::vector<User> out;
  for (const auto& r : *rows) out.push_back(user_from_row(r, 0));
  return out;
}

Result<int64_t> AuthService::count_users() {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT COUNT(*) FROM users", {});
  if (!rows) return std::unexpected(rows.error());
  return rows->front().integer(0);
}

}  // namespace vireo::auth
