// The identity domain: users and their roles, password sign-in with throttling and lockout,
// TOTP with recovery codes, browser sessions and bearer tokens. Secrets (passwords, session
// ids, tokens, recovery codes) are stored only as hashes.
//
// Thread-safety: all methods may be called concurrently (pooled connections for reads; writes
// go through the node's WriteQueue, never from inside one of its jobs).
// Usage:
//   auto auth = AuthService::open(db, writes, policy, system_clock());
//   auto login = (*auth)->login({"alice", password, totp, "", address, user_agent});
//   auto who = (*auth)->authenticate_session(cookie_value);   // Result<Principal>
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/principal.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::auth {

// Identity's vocabulary comes from access/: sign-in makes the Principal that access rules read.
using access::Credential;
using access::Principal;
using access::Role;

struct AuthPolicy {
  size_t password_min_length = 12;
  int max_failures_per_account = 5;   // then the account is locked
  int lockout_seconds = 900;          // until it unlocks by itself (an admin can unlock sooner)
  int max_failures_per_address = 20;  // within address_window_seconds, then the address waits
  int address_window_seconds = 900;
  int session_idle_seconds = 1800;
  int session_absolute_seconds = 43200;
  std::vector<Role> totp_required_roles{Role::Admin, Role::Radiologist};
};

struct User {
  int64_t id = 0;
  std::string username, display_name;
  std::vector<Role> roles;
  bool disabled = false;
  bool totp_enabled = false;
  std::string patient_id, physician_name;
  int failed_logins = 0;
  int64_t locked_until = 0;
  int64_t created_at = 0;
  bool must_change_password = false;  // reset by an administrator: changed at the next sign-in
};

struct NewUser {
  std::string username, display_name, password;
  std::vector<Role> roles;
  std::string patient_id, physician_name;
};

struct LoginRequest {
  std::string username, password;
  std::string totp;           // six digits, when the user has TOTP
  std::string recovery_code;  // instead of the TOTP code
  std::string address, user_agent;
};

struct LoginResult {
  std::string session_token;  // the cookie value; only its hash is stored
  Principal principal;
  int64_t expires_at = 0;  // absolute timeout
};

struct TokenInfo {
  int64_t id = 0;
  std::string username, name;
  std::vector<std::string> scopes;
  int64_t created_at = 0, expires_at = 0, last_used = 0;
  bool revoked = false;
};

struct CreatedToken {
  TokenInfo info;
  std::string token;  // shown once
};

struct OAuthClient {
  int64_t id = 0;
  std::string client_id, username, name;
  std::vector<std::string> scopes;
  int64_t created_at = 0;
  bool revoked = false;
};

struct CreatedClient {
  OAuthClient info;
  std::string secret;  // shown once
};

struct IssuedToken {
  std::string access_token;
  int64_t expires_in = 0;
  std::vector<std::string> scopes;
  std::string username;
};

struct TotpEnrolment {
  std::string secret_base32;
  std::string otpauth_uri;
};

[[nodiscard]] const std::vector<Migration>& auth_migrations();

class AuthService {
 public:
  static Result<std::unique_ptr<AuthService>> open(Database& db, WriteQueue& writes,
                                                   AuthPolicy policy, const Clock& clock,
                                                   const MigrationProgress& progress = {});

  // --- users (CLI and users.admin) ---
  [[nodiscard]] Result<User> add_user(const NewUser& u);
  [[nodiscard]] Status set_password(const std::string& username, const std::string& password);
  // An administrator's reset: a generated temporary password (returned, to hand over) that
  // must be changed at the next sign-in; the user's sessions end.
  [[nodiscard]] Result<std::string> reset_password(const std::string& username);
  // The signed-in user's own change: the current password, then the new one under the policy.
  // Other sessions end; `session_id` (the one asking) goes on.
  [[nodiscard]] Status change_own_password(int64_t user_id, int64_t session_id,
                                           const std::string& current,
                                           const std::string& replacement,
                                           const std::string& address);
  [[nodiscard]] Status set_disabled(const std::string& username, bool disabled);
  // Clears the failure count and lockout of an account.
  [[nodiscard]] Status unlock(const std::string& username);
  [[nodiscard]] Status reset_totp(const std::string& username);
  // Replaces the user's roles (same rules as add_user); their sessions end.
  [[nodiscard]] Status set_roles(const std::string& username, const std::vector<Role>& roles);
  [[nodiscard]] Result<User> user(const std::string& username);
  [[nodiscard]] Result<std::vector<User>> users();
  [[nodiscard]] Result<int64_t> count_users();

  // --- sign-in ---
  // On failure the error is Unauthenticated and its detail says why (for the audit trail
  // only: callers answer every failure with the same generic message).
  [[nodiscard]] Result<LoginResult> login(const LoginRequest& req);
  [[nodiscard]] Result<Principal> authenticate_session(const std::string& session_token);
  [[nodiscard]] Result<Principal> authenticate_bearer(const std::string& token);
  [[nodiscard]] Status logout(int64_t session_id);
  // Whether the principal's session or token still holds (not ended, expired, idle past its
  // timeout, or its account disabled), without counting as activity: for what stays open after
  // its request (an event stream). A principal of neither kind does not.
  [[nodiscard]] Result<bool> still_signed_in(const Principal& p);
  // Proof that the person at the keyboard owns the signed-in account, for a step that needs it
  // (signing a report): a fresh TOTP code when the account has TOTP (each code good once, as at
  // sign-in), else its password. A failure counts towards the lockout as a failed sign-in does;
  // it is Forbidden (or TooManyAttempts while locked), never Unauthenticated: the session holds.
  [[nodiscard]] Status reauthenticate(const Principal& who, const std::string& secret,
                                      const std::string& address);

  // --- TOTP enrolment for the signed-in user ---
  [[nodiscard]] Result<TotpEnrolment> begin_totp(int64_t user_id);
  // Confirms with a code from the app; returns ten recovery codes, shown once.
  [[nodiscard]] Result<std::vector<std::string>> confirm_totp(int64_t user_id,
                                                              const std::string& code);

  // --- bearer tokens ---
  // `scopes`: permissions the token is limited to, or {"*"}; expires_at 0 = never.
  [[nodiscard]] Result<CreatedToken> create_token(const std::string& username,
                                                  const std::string& name,
                                                  const std::vector<std::string>& scopes,
                                                  int64_t expires_at);
  // All personal tokens (username empty) or one user's; not those issued to OAuth clients,
  // which come and go hourly and are revoked with their client.
  [[nodiscard]] Result<std::vector<TokenInfo>> tokens(const std::string& username);
  // Revokes token `id`; with owner_id != 0 only if that user owns it (NotFound otherwise).
  [[nodiscard]] Status revoke_token(int64_t id, int64_t owner_id);

  // --- OAuth 2.0 client credentials (RFC 6749 4.4) ---
  // A client acts as `username`, limited to `scopes`.
  [[nodiscard]] Result<CreatedClient> create_client(const std::string& username,
                                                    const std::string& name,
                                                    const std::vector<std::string>& scopes);
  [[nodiscard]] Result<std::vector<OAuthClient>> clients();
  // Revokes the client and every access token issued to it.
  [[nodiscard]] Status revoke_client(const std::string& client_id);
  // Checks the client's secret and issues a one-hour bearer token for the requested scopes
  // (empty: all of the client's). Unauthenticated for a bad client (detail says why, for the
  // audit trail); InvalidArgument for scopes beyond the client's.
  [[nodiscard]] Result<IssuedToken> issue_client_token(const std::string& client_id,
                                                       const std::string& secret,
                                                       const std::vector<std::string>& scopes,
                                                       const std::string& address);

  [[nodiscard]] const AuthPolicy& policy() const { return policy_; }

 private:
  AuthService(Database& db, WriteQueue& writes, AuthPolicy policy, const Clock& clock)
      : db_(db), writes_(writes), policy_(std::move(policy)), clock_(clock), pool_(db) {}
  // One job: the new password, sessions ended; `temporary` (an administrator's reset): to be
  // changed at the next sign-in, and personal tokens revoked too.
  Status replace_password(const std::string& username, const std::string& password, bool temporary);
  // Runs `job` as one write job on the node's write queue.
  Status write(const std::function<Status(Connection&)>& job);
  // `where`: a condition on one column of users ("username = ?").
  Result<User> load_user(Connection& c, const std::string& where, const SqlValue& key);
  [[nodiscard]] std::string user_select() const;
  static User user_from_row(const Row& r, size_t at);
  Result<Principal> principal_for(Connection& c, int64_t user_id);
  Result<Principal> principal_for(const User& u) const;
  bool totp_required(const User& u) const;
  // A failed sign-in: counted for the address, and for the account `u` when known (its lock).
  Status record_failure(const LoginRequest& req, const User* u);
  Result<bool> address_blocked(Connection& c, const std::string& address);

  Database& db_;
  WriteQueue& writes_;
  AuthPolicy policy_;
  const Clock& clock_;
  ConnectionPool pool_;
};

}  // namespace vireo::auth
